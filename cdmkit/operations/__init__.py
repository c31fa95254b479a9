"""Operations across the stages: erasing a person (right to erasure), the demo client.

An operation works on a client's whole history (store, every run folder, the
customer database), so it sits above the stage packages and may use any of
them; no stage imports an operation.

Examples
--------
>>> from cdmkit.operations import erase_customer
>>> callable(erase_customer)
True
"""

import lazy_loader as _lazy

# The face is lazy: `import cdmkit.<pkg>` stays cheap (the CLI and `--help` import it);
# each name loads its submodule on first use.
__getattr__, __dir__, _ = _lazy.attach(__name__, submod_attrs={
    'erase': ['ErasureReport', 'erase_customer', 'resume_erasure'],
    'demo': ['demo_paths', 'ensure_demo_config'],
})

__all__ = ["ErasureReport", "erase_customer", "resume_erasure", "demo_paths", "ensure_demo_config"]
