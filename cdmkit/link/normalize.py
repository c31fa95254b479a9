"""Normalised comparison keys: transliteration-insensitive names, digits, dates.

The keys are computed once per distinct value (never once per pair): a column
is factorised, the distinct values are normalised, and the codes map back.

Examples
--------
>>> name_key("علي")  == name_key("علی")
True
>>> name_key("ﾀﾅｶ") == name_key("タナカ") == name_key("たなか")
True
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

__all__ = ["name_key", "text_key", "digits_key", "date_key", "email_key", "map_unique",
           "is_missing"]

# Arabic-script letters typed on Arabic keyboards (Windows exports) -> Persian letters.
_ARABIC_TO_PERSIAN = str.maketrans({
    "\u064a": "\u06cc",  # ي -> ی
    "\u0649": "\u06cc",  # ى -> ی
    "\u0643": "\u06a9",  # ك -> ک
    "\u0629": "\u0647",  # ة -> ه
    "\u0623": "\u0627",  # أ -> ا
    "\u0625": "\u0627",  # إ -> ا
    "\u0622": "\u0627",  # آ -> ا
    "\u0624": "\u0648",  # ؤ -> و
    "\u0640": None,      # tatweel
    "\u200c": None,      # zero-width non-joiner (half-space)
    "\u200d": None,
})
# Persian (U+06F0..) and Arabic-Indic (U+0660..) digits -> ASCII.
_DIGITS = str.maketrans({**{chr(0x06F0 + i): str(i) for i in range(10)},
                         **{chr(0x0660 + i): str(i) for i in range(10)}})
_HARAKAT = re.compile("[\u064b-\u065f\u0670]")
_PUNCT = re.compile(r"[^\w]+", re.UNICODE)


def is_missing(values: pd.Series) -> np.ndarray:
    """Boolean mask of missing values (NA, empty or blank strings).

    Examples
    --------
    >>> is_missing(pd.Series(["a", "", None, " "])).tolist()
    [False, True, True, True]
    """
    s = pd.Series(values)
    na = s.isna().to_numpy()
    txt = s.astype("string").str.strip().fillna("")
    return na | (txt == "").to_numpy()


def map_unique(values: pd.Series, fn) -> pd.Series:
    """Apply ``fn`` to each distinct non-missing value of ``values`` (fast on repetitive data).

    Examples
    --------
    >>> map_unique(pd.Series(["A", "A", None]), str.lower).tolist()
    ['a', 'a', None]
    """
    s = pd.Series(values).reset_index(drop=True)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = [fn(u) for u in uniques]
    # empty results count as missing; decided per distinct value, not per row
    mapped = np.array([None if v is None or (isinstance(v, str) and v == "") else v
                       for v in mapped] + [None], dtype=object)
    out = mapped[codes]  # code -1 picks the trailing None
    return pd.Series(out, index=pd.Series(values).index, dtype=object)


def _text(value) -> str:
    s = unicodedata.normalize("NFKC", str(value))
    s = s.translate(_ARABIC_TO_PERSIAN).translate(_DIGITS)
    s = _HARAKAT.sub("", s)
    return s.casefold().strip()


def text_key(value) -> str:
    """Case-, width- and script-variant-insensitive text with collapsed spaces.

    Examples
    --------
    >>> text_key("  12  Baker   St. ")
    '12 baker st'
    """
    s = _PUNCT.sub(" ", _text(value)).replace("_", " ")
    return " ".join(s.split())


def name_key(value) -> str:
    """Name key: :func:`text_key`, katakana folded to hiragana, accents and spaces removed.

    Persian names typed with Arabic letters (ي ك ة), half-width katakana and
    full-width letters give the same key as their standard forms.

    Examples
    --------
    >>> name_key("José-María")
    'josemaria'
    >>> name_key("كريمي") == name_key("کریمی")
    True
    """
    s = text_key(value)
    try:
        import jaconv

        s = jaconv.kata2hira(s)
    except ImportError:  # pragma: no cover - jaconv is a dependency
        pass
    # Strip Latin accents (NFKD + drop combining marks) but keep other scripts intact.
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    s = unicodedata.normalize("NFC", s)
    return s.replace(" ", "")


def digits_key(value) -> str:
    """Only the digits (any script) of ``value``.

    Examples
    --------
    >>> digits_key("+98 ۹۱۲-۱۲۳")
    '98912123'
    """
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", str(value)).translate(_DIGITS))


def email_key(value) -> str:
    """Lower-cased e-mail without ``+tag`` in the local part.

    Examples
    --------
    >>> email_key(" Ann.Lee+shop@Example.COM ")
    'ann.lee@example.com'
    """
    s = _text(value).replace(" ", "")
    if "@" in s:
        local, _, domain = s.rpartition("@")
        local = local.split("+", 1)[0]
        s = f"{local}@{domain}"
    return s


def date_key(values: pd.Series) -> pd.Series:
    """Dates as ``YYYYMMDD`` strings (None when missing or unparseable).

    Accepts datetimes, ``YYYYMMDD`` strings (as in FEBRL) and ISO-like strings.

    Examples
    --------
    >>> date_key(pd.Series(["1985-03-07", "19850307", None, "bad"])).tolist()
    ['19850307', '19850307', None, None]
    """
    s = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s.dt.strftime("%Y%m%d")
        return out.astype(object).where(s.notna(), None)

    def one(v):
        d = digits_key(v)
        if len(d) == 8:
            return d
        try:
            return pd.Timestamp(str(v)).strftime("%Y%m%d")
        except (ValueError, TypeError, OverflowError):
            return None

    return map_unique(s, one)
