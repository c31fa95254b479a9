"""The customer database: history across runs, incremental loads, lookups, DuckDB and PostgreSQL.

Run folders are built by hand (the tables a run hands over) so each behaviour is tested
on data whose answer is known; one test reads the database the demo run filled through
the runner.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from cdmkit.database import (customer_card, find_customers, forget_customers, open_backend,
                             schema_version, update_database)
from cdmkit.database.schema import MIGRATIONS, SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[1]

GOLDEN_1 = pd.DataFrame({
    "customer_id": ["C1", "C2", "C3"],
    "first_name": ["Maryam", "Mariam", "Taro"],
    "last_name": ["Ahmadi", "Ahmadi", "Yamada"],
    "email": ["maryam@x.ir", "m.ahmadi@work.ir", "taro@x.jp"],
    "phone": ["+989123456789", None, "+819012345678"],
    "birth_date": pd.to_datetime(["1984-03-07", "1984-03-07", "1990-01-01"]),
    "household_id": ["H1", "H1", "H3"],
    "consent_email": [True, True, False],
    "n_records": [1, 1, 1],
})
MAP_1 = pd.DataFrame({"source": ["crm", "shop", "crm"], "record_id": ["1", "7", "3"],
                      "customer_id": ["C1", "C2", "C3"], "household_id": ["H1", "H1", "H3"]})
CUSTOMERS_1 = pd.DataFrame({"source": ["crm", "shop", "crm"], "record_id": ["1", "7", "3"],
                            "email": ["maryam@x.ir", "M.Ahmadi@Work.ir", "taro@x.jp"],
                            "phone": ["+989123456789", "+989350000011", "+819012345678"]})
TX_1 = pd.DataFrame({"source": ["orders"] * 3, "record_id": ["o1", "o2", "o3"],
                     "customer_source": ["crm", "shop", "crm"], "customer_ref": ["1", "7", "3"],
                     "order_id": ["A", "B", "C"], "amount": [10.0, 20.0, 5.0],
                     "product_name": ["Soap", "Oil", "Tea"],
                     "timestamp": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"])})


def write_run(folder: Path, **tables) -> Path:
    (folder / "data").mkdir(parents=True)
    for name, df in tables.items():
        df.to_parquet(folder / "data" / f"{name}.parquet")
    return folder


def first_run(tmp_path) -> Path:
    return write_run(tmp_path / "r1", golden=GOLDEN_1, customer_map=MAP_1,
                     customers=CUSTOMERS_1, transactions=TX_1,
                     id_changes=pd.DataFrame({"run_id": ["r1"] * 3, "event": ["new"] * 3,
                                              "customer_id": ["C1", "C2", "C3"],
                                              "other_id": [None] * 3}))


def second_run(tmp_path) -> Path:
    """C1 moved (new e-mail); C2 turned out to be C1 (merge); a new customer C4; C3 unchanged."""
    golden = GOLDEN_1[GOLDEN_1.customer_id != "C2"].copy()
    golden.loc[golden.customer_id == "C1", "email"] = "maryam.new@x.ir"
    golden = pd.concat([golden, pd.DataFrame({"customer_id": ["C4"], "first_name": ["Ali"],
                                              "n_records": [1]})], ignore_index=True)
    cmap = pd.DataFrame({"source": ["crm", "shop", "crm", "crm"],
                         "record_id": ["1", "7", "3", "4"],
                         "customer_id": ["C1", "C1", "C3", "C4"],
                         "household_id": ["H1", "H1", "H3", None]})
    tx = pd.concat([TX_1, pd.DataFrame({"source": ["orders"], "record_id": ["o4"],
                                        "customer_source": ["crm"], "customer_ref": ["4"],
                                        "order_id": ["D"], "amount": [3.0],
                                        "product_name": ["Pen"],
                                        "timestamp": pd.to_datetime(["2025-04-01"])})])
    changes = pd.DataFrame({"run_id": ["r2", "r2"], "event": ["merge", "new"],
                            "customer_id": ["C1", "C4"], "other_id": ["C2", None]})
    return write_run(tmp_path / "r2", golden=golden, customer_map=cmap,
                     customers=CUSTOMERS_1, transactions=tx, id_changes=changes)


@pytest.fixture
def duck(tmp_path):
    db = open_backend(path=tmp_path / "store.duckdb")
    yield db
    db.close()


def test_two_runs_give_type2_history(duck, tmp_path):
    r1 = update_database(duck, first_run(tmp_path), as_of="2026-03-01")
    assert (r1.n_new, r1.n_changed, r1.n_removed) == (3, 0, 0)
    r2 = update_database(duck, second_run(tmp_path), as_of="2026-03-15")
    assert (r2.n_new, r2.n_removed) == (1, 1)
    h = duck.query("SELECT customer_id, email, valid_from, valid_to, run_id, ended_run_id "
                   "FROM cdm.customer_history ORDER BY customer_id, valid_from")
    c1 = h[h.customer_id == "C1"]
    assert c1["email"].tolist() == ["maryam@x.ir", "maryam.new@x.ir"]
    assert c1["valid_to"].iloc[0] == pd.Timestamp("2026-03-15") and pd.isna(c1["valid_to"].iloc[1])
    assert c1["ended_run_id"].iloc[0] == "r2" and c1["run_id"].tolist() == ["r1", "r2"]
    # the merged ID's open version is closed, and it leaves the single customer view
    c2 = h[h.customer_id == "C2"]
    assert len(c2) == 1 and c2["valid_to"].iloc[0] == pd.Timestamp("2026-03-15")
    assert sorted(duck.query("SELECT customer_id FROM cdm.customers")["customer_id"]) == \
        ["C1", "C3", "C4"]
    # C3 did not change: one version, still open
    assert h[h.customer_id == "C3"]["valid_to"].isna().tolist() == [True]
    # "what did we know on 10 March": one query
    known = duck.query("SELECT customer_id, email FROM cdm.customer_history WHERE "
                       "valid_from <= TIMESTAMP '2026-03-10' AND (valid_to IS NULL OR "
                       "valid_to > TIMESTAMP '2026-03-10') ORDER BY customer_id")
    assert known.values.tolist() == [["C1", "maryam@x.ir"], ["C2", "m.ahmadi@work.ir"],
                                     ["C3", "taro@x.jp"]]
    # the merged customer's purchase now belongs to C1
    spend = duck.query("SELECT customer_id, sum(amount) AS s FROM cdm.transactions "
                       "GROUP BY customer_id ORDER BY customer_id")
    assert spend.values.tolist() == [["C1", 30.0], ["C3", 5.0], ["C4", 3.0]]


def test_reloading_a_run_writes_nothing(duck, tmp_path):
    run = first_run(tmp_path)
    update_database(duck, run, as_of="2026-03-01")
    again = update_database(duck, run, run_id="r1-again", as_of="2026-03-02")
    assert (again.n_new, again.n_changed, again.n_removed, again.n_activity_rows_written) == \
        (0, 0, 0, 0)
    assert duck.query("SELECT count(*) AS n FROM cdm.customer_history")["n"].item() == 3
    assert duck.query("SELECT count(*) AS n FROM cdm.id_history")["n"].item() == 3


def test_segment_change_updates_view_without_new_history(duck, tmp_path):
    update_database(duck, first_run(tmp_path), as_of="2026-03-01")
    seg = pd.DataFrame({"customer_id": ["C1"], "rfm_segment": ["Champions"],
                        "cluster_label": ["frequent"]})
    run = write_run(tmp_path / "r3", golden=GOLDEN_1, customer_map=MAP_1, customers=CUSTOMERS_1,
                    transactions=TX_1, segments=seg)
    rep = update_database(duck, run, as_of="2026-03-20")
    assert (rep.n_changed, rep.n_new) == (1, 0)
    row = duck.query("SELECT rfm_segment, valid_from FROM cdm.customers WHERE customer_id='C1'")
    assert row["rfm_segment"].item() == "Champions"
    assert row["valid_from"].item() == pd.Timestamp("2026-03-01")  # golden record unchanged
    assert duck.query("SELECT count(*) AS n FROM cdm.customer_history")["n"].item() == 3


def test_lookup_by_any_record_email_and_phone_forms(duck, tmp_path):
    update_database(duck, first_run(tmp_path))
    # C2's record e-mail differs in case from what was typed; the golden one is C1's
    assert find_customers(duck, "m.ahmadi@WORK.ir") == ["C2"]
    assert find_customers(duck, "0912 345 6789") == ["C1"]      # national form
    assert find_customers(duck, "+98 935 000 0011") == ["C2"]   # a record's phone only
    assert find_customers(duck, "nobody@x.org") == []
    update_database(duck, second_run(tmp_path))
    assert find_customers(duck, "C2") == ["C1"]                  # merged ID is followed
    card = customer_card(duck, "C1")
    assert card["contact"]["email"] == "m***@x.ir" and "maryam" not in str(card)
    assert [v["changed"] for v in card["history"]] == ["first seen", "email"]
    assert ["shop", "7"] in card["records"]
    assert {"run_id": "r2", "event": "merge", "customer_id": "C1", "other_id": "C2"} in \
        card["id_history"]


def test_forget_removes_history_and_activity(duck, tmp_path):
    update_database(duck, first_run(tmp_path))
    update_database(duck, second_run(tmp_path))
    assert forget_customers(duck, ["C1"]) == 1
    for t in ("customers", "customer_history", "customer_records", "transactions"):
        n = duck.query(f"SELECT count(*) AS n FROM cdm.{t} WHERE customer_id = 'C1'")["n"].item()
        assert n == 0, t


def test_schema_upgrade_from_version_1_keeps_data(duck):
    with duck.transaction():
        for stmt in MIGRATIONS[1]("duckdb"):
            duck.execute(stmt)
        duck.execute("INSERT INTO cdm.meta VALUES ('schema_version', '1')")
        duck.execute("INSERT INTO cdm.customer_records (source, record_id, customer_id) "
                     "VALUES ('crm', '1', 'C1')")
    assert schema_version(duck) == 1
    from cdmkit.database import ensure_schema

    assert ensure_schema(duck) == 1 and schema_version(duck) == SCHEMA_VERSION
    rec = duck.query("SELECT source, record_id, customer_id, email FROM cdm.customer_records")
    assert rec.values.tolist() == [["crm", "1", "C1", None]]


def test_newer_schema_is_refused(duck):
    from cdmkit.database import ensure_schema
    from cdmkit.errors import CdmkitError

    ensure_schema(duck)
    duck.execute("UPDATE cdm.meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(CdmkitError, match="schema version 99"):
        ensure_schema(duck)


_KILL_SCRIPT = """
import sys
from cdmkit.database import open_backend, update_database
db = open_backend(path=sys.argv[1])
update_database(db, sys.argv[2], as_of="2026-03-15")
"""


@pytest.mark.parametrize("point", ["database.customers_written", "database.before_commit"])
def test_killed_update_leaves_previous_state(tmp_path, point):
    store = tmp_path / "store.duckdb"
    db = open_backend(path=store)
    update_database(db, first_run(tmp_path), as_of="2026-03-01")
    before = {t: db.query(f"SELECT * FROM cdm.{t} ORDER BY ALL") for t in
              ("customers", "customer_history", "transactions", "customer_records")}
    db.close()
    marker = tmp_path / "paused"
    env = dict(os.environ, CDMKIT_TEST_PAUSE_AT=point, CDMKIT_TEST_PAUSE_MARKER=str(marker),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, str(store),
                             str(second_run(tmp_path))], env=env)
    deadline = time.time() + 120
    while not marker.exists():
        assert proc.poll() is None, "the update finished or died before the pause point"
        assert time.time() < deadline, "the update never reached the pause point"
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    db = open_backend(path=store)
    for t, df in before.items():
        pd.testing.assert_frame_equal(db.query(f"SELECT * FROM cdm.{t} ORDER BY ALL"), df,
                                      obj=t)
    # and the next load succeeds as if nothing happened
    assert update_database(db, second_run_again(tmp_path), as_of="2026-03-16").n_new == 1
    db.close()


def second_run_again(tmp_path):
    return tmp_path / "r2"


def test_cli_customer_show_and_read_only_sql(tmp_path, demo_like_client):
    from typer.testing import CliRunner

    from cdmkit.cli import app

    cfg_path, db_path = demo_like_client
    res = CliRunner().invoke(app, ["customer", "show", "maryam@x.ir", "--client",
                                   str(cfg_path)])
    assert res.exit_code == 0, res.output
    assert "Customer C1" in res.output and "m***@x.ir" in res.output
    assert "maryam@x.ir" not in res.output and "Ahmadi" not in res.output
    res = CliRunner().invoke(app, ["sql", "SELECT count(*) AS n FROM cdm.customers",
                                   "--client", str(cfg_path)])
    assert res.exit_code == 0 and res.output.split()[-1] == "3", res.output
    res = CliRunner().invoke(app, ["sql", "DELETE FROM cdm.customers", "--client",
                                   str(cfg_path)])
    assert res.exit_code == 1 and "query failed" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(app, ["customer", "show", "nobody@else.org", "--client",
                                   str(cfg_path)])
    assert res.exit_code == 1 and "nobody@else.org" not in res.output


@pytest.fixture
def demo_like_client(tmp_path):
    cfg = tmp_path / "acme.yaml"
    cfg.write_text("client: acme\noutput_dir: reports\n", encoding="utf-8")
    from cdmkit.config import load_config

    store = load_config(cfg).store_path
    store.parent.mkdir(parents=True)
    db = open_backend(path=store)
    update_database(db, first_run(tmp_path))
    db.close()
    return cfg, store


@pytest.mark.slow
def test_demo_run_fills_the_database(demo_run):
    """The runner loaded the demo run: every golden customer, findable by any record's e-mail."""
    from cdmkit.config import load_config

    cfg = load_config(demo_run.client.config_path)
    golden = demo_run.table("golden")
    customers = demo_run.table("customers")
    cmap = demo_run.table("customer_map")
    db = open_backend(path=cfg.store_path, read_only=True)
    try:
        assert db.query("SELECT count(*) AS n FROM cdm.customers")["n"].item() == len(golden)
        figures = demo_run.summary["stages"]["database"]
        assert figures["database_n_new"] == len(golden)
        # a customer with several records, looked up by the e-mail of a non-golden record
        recs = customers.merge(cmap, on=["source", "record_id"])
        recs = recs[recs["email"].notna()].merge(golden[["customer_id", "email"]],
                                                 on="customer_id", suffixes=("", "_golden"))
        other = recs[recs["email"].str.lower() != recs["email_golden"].str.lower()]
        assert len(other), "the demo should have customers with several e-mails"
        row = other.iloc[0]
        assert find_customers(db, row["email"]) == [row["customer_id"]]
    finally:
        db.close()


