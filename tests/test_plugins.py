"""A real plugin package, installed with pip, adds a loader and a report stage used by a run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN_SRC = Path(__file__).parent / "plugin_example"
CDMKIT = Path(sys.executable).with_name("cdmkit")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory):
    """Environment whose Python path holds the pip-installed example plugin."""
    work = tmp_path_factory.mktemp("plugin")
    src = work / "src"
    shutil.copytree(PLUGIN_SRC, src)  # build in a copy: keep the repository clean
    target = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--target", str(target), str(src)], check=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(target), env.get("PYTHONPATH")]))
    return env


def cdmkit(args, env, cwd=None):
    return subprocess.run([str(CDMKIT), *args], env=env, cwd=cwd, capture_output=True, text=True)


def test_plugins_command_lists_the_installed_plugin(plugin_env):
    result = cdmkit(["plugins"], plugin_env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any("fixedwidth" in line and "cdmkit-example-plugin" in line for line in lines)
    assert any("source_overview" in line and "cdmkit-example-plugin" in line for line in lines)
    # built-ins are listed through the same registry, with their origin
    assert any(line.split()[:2] == ["csv", "cdmkit"] for line in lines if line.strip())


def test_plugin_loader_and_stage_are_used_by_a_run(plugin_env, tmp_path):
    data = tmp_path / "legacy_pos.txt"
    rows = [("id", "first_name", "last_name", "email"),
            ("1", "Ada", "Lovelace", "ada@example.org"),
            ("2", "Alan", "Turing", "alan@example.org"),
            ("3", "Grace", "Hopper", "grace@example.org")]
    data.write_text("\n".join(f"{a:<4}{b:<12}{c:<12}{d:<24}" for a, b, c, d in rows) + "\n")
    cfg = tmp_path / "legacy.yaml"
    cfg.write_text(
        "client: legacy\n"
        "stages: [collection, source_overview]\n"
        "sources:\n"
        "  - name: legacy_pos\n"
        "    kind: customers\n"
        "    loader: fixedwidth\n"
        "    path: legacy_pos.txt\n"
        "    options: {widths: [4, 12, 12, 24]}\n"
        "    mapping: {record_id: id, first_name: first_name, last_name: last_name, "
        "email: email}\n")
    result = cdmkit(["run", str(cfg), "--no-html"], plugin_env)
    assert result.returncode == 0, result.stdout + result.stderr
    run = (tmp_path / "reports" / "legacy" / "latest").resolve()
    assert (run / "45-source_overview.ipynb").is_file()
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == {"collection": "ok", "source_overview": "ok"}
    assert summary["stages"]["source_overview"]["records_per_source"] == {"legacy_pos": 3}


def test_unknown_loader_names_the_valid_ones(plugin_env, tmp_path):
    cfg = tmp_path / "bad.yaml"
    (tmp_path / "x.txt").write_text("a\n")
    cfg.write_text("client: bad\nstages: [collection]\nsources:\n"
                   "  - {name: s, kind: customers, loader: fixedwidht, path: x.txt}\n")
    result = cdmkit(["run", str(cfg), "--no-html"], plugin_env)
    assert result.returncode != 0
    assert "fixedwidht" in result.stderr + result.stdout
    assert "fixedwidth" in (result.stderr + result.stdout).replace("fixedwidht", "")
