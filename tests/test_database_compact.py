"""``cdmkit db compact``: the store shrinks back, its content is unchanged, and a compaction
killed before the swap leaves the old file as it was."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from cdmkit.database import compact_duckdb, open_backend, update_database
from cdmkit.database.schema import TABLES
from tests.test_database import ROOT, demo_like_client, first_run, pg_url  # noqa: F401


def _grow(path, tmp_path, n_updates=4):
    """A store whose customers change on every update (the file keeps freed blocks)."""
    db = open_backend(path=path)
    ids = [f"C{i:06d}" for i in range(20000)]
    for k in range(n_updates):
        run = tmp_path / f"g{k}"
        (run / "data").mkdir(parents=True)
        pd.DataFrame({"customer_id": ids, "email": [f"u{i}-{k}@x.org" for i in range(20000)],
                      "n_records": 1}).to_parquet(run / "data" / "golden.parquet")
        update_database(db, run, run_id=f"g{k}", as_of=f"2026-01-0{k + 1}")
    db.close()
    # the ID registry lives in the same file: it must survive the copy too
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE registry_probe (k VARCHAR PRIMARY KEY, v BIGINT)")
    con.execute("INSERT INTO registry_probe VALUES ('a', 1), ('b', 2)")
    con.execute("CREATE VIEW probe_view AS SELECT k FROM registry_probe")
    con.close()


def _dump(path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    out = {t: con.execute(f"SELECT * FROM cdm.{t} ORDER BY ALL").df() for t in TABLES}
    out["registry_probe"] = con.execute("SELECT * FROM probe_view ORDER BY ALL").df()
    con.close()
    return out


def test_compact_shrinks_and_keeps_content(tmp_path):
    store = tmp_path / "store.duckdb"
    _grow(store, tmp_path)
    before, size = _dump(store), store.stat().st_size
    rep = compact_duckdb(store)
    assert rep["bytes_before"] == size and rep["bytes_after"] < size, rep
    after = _dump(store)
    for t, df in before.items():
        pd.testing.assert_frame_equal(after[t], df, obj=t)
    assert not store.with_name(store.name + ".compact").exists()
    # the compacted store takes the next update normally, history continues
    db = open_backend(path=store)
    rep = update_database(db, first_run(tmp_path), run_id="r1", as_of="2026-02-01")
    assert rep.n_new == 3
    assert db.query("SELECT count(*) AS n FROM cdm.customer_history")["n"].item() == \
        20000 * 4 + 3
    db.close()


def test_compact_killed_before_swap_leaves_store(tmp_path):
    store = tmp_path / "store.duckdb"
    _grow(store, tmp_path, n_updates=2)
    before, size = _dump(store), store.stat().st_size
    env = dict(os.environ, CDMKIT_FAULT_POINT="database.compact_copied",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", "import sys; from cdmkit.database import "
                           "compact_duckdb; compact_duckdb(sys.argv[1])", str(store)], env=env)
    assert proc.returncode == -9  # killed at the fault point, after the copy
    assert store.with_name(store.name + ".compact").exists()
    assert store.stat().st_size == size
    after = _dump(store)
    for t, df in before.items():
        pd.testing.assert_frame_equal(after[t], df, obj=t)
    compact_duckdb(store)  # the leftover copy is replaced, not trusted
    for t, df in before.items():
        pd.testing.assert_frame_equal(_dump(store)[t], df, obj=t)


def test_cli_db_compact(demo_like_client):  # noqa: F811
    from typer.testing import CliRunner

    from cdmkit.cli import app

    cfg_path, store = demo_like_client
    res = CliRunner().invoke(app, ["db", "compact", "--client", str(cfg_path)])
    assert res.exit_code == 0, res.output
    assert "compacted" in res.output and "MiB" in res.output
    db = open_backend(path=store, read_only=True)
    assert db.query("SELECT count(*) AS n FROM cdm.customers")["n"].item() == 3
    db.close()


@pytest.mark.postgres
def test_compact_postgres(tmp_path, pg_url):  # noqa: F811
    from cdmkit.database import PostgresBackend, compact_postgres

    admin = PostgresBackend(pg_url)
    admin.execute("DROP DATABASE IF EXISTS compact")
    admin.execute("CREATE DATABASE compact")
    admin.close()
    db = PostgresBackend(pg_url.rsplit("/", 1)[0] + "/compact")
    update_database(db, first_run(tmp_path), run_id="r1", as_of="2026-01-01")
    db.execute("UPDATE cdm.customers SET email = email")  # dead row versions to reclaim
    rep = compact_postgres(db, full=True)
    assert rep["tables"] == len(TABLES) and 0 < rep["bytes_after"] <= rep["bytes_before"]
    assert db.query("SELECT count(*) AS n FROM cdm.customers")["n"].item() == 3
    db.close()
