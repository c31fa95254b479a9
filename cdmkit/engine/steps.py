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

__all__ = ["StepLog", "steps_table", "steps_summary", "steps_html"]

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


#: Column names people read in the report.
_HEADERS = {"stage": "Stage", "step": "Step", "engine": "Engine", "partitions": "Partitions",
            "rows": "Rows", "rows_to_driver": "Rows to driver", "seconds": "Seconds"}


def steps_table(records) -> "pd.DataFrame":
    """The step log of a run as the report shows it: one row per step, then a total.

    Parameters
    ----------
    records : list of dict
        Steps as :meth:`cdmkit.runfolder.RunFolder.read_steps` returns them (``stage``,
        ``step``, ``engine``, ``partitions``, ``rows``, ``rows_to_driver``, ``seconds``).

    Returns
    -------
    DataFrame
        Columns ``Stage``, ``Step``, ``Engine``, ``Partitions``, ``Rows``,
        ``Rows to driver``, ``Seconds``; missing values as ``None``; the last row, ``total``,
        sums the seconds and the rows brought to the driver.

    Examples
    --------
    >>> t = steps_table([{"stage": "linkage", "step": "index", "engine": "spark",
    ...                   "partitions": 4, "rows": 1000, "rows_to_driver": 0, "seconds": 1.5},
    ...                  {"stage": "segmentation", "step": "rfm", "engine": "local",
    ...                   "rows": 80, "seconds": 0.25}])
    >>> t[["Stage", "Engine", "Rows to driver", "Seconds"]].values.tolist()
    [['linkage', 'spark', 0, 1.5], ['segmentation', 'local', None, 0.25], ['total', '', 0, 1.75]]
    """
    import pandas as pd

    rows = [{c: r.get(c) for c in _HEADERS} for r in records]
    if rows:
        to_driver = [r["rows_to_driver"] for r in rows if r["rows_to_driver"] is not None]
        rows.append({"stage": "total", "step": "", "engine": "", "partitions": None,
                     "rows": None, "rows_to_driver": sum(to_driver) if to_driver else None,
                     "seconds": round(sum(float(r["seconds"] or 0) for r in rows), 3)})
    # object columns: counts stay integers beside the missing ones (None, not NaN)
    return pd.DataFrame({_HEADERS[c]: pd.Series([r[c] for r in rows], dtype=object)
                         for c in _HEADERS})


def steps_summary(records) -> str:
    """One sentence saying where the run's heavy steps ran and what came to the driver.

    Examples
    --------
    >>> steps_summary([{"stage": "linkage", "step": "index", "engine": "spark", "rows": 9000,
    ...                 "rows_to_driver": 12, "seconds": 2.0}])
    'Spark ran 1 of 1 heavy steps (linkage; 2.0 s); the largest worked on 9,000 rows, and 12
    rows came back to the driver in all.'
    >>> steps_summary([{"stage": "segmentation", "step": "rfm", "engine": "local", "seconds": 1}])
    'Every heavy step ran on the local engine (engine: local).'
    >>> steps_summary([])
    'No heavy step was logged.'
    """
    if not records:
        return "No heavy step was logged."
    spark = [r for r in records if r.get("engine") == "spark"]
    if not spark:
        return "Every heavy step ran on the local engine (engine: local)."
    stages = ", ".join(dict.fromkeys(str(r.get("stage")) for r in spark if r.get("stage")))
    secs = sum(float(r.get("seconds") or 0) for r in spark)
    worked = max((int(r.get("rows") or 0) for r in spark), default=0)
    back = sum(int(r.get("rows_to_driver") or 0) for r in spark)
    return (f"Spark ran {len(spark)} of {len(records)} heavy steps ({stages}; {secs:.1f} s); "
            f"the largest worked on {worked:,} rows, and {back:,} rows came back to the driver "
            "in all.")


def steps_html(records) -> str:
    """The run overview's section on where each step ran (empty when nothing was logged).

    Examples
    --------
    >>> steps_html([])
    ''
    >>> "<td>spark</td>" in steps_html([{"stage": "linkage", "step": "index",
    ...                                  "engine": "spark", "seconds": 1.0}])
    True
    """
    import html

    if not records:
        return ""
    table = steps_table(records)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)

    def cell(v):
        if v is None:
            return "—"
        return f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v)

    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell(v))}</td>" for v in row) + "</tr>"
                   for row in table.itertuples(index=False))
    return ("<section><h2>Where each step ran</h2>"
            f"<p>{html.escape(steps_summary(records))} Rows to driver is what driver memory "
            "grows with; a Spark step's other rows stay on the executors. Seconds are wall "
            "time on this run's machine (<code>steps.json</code>).</p>"
            f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{body}"
            "</tbody></table></div></section>")
