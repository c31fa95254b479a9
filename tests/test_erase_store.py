"""Erasure that stays erased and a store that survives faults: kill -9, locks, damaged stores.

Faults are real: ``cdmkit erase`` runs in a subprocess that kills itself with
SIGKILL at a named point (``CDMKIT_FAULT_POINT``), then the next erase (or run)
must finish the job: one audit line, a readable store, no temporary files, and
not one byte of the person's identifiers in any file of the client.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from cdmkit.config import config_from_dict, load_config
from cdmkit.errors import CdmkitError
from cdmkit.link.registry_ids import IdRegistry, begin_run, check_store, finish_run
from cdmkit.operations.erase import AUDIT_FILE, JOURNAL_FILE, TMP_SUFFIX, erase_customer
from cdmkit.privacy.suppression import SUPPRESSION_REASON, apply_suppression
from cdmkit.runlock import FAULT_ENV, client_lock
from cdmkit.report.runner import claim_run_dir, prepare_store

ROOT = Path(__file__).resolve().parents[1]

#: The person erased in these tests, and values that must not survive anywhere.
SARA = {"email": "sara.karimi@mail.test", "email2": "s.karimi@work.test",
        "phone": "+989121111111", "first": "Sarvenaz", "last": "Karimipour"}
ERASED_VALUES = [SARA["email"], SARA["email2"], "9121111111", "Karimipour",
                 "Sarvenaz Karimipour"]


def _customers():
    return pd.DataFrame({
        "source": ["crm", "shop", "crm"], "record_id": ["1", "A", "2"],
        "source_row": [1, 1, 2],
        "first_name": [SARA["first"], SARA["first"], "Reza"],
        "last_name": [SARA["last"], SARA["last"], "Tehrani"],
        "email": [SARA["email"], SARA["email2"], "reza@mail.test"],
        "phone": [SARA["phone"], None, "+989122222222"],
        "birth_date": ["1990-04-01", "1990-04-01", "1985-01-01"]})


def _make_run(cfg, name, with_reports=True):
    run = cfg.client_dir / name
    (run / "data").mkdir(parents=True)
    (run / "validation" / "exports").mkdir(parents=True)
    (run / "summary.json").write_text(json.dumps({"run_id": name}))
    cu = _customers()
    cm = pd.DataFrame({"source": ["crm", "shop", "crm"], "record_id": ["1", "A", "2"],
                       "customer_id": ["C0000001", "C0000001", "C0000002"]})
    golden = pd.DataFrame({"customer_id": ["C0000001", "C0000002"],
                           "first_name": [SARA["first"], "Reza"],
                           "last_name": [SARA["last"], "Tehrani"],
                           "email": [SARA["email"], "reza@mail.test"],
                           "phone": [SARA["phone"], "+989122222222"]})
    tx = pd.DataFrame({"customer_source": ["crm", "shop", "crm"], "customer_ref": ["1", "A", "2"],
                       "amount": [1.0, 2.0, 3.0]})
    for n, df in dict(customers=cu, customer_map=cm, golden=golden, transactions=tx).items():
        df.to_parquet(run / "data" / f"{n}.parquet", index=False)
    pd.DataFrame({"Email Address": [SARA["email"], "reza@mail.test"],
                  "First Name": [SARA["first"], "Reza"]}).to_csv(
        run / "validation" / "exports" / "newsletter.csv", index=False)
    if with_reports:
        # A report that showed raw values (show_raw_pii) and a notebook output with the e-mail.
        (run / "15-linkage.html").write_text(
            f"<td>{SARA['first']} {SARA['last']}</td><td>{SARA['email']}</td><td>ok</td>",
            encoding="utf-8")
        nb = {"cells": [{"cell_type": "code", "outputs": [
            {"output_type": "stream", "text": [f"found {SARA['email']}\n"]}]}],
              "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        (run / "10-collection.ipynb").write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return run, cm


@pytest.fixture
def client(tmp_path):
    """A client with two run folders, a store with IDs and a store table holding raw values."""
    yaml = tmp_path / "acme.yaml"
    yaml.write_text(f"client: acme\noutput_dir: {tmp_path / 'reports'}\n")
    cfg = load_config(yaml)
    _make_run(cfg, "20260101-000000")
    run, cm = _make_run(cfg, "20260102-000000")
    cfg.client_dir.joinpath("latest").symlink_to(run.name, target_is_directory=True)
    reg = IdRegistry(cfg.store_path)
    reg.assign(cm[["source", "record_id"]], np.array([0, 0, 1]), run_id=run.name)
    con = duckdb.connect(str(cfg.store_path))
    con.register("cu", _customers())
    con.execute("create table customer_records as select * from cu")
    con.close()
    return cfg, yaml


def _client_files(cfg):
    return [p for p in cfg.client_dir.rglob("*") if p.is_file() and not p.is_symlink()]


def _residue(cfg) -> list[str]:
    """Every place one of the erased values is found: raw bytes, or a Parquet/CSV cell."""
    found = []
    for p in _client_files(cfg):
        data = p.read_bytes()
        for v in ERASED_VALUES:
            if v.encode("utf-8") in data or v.encode("utf-16-le") in data:
                found.append(f"{p.name}: {v}")
        if p.suffix == ".parquet":  # compressed pages: look at the values too
            text = pd.read_parquet(p).astype(str).to_string()
            found += [f"{p.name} (cell): {v}" for v in ERASED_VALUES if v in text]
    return found


def _erase_cli(yaml, customer_id, fault=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(FAULT_ENV, None)
    if fault:
        env[FAULT_ENV] = fault
    return subprocess.run([sys.executable, "-m", "cdmkit.cli", "erase", "--client", str(yaml),
                           "--customer-id", customer_id], env=env, capture_output=True,
                          text=True, timeout=300)


def _assert_erased_for_good(cfg):
    assert not (cfg.client_dir / JOURNAL_FILE).exists()
    assert not [p for p in cfg.client_dir.rglob(f"*{TMP_SUFFIX}*")]
    assert not list(cfg.store_path.parent.glob("*.tmp"))
    check_store(cfg.store_path)  # readable, every value
    audit = (cfg.client_dir / AUDIT_FILE).read_text(encoding="utf-8").splitlines()
    assert len(audit) == 1, audit  # complete, and written once
    entry = json.loads(audit[0])
    assert entry["customer_id"] == "C0000001" and entry["event"] == "erasure"
    con = duckdb.connect(str(cfg.store_path), read_only=True)
    try:
        log = con.execute("select erasure_id, customer_id from erasure_log").fetchall()
        assert log == [(entry["erasure_id"], "C0000001")]
        assert con.execute("select count(*) from customer_records").fetchone()[0] == 1
    finally:
        con.close()
    reg = IdRegistry(cfg.store_path)
    assert reg.customers().set_index("customer_id")["status"]["C0000001"] == "retired"
    assert set(reg.mapping()["customer_id"]) == {"C0000002"}  # the other customer is intact
    for run in ("20260101-000000", "20260102-000000"):
        golden = pd.read_parquet(cfg.client_dir / run / "data" / "golden.parquet")
        assert golden["customer_id"].tolist() == ["C0000002"]
    assert _residue(cfg) == []


def test_values_are_findable_before_the_erase(client):
    """The residue search does find the values when they are there (so it can fail)."""
    cfg, _ = client
    found = _residue(cfg)
    assert any(f.startswith("store.duckdb") for f in found), found
    assert any("15-linkage.html" in f for f in found) and any("newsletter.csv" in f
                                                              for f in found)


@pytest.mark.slow
def test_erase_cleans_every_run_folder_report_and_the_store_bytes(client):
    cfg, yaml = client
    res = _erase_cli(yaml, "C0000001")
    assert res.returncode == 0, res.stderr
    assert "erased C0000001" in res.stdout and "identifiers suppressed" in res.stdout
    _assert_erased_for_good(cfg)
    # reports showing raw values were redacted (or deleted), and the report says which
    entry = json.loads((cfg.client_dir / AUDIT_FILE).read_text().splitlines()[0])
    assert len(entry["reports_redacted"]) + len(entry["reports_deleted"]) == 4
    for v in ERASED_VALUES:
        assert v not in json.dumps(entry)


@pytest.mark.slow
@pytest.mark.parametrize("point", ["erase:reports", "erase:before-commit", "erase:after-commit",
                                   "erase:tables", "erase:rewrite"])
def test_erase_killed_midway_is_finished_by_the_next_erase(client, point):
    cfg, yaml = client
    killed = _erase_cli(yaml, "C0000001", fault=point)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr)
    assert (cfg.client_dir / JOURNAL_FILE).exists()
    again = _erase_cli(yaml, "C0000001")
    assert again.returncode == 0, again.stderr
    _assert_erased_for_good(cfg)


@pytest.mark.slow
def test_erase_killed_midway_is_finished_by_the_next_run(client):
    cfg, yaml = client
    killed = _erase_cli(yaml, "C0000001", fault="erase:tables")
    assert killed.returncode == -signal.SIGKILL
    with client_lock(cfg.client_dir, "test run"):
        prepare_store(cfg)  # what `cdmkit run` does before its first stage
    _assert_erased_for_good(cfg)


def test_unknown_customer_id_is_refused_without_touching_anything(client):
    cfg, _ = client
    with pytest.raises(CdmkitError, match="no customer 'C0009999'.*check the customer ID"):
        erase_customer(cfg, "C0009999")
    assert not (cfg.client_dir / JOURNAL_FILE).exists()
    assert not (cfg.client_dir / AUDIT_FILE).exists()


def test_suppression_keeps_the_person_out_of_later_runs(client):
    cfg, _ = client
    erase_customer(cfg, "C0000001")
    cu = _customers()
    # the same records from unchanged sources, and the person again in a new source
    newcomer = pd.DataFrame({"source": ["newsletter", "webshop", "webshop"],
                             "record_id": ["n1", "w1", "w2"], "source_row": [4, 5, 6],
                             "first_name": ["S.", "sarvenaz", "Sarvenaz"],
                             "last_name": [None, "KARIMIPOUR", "Other"],
                             "email": ["Sara.Karimi@Mail.test ", None, None],
                             "phone": [None, None, "0912 111 1111"],
                             "birth_date": [None, "1990-04-01", None]})
    kept, rejects = apply_suppression(pd.concat([cu, newcomer], ignore_index=True),
                                      "customers", cfg.store_path)
    assert kept["record_id"].tolist() == ["2"]
    assert (rejects["reason"] == SUPPRESSION_REASON).all() and rejects["value"].isna().all()
    assert sorted(rejects["row"].tolist()) == [1, 1, 4, 5, 6]
    # activity of the erased records goes too
    tx = pd.DataFrame({"customer_source": ["crm", "crm"], "customer_ref": ["1", "2"],
                       "source": "shop", "amount": [1.0, 2.0]})
    kept_tx, _ = apply_suppression(tx, "transactions", cfg.store_path)
    assert kept_tx["customer_ref"].tolist() == ["2"]
    # the suppression list holds keyed hashes only
    con = duckdb.connect(str(cfg.store_path), read_only=True)
    rows = con.execute("select * from erasure_suppression").fetchall()
    con.close()
    assert rows and all(len(r[0]) == 64 for r in rows)
    assert not any(v.lower() in str(rows).lower() for v in ERASED_VALUES + ["crm", "sara"])


def test_collection_honours_the_suppression_list(client, tmp_path):
    from cdmkit.collect import collect_sources

    cfg, _ = client
    erase_customer(cfg, "C0000001")
    src = tmp_path / "crm.csv"
    src.write_text("id,first_name,last_name,email\n1,Sarvenaz,Karimipour,sara.karimi@mail.test\n"
                   "2,Reza,Tehrani,reza@mail.test\n3,S,K,SARA.KARIMI@mail.test\n",
                   encoding="utf-8")
    cfg2 = config_from_dict({"client": "acme", "output_dir": cfg.output_dir,
                             "sources": [{"name": "crm", "kind": "customers",
                                          "path": str(src)}]}, base_dir=tmp_path)
    res = collect_sources(cfg2)
    assert res.tables["customers"]["record_id"].tolist() == ["2"]
    rej = res.rejects[res.rejects["reason"] == SUPPRESSION_REASON]
    assert sorted(rej["row"].tolist()) == [1, 3] and rej["value"].isna().all()
    stats = res.source_stats.iloc[0]
    assert stats["rows_in"] == stats["rows_clean"] + stats["rows_rejected"] == 3


# -- the run lock, run folders, the run record -------------------------------------------------
_HOLDER = """
import sys, time
from cdmkit.runlock import client_lock
with client_lock(sys.argv[1], "cdmkit run acme"):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_second_process_is_told_who_holds_the_lock_and_a_dead_holder_is_recovered(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(tmp_path)], env=env,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(CdmkitError, match=rf"in use by cdmkit run acme \(pid {holder.pid}, "
                                              r"host .+, since .+\)"):
            with client_lock(tmp_path, "cdmkit erase"):
                pass
        os.kill(holder.pid, signal.SIGKILL)  # a crashed run leaves its lock file behind
        holder.wait(timeout=30)
        assert (tmp_path / ".lock").exists()
        with client_lock(tmp_path, "cdmkit erase") as info:
            assert info["pid"] == os.getpid()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_run_folders_are_unique_when_started_in_the_same_second(tmp_path):
    got, barrier = [], threading.Barrier(20)

    def claim():
        barrier.wait()
        got.append(claim_run_dir(tmp_path)[0])

    threads = [threading.Thread(target=claim) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == 20 and len(list(tmp_path.iterdir())) == 20


def test_id_changes_of_a_run_killed_after_linkage_go_to_the_next_run(tmp_path):
    store = tmp_path / "store.duckdb"
    keys = pd.DataFrame({"source": "crm", "record_id": ["1", "2", "3"]})
    begin_run(store, "r1")
    ids1, ch1 = IdRegistry(store).assign(keys, np.array([0, 0, 1]), "r1")
    assert len(ch1) == 2
    # r1 is killed here: no summary, its run record never completed
    begin_run(store, "r2")
    ids2, ch2 = IdRegistry(store).assign(keys, np.array([0, 0, 1]), "r2")
    assert list(ids2) == list(ids1)
    assert ch2["event"].tolist() == ["new", "new"] and set(ch2["run_id"]) == {"r2"}
    reg = IdRegistry(store)
    assert reg.changes("r1").empty and len(reg.changes("r2")) == 2
    finish_run(store, "r2", ok=True)
    begin_run(store, "r3")
    assert IdRegistry(store).assign(keys, np.array([0, 0, 1]), "r3")[1].empty
    # library calls without a run record never adopt anything
    assert IdRegistry(store).assign(keys, np.array([0, 0, 1]), "adhoc")[1].empty


# -- missing and damaged stores ------------------------------------------------------------------
def _fixture_stage_client(tmp_path):
    from tests.test_runner import FIXTURES  # noqa: F401  (registers the fixture stages)

    p = tmp_path / "fx.yaml"
    p.write_text("client: fx\nstages: [fixture_ok]\n")
    cfg = load_config(p)
    run = cfg.client_dir / "20260101-000000" / "data"
    run.mkdir(parents=True)
    pd.DataFrame({"source": ["crm"], "record_id": ["1"], "customer_id": ["C0000001"]}) \
        .to_parquet(run / "customer_map.parquet")
    IdRegistry(cfg.store_path).assign(pd.DataFrame({"source": ["crm"], "record_id": ["1"]}),
                                      np.array([0]), "20260101-000000")
    return p, cfg


def test_deleted_store_is_refused_unless_a_new_one_is_asked_for(tmp_path):
    from typer.testing import CliRunner

    from cdmkit.cli import app

    p, cfg = _fixture_stage_client(tmp_path)
    cfg.store_path.unlink()
    res = CliRunner().invoke(app, ["run", str(p), "--no-html"])
    assert res.exit_code == 1
    assert "customer store" in res.output and "is missing" in res.output
    assert "--new-store" in res.output and "Traceback" not in res.output
    assert len(list(cfg.client_dir.iterdir())) == 2  # no run folder was started (.lock, old run)
    with client_lock(cfg.client_dir, "test"):
        prepare_store(cfg, new_store=True)  # accepted: a new store will be created


@pytest.mark.slow
def test_damaged_store_is_refused_then_set_aside_with_new_store(tmp_path):
    from typer.testing import CliRunner

    from cdmkit.cli import app

    p, cfg = _fixture_stage_client(tmp_path)
    with open(cfg.store_path, "r+b") as fh:  # a damaged page right after the file header
        fh.seek(12288)
        fh.write(b"\xde\xad\xbe\xef" * 64)
    res = CliRunner().invoke(app, ["run", str(p), "--no-html"])
    assert res.exit_code == 1 and "is damaged and cannot be read" in res.output, res.output
    assert res.output.count("\n") == 1  # one line
    res = CliRunner().invoke(app, ["run", str(p), "--no-html", "--new-store"])
    assert res.exit_code == 0, res.output
    aside = list(cfg.store_path.parent.glob("store.duckdb.damaged-*"))
    assert len(aside) == 1
    # the set-aside copy still holds personal data: an erasure removes it with the rest
    rep = erase_customer(cfg, "C0000001")
    assert aside[0].name in rep.deleted and not aside[0].exists()


@pytest.mark.slow
def test_two_concurrent_runs_one_is_told_the_client_is_busy(tmp_path):
    from tests.test_runner import FIXTURES  # noqa: F401

    p = tmp_path / "fx.yaml"
    p.write_text("client: fx\nstages: [fixture_ok]\n")
    cfg = load_config(p)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # The first run holds the lock (it stops itself at a fault point after taking it: a
    # SIGSTOP would do the same); the second run must fail fast with the holder's name.
    code = ("import sys, time; from cdmkit import runlock; import cdmkit.report.runner as runner; "
            "runlock.fault_point = lambda name: time.sleep(300) if name == 'run:started' "
            "else None; runner.fault_point = runlock.fault_point; "
            "from tests.test_runner import FIXTURES; "
            "runner.run_client(sys.argv[1], html=False)")
    first = subprocess.Popen([sys.executable, "-c", code, str(p)], env=env, cwd=ROOT)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not any(
                d.is_dir() and not d.is_symlink() for d in
                (cfg.client_dir.iterdir() if cfg.client_dir.is_dir() else [])):
            time.sleep(0.2)
        cli = ("import sys; from tests.test_runner import FIXTURES; from cdmkit.cli import app; "
               "app(['run', sys.argv[1], '--no-html'])")
        second = subprocess.run([sys.executable, "-c", cli, str(p)], env=env, cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 1
        assert f"in use by cdmkit run fx (pid {first.pid}" in second.stderr, second.stderr
        assert "Traceback" not in second.stderr
        assert len([d for d in cfg.client_dir.iterdir() if d.is_dir()]) == 1
    finally:
        first.kill()
        first.wait()


# -- end to end: kill -9 inside `cdmkit run`, erase killed mid-way, rerun from unchanged sources --
def _cli(args, fault=None, timeout=1200):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(FAULT_ENV, None)
    if fault:
        env[FAULT_ENV] = fault
    return subprocess.run([sys.executable, "-m", "cdmkit.cli", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def _ids(run_dir) -> pd.Series:
    cm = pd.read_parquet(run_dir / "data" / "customer_map.parquet")
    return cm.set_index(["source", "record_id"])["customer_id"].sort_index()


@pytest.mark.slow
def test_run_and_erase_survive_kill_9_and_the_erased_person_stays_gone(tmp_path):
    from cdmkit.generate import generate_demo

    demo = generate_demo(tmp_path / "data", n_customers=100, seed=11, client="tiny",
                         config_path=tmp_path / "clients" / "tiny.yaml", output_dir="../reports")
    cfg = load_config(demo.config_path)
    yaml = str(demo.config_path)
    linking = ["run", yaml, "--stages", "collection,linkage", "--no-html"]

    # 1. `cdmkit run` killed before its first stage, after collection, and right after
    #    linkage committed its IDs: no summary, no latest, the lock is free for the next run.
    for point in ("run:started", "run:after-collection", "run:after-linkage"):
        killed = _cli(linking, fault=point)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr[-2000:])
    runs = sorted(d for d in cfg.client_dir.iterdir() if d.is_dir() and not d.is_symlink())
    assert len(runs) == 3 and not any((d / "summary.json").exists() for d in runs)
    assert not (cfg.client_dir / "latest").exists()
    (first,) = [d for d in runs if (d / "data" / "customer_map.parquet").exists()]
    # 2. The next run: same IDs, and it reports the changes the killed run committed.
    again = _cli(linking)
    assert again.returncode == 0, again.stderr[-2000:]
    second = (cfg.client_dir / "latest").resolve()
    ids = _ids(second)
    pd.testing.assert_series_equal(ids, _ids(first))
    summary = json.loads((second / "summary.json").read_text())
    n_customers = ids.nunique()
    assert summary["stages"]["linkage"]["id_new"] == n_customers
    check_store(cfg.store_path)
    assert not [p for p in cfg.client_dir.rglob("*") if p.name.endswith(".tmp")
                or p.name.startswith(".latest-")]

    # 3. Erase a customer with several records; the erase is killed while cleaning tables.
    counts = ids.value_counts()
    victim = counts.index[0]
    keys = set(ids[ids == victim].index)
    cu = pd.read_parquet(second / "data" / "customers.parquet")
    mine = cu[[k in keys for k in zip(cu["source"], cu["record_id"])]]
    others = cu[[k not in keys for k in zip(cu["source"], cu["record_id"])]]
    values = set()
    for c in ("email", "email_raw", "phone", "phone_raw"):
        if c in mine:
            values |= {str(v) for v in mine[c].dropna() if len(str(v)) >= 6}
    for c in ("last_name", "full_name"):  # names nobody else has, so a hit means this person
        if c in mine:
            theirs = set(others[c].dropna().astype(str)) if c in others else set()
            values |= {str(v) for v in mine[c].dropna() if str(v) not in theirs}
    assert len(values) >= 3, values
    killed = _cli(["erase", "--client", yaml, "--customer-id", victim], fault="erase:tables")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]

    # 4. An ordinary run from unchanged sources finishes the erase first, then suppresses.
    final = _cli(["run", yaml, "--stages", "collection,linkage,validation", "--no-html"])
    assert final.returncode == 0, final.stderr[-2000:]
    third = (cfg.client_dir / "latest").resolve()
    assert third != second
    audit = (cfg.client_dir / AUDIT_FILE).read_text(encoding="utf-8").splitlines()
    assert len(audit) == 1 and json.loads(audit[0])["customer_id"] == victim
    assert not (cfg.client_dir / JOURNAL_FILE).exists()
    assert not list(cfg.client_dir.rglob(f"*{TMP_SUFFIX}*"))
    check_store(cfg.store_path)
    # everyone else keeps their ID; the person is nowhere and gets no new ID
    after = _ids(third)
    assert victim not in set(after)
    pd.testing.assert_series_equal(after, ids[ids != victim])
    assert json.loads((third / "summary.json").read_text())["stages"]["linkage"]["id_new"] == 0
    rejects = pd.read_parquet(third / "data" / "rejects.parquet")
    assert (rejects["reason"] == SUPPRESSION_REASON).sum() >= len(keys)
    found = []
    for p in _client_files(cfg):
        data = p.read_bytes()
        found += [f"{p}: {v}" for v in values
                  if v.encode("utf-8") in data or v.encode("utf-16-le") in data]
        if p.suffix in (".parquet", ".csv"):
            df = pd.read_parquet(p) if p.suffix == ".parquet" else pd.read_csv(p, dtype=str)
            text = df.astype(str).to_string()
            found += [f"{p} (cell): {v}" for v in values if v in text]
    assert found == []
    assert (third / "validation" / "exports").is_dir()
