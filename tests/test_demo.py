"""The demo client: generated once, reused while size and seed are unchanged; `cdmkit demo`."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cdmkit.cli import app
from cdmkit.config import load_config
from cdmkit.operations.demo import demo_paths, ensure_demo_config


def test_demo_config_is_generated_once_and_reused(tmp_path):
    config = ensure_demo_config(tmp_path, n_customers=100, seed=3)
    assert config == tmp_path / "clients" / "demo.yaml"
    cfg = load_config(config)
    assert cfg.client == "demo"
    assert cfg.client_dir == (tmp_path / "reports" / "demo").resolve()
    data_dir, _ = demo_paths(tmp_path)
    stamp = {p.name: p.stat().st_mtime_ns for p in data_dir.iterdir()}
    assert ensure_demo_config(tmp_path, n_customers=100, seed=3) == config
    assert {p.name: p.stat().st_mtime_ns for p in data_dir.iterdir()} == stamp
    ensure_demo_config(tmp_path, n_customers=120, seed=3)  # another size regenerates
    assert {p.name: p.stat().st_mtime_ns for p in data_dir.iterdir()} != stamp


def test_every_source_of_the_demo_config_exists(tmp_path):
    cfg = load_config(ensure_demo_config(tmp_path, n_customers=100))
    kinds = {s.kind for s in cfg.sources}
    assert kinds == {"customers", "transactions", "events", "interactions"}
    for s in cfg.sources:
        assert cfg.resolve_path(s.path).is_file(), s.name
    assert cfg.resolve_path(cfg.ground_truth).is_file()


@pytest.mark.slow
def test_demo_command_runs_and_prints_where_reports_are(tmp_path, monkeypatch):
    monkeypatch.setenv("CDMKIT_PROJECT_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["demo", "--customers", "100", "--stages", "collection",
                                      "--no-html"])
    assert result.exit_code == 0, result.output
    latest = tmp_path / "reports" / "demo" / "latest"
    assert latest.is_symlink() and (latest / "10-collection.ipynb").is_file()
    assert "run folder:" in result.output and str(latest) in result.output


@pytest.mark.slow
def test_notebook_opened_without_parameters_uses_the_demo_client(tmp_path, monkeypatch):
    """What JupyterLab users get: no parameters -> demo client, scratch run folder."""
    import papermill as pm

    from cdmkit.resources import notebook_dir

    monkeypatch.setenv("CDMKIT_PROJECT_DIR", str(tmp_path))  # inherited by the kernel
    ensure_demo_config(tmp_path, n_customers=100)
    pm.execute_notebook(str(notebook_dir() / "10-collection.ipynb"), str(tmp_path / "out.ipynb"),
                        kernel_name="cdmkit", progress_bar=False, cwd=str(notebook_dir()))
    scratch = tmp_path / "reports" / "demo" / "interactive"
    assert (scratch / "data" / "customers.parquet").is_file()
    assert (scratch / "figures" / "collection.json").is_file()
