"""Engine choice in the client config and the one-line errors when Spark cannot run."""

from __future__ import annotations

import sys

import pytest

from cdmkit.config import config_from_dict
from cdmkit.errors import ConfigError


def test_engine_defaults_to_local_and_spark_settings_are_typed():
    cfg = config_from_dict({"client": "acme"})
    assert cfg.engine == "local" and cfg.spark.master == "local[*]"
    cfg = config_from_dict({"client": "acme", "engine": "spark", "spark": {
        "master": "spark://h:7077", "conf": {"spark.executor.memory": "8g",
                                            "spark.sql.adaptive.enabled": True}}})
    assert cfg.engine == "spark"
    assert cfg.spark.conf == {"spark.executor.memory": "8g", "spark.sql.adaptive.enabled": "true"}
    with pytest.raises(ConfigError, match="engine"):
        config_from_dict({"client": "acme", "engine": "dask"})
    with pytest.raises(ConfigError, match="spark"):
        config_from_dict({"client": "acme", "spark": {"mastr": "local[2]"}})


def test_missing_java_or_pyspark_is_one_clear_line(monkeypatch):
    from cdmkit.engine import session
    from cdmkit.engine.session import EngineError

    monkeypatch.setattr(session.shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    # pyspark importable (a stand-in module when it is not installed), Java missing
    monkeypatch.setitem(sys.modules, "pyspark", sys.modules.get("pyspark") or
                        type(sys)("pyspark"))
    with pytest.raises(EngineError, match=r"^engine: spark needs a Java runtime .*openjdk"):
        session.spark_session()
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import fails
    with pytest.raises(EngineError, match=r"^engine: spark needs pyspark: pip install"):
        session.require_spark()
    assert not session.spark_available()


def test_an_existing_session_is_used_as_it_is():
    from cdmkit.engine import spark_session

    given = object()
    assert spark_session(None, spark=given) is given


def test_session_settings_put_dates_in_utc_and_config_last():
    from cdmkit.config import SparkConfig
    from cdmkit.engine.session import spark_defaults

    conf = spark_defaults(SparkConfig(partitions=16, conf={"spark.sql.session.timeZone": "CET"}))
    assert conf["spark.sql.shuffle.partitions"] == "16"
    assert conf["spark.sql.session.timeZone"] == "CET"
    assert conf["spark.sql.execution.arrow.pyspark.enabled"] == "true"


def test_step_log_records_engine_partitions_and_time():
    from cdmkit.engine import StepLog

    log = StepLog("spark")
    with log.step("index", partitions=8):
        pass
    log.add("cluster", 1.23456, engine="local")
    t = log.table()
    assert t["engine"].tolist() == ["spark", "local"]
    assert t["partitions"].tolist()[0] == 8 and t["seconds"].tolist()[1] == 1.235


def _tiny_run(tmp_path, engine="local", stage="segmentation"):
    import numpy as np
    import pandas as pd

    from cdmkit.config import ClientConfig
    from cdmkit.report.context import StageContext

    rng = np.random.default_rng(0)
    cfg = ClientConfig(client="a", engine=engine, segmentation={"k_max": 3, "stability_seeds": 2})
    ctx = StageContext(stage, cfg, tmp_path / "run")
    ctx.write_table("transactions", pd.DataFrame({
        "customer_ref": rng.integers(0, 60, 400).astype(str),
        "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, 400), "D"),
        "amount": rng.gamma(2.0, 20.0, 400).round(2)}))
    return ctx


def test_a_stage_logs_its_heavy_steps_in_the_run_folder(tmp_path):
    """A notebook's context puts the client's engine in place: the segmentation's RFM runs
    through it and lands in steps.json; running the stage again replaces its rows, not the
    other stages'."""
    from cdmkit.config.engine import active_engine
    from cdmkit.engine.stage import activate_local
    from cdmkit.segment.stage import run_stage

    try:
        ctx = _tiny_run(tmp_path)
        assert active_engine() is ctx.engine and ctx.engine.engine == "local"
        ctx.run.write_steps("linkage", [{"step": "index", "engine": "spark", "seconds": 1.0}])
        run_stage(ctx)
        steps = ctx.run.read_steps()
        assert [(r["stage"], r["step"], r["engine"]) for r in steps] == [
            ("linkage", "index", "spark"), ("segmentation", "rfm", "local")]
        assert steps[1]["rows"] == 400 and steps[1]["seconds"] >= 0
        again = _tiny_run(tmp_path)  # the notebook run again: its old rows go at once
        assert [r["stage"] for r in again.run.read_steps()] == ["linkage"]
        run_stage(again)
        assert [r["stage"] for r in again.run.read_steps()] == ["linkage", "segmentation"]
    finally:
        activate_local()
    assert active_engine() is None


def test_spark_engine_runs_locally_what_spark_cannot_and_says_so(tmp_path):
    """Weekly or per-segment cohort tables have no Spark version: they run locally (no
    session is started) and the log says engine local."""
    import pandas as pd

    from cdmkit.analyze.cohorts import cohort_table
    from cdmkit.engine import StageEngine

    class NoSpark:
        def __getattr__(self, name):
            raise AssertionError("Spark used")

    tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "timestamp": pd.to_datetime(
        ["2024-01-01", "2024-02-01", "2024-02-03"]), "amount": [1.0, 2.0, 3.0]})
    eng = StageEngine("spark", spark=NoSpark())
    weekly = eng.run("cohorts", cohort_table, tx, freq="W")
    pd.testing.assert_frame_equal(weekly, cohort_table(tx, freq="W"))
    eng.run("cohorts", cohort_table, tx, freq="M", groups=pd.Series({"a": "x", "b": "y"}))
    eng.run("something new", len, tx)
    assert [r["engine"] for r in eng.log.records()] == ["local"] * 3


