"""RunFolder / ClientRuns: the one owner of the run-folder layout."""

import json
import os
import time

import pandas as pd
import pytest

from cdmkit.errors import CdmkitError
from cdmkit.runfolder import ClientRuns, RunFolder


def _finished(runs: ClientRuns, run_id: str, ok=True, mtime=None) -> RunFolder:
    run = runs.claim(run_id)
    run.write_summary({"ok": ok})
    if mtime is not None:
        os.utime(run.summary_path, (mtime, mtime))
    return run


def test_layout_paths(tmp_path):
    run = RunFolder(tmp_path / "r1")
    assert run.data_dir == tmp_path / "r1" / "data"
    assert run.figures_dir == tmp_path / "r1" / "figures"
    assert run.summary_path.name == "summary.json"
    assert run.config_path.name == "config.resolved.json"
    assert run.manifest_path.name == "manifest.json"
    assert run.table_path("golden") == tmp_path / "r1" / "data" / "golden.parquet"
    assert run.figures_path("linkage") == tmp_path / "r1" / "figures" / "linkage.json"
    assert not run.exists()
    assert run.create().exists() and run.data_dir.is_dir() and run.figures_dir.is_dir()


def test_tables_roundtrip_and_missing(tmp_path):
    run = RunFolder(tmp_path).create()
    df = pd.DataFrame({"customer_id": ["C1", "C2"], "x": [1, 2]})
    run.write_table("golden", df)
    assert run.tables() == ["golden"]
    assert run.read_table("golden").equals(df)
    assert run.read_table("golden", columns=["x"]).columns.tolist() == ["x"]
    assert run.table_columns("golden") == ["customer_id", "x"]
    assert run.table_rows("golden") == 2 and run.table_rows("rfm") == 0
    assert run.read_table("rfm", missing_ok=True) is None
    assert set(run.read_tables(["golden", "rfm"])) == {"golden"}
    with pytest.raises(CdmkitError, match="table 'rfm' not found"):
        run.read_table("rfm")
    # a named index is kept, an unnamed one dropped
    run.write_table("named", df.set_index("customer_id"))
    assert run.read_table("named").index.name == "customer_id"


def test_figures_are_atomic_and_merged(tmp_path):
    run = RunFolder(tmp_path).create()
    assert run.read_figures("analysis") == {}
    run.write_figures("analysis", {"b": 1, "a": 2})
    run.write_figures("linkage", {"n": 3})
    (run.figures_dir / "broken.json").write_text("{not json")
    assert run.stage_figures() == {"analysis": {"a": 2, "b": 1}, "linkage": {"n": 3}}
    assert not [p for p in run.figures_dir.iterdir() if ".tmp" in p.name]
    assert list(json.loads(run.figures_path("analysis").read_text())) == ["a", "b"]


def test_summary_and_success(tmp_path):
    run = RunFolder(tmp_path)
    with pytest.raises(CdmkitError, match="has no summary.json"):
        run.summary()
    assert not run.succeeded()
    run.write_summary({"ok": False})
    assert run.has_summary() and not run.succeeded()
    run.write_summary({"ok": True, "client": "a"})
    assert run.succeeded() and run.summary()["client"] == "a"
    run.summary_path.write_text("{broken")
    assert not run.succeeded()


def test_claim_is_unique(tmp_path):
    runs = ClientRuns(tmp_path / "client")
    a, b = runs.claim(), runs.claim()
    assert a.name != b.name and a.data_dir.is_dir() and b.figures_dir.is_dir()
    assert runs.claim("fixed").name == "fixed"
    with pytest.raises(CdmkitError, match="already exists"):
        runs.claim("fixed")


def test_latest_link_and_fallback(tmp_path):
    runs = ClientRuns(tmp_path)
    assert runs.latest() is None and runs.runs() == []
    now = time.time()
    _finished(runs, "r1", mtime=now - 100)
    _finished(runs, "r2", mtime=now - 50)
    runs.claim("unfinished")
    # without the link: the newest finished run
    assert runs.latest().name == "r2"
    runs.point_latest(runs.client_dir / "r1")
    assert runs.latest_link.is_symlink() and runs.latest().name == "r1"
    assert RunFolder(runs.latest_link).name == "r1"
    # the link and hidden entries are not runs
    (tmp_path / ".hidden").mkdir()
    assert [r.name for r in runs] == ["r1", "r2", "unfinished"]


def test_previous_successful_skips_failed_and_self(tmp_path):
    runs = ClientRuns(tmp_path)
    now = time.time()
    _finished(runs, "r1", mtime=now - 300)
    _finished(runs, "r2", mtime=now - 200)
    _finished(runs, "r3-failed", ok=False, mtime=now - 100)
    cur = _finished(runs, "r4", mtime=now)
    runs.point_latest(cur)
    assert runs.previous_successful(cur.path).name == "r2"
    assert runs.previous_successful(runs.latest_link).name == "r2"
    assert ClientRuns(tmp_path / "none").previous_successful(tmp_path / "none" / "x") is None


def test_stale_latest_links_cleared(tmp_path):
    runs = ClientRuns(tmp_path)
    runs.claim("r1")
    (tmp_path / ".latest-999").symlink_to("r1")
    runs.clear_stale_links()
    assert not (tmp_path / ".latest-999").is_symlink()
    ClientRuns(tmp_path / "missing").clear_stale_links()  # no folder: nothing to do


def test_any_has_table(tmp_path):
    runs = ClientRuns(tmp_path)
    assert not runs.any_has_table("customer_map")
    runs.claim("r1").write_table("customer_map", pd.DataFrame({"customer_id": ["C1"]}))
    assert runs.any_has_table("customer_map")
