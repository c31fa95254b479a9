"""Neutralising CSV cells against formula (CSV) injection.

A spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-``
or ``@`` as a formula — also after leading spaces, tabs or line breaks, and
with the full-width forms ``＝ ＋ － ＠`` that Japanese and Chinese input
methods type — so a customer who types ``=HYPERLINK(...)`` as their name could
attack whoever opens the export. Such cells get a leading single quote (OWASP's
advice), which makes the spreadsheet show the text as typed; a cell starting
with a tab, carriage return or line feed is treated the same way. Plain numbers
(``-12.5``) and E.164 phone numbers (``+989121234567``) are read as numbers,
not formulas, and stay unchanged unless ``keep_numbers=False``.

The CSV writers quote every cell holding a delimiter, quote, carriage return or
line feed (:data:`CSV_LINE_END` is ``\\r\\n``, RFC 4180), so a line break inside
a value can never start a new row.

Examples
--------
>>> neutralise_cell("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> neutralise_cell("+989121234567"), neutralise_cell("Maryam")
('+989121234567', 'Maryam')
>>> neutralise_cell("\\r=1+1"), neutralise_cell(" ＝1+1")
("'\\r=1+1", "' ＝1+1")
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["neutralise_cell", "neutralise_formulas", "FORMULA_PREFIXES", "CSV_LINE_END"]

#: First characters that make a spreadsheet read a cell as a formula (after any whitespace).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\t", "\r",
                    "\n")

#: Line end of CSV exports (RFC 4180): fields holding ``\\r`` or ``\\n`` are then always quoted.
CSV_LINE_END = "\r\n"

_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$|^\+\d{7,15}$")
# Leading whitespace of any kind (incl. no-break and ideographic spaces, BOM), then a formula
# character; or a control character at the very start.
_DANGER = re.compile(r"^(?:[\s\u00a0\u3000\ufeff\u200b]*[=+\-@\uff1d\uff0b\uff0d\uff20]"
                     r"|[\t\r\n])")


def neutralise_cell(value, keep_numbers: bool = True):
    """Prefix a single quote to a text cell that a spreadsheet would run as a formula.

    Examples
    --------
    >>> neutralise_cell("@SUM(A1)"), neutralise_cell("\\tx"), neutralise_cell(5)
    ("'@SUM(A1)", "'\\tx", 5)
    >>> neutralise_cell("-5", keep_numbers=False), neutralise_cell("\\n-5")
    ("'-5", "'\\n-5")
    >>> neutralise_cell("＠cmd"), neutralise_cell("  +1+1"), neutralise_cell("a=b")
    ("'＠cmd", "'  +1+1", 'a=b')
    """
    if not isinstance(value, str) or not _DANGER.match(value):
        return value
    if keep_numbers and _NUMBER.match(value):
        return value
    return "'" + value


def neutralise_formulas(df: pd.DataFrame, keep_numbers: bool = True) -> pd.DataFrame:
    """Copy of ``df`` with every dangerous text cell neutralised (see :func:`neutralise_cell`).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"n": ["=1+1", "ok", " -x"], "x": [1, 2, 3]})
    >>> neutralise_formulas(df)["n"].tolist()
    ["'=1+1", 'ok', "' -x"]
    """
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            starts = s.astype("string").str.match(_DANGER).fillna(False).astype(bool)
            if starts.any():
                out[c] = s.astype(object)
                out.loc[starts, c] = s[starts].map(lambda v: neutralise_cell(v, keep_numbers))
    return out
