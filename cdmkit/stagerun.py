"""One stage's view of a run: its config, its run folder, its tables and its figures.

Stages pass data through Parquet files in the run folder (``<run>/data/``),
never through notebook globals, so each stage can be rerun from the folder.
Key figures go through :meth:`StageRun.record` into ``<run>/figures/<stage>.json``;
the runner merges them into ``summary.json`` and tests read them from there.
Every stage entry (``cdmkit/<pkg>/stage.py``: ``run_stage(run)``) takes a
:class:`StageRun`; notebooks get its subclass
:class:`cdmkit.report.context.StageContext` (opening, masked display).

Examples
--------
>>> to_jsonable({"n": 3, "share": float("nan")})
{'n': 3, 'share': None}
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .errors import CdmkitError
from .runfolder import RunFolder

__all__ = ["StageRun", "to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """Convert numpy/pandas scalars and containers to JSON-ready Python values.

    Non-finite floats become ``None`` so the JSON stays standard.

    Examples
    --------
    >>> import numpy as np
    >>> to_jsonable({"a": np.int64(3), "b": [np.float32(0.5), float("nan")]})
    {'a': 3, 'b': [0.5, None]}
    """
    import numpy as np
    import pandas as pd

    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, pd.Series):
        return to_jsonable(value.to_dict())
    if isinstance(value, pd.DataFrame):
        return to_jsonable(value.to_dict(orient="records"))
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


class StageRun:
    """What a stage works with: its name, the client config, its run folder and figures.

    A stage function takes one of these (``run_stage(run)`` in every
    ``cdmkit/<pkg>/stage.py``); notebooks get the subclass
    :class:`cdmkit.report.context.StageContext`, command lines and tests build it directly.

    Parameters
    ----------
    stage : str
        Stage name (``collection``, ``segmentation``, ...).
    config : ClientConfig
        The client's config.
    run_dir : str or Path
        The run folder (``<output_dir>/<client>/<run-id>``); created if missing.
    fallback_dirs : list of Path, optional
        Folders searched for tables missing from ``run_dir/data`` (interactive use).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from cdmkit.config import ClientConfig
    >>> run = StageRun("segmentation", ClientConfig(client="a"), tempfile.mkdtemp())
    >>> _ = run.write_table("segments", pd.DataFrame({"segment": ["Champions"]}))
    >>> run.read_table("segments").shape
    (1, 1)
    >>> run.record("n_segments", 1)
    >>> run.figures()["n_segments"]
    1
    """

    def __init__(self, stage: str, config, run_dir, fallback_dirs=None):
        self.stage = stage
        self.config = config
        self.run = RunFolder(run_dir).create()
        self.run_dir = self.run.path
        self.fallback_dirs = [Path(p) for p in (fallback_dirs or [])]

    # -- paths ---------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        """``<run>/data``: tables handed between stages."""
        return self.run.data_dir

    @property
    def seed(self) -> int:
        """The client's seed."""
        return self.config.seed

    @property
    def show_raw_pii(self) -> bool:
        """Whether reports may show raw personal data (off unless configured)."""
        return self.config.privacy.show_raw_pii

    def path(self, name: str) -> Path:
        """Path of an output file in the stage's own folder ``<run>/<stage>/``.

        Examples
        --------
        >>> import tempfile
        >>> from cdmkit.config import ClientConfig
        >>> ctx = StageRun("validation", ClientConfig(client="a"), tempfile.mkdtemp())
        >>> ctx.path("exports/x.csv").parent.name
        'exports'
        """
        p = self.run_dir / self.stage / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def table_path(self, name: str) -> Path:
        """Where table ``name`` lives (in the run, or in a fallback folder)."""
        own = self.run.table_path(name)
        if own.exists():
            return own
        for d in self.fallback_dirs:
            p = d / f"{name}.parquet"
            if p.exists():
                return p
        return own

    # -- tables ----------------------------------------------------------------------
    def has_table(self, name: str) -> bool:
        """Whether table ``name`` exists for this run."""
        return self.table_path(name).exists()

    def read_table(self, name: str, columns=None):
        """Read a table written by this or an earlier stage.

        Raises
        ------
        CdmkitError
            Naming the table and the stage to run first when it is missing.
        """
        import pandas as pd

        p = self.table_path(name)
        if not p.exists():
            raise CdmkitError(f"table {name!r} not found in {self.data_dir}: run the stage that "
                              "writes it first (see `cdmkit run --stages`)")
        return pd.read_parquet(p, columns=columns)

    def table_columns(self, name: str) -> list[str]:
        """Column names of a table, read from its schema only (no data).

        Raises
        ------
        CdmkitError
            When the table is missing (see :meth:`read_table`).
        """
        import pyarrow.parquet as pq

        p = self.table_path(name)
        if not p.exists():
            raise CdmkitError(f"table {name!r} not found in {self.data_dir}: run the stage that "
                              "writes it first (see `cdmkit run --stages`)")
        return [c for c in pq.read_schema(p).names if not c.startswith("__index_level_")]

    def write_table(self, name: str, df) -> Path:
        """Write ``df`` as ``<run>/data/<name>.parquet`` (index dropped unless named)."""
        return self.run.write_table(name, df)

    # -- figures ---------------------------------------------------------------------
    @property
    def figures_path(self) -> Path:
        """``<run>/figures/<stage>.json``."""
        return self.run.figures_path(self.stage)

    def figures(self) -> dict:
        """Figures recorded so far by this stage."""
        return self.run.read_figures(self.stage)

    def record(self, key: str, value: Any = None, **more: Any) -> None:
        """Record key figures for ``summary.json`` (and the tests that read it).

        Examples
        --------
        >>> import tempfile
        >>> from cdmkit.config import ClientConfig
        >>> ctx = StageRun("analysis", ClientConfig(client="a"), tempfile.mkdtemp())
        >>> ctx.record("auc", 0.81, n_customers=100)
        >>> sorted(ctx.figures())
        ['auc', 'n_customers']
        """
        figs = self.figures()
        if key is not None:
            figs[key] = to_jsonable(value)
        for k, v in more.items():
            figs[k] = to_jsonable(v)
        self.run.write_figures(self.stage, figs)

    def __repr__(self):
        return f"{type(self).__name__}(stage={self.stage!r}, client={self.config.client!r}, " \
               f"run_dir='{self.run_dir}')"
