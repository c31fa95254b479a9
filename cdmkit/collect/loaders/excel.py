"""Excel workbooks: one sheet read with its types; files that are no workbook refused."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ...errors import InputError
from ...registry import loaders
from ..encoding import read_sample, sniff_container
from .base import Loader, _require_rows


@loaders.register("excel")
class ExcelLoader(Loader):
    """Excel workbooks (``.xlsx``, ``.xlsm``; ``.xls`` needs ``xlrd``).

    Other Parameters
    ----------------
    sheet : str or int
        Sheet name or 0-based index (default: the first sheet).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.xlsx"
    >>> with pd.ExcelWriter(p) as w:
    ...     pd.DataFrame({"id": [1]}).to_excel(w, sheet_name="a", index=False)
    ...     pd.DataFrame({"id": [2]}).to_excel(w, sheet_name="b", index=False)
    >>> ExcelLoader(sheet="b").load(p)["id"].tolist()
    [2]
    """

    name = "excel"
    options_allowed = ("sheet", "header")

    def load(self, path=None, *, progress: bool = False) -> pd.DataFrame:
        """Read one sheet."""
        p = self._path(path)
        sheet = self.options.get("sheet", 0)
        _check_workbook(p)
        try:
            book = pd.ExcelFile(p)
        except Exception as exc:  # openpyxl raises many types for broken files
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(p, f"cannot open as an Excel workbook: {msg}") from None
        with book:
            names = book.sheet_names
            if isinstance(sheet, int):
                if not 0 <= sheet < len(names):
                    raise InputError(p, f"sheet index {sheet} out of range (sheets: "
                                     f"{', '.join(names)})")
            elif sheet not in names:
                raise InputError(p, f"no sheet {sheet!r} (sheets: {', '.join(names)})")
            df = pd.read_excel(book, sheet_name=sheet, dtype=object,
                               header=self.options.get("header", 0))
        df.columns = [str(c).strip() for c in df.columns]
        warnings = []
        renames = {}
        for i, c in enumerate(df.columns, 1):
            if re.fullmatch(r"Unnamed: \d+", c) and df[c].notna().any():
                renames[c] = f"column_{i}"
                warnings.append((0, f"column_{i}", f"column {i} has no name in the header "
                                 f"row; named column_{i}"))
        df = df.rename(columns=renames)
        df = df.loc[:, [c for c in df.columns if not re.fullmatch(r"Unnamed: \d+", c)]]
        dup = [c for c in df.columns if re.fullmatch(r".+\.\d+", c) and c.rsplit(".", 1)[0]
               in df.columns]
        if dup:
            raise InputError(p, "duplicated column name", column=dup[0].rsplit(".", 1)[0])
        df = df.dropna(how="all").reset_index(drop=True) if len(df) else df
        df = df.astype(object).where(df.notna(), None)
        df.attrs["warnings"] = warnings
        return _require_rows(df, p)


def _check_workbook(p: Path) -> None:
    """Refuse, saying what it is, a file that is no Excel workbook whatever its name."""
    import zipfile

    head = read_sample(p, 4096)
    if not head:
        raise InputError(p, "file is empty")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if p.suffix.lower() in (".xlsx", ".xlsm"):
            raise InputError(p, "is a password-protected workbook or a legacy .xls named "
                             f"{p.suffix}; save it unprotected as .xlsx or CSV")
        return  # a legacy .xls (needs xlrd)
    found = sniff_container(head)
    if found and found[0] == "zip":
        try:
            with zipfile.ZipFile(p) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            raise InputError(p, "is not an Excel workbook: a damaged or truncated zip "
                             "archive") from None
        if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml")
                                                      for n in names):
            raise InputError(p, "is not an Excel workbook: a zip archive without a "
                             "workbook (xl/workbook.xml)")
        return
    if found:
        raise InputError(p, f"is not an Excel workbook: it is {found[1]}")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<html", b"<!doctype", b"<?xml", b"<table")):
        raise InputError(p, "is not an Excel workbook: it is HTML/XML text (a web export "
                         f"named {p.suffix}?)")
    try:
        head.decode("utf-8")
        is_text = True
    except UnicodeDecodeError as exc:
        is_text = exc.start >= len(head) - 3 and len(head) == 4096
    if is_text:
        raise InputError(p, "is not an Excel workbook: it is plain text (a CSV file named "
                         f"{p.suffix}? use loader: csv)")
    raise InputError(p, "is not an Excel workbook: unrecognised binary content")
