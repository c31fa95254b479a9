"""The data catalogue: where every customer field lives, what it means, and how sensitive it is.

One row per source column: ``source``, ``field`` (the source column),
``canonical_field``, ``definition`` (the source's ``definitions:`` in the YAML,
else the canonical definition), ``owner``, ``dtype``, ``pii_class``
(``direct``/``quasi``/``sensitive``/``none``: the source's ``pii:`` override,
else the canonical field's class, else detected from content),
``completeness`` (share of filled values), ``distinct`` and a masked
``example``.

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({"id": ["1", "2"], "Mail": ["ann@example.org", None],
...                     "contact": ["+44 7911 123456", "+44 7911 654321"]})
>>> cat = build_catalog(raw, {"record_id": "id", "email": "Mail"}, source="crm",
...                     kind="customers")
>>> cols = ["field", "canonical_field", "pii_class", "completeness", "example"]
>>> cat[cols].fillna("-").values.tolist()  # "-": no canonical field
[['id', 'record_id', 'none', 1.0, '1'], ['Mail', 'email', 'direct', 0.5, 'a***@example.org'], \
['contact', '-', 'direct', 1.0, '+44 791 *** **56']]
"""

from __future__ import annotations

import re

import pandas as pd

from ..model import fields_of
from ..privacy.masking import MASKERS, mask_date, mask_value

__all__ = ["CATALOG_COLUMNS", "detect_content", "detect_pii_class", "build_catalog"]

CATALOG_COLUMNS = ["source", "field", "canonical_field", "definition", "owner", "dtype",
                   "pii_class", "completeness", "distinct", "example"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s\-().\u06f0-\u06f9\u0660-\u0669]{7,20}$")
_DATE = re.compile(r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})")


