"""The persistent ID registry: stable global customer IDs across runs (DuckDB customer store).

Every source record key ``(source, record_id)`` maps to a global customer ID
``C`` + zero-padded number. Rules, applied to each run's clusters:

* a cluster whose records had no ID gets a **new** ID;
* a cluster keeps the ID most of its earlier records had (a new batch of
  records joins existing customers and keeps their IDs);
* a cluster holding several existing IDs keeps the **oldest** and records the
  others as aliases (**merge**);
* when the records of one ID end up in several clusters, the cluster with most
  of them keeps it and the others get new IDs (**split**);
* IDs are never reused (a counter only grows; retired IDs stay retired);
* every change is logged with the run id (table ``id_changes``).

Records absent from a run keep their mapping (incremental batches).

Examples
--------
>>> import tempfile, pathlib, numpy as np, pandas as pd
>>> store = pathlib.Path(tempfile.mkdtemp()) / "store.duckdb"
>>> keys = pd.DataFrame({"source": ["crm", "shop", "shop"], "record_id": ["1", "7", "8"]})
>>> reg = IdRegistry(store)
>>> ids, changes = reg.assign(keys, np.array([0, 0, 1]), run_id="r1")
>>> ids.tolist(), changes["event"].tolist()
(['C0000001', 'C0000001', 'C0000002'], ['new', 'new'])
>>> ids2, changes2 = reg.assign(keys, np.array([0, 0, 0]), run_id="r2")  # now one person
>>> ids2.tolist(), changes2[["event", "customer_id", "other_id"]].values.tolist()
(['C0000001', 'C0000001', 'C0000001'], [['merge', 'C0000001', 'C0000002']])
>>> reg.resolve("C0000002")
'C0000001'
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CdmkitError
from ..privacy.suppression import (SUPPRESSION_TABLE, ensure_suppression_schema,
                                   identifier_hashes, store_secret)

__all__ = ["IdRegistry", "retire_customer", "check_store", "begin_run", "finish_run",
           "store_expected"]

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS id_meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS id_records (source VARCHAR, record_id VARCHAR,
           customer_id VARCHAR, run_id VARCHAR, PRIMARY KEY (source, record_id))""",
    """CREATE TABLE IF NOT EXISTS id_customers (customer_id VARCHAR PRIMARY KEY, num BIGINT,
           status VARCHAR, created_run VARCHAR, merged_into VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS id_changes (seq BIGINT, run_id VARCHAR, event VARCHAR,
           customer_id VARCHAR, other_id VARCHAR, changed_at TIMESTAMP)""",
    # One row per `cdmkit run` (the run record): written with the run's ID changes, in the
    # same transaction, and marked complete by the runner at the end.
    """CREATE TABLE IF NOT EXISTS id_runs (run_id VARCHAR PRIMARY KEY, status VARCHAR,
           started_at TIMESTAMP, linked_at TIMESTAMP, finished_at TIMESTAMP,
           adopted_from VARCHAR)""",
]

CHANGE_COLUMNS = ["run_id", "event", "customer_id", "other_id"]


def _follow_merges(customers: pd.DataFrame, customer_id: str) -> str | None:
    """The active ID a customer ID leads to through merges; ``None`` when retired/unknown."""
    cust = customers.set_index("customer_id")
    seen, cid = set(), customer_id
    while cid in cust.index and cid not in seen:
        seen.add(cid)
        row = cust.loc[cid]
        if row["status"] == "active":
            return cid
        if row["status"] != "merged" or not isinstance(row["merged_into"], str):
            return None
        cid = row["merged_into"]
    return None


def _run(con, sql, params=None):
    """Execute a statement and consume its result (DuckDB wants results fetched)."""
    res = con.execute(sql, params) if params is not None else con.execute(sql)
    res.fetchall()


