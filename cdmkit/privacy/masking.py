"""Masking of direct identifiers for reports and notebook outputs.

Examples
--------
>>> mask_email("maryam.ahmadi@example.com")
'm***@example.com'
>>> mask_phone("+989121234567")
'+98 912 *** **67'
>>> mask_name("Maryam")
'M*****'
"""

from __future__ import annotations

import re

import pandas as pd

from ..model import FIELDS

__all__ = ["mask_attributes", "mask_email", "mask_phone", "mask_name", "mask_value",
           "mask_date", "mask_frame", "masker_for", "MASKERS"]


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and v != v) or v is pd.NA or v is pd.NaT


def mask_email(value):
    """Keep the first letter of the local part and the domain.

    Examples
    --------
    >>> mask_email("a@b.org")
    'a***@b.org'
    >>> mask_email("no-at-sign")
    'n***'
    """
    if _missing(value):
        return value
    s = str(value)
    local, at, domain = s.partition("@")
    return f"{local[:1]}***@{domain}" if at else f"{s[:1]}***"


def mask_phone(value):
    """Keep the country code, the first three and the last two digits.

    Examples
    --------
    >>> mask_phone("+447700900123")
    '+44 770 *** **23'
    """
    if _missing(value):
        return value
    s = str(value)
    digits = re.sub(r"\D", "", s)
    if len(digits) < 6:
        return "***"
    if s.strip().startswith("+"):
        import phonenumbers

        try:
            cc = str(phonenumbers.parse(s, None).country_code)
        except phonenumbers.NumberParseException:
            cc = digits[:2]
        rest = digits[len(cc):]
        return f"+{cc} {rest[:3]} *** **{rest[-2:]}"
    return f"{digits[:3]} *** **{digits[-2:]}"


def mask_name(value):
    """Keep the first character of each word.

    Examples
    --------
    >>> mask_name("Anne-Marie de Vries")
    'A********* d* V****'
    """
    if _missing(value):
        return value
    return " ".join(w[:1] + "*" * (len(w) - 1) for w in str(value).split())


def mask_date(value):
    """Keep the year only.

    Examples
    --------
    >>> mask_date("1984-03-07")
    '1984-**-**'
    """
    if _missing(value):
        return value
    s = str(value)[:10]
    return f"{s[:4]}-**-**" if len(s) >= 4 else "****"


def mask_value(value):
    """Generic mask: first character and a fixed run of stars.

    Examples
    --------
    >>> mask_value("12 Baker Street")
    '1***'
    """
    if _missing(value):
        return value
    s = str(value)
    return f"{s[:1]}***"


#: Masking function per canonical field (others with PII class "direct" use mask_value).
MASKERS = {
    "email": mask_email,
    "phone": mask_phone,
    "first_name": mask_name,
    "middle_name": mask_name,
    "last_name": mask_name,
    "full_name": mask_name,
    "birth_date": mask_date,
}

_DIRECT = {name for kind in FIELDS.values() for name, f in kind.items() if f.pii == "direct"}
#: Quasi-identifiers masked like direct ones by default: a postcode ("CF3 7TH") or a town with
#: a birth year or a purchase history singles a person out.
LOCATION_FIELDS = {"postcode", "city"}
_MASKED = _DIRECT | {"birth_date"} | LOCATION_FIELDS


def _base_field(col: str) -> str:
    # Cleaned tables keep originals as "<field>_raw", comparison keys as "<field>_key";
    # pair tables show both sides as "<field>_l" / "<field>_r".
    for suffix in ("_raw", "_std", "_original", "_clean", "_key", "_l", "_r", "_left",
                   "_right"):
        if col.endswith(suffix):
            return col[: -len(suffix)]
    return col


def masker_for(field: str):
    """Masking function of a (canonical or suffixed) field, or ``None`` if it is not masked.

    Examples
    --------
    >>> masker_for("email_raw")("ana@x.org")
    'a***@x.org'
    >>> masker_for("amount") is None, masker_for("postcode_raw")("CF3 7TH")
    (True, 'C***')
    """
    base = _base_field(str(field))
    if base in _MASKED:
        return MASKERS.get(base, mask_value)
    return None


def mask_frame(df: pd.DataFrame, *, show_raw: bool = False, columns=None) -> pd.DataFrame:
    """Return a copy of ``df`` with direct identifiers, birth dates, postcodes and cities masked.

    Parameters
    ----------
    df : DataFrame
    show_raw : bool
        Return ``df`` unchanged (``privacy.show_raw_pii: true``).
    columns : iterable of str, optional
        Extra columns to mask with :func:`mask_value`.

    Examples
    --------
    >>> import pandas as pd
    >>> mask_frame(pd.DataFrame({"email": ["x@y.com"], "n": [1]}))["email"].tolist()
    ['x***@y.com']
    >>> mask_frame(pd.DataFrame({"postcode_l": ["CF3 7TH"], "city": ["Cardiff"]})).iloc[0].tolist()
    ['C***', 'C***']
    """
    if show_raw:
        return df
    out = df.copy()
    extra = set(columns or ())
    for col in out.columns:
        base = _base_field(str(col))
        if base in _MASKED or col in extra:
            fn = MASKERS.get(base, mask_value)
            out[col] = out[col].map(fn, na_action="ignore").astype(object)
        elif col == "attributes":
            out[col] = out[col].map(mask_attributes, na_action="ignore").astype(object)
    return out


def mask_attributes(value):
    """Mask personal fields inside the JSON ``attributes`` of unmapped source columns.

    Keys are classified by name (canonical fields, their aliases and variants such
    as ``first_name_kana``); their values are masked like the field they stand for.

    Examples
    --------
    >>> mask_attributes('{"first_name_kana": "ヤマダ", "loyalty_tier": "gold"}')
    '{"first_name_kana": "ヤ**", "loyalty_tier": "gold"}'
    """
    import json

    from .detect import _name_lookup

    if not isinstance(value, str):
        return value
    try:
        data = json.loads(value)
    except ValueError:
        return mask_value(value)
    if not isinstance(data, dict):
        return mask_value(value)
    for key, v in data.items():
        hit = _name_lookup(key)
        if v is not None and hit and (hit[1] == "direct" or hit[0] in _MASKED):
            data[key] = MASKERS.get(hit[0], mask_value)(v)
    return json.dumps(data, ensure_ascii=False)
