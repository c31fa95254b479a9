"""Which engine ran each step, on how many partitions, in how much time.

Examples
--------
>>> log = StepLog("spark")
>>> with log.step("index", partitions=4):
...     pass
>>> list(log.table().columns)
['step', 'engine', 'partitions', 'rows', 'rows_to_driver', 'seconds']
"""

from __future__ import annotations

import time
from contextlib import contextmanager

__all__ = ["StepLog"]

_COLUMNS = ("step", "engine", "partitions", "rows", "rows_to_driver", "seconds")


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
            partitions: int | None = None, rows: int | None = None,
            rows_to_driver: int | None = None) -> None:
        """Record one finished step.

        ``rows``: rows the step worked on (pairs, order lines); ``rows_to_driver``: rows
        a Spark step brought back to the driver (what driver memory grows with).
        """
        self._rows.append({"step": step, "engine": engine or self.engine,
                           "partitions": partitions, "rows": rows,
                           "rows_to_driver": rows_to_driver,
                           "seconds": round(float(seconds), 3)})

    @contextmanager
    def step(self, name: str, engine: str | None = None, partitions: int | None = None,
             rows: int | None = None):
        """Time the block as step ``name``."""
        t0 = time.perf_counter()
        yield
        self.add(name, time.perf_counter() - t0, engine, partitions, rows)

    def records(self) -> list[dict]:
        """The steps as JSON-ready dicts (for the run record)."""
        return [dict(r) for r in self._rows]

    def table(self):
        """The steps as a DataFrame (``step``, ``engine``, ``partitions``, ``rows``,
        ``rows_to_driver``, ``seconds``)."""
        import pandas as pd

        return pd.DataFrame(self._rows, columns=list(_COLUMNS))

    def save(self, path) -> None:
        """Write the steps as JSON (the run folder's ``steps.json``)."""
        import json
        from pathlib import Path

        Path(path).write_text(json.dumps({"engine": self.engine, "steps": self._rows},
                                         indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path) -> "StepLog":
        """The log :meth:`save` wrote.

        Examples
        --------
        >>> import tempfile, os
        >>> log = StepLog("spark"); log.add("index", 1.0, partitions=4, rows=10)
        >>> p = os.path.join(tempfile.mkdtemp(), "steps.json"); log.save(p)
        >>> StepLog.load(p).records() == log.records()
        True
        """
        import json
        from pathlib import Path

        data = json.loads(Path(path).read_text(encoding="utf-8"))
        out = cls(data.get("engine", "local"))
        out._rows = [{c: r.get(c) for c in _COLUMNS} for r in data.get("steps", [])]
        return out
