"""Neutralising CSV cells against formula (CSV) injection.

A spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-``
or ``@`` (and, in some programs, a tab or carriage return) as a formula, so a
customer who types ``=HYPERLINK(...)`` as their name could attack whoever opens
the export. Such cells get a leading single quote (OWASP's advice), which makes
the spreadsheet show the text as typed. Plain numbers (``-12.5``) and E.164
phone numbers (``+989121234567``) are read as numbers, not formulas, and stay
unchanged unless ``keep_numbers=False``.

Examples
--------
>>> neutralise_cell("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> neutralise_cell("+989121234567"), neutralise_cell("Maryam")
('+989121234567', 'Maryam')
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["neutralise_cell", "neutralise_formulas", "FORMULA_PREFIXES"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$|^\+\d{7,15}$")


def neutralise_cell(value, keep_numbers: bool = True):
    """Prefix a single quote to a text cell that a spreadsheet would run as a formula.

    Examples
    --------
    >>> neutralise_cell("@SUM(A1)"), neutralise_cell("\\tx"), neutralise_cell(5)
    ("'@SUM(A1)", "'\\tx", 5)
    >>> neutralise_cell("-5", keep_numbers=False)
    "'-5"
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
        return value
    if keep_numbers and _NUMBER.match(value):
        return value
    return "'" + value


def neutralise_formulas(df: pd.DataFrame, keep_numbers: bool = True) -> pd.DataFrame:
    """Copy of ``df`` with every dangerous text cell neutralised (see :func:`neutralise_cell`).

    Examples
    --------
    >>> import pandas as pd
    >>> neutralise_formulas(pd.DataFrame({"n": ["=1+1", "ok"], "x": [1, 2]}))["n"].tolist()
    ["'=1+1", 'ok']
    """
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            starts = s.astype("string").str.match(r"^[=+\-@\t\r]").fillna(False).astype(bool)
            if starts.any():
                out[c] = s.astype(object)
                out.loc[starts, c] = s[starts].map(lambda v: neutralise_cell(v, keep_numbers))
    return out
