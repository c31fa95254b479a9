"""PII detection per column, by column name and by content.

A column is classified by its name (canonical field names and their aliases
from :mod:`cdmkit.model`) and by what its values look like: e-mail addresses,
phone numbers, Iranian national codes (کد ملی, 10 digits with a check digit),
card-number-like values passing the Luhn check, and birth dates. The result
gives each column a PII class (``direct``, ``quasi``, ``sensitive``,
``none``), a PII type and the evidence, so the catalogue can show why.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"contact": ["ana@example.com", "bo@example.org"], "n": [1, 2]})
>>> detect_pii(df)[["column", "pii_class", "pii_type"]].fillna("-").values.tolist()
[['contact', 'direct', 'email'], ['n', 'none', '-']]
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from ..model import FIELDS

__all__ = ["detect_pii", "classify_column", "iran_national_code_valid", "luhn_valid",
           "normalise_digits", "looks_like_event_times", "PII_TYPES"]

#: PII type -> PII class.
PII_TYPES = {
    "email": "direct",
    "phone": "direct",
    "national_id": "direct",
    "iran_national_code": "direct",
    "card_number": "direct",
    "name": "direct",
    "address": "direct",
    "birth_date": "quasi",
    "quasi_identifier": "quasi",
    "sensitive": "sensitive",
}

_PERSIAN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩０１２３４５６７８９",
                                "012345678901234567890123456789")

_EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$"
_PHONE_RE = r"^\+?[\d\s().\-/]{6,24}$"

# Canonical field -> PII type (fields with pii "none" are not listed).
_FIELD_TYPES = {
    "email": "email", "phone": "phone", "national_id": "national_id",
    "first_name": "name", "middle_name": "name", "last_name": "name", "full_name": "name",
    "street": "address", "address_line2": "address", "birth_date": "birth_date",
}


def _norm_name(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", str(name).lower())


def _name_index() -> dict[str, tuple[str, str]]:
    """Normalised column name -> (canonical field, pii class) for PII fields."""
    idx: dict[str, tuple[str, str]] = {}
    for kind in ("customers", "transactions", "events", "interactions"):
        for f in FIELDS[kind].values():
            if f.pii == "none":
                continue
            for n in (f.name, *f.aliases):
                idx.setdefault(_norm_name(n), (f.name, f.pii))
    # Common extra names for card numbers and national codes.
    for n in ("cardnumber", "creditcard", "ccnumber", "pan", "iban"):
        idx[n] = ("card_number", "direct")
    for n in ("codemelli", "kodmelli", "nationalcode", "melli"):
        idx[n] = ("national_id", "direct")
    return idx


_NAME_INDEX = _name_index()

# Variants of a field kept beside it: readings (Japanese kana/furigana), transliterations,
# originals and comparison keys still identify the person.
_VARIANT_AFFIXES = ("furigana", "reading", "romaji", "latin", "kana", "kanji", "native",
                    "local", "original", "raw", "std", "key", "alt", "full")


def _name_lookup(name: str):
    """(canonical field, pii class) of a column name, also for variants such as ``*_kana``.

    Examples
    --------
    >>> _name_lookup("first_name_kana")
    ('first_name', 'direct')
    >>> _name_lookup("amount") is None
    True
    """
    norm = _norm_name(name)
    hit = _NAME_INDEX.get(norm)
    if hit:
        return hit
    for affix in _VARIANT_AFFIXES:
        for stem in (norm[: -len(affix)] if norm.endswith(affix) else None,
                     norm[len(affix):] if norm.startswith(affix) else None):
            if stem and stem in _NAME_INDEX:
                return _NAME_INDEX[stem]
    return None

_KEY_NAME = re.compile(r"(id|record|ref|key|source)$")


def normalise_digits(value) -> str:
    """Persian, Arabic-Indic and full-width digits to ASCII; other characters kept.

    Examples
    --------
    >>> normalise_digits("۰۰۸۴۵۷۵۹۴۸")
    '0084575948'
    """
    return str(value).translate(_PERSIAN_DIGITS)


def iran_national_code_valid(code) -> bool:
    """Check an Iranian national code (کد ملی): 10 digits whose last is a check digit.

    With digits d1..d10, ``s = sum(d_i * (11 - i) for i in 1..9) mod 11``; the
    code is valid when ``d10 == s`` for ``s < 2`` and ``d10 == 11 - s`` otherwise.
    Codes of ten identical digits are rejected (placeholders).

    Examples
    --------
    >>> iran_national_code_valid("0084575948")
    True
    >>> iran_national_code_valid("0084575947")
    False
    >>> iran_national_code_valid("۰۰۸۴۵۷۵۹۴۸")
    True
    """
    s = re.sub(r"[\s\-]", "", normalise_digits(code))
    if not re.fullmatch(r"\d{10}", s) or len(set(s)) == 1:
        return False
    d = [int(c) for c in s]
    r = sum(d[i] * (10 - i) for i in range(9)) % 11
    return d[9] == (r if r < 2 else 11 - r)


def luhn_valid(number) -> bool:
    """Luhn check of a card-number-like value (13 to 19 digits, spaces/dashes allowed).

    Examples
    --------
    >>> luhn_valid("4111 1111 1111 1111")
    True
    >>> luhn_valid("4111 1111 1111 1112")
    False
    """
    s = re.sub(r"[\s\-]", "", normalise_digits(number))
    if not re.fullmatch(r"\d{13,19}", s):
        return False
    total = 0
    for i, c in enumerate(reversed(s)):
        n = int(c)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def _iran_codes_valid(s: pd.Series) -> pd.Series:
    """Vectorised :func:`iran_national_code_valid` on cleaned digit strings."""
    ok = s.str.fullmatch(r"\d{10}").fillna(False).astype(bool)
    out = pd.Series(False, index=s.index)
    if not ok.any():
        return out
    digits = np.array([list(map(int, v)) for v in s[ok]])
    r = (digits[:, :9] * np.arange(10, 1, -1)).sum(axis=1) % 11
    check = np.where(r < 2, r, 11 - r)
    same = (digits == digits[:, :1]).all(axis=1)
    out[ok] = (digits[:, 9] == check) & ~same
    return out


def _luhn_many(s: pd.Series) -> pd.Series:
    ok = s.str.fullmatch(r"\d{13,19}").fillna(False).astype(bool)
    out = pd.Series(False, index=s.index)
    if ok.any():
        out[ok] = [luhn_valid(v) for v in s[ok]]
    return out


# Names of event times (an invoice date, an order timestamp): dates, but not of birth.
_EVENT_TIME_NAME = re.compile(r"(invoice|order|created|updated|modified|timestamp|time|"
                              r"transaction|purchase|payment|shipped|delivered|event|login|"
                              r"visit|session|signup|registered|consent|last|first)")
_BIRTH_NAME = re.compile(r"(birth|dob|born|geburt|naissance|nacimiento|tavalod)")


def _is_event_time_name(name: str) -> bool:
    """Whether a column name says it holds event times, not birth dates.

    Examples
    --------
    >>> _is_event_time_name("InvoiceDate"), _is_event_time_name("birth_date")
    (True, False)
    """
    norm = _norm_name(name)
    return bool(_EVENT_TIME_NAME.search(norm)) and not _BIRTH_NAME.search(norm)


def _parse_dates(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    return pd.to_datetime(s.astype(str), errors="coerce", format="mixed") if (s.dtype == object or isinstance(s.dtype, pd.StringDtype)) \
        else pd.to_datetime(s, errors="coerce")


def looks_like_event_times(values: pd.Series) -> bool:
    """Whether dates are times of events (orders, invoices) rather than birth dates.

    Event times give themselves away by a time of day in more than 5 % of the
    values (birth dates are whole days) or, with at least 20 values, by a narrow
    range of years (90 % within less than five years; birth dates spread over
    decades).

    Examples
    --------
    >>> import pandas as pd
    >>> looks_like_event_times(pd.Series(pd.date_range("2010-12-01 08:26", periods=30, freq="7h")))
    True
    >>> looks_like_event_times(pd.Series(["1984-03-07", "1961-11-30"]))
    False
    """
    parsed = _parse_dates(values.dropna()).dropna()
    if parsed.empty:
        return False
    if (parsed != parsed.dt.normalize()).mean() > 0.05:
        return True
    years = parsed.dt.year
    return len(years) >= 20 and years.quantile(0.95) - years.quantile(0.05) < 5


def _birth_date_share(s: pd.Series, today: date) -> float:
    """Share of plausible birth dates; 0 for values that are event times."""
    parsed = _parse_dates(s)
    if parsed.notna().mean() < 0.8:
        return 0.0
    if looks_like_event_times(parsed):
        return 0.0
    years = parsed.dt.year.dropna()
    if years.empty:
        return 0.0
    age = today.year - years
    plausible = (age >= 0) & (age <= 120)
    # Birth dates: nearly all plausible ages, and typical customers are adults.
    if plausible.mean() < 0.95 or float(age.median()) < 16:
        return 0.0
    return float(plausible.mean())


def _first_values(values: pd.Series, sample: int) -> pd.Series:
    """The first ``sample`` non-missing values; text stripped and blanks left out.

    Only as many values are stripped as it takes (in doubling chunks): a column of
    100,000 texts needs about ``sample`` of them, not all (the same values either way).
    """
    v = values.dropna()
    if not (v.dtype == object or pd.api.types.is_string_dtype(v)):
        return v.head(sample)
    if sample <= 0:
        return v.iloc[:0].astype(str)
    parts, taken, start, step = [], 0, 0, sample
    while start < len(v) and taken < sample:
        chunk = v.iloc[start:start + step].astype(str).str.strip()
        chunk = chunk[chunk != ""]
        parts.append(chunk)
        taken, start, step = taken + len(chunk), start + step, step * 2
    if not parts:
        return v.astype(str)
    return (pd.concat(parts) if len(parts) > 1 else parts[0]).head(sample)


def classify_column(name: str, values: pd.Series, *, min_share: float = 0.8,
                    sample: int = 1000, today: date | None = None) -> dict:
    """Classify one column by its name and a sample of its values.

    Parameters
    ----------
    name : str
        Column name.
    values : Series
        Column values.
    min_share : float
        Share of sampled non-empty values that must look like a PII type.
    sample : int
        Values examined (the first ``sample`` non-empty ones, so results are
        deterministic).
    today : date, optional
        Reference date for birth-date plausibility (default: today).

    Returns
    -------
    dict
        ``column``, ``pii_class``, ``pii_type``, ``by`` (``name``, ``content``,
        ``name+content`` or ``None``), ``share``, ``evidence`` and ``n_values``.

    Examples
    --------
    >>> import pandas as pd
    >>> classify_column("id", pd.Series(["0084575948", "4608968882"]))["pii_type"]
    'iran_national_code'
    >>> classify_column("dob", pd.Series(["1980-01-02"]))["by"]
    'name+content'
    """
    today = today or date.today()
    out = {"column": str(name), "pii_class": "none", "pii_type": None, "by": None,
           "share": None, "evidence": "", "n_values": int(values.notna().sum())}
    evidence = []
    name_hit = _name_lookup(name)
    name_type = None
    if name_hit:
        field, cls = name_hit
        name_type = _FIELD_TYPES.get(field, field if field in PII_TYPES else
                                     ("sensitive" if cls == "sensitive" else "quasi_identifier"))
        out.update(pii_class=cls, pii_type=name_type, by="name")
        evidence.append(f"name matches canonical field {field!r}")

    v = _first_values(values, sample)
    content_type, share = None, 0.0
    # Keys and provenance columns (record_id, *_record, *_ref) hold record identifiers;
    # numeric keys must not be mistaken for phone numbers.
    is_key = bool(_KEY_NAME.search(_norm_name(name))) and not name_hit
    if len(v):
        if pd.api.types.is_datetime64_any_dtype(v):
            share = _birth_date_share(v, today)
            content_type = "birth_date" if share >= min_share else None
        elif not (pd.api.types.is_numeric_dtype(v) or pd.api.types.is_bool_dtype(v)):
            s = v.astype(str).map(normalise_digits)
            compact = s.str.replace(r"[\s\-]", "", regex=True)
            digits = s.str.replace(r"\D", "", regex=True)
            checks = [
                ("email", lambda: s.str.match(_EMAIL_RE)),
                ("card_number", lambda: _luhn_many(compact)),
                ("iran_national_code", lambda: _iran_codes_valid(compact)),
                ("phone", lambda: s.str.match(_PHONE_RE) & ~s.str.match(r"^\d{4}-\d{2}-\d{2}")
                 # Without a country code a national number has at most 12 digits;
                 # longer digit runs are card or account numbers.
                 & digits.str.len().between(7, 15)
                 & (s.str.startswith("+") | digits.str.len().le(12))),
            ]
            for kind, fn in checks:
                if kind == "phone" and is_key:
                    continue
                sh = float(fn().fillna(False).mean())
                if sh >= min_share:
                    content_type, share = kind, sh
                    break
            if content_type is None and s.str.match(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}").mean() \
                    >= min_share:
                sh = _birth_date_share(s, today)
                if sh >= min_share:
                    content_type, share = "birth_date", sh
    if content_type == "birth_date" and not name_hit and _is_event_time_name(name):
        content_type = None  # an invoice or order date: a time of an event, not of a birth
    if content_type:
        evidence.append(f"{share:.0%} of {len(v)} sampled values look like {content_type}")
        if name_type and name_type != content_type and not (
                name_type == "national_id" and content_type == "iran_national_code"):
            # The content is the stronger evidence, except dates in a non-birth-date column.
            if content_type == "birth_date":
                content_type = None
        if content_type:
            by = "name+content" if out["by"] == "name" else "content"
            out.update(pii_type=content_type, pii_class=PII_TYPES[content_type], by=by,
                       share=round(share, 4))
    out["evidence"] = "; ".join(evidence)
    return out


def detect_pii(df: pd.DataFrame, *, min_share: float = 0.8, sample: int = 1000,
               today: date | None = None) -> pd.DataFrame:
    """Classify every column of ``df`` (see :func:`classify_column`).

    Parameters
    ----------
    df : DataFrame
    min_share, sample, today
        Passed to :func:`classify_column`.

    Returns
    -------
    DataFrame
        One row per column: ``column``, ``pii_class``, ``pii_type``, ``by``,
        ``share``, ``evidence``, ``n_values`` (non-missing values).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"card": ["4111111111111111"], "tel": ["+98 912 123 4567"]})
    >>> detect_pii(df)["pii_type"].tolist()
    ['card_number', 'phone']
    """
    rows = [classify_column(c, df[c], min_share=min_share, sample=sample, today=today)
            for c in df.columns]
    return pd.DataFrame(rows, columns=["column", "pii_class", "pii_type", "by", "share",
                                       "evidence", "n_values"])
