"""Load a finished run into the customer database, changing only what changed.

:func:`update_database` reads a run folder's tables (golden records, customer map,
activity, segments, CLV, churn scores, ID changes) and brings the database up to
date in **one transaction**: readers never see half a run, and a run killed
mid-way leaves the previous state intact. Every row carries a hash of its
content; only new and changed rows are written, so the time and the growth of
the database follow the size of the change, not of the base.

Customers absent from a run stay (a client may load batches); a customer leaves the
single customer view only when the ID registry merges or retires its ID, and the
rows that pointed at a merged ID are moved to the ID that absorbed it.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> run = pathlib.Path(tempfile.mkdtemp()) / "r1"
>>> (run / "data").mkdir(parents=True)
>>> pd.DataFrame({"customer_id": ["C1"], "first_name": ["Ann"], "n_records": [1]}).to_parquet(
...     run / "data" / "golden.parquet")
>>> db = open_backend(path=run.parent / "store.duckdb")
>>> rep = update_database(db, run, run_id="r1", as_of="2026-03-01")
>>> rep.n_new, rep.n_changed
(1, 0)
>>> update_database(db, run, run_id="r2", as_of="2026-03-02").n_unchanged
1
>>> db.close()
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import CdmkitError
from .backend import Backend, open_backend  # noqa: F401 (doctests)
from .incremental import Engine
from .schema import CONSENT_FIELDS, GOLDEN_FIELDS, MIGRATIONS, SCHEMA, SCHEMA_VERSION, TABLES

__all__ = ["DatabaseReport", "update_database", "ensure_schema", "schema_version",
           "build_customers", "conform", "forget_customers", "ACTIVITY_TABLES"]

ACTIVITY_TABLES = ("transactions", "events", "interactions")
_HASHED_OUT = {"row_hash", "golden_hash", "valid_from", "run_id", "fast_hash"}


@dataclass
class DatabaseReport:
    """What one load changed (also stored in ``cdm.runs``).

    Examples
    --------
    >>> DatabaseReport("r1", 10, 2, 1, 7, 0, 30, 0.5).n_customers
    10
    """

    run_id: str
    n_customers: int
    n_new: int
    n_changed: int
    n_unchanged: int
    n_removed: int
    n_activity_rows_written: int
    seconds: float
    backend: str = "duckdb"

    def as_dict(self) -> dict:
        """Plain dict (for ``summary.json``)."""
        return dict(self.__dict__)


def schema_version(db: Backend) -> int:
    """Schema version of the database (0 when it has none yet).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> db = open_backend(path=pathlib.Path(tempfile.mkdtemp()) / "x.duckdb")
    >>> schema_version(db), (ensure_schema(db), schema_version(db))[1]
    (0, 4)
    >>> db.close()
    """
    if not db.table_exists("meta"):
        return 0
    v = db.query(f"SELECT value FROM {SCHEMA}.meta WHERE key = 'schema_version'")
    return int(v["value"].iloc[0]) if len(v) else 0


def ensure_schema(db: Backend, target: int = SCHEMA_VERSION) -> int:
    """Create the schema or upgrade it to ``target``, one transaction per step.

    A database written by a newer cdmkit is refused (its tables may mean something else).
    Returns the version before the upgrade.
    """
    before = current = schema_version(db)
    if current > target:
        raise CdmkitError(f"the customer database has schema version {current}, newer than "
                          f"this cdmkit understands ({target}): upgrade cdmkit")
    while current < target:
        nxt = current + 1
        with db.transaction():
            for stmt in MIGRATIONS[nxt](db.dialect):
                db.execute(stmt)
            db.execute(f"DELETE FROM {SCHEMA}.meta WHERE key = 'schema_version'")
            db.execute(f"INSERT INTO {SCHEMA}.meta (key, value) VALUES "
                       f"('schema_version', '{nxt}')")
        current = nxt
    return before


def conform(df: pd.DataFrame, table: str, complete: bool = False) -> pd.DataFrame:
    """The columns of ``cdm.<table>`` present in ``df``, in canonical dtypes.

    With ``complete`` every column of the table is returned (missing ones empty), so a
    row's hash does not depend on which optional tables a run produced.

    Text as Python strings (dates as ISO text), booleans as ``boolean``, integers as
    ``Int64``, timestamps naive ``datetime64[ns]``, so hashes are stable across runs.

    Examples
    --------
    >>> df = pd.DataFrame({"customer_id": [1], "birth_date": [pd.Timestamp("1980-02-03")],
    ...                    "consent_email": ["True"], "junk": [0]})
    >>> conform(df, "customers").astype(object).iloc[0].tolist()
    ['1', '1980-02-03', True]
    """
    out = {}
    for col, typ in TABLES[table].items():
        if col not in df.columns:
            if not complete or col in _HASHED_OUT:
                continue
            s = pd.Series(None, index=df.index, dtype=object)
        else:
            s = df[col]
        if typ == "VARCHAR":
            if pd.api.types.is_datetime64_any_dtype(s):
                fmt = "%Y-%m-%d" if (s.dropna().dt.normalize() == s.dropna()).all() \
                    else "%Y-%m-%dT%H:%M:%S"
                s = s.dt.strftime(fmt)
            if s.dtype != object or pd.api.types.infer_dtype(s, skipna=True) not in (
                    "string", "empty"):  # text already (the common case) skips the copies
                s = s.astype("string").astype(object)
            s = s.where(s.notna(), None)
        elif typ == "BOOLEAN":
            s = _to_boolean(s)
        elif typ == "BIGINT":
            s = pd.to_numeric(s, errors="coerce").astype("Int64")
        elif typ == "DOUBLE PRECISION":
            s = pd.to_numeric(s, errors="coerce").astype("float64")
        elif typ == "TIMESTAMP":
            s = pd.to_datetime(s, errors="coerce")
            if getattr(s.dt, "tz", None) is not None:
                s = s.dt.tz_convert("UTC").dt.tz_localize(None)
            s = s.astype("datetime64[ns]")
        out[col] = s.reset_index(drop=True)
    return pd.DataFrame(out)


_TRUE = {"true": True, "1": True, "yes": True, "y": True, "t": True, "1.0": True,
         "false": False, "0": False, "no": False, "n": False, "f": False, "0.0": False}


def _to_boolean(s: pd.Series) -> pd.Series:
    """Booleans (and their common spellings) as the nullable ``boolean`` dtype."""
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean")
    return s.astype("string").str.strip().str.lower().map(_TRUE).astype("boolean")


def _read(run_dir: Path, name: str) -> pd.DataFrame | None:
    from ..runfolder import RunFolder

    return RunFolder(run_dir).read_table(name, missing_ok=True)


def build_customers(tables: dict) -> pd.DataFrame:
    """The single customer view of one run: golden record + summaries + segment + value.

    ``tables`` maps run table names (``golden``, ``transactions``, ``events``,
    ``interactions``, ``rfm``, ``segments``, ``clv``, ``churn_scores``) to DataFrames;
    activity tables already carry ``customer_id``; ``_summaries`` may hold the activity
    summaries already computed per customer (index ``customer_id``). Without a golden table (a
    transactions-only client) the customers are the IDs of the activity.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "B"], "order_id": ["1", "2", "3"],
    ...                    "amount": [5.0, 7.0, 1.0],
    ...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01",
    ...                                                 "2024-01-05"])})
    >>> build_customers({"transactions": tx})[["customer_id", "n_orders", "total_spend"]
    ...                                       ].values.tolist()
    [['A', 2, 12.0], ['B', 1, 1.0]]
    """
    golden = tables.get("golden")
    summaries = tables.get("_summaries")
    if golden is not None:
        base = golden.copy()
    else:
        ids = set() if summaries is None else set(summaries.index.astype(str))
        for t in ACTIVITY_TABLES:
            if tables.get(t) is not None and "customer_id" in tables[t]:
                ids |= set(tables[t]["customer_id"].dropna().astype(str))
        base = pd.DataFrame({"customer_id": sorted(ids)})
    base["customer_id"] = base["customer_id"].astype(str)
    parts = [base]
    if summaries is not None:  # per-customer activity summaries computed elsewhere
        parts.append(summaries.set_axis(summaries.index.astype(str)))
    tx = tables.get("transactions")
    if tx is not None and len(tx) and "customer_id" in tx:
        tx = tx[tx["customer_id"].notna()]
        g = tx.groupby(tx["customer_id"].astype(str))
        orders = g["order_id"].nunique() if "order_id" in tx else g.size()
        parts.append(pd.DataFrame({"n_orders": orders, "total_spend": g["amount"].sum(),
                                   "first_purchase": g["timestamp"].min(),
                                   "last_purchase": g["timestamp"].max()}))
    for t, n, last in (("events", "n_events", "last_event"),
                       ("interactions", "n_interactions", "last_contact")):
        a = tables.get(t)
        if a is not None and len(a) and "customer_id" in a:
            a = a[a["customer_id"].notna()]
            g = a.groupby(a["customer_id"].astype(str))
            parts.append(pd.DataFrame({n: g.size(), last: g["timestamp"].max()}))
    rfm = tables.get("rfm")
    if rfm is not None and len(rfm):
        # The segmentation stage's figures (returns and non-product lines handled by its
        # rules) win over raw sums, so the database agrees with the reports.
        r = rfm.set_index(rfm["customer_id"].astype(str))
        cols = {"n_purchases": "n_orders", "total_spend": "total_spend",
                "first_purchase": "first_purchase", "last_purchase": "last_purchase"}
        parts.append(r[[c for c in cols if c in r]].rename(columns=cols))
    for name, cols in (("segments", {"rfm_segment": "rfm_segment",
                                     "cluster_label": "cluster_label"}),
                       ("clv", {"clv": "clv", "p_alive": "p_alive",
                                "expected_purchases": "expected_purchases"}),
                       ("churn_scores", {"churn_probability": "churn_probability"})):
        t = tables.get(name)
        if t is not None and len(t):
            t = t.drop_duplicates("customer_id").set_index(t["customer_id"].astype(str)
                                                           .drop_duplicates())
            parts.append(t[[c for c in cols if c in t]].rename(columns=cols))
    verdict = tables.get("_value_verdict")
    if verdict and tables.get("clv") is not None:
        parts.append(pd.DataFrame({"value_verdict": verdict},
                                  index=tables["clv"]["customer_id"].astype(str).unique()))
    out = base.set_index("customer_id")
    for p in parts[1:]:
        p = p[~p.index.duplicated()]
        for c in p.columns:  # later parts override earlier summaries of the same name
            out[c] = p[c].reindex(out.index)
    return out.reset_index()


#: Start of the verdict subjects of the purchase models behind the CLV table (as
#: cdmkit.report.verdicts names them), by the ``clv_main_model`` figure.
_VALUE_MODELS = {"bgnbd": "BG/NBD ", "paretonbd": "Pareto/NBD "}


def value_verdict(run_dir) -> str | None:
    """The analysis stage's verdict on its CLV and P(alive) figures, as stored beside them.

    The verdicts that bear on a customer's CLV and P(alive) are those on the purchase
    model behind the CLV table (``clv_main_model``), on the spend model (Gamma-Gamma),
    and any telling to avoid CLV or P(alive). ``do not use: <subject> ...`` when one
    says so, ``use with care`` or ``usable`` otherwise; None when the run recorded none.
    A lookup then shows whether a customer's CLV may be quoted.

    Examples
    --------
    >>> value_verdict("/nonexistent") is None
    True
    >>> import json, tempfile, pathlib
    >>> run = pathlib.Path(tempfile.mkdtemp())
    >>> (run / "figures").mkdir()
    >>> _ = (run / "figures" / "analysis.json").write_text(json.dumps({
    ...     "clv_main_model": "bgnbd", "verdicts": [
    ...         {"subject": "BG/NBD (purchases, P(alive))", "status": "use with care"},
    ...         {"subject": "Pareto/NBD (purchases, P(alive))", "status": "do not use"},
    ...         {"subject": "Gamma-Gamma (spend per purchase)", "status": "usable"}]}))
    >>> value_verdict(run)
    'use with care'
    """
    import json

    from ..runfolder import RunFolder

    p = RunFolder(run_dir).figures_path("analysis")
    if not p.exists():
        return None
    try:
        figures = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    main = _VALUE_MODELS.get(str(figures.get("clv_main_model")))

    def bears_on_value(v: dict) -> bool:
        subject = str(v.get("subject", ""))
        avoid = {str(a).lower() for a in v.get("avoid") or []}
        return bool(avoid & {"clv", "p(alive)", "p_alive"}) or "p_alive" in subject \
            or subject.startswith("Gamma-Gamma") or (main is not None
                                                     and subject.startswith(main))

    about = [v for v in figures.get("verdicts") or [] if bears_on_value(v)]
    if not about:
        return None
    worst = [v for v in about if v.get("status") == "do not use"]
    if worst:
        return "do not use: " + worst[0].get("subject", "") + " — see the run's verdicts"
    return "use with care" if any(v.get("status") == "use with care" for v in about) \
        else "usable"


def _pause(point: str) -> None:
    # Fault-injection hook for tests: CDMKIT_TEST_PAUSE_AT=<point> writes a marker file
    # and sleeps, so a test can kill -9 the process at a known point.
    if os.environ.get("CDMKIT_TEST_PAUSE_AT") == point:
        marker = os.environ.get("CDMKIT_TEST_PAUSE_MARKER")
        if marker:
            Path(marker).write_text(point)
        time.sleep(float(os.environ.get("CDMKIT_TEST_PAUSE_SECONDS", "60")))


def update_database(db: Backend, run_dir, *, run_id: str | None = None,
                    as_of=None, progress=None) -> DatabaseReport:
    """Bring the customer database up to date with one finished run (one transaction).

    Parameters
    ----------
    db : Backend
        Open database (:func:`cdmkit.database.open_backend`).
    run_dir : path
        The run folder (its ``data/*.parquet`` tables are read).
    run_id : str, optional
        Run id recorded with every written row (default: the folder name).
    as_of : timestamp-like, optional
        When the changes became known (``valid_from`` / ``valid_to`` of history rows);
        default now (UTC).
    progress : callable, optional
        ``progress(message)`` for long loads.

    Returns
    -------
    DatabaseReport

    Examples
    --------
    >>> import tempfile, pathlib
    >>> run = pathlib.Path(tempfile.mkdtemp()) / "r1"
    >>> (run / "data").mkdir(parents=True)
    >>> pd.DataFrame({"customer_id": ["C1", "C2"], "email": ["a@x.org", None]}).to_parquet(
    ...     run / "data" / "golden.parquet")
    >>> db = open_backend(path=run.parent / "s.duckdb")
    >>> update_database(db, run, as_of="2026-01-01").n_new
    2
    >>> db.query("SELECT count(*) AS n FROM cdm.customer_history")["n"].item()
    2
    >>> db.close()
    """
    t0 = time.time()
    say = progress or (lambda m: None)
    run_dir = Path(run_dir)
    run_id = run_id or run_dir.resolve().name  # `latest` is a link: record the real run
    as_of = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.now(tz="UTC")
    if as_of.tzinfo is not None:
        as_of = as_of.tz_convert("UTC").tz_localize(None)
    id_changes = _read(run_dir, "id_changes")
    ensure_schema(db)
    eng = Engine(db, run_dir, run_id)
    try:
        say("customer database: staging the run")
        staged = [t for t in ACTIVITY_TABLES if eng.stage_activity(t)]
        if eng.path("golden") is None and not staged:
            raise CdmkitError(f"{run_dir}: no golden records or activity tables to load into "
                              "the customer database")
        has_records = eng.stage_records()
        eng.summaries()
        n_customers = eng.stage_customers(value_verdict(run_dir))
        gone, moved = _retired_ids(id_changes)
        say("customer database: writing the changes")
        with db.transaction():
            counts = _write_customers(db, eng, gone, as_of, run_id)
            _pause("database.customers_written")
            n_act = eng.write_changed("customer_records") if has_records else 0
            for t in staged:
                n_act += eng.write_changed(t)
            _apply_id_changes(db, id_changes, moved)
            report = DatabaseReport(run_id, n_customers, *counts, n_act, 0.0, db.dialect)
            runs = pd.DataFrame([{**{k: v for k, v in report.as_dict().items()
                                     if k in TABLES["runs"]}, "loaded_at": as_of}])
            db.upsert("runs", runs, ["run_id"], TABLES["runs"])
            _pause("database.before_commit")
    finally:
        eng.close()
    report.seconds = round(time.time() - t0, 3)
    return report


def _write_customers(db: Backend, eng: Engine, gone: set, as_of, run_id: str) -> tuple:
    """Upsert new and changed customers, close and open their history intervals.

    Returns ``(n_new, n_changed, n_unchanged, n_removed)``.
    """
    eng.stage_customer_changes(as_of)
    n_all = eng.count("_new_customers")
    n_new, n_changed = eng.con.execute(
        "SELECT count(*) FILTER (_is_new), count(*) FILTER (_golden OR _row) "
        "FROM _chg_customers").fetchall()[0]
    chg = eng.con.execute("SELECT * FROM _chg_customers WHERE _is_new OR _golden OR _row").df()
    eng.run("CREATE OR REPLACE TEMP TABLE _chg_fast_customers AS SELECT customer_id, fast_hash "
            "FROM _chg_customers WHERE NOT (_is_new OR _golden OR _row)")
    eng.refresh_fast_hashes("customers", "_chg_fast_customers")
    removed = []
    if gone:
        ids = pd.DataFrame({"customer_id": sorted(gone)})
        staged = db._stage(ids, {"customer_id": "VARCHAR"})
        removed = db.query(f"SELECT customer_id FROM {SCHEMA}.customers WHERE customer_id IN "
                           f"(SELECT customer_id FROM {staged})")["customer_id"].tolist()
    closing = pd.concat([chg.loc[chg["_golden"].astype(bool), ["customer_id"]],
                         pd.DataFrame({"customer_id": removed}, dtype=object)],
                        ignore_index=True)
    if len(closing):
        staged = db._stage(closing, {"customer_id": "VARCHAR"})
        db.execute(f"UPDATE {SCHEMA}.customer_history SET valid_to = ?, ended_run_id = ? "
                   f"WHERE valid_to IS NULL AND customer_id IN "
                   f"(SELECT customer_id FROM {staged})", [as_of.to_pydatetime(), run_id])
    hist_cols = [c for c in TABLES["customer_history"] if c in chg.columns and c != "run_id"]
    opened = chg.loc[chg["_is_new"].astype(bool) | chg["_golden"].astype(bool),
                     hist_cols].copy()
    opened["valid_from"] = as_of
    opened["valid_to"] = pd.NaT
    opened["run_id"] = run_id
    opened["ended_run_id"] = None
    db.insert("customer_history", opened, TABLES["customer_history"])
    db.upsert("customers", chg.drop(columns=["_is_new", "_golden", "_row"]), ["customer_id"],
              TABLES["customers"])
    if removed:
        db.delete_keys("customers", pd.DataFrame({"customer_id": removed}),
                       TABLES["customers"])
    return int(n_new), int(n_changed), int(n_all - n_new - n_changed), len(removed)


def _apply_id_changes(db: Backend, changes: pd.DataFrame | None, moved: dict) -> None:
    """Move rows of merged IDs to the surviving ID (one keyed UPDATE per table); log events."""
    if moved:
        staged = db._stage(pd.DataFrame({"old_id": list(moved), "new_id": list(moved.values())}),
                           {"old_id": "VARCHAR", "new_id": "VARCHAR"})
        for t in ("customer_records", *ACTIVITY_TABLES):
            db.execute(f"UPDATE {SCHEMA}.{t} SET customer_id = m.new_id FROM {staged} m "
                       f"WHERE {SCHEMA}.{t}.customer_id = m.old_id")
    if changes is not None and len(changes):
        ch = changes.reindex(columns=list(TABLES["id_history"])).astype(object)
        ch = ch.where(ch.notna(), None)
        staged = db._stage(ch[["run_id"]].drop_duplicates().astype(str), {"run_id": "VARCHAR"})
        cols = list(TABLES["id_history"])
        stored = db.query(f"SELECT {', '.join(cols)} FROM {SCHEMA}.id_history WHERE run_id IN "
                          f"(SELECT run_id FROM {staged})")
        if sorted(map(tuple, stored.astype(object).where(stored.notna(), None).values.tolist()),
                  key=str) == sorted(map(tuple, ch.values.tolist()), key=str):
            return  # the same events are stored already: write nothing
        # Reloading a run replaces its ID events instead of repeating them.
        db.delete_keys("id_history", ch[["run_id"]].drop_duplicates().astype(str),
                       TABLES["id_history"])
        db.insert("id_history", ch.where(ch.notna(), None), TABLES["id_history"])


def _retired_ids(changes: pd.DataFrame | None) -> tuple[set, dict]:
    """IDs that leave the customer view in this run, and merged ID → surviving ID."""
    if changes is None or not len(changes):
        return set(), {}
    ev = changes["event"].astype(str)
    merges = changes[ev == "merge"]
    moved = dict(zip(merges["other_id"].astype(str), merges["customer_id"].astype(str)))
    gone = set(moved)
    gone |= set(changes.loc[ev.isin(["retire", "retired", "erase", "erased"]),
                            "customer_id"].astype(str))
    return gone, moved


def forget_customers(db: Backend, customer_ids) -> int:
    """Delete every row of these customers, their history included (erasure, one transaction).

    Returns the number of customers that were in the database.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> run = pathlib.Path(tempfile.mkdtemp()) / "r1"
    >>> (run / "data").mkdir(parents=True)
    >>> pd.DataFrame({"customer_id": ["C1"], "email": ["a@x.org"]}).to_parquet(
    ...     run / "data" / "golden.parquet")
    >>> db = open_backend(path=run.parent / "s.duckdb")
    >>> _ = update_database(db, run)
    >>> forget_customers(db, ["C1"])
    1
    >>> db.query("SELECT count(*) AS n FROM cdm.customer_history")["n"].item()
    0
    >>> db.close()
    """
    ids = pd.DataFrame({"customer_id": [str(c) for c in customer_ids]})
    if ids.empty or schema_version(db) == 0:
        return 0
    with db.transaction():
        staged = db._stage(ids, {"customer_id": "VARCHAR"})
        n = db.query(f"SELECT count(*) AS n FROM {SCHEMA}.customers WHERE customer_id IN "
                     f"(SELECT customer_id FROM {staged})")["n"].iloc[0]
        for t in ("customers", "customer_history", "customer_records", *ACTIVITY_TABLES):
            db.execute(f"DELETE FROM {SCHEMA}.{t} WHERE customer_id IN "
                       f"(SELECT customer_id FROM {staged})")
    return int(n)
