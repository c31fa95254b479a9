"""Writing the demo files byte-for-byte reproducibly, and the client config that reads them.

Each file is written in the format of the system it imitates (UTF-8 CSV,
semicolon CSV with a byte-order mark, Excel, JSON lines, Parquet, a cp1256
Windows export with CRLF line ends). Excel files normally carry the time they
were saved; here the zip entries and document properties get a fixed time, so
the same seed gives identical bytes.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> p = write_table(pd.DataFrame({"a": [1, 2]}), d / "t.csv")
>>> p.read_text()
'a\\n1\\n2\\n'
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["write_table", "write_excel", "write_jsonl_chunks", "TableSink", "FILE_SPECS"]

#: How each demo file is written: file name -> writer options.
FILE_SPECS = {
    "webshop_customers.csv": {"encoding": "utf-8"},
    "pos_loyalty.csv": {"encoding": "utf-8-sig", "sep": ";"},
    "crm_contacts.xlsx": {"sheet": "contacts"},
    "newsletter.jsonl": {},
    "pos_tehran_branch.csv": {"encoding": "cp1256", "lineterminator": "\r\n"},
    "webshop_orders.parquet": {},
    "pos_sales.csv": {"encoding": "utf-8"},
    "pos_tehran_sales.csv": {"encoding": "utf-8"},
    "web_events.jsonl": {},
    "support_tickets.csv": {"encoding": "utf-8"},
    "ground_truth.csv": {"encoding": "utf-8"},
    "persons_truth.parquet": {},
}

_FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def write_table(df: pd.DataFrame, path: Path, *, encoding: str = "utf-8", sep: str = ",",
                lineterminator: str = "\n", sheet: str = "Sheet1") -> Path:
    """Write ``df`` to ``path`` in the format its extension names.

    Parameters
    ----------
    df : pandas.DataFrame
        Table to write (the index is not written).
    path : path
        ``.csv``, ``.jsonl``, ``.parquet`` or ``.xlsx``.
    encoding, sep, lineterminator : str
        CSV options.
    sheet : str
        Sheet name for ``.xlsx``.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_table(pd.DataFrame({"k": ["x"]}), d / "t.jsonl").read_text()
    '{"k":"x"}\\n'
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        # errors="strict": a character the target encoding lacks must fail loudly here
        with open(path, "w", encoding=encoding, errors="strict", newline="") as fh:
            df.to_csv(fh, index=False, sep=sep, lineterminator=lineterminator)
    elif suffix == ".jsonl":
        text = df.to_json(orient="records", lines=True, force_ascii=False,
                          date_format="iso")
        if text and not text.endswith("\n"):
            text += "\n"
        path.write_text(text, encoding="utf-8")
    elif suffix == ".parquet":
        df.to_parquet(path, index=False, engine="pyarrow", compression="snappy")
    elif suffix == ".xlsx":
        write_excel(df, path, sheet=sheet)
    else:
        raise ValueError(f"{path}: unsupported file type {suffix!r}")
    return path


_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE = "application/vnd.openxmlformats-officedocument"


def _xlsx_parts(sheet: str, sheet_xml: str) -> list:
    """The fixed parts of a one-sheet workbook (style 1 = date-time cells)."""
    esc = sheet.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return [
        ("[Content_Types].xml", _XML_HEAD
         + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
         'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
         f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE}.spreadsheetml.sheet.'
         'main+xml"/>'
         f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OFFICE}.'
         'spreadsheetml.worksheet+xml"/>'
         f'<Override PartName="/xl/styles.xml" ContentType="{_OFFICE}.spreadsheetml.'
         'styles+xml"/></Types>'),
        ("_rels/.rels", _XML_HEAD + f'<Relationships xmlns="{_NS_PKG}"><Relationship Id="rId1" '
         f'Type="{_NS_R}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        ("xl/workbook.xml", _XML_HEAD + f'<workbook xmlns="{_NS}" xmlns:r="{_NS_R}"><sheets>'
         f'<sheet name="{esc}" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        ("xl/_rels/workbook.xml.rels", _XML_HEAD + f'<Relationships xmlns="{_NS_PKG}">'
         f'<Relationship Id="rId1" Type="{_NS_R}/worksheet" Target="worksheets/sheet1.xml"/>'
         f'<Relationship Id="rId2" Type="{_NS_R}/styles" Target="styles.xml"/>'
         '</Relationships>'),
        ("xl/styles.xml", _XML_HEAD + f'<styleSheet xmlns="{_NS}"><numFmts count="1">'
         '<numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
         '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
         '<fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
         '<patternFill patternType="gray125"/></fill></fills>'
         '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
         '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
         'borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" '
         'fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" '
         'borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1">'
         '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
        ("xl/worksheets/sheet1.xml", sheet_xml),
    ]


