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

import codecs
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..registry import loaders
from .encoding import (
    DEFAULT_ENCODINGS,
    EncodingGuess,
    decode_lines,
    detect_encoding,
    read_sample,
    sniff_container,
    sniff_delimiter,
)

__all__ = ["Loader", "CsvLoader", "TsvLoader", "ExcelLoader", "ParquetLoader", "JsonLoader",
           "JsonLinesLoader", "SqlLoader", "DuckDBLoader", "DEFAULT_MAX_FIELD_SIZE",
           "check_columns"]

#: Longest accepted text field (characters); longer ones reject their row.
DEFAULT_MAX_FIELD_SIZE = 1_000_000


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


def _require_rows(df: pd.DataFrame, file) -> pd.DataFrame:
    """A frame with columns but no rows is a valid, empty source (with a warning)."""
    if len(df.columns) == 0:
        raise InputError(file, "file is empty")
    if len(df) == 0:
        df.attrs.setdefault("warnings", []).append((None, None, "no data rows (only a header)"))
    return df


def _read_source_bytes(p: Path, head: bytes) -> tuple[bytes | None, str | None]:
    """``(bytes, container)`` of a compressed or zipped file, ``(None, None)`` for plain files.

    Foreign formats (PDF, Parquet, SQLite, images, ...) and archives that are not
    one text file raise an :class:`InputError` saying what the file is.
    """
    import bz2
    import gzip
    import lzma
    import zipfile

    found = sniff_container(head)
    if found is None:
        return None, None
    kind, what = found
    if kind == "foreign":
        raise InputError(p, f"is {what}, not delimited text")
    if kind == "zstd":
        raise InputError(p, "is zstd-compressed; decompress it first (zstd -d)")
    try:
        if kind == "gzip":
            return gzip.decompress(p.read_bytes()), kind
        if kind == "bz2":
            return bz2.decompress(p.read_bytes()), kind
        if kind == "xz":
            return lzma.decompress(p.read_bytes()), kind
        with zipfile.ZipFile(p) as z:
            names = [n for n in z.namelist() if not n.endswith("/")
                     and not n.startswith("__MACOSX/")]
            if "xl/workbook.xml" in names or "[Content_Types].xml" in names:
                raise InputError(p, "is an Excel workbook (or another Office file), not "
                                 "delimited text; use loader: excel")
            if len(names) != 1:
                raise InputError(p, f"is a zip archive of {len(names)} files "
                                 f"({', '.join(names[:5])}{', ...' if len(names) > 5 else ''});"
                                 " give one file")
            return z.read(names[0]), "zip"
    except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(p, f"is {what} but cannot be decompressed: {exc}") from None


class _Scan:
    """One pass over the bytes: validity in an encoding, NUL bytes, quote parity."""

    def __init__(self, blocks, encoding: str, quote: bytes | None):
        dec = codecs.getincrementaldecoder(encoding)("strict")
        self.valid, self.nul, self.quotes = True, False, 0
        wide = encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32"))
        for block in blocks:
            if not wide:
                self.nul = self.nul or b"\x00" in block
                if quote:
                    self.quotes += block.count(quote)
            if self.valid:
                if block.isascii() and not dec.getstate()[0] and not wide:
                    continue  # ASCII is valid in every candidate; no need to decode it
                try:
                    dec.decode(block)
                except UnicodeDecodeError:
                    self.valid = False
        if self.valid:
            try:
                dec.decode(b"", final=True)
            except UnicodeDecodeError:
                self.valid = False


def _blocks(p: Path | None, data: bytes | None, size: int = 1 << 22):
    if data is not None:
        for i in range(0, len(data), size):
            yield data[i:i + size]
        return
    with open(p, "rb") as fh:
        yield from iter(lambda: fh.read(size), b"")


_SURROGATE = re.compile("[\udc80-\udcff]")


