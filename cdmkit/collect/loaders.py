"""Built-in loaders: read one source into a DataFrame of its own columns.

Each loader is a class registered in :data:`cdmkit.registry.loaders` under the
name used in the client YAML (``loader: csv``). It is built with the source's
``options`` and its :meth:`Loader.load` returns the source's rows in source
order (row ``i`` of the frame is data row ``i + 1`` of the source), with the
source's column names. Delimited text is read as text (nothing is guessed at
load time; cleaners do the typing); typed sources (Parquet, SQL, Excel) keep
their types. Problems raise :class:`cdmkit.errors.InputError` naming the file,
and where known the row and column.

Third-party loaders follow the same contract: subclass :class:`Loader`, list the
options you accept in ``options_allowed`` and implement ``load``.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
>>> _ = p.write_text("id;name\\n1;Ann\\n2;\\n", encoding="utf-8")
>>> CsvLoader().load(p)
  id  name
0  1   Ann
1  2  None
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ..registry import loaders
from .encoding import DEFAULT_ENCODINGS, read_sample, sniff_delimiter, sniff_encoding

__all__ = ["Loader", "CsvLoader", "TsvLoader", "ExcelLoader", "ParquetLoader", "JsonLoader",
           "JsonLinesLoader", "SqlLoader", "DuckDBLoader", "DEFAULT_MAX_FIELD_SIZE",
           "check_columns"]

#: Longest accepted text field (characters); longer ones usually mean an unbalanced quote.
DEFAULT_MAX_FIELD_SIZE = 100_000


class Loader:
    """Base class of loaders.

    Parameters
    ----------
    **options
        Loader options from the source's ``options:`` mapping. Unknown options
        are an error naming the valid ones.

    Examples
    --------
    >>> Loader(encoding="utf-8")
    Traceback (most recent call last):
    ...
    cdmkit.errors.InputError: loader: unknown option 'encoding' (valid: progress)
    """

    #: Options this loader understands (besides ``progress``).
    options_allowed: tuple[str, ...] = ()

    def __init__(self, **options: Any):
        allowed = set(self.options_allowed) | {"progress"}
        for key in options:
            if key not in allowed:
                raise InputError(getattr(self, "name", "loader"),
                                 f"unknown option {key!r} (valid: "
                                 f"{', '.join(sorted(allowed))})")
        self.options = dict(options)

    name = "loader"

    def load(self, path=None, *, progress: bool = False) -> pd.DataFrame:  # pragma: no cover
        """Read the source; return its rows in source order."""
        raise NotImplementedError

    # helpers ---------------------------------------------------------------------
    def _path(self, path) -> Path:
        if path is None:
            raise InputError(self.name, "this loader needs a file path ('path:' in the source)")
        p = Path(path)
        if not p.exists():
            raise InputError(p, "file not found")
        if p.is_dir():
            raise InputError(p, "is a folder, not a file")
        return p

    def _progress(self, progress: bool, **kw):
        from tqdm.auto import tqdm

        on = bool(self.options.get("progress", progress))
        return tqdm(disable=not on, leave=False, **kw)


def check_columns(df: pd.DataFrame, file) -> None:
    """Raise if a frame has no columns, duplicated column names, or blank names.

    Examples
    --------
    >>> check_columns(pd.DataFrame([[1, 2]], columns=["a", "a"]), "x.csv")
    Traceback (most recent call last):
    ...
    cdmkit.errors.InputError: x.csv, column a: duplicated column name (columns 1 and 2)
    """
    names = [str(c) for c in df.columns]
    if not names:
        raise InputError(file, "no columns found")
    seen: dict[str, int] = {}
    for i, n in enumerate(names, 1):
        if n in seen:
            raise InputError(file, f"duplicated column name (columns {seen[n]} and {i})",
                             column=n)
        seen[n] = i


def _longest_fields(table) -> list[tuple[str, int, int]]:
    """``(column, longest length, its first 0-based row)`` of each text column of an Arrow table.

    Lengths in characters, as ``len()`` counts them; computed in Arrow, before the
    conversion to pandas.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    out = []
    for name, col in zip(table.column_names, table.columns):
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            continue
        lengths = pc.utf8_length(col)
        mx = pc.max(lengths).as_py()
        if mx is not None:
            out.append((name, int(mx), int(pc.index(lengths, mx).as_py())))
    return out


