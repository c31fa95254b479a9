"""Rewrite environment.yml from pyproject.toml (run after changing dependencies)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
deps = list(project["dependencies"]) + list(project["optional-dependencies"]["test"]) + \
    list(project["optional-dependencies"].get("spark", []))
lines = [
    "# Conda environment for cdmkit, generated from pyproject.toml by",
    "# `python tools/sync_environment.py` (tests/test_packaging.py checks that they agree).",
    "#   conda env create -f environment.yml && conda activate cdmkit",
    "#   python -m ipykernel install --sys-prefix --name cdmkit",
    "name: cdmkit",
    "channels:",
    "  - conda-forge",
    "dependencies:",
    "  - python=3.11",
    "  - pip",
    "  - pip:",
    *[f'      - "{d}"' for d in deps],
    "      - -e .",
]
(ROOT / "environment.yml").write_text("\n".join(lines) + "\n")
print(f"environment.yml: {len(deps)} dependencies")
