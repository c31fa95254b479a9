"""The SparkSession of a run: built from the client config or passed in.

Examples
--------
>>> from cdmkit.config import SparkConfig
>>> spark_defaults(SparkConfig())["spark.sql.session.timeZone"]
'UTC'
"""

from __future__ import annotations

import os
import shutil
import sys

from ..errors import CdmkitError

__all__ = ["EngineError", "spark_session", "require_spark", "spark_available", "spark_defaults"]


class EngineError(CdmkitError):
    """The chosen engine cannot run here (one line, what to install).

    Examples
    --------
    >>> str(EngineError("engine: spark needs pyspark"))
    'engine: spark needs pyspark'
    """


#: Settings every cdmkit session gets unless the config overrides them: UTC (dates are
#: days in UTC, as in the local engine) and Arrow transfers to and from pandas.
_DEFAULTS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
}


def spark_defaults(config=None) -> dict:
    """Spark settings of a session built by cdmkit: the defaults, then ``config.conf``.

    Examples
    --------
    >>> from cdmkit.config import SparkConfig
    >>> spark_defaults(SparkConfig(conf={"spark.ui.enabled": False}))["spark.ui.enabled"]
    'false'
    """
    out = dict(_DEFAULTS)
    if config is not None:
        if config.partitions:
            out["spark.sql.shuffle.partitions"] = str(config.partitions)
        out.update(config.conf)
    return out


def spark_available() -> bool:
    """Whether pyspark imports and a Java runtime is found.

    Examples
    --------
    >>> isinstance(spark_available(), bool)
    True
    """
    try:
        require_spark()
    except EngineError:
        return False
    return True


def require_spark() -> None:
    """Raise :class:`EngineError` (one line) when pyspark or Java is missing.

    Examples
    --------
    >>> require_spark()  # doctest: +SKIP
    Traceback (most recent call last):
    cdmkit.engine.session.EngineError: engine: spark needs pyspark: pip install 'cdmkit[spark]'
    """
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise EngineError("engine: spark needs pyspark: pip install 'cdmkit[spark]'") from None
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and os.path.exists(
            os.path.join(java_home, "bin", "java"))):
        raise EngineError("engine: spark needs a Java runtime (17 or newer): e.g. apt-get "
                          "install openjdk-17-jre-headless, or set JAVA_HOME") from None


def spark_session(config=None, spark=None):
    """The session to run on: ``spark`` if given, else one built from ``config``.

    Parameters
    ----------
    config : SparkConfig or ClientConfig, optional
        Master URL, application name and settings (a ClientConfig's ``spark`` section).
    spark : SparkSession, optional
        An existing session (a Databricks notebook's ``spark``): used as it is.

    Returns
    -------
    SparkSession

    Raises
    ------
    EngineError
        If pyspark or Java is missing.

    Examples
    --------
    >>> spark_session(spark="given")  # an existing session is used as it is
    'given'
    """
    if spark is not None:
        return spark
    require_spark()
    from pyspark.sql import SparkSession

    from ..config import SparkConfig

    config = getattr(config, "spark", config) or SparkConfig()
    if (config.master or "").startswith("local"):
        # Local mode: Python workers run this interpreter (cdmkit and its dependencies),
        # not whatever `python3` is first on PATH. On a cluster the platform decides.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(config.app_name)
    if config.master:
        builder = builder.master(config.master)
    for key, value in spark_defaults(config).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
