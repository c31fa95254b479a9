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

import pandas as pd

from ..config import ClientConfig, load_config
from ..runfolder import ClientRuns, RunFolder
from ..stagerun import StageRun, to_jsonable

__all__ = ["StageContext", "open_stage", "to_jsonable"]


class StageContext(StageRun):
    """A stage run as a notebook sees it: :class:`~cdmkit.stagerun.StageRun` plus opening
    from papermill's parameters (or interactive defaults) and masked display.

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
        super().__init__(stage, config, run_dir, fallback_dirs)
        #: True in JupyterLab (no run folder given); False when run by ``cdmkit run``.
        #: Widgets are live only when interactive; a batch run shows their static snapshot.
        self.interactive = interactive
        from ..engine.stage import activate  # the client's engine runs the heavy steps

        #: Where the stage's heavy steps run (``engine:``), logged in ``steps.json``.
        self.engine = activate(self)

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
            from ..operations.demo import ensure_demo_config

            config_path = ensure_demo_config()
        config = load_config(config_path)
        fallback = []
        interactive = run_dir is None
        if run_dir is None:
            runs = ClientRuns.of(config)
            run_dir = runs.client_dir / "interactive"
            if runs.latest_link.exists():
                fallback.append(RunFolder(runs.latest_link).data_dir)
        return cls(stage, config, run_dir, fallback, interactive=interactive)

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
        from ..privacy import mask_frame

        return mask_frame(df, show_raw=self.show_raw_pii)

    def show(self, df: pd.DataFrame, n: int | None = 20, caption: str | None = None,
             labels: dict | None = None) -> None:
        """Display a table readably, with personal data masked (first ``n`` rows, or all).

        Every report shows its tables this way (:mod:`cdmkit.display`): human
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
        from ..display import client_currency, display_frame

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
