"""One definition of a missing value, for every completeness and quality measure.

Exports write missing text in many ways: an empty cell, blanks, or the words a
program printed for "nothing" — ``nan`` (pandas), ``None`` (Python), ``NULL``
(SQL), ``#N/A`` (spreadsheets), ``<NA>``, ``NaT``. A description column that
says "nan" on 2,928 rows is not 100 % complete. The collection's completeness,
the catalogue and the validation rules all ask :func:`is_present`.

The values themselves are not changed here (nothing is changed without a flag):
only the measures count them as missing.

Examples
--------
>>> import pandas as pd
>>> is_present(pd.Series(["WHITE MUG", "nan", " NULL ", "", None, "None", 3])).tolist()
[True, False, False, False, False, False, True]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["MISSING_TEXT", "is_present", "is_missing"]

#: Text that stands for "no value" (compared stripped and in lower case). "NA" is not
#: here: it is Namibia's country code and a valid abbreviation in many fields.
MISSING_TEXT = frozenset({"", "nan", "none", "null", "nil", "n/a", "#n/a", "<na>", "nat",
                          "undefined"})


def is_present(values) -> pd.Series:
    """Whether each value is there: not NaN/None/NaT/<NA> and not a missing-value word.

    Parameters
    ----------
    values : Series or array-like

    Returns
    -------
    Series of bool
        Same index as ``values``.

    Examples
    --------
    >>> import pandas as pd
    >>> is_present(pd.Series([1.0, float("nan")])).tolist()
    [True, False]
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if len(s) > 10_000 and (s.dtype == object or pd.api.types.is_string_dtype(s)):
        present = _present_arrow(s)
        if present is not None:
            return pd.Series(present, index=s.index)
    ok = s.notna()
    if not (s.dtype == object or pd.api.types.is_string_dtype(s)) or not ok.any():
        return ok.astype(bool)
    # Judge each distinct value once: exports repeat the same few placeholders.
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    words = np.array([not (isinstance(u, str) and u.strip().lower() in MISSING_TEXT)
                      for u in uniq] + [False], dtype=bool)
    return pd.Series(words[codes], index=s.index) & ok.astype(bool)


#: Exactly the characters ``str.strip`` removes (``str.isspace``), for Arrow's trim.
_WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_LONGEST_WORD = max(map(len, MISSING_TEXT))
#: The only non-ASCII character whose lower case is all ASCII (checked in the tests).
_KELVIN = "\u212a"


def _present_arrow(s: pd.Series) -> np.ndarray | None:
    """:func:`is_present` of a long text column in Arrow's string kernels (``None``: not text).

    A value is a missing-value word only if, stripped, it is at most as long as the
    longest word (``lower`` never shortens a string) and ASCII in lower case: the
    stripped short ASCII values are compared in lower case by Arrow, the short ones
    holding a Kelvin sign by the per-value rule; other non-ASCII values are no such word. The same result as the per-value rule on every value
    (``tests/test_collect_fastpaths.py``), without a Python call per distinct value.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(s, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError, UnicodeError):
        return None
    trimmed = pc.utf8_trim(arr, characters=_WHITESPACE)
    short = pc.less_equal(pc.utf8_length(trimmed), _LONGEST_WORD)
    ascii_ = pc.string_is_ascii(trimmed)
    words = pc.is_in(pc.ascii_lower(trimmed),
                     value_set=pa.array(sorted(MISSING_TEXT), type=pa.large_string()))
    word = pc.and_(pc.and_(short, ascii_), words).fill_null(False).to_numpy(zero_copy_only=False)
    # A non-ASCII value is still non-ASCII in lower case, except with the Kelvin sign (the
    # one character whose lower case is ASCII: "k"): those go the per-value road.
    odd = np.flatnonzero(pc.and_(pc.and_(short, pc.invert(ascii_)),
                                 pc.match_substring(trimmed, _KELVIN)).fill_null(False)
                         .to_numpy(zero_copy_only=False))
    if len(odd):
        raw = s.iloc[odd].to_numpy(dtype=object)
        word[odd] = [v.strip().lower() in MISSING_TEXT for v in raw]
    return arr.is_valid().to_numpy(zero_copy_only=False) & ~word


def is_missing(values) -> pd.Series:
    """The complement of :func:`is_present`.

    Examples
    --------
    >>> is_missing(["", "x"]).tolist()
    [True, False]
    """
    return ~is_present(values)
