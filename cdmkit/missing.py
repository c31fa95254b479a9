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
    ok = s.notna()
    if not (s.dtype == object or pd.api.types.is_string_dtype(s)) or not ok.any():
        return ok.astype(bool)
    # Judge each distinct value once: exports repeat the same few placeholders.
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    words = np.array([not (isinstance(u, str) and u.strip().lower() in MISSING_TEXT)
                      for u in uniq] + [False], dtype=bool)
    return pd.Series(words[codes], index=s.index) & ok.astype(bool)


def is_missing(values) -> pd.Series:
    """The complement of :func:`is_present`.

    Examples
    --------
    >>> is_missing(["", "x"]).tolist()
    [True, False]
    """
    return ~is_present(values)
