"""Packaging: environment.yml mirrors pyproject, notebooks are clean and paired, template complete."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_mirrors_pyproject():
    project = _pyproject()["project"]
    extras = project["optional-dependencies"]
    wanted = set(project["dependencies"]) | set(extras["test"]) | set(extras.get("spark", []))
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = {d for d in pip_section if not d.startswith("-e")}
    assert listed == wanted, (
        f"only in pyproject: {sorted(wanted - listed)}; only in environment.yml: "
        f"{sorted(listed - wanted)}")
    assert any(str(d).startswith("python=3.11") for d in env["dependencies"])


def test_recordlinkage_is_pinned():
    deps = _pyproject()["project"]["dependencies"]
    assert "recordlinkage==0.16" in deps
    assert any(_name(d) == "pandas" and "<3" in d for d in deps)


def test_no_peer_tool_in_runtime_dependencies():
    names = {_name(d) for d in _pyproject()["project"]["dependencies"]}
    assert not names & {"splink", "lifetimes", "pymc-marketing", "dedupe"}


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_stage_notebooks_exist():
    names = {p.stem for p in NOTEBOOKS}
    assert {"10-collection", "15-linkage", "20-segmentation", "30-analysis",
            "40-validation"} <= names


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_committed_without_outputs(nb_path):
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert not cell.get("outputs") and not cell.get("execution_count"), nb_path.name
    assert nb["metadata"]["kernelspec"]["name"] == "cdmkit"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_thin_and_parameterised(nb_path):
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    params = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1
    src = "".join(params[0]["source"])
    assert "run_dir = None" in src and "config_path = None" in src
    for c in code:
        text = "".join(c["source"])
        assert not re.search(r"^\s*(def|class)\s", text, re.M), \
            f"{nb_path.name} defines a function/class: move it into cdmkit"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.name)
def test_papermill_understands_the_parameters(nb_path):
    import papermill as pm

    params = pm.inspect_notebook(str(nb_path))
    assert set(params) == {"run_dir", "config_path"}, params
    assert all(p["help"] for p in params.values()), "parameters need a comment papermill can read"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_match_their_jupytext_source(nb_path):
    import jupytext

    py = nb_path.with_suffix(".py")
    assert py.is_file(), f"{py.name} (jupytext percent source) is missing"
    from_py = jupytext.read(py)
    from_nb = jupytext.read(nb_path)
    src = lambda nb: [(c.cell_type, c.source.strip()) for c in nb.cells]  # noqa: E731
    assert src(from_py) == src(from_nb), \
        f"{nb_path.name} is out of sync: run `jupytext --to ipynb notebooks/{py.name}`"


def _field_names(model, seen=None):
    from pydantic import BaseModel

    seen = seen if seen is not None else set()
    names = set()
    for name, f in model.model_fields.items():
        names.add(name)
        ann = f.annotation
        stack = [ann]
        while stack:
            t = stack.pop()
            if isinstance(t, type) and issubclass(t, BaseModel) and t not in seen:
                seen.add(t)
                names |= _field_names(t, seen)
            stack.extend(getattr(t, "__args__", ()) or ())
    return names


def test_template_names_every_option():
    from cdmkit.config import ClientConfig

    text = (ROOT / "templates" / "client.yaml").read_text()
    missing = sorted(n for n in _field_names(ClientConfig) - {"base_dir", "config_file"}
                     if not re.search(rf"\b{re.escape(n)}\s*:", text))
    assert not missing, f"templates/client.yaml does not mention: {missing}"


def test_template_is_a_valid_config(tmp_path):
    from cdmkit.config import config_from_dict
    from cdmkit.core_cli import render_template

    data = yaml.safe_load(render_template("acme"))
    cfg = config_from_dict(data, file="template", base_dir=tmp_path)
    assert cfg.client == "acme"
