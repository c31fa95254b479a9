"""``python -m cdmkit.cli``: the ``cdmkit`` command."""

from . import main

main()
