"""The incremental load equals a full rebuild, on DuckDB and on a real PostgreSQL.

Three runs with changed sources (a new e-mail, a merge, a new customer, an address
change), an erasure between them, and a rerun of the last run that must write nothing:
the database the increments built holds the same current rows as a database built from
the last run alone, the expected type-2 history, and nothing of the erased person.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cdmkit.database import forget_customers, open_backend, update_database
from cdmkit.database.schema import TABLES
from tests.test_database import (  # noqa: F401
    CUSTOMERS_1,
    GOLDEN_1,
    TX_1,
    _canonical,
    first_run,
    pg_url,
    second_run,
    write_run,
)


def third_run(tmp_path):
    """C3 is gone (erased in between); C1 moved house; C4 bought again."""
    golden = pd.read_parquet(tmp_path / "r2" / "data" / "golden.parquet")
    golden = golden[golden.customer_id != "C3"].copy()
    golden.loc[golden.customer_id == "C1", "street"] = "1 New Road"
    cmap = pd.read_parquet(tmp_path / "r2" / "data" / "customer_map.parquet")
    cmap = cmap[cmap.customer_id != "C3"]
    tx = pd.read_parquet(tmp_path / "r2" / "data" / "transactions.parquet")
    tx = pd.concat([tx[tx.customer_ref != "3"],
                    pd.DataFrame({"source": ["orders"], "record_id": ["o5"],
                                  "customer_source": ["crm"], "customer_ref": ["4"],
                                  "order_id": ["E"], "amount": [8.0], "product_name": ["Tea"],
                                  "timestamp": pd.to_datetime(["2025-05-01"])})])
    return write_run(tmp_path / "r3", golden=golden, customer_map=cmap,
                     customers=CUSTOMERS_1[CUSTOMERS_1.record_id != "3"], transactions=tx)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def make_db(request, tmp_path):
    opened = []

    def make(name):
        if request.param == "duckdb":
            db = open_backend(path=tmp_path / f"{name}.duckdb")
        else:
            from cdmkit.database import PostgresBackend

            url = request.getfixturevalue("pg_url")
            admin = PostgresBackend(url)
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
            admin.close()
            db = PostgresBackend(url.rsplit("/", 1)[0] + f"/{name}")
        opened.append(db)
        return db

    yield make
    for db in opened:
        db.close()


_VOLATILE = {"run_id", "valid_from", "valid_to", "ended_run_id"}


def _current(db, table):
    keep = [c for c in TABLES[table] if c not in _VOLATILE]
    return _canonical(db, table)[keep].sort_values(keep).reset_index(drop=True)


def _written_marks(db):
    """What proves a row was (re)written: the file size (DuckDB) or row versions (PostgreSQL)."""
    if db.dialect == "duckdb":
        db.execute("CHECKPOINT")
        return db.path.stat().st_size
    return {t: db.query(f"SELECT coalesce(max(xmin::text::bigint), 0) AS x FROM cdm.{t}")
            ["x"].item() for t in TABLES if t not in ("runs", "meta")}


def test_incremental_equals_full_rebuild(make_db, tmp_path):
    inc = make_db("incremental")
    r1, r2 = first_run(tmp_path), second_run(tmp_path)
    update_database(inc, r1, run_id="r1", as_of="2026-03-01")
    update_database(inc, r2, run_id="r2", as_of="2026-03-15")
    assert forget_customers(inc, ["C3"]) == 1
    r3 = third_run(tmp_path)
    rep = update_database(inc, r3, run_id="r3", as_of="2026-04-01")
    assert (rep.n_new, rep.n_changed, rep.n_removed) == (0, 2, 0)  # C1 address, C4 spend
    assert rep.n_activity_rows_written == 1  # the new purchase only

    full = make_db("rebuild")
    update_database(full, r3, run_id="r3", as_of="2026-04-01")
    for table in ("customers", "customer_records", "transactions"):
        pd.testing.assert_frame_equal(_current(inc, table), _current(full, table), obj=table)
    # the history: every version of C1, the merged C2 closed, C4 from its first run
    h = inc.query("SELECT customer_id, email, street, run_id, ended_run_id FROM "
                  "cdm.customer_history ORDER BY customer_id, valid_from")
    h = h.astype(object).where(h.notna(), None)
    assert h.values.tolist() == [
        ["C1", "maryam@x.ir", None, "r1", "r2"],
        ["C1", "maryam.new@x.ir", None, "r2", "r3"],
        ["C1", "maryam.new@x.ir", "1 New Road", "r3", None],
        ["C2", "m.ahmadi@work.ir", None, "r1", "r2"],
        ["C4", None, None, "r2", None]]
    # the open versions are the rebuild's versions
    cols = [c for c in TABLES["customer_history"] if c not in _VOLATILE]
    open_inc = _canonical(inc, "customer_history")
    open_inc = open_inc[open_inc["valid_to"].isna()][cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(open_inc, _canonical(full, "customer_history")[cols])
    # the erased person stays erased: no row anywhere, history included
    for t in ("customers", "customer_history", "customer_records", "transactions"):
        assert inc.query(f"SELECT count(*) AS n FROM cdm.{t} WHERE customer_id = 'C3'"
                         )["n"].item() == 0, t

    # a rerun with nothing changed writes nothing
    before = {t: _canonical(inc, t) for t in TABLES if t != "runs"}
    marks = _written_marks(inc)
    again = update_database(inc, r3, run_id="r3-again", as_of="2026-04-02")
    assert (again.n_new, again.n_changed, again.n_removed, again.n_activity_rows_written) == \
        (0, 0, 0, 0)
    assert again.n_unchanged == 2
    for t, df in before.items():
        pd.testing.assert_frame_equal(_canonical(inc, t), df, obj=t)
    after = _written_marks(inc)
    if inc.dialect == "duckdb":
        # the runs row plus DuckDB's metadata: two 256 KiB blocks on DuckDB 1.4, three on
        # 1.3 (the lowest supported); rewriting the four customer tables would add four more
        assert after - marks <= 3 * 256 * 1024
    else:
        assert after == marks
    assert inc.query("SELECT n_changed, n_activity_rows_written FROM cdm.runs WHERE "
                     "run_id = 'r3-again'").values.tolist() == [[0, 0]]


def test_md5_only_where_the_fast_hash_differs(make_db, tmp_path, monkeypatch):
    """Unchanged rows are recognised by their fast hash (no MD5 computed for them); stored
    fast hashes that no longer match (another DuckDB release, or rows written before the
    database had them) cost MD5s but change no content, no history, and are repaired."""
    from cdmkit.database.incremental import Engine

    hashed = {}  # rows whose MD5 an update computed, per table
    close = Engine.close

    def spy(self):
        for t in ("customers", "customer_records", "transactions"):
            src = "_chg_customers" if t == "customers" else f"_chg_cand_{t}"
            hashed[t] = self.count(src) if self._has(src) else 0
        close(self)

    monkeypatch.setattr(Engine, "close", spy)
    db = make_db("fasthash")
    r1, r2 = first_run(tmp_path), second_run(tmp_path)
    update_database(db, r1, run_id="r1", as_of="2026-03-01")
    assert hashed == {"customers": 3, "customer_records": 3, "transactions": 3}  # all new
    rep = update_database(db, r2, run_id="r2", as_of="2026-03-15")
    # C1 (e-mail) and C4 (new); C2's record moved to C1 and C4's record; C2's purchase
    # moved to C1 and C4's new purchase: the other rows are never MD5-hashed
    assert (rep.n_new, rep.n_changed, rep.n_activity_rows_written) == (1, 1, 4)
    assert hashed == {"customers": 2, "customer_records": 2, "transactions": 2}
    before = {t: _canonical(db, t) for t in TABLES if t != "runs"}

    update_database(db, r2, run_id="r2-again", as_of="2026-03-16")
    assert hashed == {"customers": 0, "customer_records": 0, "transactions": 0}

    db.execute("UPDATE cdm.customers SET fast_hash = NULL")
    db.execute("UPDATE cdm.customer_records SET fast_hash = fast_hash + 1")
    db.execute("UPDATE cdm.transactions SET fast_hash = NULL WHERE record_id = 'o1'")
    rep = update_database(db, r2, run_id="r2-rehash", as_of="2026-03-17")
    assert hashed == {"customers": 3, "customer_records": 4, "transactions": 1}
    assert (rep.n_new, rep.n_changed, rep.n_removed, rep.n_activity_rows_written) == (0, 0, 0, 0)
    for t, df in before.items():  # the fast hashes are back, nothing else moved
        pd.testing.assert_frame_equal(_canonical(db, t), df, obj=t)
    update_database(db, r2, run_id="r2-last", as_of="2026-03-18")
    assert hashed == {"customers": 0, "customer_records": 0, "transactions": 0}
