"""What a stage notebook works with: its config, its run folder, its tables and its figures.

Stages pass data through Parquet files in the run folder (``<run>/data/``),
never through notebook globals, so each stage can be rerun from the folder.
Key figures go through :meth:`StageContext.record` into
``<run>/figures/<stage>.json``; the runner merges them into ``summary.json``
and tests read them from there.

Run by ``cdmkit run``, a notebook gets ``run_dir`` and ``config_path`` from
papermill. Opened in JupyterLab with the parameters left at ``None``, it uses
the demo client (generating its data on first use) and the scratch run folder
``<output_dir>/demo/interactive``, reading earlier stages' tables from there or
from the latest finished run.

Examples
--------
>>> import tempfile, pandas as pd
>>> from cdmkit.config import ClientConfig
>>> d = tempfile.mkdtemp()
>>> ctx = StageContext("segmentation", ClientConfig(client="a"), d)
>>> _ = ctx.write_table("segments", pd.DataFrame({"customer_id": ["C1"], "segment": ["Champions"]}))
>>> ctx.read_table("segments").shape
(1, 2)
>>> ctx.record("n_segments", 1)
>>> ctx.figures()["n_segments"]
1
"""

from __future__ import annotations

import json
import math
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .config import ClientConfig, load_config
from .errors import CdmkitError

