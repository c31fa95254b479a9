"""Rewrite environment.yml from pyproject.toml (run after changing dependencies).

The environment holds the core, [lab], [postgres] and [test] (what `make test` needs, on pandas 2
with [interop]). Packages conda-forge ships are conda packages; the rest, and cdmkit itself, go
through pip. tests/test_packaging.py checks that the two files agree.
"""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# PyPI name -> conda-forge name, for every dependency conda-forge ships (the others stay in pip).
CONDA_NAMES = {
    "pandas": "pandas", "numpy": "numpy", "scipy": "scipy", "scikit-learn": "scikit-learn",
    "threadpoolctl": "threadpoolctl", "rapidfuzz": "rapidfuzz", "typer": "typer", "rich": "rich",
    "pydantic": "pydantic", "pyyaml": "pyyaml", "duckdb": "python-duckdb", "pyarrow": "pyarrow",
    "openpyxl": "openpyxl", "sqlalchemy": "sqlalchemy", "email-validator": "email-validator",
    "phonenumbers": "phonenumbers", "phonenumberslite": "phonenumbers", "pandera": "pandera", "tqdm": "tqdm", "faker": "faker",
    "lazy-loader": "lazy_loader", "papermill": "papermill", "ipykernel": "ipykernel",
    "nbconvert": "nbconvert", "nbformat": "nbformat", "ipywidgets": "ipywidgets",
    "matplotlib": "matplotlib-base", "seaborn": "seaborn", "jupyterlab": "jupyterlab",
    "jupytext": "jupytext", "psycopg": "psycopg", "recordlinkage": "recordlinkage",
    "pytest": "pytest", "pytest-xdist": "pytest-xdist", "hypothesis": "hypothesis",
    "import-linter": "import-linter", "pyspark": "pyspark", "jellyfish": "jellyfish",
    "hatchling": "hatchling",
}


def name_of(spec: str) -> str:
    """The distribution name of a requirement, normalised."""
    return re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower().replace("_", "-")


def wanted(project: dict) -> list[str]:
    """Requirements of the environment: the core and the extras `make test` installs."""
    extras = project["optional-dependencies"]
    specs = list(project["dependencies"])
    for extra in ("lab", "demo", "postgres", "sql", "interop", "test"):
        specs += [s for s in extras[extra] if not s.startswith("cdmkit")]
    return specs


def conda_spec(spec: str) -> str:
    """``pandas>=2.1`` -> ``pandas>=2.1``; ``psycopg[binary]>=3.1`` -> ``psycopg>=3.1``."""
    name = name_of(spec)
    rest = re.sub(r"^[A-Za-z0-9_.-]+(\[[^\]]*\])?", "", spec).replace(" ", "")
    return CONDA_NAMES[name] + rest


def main() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = wanted(project)
    conda = [conda_spec(s) for s in specs if name_of(s) in CONDA_NAMES]
    pip = [s for s in specs if name_of(s) not in CONDA_NAMES]
    lines = [
        "# Conda environment for cdmkit, generated from pyproject.toml by",
        "# `python tools/sync_environment.py` (tests/test_packaging.py checks that they agree).",
        "# Core + [lab] + [demo] + [postgres] + [sql] + [interop] + [test]: conda-forge packages where they exist.",
        "#   conda env create -f environment.yml && conda activate cdmkit",
        "#   python -m ipykernel install --sys-prefix --name cdmkit",
        "name: cdmkit",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        *[f'  - "{c}"' for c in conda],
        "  - pip",
        "  - pip:",
        *[f'      - "{d}"' for d in pip],
        "      - -e .",
    ]
    (ROOT / "environment.yml").write_text("\n".join(lines) + "\n")
    print(f"environment.yml: {len(conda)} conda packages, {len(pip)} from pip")


if __name__ == "__main__":
    main()
