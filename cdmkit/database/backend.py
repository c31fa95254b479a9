"""Where the customer database lives: DuckDB (embedded, default) or PostgreSQL.

Both backends offer the same few operations, all inside one transaction per run:
read a query into a DataFrame, bulk-upsert a DataFrame by key, delete rows by key.
DuckDB registers the DataFrame, deletes the rows with the same keys and appends the
new ones (its tables have no primary-key index, see :mod:`cdmkit.database.schema`);
PostgreSQL streams it with ``COPY ... FROM STDIN`` into a temporary table and upserts
from there (``INSERT ... ON CONFLICT DO UPDATE``), so a million rows go in one
statement, not a million.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> db = open_backend(path=pathlib.Path(tempfile.mkdtemp()) / "x.duckdb")
>>> db.execute("CREATE SCHEMA IF NOT EXISTS cdm")
>>> db.execute("CREATE TABLE cdm.t (k VARCHAR PRIMARY KEY, v BIGINT)")
>>> with db.transaction():
...     db.upsert("t", pd.DataFrame({"k": ["a", "b"], "v": [1, 2]}), ["k"],
...               {"k": "VARCHAR", "v": "BIGINT"})
2
>>> db.query("SELECT * FROM cdm.t ORDER BY k")["v"].tolist()
[1, 2]
>>> db.close()
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pandas as pd

from ..errors import CdmkitError

__all__ = ["Backend", "DuckDBBackend", "PostgresBackend", "open_backend", "redact_url"]

_SCHEMA = "cdm"


def redact_url(url: str) -> str:
    """A database URL without its password, fit for messages.

    Examples
    --------
    >>> redact_url("postgresql://ann:s3@cr@t@db:5432/x?password=p")
    'postgresql://ann:***@db:5432/x?password=***'
    """
    s = re.sub(r"(?i)(password=)[^&\s]*", r"\1***", str(url))
    return re.sub(r"^([a-z0-9+.-]+://[^:/@]*:)[^/]*@", r"\1***@", s, flags=re.I)


class Backend:
    """Common interface of the database backends (see the module docstring)."""

    dialect = ""

    def execute(self, sql: str, params=None) -> None:  # pragma: no cover - interface
        """Run a statement."""
        raise NotImplementedError

    def query(self, sql: str, params=None) -> pd.DataFrame:  # pragma: no cover - interface
        """Run a query and return its rows as a DataFrame."""
        raise NotImplementedError

    def transaction(self):  # pragma: no cover - interface
        """Context manager: everything inside commits together or not at all."""
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - interface
        """Close the connection."""
        raise NotImplementedError

    def _stage(self, df: pd.DataFrame, types: dict) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def upsert(self, table: str, df: pd.DataFrame, keys: list[str], types: dict) -> int:
        """Insert rows of ``df`` into ``cdm.<table>``, replacing rows with the same key.

        Returns the number of rows written.
        """
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in df.columns if c not in keys)
        conflict = f" ON CONFLICT ({', '.join(keys)}) DO " + (f"UPDATE SET {sets}" if sets
                                                              else "NOTHING")
        return self.insert(table, df, types, conflict)

    def insert(self, table: str, df: pd.DataFrame, types: dict, conflict: str = "") -> int:
        """Append the rows of ``df`` to ``cdm.<table>``; returns the number of rows.

        ``conflict`` is an ``ON CONFLICT`` clause (see :meth:`upsert`).
        """
        if df.empty:
            return 0
        cols = list(df.columns)
        staged = self._stage(df, {c: types[c] for c in cols})
        self.execute(f"INSERT INTO {_SCHEMA}.{table} ({', '.join(cols)}) "
                     f"SELECT {', '.join(cols)} FROM {staged}{conflict}")
        return len(df)

    def delete_keys(self, table: str, keys_df: pd.DataFrame, types: dict) -> int:
        """Delete the rows of ``cdm.<table>`` whose key columns match a row of ``keys_df``."""
        if keys_df.empty:
            return 0
        cols = list(keys_df.columns)
        staged = self._stage(keys_df, {c: types[c] for c in cols})
        cond = " AND ".join(f"k.{c} = t.{c}" for c in cols)
        self.execute(f"DELETE FROM {_SCHEMA}.{table} t WHERE EXISTS "
                     f"(SELECT 1 FROM {staged} k WHERE {cond})")
        return len(keys_df)

    def table_exists(self, table: str) -> bool:
        """Whether ``cdm.<table>`` exists."""
        q = self.query("SELECT count(*) AS n FROM information_schema.tables "
                       f"WHERE table_schema = '{_SCHEMA}' AND table_name = '{table}'")
        return int(q["n"].iloc[0]) > 0


class DuckDBBackend(Backend):
    """The customer database inside the client's DuckDB store file.

    Parameters
    ----------
    path : str or Path
        DuckDB file.
    read_only : bool
        Open read-only (``cdmkit sql``, lookups): writes fail, and several readers can
        open the file at once.
    """

    dialect = "duckdb"

    def __init__(self, path, read_only: bool = False):
        import duckdb

        self.path = Path(path)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise CdmkitError(f"{self.path}: cannot open the customer database "
                              f"({str(exc).splitlines()[0]})") from None
        self.con.execute("SET enable_progress_bar = false")  # no bars in terminals or reports
        self._n = 0

    def execute(self, sql, params=None):
        (self.con.execute(sql, params) if params is not None else self.con.execute(sql)).fetchall()

    def query(self, sql, params=None):
        res = self.con.execute(sql, params) if params is not None else self.con.execute(sql)
        return res.df()

    @contextlib.contextmanager
    def transaction(self):
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def upsert(self, table, df, keys, types):
        """Replace the rows of ``cdm.<table>`` with the keys of ``df`` by the rows of ``df``.

        A delete by key and an append: the changed rows are written at the end of the
        table, unchanged row groups are not rewritten (a table's whole primary-key index
        would be, on every checkpoint).
        """
        if df.empty:
            return 0
        staged = self._stage(df, {c: types[c] for c in df.columns})
        return self.replace_from(table, staged, list(df.columns), keys)

    def replace_from(self, table: str, staged: str, cols: list[str], keys: list[str]) -> int:
        """Delete the rows of ``cdm.<table>`` whose ``keys`` are in the relation ``staged``,
        then append its ``cols``; returns the rows appended."""
        k = ", ".join(keys)
        self.execute(f"DELETE FROM {_SCHEMA}.{table} WHERE ({k}) IN "
                     f"(SELECT {k} FROM {staged})")
        n = self.con.execute(f"INSERT INTO {_SCHEMA}.{table} ({', '.join(cols)}) SELECT "
                             f"{', '.join(cols)} FROM {staged}").fetchall()
        return int(n[0][0]) if n else 0

    def _stage(self, df, types):
        self._n += 1
        name = f"_cdm_stage_{self._n}"
        self.con.register(name + "_df", df)
        sel = ", ".join(f"CAST({c} AS {_duck_type(t)}) AS {c}" for c, t in types.items())
        self.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {sel} FROM {name}_df")
        self.con.unregister(name + "_df")
        return name

    def close(self):
        self.con.close()


def _duck_type(t: str) -> str:
    return "DOUBLE" if t == "DOUBLE PRECISION" else t


class PostgresBackend(Backend):
    """The customer database in a PostgreSQL server (psycopg 3, bulk ``COPY``).

    Parameters
    ----------
    url : str
        ``postgresql://user@host:port/db`` (``+psycopg`` SQLAlchemy style accepted).
    read_only : bool
        Every transaction read-only (``cdmkit sql``).
    """

    dialect = "postgres"

    def __init__(self, url: str, read_only: bool = False):
        import psycopg

        self.url = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
        try:
            self.con = psycopg.connect(self.url, autocommit=True)
        except psycopg.Error as exc:
            raise CdmkitError(f"{redact_url(self.url)}: cannot connect to the customer "
                              f"database ({str(exc).strip().splitlines()[0]})") from None
        if read_only:
            self.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        self._n = 0
        self._tx = None

    @staticmethod
    def _pg(sql, params):
        # The kit writes DuckDB's `?` placeholders; psycopg wants `%s` (and `%%` for `%`).
        return sql if params is None else sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql, params=None):
        self.con.execute(self._pg(sql, params), params)

    def query(self, sql, params=None):
        cur = self.con.execute(self._pg(sql, params), params)
        cols = [d.name for d in cur.description] if cur.description else []
        return pd.DataFrame(cur.fetchall(), columns=cols)

    @contextlib.contextmanager
    def transaction(self):
        with self.con.transaction():
            yield self

    def _stage(self, df, types):
        self._n += 1
        name = f"_cdm_stage_{self._n}"
        cols = ", ".join(f"{c} {t}" for c, t in types.items())
        self.execute(f"CREATE TEMP TABLE {name} ({cols}) ON COMMIT DROP")
        buf = io.StringIO()
        out = df.copy()
        for c, t in types.items():
            if t == "TIMESTAMP":
                out[c] = pd.to_datetime(out[c]).dt.strftime("%Y-%m-%d %H:%M:%S.%f")
            elif t == "BIGINT":
                out[c] = pd.array(out[c], dtype="Int64")
        out.to_csv(buf, index=False, header=False, na_rep="\\N")
        with self.con.cursor().copy(f"COPY {name} ({', '.join(types)}) FROM STDIN "
                                    "WITH (FORMAT csv, NULL '\\N')") as cp:
            cp.write(buf.getvalue())
        return name

    def close(self):
        self.con.close()


def open_backend(*, path=None, url: str | None = None, read_only: bool = False) -> Backend:
    """Open the DuckDB file ``path`` or, when ``url`` is given, the PostgreSQL database.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> db = open_backend(path=pathlib.Path(tempfile.mkdtemp()) / "x.duckdb")
    >>> db.dialect
    'duckdb'
    >>> db.close()
    """
    if url:
        return PostgresBackend(url, read_only=read_only)
    if path is None:
        raise CdmkitError("no customer database: give a DuckDB path or a PostgreSQL URL")
    if read_only and not Path(path).exists():
        raise CdmkitError(f"{path}: no customer database yet (run `cdmkit run` first)")
    return DuckDBBackend(path, read_only=read_only)
