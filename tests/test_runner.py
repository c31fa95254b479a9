"""The runner: stages through papermill, run folders, failures, subsets, HTML without code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cdmkit.registry import stages as stage_registry
from cdmkit.report.runner import new_run_id, run_client
from cdmkit.report.stages import Stage

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"

# Fixture stages registered the same way a plugin stage is.
for _name, _nb, _order in [("fixture_ok", "ok_stage.ipynb", 11),
                           ("fixture_broken", "broken_stage.ipynb", 12),
                           ("fixture_reader", "reader_stage.ipynb", 13),
                           ("fixture_verdict", "verdict_fail.ipynb", 14)]:
    if _name not in stage_registry:
        stage_registry.register(_name, Stage(_name, FIXTURES / _nb, _order, "test fixture"),
                                origin="tests")

pytestmark = pytest.mark.slow


@pytest.fixture
def client_yaml(tmp_path):
    p = tmp_path / "clients" / "fx.yaml"
    p.parent.mkdir()
    p.write_text("client: fx\noutput_dir: ../reports\nstages: [fixture_ok, fixture_reader]\n")
    return p


def test_run_writes_notebook_html_summary_and_latest(client_yaml, tmp_path):
    result = run_client(client_yaml)
    assert result.ok, result.error
    run = result.run_dir
    assert run.parent == tmp_path / "reports" / "fx"
    for slug in ("11-fixture_ok", "13-fixture_reader"):
        assert (run / f"{slug}.ipynb").is_file()
        html = (run / f"{slug}.html").read_text(encoding="utf-8")
        # code is hidden in the HTML report, outputs are shown
        assert "ctx.record(" not in html
    assert "SECRET_CODE_MARKER" in (run / "11-fixture_ok.html").read_text(encoding="utf-8")
    summary = json.loads((run / "summary.json").read_text())
    assert summary["stages"]["fixture_ok"]["n_rows"] == 3
    # the second stage read the first one's table from the run folder
    assert summary["stages"]["fixture_reader"]["sum_x"] == 6
    assert summary["status"] == {"fixture_ok": "ok", "fixture_reader": "ok"}
    resolved = json.loads((run / "config.resolved.json").read_text())
    assert resolved["client"] == "fx" and Path(resolved["output_dir"]).is_absolute()
    assert (tmp_path / "reports" / "fx" / "latest").resolve() == run.resolve()


def test_second_run_gets_new_folder_and_moves_latest(client_yaml, tmp_path):
    first = run_client(client_yaml, run_id="r1")
    second = run_client(client_yaml, run_id=new_run_id("r1", existing=["r1"]))
    assert first.run_dir != second.run_dir and second.run_dir.name == "r1-2"
    assert (tmp_path / "reports" / "fx" / "latest").resolve() == second.run_dir.resolve()


def test_failing_stage_names_cell_keeps_notebook_and_skips_later(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("client: fx\nstages: [fixture_broken, fixture_reader]\n")
    result = run_client(p)
    assert not result.ok
    err = result.error
    assert err.stage == "fixture_broken"
    assert "deliberate failure for the test" in str(err) and "ValueError" in str(err)
    assert "12-fixture_broken.ipynb" in str(err) and "cell" in str(err)
    assert err.cell not in (None, "?", "-")
    kept = result.run_dir / "12-fixture_broken.ipynb"
    assert kept.is_file()  # partially executed notebook kept for inspection
    assert result.status == {"fixture_broken": "failed", "fixture_reader": "skipped"}
    assert not (result.run_dir / "13-fixture_reader.ipynb").exists()
    assert not (tmp_path / "reports" / "fx" / "latest").exists()
    assert json.loads((result.run_dir / "summary.json").read_text())["ok"] is False


def test_subset_reuses_tables_of_latest_run(client_yaml):
    run_client(client_yaml, ["fixture_ok"], run_id="full")
    result = run_client(client_yaml, ["fixture_reader"], run_id="subset")
    assert result.ok, result.error
    assert result.summary["stages"]["fixture_reader"]["sum_x"] == 6
    assert list(result.status) == ["fixture_reader"]


def test_unknown_stage_lists_valid_names(client_yaml):
    from cdmkit.errors import UnknownPluginError

    with pytest.raises(UnknownPluginError, match="valid names:.*collection"):
        run_client(client_yaml, ["colection"])


def test_rerun_from_resolved_config(client_yaml):
    first = run_client(client_yaml, run_id="a")
    again = run_client(first.run_dir / "config.resolved.json", run_id="b")
    assert again.ok and again.run_dir.parent == first.run_dir.parent
    assert again.summary["stages"] == first.summary["stages"]
