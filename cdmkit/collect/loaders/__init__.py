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
>>> df = CsvLoader().load(p)  # text columns; an empty field is missing
>>> list(df.columns), df["id"].tolist(), df["name"].iloc[0], df["name"].isna().tolist()
(['id', 'name'], ['1', '2'], 'Ann', [False, True])
"""

from __future__ import annotations

# The package face: every loader stays importable as cdmkit.collect.loaders.<name> (the
# registry, the tests and plugins import from here); importing the modules registers them,
# in this order: csv, tsv, excel, parquet, json, jsonl, sql, duckdb.
from .base import DEFAULT_MAX_FIELD_SIZE, Loader, check_columns
from .delimited import CsvLoader, TsvLoader
from .excel import ExcelLoader
from .structured import JsonLinesLoader, JsonLoader, ParquetLoader
from .sql import DuckDBLoader, SqlLoader

__all__ = ["Loader", "CsvLoader", "TsvLoader", "ExcelLoader", "ParquetLoader", "JsonLoader",
           "JsonLinesLoader", "SqlLoader", "DuckDBLoader", "DEFAULT_MAX_FIELD_SIZE",
           "check_columns"]