@loaders.register("csv")
class CsvLoader(Loader):
    """Delimited text (CSV, TSV, ...): Apache Arrow for clean files, a row-by-row reader else.

    The bytes are checked first (:mod:`cdmkit.collect.encoding`): compressed files
    (gzip, bz2, xz, a zip of one file) are decompressed, foreign files (PDF,
    Parquet, an Excel workbook named ``.csv``) refused with a message saying what
    they are, and the encoding decided on a large sample and then verified on the
    whole file. A file that is valid in its encoding, free of NUL bytes, with
    balanced quotes and regular rows is read by Arrow's streaming reader. Any
    other file is read record by record, and each bad record is *rejected*
    with its line number and reason instead of failing the file: ragged rows,
    fields longer than ``max_field_size``, unbalanced quotes, NUL bytes, bytes
    that are not valid in the encoding. Trailing delimiters (a nameless, empty
    last column) are dropped.

    Parameters
    ----------
    encoding : str, optional
        Codec name; decided from the bytes when absent.
    delimiter : str, optional
        Field separator; sniffed among ``, ; \\t |`` when absent.
    quotechar : str
        Quote character (default ``"``).
    chunksize : int
        Rows per streamed block (approximate). Default 200,000.
    encodings : list of str
        Candidate encodings for the decision.
    max_field_size : int
        Longest accepted field, in characters; longer ones reject their row.
    max_columns : int
        More header columns than this is an error (default 10,000).
    on_bad_rows : {"reject", "error"}
        Bad rows go to the rejects (default), or stop the load naming the first.
    on_bad_bytes : {"reject", "replace"}
        Rows with bytes invalid in the encoding are rejected (default), or kept
        with U+FFFD in place of the bad bytes and a warning naming row and column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "bad.csv"
    >>> _ = p.write_text("a,b\\n1,2\\n3\\n4,5\\n", encoding="utf-8")
    >>> loader = CsvLoader()
    >>> loader.load(p)["a"].tolist()
    ['1', '4']
    >>> loader.bad_rows_
    [(2, 'ragged row: 1 field where the header has 2', None)]
    >>> CsvLoader(on_bad_rows="error").load(p)
    Traceback (most recent call last):
    ...
    cdmkit.errors.InputError: .../bad.csv, row 2: ragged row: 1 field where the header has 2
    """

    name = "csv"
    options_allowed = ("encoding", "delimiter", "quotechar", "chunksize", "encodings",
                       "max_field_size", "on_bad_rows", "on_bad_bytes", "max_columns")
    default_delimiter: str | None = None

    def __init__(self, **options):
        super().__init__(**options)
        #: Rows rejected while reading: list of (row, reason, column).
        self.bad_rows_: list[tuple[int, str, str | None]] = []
        #: Values kept but flagged: list of (row, column, reason).
        self.warnings_: list[tuple[int | None, str | None, str]] = []
        #: Encoding and delimiter actually used, and how sure the encoding is.
        self.encoding_: str | None = None
        self.encoding_confidence_: float | None = None
        self.delimiter_: str | None = None

    # -- decisions -------------------------------------------------------------------------
    def _guess(self, p: Path, data: bytes | None, head: bytes, size: int) -> EncodingGuess:
        enc = self.options.get("encoding")
        if enc:
            try:
                codecs.lookup(enc)
            except LookupError:
                raise InputError(p, f"unknown encoding {enc!r}") from None
            return EncodingGuess(enc, 1.0, method="given")
        sample = data[:_SAMPLE] if data is not None else read_sample(p, _SAMPLE)
        try:
            return detect_encoding(sample, self.options.get("encodings") or DEFAULT_ENCODINGS,
                                   truncated=size > len(sample))
        except ValueError as exc:
            raise InputError(p, str(exc)) from None

    def load(self, path=None, *, progress: bool = False) -> pd.DataFrame:
        """Read the file; return text columns (``None`` for empty fields)."""
        p = self._path(path)
        head = read_sample(p, 1 << 16)
        data, container = _read_source_bytes(p, head)
        if data is not None:
            head = data[:1 << 16]
        size = len(data) if data is not None else p.stat().st_size
        if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
            raise InputError(p, "file is empty")
        if _looks_binary(head):
            raise InputError(p, "is binary data, not delimited text (unknown format)")
        guess = self._guess(p, data, head, size)
        quote = self.options.get("quotechar", '"')
        qbytes = quote.encode("ascii") if len(quote) == 1 and quote.isascii() else None
        scan = _Scan(_blocks(p, data), guess.encoding, qbytes) if not guess.mixed else None
        if scan is not None and not scan.valid and guess.method != "given":
            # The sample passed but a later part of the file did not: decide on all of it.
            data = data if data is not None else p.read_bytes()
            guess = detect_encoding(data, self.options.get("encodings") or DEFAULT_ENCODINGS)
            if not guess.mixed:
                guess = EncodingGuess(guess.encoding, guess.confidence, guess.alternative,
                                      mixed=True, method=guess.method)
        elif scan is not None and not scan.valid:
            guess = EncodingGuess(guess.encoding, 1.0, mixed=True, method="given")
        self.encoding_, self.encoding_confidence_ = guess.encoding, guess.confidence
        if guess.note():
            self.warnings_.append((None, None, guess.note()))
        clean = scan is not None and scan.valid and not scan.nul and scan.quotes % 2 == 0 \
            and not _PREAMBLE.match(head.lstrip(b"\xef\xbb\xbf"))
        df = None
        if clean:
            df = self._load_arrow(p, data, guess.encoding, quote, size, progress)
        if df is None:
            df = self._load_rows(p, data, guess, quote)
        df.attrs.update({"encoding": guess.encoding, "delimiter": self.delimiter_,
                         "encoding_confidence": guess.confidence,
                         "encoding_method": guess.method, "compression": container})
        df.attrs.setdefault("warnings", [])
        df.attrs["warnings"] = self.warnings_ + df.attrs["warnings"]
        if self.options.get("on_bad_rows", "reject") == "error" and self.bad_rows_:
            row, why, col = self.bad_rows_[0]
            more = len(self.bad_rows_) - 1
            raise InputError(p, why + (f" ({more + 1} bad rows)" if more else ""), row=row,
                             column=col)
        if len(df) == 0 and self.bad_rows_:
            return df  # every row rejected: the rejects say why
        return _require_rows(df, p)

    # -- header ----------------------------------------------------------------------------
    def _header(self, p: Path, text: str, delim: str, quote: str) -> tuple[list[str], int]:
        """Column names and the number of physical lines the header takes."""
        import csv

        first = re.match(r"[^\r\n]*", text).group(0)
        limit = int(self.options.get("max_columns") or DEFAULT_MAX_COLUMNS)
        if first.count(delim) >= limit:
            raise InputError(p, f"the header has {first.count(delim) + 1:,} columns (more than "
                             f"max_columns {limit:,}): not a table with a header row?", row=0)
        try:
            reader = csv.reader(_iter_lines(text), delimiter=delim, quotechar=quote)
            header = next(reader)
            n_lines = reader.line_num
        except (StopIteration, csv.Error):
            raise InputError(p, "file is empty") from None
        header = [h.strip().lstrip("\ufeff") for h in header]
        while len(header) > 1 and not header[-1]:
            header.pop()  # trailing delimiter(s): nameless, empty last columns
        for i, h in enumerate(header, 1):
            if not h:
                header[i - 1] = f"column_{i}"
                self.warnings_.append((0, header[i - 1],
                                       f"column {i} has no name in the header row; "
                                       f"named {header[i - 1]}"))
        check_columns(pd.DataFrame(columns=header), p)
        return header, n_lines

    # -- the fast route --------------------------------------------------------------------
    def _load_arrow(self, p, data, enc, quote, size, progress):
        """Arrow's streaming reader; ``None`` when the file needs the row-by-row reader."""
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pacsv

        sample = data[:_SAMPLE] if data is not None else read_sample(p, _SAMPLE)
        text = sample.decode(enc, errors="ignore").lstrip("\ufeff")
        delim = self.options.get("delimiter") or self.default_delimiter or sniff_delimiter(text)
        self.delimiter_ = delim
        header, n_header_lines = self._header(p, text, delim, quote)
        if n_header_lines != 1:
            return None
        max_field = int(self.options.get("max_field_size") or DEFAULT_MAX_FIELD_SIZE)
        lines = max(text.count("\n"), text.count("\r"), 1)
        avg = max(len(sample) / lines, 16)
        chunk_rows = int(self.options.get("chunksize") or 200_000)
        block = int(min(max(chunk_rows * avg, 1 << 20), 256 << 20))
        block = max(block, 16 * max_field)
        irregular = []

        def on_invalid(row):
            irregular.append(row.number)
            return "skip"

        names = header + [f"_extra_{i}" for i in range(_n_fields(text, delim, quote)
                                                         - len(header))]
        read_opts = pacsv.ReadOptions(use_threads=False, block_size=block,
                                      encoding="utf8" if enc in ("utf-8", "utf-8-sig") else enc,
                                      column_names=names, skip_rows=1)
        parse_opts = pacsv.ParseOptions(delimiter=delim, quote_char=quote,
                                        newlines_in_values=True, invalid_row_handler=on_invalid)
        conv_opts = pacsv.ConvertOptions(column_types={h: pa.string() for h in names},
                                         strings_can_be_null=True, null_values=[""],
                                         quoted_strings_can_be_null=True)
        bar = self._progress(progress, total=size, unit="B", unit_scale=True,
                             desc=f"reading {p.name}")
        batches = []
        reader = None
        try:
            raw = open(p, "rb") if data is None else io.BytesIO(data)
            with raw:
                reader = pacsv.open_csv(_CountingReader(raw, bar), read_options=read_opts,
                                        parse_options=parse_opts, convert_options=conv_opts)
                for batch in reader:
                    batches.append(batch)
                    if irregular:
                        return None
                schema = reader.schema
        except (pa.ArrowInvalid, UnicodeDecodeError):
            return None
        finally:
            reader = None
            bar.close()
        if irregular:
            return None
        table = pa.Table.from_batches(batches, schema=schema) if batches else None
        batches.clear()
        if table is not None:
            for name in names[len(header):]:
                if table.column(name).null_count != table.num_rows:
                    return None  # data beyond the header: rows to check one by one
            table = table.select(header)
            if pc.any(pc.equal(pc.utf8_trim_whitespace(pc.utf8_ltrim(table.column(0), "\ufeff")),
                               header[0])).as_py():
                return None  # perhaps the header repeated: rows to check one by one
            for name, col in zip(table.column_names, table.columns):
                if (pc.max(pc.utf8_length(col)).as_py() or 0) > max_field:
                    return None
        # self_destruct frees each Arrow column once converted (lower peak memory).
        if table is None:
            return pd.DataFrame({h: pd.Series(dtype=object) for h in header})
        return table.to_pandas(split_blocks=True, self_destruct=True)

    # -- the careful route -----------------------------------------------------------------
    def _load_rows(self, p, data, guess: EncodingGuess, quote: str) -> pd.DataFrame:
        """Record by record, rejecting bad records with their line number and reason."""
        import csv

        data = data if data is not None else p.read_bytes()
        if guess.mixed and _wide(guess.encoding):
            # UTF-16/32 cannot be split into lines as bytes: decode with replacement and
            # mark the damaged lines (U+FFFD as the escape of a bad byte) for rejection.
            lines = _split_lines(data.decode(guess.encoding, errors="replace"))
            flags = {i: "invalid" for i, ln in enumerate(lines) if "\ufffd" in ln}
            lines = [ln.replace("\ufffd", "\udcff") if i in flags else ln
                     for i, ln in enumerate(lines)]
        elif guess.mixed:
            lines, flags = decode_lines(data, guess)
        else:
            try:
                text = data.decode(guess.encoding)
            except UnicodeDecodeError as exc:
                raise InputError(p, f"cannot be read as {guess.encoding} ({exc.reason} at byte "
                                 f"{exc.start}); set options.encoding") from None
            lines, flags = _split_lines(text), {}
        data = None
        invalid = [i for i, f in flags.items() if f == "invalid"]
        if invalid and (invalid[0] == 0 or len(invalid) > 0.5 * len(lines)):
            # Not a few bad bytes but the wrong encoding altogether.
            raise InputError(p, f"cannot be read as {guess.encoding}: line {invalid[0] + 1}"
                             + (f" and {len(invalid) - 1:,} more lines hold" if len(invalid) > 1
                                else " holds") + " bytes that are not valid in it; set "
                             "options.encoding", row=invalid[0] if invalid[0] else None)
        if lines:
            lines[0] = lines[0].lstrip("\ufeff")
        # Before the header: blank lines, and Excel's "sep=;" line naming the delimiter.
        skip, given = 0, None
        while skip < len(lines) and not lines[skip].strip(" \t\r\n"):
            skip += 1
        m = re.fullmatch(r"sep=(.)\r?\n?", lines[skip]) if skip < len(lines) else None
        if m:
            given, skip = m.group(1), skip + 1
        if lines and lines[-1].strip() == "\x1a":
            lines.pop()  # a DOS end-of-file mark
        self._skipped = skip
        if skip:
            lines = lines[skip:]
            flags = {i - skip: f for i, f in flags.items() if i >= skip}
        sample = "".join(lines[:2000])
        delim = self.options.get("delimiter") or given or self.default_delimiter or \
            sniff_delimiter(sample)
        self.delimiter_ = delim
        header, n_header = self._header(p, sample, delim, quote)
        ncols = len(header)
        max_field = int(self.options.get("max_field_size") or DEFAULT_MAX_FIELD_SIZE)
        replace = self.options.get("on_bad_bytes", "reject") == "replace"
        rows: list[list] = []
        source_rows: list[int] = []
        n_lines = len(lines)
        row_no = 0
        old_limit = csv.field_size_limit()
        csv.field_size_limit(max_field)

        def feed(start):
            for j in range(start, n_lines):
                yield lines[j]

        nul_lines = {i for i, ln in enumerate(lines) if "\x00" in ln}
        base = n_header
        reader = csv.reader(feed(base), delimiter=delim, quotechar=quote)
        done = 0  # lines consumed by ``reader``
        try:
            while True:
                start = base + done
                try:
                    rec = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    row_no += 1
                    why = (f"field longer than max_field_size {max_field:,} characters "
                           "(an unbalanced quote?)" if "field limit" in str(exc)
                           else f"unreadable row ({exc})")
                    self._reject(row_no, start, why, _long_column(lines[start], delim, quote,
                                                                  header, max_field))
                    base, done = start + 1, 0
                    reader = csv.reader(feed(base), delimiter=delim, quotechar=quote)
                    continue
                end = base + reader.line_num
                done = reader.line_num
                if not rec:
                    continue  # blank line
                if nul_lines and not nul_lines.isdisjoint(range(start, end)) \
                        and any("\x00" in v for v in rec):
                    row_no += 1
                    col = next((c for c, v in zip(header, rec) if "\x00" in v), None)
                    self._reject(row_no, start, "NUL byte in the value" if col else
                                 "NUL bytes", col)
                    continue
                if end - start > 1 and len(rec) != ncols and not _trailing_empty(rec, ncols):
                    # A quote opened and never closed swallowed the lines after it.
                    row_no += 1
                    self._reject(row_no, start, "unbalanced quote: a quoted field is not "
                                 "closed on this line", None)
                    base, done = start + 1, 0
                    reader = csv.reader(feed(base), delimiter=delim, quotechar=quote)
                    continue
                row_no += 1
                if end >= n_lines and quote in lines[start] and _unclosed(lines[start:end],
                                                                           delim, quote):
                    self._reject(row_no, start, "unbalanced quote: a quoted field runs to the "
                                 "end of the file", None)
                    base, done = start + 1, 0
                    reader = csv.reader(feed(base), delimiter=delim, quotechar=quote)
                    continue
                if len(rec) != ncols:
                    if len(rec) > ncols and _trailing_empty(rec, ncols):
                        rec = rec[:ncols]
                    else:
                        n = len(rec)
                        self._reject(row_no, start, f"ragged row: {n} field"
                                     f"{'s' if n != 1 else ''} where the header has {ncols}",
                                     None)
                        continue
                if rec[0].lstrip("\ufeff").strip() == header[0] \
                        and [v.lstrip("\ufeff").strip() for v in rec] == header:
                    self._reject(row_no, start, "the header row repeated (files "
                                 "concatenated?)", None)
                    continue
                if flags and any(i in flags for i in range(start, end)) and \
                        self._check_values(rec, header, row_no, start, end, flags, replace):
                    continue
                rows.append(rec)
                source_rows.append(row_no)
        finally:
            csv.field_size_limit(old_limit)
        df = pd.DataFrame(rows, columns=header, dtype=object) if rows else \
            pd.DataFrame({h: pd.Series(dtype=object) for h in header})
        rows = None
        if len(df):
            df = df.where(df != "", None)  # empty fields are missing values
        if self.bad_rows_:
            df.attrs["source_rows"] = np.asarray(source_rows, dtype=np.int64)
        df.attrs["rows_in"] = row_no
        return df

    def _reject(self, row: int, line: int, why: str, column: str | None) -> None:
        line += getattr(self, "_skipped", 0)
        where = f" (line {line + 1})" if line + 1 != row + 1 else ""
        self.bad_rows_.append((row, why + where, column))

    def _check_values(self, rec, header, row_no, start, end, flags, replace) -> bool:
        """Reject (``True``) or flag the values of a record from flagged lines (bad bytes)."""
        flagged = [flags[i] for i in range(start, end) if i in flags]
        if not flagged:
            return False
        for j, (col, v) in enumerate(zip(header, rec)):
            if _SURROGATE.search(v):
                if not replace:
                    self._reject(row_no, start, "bytes that are not valid "
                                 f"{self.encoding_} in the value", col)
                    return True
                rec[j] = _SURROGATE.sub("\ufffd", v)
                self.warnings_.append((row_no, col, f"bytes that are not valid "
                                       f"{self.encoding_} replaced by U+FFFD"))
            elif not v.isascii() and any(f.startswith("decoded as") for f in flagged):
                self.warnings_.append((row_no, col, f"line not valid {self.encoding_}; "
                                       f"{flagged[0]}"))
        return False