def test_the_overview_shows_where_each_step_ran(tmp_path):
    from cdmkit.engine import steps_table
    from cdmkit.report.overview import overview_html
    from cdmkit.runfolder import RunFolder

    run = RunFolder(tmp_path / "r").create()
    summary = {"client": "a", "run_id": "r", "stages": {}}
    assert "Where each step ran" not in overview_html(run.path, summary)
    run.write_steps("linkage", [
        {"step": "index <joins>", "engine": "spark", "partitions": 8, "rows": 120_000,
         "rows_to_driver": 0, "seconds": 3.5},
        {"step": "IDs", "engine": "local", "rows": 900, "seconds": 0.5}])
    page = overview_html(run.path, summary)
    assert "Where each step ran" in page and "index &lt;joins&gt;" in page
    assert "<td>120,000</td>" in page and "<td>—</td>" in page
    assert "Spark ran 1 of 2 heavy steps (linkage; 3.5 s); the largest worked on 120,000 rows, " \
        "and 0 rows came back" in page
    t = steps_table(run.read_steps())
    assert t.iloc[-1].tolist() == ["total", "", "", None, None, 0, 4.0]


def test_a_spark_run_without_java_fails_before_any_stage(tmp_path, monkeypatch):
    from cdmkit.engine import session
    from cdmkit.engine.session import EngineError
    from cdmkit.report.runner import run_client

    (tmp_path / "c.yaml").write_text("client: a\nengine: spark\n", encoding="utf-8")
    monkeypatch.setattr(session.shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setitem(sys.modules, "pyspark", sys.modules.get("pyspark") or
                        type(sys)("pyspark"))
    with pytest.raises(EngineError, match="^engine: spark needs a Java runtime"):
        run_client(tmp_path / "c.yaml", ["collection"])
    assert not (tmp_path / "reports").exists() and not list(tmp_path.glob("**/steps.json"))


def test_an_engine_steps_aside_when_its_stage_run_is_gone(tmp_path):
    """A context left in place by an earlier stage (a test, a notebook reset) must not log a
    later stage's steps into its run folder."""
    import gc

    from cdmkit.config import run_step
    from cdmkit.config.engine import active_engine

    ctx = _tiny_run(tmp_path)
    folder = ctx.run
    assert run_step("rfm", max, 1, 2) == 2 and len(folder.read_steps()) == 1
    del ctx
    gc.collect()
    assert run_step("rfm", max, 1, 2) == 2
    assert len(folder.read_steps()) == 1 and active_engine() is None