__all__ = ["StageContext", "open_stage", "to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """Convert numpy/pandas scalars and containers to JSON-ready Python values.

    Non-finite floats become ``None`` so the JSON stays standard.

    Examples
    --------
    >>> import numpy as np
    >>> to_jsonable({"a": np.int64(3), "b": [np.float32(0.5), float("nan")]})
    {'a': 3, 'b': [0.5, None]}
    """
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


class StageContext:
    """Config, run folder, tables and recorded figures of one stage run.

    Parameters
    ----------
    stage : str
        Stage name (``collection``, ``segmentation``, ...).
    config : ClientConfig
        The client's config.
    run_dir : str or Path
        The run folder (``<output_dir>/<client>/<run-id>``).
    fallback_dirs : list of Path, optional
        Folders searched for tables missing from ``run_dir/data`` (interactive use).

    Examples
    --------
    >>> import tempfile
    >>> from cdmkit.config import ClientConfig
    >>> StageContext("analysis", ClientConfig(client="a"), tempfile.mkdtemp()).stage
    'analysis'
    """

    def __init__(self, stage: str, config: ClientConfig, run_dir, fallback_dirs=None,
                 interactive: bool = False):
        self.stage = stage
        #: True in JupyterLab (no run folder given); False when run by ``cdmkit run``.
        #: Widgets are live only when interactive; a batch run shows their static snapshot.
        self.interactive = interactive
        self.config = config
        self.run_dir = Path(run_dir)
        self.fallback_dirs = [Path(p) for p in (fallback_dirs or [])]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "figures").mkdir(parents=True, exist_ok=True)

    # -- opening -------------------------------------------------------------------
    @classmethod
    def open(cls, stage: str, run_dir=None, config_path=None) -> "StageContext":
        """Context for a notebook: from papermill's parameters, or interactive defaults.

        Parameters
        ----------
        stage : str
            Stage name.
        run_dir : str, optional
            Run folder given by the runner; ``None`` for interactive use.
        config_path : str, optional
            Client config (YAML or ``config.resolved.json``); ``None`` means the
            demo client.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "c.yaml").write_text("client: t\\n")
        >>> StageContext.open("analysis", run_dir=d / "run", config_path=d / "c.yaml").stage
        'analysis'
        """
        if config_path is None:
            from .demo import ensure_demo_config

            config_path = ensure_demo_config()
        config = load_config(config_path)
        fallback = []
        interactive = run_dir is None
        if run_dir is None:
            run_dir = config.client_dir / "interactive"
            latest = config.client_dir / "latest"
            if latest.exists():
                fallback.append(latest / "data")
        return cls(stage, config, run_dir, fallback, interactive=interactive)

    # -- paths ---------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        """``<run>/data``: tables handed between stages."""
        return self.run_dir / "data"

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
        >>> ctx = StageContext("validation", ClientConfig(client="a"), tempfile.mkdtemp())
        >>> ctx.path("exports/x.csv").parent.name
        'exports'
        """
        p = self.run_dir / self.stage / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def table_path(self, name: str) -> Path:
        """Where table ``name`` lives (in the run, or in a fallback folder)."""
        own = self.data_dir / f"{name}.parquet"
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

    def read_table(self, name: str, columns=None) -> pd.DataFrame:
        """Read a table written by this or an earlier stage.

        Raises
        ------
        CdmkitError
            Naming the table and the stage to run first when it is missing.
        """
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

    def write_table(self, name: str, df: pd.DataFrame) -> Path:
        """Write ``df`` as ``<run>/data/<name>.parquet`` (index dropped unless named)."""
        p = self.data_dir / f"{name}.parquet"
        keep_index = any(n is not None for n in df.index.names)
        df.to_parquet(p, index=keep_index)
        return p

    # -- figures ---------------------------------------------------------------------
    @property
    def figures_path(self) -> Path:
        """``<run>/figures/<stage>.json``."""
        return self.run_dir / "figures" / f"{self.stage}.json"

    def figures(self) -> dict:
        """Figures recorded so far by this stage."""
        if self.figures_path.exists():
            return json.loads(self.figures_path.read_text(encoding="utf-8"))
        return {}

    def record(self, key: str, value: Any = None, **more: Any) -> None:
        """Record key figures for ``summary.json`` (and the tests that read it).

        Examples
        --------
        >>> import tempfile
        >>> from cdmkit.config import ClientConfig
        >>> ctx = StageContext("analysis", ClientConfig(client="a"), tempfile.mkdtemp())
        >>> ctx.record("auc", 0.81, n_customers=100)
        >>> sorted(ctx.figures())
        ['auc', 'n_customers']
        """
        figs = self.figures()
        if key is not None:
            figs[key] = to_jsonable(value)
        for k, v in more.items():
            figs[k] = to_jsonable(v)
        tmp = self.figures_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(figs, indent=2, ensure_ascii=False, sort_keys=True),
                       encoding="utf-8")
        os.replace(tmp, self.figures_path)

    # -- display ---------------------------------------------------------------------
    def masked(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with direct identifiers masked unless the config allows raw values.

        Examples
        --------
        >>> import tempfile, pandas as pd
        >>> from cdmkit.config import ClientConfig
        >>> ctx = StageContext("a", ClientConfig(client="a"), tempfile.mkdtemp())
        >>> ctx.masked(pd.DataFrame({"email": ["ab@c.de"]}))["email"][0]
        'a***@c.de'
        """
        from .privacy import mask_frame

        return mask_frame(df, show_raw=self.show_raw_pii)

    def show(self, df: pd.DataFrame, n: int | None = 20, caption: str | None = None,
             labels: dict | None = None) -> None:
        """Display a table readably, with personal data masked (first ``n`` rows, or all).

        Every report shows its tables this way (:mod:`cdmkit.report.tables`): human
        column names, no pandas index, "—" for every missing value, and a box that
        scrolls when the table is wide or long. When ``n`` cuts the table the caption
        says so. Returns nothing, so a ``ctx.show(...)`` ending a cell is not
        displayed twice.

        Parameters
        ----------
        df : DataFrame
        n : int or None
            Rows shown (``None``: all of them).
        caption : str, optional
            Title above the table.
        labels : dict, optional
            Column name -> label, overriding the built-in human names.

        Examples
        --------
        >>> import tempfile, pandas as pd
        >>> from cdmkit.config import ClientConfig
        >>> ctx = StageContext("a", ClientConfig(client="a"), tempfile.mkdtemp())
        >>> ctx.show(pd.DataFrame({"email": ["ab@c.de"]}))  # doctest: +SKIP
        """
        from .report.tables import client_currency, display_frame

        display_frame(self.masked(df.head(n) if n else df), caption=caption, labels=labels,
                      total=len(df), currency=client_currency(self.config))

    def _repr_markdown_(self) -> str:
        """Header shown at the top of a stage report (no paths, no secrets)."""
        mode = "interactive (scratch folder)" if self.interactive else f"run `{self.run_dir.name}`"
        pii = "raw values shown (privacy.show_raw_pii)" if self.show_raw_pii else "masked"
        title = self.config.title or self.config.client
        return (f"**Client:** {title} · **stage:** {self.stage} · **{mode}** · "
                f"**seed:** {self.seed} · **personal data:** {pii}")

    def __repr__(self):
        return f"StageContext(stage={self.stage!r}, client={self.config.client!r}, " \
               f"run_dir='{self.run_dir}')"


def open_stage(stage: str, run_dir=None, config_path=None) -> StageContext:
    """Shortcut for :meth:`StageContext.open` used in the notebooks' first cell.

    Examples
    --------
    >>> callable(open_stage)
    True
    """
    return StageContext.open(stage, run_dir=run_dir, config_path=config_path)