DEFAULT_MAX_COLUMNS = 10_000
_SAMPLE = 4 << 20


#: Characters str.splitlines() also breaks on, which CSV does not.
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _split_lines(text: str) -> list[str]:
    """Physical lines with their ends; only CR, LF and CRLF end a line (as in CSV)."""
    if not _OTHER_BREAKS.search(text):
        return text.splitlines(keepends=True)  # the same lines, much faster
    parts = re.split(r"(\r\n|\r|\n)", text)
    out = [a + b for a, b in zip(parts[0::2], parts[1::2])]
    if parts[-1]:
        out.append(parts[-1])
    return out


def _wide(encoding: str) -> bool:
    return encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32"))


def _looks_binary(head: bytes) -> bool:
    """Control bytes text never holds, in more than 5 % of the (NUL-trimmed) first bytes."""
    body = head.rstrip(b"\x00")
    if len(body) < 64 or _utf16_like(body):
        return False
    n_ctrl = len(body) - len(body.translate(None, _CONTROL))
    return n_ctrl > 0.05 * len(body)


_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 26))


def _utf16_like(b: bytes) -> bool:
    from .encoding import bom_encoding

    return bool(bom_encoding(b)) or b[0::2].count(0) > 0.3 * len(b) / 2 \
        or b[1::2].count(0) > 0.3 * len(b) / 2


