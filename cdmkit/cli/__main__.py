"""``python -m cdmkit.cli``: the ``cdmkit`` command."""

from . import main

if __name__ == "__main__":  # importing the module (e.g. to list modules) must not run it
    main()