# A real PostgreSQL server on loopback (the loader tests' fixture; skips only without binaries).
from tests.test_collect_postgres import pg_url  # noqa: E402,F401


def _canonical(db, table: str) -> pd.DataFrame:
    df = db.query(f"SELECT * FROM cdm.{table}")
    from cdmkit.database.schema import TABLES

    df = df[list(TABLES[table])]
    out = df.astype(object).where(df.notna(), None)
    for c in out.columns:  # one textual form per value, whatever the driver returned
        if TABLES[table][c] == "BIGINT":  # a driver may hand integers beside NULLs as floats
            out[c] = out[c].map(lambda v: None if v is None else str(int(v)))
            continue
        out[c] = out[c].map(lambda v: None if v is None else
                            (pd.Timestamp(v).isoformat() if hasattr(v, "year") else
                             repr(round(float(v), 9)) if isinstance(v, float) else str(v)))
    return out.sort_values(list(out.columns), na_position="first").reset_index(drop=True)


@pytest.mark.postgres
def test_duckdb_and_postgres_hold_identical_content(tmp_path, pg_url):
    from cdmkit.database import PostgresBackend

    duck = open_backend(path=tmp_path / "store.duckdb")
    pg = PostgresBackend(pg_url)
    pg.execute("DROP SCHEMA IF EXISTS cdm CASCADE")
    runs = [first_run(tmp_path), second_run(tmp_path)]
    for db in (duck, pg):
        reps = [update_database(db, r, as_of=f"2026-03-{1 + 14 * i:02d}")
                for i, r in enumerate(runs)]
        assert [(r.n_new, r.n_changed, r.n_removed) for r in reps] == [(3, 0, 0), (1, 1, 1)]
    from cdmkit.database.schema import TABLES

    for table in TABLES:
        if table == "runs":
            continue  # holds the load time in seconds, which differs by design
        pd.testing.assert_frame_equal(_canonical(duck, table), _canonical(pg, table), obj=table)
    assert find_customers(pg, "0912 345 6789") == find_customers(duck, "0912 345 6789") == ["C1"]
    assert customer_card(pg, "C1")["history"] == customer_card(duck, "C1")["history"]
    # read-only sessions refuse writes
    ro = PostgresBackend(pg_url, read_only=True)
    with pytest.raises(Exception, match="read-only"):
        ro.execute("DELETE FROM cdm.customers")
    ro.close()
    pg.close()
    duck.close()
