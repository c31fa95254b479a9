"""Databases: any SQLAlchemy URL (PostgreSQL, SQLite, MySQL, ...) and DuckDB files."""

from __future__ import annotations

import os
import re

import pandas as pd

from ...errors import InputError
from ...registry import loaders
from .base import Loader, _require_rows, check_columns


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

    A ``path`` (``.db``, ``.sqlite``) without a URL means a SQLite file.

    Other Parameters
    ----------------
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
            from ...privacy.secrets import redact_secrets

            return url, redact_secrets(url)
        p = self._path(path)
        return f"sqlite:///{p}", str(p)

    def load(self, path=None, *, progress: bool = False) -> pd.DataFrame:
        """Run the query (or read the table)."""
        from ..._extras import require

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
