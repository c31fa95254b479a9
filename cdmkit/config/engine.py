"""Execution engine of a client: the embedded (pandas/DuckDB) engine or Apache Spark.

Besides the ``spark:`` section, the hook the stages run their heavy steps through:
:func:`run_step` calls the engine put in place for the stage (``engine: spark`` runs the
step on Spark, and every engine logs it), or the local function when none is.

Examples
--------
>>> with engine_in_use(None):  # no engine in place: the local function
...     run_step("rfm", sum, [1, 2])
3
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Literal, Optional

from pydantic import Field, field_validator

from .base import Section

__all__ = ["SparkConfig", "run_step", "active_engine", "set_active_engine", "engine_in_use"]


class SparkConfig(Section):
    """How to reach Spark when ``engine: spark`` (ignored by the local engine).

    A SparkSession passed in by the caller (a notebook on Databricks) wins over these
    settings; otherwise one is built (or reused, ``getOrCreate``) from them.

    Examples
    --------
    >>> SparkConfig().master
    'local[*]'
    >>> SparkConfig(conf={"spark.sql.shuffle.partitions": 8}).conf
    {'spark.sql.shuffle.partitions': '8'}
    """

    master: Optional[str] = Field("local[*]", description="Spark master URL (``local[*]``, "
                                  "``spark://host:7077``, ``yarn``); ``null`` leaves it to "
                                  "spark-submit / the platform.")
    app_name: str = Field("cdmkit", description="Application name shown in the Spark UI.")
    conf: dict[str, str] = Field(default_factory=dict, description="Extra Spark settings "
                                 "(``spark.executor.memory``, ``spark.sql.shuffle.partitions``).")
    partitions: Optional[int] = Field(None, ge=1, description="Partitions of the pair and "
                                      "record frames; default Spark's shuffle partitions.")

    @field_validator("conf", mode="before")
    @classmethod
    def _as_strings(cls, v):
        # YAML gives numbers and booleans; Spark wants strings ("true", not "True").
        if isinstance(v, dict):
            return {str(k): (str(x).lower() if isinstance(x, bool) else str(x))
                    for k, x in v.items()}
        return v


#: Engines a client can choose.
Engine = Literal["local", "spark"]


# The engine of the stage being run in this process. A plain module global, not a context
# variable: a notebook's kernel runs each cell in a context of its own, and the engine a
# stage's first cell puts in place must still be there in the cell that runs the stage.
_ACTIVE = None


def active_engine():
    """The engine the stages of this process run their heavy steps on (``None``: local).

    Examples
    --------
    >>> with engine_in_use(None):
    ...     active_engine() is None
    True
    """
    return _ACTIVE


def set_active_engine(engine):
    """Put ``engine`` in place for the stages run next in this process; returns the former one.

    ``engine`` has a method ``run(step, local, *args, **kwargs)``
    (:class:`cdmkit.engine.StageEngine`); ``None`` puts the local functions back.

    Examples
    --------
    >>> before = set_active_engine(None)
    >>> active_engine() is None
    True
    >>> _ = set_active_engine(before)
    """
    global _ACTIVE
    before, _ACTIVE = _ACTIVE, engine
    return before


@contextmanager
def engine_in_use(engine):
    """:func:`set_active_engine` for the duration of a block.

    Examples
    --------
    >>> class Shout:
    ...     def run(self, step, local, *args, **kwargs):
    ...         return f"{step}: {local(*args, **kwargs)}"
    >>> with engine_in_use(Shout()):
    ...     run_step("rfm", sum, [1, 2])
    'rfm: 3'
    """
    before = set_active_engine(engine)
    try:
        yield engine
    finally:
        set_active_engine(before)


def run_step(step: str, local: Callable, *args, **kwargs):
    """Run the heavy step ``step`` on the engine in place: ``local(*args, **kwargs)`` or
    the engine's own version of it (the same result, computed elsewhere).

    Parameters
    ----------
    step : str
        The step's name (``linkage``, ``rfm``, ``cohorts``): which Spark version runs it.
    local : callable
        The local function; it runs when no engine is in place or the engine has no
        version of this step (or of these arguments).
    *args, **kwargs
        Its arguments.

    Examples
    --------
    >>> with engine_in_use(None):
    ...     run_step("cohorts", max, 3, 5)
    5
    """
    engine = _ACTIVE
    if engine is None:
        return local(*args, **kwargs)
    return engine.run(step, local, *args, **kwargs)
