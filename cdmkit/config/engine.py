"""Execution engine of a client: the embedded (pandas/DuckDB) engine or Apache Spark."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, field_validator

from .base import Section

__all__ = ["SparkConfig"]


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
