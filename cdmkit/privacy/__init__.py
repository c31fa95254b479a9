"""Privacy primitives: masking, PII detection, pseudonymisation, suppression and report scanning.

The ground floor: nothing here imports a stage, the config or the run folder, so
every stage can use it. Erasing a person is an operation across the stages:
:mod:`cdmkit.operations.erase`.

Examples
--------
>>> from cdmkit.privacy import mask_email, iran_national_code_valid
>>> mask_email("x@example.com")
'x***@example.com'
>>> iran_national_code_valid("0084575948")
True
"""

import lazy_loader as _lazy

# The face is lazy: `import cdmkit.<pkg>` stays cheap (the CLI and `--help` import it);
# each name loads its submodule on first use.
__getattr__, __dir__, _ = _lazy.attach(__name__, submod_attrs={
    'detect': ['PII_TYPES', 'classify_column', 'detect_pii', 'iran_national_code_valid',
               'luhn_valid', 'normalise_digits'],
    'masking': ['MASKERS', 'mask_date', 'mask_email', 'mask_frame', 'mask_name', 'mask_phone',
                'mask_value', 'masker_for'],
    'pseudonymise': ['Pseudonymiser', 'key_from_config', 'pseudonymise', 'pseudonymise_frame'],
    'scan': ['raw_values_from_customers', 'scan_paths', 'scan_run', 'scan_text'],
    'suppression': ['SUPPRESSION_REASON', 'apply_suppression'],
})

__all__ = ["MASKERS", "mask_date", "mask_email", "mask_frame", "mask_name", "mask_phone",
           "mask_value", "masker_for",
           "PII_TYPES", "classify_column", "detect_pii", "iran_national_code_valid",
           "luhn_valid", "normalise_digits",
           "Pseudonymiser", "key_from_config", "pseudonymise", "pseudonymise_frame",
           "SUPPRESSION_REASON", "apply_suppression",
           "raw_values_from_customers", "scan_paths", "scan_run", "scan_text"]