class IdRegistry:
    """Global customer IDs kept in a DuckDB file.

    Parameters
    ----------
    path : str or Path
        DuckDB file (created with its folder when missing).
    prefix : str
        ID prefix.
    width : int
        Zero-padded digits.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> IdRegistry(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb").format_id(12)
    'C0000012'
    """

    def __init__(self, path, prefix: str = "C", width: int = 7):
        self.path = Path(path)
        self.prefix = prefix
        self.width = width
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            for stmt in _SCHEMA:
                _run(con, stmt)
            ensure_suppression_schema(con)

    def _connect(self):
        import duckdb

        return duckdb.connect(str(self.path))

    def _query(self, sql: str, params=None) -> list:
        with self._connect() as con:
            return con.execute(sql, params or []).fetchall()

    def format_id(self, num: int) -> str:
        """The ID string of number ``num``."""
        return f"{self.prefix}{int(num):0{self.width}d}"

    # -- reading -----------------------------------------------------------------------
    def mapping(self) -> pd.DataFrame:
        """Current ``source, record_id, customer_id`` of every known record.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> IdRegistry(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb").mapping().shape[0]
        0
        """
        with self._connect() as con:
            return con.execute("SELECT source, record_id, customer_id FROM id_records "
                               "ORDER BY source, record_id").df()

    def customers(self) -> pd.DataFrame:
        """Every ID ever issued: ``customer_id, num, status, created_run, merged_into``."""
        with self._connect() as con:
            return con.execute("SELECT * FROM id_customers ORDER BY num").df()

    def changes(self, run_id: str | None = None) -> pd.DataFrame:
        """The change log (optionally of one run), oldest first."""
        with self._connect() as con:
            q = "SELECT run_id, event, customer_id, other_id, changed_at FROM id_changes"
            if run_id is None:
                return con.execute(q + " ORDER BY seq").df()
            return con.execute(q + " WHERE run_id = ? ORDER BY seq", [run_id]).df()

    def aliases(self) -> pd.DataFrame:
        """Merged IDs and the ID they now resolve to (``alias_id``, ``customer_id``)."""
        cust = self.customers()
        merged = cust[cust["status"] == "merged"]
        return pd.DataFrame({"alias_id": merged["customer_id"].to_numpy(),
                             "customer_id": [self.resolve(c) for c in merged["customer_id"]]})

    def resolve(self, customer_id: str) -> str | None:
        """The current ID of ``customer_id`` (following merges); ``None`` when retired/unknown."""
        return _follow_merges(self.customers(), customer_id)

    # -- writing -----------------------------------------------------------------------
    def assign(self, keys: pd.DataFrame, clusters, run_id: str):
        """Give every record of this run its global ID from its cluster, updating the store.

        Parameters
        ----------
        keys : DataFrame
            ``source`` and ``record_id`` of each record.
        clusters : array-like
            Cluster label of each record (same row order).
        run_id : str
            Logged with every change.

        Returns
        -------
        ids : ndarray of str
            Global ID of each record.
        changes : DataFrame
            ``run_id, event, customer_id, other_id`` of this run (new/merge/split).
        """
        cur = pd.DataFrame({"source": keys["source"].astype(str).to_numpy(),
                            "record_id": keys["record_id"].astype(str).to_numpy(),
                            "cluster": np.asarray(clusters)})
        cur["key"] = cur["source"] + "\x1f" + cur["record_id"]
        with self._connect() as con:
            _run(con, "BEGIN TRANSACTION")
            try:
                self._refuse_suppressed(con, cur)
                ids, changes = self._assign(con, cur, run_id)
                changes = self._record_run(con, run_id, changes)
                _run(con, "COMMIT")
            except BaseException:
                _run(con, "ROLLBACK")
                raise
        return ids, changes

    def _refuse_suppressed(self, con, cur: pd.DataFrame) -> None:
        """Erased record keys never get an ID again (callers drop them first)."""
        secret = store_secret(con, create=False)
        if secret is None:
            return
        hashes = identifier_hashes(cur[["source", "record_id"]], "customers", secret)
        con.register("key_hashes", hashes)
        n = con.execute(f"SELECT count(*) FROM key_hashes JOIN {SUPPRESSION_TABLE} "
                        "USING (hash)").fetchall()[0][0]
        con.unregister("key_hashes")
        if n:
            raise CdmkitError(f"{n} record(s) given to the ID registry belong to erased "
                              "customers (suppression list): drop them with "
                              "cdmkit.privacy.suppression.apply_suppression first")

    def _record_run(self, con, run_id: str, changes: pd.DataFrame) -> pd.DataFrame:
        """Write the run record with the ID changes (same transaction); adopt orphaned changes.

        A run started by the runner has a row in ``id_runs`` (:func:`begin_run`).
        Changes committed by an earlier run that never completed (killed after
        linkage, or failed) are credited to this run instead, so they are
        reported once, by a run that has a summary.
        """
        row = con.execute("SELECT status FROM id_runs WHERE run_id = ?", [run_id]).fetchall()
        if not row:
            return changes  # not a managed run (library use): nothing to adopt
        orphans = [r[0] for r in con.execute(
            "SELECT run_id FROM id_runs WHERE status IN ('running', 'failed') AND run_id <> ? "
            "AND linked_at IS NOT NULL ORDER BY started_at, run_id", [run_id]).fetchall()]
        adopted = pd.DataFrame(columns=CHANGE_COLUMNS)
        if orphans:
            marks = ", ".join("?" * len(orphans))
            adopted = con.execute(f"SELECT run_id, event, customer_id, other_id FROM id_changes "
                                  f"WHERE run_id IN ({marks}) ORDER BY seq", orphans).df()
            _run(con, f"UPDATE id_changes SET run_id = ? WHERE run_id IN ({marks})",
                 [run_id, *orphans])
            _run(con, f"UPDATE id_runs SET status = 'superseded', linked_at = NULL "
                      f"WHERE run_id IN ({marks})", orphans)
            adopted["run_id"] = run_id
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        _run(con, "UPDATE id_runs SET linked_at = ?, adopted_from = ? WHERE run_id = ?",
             [now, ",".join(orphans) or None, run_id])
        if not len(adopted):
            return changes
        return pd.concat([adopted[CHANGE_COLUMNS], changes], ignore_index=True)

    def _assign(self, con, cur: pd.DataFrame, run_id: str):
        cust = con.execute("SELECT customer_id, num, status, merged_into FROM id_customers").df()
        status = dict(zip(cust["customer_id"], cust["status"]))
        merged_into = dict(zip(cust["customer_id"], cust["merged_into"]))
        nums = dict(zip(cust["customer_id"], cust["num"]))

        def current(cid):
            seen = set()
            while isinstance(cid, str) and status.get(cid) == "merged" and cid not in seen:
                seen.add(cid)
                cid = merged_into.get(cid)
            return cid if isinstance(cid, str) and status.get(cid) == "active" else None

        con.register("cur_keys", cur[["source", "record_id"]])
        prev = con.execute("SELECT r.source, r.record_id, r.customer_id FROM cur_keys k JOIN "
                           "id_records r USING (source, record_id)").df()
        con.unregister("cur_keys")
        prev_map = {c: current(c) for c in prev["customer_id"].unique()}
        prev["prev"] = prev["customer_id"].map(prev_map)
        cur = cur.merge(prev[["source", "record_id", "prev"]], on=["source", "record_id"],
                        how="left")
        ckey = cur.groupby("cluster")["key"].min()
        cur["ckey"] = cur["cluster"].map(ckey)

        had = cur[cur["prev"].notna()]
        counts = had.groupby(["cluster", "prev"]).agg(n=("key", "size"), ckey=("ckey", "first"))
        counts = counts.reset_index()
        owners = counts.sort_values(["prev", "n", "ckey"], ascending=[True, False, True]) \
            .drop_duplicates("prev")
        owners["num"] = owners["prev"].map(nums)
        owned = owners.sort_values(["cluster", "num"]).groupby("cluster")["prev"].agg(list)

        # Clusters in a stable order (by smallest record key), so new IDs are deterministic.
        clusters = ckey.sort_values().index
        next_num = int(cust["num"].max()) + 1 if len(cust) else 1
        assigned, events, new_rows, merged = {}, [], [], []
        lost = counts.sort_values(["cluster", "n", "prev"], ascending=[True, False, True]) \
            .drop_duplicates("cluster").set_index("cluster")["prev"]
        for c in clusters:  # one step per cluster (customers), not per pair
            ids = owned.get(c)
            if ids:
                keep = ids[0]
                assigned[c] = keep
                for other in ids[1:]:
                    events.append(("merge", keep, other))
                    merged.append((other, keep))
            else:
                cid = self.format_id(next_num)
                new_rows.append((cid, next_num))
                next_num += 1
                assigned[c] = cid
                if c in lost.index:
                    events.append(("split", cid, lost[c]))
                else:
                    events.append(("new", cid, None))

        ids = cur["cluster"].map(assigned).to_numpy()
        out = cur[["source", "record_id"]].copy()
        out["customer_id"] = ids
        out["run_id"] = run_id
        self._store(con, out, new_rows, merged, run_id)
        changes = pd.DataFrame([(run_id, e, a, b) for e, a, b in events], columns=CHANGE_COLUMNS)
        self._log(con, changes)
        return ids, changes

    def _store(self, con, out: pd.DataFrame, new_rows: list, merged: list, run_id: str):
        """Write one run's decisions: new IDs, merged IDs and each record's current ID."""
        if new_rows:
            nr = pd.DataFrame(new_rows, columns=["customer_id", "num"])
            nr["status"], nr["created_run"], nr["merged_into"] = "active", run_id, None
            con.register("new_ids", nr)
            _run(con, "INSERT INTO id_customers SELECT customer_id, num, status, "
                        "created_run, merged_into FROM new_ids")
            con.unregister("new_ids")
        for other, keep in merged:
            _run(con, "UPDATE id_customers SET status = 'merged', merged_into = ? "
                        "WHERE customer_id = ?", [keep, other])
            _run(con, "UPDATE id_records SET customer_id = ? WHERE customer_id = ?",
                        [keep, other])
        con.register("assigned_ids", out)
        _run(con, "DELETE FROM id_records WHERE (source, record_id) IN "
                    "(SELECT source, record_id FROM assigned_ids)")
        _run(con, "INSERT INTO id_records SELECT source, record_id, customer_id, run_id "
                    "FROM assigned_ids")
        con.unregister("assigned_ids")

    def _log(self, con, changes: pd.DataFrame):
        if not len(changes):
            return
        seq0 = con.execute("SELECT coalesce(max(seq), 0) FROM id_changes").fetchall()[0][0]
        log = changes.copy()
        log.insert(0, "seq", np.arange(seq0 + 1, seq0 + 1 + len(log)))
        log["changed_at"] = datetime.now(timezone.utc).replace(tzinfo=None)
        con.register("log_rows", log)
        _run(con, "INSERT INTO id_changes SELECT seq, run_id, event, customer_id, other_id, "
             "changed_at FROM log_rows")
        con.unregister("log_rows")

    def retire(self, customer_id: str, run_id: str | None = None) -> int:
        """Retire an ID (erasure): drop its record mappings, suppress its record keys.

        The ID is never issued again and its record keys go to the suppression
        list (keyed hashes): the same records coming back get no new ID.
        Returns the number of record mappings removed.

        Examples
        --------
        >>> import tempfile, pathlib, numpy as np, pandas as pd
        >>> reg = IdRegistry(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
        >>> keys = pd.DataFrame({"source": ["a", "a"], "record_id": ["1", "2"]})
        >>> _ = reg.assign(keys, np.array([0, 1]), "r1")
        >>> reg.retire("C0000001", run_id="erase-1")
        1
        >>> reg.assign(keys.iloc[1:], np.array([0]), "r2")[0].tolist()
        ['C0000002']
        >>> reg.assign(keys, np.array([0, 1]), "r3")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        cdmkit.errors.CdmkitError: 1 record(s) given to the ID registry belong to erased ...
        """
        with self._connect() as con:
            _run(con, "BEGIN TRANSACTION")
            try:
                n = self.retire_in(con, customer_id, run_id)
                _run(con, "COMMIT")
            except BaseException:
                _run(con, "ROLLBACK")
                raise
        return n

    def retire_in(self, con, customer_id: str, run_id: str | None = None,
                  extra_hashes: pd.DataFrame | None = None) -> int:
        """:meth:`retire` inside the caller's open transaction ``con`` (erasure uses it).

        ``extra_hashes`` (``hash, kind``: identifiers hashed with :meth:`secret`) join
        the suppression list in the same transaction.
        """
        from ..privacy.suppression import add_suppression

        target = self._resolve_in(con, customer_id) or customer_id
        keys = con.execute("SELECT source, record_id FROM id_records WHERE customer_id = ?",
                           [target]).df()
        secret = store_secret(con)
        hashes = identifier_hashes(keys, "customers", secret)
        if extra_hashes is not None and len(extra_hashes):
            hashes = pd.concat([hashes, extra_hashes[["hash", "kind"]]], ignore_index=True)
        add_suppression(con, hashes, f"erasure:{target}")
        _run(con, "DELETE FROM id_records WHERE customer_id = ?", [target])
        _run(con, "UPDATE id_customers SET status = 'retired' WHERE customer_id = ?", [target])
        self._log(con, pd.DataFrame([(run_id or "erasure", "retire", target, None)],
                                    columns=CHANGE_COLUMNS))
        return int(len(keys))

    def _resolve_in(self, con, customer_id: str) -> str | None:
        return _follow_merges(con.execute("SELECT customer_id, status, merged_into FROM "
                                          "id_customers").df(), customer_id)

    def secret(self) -> bytes:
        """The store's suppression secret (created on first use; never leaves the store)."""
        with self._connect() as con:
            return store_secret(con)


