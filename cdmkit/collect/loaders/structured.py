"""Structured files: Parquet (types kept), JSON and JSON Lines (records flattened)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import InputError
from ...registry import loaders
from ..encoding import EncodingGuess, decode_lines, detect_encoding
from .base import Loader, _require_rows, check_columns
from .textio import _SURROGATE, _read_source_bytes, _split_lines


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

    Other Parameters
    ----------------
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
# Python 3.13's json reads documents nested deeper than 3.11's does, but flattening such a record
# (pandas' json_normalize deep-copies it recursively) still overflows the stack: records nested
# deeper than this are refused as "nested too deeply" on every Python version.
_MAX_DEPTH = 500


def _too_deep(value, limit: int = _MAX_DEPTH) -> bool:
    """Whether a parsed JSON value nests lists/objects more than ``limit`` levels (iteratively)."""
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, dict):
            v = v.values()
        elif not isinstance(v, list):
            continue
        if depth > limit:
            return True
        stack.extend((x, depth + 1) for x in v)
    return False


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

    Other Parameters
    ----------------
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
        deep = next((i for i, r in enumerate(data) if _too_deep(r)), None)
        if deep is not None:
            raise InputError(p, f"JSON nested too deeply to read (over {_MAX_DEPTH} levels)",
                             row=deep + 1)
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
                    elif _too_deep(rec):
                        why = "JSON nested too deeply to read"
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
