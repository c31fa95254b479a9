"""Privacy: masking, PII detection, pseudonymisation and erasure.

Examples
--------
>>> from cdmkit.privacy import mask_email
>>> mask_email("x@example.com")
'x***@example.com'
"""

from .masking import MASKERS, mask_date, mask_email, mask_frame, mask_name, mask_phone, mask_value

__all__ = ["MASKERS", "mask_date", "mask_email", "mask_frame", "mask_name", "mask_phone",
           "mask_value"]
