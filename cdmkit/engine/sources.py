"""Reading a source on Spark: Parquet, CSV, JDBC or a catalogue table.

The reader is chosen from the source's ``loader`` (or the file suffix); the source's
``mapping`` renames columns to canonical names, as the local loaders do. Credentials
of a JDBC source are read from the environment variable the config names
(``options.url_env``), never from the file.

Examples
--------
>>> _loader_of(None, "data/customers.parquet"), _loader_of(None, "tx.csv.gz")
('parquet', 'csv')
"""

from __future__ import annotations

import os

from ..errors import InputError

__all__ = ["read_source"]

_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".tsv": "tsv",
             ".txt": "csv"}


def _loader_of(loader, path) -> str:
    if loader:
        return loader
    name = str(path or "").lower()
    for ext in (".gz", ".bz2", ".zst"):
        name = name.removesuffix(ext)
    return next((v for k, v in _SUFFIXES.items() if name.endswith(k)), "parquet")


def _nanosecond_columns(path) -> list[str]:
    """Timestamp columns stored in nanoseconds (pandas' default), which Spark refuses."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (OSError, ValueError, pa.ArrowException):  # a folder or remote path: Spark decides
        return []
    return [f.name for f in schema if pa.types.is_timestamp(f.type) and f.type.unit == "ns"]


def _read_parquet(spark, path):
    nanos = _nanosecond_columns(path)
    if not nanos:
        return spark.read.parquet(path)
    from pyspark.sql import functions as F

    # Read nanoseconds as integers, then to Spark's microsecond timestamps (UTC, naive).
    spark.conf.set("spark.sql.legacy.parquet.nanosAsLong", "true")
    try:
        df = spark.read.parquet(path)
        df = df.select(*[F.timestamp_micros(F.floor(F.col(c) / 1000)).alias(c) if c in nanos
                         else F.col(c) for c in df.columns])
        df.schema  # resolve while the setting holds
    finally:
        spark.conf.unset("spark.sql.legacy.parquet.nanosAsLong")
    return df


def read_source(spark, source, base_dir=None):
    """One source as a Spark DataFrame with canonical column names.

    Parameters
    ----------
    spark : SparkSession
    source : SourceConfig
        ``loader``: ``parquet``, ``csv``, ``tsv``, ``jdbc`` (``options.url_env`` names the
        variable holding the JDBC URL, ``options.table`` the table or ``options.query``)
        or ``table`` (``options.table``: a catalogue table, e.g. on Databricks).
    base_dir : str or Path, optional
        Folder relative paths resolve against (the config file's folder).

    Returns
    -------
    pyspark.sql.DataFrame

    Raises
    ------
    InputError
        If the loader is unknown or a JDBC URL variable is unset.

    Examples
    --------
    >>> from cdmkit.config import SourceConfig
    >>> try:
    ...     read_source(None, SourceConfig(name="x", kind="customers", loader="excel", path="x"))
    ... except InputError as e:
    ...     print(e)
    x: loader 'excel' is not available on Spark (use parquet, csv, tsv, jdbc or table)
    """
    loader = _loader_of(source.loader, source.path)
    opts = dict(source.options)
    path = source.path
    if path and base_dir is not None and not os.path.isabs(path) and "://" not in path:
        path = os.path.join(str(base_dir), path)
    if loader == "parquet":
        df = _read_parquet(spark, path)
    elif loader in ("csv", "tsv"):
        df = (spark.read.option("header", True).option("sep", "\t" if loader == "tsv" else
                                                        opts.get("sep", ","))
              .option("encoding", opts.get("encoding", "UTF-8"))
              .csv(path))  # every column as text: cleaning decides types, as locally
    elif loader == "jdbc":
        url = os.environ.get(opts.get("url_env") or "")
        if not url:
            raise InputError(source.name, f"JDBC URL variable {opts.get('url_env')!r} is "
                             "not set")
        reader = spark.read.format("jdbc").option("url", url)
        if opts.get("query"):
            reader = reader.option("query", opts["query"])
        else:
            reader = reader.option("dbtable", opts.get("table"))
        df = reader.load()
    elif loader == "table":
        df = spark.table(opts.get("table") or source.name)
    else:
        raise InputError(source.name, f"loader {loader!r} is not available on Spark (use "
                         "parquet, csv, tsv, jdbc or table)")
    if source.mapping:
        for canonical, col in source.mapping.items():
            if col in df.columns and col != canonical:
                df = df.withColumnRenamed(col, canonical)
    return df
