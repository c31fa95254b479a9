"""Give back the space a customer database no longer uses (``cdmkit db compact``).

DuckDB never shrinks its file: the blocks an update frees are reused by later updates,
so a store stays somewhat above its compact size. :func:`compact_duckdb` copies the
whole store (the customer database and the ID registry beside it) into a fresh file
with ``COPY FROM DATABASE``, checks that every table holds the same number of rows,
and only then replaces the old file with one atomic rename: a compaction killed at any
point leaves the old file as it was (a leftover ``.compact`` file is removed by the
next one). On PostgreSQL :func:`compact_postgres` runs ``VACUUM (ANALYZE)`` on the
``cdm`` tables (``full=True``: ``VACUUM FULL``, which rewrites them and locks them
while it does).

Examples
--------
>>> import tempfile, pathlib, duckdb
>>> p = pathlib.Path(tempfile.mkdtemp()) / "store.duckdb"
>>> con = duckdb.connect(str(p))
>>> _ = con.execute("CREATE TABLE t AS SELECT range AS i FROM range(100000)")
>>> _ = con.execute("DELETE FROM t WHERE i > 10")
>>> con.close()
>>> rep = compact_duckdb(p)
>>> rep["bytes_after"] <= rep["bytes_before"], rep["tables"]
(True, 1)
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import CdmkitError
from ..runlock import fault_point
from .schema import SCHEMA, TABLES

__all__ = ["compact_duckdb", "compact_postgres"]


def _lit(s: str) -> str:
    return "'" + str(s).replace("'", "''") + "'"


def _counts(con, catalog: str) -> dict:
    tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE "
                         "database_name = ? AND NOT temporary ORDER BY ALL",
                         [catalog]).fetchall()
    return {(s, t): con.execute(f'SELECT count(*) FROM "{catalog}"."{s}"."{t}"').fetchall()[0][0]
            for s, t in tables}


def compact_duckdb(path) -> dict:
    """Rewrite the DuckDB store ``path`` into a fresh file and put it in place atomically.

    The caller makes sure no run uses the store (``cdmkit db compact`` holds the client's
    lock); the file is opened for writing, so another writer would be refused anyway.

    Returns
    -------
    dict
        ``bytes_before``, ``bytes_after`` and ``tables`` (the number of tables copied).
    """
    import duckdb

    path = Path(path)
    if not path.exists():
        raise CdmkitError(f"{path}: no database to compact")
    tmp = path.with_name(path.name + ".compact")
    for p in (tmp, tmp.with_name(tmp.name + ".wal")):
        p.unlink(missing_ok=True)  # left by a compaction that was killed
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise CdmkitError(f"{path}: cannot open the store to compact it "
                          f"({str(exc).splitlines()[0]})") from None
    try:
        con.execute("CHECKPOINT")  # the WAL into the file: the copy and the size see it all
        before = path.stat().st_size
        src = con.execute("SELECT current_database()").fetchall()[0][0]
        con.execute(f"ATTACH {_lit(str(tmp))} AS _compact")
        con.execute(f'COPY FROM DATABASE "{src}" TO _compact')
        old, new = _counts(con, src), _counts(con, "_compact")
        con.execute("DETACH _compact")
    except duckdb.Error as exc:
        con.close()
        tmp.unlink(missing_ok=True)
        raise CdmkitError(f"{path}: compaction failed, the store is unchanged "
                          f"({str(exc).splitlines()[0]})") from None
    con.close()  # before the rename: a connection closed later would write beside the new file
    if old != new:
        tmp.unlink(missing_ok=True)
        raise CdmkitError(f"{path}: the compacted copy differs from the store (row counts), "
                          "the store is unchanged")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    fault_point("database.compact_copied")
    os.replace(tmp, path)
    return {"bytes_before": before, "bytes_after": path.stat().st_size, "tables": len(new)}


def compact_postgres(db, full: bool = False) -> dict:
    """``VACUUM (ANALYZE)`` every ``cdm`` table (``VACUUM FULL`` with ``full``).

    Plain ``VACUUM`` makes the space of old row versions reusable and never blocks
    readers; ``VACUUM FULL`` gives it back to the operating system but locks each table
    while it rewrites it.

    Returns
    -------
    dict
        ``bytes_before``, ``bytes_after`` and ``tables``.
    """
    def size() -> int:
        q = db.query("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS b FROM "
                     "pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
                     f"n.nspname = '{SCHEMA}' AND c.relkind = 'r'")
        return int(q["b"].iloc[0])

    before = size()
    tables = [t for t in TABLES if db.table_exists(t)]
    for t in tables:  # VACUUM cannot run inside a transaction: the backend is autocommit
        db.execute(f"VACUUM ({'FULL, ' if full else ''}ANALYZE) {SCHEMA}.{t}")
    return {"bytes_before": before, "bytes_after": size(), "tables": len(tables)}
