"""The engine a stage runs its heavy steps on, chosen by the client's ``engine:``.

Stages call their heavy steps through :func:`cdmkit.config.engine.run_step` (linkage,
RFM summary, cohort table). A :class:`StageEngine` put in place for the stage
(:func:`activate`, called when a notebook opens its stage) runs them on Spark when the
client says ``engine: spark`` - the linkage pipeline of :mod:`cdmkit.engine.pipeline`
and the aggregates of :mod:`cdmkit.engine.aggregates` - or locally, and logs every step
(engine, partitions, rows, rows to the driver, seconds) into the run folder's
``steps.json``, which the run overview shows.

The Spark session is built on the first Spark step (a stage without heavy steps never
starts a JVM) from the client's ``spark:`` section, or is the session already running in
the process (a Databricks notebook's ``spark``), used as it is.

Examples
--------
>>> import tempfile
>>> from cdmkit.config import ClientConfig
>>> from cdmkit.runfolder import RunFolder
>>> run = RunFolder(tempfile.mkdtemp()).create()
>>> eng = StageEngine("local", "segmentation", run)
>>> eng.run("rfm", max, 3, 5)
5
>>> [(r["stage"], r["step"], r["engine"]) for r in run.read_steps()]
[('segmentation', 'rfm', 'local')]
"""

from __future__ import annotations

import inspect
import time
import weakref

import pandas as pd

from .steps import StepLog

__all__ = ["StageEngine", "activate", "activate_local"]


def _bound(local, args, kwargs) -> dict:
    """The local function's arguments by name (defaults filled in)."""
    b = inspect.signature(local).bind(*args, **kwargs)
    b.apply_defaults()
    return dict(b.arguments)


def _rows(args) -> int | None:
    first = args[0] if args else None
    return len(first) if isinstance(first, pd.DataFrame) else None


