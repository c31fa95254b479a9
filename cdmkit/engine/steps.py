"""Which engine ran each step, on how many partitions, in how much time.

Examples
--------
>>> log = StepLog("spark")
>>> with log.step("index", partitions=4):
...     pass
>>> list(log.table().columns)
['step', 'engine', 'partitions', 'seconds']
"""

from __future__ import annotations

import time
from contextlib import contextmanager

__all__ = ["StepLog"]


class StepLog:
    """Per-step record of a run: engine, partitions, wall time (a small table).

    Parameters
    ----------
    engine : str
        Default engine of the steps (``local`` or ``spark``).

    Examples
    --------
    >>> log = StepLog("local")
    >>> log.add("cluster", 0.5, engine="local")
    >>> log.records()[0]["step"]
    'cluster'
    """

    def __init__(self, engine: str = "local"):
        self.engine = engine
        self._rows: list[dict] = []

    def add(self, step: str, seconds: float, engine: str | None = None,
            partitions: int | None = None) -> None:
        """Record one finished step."""
        self._rows.append({"step": step, "engine": engine or self.engine,
                           "partitions": partitions, "seconds": round(float(seconds), 3)})

    @contextmanager
    def step(self, name: str, engine: str | None = None, partitions: int | None = None):
        """Time the block as step ``name``."""
        t0 = time.perf_counter()
        yield
        self.add(name, time.perf_counter() - t0, engine, partitions)

    def records(self) -> list[dict]:
        """The steps as JSON-ready dicts (for the run record)."""
        return [dict(r) for r in self._rows]

    def table(self):
        """The steps as a DataFrame (``step``, ``engine``, ``partitions``, ``seconds``)."""
        import pandas as pd

        return pd.DataFrame(self._rows, columns=["step", "engine", "partitions", "seconds"])
