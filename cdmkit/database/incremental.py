"""The diff of a run against the customer database, computed inside DuckDB.

A run's activity tables (transactions, events, interactions) and source records are
read by DuckDB straight from the run's Parquet files (``read_parquet``), conformed
to the database types and hashed in SQL; only rows whose key is new or whose hash
differs from the stored one leave the engine. With the DuckDB backend the stored
hashes are the database's own tables (same connection, same transaction); with
PostgreSQL an in-memory DuckDB computes the diff against the stored ``(key,
row_hash)`` pairs pulled once, and only the changed rows are sent with ``COPY``.

The row hash is the first 63 bits of the MD5 of the row's values cast to text
(NULL written as ``\\x01``, fields separated by ``\\x1f``): MD5 and DuckDB's text
form of integers, doubles, booleans and timestamps do not depend on the process or
the machine. Should a DuckDB release change how a value is written as text, the
only effect is one load that rewrites the affected rows.

Examples
--------
>>> row_hash_sql(["a", "b"])[:42]
'CAST(md5_number_lower(concat(coalesce(CAST'
>>> import duckdb
>>> con = duckdb.connect()
>>> h = con.execute("SELECT " + row_hash_sql(["a"]) + " AS h FROM (SELECT 1 AS a)").fetchall()[0][0]
>>> h == con.execute("SELECT " + row_hash_sql(["a"]) + " FROM (SELECT 1 AS a)").fetchall()[0][0]
True
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .schema import CONSENT_FIELDS, GOLDEN_FIELDS, KEYS, SCHEMA, TABLES

__all__ = ["row_hash_sql", "fast_hash_sql", "Engine"]

ACTIVITY_TABLES = ("transactions", "events", "interactions")
_OUT = {"row_hash", "golden_hash", "valid_from", "run_id", "fast_hash"}
_TRUE = "('true', '1', 'yes', 'y', 't', '1.0')"
_FALSE = "('false', '0', 'no', 'n', 'f', '0.0')"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(s: str) -> str:
    return "'" + str(s).replace("'", "''") + "'"


def _row_text_sql(cols: list[str]) -> str:
    return "concat(" + ", chr(31), ".join(f"coalesce(CAST({_q(c)} AS VARCHAR), chr(1))"
                                          for c in cols) + ")"


def row_hash_sql(cols: list[str]) -> str:
    """SQL expression of the 63-bit content hash of a row over ``cols`` (BIGINT).

    Examples
    --------
    >>> row_hash_sql([])
    'CAST(0 AS BIGINT)'
    """
    if not cols:
        return "CAST(0 AS BIGINT)"
    return f"CAST(md5_number_lower({_row_text_sql(cols)}) >> 1 AS BIGINT)"


def fast_hash_sql(cols: list[str]) -> str:
    """SQL expression of the fast hash of a row over ``cols``: DuckDB's ``hash()`` of the
    text the row hash is the MD5 of (BIGINT).

    Several times cheaper than the MD5, so every row of a run gets one, and the MD5 is
    computed only where the fast hash differs from the stored one. Equal fast hashes mean
    equal text, hence equal row hashes (up to a 1 in 2^63 collision, as for the MD5).
    ``hash()`` is not promised to stay the same across DuckDB releases: after a change
    every fast hash differs, the MD5s are computed and compared as before, and the
    stored fast hashes are rewritten; no content changes.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> q = "SELECT " + fast_hash_sql(["a", "b"]) + " FROM (SELECT {} AS a, {} AS b)"
    >>> con.execute(q.format(1, "NULL")).fetchall() == con.execute(q.format(1, "NULL")).fetchall()
    True
    >>> con.execute(q.format(1, "NULL")).fetchall() == con.execute(q.format(1, "''")).fetchall()
    False
    """
    if not cols:
        return "CAST(0 AS BIGINT)"
    return f"CAST(hash({_row_text_sql(cols)}) >> 1 AS BIGINT)"


def _conform_sql(expr: str, typ: str, src_type: str, as_date: bool = False) -> str:
    """SQL ``expr`` (of DuckDB type ``src_type``) cast to the database type ``typ``.

    ``as_date``: a timestamp written as text is written as a date (``YYYY-MM-DD``), as
    :func:`cdmkit.database.update.conform` does when every value of a column is midnight.
    """
    c, st = expr, src_type.upper()
    if typ == "VARCHAR":
        if st.startswith("TIMESTAMP"):
            return f"strftime({c}, '{'%Y-%m-%d' if as_date else '%Y-%m-%dT%H:%M:%S'}')"
        return f"CAST({c} AS VARCHAR)"
    if typ == "BOOLEAN":
        if st == "BOOLEAN":
            return c
        v = f"lower(trim(CAST({c} AS VARCHAR)))"
        return f"CASE WHEN {v} IN {_TRUE} THEN true WHEN {v} IN {_FALSE} THEN false END"
    if typ == "BIGINT":
        return f"CAST(TRY_CAST({c} AS DOUBLE) AS BIGINT)"
    if typ == "DOUBLE PRECISION":
        return f"TRY_CAST({c} AS DOUBLE)"
    if typ == "TIMESTAMP":
        if "WITH TIME ZONE" in st:
            return f"timezone('UTC', {c})"
        return f"TRY_CAST({c} AS TIMESTAMP)"
    return c


class Engine:
    """DuckDB connection where a run is staged and compared with the database.

    Parameters
    ----------
    db : Backend
        The customer database. A DuckDB backend lends its own connection (the diff
        joins the stored tables directly); PostgreSQL gets an in-memory DuckDB.
    run_dir : path
        The run folder (``data/*.parquet``).
    run_id : str
        Recorded on every staged row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from cdmkit.database.backend import open_backend
    >>> run = pathlib.Path(tempfile.mkdtemp())
    >>> (run / "data").mkdir()
    >>> pd.DataFrame({"source": ["s"], "record_id": ["1"], "customer_id": ["C1"],
    ...               "timestamp": [pd.Timestamp("2024-01-01")]}).to_parquet(
    ...     run / "data" / "events.parquet")
    >>> db = open_backend(path=run / "x.duckdb")
    >>> eng = Engine(db, run, "r1")
    >>> eng.stage_activity("events"), eng.count("_new_events")
    (True, 1)
    >>> db.close()
    """

    def __init__(self, db, run_dir, run_id: str):
        import duckdb

        self.db, self.run_dir, self.run_id = db, Path(run_dir), run_id
        self.hashed: dict[str, list[str]] = {}  # table -> the columns its row hash covers
        self.local = db.dialect == "duckdb"
        self.con = db.con if self.local else duckdb.connect()
        if not self.local:
            self.run("SET enable_progress_bar = false")

    def run(self, sql: str, params=None) -> list:
        """Run a statement to completion (a pending result would block the connection)."""
        return self.con.execute(sql, params).fetchall()

    def close(self) -> None:
        """Drop the staging tables (and the in-memory engine of PostgreSQL)."""
        if self.local:
            for (name,) in self.con.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE temporary AND "
                    "(table_name LIKE '\\_new\\_%' ESCAPE '\\' OR "
                    "table_name LIKE '\\_chg\\_%' ESCAPE '\\')").fetchall():
                self.run(f"DROP TABLE IF EXISTS temp.{_q(name)}")
        else:
            self.con.close()

    def path(self, name: str) -> Path | None:
        """The run's ``data/<name>.parquet`` when it exists."""
        from ..runfolder import RunFolder

        p = RunFolder(self.run_dir).table_path(name)
        return p if p.exists() else None

    def _scan(self, name: str) -> tuple[str, dict]:
        p = self.path(name)
        src = f"read_parquet({_lit(str(p))}, file_row_number = true)"
        cols = {r[0]: r[1] for r in self.con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()}
        return src, cols

    def _has_dups(self, src: str, keys: list[str]) -> bool:
        """Whether a key of ``src`` (raw column names) has several rows. An aggregate of
        the key columns only: far cheaper than the window that keeps one row per key,
        which then runs only when needed."""
        k = ", ".join(f"CAST({_q(c)} AS VARCHAR)" for c in keys)
        return bool(self.con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {src} GROUP BY "
                                     f"{k} HAVING count(*) > 1)").fetchall()[0][0])

    def count(self, table: str) -> int:
        """Rows of a staging table."""
        return int(self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])

    def _id_join(self, cols: dict) -> tuple[str, str]:
        """``customer_id`` expression and join for an activity table without one."""
        ref = "CAST(s.customer_ref AS VARCHAR)" if "customer_ref" in cols else "NULL"
        src = "CAST(s.customer_source AS VARCHAR)" if "customer_source" in cols else "NULL"
        if self.path("customer_map") is None:
            return f"CASE WHEN {src} IS NULL THEN {ref} END", ""
        mp, _ = self._scan("customer_map")
        # First mapping of a record wins, as in cdmkit.tables.attach_customer_id.
        join = (f" LEFT JOIN (SELECT CAST(source AS VARCHAR) AS source, CAST(record_id AS "
                f"VARCHAR) AS record_id, arg_min(CAST(customer_id AS VARCHAR), "
                f"file_row_number) AS customer_id FROM {mp} GROUP BY 1, 2) m "
                f"ON m.source = {src} AND m.record_id = {ref}")
        return f"CASE WHEN {src} IS NULL THEN {ref} ELSE m.customer_id END", join

    def stage_activity(self, table: str) -> bool:
        """Stage ``_new_<table>``: the run's rows conformed and hashed, one per key."""
        if self.path(table) is None:
            return False
        src, cols = self._scan(table)
        sel, names = [], []
        for col, typ in TABLES[table].items():
            if col in _OUT:
                continue
            if col == "customer_id" and col not in cols:
                expr, join = self._id_join(cols)
            elif col in cols:
                expr = _conform_sql(f"s.{_q(col)}", typ, cols[col])
            else:
                continue
            sel.append(f"{expr} AS {_q(col)}")
            names.append(col)
        join = self._id_join(cols)[1] if "customer_id" not in cols else ""
        keys = ", ".join(_q(k) for k in KEYS[table])
        dedup = (f" QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY _rn DESC) = 1"
                 if self._has_dups(src, KEYS[table]) else "")  # the last row of a key wins
        self.hashed[table] = names
        self.run(
            f"CREATE OR REPLACE TEMP TABLE _new_{table} AS SELECT * EXCLUDE (_rn), "
            f"CAST(NULL AS BIGINT) AS row_hash, {_lit(self.run_id)} AS run_id, "
            f"{fast_hash_sql(names)} AS fast_hash FROM "
            f"(SELECT {', '.join(sel)}, s.file_row_number AS _rn FROM {src} s{join}){dedup}")
        return True

    def stage_records(self) -> bool:
        """Stage ``_new_customer_records`` from the customer map and the source records."""
        if self.path("customer_map") is None:
            return False
        mp, mcols = self._scan("customer_map")
        ident = ""
        have = {c: f"m.{_q(c)}" for c in ("source", "record_id", "customer_id",
                                          "household_id") if c in mcols}
        if self.path("customers") is not None:
            cs, ccols = self._scan("customers")
            extra = [c for c in ("email", "phone") if c in ccols]
            if extra:
                ident = (" LEFT JOIN (SELECT CAST(source AS VARCHAR) AS source, CAST(record_id "
                         "AS VARCHAR) AS record_id, "
                         + ", ".join(f"arg_min({c}, file_row_number) AS {c}" for c in extra)
                         + f" FROM {cs} GROUP BY 1, 2) c ON c.source = "
                         f"CAST(m.source AS VARCHAR) AND c.record_id = CAST(m.record_id AS "
                         f"VARCHAR)")
                have.update({c: f"c.{c}" for c in extra})
        for c in ("email", "phone"):
            if c not in have and c in mcols:
                have[c] = f"m.{c}"
        types = TABLES["customer_records"]
        sel, names = [], []
        for col in types:
            if col in have:
                e = f"CAST({have[col]} AS VARCHAR)"
                sel.append(f"{'lower(' + e + ')' if col == 'email' else e} AS {col}")
                names.append(col)
        self.hashed["customer_records"] = names
        self.run(
            f"CREATE OR REPLACE TEMP TABLE _new_customer_records AS SELECT * EXCLUDE (_rn), "
            f"CAST(NULL AS BIGINT) AS row_hash, {_lit(self.run_id)} AS run_id, "
            f"{fast_hash_sql(names)} AS fast_hash FROM "
            f"(SELECT {', '.join(sel)}, m.file_row_number AS _rn FROM {mp} m{ident})"
            + (" QUALIFY row_number() OVER (PARTITION BY source, record_id ORDER BY _rn DESC) "
               "= 1" if self._has_dups(mp, ["source", "record_id"]) else ""))
        return True

    def summaries(self) -> bool:
        """Stage ``_new_summaries``: per-customer activity summaries of the staged activity.

        Returns False when the run has no activity.
        """
        parts = []
        if self._has("_new_transactions"):
            cols = self._columns("_new_transactions")
            orders = "count(DISTINCT order_id)" if "order_id" in cols else "count(*)"
            amt = "sum(amount)" if "amount" in cols else "NULL"
            parts.append(f"SELECT customer_id, {orders} AS n_orders, coalesce({amt}, 0) AS "
                         f"total_spend, min(\"timestamp\") AS first_purchase, max(\"timestamp\") "
                         f"AS last_purchase FROM _new_transactions WHERE customer_id IS NOT NULL "
                         f"GROUP BY 1")
        for t, n, last in (("events", "n_events", "last_event"),
                           ("interactions", "n_interactions", "last_contact")):
            if self._has(f"_new_{t}"):
                parts.append(f"SELECT customer_id, count(*) AS {n}, max(\"timestamp\") AS {last} "
                             f"FROM _new_{t} WHERE customer_id IS NOT NULL GROUP BY 1")
        if not parts:
            return False
        sql = parts[0] if len(parts) == 1 else "SELECT * FROM " + " FULL OUTER JOIN ".join(
            f"({p}) t{i}" + (" USING (customer_id)" if i else "") for i, p in enumerate(parts))
        self.run(f"CREATE OR REPLACE TEMP TABLE _new_summaries AS {sql}")
        return True

    # Where the customer view's columns come from, in order: a column is taken from the
    # last part that has it (the segmentation stage's figures win over raw sums, so the
    # database agrees with the reports), as in cdmkit.database.update.build_customers.
    _VIEW_PARTS = (("rfm", {"n_purchases": "n_orders", "total_spend": "total_spend",
                            "first_purchase": "first_purchase", "last_purchase": "last_purchase"}),
                   ("segments", {"rfm_segment": "rfm_segment", "cluster_label": "cluster_label"}),
                   ("clv", {"clv": "clv", "p_alive": "p_alive",
                            "expected_purchases": "expected_purchases"}),
                   ("churn_scores", {"churn_probability": "churn_probability"}))

    def _first_per_customer(self, src: str) -> str:
        """``QUALIFY`` keeping the first row of each customer of ``src`` when one has several."""
        return (" QUALIFY row_number() OVER (PARTITION BY CAST(customer_id AS VARCHAR) ORDER "
                "BY file_row_number) = 1" if self._has_dups(src, ["customer_id"]) else "")

    def _all_midnight(self, src: str, col: str, src_type: str, typ: str) -> bool:
        """Whether timestamp column ``col`` going to a text column holds dates only."""
        if typ != "VARCHAR" or not src_type.upper().startswith("TIMESTAMP"):
            return False
        c = _q(col)
        return self.con.execute(f"SELECT coalesce(bool_and({c} = date_trunc('day', {c})), true) "
                                f"FROM {src}").fetchall()[0][0]

    # long: one SELECT assembled from up to six sources; split, the precedence rule is harder to see
    def stage_customers(self, verdict: str | None = None) -> int:
        """Stage ``_new_customers``: the run's single customer view, conformed and hashed.

        Built in SQL from the golden records (or, without them, the customers of the
        activity), the activity summaries (:meth:`summaries` first), segmentation figures,
        segments, CLV and churn scores read straight from the run's Parquet files; no
        table goes through pandas. ``verdict`` is the run's verdict on CLV and p_alive,
        given to the customers that have a CLV. Returns the number of customers.
        """
        types = TABLES["customers"]
        src = {}      # database column -> SQL expression
        joins = []
        has_sum = self._has("_new_summaries")
        if self.path("golden") is not None:
            g, gcols = self._scan("golden")
            base = f"(SELECT * FROM {g}{self._first_per_customer(g)}) b"
            for c, t in gcols.items():
                if c in types and c not in _OUT and c != "customer_id":
                    src[c] = _conform_sql(f"b.{_q(c)}", types[c], t,
                                          as_date=self._all_midnight(g, c, t, types[c]))
            cid = "CAST(b.customer_id AS VARCHAR)"
        elif has_sum:
            base, cid = "(SELECT DISTINCT customer_id FROM _new_summaries) b", "b.customer_id"
        else:
            raise ValueError("no golden records and no activity to build customers from")
        if has_sum:
            joins.append(f" LEFT JOIN _new_summaries s ON s.customer_id = {cid}")
            for c in self._columns("_new_summaries"):
                if c != "customer_id":
                    src[c] = _conform_sql(f"s.{_q(c)}", types[c], "")
        for i, (name, cols) in enumerate(self._VIEW_PARTS):
            if self.path(name) is None:
                continue
            rel, pcols = self._scan(name)
            have = {a: b for a, b in cols.items() if a in pcols}
            if "customer_id" not in pcols or not have:
                continue
            sel = ", ".join(f"{_q(a)}" for a in have)
            joins.append(f" LEFT JOIN (SELECT CAST(customer_id AS VARCHAR) AS _cid, {sel} FROM "
                         f"{rel}{self._first_per_customer(rel)}) p{i} ON p{i}._cid = {cid}")
            for a, b in have.items():
                src[b] = _conform_sql(f"p{i}.{_q(a)}", types[b], pcols[a])
            if name == "clv" and verdict:
                src["value_verdict"] = f"CASE WHEN p{i}._cid IS NOT NULL THEN {_lit(verdict)} END"
        view = [c for c in types if c not in _OUT]
        sel = [f"{cid} AS customer_id"] + [
            f"CAST({src.get(c, 'NULL')} AS {_duck(types[c])}) AS {_q(c)}"
            for c in view if c != "customer_id"]
        values = [c for c in view if c != "customer_id"]
        self.hashed["customers"] = values
        # The MD5s (golden_hash, row_hash) are computed by stage_customer_changes for the
        # customers whose fast hash changed; the golden fields are among the values.
        self.run(f"CREATE OR REPLACE TEMP TABLE _new_customers AS SELECT *, CAST(NULL AS "
                 f"BIGINT) AS golden_hash, CAST(NULL AS BIGINT) AS row_hash, "
                 f"{_lit(self.run_id)} AS run_id, {fast_hash_sql(values)} AS fast_hash FROM "
                 f"(SELECT {', '.join(sel)} FROM {base}{''.join(joins)})")
        return self.count("_new_customers")

    def stage_customer_changes(self, as_of) -> None:
        """Stage ``_chg_customers``: the staged customers whose fast hash differs from the
        stored one, with their MD5s and what changed (``_is_new``, ``_golden``: the golden
        record, ``_row``: anything), ``valid_from`` kept unless the golden record changed.
        The others are unchanged and stay out of it."""
        cur = self.current("customers", ["customer_id", "golden_hash", "row_hash", "fast_hash",
                                         "valid_from"])
        hist = GOLDEN_FIELDS + CONSENT_FIELDS
        values = self.hashed["customers"]
        self.run(
            "CREATE OR REPLACE TEMP TABLE _chg_customers AS SELECT * EXCLUDE (_cid, _old_golden, "
            "_old_row, _old_from), _cid IS NULL AS _is_new, _cid IS NOT NULL AND _old_golden IS "
            "DISTINCT FROM golden_hash AS _golden, _cid IS NOT NULL AND _old_row IS DISTINCT "
            "FROM row_hash AS _row, CASE WHEN _cid IS NULL OR _old_golden IS DISTINCT FROM "
            "golden_hash THEN CAST(? AS TIMESTAMP) ELSE _old_from END AS valid_from FROM ("
            f"SELECT * REPLACE ({row_hash_sql(values + ['golden_hash'])} AS row_hash) FROM ("
            f"SELECT * REPLACE ({row_hash_sql(hist)} AS golden_hash) FROM ("
            "SELECT n.*, c.customer_id AS _cid, c.golden_hash AS _old_golden, c.row_hash AS "
            f"_old_row, c.valid_from AS _old_from FROM _new_customers n LEFT JOIN {cur} c ON "
            "c.customer_id = n.customer_id WHERE c.fast_hash IS DISTINCT FROM n.fast_hash)))",
            [as_of.to_pydatetime()])

    def _has(self, name: str) -> bool:
        return bool(self.con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND "
                                     "table_name = ?", [name]).fetchall()[0][0])

    def _columns(self, name: str) -> list[str]:
        return [r[0] for r in self.con.execute(f"DESCRIBE {name}").fetchall()]

    def current(self, table: str, cols: list[str], where: str = "") -> str:
        """A relation of the stored ``cols`` of ``cdm.<table>`` readable by the engine."""
        if self.local:
            return f"(SELECT {', '.join(cols)} FROM {SCHEMA}.{table} {where})"
        # 63-bit hashes travel as text: a driver hands a BIGINT column holding a NULL to
        # pandas as floats, which keep only 53 bits.
        sel = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" if TABLES[table].get(c) == "BIGINT"
                        else c for c in cols)
        df = self.db.query(f"SELECT {sel} FROM {SCHEMA}.{table} {where}")
        for c in cols:
            if TABLES[table].get(c) == "BIGINT":
                df[c] = df[c].astype(object)
            elif TABLES[table].get(c) == "TIMESTAMP":
                df[c] = pd.to_datetime(df[c])
            elif TABLES[table].get(c) == "VARCHAR":
                df[c] = df[c].astype(object)
        name = f"_cur_{table}"
        self.con.register(name + "_df", df)
        types = ", ".join(f"CAST({c} AS {_duck(TABLES[table][c])}) AS {c}" for c in cols)
        self.run(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {types} "
                         f"FROM {name}_df")
        self.con.unregister(name + "_df")
        return name

    def refresh_fast_hashes(self, table: str, rel: str) -> int:
        """Store the fast hashes of the relation ``rel`` (key columns and ``fast_hash``) on
        rows whose content did not change: after a DuckDB release changed ``hash()``, or
        on rows stored before the database had fast hashes. Returns the rows touched."""
        keys = KEYS[table]
        n = self.count(rel)
        if n == 0:
            return 0
        if self.local:
            staged = rel
        else:
            df = self.con.execute(f"SELECT {', '.join(keys)}, fast_hash FROM {rel}").df()
            staged = self.db._stage(df, {**{k: TABLES[table][k] for k in keys},
                                         "fast_hash": "BIGINT"})
        on = " AND ".join(f"{SCHEMA}.{table}.{k} = r.{k}" for k in keys)
        self.db.execute(f"UPDATE {SCHEMA}.{table} SET fast_hash = r.fast_hash FROM "
                        f"{staged} r WHERE {on}")
        return n

    def write_changed(self, table: str) -> int:
        """Write the staged rows of ``table`` that are new or changed; returns their number.

        Rows whose fast hash equals the stored one are unchanged; for the others the row
        hash (MD5) is computed and compared with the stored one.
        """
        keys = KEYS[table]
        srcs = [r[0] for r in self.con.execute(
            f"SELECT DISTINCT source FROM _new_{table} WHERE source IS NOT NULL").fetchall()]
        where = ("WHERE source IN (" + ", ".join(_lit(s) for s in srcs) + ")") if srcs else ""
        cur = self.current(table, keys + ["row_hash", "fast_hash"], where)
        on = " AND ".join(f"c.{k} = n.{k}" for k in keys)
        self.run(f"CREATE OR REPLACE TEMP TABLE _chg_cand_{table} AS SELECT * REPLACE "
                 f"({row_hash_sql(self.hashed[table])} AS row_hash) FROM (SELECT n.*, "
                 f"c.row_hash AS _old_hash FROM _new_{table} n LEFT JOIN {cur} c ON {on} "
                 f"WHERE c.fast_hash IS DISTINCT FROM n.fast_hash)")
        self.run(f"CREATE OR REPLACE TEMP TABLE _chg_{table} AS SELECT * EXCLUDE (_old_hash) "
                 f"FROM _chg_cand_{table} WHERE row_hash IS DISTINCT FROM _old_hash")
        self.run(f"CREATE OR REPLACE TEMP TABLE _chg_fast_{table} AS SELECT * FROM "
                 f"_chg_cand_{table} WHERE row_hash = _old_hash")
        self.refresh_fast_hashes(table, f"_chg_fast_{table}")
        n = self.count(f"_chg_{table}")
        if n == 0:
            return 0
        cols = self._columns(f"_chg_{table}")
        if self.local:
            self.db.replace_from(table, f"_chg_{table}", cols, keys)
        else:
            # Columns the run lacks are written empty, as DuckDB's append does.
            df = self.con.execute(f"SELECT * FROM _chg_{table}").df()
            self.db.upsert(table, df.reindex(columns=list(TABLES[table])), keys, TABLES[table])
        return n


def _duck(t: str) -> str:
    return "DOUBLE" if t == "DOUBLE PRECISION" else t
