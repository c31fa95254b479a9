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
import re
import zipfile
from pathlib import Path

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


def write_excel(df: pd.DataFrame | list, path: Path, sheet: str = "Sheet1") -> Path:
    """Write an .xlsx file whose bytes depend only on the data (fixed save time).

    Rows are streamed (openpyxl write-only mode), so large sheets stay cheap in memory.

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
    >>> a = write_excel(pd.DataFrame({"x": [1]}), d / "a.xlsx").read_bytes()
    >>> b = write_excel(pd.DataFrame({"x": [1]}), d / "b.xlsx").read_bytes()
    >>> a == b
    True
    """
    from openpyxl import Workbook

    frames = df if isinstance(df, list) else [df]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append([str(c) for c in frames[0].columns])
    for frame in frames:
        cols = []
        for c in frame.columns:
            v = frame[c]
            if pd.api.types.is_datetime64_any_dtype(v):
                # datetime64[us] -> datetime.datetime objects (NaT -> None)
                v = pd.Series(v.to_numpy(dtype="datetime64[us]").astype(object), index=v.index,
                              dtype=object)
            v = v.astype(object).where(v.notna(), None)
            cols.append(v.tolist())
        for row in zip(*cols):
            ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():  # keep openpyxl's order ([Content_Types].xml first)
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*",
                              rb"\g<1>2020-01-01T00:00:00Z", data)
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
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
        """Append ``df`` (a block with the same columns as the first one)."""
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
        """Finish the file; return the number of rows written."""
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
