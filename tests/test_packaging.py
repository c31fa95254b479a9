"""Packaging: lean core and extras, metadata, environment.yml, notebooks clean and paired, template."""

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


def _sync_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("sync_environment",
                                                  ROOT / "tools" / "sync_environment.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_environment_yml_mirrors_pyproject():
    sync = _sync_module()
    wanted = sync.wanted(_pyproject()["project"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {d for d in env["dependencies"] if isinstance(d, str)}
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    pip = {d for d in pip_section if not d.startswith("-e")}
    expect_conda = {sync.conda_spec(s) for s in wanted if sync.name_of(s) in sync.CONDA_NAMES}
    expect_pip = {s for s in wanted if sync.name_of(s) not in sync.CONDA_NAMES}
    assert conda - {"pip"} - {d for d in conda if d.startswith("python=")} == expect_conda, \
        "environment.yml is out of step with pyproject.toml: run `python tools/sync_environment.py`"
    assert pip == expect_pip
    assert any(str(d).startswith("python=3.11") for d in env["dependencies"])
    # conda packages where conda-forge has them: pip holds only the few it lacks, and cdmkit
    assert len(pip) <= 3 and "-e ." in pip_section


def test_core_is_lean_and_uncapped():
    project = _pyproject()["project"]
    names = {_name(d) for d in project["dependencies"]}
    # never imported by cdmkit, or only by notebooks/plots/widgets/database/interop: extras
    assert not names & {"jellyfish", "jupytext", "jupyterlab", "papermill", "ipykernel",
                        "nbconvert", "nbformat", "ipywidgets", "matplotlib", "seaborn",
                        "psycopg", "recordlinkage", "pyspark", "charset-normalizer",
                        "sqlalchemy", "faker", "phonenumbers"}
    assert len(names) <= 21
    # The lite package (no 40 MB geodata): country names are saved in
    # cleaners/_country_names.py by tools/gen_country_names.py.
    assert "phonenumberslite" in names
    pandas = next(d for d in project["dependencies"] if _name(d) == "pandas")
    assert "<" not in pandas, "the core must not cap pandas (pandas 3 is supported)"
    extras = project["optional-dependencies"]
    assert {"lab", "demo", "postgres", "sql", "spark", "interop", "test", "bench",
            "docs"} <= set(extras)
    assert any(_name(d) == "recordlinkage" for d in extras["interop"])
    assert any(_name(d) == "pyspark" for d in extras["spark"])


def test_extras_table_matches_pyproject():
    """cdmkit._extras knows the import name of every library of every runtime extra."""
    from cdmkit._extras import EXTRAS

    extras = _pyproject()["project"]["optional-dependencies"]
    for extra in ("lab", "postgres", "sql", "demo", "spark", "interop"):
        for spec in extras[extra]:
            if _name(spec) != "cdmkit":  # [lab] includes [demo]
                assert _name(spec).replace("-", "_") in EXTRAS[extra], (extra, spec)
    assert "cdmkit[demo]" in extras["lab"]  # `cdmkit demo` needs the generator


def test_lower_bounds_that_the_code_needs():
    deps = {_name(d): d for d in _pyproject()["project"]["dependencies"]}
    assert ">=0.24" in deps["pandera"]      # import pandera.pandas
    assert ">=3.8" in deps["rapidfuzz"]     # rapidfuzz.process.cpdist
    assert ">=2.2.2" in deps["pandas"]      # pandera 0.24 refuses 2.1.0; 2.2.2 is built for numpy 2
    assert ">=1.3" in deps["duckdb"] and ">=0.6" in deps["lazy-loader"] and ">=0.16" in deps["typer"]
    test = {_name(d): d for d in _pyproject()["project"]["optional-dependencies"]["test"]}
    assert ">=2.6" in test["import-linter"]  # the acyclic_siblings contract


def test_ci_runs_the_suite_and_every_matrix_job():
    """.ci/run calls `make test` and each job of `make ci-matrix` (docs/testing.md)."""
    run = (ROOT / ".ci" / "run").read_text()
    makefile = (ROOT / "Makefile").read_text()
    jobs = re.search(r"^ci-matrix:(.*)$", makefile, re.M).group(1).split()
    assert "make test\n" in run and jobs
    loop = re.search(r"for job in (.*); do", run).group(1).split()
    assert loop == jobs


def test_no_peer_tool_in_runtime_dependencies():
    names = {_name(d) for d in _pyproject()["project"]["dependencies"]}
    assert not names & {"splink", "lifetimes", "pymc-marketing", "dedupe"}


def test_one_version_source():
    import cdmkit

    project = _pyproject()
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["hatch"]["version"]["path"] == "cdmkit/__init__.py"
    assert re.fullmatch(r"\d+\.\d+\.\d+([a-z]+\d+)?", cdmkit.__version__)
    assert f"## [{cdmkit.__version__}]" in (ROOT / "CHANGELOG.md").read_text()


def test_metadata_license_classifiers_urls_typed():
    project = _pyproject()["project"]
    assert project["license"] == {"text": "MIT"}
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "License :: OSI Approved :: MIT License" in project["classifiers"]
    assert {"Programming Language :: Python :: 3.11",
            "Programming Language :: Python :: 3.13"} <= set(project["classifiers"])
    assert {"Homepage", "Documentation", "Source", "Changelog"} <= set(project["urls"])
    assert (ROOT / "cdmkit" / "py.typed").is_file()


def test_pypi_description_starts_with_pip_install_and_readme_with_make():
    readme = _pyproject()["project"]["readme"]
    pypi = (ROOT / readme["file"]).read_text()
    first_code = pypi.split("```bash\n", 1)[1].splitlines()[0]
    assert first_code.startswith("pip install cdmkit"), first_code
    assert "make demo" not in pypi and readme["content-type"] == "text/markdown"
    dev = (ROOT / "README.md").read_text().split("```bash\n", 1)[1].splitlines()
    assert dev[0].startswith("make demo") and dev[1].startswith("make test")


def test_version_command():
    from typer.testing import CliRunner

    import cdmkit
    from cdmkit.cli import app

    out = CliRunner().invoke(app, ["--version"])
    assert out.exit_code == 0 and out.output.strip() == f"cdmkit {cdmkit.__version__}"


def test_notebooks_command_copies_notebooks_and_templates(tmp_path):
    from typer.testing import CliRunner

    from cdmkit.cli import app

    target = tmp_path / "mine"
    out = CliRunner().invoke(app, ["notebooks", str(target)])
    assert out.exit_code == 0, out.output
    shipped = {p.name for p in (ROOT / "notebooks").iterdir()
               if p.is_file() and p.suffix in (".ipynb", ".py")}
    copied = {p.name for p in (target / "notebooks").iterdir() if p.is_file()}
    assert shipped and shipped <= copied
    assert (target / "templates" / "client.yaml").read_text() == \
        (ROOT / "templates" / "client.yaml").read_text()
    # a second copy does not overwrite edits unless --force
    (target / "templates" / "client.yaml").write_text("mine")
    again = CliRunner().invoke(app, ["notebooks", str(target)])
    assert again.exit_code == 1 and "already exists" in again.output
    assert (target / "templates" / "client.yaml").read_text() == "mine"
    assert CliRunner().invoke(app, ["notebooks", str(target), "--force"]).exit_code == 0
    assert (target / "templates" / "client.yaml").read_text() != "mine"


def test_wheel_ships_notebooks_templates_and_py_typed(tmp_path):
    """Build the wheel for real and read its file list and metadata."""
    import subprocess
    import sys
    import zipfile

    import cdmkit

    pytest.importorskip("hatchling", reason="building the wheel needs hatchling (the build "
                        "backend): pip install hatchling")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                        "-q", "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    wheel = next(tmp_path.glob("cdmkit-*.whl"))
    assert wheel.name.startswith(f"cdmkit-{cdmkit.__version__}-")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "cdmkit/py.typed" in names
    assert "cdmkit/_resources/templates/client.yaml" in names
    assert "cdmkit/_resources/notebooks/10-collection.ipynb" in names
    assert "Provides-Extra: lab" in meta and "Provides-Extra: interop" in meta
    assert "Requires-Dist: papermill" in meta and "extra == 'lab'" in meta
    assert not any(line.startswith("Requires-Dist: papermill") and "extra" not in line
                   for line in meta.splitlines())
    body = meta.split("\n\n", 1)[1]
    assert body.lstrip().startswith("# cdmkit") and "pip install cdmkit" in body[:300]


# Blocks the optional extras' libraries in a fresh interpreter, as if they were not installed.
_BLOCKER = r"""
import importlib, json, pkgutil, sys
BLOCK = set(sys.argv[1].split(","))
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCK:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
        return None
sys.meta_path.insert(0, Blocker())
if sys.argv[2] == "import-all":
    import cdmkit
    result = {}
    for m in pkgutil.walk_packages(cdmkit.__path__, "cdmkit."):
        try:
            importlib.import_module(m.name)
        except Exception as e:
            result[m.name] = f"{type(e).__name__}: {e}"
    print(json.dumps(result))
else:
    from cdmkit.cli import app
    sys.argv = ["cdmkit", *sys.argv[2:]]
    app()
"""

# Modules that exist to serve one extra: they may fail to import without it, but only
# with the one line that names the extra (cdmkit._extras.require).
EXTRA_MODULES = {"cdmkit.analyze.plots": "lab", "cdmkit.validate.plots": "lab",
                 "cdmkit.engine.spark": "spark"}


def _blocked(*args, cwd=ROOT):
    import subprocess
    import sys

    from cdmkit._extras import EXTRAS

    libs = ",".join(sorted({m for mods in EXTRAS.values() for m in mods}))
    return subprocess.run([sys.executable, "-c", _BLOCKER, libs, *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})


def test_core_imports_without_any_extra():
    r = _blocked("import-all")
    assert r.returncode == 0, r.stderr[-3000:]
    failed = json.loads(r.stdout.strip().splitlines()[-1])
    owner = {m: next((v for k, v in EXTRA_MODULES.items() if m == k or m.startswith(k + ".")),
                     None) for m in failed}
    unexpected = {m: e for m, e in failed.items() if owner[m] is None}
    assert not unexpected, f"core modules that need an extra at import time: {unexpected}"
    for mod, err in failed.items():
        assert err.startswith("MissingExtraError") and f"install cdmkit[{owner[mod]}]" in err, err


def test_cli_without_lab_says_which_extra_to_install(tmp_path):
    from cdmkit.cli.core import render_template

    cfg = tmp_path / "acme.yaml"
    cfg.write_text(render_template("acme"))
    for args in (["run", str(cfg)], ["demo"]):
        r = _blocked(*args, cwd=tmp_path)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 1 and len(lines) == 1, (args, r.stdout, r.stderr[-2000:])
        assert lines[0].startswith("error: install cdmkit[lab] to run notebook reports"), lines
        assert not (tmp_path / "reports").exists()  # failed before any work
    help_ = _blocked("--help", cwd=tmp_path)
    assert help_.returncode == 0 and "notebooks" in help_.stdout


def test_a_missing_extra_inside_a_command_is_one_line(capsys):
    from cdmkit.clitools import handle_errors

    @handle_errors
    def a_bug():
        raise ModuleNotFoundError("No module named 'typo_xyz'", name="typo_xyz")

    @handle_errors
    def needs_postgres():
        raise ModuleNotFoundError("No module named 'psycopg'", name="psycopg")

    with pytest.raises(ModuleNotFoundError):  # not an extra's library: a real bug, traceback
        a_bug()
    with pytest.raises(SystemExit) as e:
        needs_postgres()
    assert e.value.code == 1
    assert capsys.readouterr().err.strip() == ("error: install cdmkit[postgres] to use the "
                                               "PostgreSQL customer database (missing: psycopg)")


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
    from cdmkit.cli.core import render_template

    data = yaml.safe_load(render_template("acme"))
    cfg = config_from_dict(data, file="template", base_dir=tmp_path)
    assert cfg.client == "acme"


def test_country_names_need_no_phonenumbers_geodata(monkeypatch):
    """The country cleaner works on the lite package: phonenumbers.geodata is never imported."""
    import sys

    from cdmkit.collect.cleaners import geo

    geo._country_table.cache_clear()
    monkeypatch.setitem(sys.modules, "phonenumbers.geodata", None)
    monkeypatch.setitem(sys.modules, "phonenumbers.geodata.locale", None)
    assert geo.country_code("Allemagne") == "DE" and geo.country_code("ایران") == "IR"
    assert geo.country_code("Vereinigtes Königreich") == "GB"
    geo._country_table.cache_clear()