class StageEngine:
    """Runs a stage's heavy steps on the client's engine and logs each one.

    Parameters
    ----------
    engine : {"local", "spark"}
        Where the heavy steps run.
    stage : str, optional
        The stage (the ``stage`` of its rows in ``steps.json``).
    run : RunFolder, optional
        Run folder the log is saved in after every step (not saved when ``None``).
    config : ClientConfig or SparkConfig, optional
        How to build the Spark session (its ``spark:`` section).
    spark : SparkSession, optional
        A session to use as it is.

    Examples
    --------
    >>> eng = StageEngine("local")
    >>> eng.run("cohorts", min, 3, 5), eng.log.records()[0]["engine"]
    (3, 'local')
    """

    def __init__(self, engine: str = "local", stage: str | None = None, run=None,
                 config=None, spark=None):
        self.engine, self.stage, self.run_folder = engine, stage, run
        self.config, self._spark = config, spark
        self.log = StepLog(engine)
        self._owner = None  # the stage run it was put in place for (a weak reference)

    @classmethod
    def for_stage(cls, run, spark=None) -> "StageEngine":
        """The engine of a :class:`~cdmkit.stagerun.StageRun` (its config's ``engine:``)."""
        out = cls(run.config.engine, run.stage, run.run, run.config, spark)
        # once that run is gone (a notebook's namespace reset, a test done), a later stage
        # of this process must not log into its folder: the engine steps aside
        out._owner = weakref.ref(run)
        return out

    @property
    def stale(self) -> bool:
        """Whether the stage run this engine was put in place for is gone."""
        return self._owner is not None and self._owner() is None

    # -- Spark ---------------------------------------------------------------------------
    @property
    def spark(self):
        """The session (built, or found running, on first use)."""
        if self._spark is None:
            from .session import spark_session

            self._spark = spark_session(self.config)
        return self._spark

    @property
    def partitions(self) -> int | None:
        """``spark.partitions`` of the config (``None``: Spark's shuffle partitions)."""
        spark_cfg = getattr(self.config, "spark", self.config)
        return getattr(spark_cfg, "partitions", None)

    def _shuffle_partitions(self) -> int:
        return self.partitions or int(self.spark.conf.get("spark.sql.shuffle.partitions"))

    # -- steps ---------------------------------------------------------------------------
    def run(self, step: str, local, *args, **kwargs):
        """Run ``step``: its Spark version when the engine is Spark and one fits these
        arguments, else ``local(*args, **kwargs)``; log it and save the log."""
        if self.stale:
            from ..config.engine import active_engine, set_active_engine

            if active_engine() is self:
                set_active_engine(None)
            return local(*args, **kwargs)
        on_spark = self._spark_version(step, local, args, kwargs) \
            if self.engine == "spark" else None
        if on_spark is None:
            t0 = time.perf_counter()
            out = local(*args, **kwargs)
            self.log.add(step, time.perf_counter() - t0, "local", rows=_rows(args))
        else:
            out = on_spark()
        self.save()
        return out

    def _spark_version(self, step, local, args, kwargs):
        """A no-argument callable running ``step`` on Spark, or ``None`` (runs locally)."""
        if step == "linkage":
            return lambda: self._linkage(args, kwargs)
        if step in ("rfm", "cohorts"):
            a = _bound(local, args, kwargs)
            if step == "cohorts" and (a.get("groups") is not None or a["freq"] not in ("M", "Q")):
                return None  # the Spark cohort table has no groups and no weeks: local
            return lambda: self._aggregate(step, a)
        return None

    def _linkage(self, args, kwargs):
        from .linkage import spark_resolve_identities

        kwargs = {k: v for k, v in kwargs.items() if k != "progress"}
        return spark_resolve_identities(self.spark, *args, log=self.log,
                                        partitions=self.partitions, **kwargs)

    def _aggregate(self, step, a):
        from .aggregates import spark_cohort_counts, spark_rfm_summary

        tx = a.pop("transactions")
        cols = [a[k] for k in ("customer_col", "date_col", "value_col", "order_col")
                if a.get(k)]
        t0 = time.perf_counter()
        sdf = self.spark.createDataFrame(tx[cols])  # only the columns the aggregate reads
        if step == "rfm":
            out = spark_rfm_summary(self.spark, sdf, **a)
        else:
            a.pop("groups", None)
            out = spark_cohort_counts(self.spark, sdf, **a)
        self.log.add(step, time.perf_counter() - t0, "spark",
                     partitions=self._shuffle_partitions(), rows=len(tx),
                     rows_to_driver=len(out))
        return out

    def save(self) -> None:
        """Write this stage's steps into the run folder's ``steps.json``."""
        if self.run_folder is not None and self.stage is not None:
            self.run_folder.write_steps(self.stage, self.log.records())


def activate(run, spark=None) -> StageEngine:
    """Put the engine of ``run``'s client in place for the stage's heavy steps.

    Called when a notebook opens its stage (:class:`cdmkit.report.context.StageContext`);
    the stage's earlier rows in ``steps.json`` (a notebook run again) are dropped.

    Parameters
    ----------
    run : StageRun
        The stage's run.
    spark : SparkSession, optional
        A session to use as it is (else built from the config on first use).

    Returns
    -------
    StageEngine

    Examples
    --------
    >>> import tempfile
    >>> from cdmkit.config import ClientConfig, run_step
    >>> from cdmkit.stagerun import StageRun
    >>> run = StageRun("analysis", ClientConfig(client="a"), tempfile.mkdtemp())
    >>> eng = activate(run)
    >>> run_step("cohorts", min, 3, 5), eng.log.records()[0]["step"]
    (3, 'cohorts')
    >>> _ = activate_local()
    """
    from ..config.engine import set_active_engine

    engine = StageEngine.for_stage(run, spark)
    if any(r.get("stage") == run.stage for r in run.run.read_steps()):
        engine.save()
    set_active_engine(engine)
    return engine


def activate_local():
    """Take the engine out of place (the local functions run, unlogged); returns it."""
    from ..config.engine import set_active_engine

    return set_active_engine(None)