_PREAMBLE = re.compile(rb"[ \t]*(?:\r\n|\r|\n)|sep=.\r?\n")


def _iter_lines(text: str):
    """Lazy :func:`_split_lines`."""
    for m in _LINE.finditer(text):
        if m.group(0):
            yield m.group(0)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def _n_fields(text: str, delim: str, quote: str) -> int:
    """Most fields on any of the sample's records (so Arrow keeps extra fields to check)."""
    import csv

    try:
        return max((len(r) for r in csv.reader(_split_lines(text[:1 << 18]), delimiter=delim,
                                               quotechar=quote)), default=0)
    except csv.Error:
        return 0


def _trailing_empty(rec, ncols: int) -> bool:
    return len(rec) > ncols and all(v == "" for v in rec[ncols:])


def _unclosed(lines, delim, quote) -> bool:
    import csv

    try:
        list(csv.reader(lines, delimiter=delim, quotechar=quote, strict=True))
        return False
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)


def _long_column(line: str, delim: str, quote: str, header, limit: int) -> str | None:
    import csv

    old = csv.field_size_limit()
    try:
        csv.field_size_limit(2**31 - 1)
        rec = next(csv.reader([line], delimiter=delim, quotechar=quote), [])
    except csv.Error:
        return None
    finally:
        csv.field_size_limit(old)
    for name, v in zip(header, rec):
        if len(v) >= limit:
            return name
    return None


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
            df = book.parse(sheet, dtype=object, header=self.options.get("header", 0))
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


