"""Test gate for data the repository does not hold, shared by ``tests/`` and the doctests in ``cdmkit/``.

Two kinds of tests need data from outside the checkout: the real public datasets in
``../shared/data`` (marker ``shared_data``) and the CDNOW files taken from the lifetimes
wheel (marker ``cdnow``; also the doctests listed in :data:`CDNOW_DOCTESTS`). When the data
are missing, such a test skips locally with one line saying what is missing and how to
provide it; in CI (environment ``CI=true``, set by ``.ci/run``) the same line fails the test,
so a missing folder or a failed download can never turn the run green by skipping.

A test that asks for the ``shared_data`` fixture without the ``shared_data`` marker is a
collection error: the marker is what ``-m "not shared_data"`` and this gate rely on.

Hypothesis runs with the ``cdmkit`` profile: derandomised (same examples every run), no
deadline (the 2-core CI machine is shared), a modest number of examples.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
SHARED_DATA = Path(os.environ.get("CDMKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}

#: Doctests that read the CDNOW files (they state the published shapes, no fallback).
CDNOW_DOCTESTS = frozenset({"cdmkit.analyze.data.cdnow_dir", "cdmkit.analyze.data.cdnow_summary",
                            "cdmkit.analyze.data.cdnow_transactions"})

try:
    from hypothesis import HealthCheck, settings

    settings.register_profile("cdmkit", derandomize=True, deadline=None, max_examples=60,
                              print_blob=True,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "cdmkit"))
except ImportError:  # hypothesis is a test extra; the property tests import it themselves
    pass


def data_unavailable(reason: str) -> None:
    """Skip the running test with ``reason``; in CI fail it with the same single line."""
    reason = " ".join(reason.split())  # pip's stderr spans lines: keep it to one
    if IN_CI:
        pytest.fail(f"{reason} [CI=true: missing data fails the run]", pytrace=False)
    pytest.skip(reason)


def _shared_data_missing() -> str | None:
    if SHARED_DATA.is_dir():
        return None
    return (f"real datasets not found at {SHARED_DATA} (they live in ../shared/data beside "
            "the checkout; set CDMKIT_SHARED_DATA to point elsewhere)")


_cdnow_state: dict = {}


def _cdnow_missing() -> str | None:
    """Find (or download once per session) the CDNOW files; the reason when that fails."""
    if "reason" not in _cdnow_state:
        from cdmkit.analyze.data import CdnowUnavailable, cdnow_dir

        try:
            cdnow_dir()
            _cdnow_state["reason"] = None
        except CdnowUnavailable as exc:
            _cdnow_state["reason"] = f"CDNOW reference data unavailable: {exc}"
    return _cdnow_state["reason"]


def pytest_collection_modifyitems(config, items):
    unmarked = [it.nodeid for it in items
                if "shared_data" in getattr(it, "fixturenames", ())
                and it.get_closest_marker("shared_data") is None]
    if unmarked:
        raise pytest.UsageError("tests use the shared_data fixture without the shared_data "
                                "marker: " + ", ".join(unmarked))
    for it in items:
        # the Spark engine's doctests call pyspark: with the tests of the ``spark`` marker they
        # are left out (-m "not spark") by the CI legs installed without the [spark] extra
        if it.name.startswith("cdmkit.engine.") and type(it).__name__ == "DoctestItem":
            it.add_marker(pytest.mark.spark)
        if it.name in CDNOW_DOCTESTS or getattr(it, "nodeid", "").endswith(
                tuple("::" + n for n in CDNOW_DOCTESTS)):
            it.add_marker(pytest.mark.cdnow)


def pytest_runtest_setup(item):
    if item.get_closest_marker("shared_data") is not None:
        reason = _shared_data_missing()
        if reason:
            data_unavailable(reason)
    if item.get_closest_marker("cdnow") is not None:
        reason = _cdnow_missing()
        if reason:
            data_unavailable(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of the real public datasets (the ``shared_data`` marker gates its presence)."""
    reason = _shared_data_missing()
    if reason:
        data_unavailable(reason)
    return SHARED_DATA


@pytest.fixture(scope="session")
def spark():
    """One local Spark session per test run (tests using it carry the ``spark`` marker and
    the ``xdist_group("spark")`` mark, so one xdist worker starts one JVM)."""
    from cdmkit.engine.session import EngineError, require_spark

    try:
        require_spark()
    except EngineError as exc:
        data_unavailable(str(exc))
    from cdmkit.config import SparkConfig
    from cdmkit.engine import spark_session

    session = spark_session(SparkConfig(master="local[2]", app_name="cdmkit-tests", conf={
        "spark.ui.enabled": False, "spark.ui.showConsoleProgress": False,
        "spark.sql.shuffle.partitions": 4, "spark.default.parallelism": 4,
        "spark.driver.memory": "1g", "spark.sql.adaptive.enabled": True}))
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
