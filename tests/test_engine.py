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