def _nested_to_json(table):
    """Arrow columns pandas and the cleaners cannot take as they are, as text.

    Nested types (struct, list, map) become JSON text; binary values their UTF-8
    text, or ``base64:...`` when they are not UTF-8; dictionary-encoded columns
    their values.
    """
    import pyarrow as pa

    def plain(v):
        if isinstance(v, list) and v and all(isinstance(x, tuple) and len(x) == 2 for x in v):
            return {str(k): plain(x) for k, x in v}  # a map
        if isinstance(v, list):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v

    import base64

    import pyarrow.compute as pc

    for i, field in enumerate(table.schema):
        t = field.type
        if pa.types.is_dictionary(t):
            # Categories: their values (pandas categoricals would not mix with text).
            table = table.set_column(i, field.name, pc.cast(table.column(i), t.value_type))
            t = t.value_type
        if pa.types.is_binary(t) or pa.types.is_large_binary(t) \
                or pa.types.is_fixed_size_binary(t):
            def text(v):
                try:
                    return v.decode("utf-8")
                except UnicodeDecodeError:
                    return "base64:" + base64.b64encode(v).decode("ascii")
            values = [None if v is None else text(v) for v in table.column(i).to_pylist()]
            table = table.set_column(i, field.name, pa.array(values, type=pa.string()))
        elif pa.types.is_nested(t):
            values = [None if v is None else json.dumps(plain(v), ensure_ascii=False,
                                                          default=str)
                      for v in table.column(i).to_pylist()]
            table = table.set_column(i, field.name, pa.array(values, type=pa.string()))
    return table


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
        import pyarrow.parquet as pq

        p = self._path(path)
        try:
            table = pq.read_table(p, columns=self.options.get("columns"))
            # Nested values (struct, list, map) become JSON text: one type per column.
            # Integers with nulls stay exact Python ints (a float64 column would round
            # IDs above 2**53).
            df = _nested_to_json(table).to_pandas(integer_object_nulls=True)
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(p, f"cannot read as Parquet: {msg}") from None
        check_columns(df, p)
        return _require_rows(df.reset_index(drop=True), p)