def retire_customer(store_path, customer_id: str, run_id: str | None = None) -> int:
    """Retire ``customer_id`` in the store at ``store_path`` (used by erasure requests).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> retire_customer(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb", "C0000009")
    0
    """
    return IdRegistry(store_path).retire(customer_id, run_id=run_id)


# -- store lifecycle (used by the runner) -------------------------------------------------
def store_expected(config) -> bool:
    """Whether the client has had runs that used its store (so a missing store is an error).

    Examples
    --------
    >>> from cdmkit.config import ClientConfig
    >>> store_expected(ClientConfig(client="a", output_dir="/nonexistent"))
    False
    """
    from ..runfolder import ClientRuns

    cdir = config.client_dir
    if not cdir.is_dir():
        return False
    if (cdir / "erasure_audit.jsonl").exists():
        return True
    return ClientRuns(cdir).any_has_table("customer_map")


def check_store(path) -> None:
    """Open the store and read every value of every table; a damaged store raises.

    DuckDB checks block checksums when it reads a block, so reading everything
    finds a corrupted page before a run builds on it.

    Raises
    ------
    CdmkitError
        One line naming the store and what is wrong.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.duckdb"
    >>> _ = IdRegistry(p); check_store(p)
    >>> _ = p.write_bytes(b"not a database" * 500); check_store(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cdmkit.errors.CdmkitError: the customer store ... is damaged and cannot be read (...
    """
    import duckdb

    path = Path(path)
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            tables = con.execute("SELECT table_schema, table_name FROM "
                                 "information_schema.tables").fetchall()
            for schema, table in tables:
                cols = [r[0] for r in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
                    "AND table_name = ?", [schema, table]).fetchall()]
                reads = ", ".join(f'max(length(CAST("{c}" AS VARCHAR)))' for c in cols) or "1"
                con.execute(f'SELECT count(*), {reads} FROM "{schema}"."{table}"').fetchall()
        finally:
            con.close()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise CdmkitError(f"the customer store {path} is damaged and cannot be read ({first}); "
                          "restore it from a backup, or start a new store with --new-store "
                          "(ID history and erasure suppression would be lost)") from None


def begin_run(store_path, run_id: str) -> None:
    """Write the run record of a runner-managed run (status ``running``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.duckdb"
    >>> begin_run(p, "r1"); finish_run(p, "r1", ok=True)
    >>> IdRegistry(p)._query("SELECT status FROM id_runs")
    [('complete',)]
    """
    reg = IdRegistry(store_path)
    with reg._connect() as con:
        _run(con, "INSERT INTO id_runs (run_id, status, started_at) VALUES (?, 'running', ?) "
                  "ON CONFLICT DO NOTHING",
             [run_id, datetime.now(timezone.utc).replace(tzinfo=None)])


def finish_run(store_path, run_id: str, ok: bool) -> None:
    """Mark the run record ``complete`` (or ``failed``: its ID changes go to the next run)."""
    path = Path(store_path)
    if not path.exists():
        return
    reg = IdRegistry(path)
    with reg._connect() as con:
        _run(con, "UPDATE id_runs SET status = ?, finished_at = ? WHERE run_id = ?",
             ["complete" if ok else "failed", datetime.now(timezone.utc).replace(tzinfo=None),
              run_id])