def _col_letter(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _xml_text(v: pd.Series) -> pd.Series:
    v = v.astype(str).str.replace("&", "&amp;", regex=False).str.replace(
        "<", "&lt;", regex=False).str.replace(">", "&gt;", regex=False)
    # characters XML 1.0 forbids (control characters) are dropped
    return v.str.replace(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", regex=True)


def _cells(v: pd.Series, col: str, rows: pd.Series) -> pd.Series:
    """XML of one column's cells (empty string for missing values)."""
    ref = col + rows
    missing = v.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(v):
        serial = (v - pd.Timestamp("1899-12-30")) / pd.Timedelta(days=1)
        xml = '<c r="' + ref + '" s="1"><v>' + serial.map(repr) + "</v></c>"
    elif pd.api.types.is_bool_dtype(v):
        xml = '<c r="' + ref + '" t="b"><v>' + v.astype(int).astype(str) + "</v></c>"
    elif pd.api.types.is_numeric_dtype(v):
        xml = '<c r="' + ref + '"><v>' + v.map(repr) + "</v></c>"
    else:
        text = _xml_text(v.where(~missing, ""))
        space = text.str.match(r"^\s|.*\s$").to_numpy()
        open_t = np.where(space, '<t xml:space="preserve">', "<t>")
        xml = '<c r="' + ref + '" t="inlineStr"><is>' + open_t + text + "</t></is></c>"
    return xml.where(~missing, "")


def write_excel(df: pd.DataFrame | list, path: Path, sheet: str = "Sheet1") -> Path:
    """Write a one-sheet .xlsx file whose bytes depend only on the data.

    The sheet XML is built with vectorised string operations (inline strings,
    date-times as serial numbers with a date format), about ten times faster than
    writing cell by cell; pandas and Excel read it like any other workbook.
    Zip entries carry a fixed time, so the same data give the same bytes.

    Parameters
    ----------
    df : pandas.DataFrame or list of DataFrame
        The rows (a list is written block after block, with the first block's header).
    path : path
        Target file.
    sheet : str
        Sheet name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> df = pd.DataFrame({"id": ["a&b", None], "n": [1.5, 2.0],
    ...                    "t": pd.to_datetime(["2024-01-02 03:04:05", None])})
    >>> a = write_excel(df, d / "a.xlsx").read_bytes()
    >>> a == write_excel(df, d / "b.xlsx").read_bytes()
    True
    >>> back = pd.read_excel(d / "a.xlsx")
    >>> back["id"].tolist()[0], back["n"].tolist(), str(back["t"][0])
    ('a&b', [1.5, 2.0], '2024-01-02 03:04:05')
    """
    frames = df if isinstance(df, list) else [df]
    columns = list(frames[0].columns)
    letters = [_col_letter(i) for i in range(len(columns))]
    header = pd.Series([str(c) for c in columns], dtype=object)
    head_cells = ('<c r="' + pd.Series(letters) + '1" t="inlineStr"><is><t>'
                  + _xml_text(header) + "</t></is></c>")
    parts = ['<row r="1">' + "".join(head_cells) + "</row>"]
    first_row = 2
    for frame in frames:
        if frame.empty:
            continue
        rows = pd.Series(np.arange(first_row, first_row + len(frame)).astype(str))
        row_xml = '<row r="' + rows + '">'
        for c, letter in zip(columns, letters):
            row_xml = row_xml + _cells(frame[c].reset_index(drop=True), letter, rows)
        parts.append("".join((row_xml + "</row>").tolist()))
        first_row += len(frame)
    last = f"{letters[-1]}{first_row - 1}" if columns else "A1"
    sheet_xml = (_XML_HEAD + f'<worksheet xmlns="{_NS}"><dimension ref="A1:{last}"/>'
                 "<sheetData>" + "".join(parts) + "</sheetData></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name, text in _xlsx_parts(sheet, sheet_xml):
            zi = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, text.encode("utf-8"))
    Path(path).write_bytes(out.getvalue())
    return Path(path)


class TableSink:
    """Append blocks of rows to one file in its format (CSV, JSON lines, Parquet, Excel).

    Parameters
    ----------
    path : path
        Target file; its extension picks the format.
    encoding, sep, lineterminator, sheet :
        As for :func:`write_table`.

    Attributes
    ----------
    rows : int
        Rows written so far.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> sink = TableSink(p, encoding="utf-8-sig", sep=";")
    >>> sink.write(pd.DataFrame({"a": [1]})); sink.write(pd.DataFrame({"a": [2]}))
    >>> sink.close()
    2
    >>> p.read_bytes()
    b'\\xef\\xbb\\xbfa\\n1\\n2\\n'
    """

    def __init__(self, path, encoding: str = "utf-8", sep: str = ",", lineterminator: str = "\n",
                 sheet: str = "Sheet1"):
        self.path = Path(path)
        self.encoding, self.sep, self.lineterminator, self.sheet = (encoding, sep,
                                                                    lineterminator, sheet)
        self.rows = 0
        self._parquet = None
        self._excel: list = []
        self._columns = None
        self.path.unlink(missing_ok=True)

    def write(self, df: pd.DataFrame) -> None:
        """Append ``df`` (a block with the same columns as the first one).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> sink = TableSink(pathlib.Path(tempfile.mkdtemp()) / "t.jsonl")
        >>> sink.write(pd.DataFrame({"a": [1, 2]}))
        >>> sink.rows
        2
        """
        if df.empty:
            return
        if self._columns is None:
            self._columns = list(df.columns)
        elif list(df.columns) != self._columns:
            raise ValueError(f"{self.path.name}: block columns differ from the first block")
        suffix = self.path.suffix.lower()
        first = self.rows == 0
        if suffix == ".csv":
            # later blocks never repeat the header or the byte-order mark
            enc = self.encoding if first or self.encoding != "utf-8-sig" else "utf-8"
            with open(self.path, "w" if first else "a", encoding=enc, errors="strict",
                      newline="") as fh:
                df.to_csv(fh, index=False, header=first, sep=self.sep,
                          lineterminator=self.lineterminator)
        elif suffix == ".jsonl":
            text = df.to_json(orient="records", lines=True, force_ascii=False,
                              date_format="iso")
            with open(self.path, "w" if first else "a", encoding="utf-8", newline="\n") as fh:
                fh.write(text if text.endswith("\n") else text + "\n")
        elif suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            if self._parquet is None:
                table = pa.Table.from_pandas(df, preserve_index=False)
                self._parquet = pq.ParquetWriter(self.path, table.schema, compression="snappy")
            else:
                table = pa.Table.from_pandas(df, preserve_index=False,
                                             schema=self._parquet.schema)
            self._parquet.write_table(table)
        elif suffix == ".xlsx":
            self._excel.append(df)
        else:
            raise ValueError(f"{self.path}: unsupported file type {suffix!r}")
        self.rows += len(df)

    def close(self) -> int:
        """Finish the file; return the number of rows written.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> TableSink(pathlib.Path(tempfile.mkdtemp()) / "t.parquet").close()
        0
        """
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
        if self._excel:
            write_excel(self._excel, self.path, sheet=self.sheet)
            self._excel = []
        return self.rows


def write_jsonl_chunks(chunks, path: Path) -> int:
    """Write DataFrames one after another as JSON lines; return the number of rows.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "e.jsonl"
    >>> write_jsonl_chunks([pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [2, 3]})], p)
    3
    >>> p.read_text().count("\\n")
    3
    """
    rows = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for df in chunks:
            if df.empty:
                continue
            text = df.to_json(orient="records", lines=True, force_ascii=False)
            fh.write(text if text.endswith("\n") else text + "\n")
            rows += len(df)
    return rows