_MAX_FLATTEN = 3


def _records_frame(records: list, p, first_row: int = 1) -> pd.DataFrame:
    for i, r in enumerate(records):
        if not isinstance(r, dict):
            raise InputError(p, f"expected an object per record, found {type(r).__name__}",
                             row=i + first_row)
    # Objects are flattened a few levels deep; anything deeper stays JSON text.
    df = pd.json_normalize(records, sep=".", max_level=_MAX_FLATTEN) if records \
        else pd.DataFrame()
    # Nested lists and mixed values become JSON text so every column has one type.
    for col in df.columns:
        s = df[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
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
    options_allowed = ("record_path", "encoding", "on_bad_rows")

    def __init__(self, **options):
        super().__init__(**options)
        #: Records rejected (not objects): list of (row, reason, column).
        self.bad_rows_: list[tuple[int, str, str | None]] = []

    def load(self, path=None, *, progress: bool = False) -> pd.DataFrame:
        """Read the file."""
        p = self._path(path)
        text = _read_text(p, self.options.get("encoding"))
        if not text.strip():
            raise InputError(p, "file is empty")
        try:
            # Numbers with a fraction stay text as written ("3.0" is not 3).
            data = json.loads(text, parse_float=str)
        except json.JSONDecodeError as exc:
            if exc.msg == "Extra data" and text.lstrip().startswith("{") \
                    and not self.options.get("record_path"):
                # One object per line: JSON Lines named .json.
                lines = JsonLinesLoader(**{k: v for k, v in self.options.items()
                                           if k in JsonLinesLoader.options_allowed})
                df = lines.load(p, progress=progress)
                self.bad_rows_ = lines.bad_rows_
                return df
            raise InputError(p, f"not valid JSON at line {exc.lineno}, column {exc.colno}: "
                             f"{exc.msg}") from None
        except RecursionError:
            raise InputError(p, "JSON nested too deeply to read (over about 1,000 "
                             "levels)") from None
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
        keep = [i for i, r in enumerate(data) if isinstance(r, dict)]
        self.bad_rows_ = [(i + 1, f"expected an object, found {type(r).__name__}", None)
                          for i, r in enumerate(data) if not isinstance(r, dict)]
        if self.bad_rows_ and self.options.get("on_bad_rows", "reject") == "error":
            row, why, _ = self.bad_rows_[0]
            raise InputError(p, why, row=row)
        if not keep and self.bad_rows_:
            raise InputError(p, f"no record is an object ({len(self.bad_rows_):,} rejected)")
        df = _records_frame([data[i] for i in keep], p)
        if self.bad_rows_:
            df.attrs["source_rows"] = np.asarray(keep, dtype=np.int64) + 1
        return _require_rows(df, p)


def _read_text(p: Path, encoding: str | None, by_line: bool = False):
    """The decoded text of a (possibly compressed) file.

    With ``by_line``: ``(lines, flags)`` as :func:`~cdmkit.collect.encoding.decode_lines`
    gives them, so that lines with bad bytes can be rejected one by one.
    """
    raw = p.read_bytes()
    data, _ = _read_source_bytes(p, raw[:1 << 16])
    raw = data if data is not None else raw
    if encoding:
        guess = EncodingGuess(encoding, 1.0, method="given")
    else:
        try:
            guess = detect_encoding(raw)
        except ValueError as exc:
            raise InputError(p, str(exc)) from None
    if by_line and not guess.encoding.lower().replace("_", "-").startswith(("utf-16",
                                                                            "utf-32")):
        try:
            return _split_lines(raw.decode(guess.encoding).lstrip("\ufeff")), {}
        except UnicodeDecodeError:
            lines, flags = decode_lines(raw, EncodingGuess(guess.encoding, 1.0, mixed=True,
                                                           fallback=guess.fallback))
            if lines:
                lines[0] = lines[0].lstrip("\ufeff")
            return lines, flags
        except LookupError:
            raise InputError(p, f"unknown encoding {guess.encoding!r}") from None
    try:
        text = raw.decode(guess.encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InputError(p, f"cannot be read as {guess.encoding} ({exc.reason} at byte "
                         f"{exc.start}, line {line}); set options.encoding") from None
    except LookupError:
        raise InputError(p, f"unknown encoding {guess.encoding!r}") from None
    return _split_lines(text) if by_line else text


@loaders.register("jsonl")
class JsonLinesLoader(Loader):
    """JSON Lines: one JSON object per line (blank lines ignored).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "e.jsonl"
    >>> _ = p.write_text('{"id": 1}\\n{"id": 2\\n{"id": 3}\\n')
    >>> loader = JsonLinesLoader()
    >>> loader.load(p)["id"].tolist()
    [1, 3]
    >>> loader.bad_rows_
    [(2, "not valid JSON: Expecting ',' delimiter", None)]
    >>> JsonLinesLoader(on_bad_rows="error").load(p)
    Traceback (most recent call last):
    ...
    cdmkit.errors.InputError: .../e.jsonl, row 2: not valid JSON: Expecting ',' delimiter
    """

    name = "jsonl"
    options_allowed = ("encoding", "chunksize", "on_bad_rows", "on_bad_bytes")

    def __init__(self, **options):
        super().__init__(**options)
        #: Lines rejected: list of (row = line number, reason, column).
        self.bad_rows_: list[tuple[int, str, str | None]] = []

    def load(self, path=None, *, progress: bool = False) -> pd.DataFrame:
        """Read the file."""
        p = self._path(path)
        lines, flags = _read_text(p, self.options.get("encoding"), by_line=True)
        first = next((ln.strip() for ln in lines if ln.strip()), "")
        if first.startswith("[") and not (first.endswith("]") and len(lines) > 1):
            # A JSON array (pretty-printed) named .jsonl: read it as one document.
            whole = JsonLoader(**{k: v for k, v in self.options.items()
                                  if k in JsonLoader.options_allowed})
            df = whole.load(p, progress=progress)
            self.bad_rows_ = whole.bad_rows_
            return df
        records, rows = [], []
        self.bad_rows_ = []
        warnings = []
        replace = self.options.get("on_bad_bytes", "reject") == "replace"
        bar = self._progress(progress, desc=f"reading {p.name}", unit=" rows")
        for i, line in enumerate(lines, 1):
            if not line.strip():
                continue
            why = None
            if flags.get(i - 1) == "invalid":
                if replace:
                    line = _SURROGATE.sub("\ufffd", line)
                    warnings.append((i, None, "bytes that are not valid in the encoding "
                                     "replaced by U+FFFD"))
                else:
                    why = "bytes that are not valid in the file's encoding"
            elif flags.get(i - 1):
                warnings.append((i, None, f"line {flags[i - 1]}"))
            line = line.lstrip("\ufeff")  # files concatenated with their BOMs
            if why is None and "\x00" in line:
                why = "NUL byte in the line"
            if why is None:
                try:
                    rec = json.loads(line, parse_float=str)
                    if not isinstance(rec, dict):
                        why = f"expected an object, found {type(rec).__name__}"
                except json.JSONDecodeError as exc:
                    why = f"not valid JSON: {exc.msg}"
                except RecursionError:
                    why = "JSON nested too deeply to read"
            if why is not None:
                if self.options.get("on_bad_rows", "reject") == "error":
                    raise InputError(p, why, row=i)
                self.bad_rows_.append((i, why, None))
                continue
            records.append(rec)
            rows.append(i)
            bar.update(1)
        bar.close()
        if not records and not self.bad_rows_:
            raise InputError(p, "file is empty")
        if not records:
            row, why, _ = self.bad_rows_[0]
            raise InputError(p, f"no readable record ({len(self.bad_rows_):,} lines rejected; "
                             f"the first: {why})", row=row)
        df = _records_frame(records, p)
        if rows[-1] != len(rows) or self.bad_rows_:
            df.attrs["source_rows"] = np.asarray(rows, dtype=np.int64)
        df.attrs["warnings"] = warnings
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
        from .._extras import require

        require("sql")  # SQLAlchemy is the optional [sql] extra
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
        except (sa.exc.SQLAlchemyError, pd.errors.DatabaseError) as exc:
            # pandas 3 wraps the driver's error in DatabaseError
            cause = getattr(exc, "orig", None) or getattr(exc.__cause__, "orig", None) \
                or exc.__cause__ or exc
            raise InputError(shown, f"query failed: {str(cause).splitlines()[0]}") from None
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
