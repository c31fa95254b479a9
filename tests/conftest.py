"""Shared fixtures: a small generated client and one demo run.

The ``shared_data`` fixture and the gate that skips (locally) or fails (in CI) tests
whose data are missing live in the repository's root ``conftest.py``.

The demo run (all stages through papermill on a small generated company) is
expensive, so it runs once per test session; every test that reads it belongs
to the xdist group ``notebooks`` so that it lands on the worker holding it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

#: Persons in the small generated client used by notebook tests.
SMALL_CLIENT_PERSONS = int(os.environ.get("CDMKIT_TEST_PERSONS", "300"))


@pytest.fixture(scope="session")
def small_client(tmp_path_factory):
    """A small generated company: returns the GeneratedDemo (config, ground truth, files)."""
    from cdmkit.generate import generate_demo

    out = tmp_path_factory.mktemp("small_client")
    return generate_demo(out / "data", n_customers=SMALL_CLIENT_PERSONS, seed=7,
                         client="small", config_path=out / "clients" / "small.yaml",
                         output_dir="../reports")


@dataclass
class DemoRun:
    """A finished run: its folder, summary.json, the generated client and the run result."""

    run_dir: Path
    summary: dict
    client: object
    result: object

    def table(self, name: str):
        """Read ``data/<name>.parquet`` of the run."""
        import pandas as pd

        return pd.read_parquet(self.run_dir / "data" / f"{name}.parquet")

    def figures(self, stage: str) -> dict:
        """Figures recorded by ``stage``."""
        return self.summary["stages"].get(stage, {})


@pytest.fixture(scope="session")
def demo_run(small_client) -> DemoRun:
    """All stages run once through papermill on the small generated client."""
    from cdmkit.report.runner import run_client

    result = run_client(small_client.config_path, html=True, timeout=900)
    if result.error is not None:
        pytest.fail(f"demo run failed: {result.error}")
    summary = json.loads((result.run_dir / "summary.json").read_text(encoding="utf-8"))
    return DemoRun(result.run_dir, summary, small_client, result)