def _raise_long_field(longest, file, limit: int) -> None:
    for col, mx, row in longest:
        if mx > limit:
            raise InputError(file, f"field of {mx:,} characters exceeds max_field_size "
                             f"{limit:,} (an unbalanced quote?)", row=row + 1, column=str(col))


def _require_rows(df: pd.DataFrame, file) -> pd.DataFrame:
    if len(df) == 0:
        raise InputError(file, "no data rows (only a header)" if len(df.columns)
                         else "file is empty")
    return df


@loaders.register("csv")
class CsvLoader(Loader):
    """Delimited text (CSV, TSV, ...), read with Apache Arrow's streaming CSV reader.

    Parameters
    ----------
    encoding : str, optional
        Codec name; sniffed (BOM, UTF-8, then candidates) when absent.
    delimiter : str, optional
        Field separator; sniffed among ``, ; \\t |`` when absent.
    quotechar : str
        Quote character (default ``"``).
    chunksize : int
        Rows per streamed block (approximate; sets the block size from the
        average line length of the sample). Default 200,000.
    encodings : list of str
        Candidate encodings for sniffing.
    max_field_size : int
        Longest accepted field, in characters.
    on_bad_rows : {"error", "reject"}
        Ragged rows (a different number of fields than the header) raise an
        error naming the row, or are handed to the rejects table.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "bad.csv"
    >>> _ = p.write_text("a,b\\n1,2\\n3\\n", encoding="utf-8")
    >>> CsvLoader().load(p)
    Traceback (most recent call last):
    ...
    cdmkit.errors.InputError: .../bad.csv, row 2: ragged row: 1 field where the header has 2
    """

    name = "csv"
    options_allowed = ("encoding", "delimiter", "quotechar", "chunksize", "encodings",
                       "max_field_size", "on_bad_rows")
    default_delimiter: str | None = None

    def __init__(self, **options):
        super().__init__(**options)
        #: Rows dropped as ragged (``on_bad_rows: reject``): list of (row, reason).
        self.bad_rows_: list[tuple[int, str]] = []
        #: Encoding and delimiter actually used (after sniffing).
        self.encoding_: str | None = None
        self.delimiter_: str | None = None

    def _sniff(self, p: Path):
        sample = read_sample(p)
        size = p.stat().st_size
        if not sample.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
            raise InputError(p, "file is empty")
        enc = self.options.get("encoding")
        if enc:
            try:
                import codecs

                codecs.lookup(enc)
            except LookupError:
                raise InputError(p, f"unknown encoding {enc!r}") from None
        else:
            try:
                enc = sniff_encoding(sample, self.options.get("encodings") or DEFAULT_ENCODINGS,
                                     truncated=size > len(sample))
            except ValueError as exc:
                raise InputError(p, str(exc)) from None
        try:
            text = sample.decode(enc, errors="strict" if size <= len(sample) else "ignore")
        except UnicodeDecodeError as exc:
            raise InputError(p, f"cannot be read as {enc}: byte {exc.start} "
                             f"({sample[exc.start:exc.start + 1]!r}) is invalid; set "
                             "options.encoding") from None
        text = text.lstrip("\ufeff")
        delim = self.options.get("delimiter") or self.default_delimiter or sniff_delimiter(text)
        return enc, delim, text, size

    def load(self, path=None, *, progress: bool = False) -> pd.DataFrame:
        """Read the file; return text columns (``None`` for empty fields)."""
        import csv

        import pyarrow as pa
        import pyarrow.csv as pacsv

        p = self._path(path)
        enc, delim, text, size = self._sniff(p)
        self.encoding_, self.delimiter_ = enc, delim
        quote = self.options.get("quotechar", '"')
        # The header, read with the csv module so duplicated names can be reported.
        try:
            header = next(csv.reader(io.StringIO(text), delimiter=delim, quotechar=quote))
        except (StopIteration, csv.Error):
            raise InputError(p, "file is empty") from None
        header = [h.strip() for h in header]
        check_columns(pd.DataFrame(columns=header), p)
        for i, h in enumerate(header, 1):
            if not h:
                raise InputError(p, f"column {i} has no name in the header row", row=0)
        lines = max(text.count("\n"), 1)
        avg = max(len(text.encode("utf-8")) / lines, 16)
        chunk_rows = int(self.options.get("chunksize") or 200_000)
        block = int(min(max(chunk_rows * avg, 1 << 20), 256 << 20))
        max_field = int(self.options.get("max_field_size") or DEFAULT_MAX_FIELD_SIZE)
        block = max(block, 4 * max_field * 4)
        bad: list[tuple[int, int, int]] = []

        def on_invalid(row):
            bad.append((row.number, row.expected_columns, row.actual_columns))
            return "skip"

        read_opts = pacsv.ReadOptions(use_threads=False, block_size=block,
                                      encoding="utf8" if enc in ("utf-8", "utf-8-sig") else enc,
                                      column_names=header, skip_rows=1)
        parse_opts = pacsv.ParseOptions(delimiter=delim, quote_char=quote,
                                        newlines_in_values=True, invalid_row_handler=on_invalid)
        conv_opts = pacsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                         strings_can_be_null=True, null_values=[""],
                                         quoted_strings_can_be_null=True)
        bar = self._progress(progress, total=size, unit="B", unit_scale=True,
                             desc=f"reading {p.name}")
        batches = []
        try:
            with open(p, "rb") as raw:
                fh = _CountingReader(raw, bar)
                reader = pacsv.open_csv(fh, read_options=read_opts, parse_options=parse_opts,
                                        convert_options=conv_opts)
                for batch in reader:
                    batches.append(batch)
        except pa.ArrowInvalid as exc:
            msg = str(exc)
            if "straddling" in msg or "too large" in msg:
                raise InputError(p, "a field or row is longer than the read block "
                                 f"({block:,} bytes): an unbalanced quote? (raise "
                                 "options.max_field_size if it is real)") from None
            m = re.search(r"[Rr]ow #?(\d+)", msg)
            raise InputError(p, f"cannot parse: {msg.splitlines()[0]}",
                             row=int(m.group(1)) - 1 if m else None) from None
        except UnicodeDecodeError as exc:
            raise InputError(p, f"cannot be read as {enc} ({exc.reason}); set "
                             "options.encoding") from None
        finally:
            bar.close()
        table = pa.Table.from_batches(batches, schema=reader.schema) if batches else None
        batches.clear()
        n_good = table.num_rows if table is not None else 0
        if bad:
            first_row, expected, actual = bad[0]
            if self.options.get("on_bad_rows", "error") != "reject":
                raise InputError(p, f"ragged row: {actual} field{'s' if actual != 1 else ''} "
                                 f"where the header has {expected}"
                                 + (f" ({len(bad)} such rows)" if len(bad) > 1 else ""),
                                 row=first_row - 1)
        longest = _longest_fields(table) if table is not None else []
        # self_destruct frees each Arrow column once converted (lower peak memory).
        df = table.to_pandas(split_blocks=True, self_destruct=True) if table is not None \
            else pd.DataFrame(columns=header)
        table = None
        if bad:
            # Keep the source row numbers of the good rows despite the skipped ones.
            bad_rows = sorted(r - 1 for r, _, _ in bad)
            self.bad_rows_ = [(r - 1, f"ragged row: {a} fields where the header has {e}")
                              for r, e, a in bad]
            n_total = n_good + len(bad_rows)
            good = pd.Index(range(1, n_total + 1)).difference(pd.Index(bad_rows))
            df.index = pd.RangeIndex(len(df))
            df.attrs["source_rows"] = good.to_numpy()
        if n_good == 0 and not bad:
            raise InputError(p, "no data rows (only a header)")
        if _odd_quotes(p, quote, enc):
            # The last quoted field ran to the end of the file and swallowed the rows after it.
            last = df.iloc[-1]
            col = next((c for c in df.columns if isinstance(last[c], str) and "\n" in last[c]),
                       None)
            raise InputError(p, "unbalanced quote: a quoted field is never closed and runs "
                             "to the end of the file", row=len(df), column=col)
        _raise_long_field(longest, p, max_field)
        df.attrs["encoding"], df.attrs["delimiter"] = enc, delim
        return df


