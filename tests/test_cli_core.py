"""Core CLI: init, plugins, run (with a failing stage), --debug, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cdmkit.cli import app

runner = CliRunner()


def test_init_writes_the_commented_template(tmp_path):
    result = runner.invoke(app, ["init", "acme", "--dir", str(tmp_path / "clients")])
    assert result.exit_code == 0, result.output
    target = tmp_path / "clients" / "acme.yaml"
    text = target.read_text()
    assert "client: acme" in text and "{{client}}" not in text
    assert text.count("#") > 40  # commented: every option explained
    from cdmkit.config import load_config

    assert load_config(target).client == "acme"


def test_init_refuses_to_overwrite(tmp_path):
    args = ["init", "acme", "--dir", str(tmp_path)]
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "already exists" in again.output
    assert runner.invoke(app, args + ["--force"]).exit_code == 0


def test_init_rejects_bad_names(tmp_path):
    result = runner.invoke(app, ["init", "a/b", "--dir", str(tmp_path)])
    assert result.exit_code == 1 and "invalid client name" in result.output


def test_plugins_lists_every_kind_and_builtin_stages():
    result = runner.invoke(app, ["plugins"])
    assert result.exit_code == 0, result.output
    for kind in ("loaders", "cleaners", "comparators", "segmenters", "validators", "exporters",
                 "stages"):
        assert f"{kind} (cdmkit.{kind}):" in result.output
    for stage in ("collection", "linkage", "segmentation", "analysis", "validation"):
        assert stage in result.output
    only = runner.invoke(app, ["plugins", "stages"])
    assert "loaders" not in only.output and "segmentation" in only.output


def test_plugins_unknown_kind_is_one_clear_line():
    result = runner.invoke(app, ["plugins", "widgets"])
    assert result.exit_code == 1
    assert "valid names" in result.output and "Traceback" not in result.output


def test_run_missing_config_is_one_line(tmp_path):
    result = runner.invoke(app, ["run", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "file not found" in result.output and "Traceback" not in result.output


def test_run_bad_config_names_key(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("client: acme\nsegmentation: {binz: 5}\n")
    result = runner.invoke(app, ["run", str(p)])
    assert result.exit_code == 1
    assert "segmentation.binz" in result.output and str(p) in result.output


def test_debug_shows_traceback(tmp_path):
    result = runner.invoke(app, ["--debug", "run", str(tmp_path / "nope.yaml")])
    assert result.exit_code != 0 and result.exception is not None


@pytest.mark.slow
def test_run_failing_stage_exits_nonzero_and_names_cell(tmp_path):
    import tests.test_runner  # noqa: F401  registers the fixture stages

    p = tmp_path / "c.yaml"
    p.write_text("client: fx\nstages: [fixture_ok, fixture_broken, fixture_reader]\n")
    result = runner.invoke(app, ["run", str(p), "--no-html"])
    assert result.exit_code == 1
    assert "fixture_broken" in result.output and "cell" in result.output
    assert "deliberate failure" in result.output
    assert "partially executed notebook kept at" in result.output
    run_dirs = [d for d in (tmp_path / "reports" / "fx").iterdir() if d.is_dir()]
    assert len(run_dirs) == 1
    assert not (run_dirs[0] / "13-fixture_reader.ipynb").exists()


@pytest.mark.slow
def test_run_subset_with_stages_option(tmp_path):
    import tests.test_runner  # noqa: F401

    p = tmp_path / "c.yaml"
    p.write_text("client: fx\nstages: [fixture_ok, fixture_reader]\n")
    result = runner.invoke(app, ["run", str(p), "--stages", "fixture_ok", "--no-html"])
    assert result.exit_code == 0, result.output
    run = Path(tmp_path / "reports" / "fx" / "latest").resolve()
    assert (run / "11-fixture_ok.ipynb").exists() and not (run / "13-fixture_reader.ipynb").exists()
    summary = yaml.safe_load((run / "summary.json").read_text())
    assert list(summary["status"]) == ["fixture_ok"]


@pytest.mark.slow
def test_failed_validation_verdict_makes_run_exit_nonzero(tmp_path):
    import tests.test_runner  # noqa: F401

    p = tmp_path / "c.yaml"
    p.write_text("client: fx\nstages: [fixture_ok, fixture_verdict]\n")
    result = runner.invoke(app, ["run", str(p), "--no-html"])
    assert result.exit_code == 2, result.output
    assert "validation: FAIL (overall quality score 0.41)" in result.output
    assert "fail_below" in result.output and "validation failed" in result.output
