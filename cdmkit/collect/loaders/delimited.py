"""Delimited text (CSV, TSV): Apache Arrow for clean files, a careful row-by-row reader else."""

from __future__ import annotations

import codecs
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import InputError
from ...registry import loaders
from ..encoding import (
    DEFAULT_ENCODINGS,
    EncodingGuess,
    decode_lines,
    detect_encoding,
    read_sample,
    sniff_delimiter,
)
from .base import DEFAULT_MAX_FIELD_SIZE, Loader, _require_rows, check_columns
from .textio import (
    _PREAMBLE,
    _SURROGATE,
    _blocks,
    _CountingReader,
    _iter_lines,
    _looks_binary,
    _read_source_bytes,
    _Scan,
    _split_lines,
    _wide,
)


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

    Other Parameters
    ----------------
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