def detect_content(values: pd.Series, sample: int = 500) -> str | None:
    """What a text column holds, judged on a sample: ``email``, ``phone``, ``date`` or ``None``.

    A kind wins when at least 80% of the sampled filled values look like it.

    Examples
    --------
    >>> detect_content(pd.Series(["a@b.org", "c@d.net", None]))
    'email'
    >>> detect_content(pd.Series(["0912 123 4567", "+98 21 1234 5678"]))
    'phone'
    >>> detect_content(pd.Series(["red", "blue"])) is None
    True
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    if not (values.dtype == object or isinstance(values.dtype, pd.StringDtype)):
        return None
    s = values.dropna()
    s = s[s.map(lambda v: isinstance(v, str))]
    if s.empty:
        return None
    s = s.head(sample).str.strip()
    for kind, rx in (("email", _EMAIL), ("date", _DATE), ("phone", _PHONE)):
        share = s.str.match(rx).mean()
        if share >= 0.8:
            if kind == "phone" and s.str.replace(r"\D", "", regex=True).str.len().lt(7).mean() \
                    > 0.2:
                continue
            return kind
    return None


def detect_pii_class(values: pd.Series, name: str = "") -> str:
    """PII class from content (and name): e-mails and phones are ``direct``, birth dates ``quasi``.

    A date column counts as a birth date (a quasi-identifier) only when its values
    look like birth dates; event times (an ``InvoiceDate`` with times of day, dates
    spanning a few years, or a name such as "order date") are not personal data.

    When the privacy package's fuller detector
    (:func:`cdmkit.privacy.detect.classify_column`) is available, the more
    identifying of its verdict and this one wins.

    Examples
    --------
    >>> detect_pii_class(pd.Series(["x@y.org"])), detect_pii_class(pd.Series(["12"]))
    ('direct', 'none')
    >>> times = pd.Series(pd.date_range("2010-12-01 08:26", periods=50, freq="7h"))
    >>> detect_pii_class(times, "InvoiceDate"), detect_pii_class(pd.Series(["1984-03-07"]), "dob")
    ('none', 'quasi')
    """
    from ..model import PII_CLASSES

    kind = detect_content(values)
    found = {"email": "direct", "phone": "direct", "date": "quasi"}.get(kind, "none")
    try:
        from ..privacy.detect import _is_event_time_name, classify_column, looks_like_event_times
    except ImportError:  # pragma: no cover - privacy package without the detector
        return found
    if kind == "date" and (_is_event_time_name(name) or looks_like_event_times(values)):
        found = "none"  # an invoice or order time, not a birth date
    try:
        other = classify_column(str(name), values)["pii_class"]
    except Exception:  # pragma: no cover - a detector problem must not break the catalogue
        return found
    if other in PII_CLASSES and PII_CLASSES.index(other) < PII_CLASSES.index(found):
        return other
    return found


def _dtype_of(s: pd.Series, canonical) -> str:
    if canonical is not None:
        return canonical.dtype
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_integer_dtype(s):
        return "int"
    if pd.api.types.is_float_dtype(s):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime"
    filled = s.dropna()
    if len(filled) and filled.map(lambda v: isinstance(v, str)).all():
        sample = filled.head(500)
        if pd.to_numeric(sample, errors="coerce").notna().all():
            return "float" if sample.str.contains(r"[.,]", regex=True).any() else "int"
    return "string"


def _example(s: pd.Series, pii: str, canonical_name: str | None, content: str | None):
    filled = s.dropna()
    if filled.empty:
        return None
    v = filled.iloc[0]
    if pii == "none":
        return str(v)[:60]
    masker = MASKERS.get(canonical_name or "")
    if masker is None:
        masker = {"email": MASKERS["email"], "phone": MASKERS["phone"],
                  "date": mask_date}.get(content, mask_value)
    return masker(str(v))


def build_catalog(raw: pd.DataFrame, mapping: dict, *, source: str, kind: str,
                  owner: str | None = None, definitions: dict | None = None,
                  pii: dict | None = None, present=None) -> pd.DataFrame:
    """Catalogue rows for one source (one per source column, in source order).

    Parameters
    ----------
    raw : DataFrame
        The source as loaded (before cleaning).
    mapping : dict
        ``{canonical field: source column}``.
    source, kind : str
        Source name and kind.
    owner : str, optional
        Owning team.
    definitions, pii : dict, optional
        Overrides keyed by source column or canonical field name.
    present : callable, optional
        ``present(column)``: its :func:`cdmkit.missing.is_present` mask, when the caller
        has it already (the collection asks once per raw column).

    Examples
    --------
    >>> cat = build_catalog(pd.DataFrame({"dob": ["1984-03-07"]}), {"birth_date": "dob"},
    ...                     source="s", kind="customers", definitions={"dob": "Birthday."})
    >>> cat.loc[0, ["definition", "pii_class", "example"]].tolist()
    ['Birthday.', 'quasi', '1984-**-**']
    """
    from ..missing import is_present

    fields = fields_of(kind)
    by_col = {str(c): f for f, c in mapping.items()}
    definitions, pii = definitions or {}, pii or {}
    rows = []
    n = len(raw)
    for col in raw.columns:
        s = raw[col]
        canon_name = by_col.get(str(col))
        canon = fields.get(canon_name) if canon_name else None
        # "nan", "NULL", "" count as missing
        filled = present(str(col)) if present is not None else is_present(s)
        content = detect_content(s) if canon is None else None
        cls = pii.get(str(col)) or (pii.get(canon_name) if canon_name else None)
        if cls is None:
            cls = canon.pii if canon is not None else detect_pii_class(s, str(col))
        definition = definitions.get(str(col)) or (definitions.get(canon_name) if canon_name
                                                   else None)
        if definition is None and canon is not None:
            definition = canon.definition
        rows.append({
            "source": source, "field": str(col), "canonical_field": canon_name,
            "definition": definition, "owner": owner, "dtype": _dtype_of(s, canon),
            "pii_class": cls,
            "completeness": round(float(filled.sum()) / n, 4) if n else 0.0,
            "distinct": int(s[filled].astype(str).nunique()) if n else 0,
            "example": _example(s[filled], cls, canon_name, content),
        })
    return pd.DataFrame(rows, columns=CATALOG_COLUMNS)