def _odd_quotes(p: Path, quote: str, enc: str) -> bool:
    """Whether an ASCII-compatible file holds an odd number of quote characters."""
    if enc.lower().replace("_", "-").startswith(("utf-16", "utf-32")) or len(quote) != 1:
        return False
    q = quote.encode("ascii")
    n = 0
    with open(p, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 24), b""):
            n += block.count(q)
    return n % 2 == 1


class _CountingReader(io.RawIOBase):
    """File wrapper that advances a progress bar by the bytes read."""

    def __init__(self, raw, bar):
        self._raw, self._bar = raw, bar

    def readable(self):
        return True

    def read(self, n=-1):
        data = self._raw.read(n)
        self._bar.update(len(data))
        return data

    def readinto(self, b):
        n = self._raw.readinto(b)
        self._bar.update(n or 0)
        return n


@loaders.register("tsv")
class TsvLoader(CsvLoader):
    """Tab-separated text: :class:`CsvLoader` with a tab delimiter.

    Examples
    --------
    >>> TsvLoader().default_delimiter
    '\\t'
    """

    name = "tsv"
    default_delimiter = "\t"


@loaders.register("excel")
class ExcelLoader(Loader):
    """Excel workbooks (``.xlsx``, ``.xlsm``; ``.xls`` needs ``xlrd``).

    Parameters
    ----------
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
        try:
            book = pd.ExcelFile(p)
        except Exception as exc:  # openpyxl raises many types for broken files
            raise InputError(p, f"cannot open as an Excel workbook: {exc}") from None
        with book:
            names = book.sheet_names
            if isinstance(sheet, int):
                if not 0 <= sheet < len(names):
                    raise InputError(p, f"sheet index {sheet} out of range (sheets: "
                                     f"{', '.join(names)})")
            elif sheet not in names:
                raise InputError(p, f"no sheet {sheet!r} (sheets: {', '.join(names)})")
            df = book.parse(sheet, dtype=object, header=self.options.get("header", 0))
        df.columns = [str(c).strip() for c in df.columns]
        if any(re.fullmatch(r"Unnamed: \d+", c) for c in df.columns) and len(df.columns):
            bad = next(c for c in df.columns if re.fullmatch(r"Unnamed: \d+", c))
            if df[bad].notna().any():
                raise InputError(p, "a column with data has no name in the header row",
                                 row=0, column=bad)
            df = df.loc[:, [c for c in df.columns if not re.fullmatch(r"Unnamed: \d+", c)]]
        dup = [c for c in df.columns if re.fullmatch(r".+\.\d+", c) and c.rsplit(".", 1)[0]
               in df.columns]
        if dup:
            raise InputError(p, "duplicated column name", column=dup[0].rsplit(".", 1)[0])
        df = df.dropna(how="all").reset_index(drop=True) if len(df) else df
        df = df.astype(object).where(df.notna(), None)
        return _require_rows(df, p)


@loaders.register("parquet")
class ParquetLoader(Loader):
    """Apache Parquet files (types kept).

    Parameters
    ----------
    columns : list of str, optional
        Read only these columns.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.parquet"
    >>> pd.DataFrame({"a": [1.5]}).to_parquet(p)
    >>> ParquetLoader().load(p)["a"].tolist()
    [1.5]
    """

    name = "parquet"
    options_allowed = ("columns",)

    def load(self, path=None, *, progress: bool = False) -> pd.DataFrame:
        """Read the file."""
        p = self._path(path)
        try:
            df = pd.read_parquet(p, columns=self.options.get("columns"))
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
            raise InputError(p, f"cannot read as Parquet: {str(exc).splitlines()[0]}") from None
        check_columns(df, p)
        return _require_rows(df.reset_index(drop=True), p)


def _records_frame(records: list, p, first_row: int = 1) -> pd.DataFrame:
    for i, r in enumerate(records):
        if not isinstance(r, dict):
            raise InputError(p, f"expected an object per record, found {type(r).__name__}",
                             row=i + first_row)
    df = pd.json_normalize(records, sep=".") if records else pd.DataFrame()
    # Nested lists and mixed values become JSON text so every column has one type.
    for col in df.columns:
        s = df[col]
        if s.dtype == object:
            kinds = {type(v) for v in s.dropna()}
            if kinds & {list, dict} or len(kinds - {str}) and str in kinds:
                df[col] = s.map(lambda v: v if v is None or isinstance(v, str) else
                                json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict))
                                else str(v), na_action="ignore")
    return df.astype(object).where(df.notna(), None)


@loaders.register("json")
class JsonLoader(Loader):
    """A JSON file holding a list of records (or an object with the list under ``record_path``).

    Nested objects are flattened to dotted column names (``address.city``).

    Parameters
    ----------
    record_path : str, optional
        Key (dotted for nesting) of the list of records inside the top object.
    encoding : str
        Default ``utf-8`` (a BOM is accepted).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.json"
    >>> _ = p.write_text('{"data": [{"id": 1, "address": {"city": "Kyoto"}}]}')
    >>> JsonLoader(record_path="data").load(p).columns.tolist()
    ['id', 'address.city']
    """

    name = "json"
    options_allowed = ("record_path", "encoding")

    def load(self, path=None, *, progress: bool = False) -> pd.DataFrame:
        """Read the file."""
        p = self._path(path)
        text = _read_text(p, self.options.get("encoding"))
        if not text.strip():
            raise InputError(p, "file is empty")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(p, f"not valid JSON at line {exc.lineno}, column {exc.colno}: "
                             f"{exc.msg}") from None
        rp = self.options.get("record_path")
        if rp:
            for key in rp.split("."):
                if not isinstance(data, dict) or key not in data:
                    raise InputError(p, f"record_path {rp!r} not found")
                data = data[key]
        elif isinstance(data, dict):
            lists = [k for k, v in data.items() if isinstance(v, list)]
            if len(lists) != 1:
                raise InputError(p, "the top object must hold exactly one list of records; "
                                 "name it with options.record_path")
            data = data[lists[0]]
        if not isinstance(data, list):
            raise InputError(p, "expected a list of records")
        return _require_rows(_records_frame(data, p), p)


def _read_text(p: Path, encoding: str | None) -> str:
    raw = p.read_bytes()
    enc = encoding or sniff_encoding(raw[:256 * 1024], truncated=len(raw) > 256 * 1024)
    try:
        return raw.decode(enc).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputError(p, f"cannot be read as {enc} ({exc.reason} at byte {exc.start}); set "
                         "options.encoding") from None


@loaders.register("jsonl")
class JsonLinesLoader(Loader):
    """JSON Lines: one JSON object per line (blank lines ignored).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "e.jsonl"
    >>> _ = p.write_text('{"id": 1}\\n{"id": 2\\n')
    >>> JsonLinesLoader().load(p)
    Traceback (most recent call last):
    ...
    cdmkit.errors.InputError: .../e.jsonl, row 2: not valid JSON: Expecting ',' delimiter
    """

    name = "jsonl"
    options_allowed = ("encoding", "chunksize")

    def load(self, path=None, *, progress: bool = False) -> pd.DataFrame:
        """Read the file."""
        p = self._path(path)
        text = _read_text(p, self.options.get("encoding"))
        records, rows = [], []
        bar = self._progress(progress, desc=f"reading {p.name}", unit=" rows")
        for i, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(p, f"not valid JSON: {exc.msg}", row=i) from None
            rows.append(i)
            bar.update(1)
        bar.close()
        if not records:
            raise InputError(p, "file is empty")
        df = _records_frame(records, p)
        if rows[-1] != len(rows):
            df.attrs["source_rows"] = pd.Index(rows).to_numpy()
        return df


def _sql_text(options: dict, where) -> str:
    query, table = options.get("query"), options.get("table")
    if bool(query) == bool(table):
        raise InputError(where, "give exactly one of options.query or options.table")
    if query:
        return query
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?", table):
        raise InputError(where, f"table name {table!r} is not a plain (schema.)name; use "
                         "options.query")
    return "SELECT * FROM " + ".".join(f'"{t}"' for t in table.split("."))


@loaders.register("sql")
class SqlLoader(Loader):
    """Any database SQLAlchemy can reach (PostgreSQL, SQLite, MySQL, ...).

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL (``postgresql+psycopg://user@host/db``). Do not put
        passwords in config files: use ``url_env``.
    url_env : str, optional
        Name of the environment variable holding the URL.
    table : str, optional
        Table (``schema.table``) to read whole ...
    query : str, optional
        ... or a SELECT query.
    chunksize : int
        Rows fetched per round trip (progress bar per chunk).

    A ``path`` (``.db``, ``.sqlite``) without a URL means a SQLite file.

    Examples
    --------
    >>> import sqlite3, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "crm.db"
    >>> with sqlite3.connect(p) as con:
    ...     _ = con.execute("create table c (id int, name text)")
    ...     _ = con.execute("insert into c values (1, 'Ann')")
    >>> SqlLoader(table="c").load(p)["name"].tolist()
    ['Ann']
    """

    name = "sql"
    options_allowed = ("url", "url_env", "table", "query", "chunksize")

    def _url(self, path) -> tuple[str, str]:
        url = self.options.get("url")
        env = self.options.get("url_env")
        if env:
            url = os.environ.get(env)
            if not url:
                raise InputError(f"${env}", "environment variable with the database URL is "
                                 "not set")
        if url:
            from ..privacy.secrets import redact_secrets

            return url, redact_secrets(url)
        p = self._path(path)
        return f"sqlite:///{p}", str(p)

    def load(self, path=None, *, progress: bool = False) -> pd.DataFrame:
        """Run the query (or read the table)."""
        import sqlalchemy as sa

        url, shown = self._url(path)
        sql = _sql_text(self.options, shown)
        try:
            engine = sa.create_engine(url)
        except Exception as exc:  # bad URL or missing driver
            raise InputError(shown, f"cannot use database URL: {exc}") from None
        chunk = int(self.options.get("chunksize") or 100_000)
        bar = self._progress(progress, desc="querying", unit=" rows")
        try:
            with engine.connect() as con:
                parts = []
                for part in pd.read_sql_query(sa.text(sql), con, chunksize=chunk):
                    parts.append(part)
                    bar.update(len(part))
        except sa.exc.SQLAlchemyError as exc:
            raise InputError(shown, f"query failed: {str(exc.orig or exc).splitlines()[0]}") \
                from None
        finally:
            bar.close()
            engine.dispose()
        df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        check_columns(df, shown)
        return _require_rows(df, shown)


@loaders.register("duckdb")
class DuckDBLoader(Loader):
    """A table or query of a DuckDB database file (opened read-only).

    Examples
    --------
    >>> import duckdb, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.duckdb"
    >>> with duckdb.connect(str(p)) as con:
    ...     _ = con.execute("create table t as select 1 as id, 'Kyoto' as city")
    >>> DuckDBLoader(query="select city from t").load(p)["city"].tolist()
    ['Kyoto']
    """

    name = "duckdb"
    options_allowed = ("table", "query")

    def load(self, path=None, *, progress: bool = False) -> pd.DataFrame:
        """Run the query (or read the table)."""
        import duckdb

        p = self._path(path)
        sql = _sql_text(self.options, p)
        try:
            with duckdb.connect(str(p), read_only=True) as con:
                df = con.execute(sql).df()
        except duckdb.Error as exc:
            raise InputError(p, f"query failed: {str(exc).splitlines()[0]}") from None
        check_columns(df, p)
        return _require_rows(df, p)
