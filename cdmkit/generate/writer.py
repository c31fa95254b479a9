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

__all__ = ["write_table", "write_excel", "FILE_SPECS"]

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


def write_excel(df: pd.DataFrame, path: Path, sheet: str = "Sheet1") -> Path:
    """Write an .xlsx file whose bytes depend only on the data (fixed save time).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> a = write_excel(pd.DataFrame({"x": [1]}), d / "a.xlsx").read_bytes()
    >>> b = write_excel(pd.DataFrame({"x": [1]}), d / "b.xlsx").read_bytes()
    >>> a == b
    True
    """
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name=sheet, index=False)
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
