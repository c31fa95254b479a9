"""The run folder: the one place that knows its layout.

A run of a client lives in ``<output_dir>/<client>/<run-id>/``::

    data/<table>.parquet      tables handed between stages
    figures/<stage>.json      key figures each stage recorded
    summary.json              the merged figures and status of the run
    config.resolved.json      the config the run used (rerun it with this file)
    manifest.json             versions and input checksums
    steps.json                where each stage's heavy steps ran (engine, partitions, time)
    <NN-stage>.ipynb/.html    executed notebooks and their reports

The client folder holds the runs and a ``latest`` link to the last successful
one. :class:`RunFolder` reads and writes one run; :class:`ClientRuns` finds the
runs of a client (latest, previous successful, all) and moves ``latest``;
:class:`cdmkit.stagerun.StageRun` is one stage's view of a run.
Nothing else in cdmkit builds these paths.

Examples
--------
>>> import tempfile, pandas as pd
>>> runs = ClientRuns(tempfile.mkdtemp())
>>> run = runs.claim("r1")
>>> _ = run.write_table("golden", pd.DataFrame({"customer_id": ["C1"]}))
>>> run.write_summary({"ok": True})
>>> runs.point_latest(run)
>>> runs.latest().name, runs.latest().read_table("golden").shape
('r1', (1, 1))
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Iterator

from .errors import CdmkitError

__all__ = ["RunFolder", "ClientRuns", "LATEST", "DATA", "FIGURES", "SUMMARY", "RESOLVED_CONFIG",
           "MANIFEST", "STEPS", "unique_run_id"]

#: Name of the client folder's link to the last successful run.
LATEST = "latest"
#: Sub-folder of a run with the tables handed between stages.
DATA = "data"
#: Sub-folder of a run with each stage's recorded figures.
FIGURES = "figures"
#: The run's merged figures and status.
SUMMARY = "summary.json"
#: The config the run used.
RESOLVED_CONFIG = "config.resolved.json"
#: Versions and input checksums of the run.
MANIFEST = "manifest.json"
#: Where each stage's heavy steps ran (engine, partitions, rows, seconds).
STEPS = "steps.json"


def _write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


class RunFolder:
    """One run folder: its tables, its figures, its summary.

    Parameters
    ----------
    path : str or Path
        The run folder (``<output_dir>/<client>/<run-id>``; may be the ``latest`` link).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> run = RunFolder(tempfile.mkdtemp()).create()
    >>> _ = run.write_table("segments", pd.DataFrame({"segment": ["Champions"]}))
    >>> run.tables(), run.has_table("rfm")
    (['segments'], False)
    >>> run.write_figures("segmentation", {"n_segments": 1})
    >>> run.stage_figures()
    {'segmentation': {'n_segments': 1}}
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    # -- layout ----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The run id (folder name; the real run's name when ``path`` is the ``latest`` link)."""
        return self.path.resolve().name if self.path.is_symlink() else self.path.name

    @property
    def data_dir(self) -> Path:
        """``<run>/data``: tables handed between stages."""
        return self.path / DATA

    @property
    def figures_dir(self) -> Path:
        """``<run>/figures``: one JSON file of key figures per stage."""
        return self.path / FIGURES

    @property
    def summary_path(self) -> Path:
        """``<run>/summary.json``."""
        return self.path / SUMMARY

    @property
    def config_path(self) -> Path:
        """``<run>/config.resolved.json``: the config the run used."""
        return self.path / RESOLVED_CONFIG

    @property
    def manifest_path(self) -> Path:
        """``<run>/manifest.json``."""
        return self.path / MANIFEST

    def create(self) -> "RunFolder":
        """Make the folder and its ``data/`` and ``figures/`` (kept if they exist); return self."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.figures_dir.mkdir(parents=True, exist_ok=True)
        return self

    def exists(self) -> bool:
        """Whether the folder exists."""
        return self.path.is_dir()

    def resolved(self) -> "RunFolder":
        """The same run with links resolved (``latest`` -> the run it points at)."""
        return RunFolder(self.path.resolve())

    # -- tables ----------------------------------------------------------------------------
    def table_path(self, name: str) -> Path:
        """``<run>/data/<name>.parquet`` (whether or not it exists)."""
        return self.data_dir / f"{name}.parquet"

    def has_table(self, name: str) -> bool:
        """Whether table ``name`` was written in this run."""
        return self.table_path(name).exists()

    def tables(self) -> list[str]:
        """Names of the tables of this run, sorted."""
        return sorted(p.stem for p in self.data_dir.glob("*.parquet"))

    def read_table(self, name: str, columns=None, missing_ok: bool = False):
        """Read table ``name`` (``columns``: a subset).

        Raises
        ------
        CdmkitError
            When the table is missing (unless ``missing_ok``: then ``None``).
        """
        import pandas as pd

        p = self.table_path(name)
        if not p.exists():
            if missing_ok:
                return None
            raise CdmkitError(f"table {name!r} not found in {self.data_dir}: run the stage that "
                              "writes it first (see `cdmkit run --stages`)")
        return pd.read_parquet(p, columns=columns)

    def read_tables(self, names) -> dict:
        """``{name: DataFrame}`` of those of ``names`` this run has."""
        return {n: self.read_table(n) for n in names if self.has_table(n)}

    def table_columns(self, name: str) -> list[str]:
        """Column names of table ``name`` from its schema only (``[]`` when missing)."""
        import pyarrow.parquet as pq

        p = self.table_path(name)
        if not p.exists():
            return []
        return [c for c in pq.read_schema(p).names if not c.startswith("__index_level_")]

    def table_rows(self, name: str) -> int:
        """Row count of table ``name`` from its metadata (0 when missing)."""
        import pyarrow.parquet as pq

        p = self.table_path(name)
        return int(pq.ParquetFile(p).metadata.num_rows) if p.exists() else 0

    def write_table(self, name: str, df) -> Path:
        """Write ``df`` as ``<run>/data/<name>.parquet`` (index dropped unless named)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        p = self.table_path(name)
        keep_index = any(n is not None for n in df.index.names)
        df.to_parquet(p, index=keep_index)
        return p

    # -- figures ---------------------------------------------------------------------------
    def figures_path(self, stage: str) -> Path:
        """``<run>/figures/<stage>.json``."""
        return self.figures_dir / f"{stage}.json"

    def read_figures(self, stage: str) -> dict:
        """Figures recorded by ``stage`` (``{}`` when none)."""
        p = self.figures_path(stage)
        return _read_json(p) if p.exists() else {}

    def write_figures(self, stage: str, figures: dict, sort_keys: bool = True) -> None:
        """Replace the figures of ``stage`` (atomically: a reader never sees half a file)."""
        self.figures_dir.mkdir(parents=True, exist_ok=True)
        _write_text_atomic(self.figures_path(stage),
                           json.dumps(figures, indent=2, ensure_ascii=False,
                                      sort_keys=sort_keys) + "\n")

    def stage_figures(self) -> dict:
        """``{stage: figures}`` of every stage that recorded figures (unreadable files skipped)."""
        out = {}
        for p in sorted(self.figures_dir.glob("*.json")):
            try:
                out[p.stem] = _read_json(p)
            except (OSError, ValueError):
                continue
        return out

    # -- steps -----------------------------------------------------------------------------
    @property
    def steps_path(self) -> Path:
        """``<run>/steps.json``: the step log of every stage (:class:`cdmkit.engine.StepLog`)."""
        return self.path / STEPS

    def read_steps(self) -> list[dict]:
        """The logged steps, each with its ``stage`` (``[]`` when none or unreadable)."""
        try:
            data = _read_json(self.steps_path)
        except (OSError, ValueError):
            return []
        return [r for r in data.get("steps", []) if isinstance(r, dict)] \
            if isinstance(data, dict) else []

    def write_steps(self, stage: str, steps: list[dict]) -> None:
        """Replace the steps of ``stage`` in ``steps.json`` (other stages' are kept).

        Examples
        --------
        >>> import tempfile
        >>> run = RunFolder(tempfile.mkdtemp()).create()
        >>> run.write_steps("linkage", [{"step": "index", "engine": "spark"}])
        >>> run.write_steps("segmentation", [{"step": "rfm", "engine": "local"}])
        >>> [(r["stage"], r["step"]) for r in run.read_steps()]
        [('linkage', 'index'), ('segmentation', 'rfm')]
        """
        rows = [r for r in self.read_steps() if r.get("stage") != stage]
        rows += [{"stage": stage, **r} for r in steps]
        _write_text_atomic(self.steps_path, json.dumps({"steps": rows}, indent=1) + "\n")

    # -- summary ---------------------------------------------------------------------------
    def has_summary(self) -> bool:
        """Whether the run wrote its ``summary.json`` (it finished, well or not)."""
        return self.summary_path.is_file()

    def summary(self) -> dict:
        """Contents of ``summary.json``.

        Raises
        ------
        CdmkitError
            When the folder has no summary (not a finished cdmkit run).
        """
        if not self.summary_path.is_file():
            raise CdmkitError(f"{self.path} has no summary.json (not a cdmkit run folder?)")
        return _read_json(self.summary_path)

    def write_summary(self, summary: dict) -> None:
        """Write ``summary.json``."""
        _write_text_atomic(self.summary_path,
                           json.dumps(summary, indent=2, ensure_ascii=False) + "\n")

    def succeeded(self) -> bool:
        """Whether the run finished without a failed stage (a readable summary not saying
        ``"ok": false``)."""
        try:
            summary = self.summary()
        except (CdmkitError, OSError, ValueError):
            return False
        return not (isinstance(summary, dict) and summary.get("ok") is False)

    def finished_at(self) -> float:
        """Modification time of ``summary.json`` (0 without one)."""
        return self.summary_path.stat().st_mtime if self.has_summary() else 0.0

    def __fspath__(self) -> str:
        return str(self.path)

    def __eq__(self, other) -> bool:
        return isinstance(other, RunFolder) and self.path == other.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return f"RunFolder('{self.path}')"


class ClientRuns:
    """The run folders of one client: claiming a new one, ``latest``, the previous successful.

    Parameters
    ----------
    client_dir : str or Path
        ``<output_dir>/<client>`` (``ClientConfig.client_dir``); it need not exist yet.

    Examples
    --------
    >>> import tempfile
    >>> runs = ClientRuns(tempfile.mkdtemp())
    >>> runs.latest() is None, runs.claim("r1").name, [r.name for r in runs]
    (True, 'r1', ['r1'])
    """

    def __init__(self, client_dir: str | os.PathLike):
        self.client_dir = Path(client_dir)

    @classmethod
    def of(cls, config) -> "ClientRuns":
        """The runs of a client config (``config.client_dir``)."""
        return cls(config.client_dir)

    @property
    def latest_link(self) -> Path:
        """``<client>/latest`` (whether or not it exists)."""
        return self.client_dir / LATEST

    def __iter__(self) -> Iterator[RunFolder]:
        """Every run folder, by name (the ``latest`` link and hidden entries excluded)."""
        if not self.client_dir.is_dir():
            return iter(())
        return iter(sorted((RunFolder(p) for p in self.client_dir.iterdir()
                            if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")),
                           key=lambda r: r.path.name))

    def runs(self) -> list[RunFolder]:
        """Every run folder (see ``__iter__``)."""
        return list(self)

    def any_has_table(self, name: str) -> bool:
        """Whether any run folder of the client has table ``name``."""
        return any(r.has_table(name) for r in self)

    def latest(self) -> RunFolder | None:
        """The run ``latest`` points at, else the newest finished run; ``None`` without runs."""
        if self.latest_link.exists():
            return RunFolder(self.latest_link.resolve())
        finished = [r for r in self if r.has_summary()]
        if not finished:
            return None
        return max(finished, key=lambda r: (r.finished_at(), r.path.name))

    def previous_successful(self, run) -> RunFolder | None:
        """The newest successful run of this client other than ``run`` (the drift baseline).

        A run with a failed stage has partial tables: comparing with it would report
        drift that is only the failure.
        """
        here = Path(run).resolve()
        cands = [r.resolved() for r in self if r.path.resolve() != here and r.succeeded()]
        if not cands:
            return None
        return max(cands, key=lambda r: (r.finished_at(), r.path.name))

    def claim(self, run_id: str | None = None) -> RunFolder:
        """Create a run folder no other run has (``mkdir`` is the claim), with ``data/`` and
        ``figures/``.

        Without ``run_id`` the folder is named after the local time, with ``-2``, ``-3``,
        ... when that name is taken, even by a run started in the same second.

        Raises
        ------
        CdmkitError
            When the ``run_id`` asked for is already a folder.
        """
        self.client_dir.mkdir(parents=True, exist_ok=True)
        if run_id:
            try:
                (self.client_dir / run_id).mkdir()
            except FileExistsError:
                raise CdmkitError(f"run folder {self.client_dir / run_id} already exists: "
                                  "choose another --run-id") from None
            return RunFolder(self.client_dir / run_id).create()
        base = time.strftime("%Y%m%d-%H%M%S")
        taken = {p.name for p in self.client_dir.iterdir()}
        while True:
            rid = unique_run_id(base, existing=taken)
            try:
                (self.client_dir / rid).mkdir()
                return RunFolder(self.client_dir / rid).create()
            except FileExistsError:
                taken.add(rid)

    def point_latest(self, run) -> None:
        """Make ``latest`` point at ``run`` (atomically: a new link replaces the old one)."""
        name = Path(run).name
        tmp = self.client_dir / f".{LATEST}-{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(name, target_is_directory=True)
        os.replace(tmp, self.latest_link)

    def clear_stale_links(self) -> None:
        """Remove temporary ``latest`` links left by a run killed while moving it."""
        if self.client_dir.is_dir():
            for tmp in self.client_dir.glob(f".{LATEST}-*"):
                if tmp.is_symlink():
                    tmp.unlink()


def unique_run_id(base: str, existing=()) -> str:
    """``base``, or ``base-2``, ``base-3``, ... : the first not in ``existing``.

    Examples
    --------
    >>> unique_run_id("20261122-101500", existing=["20261122-101500"])
    '20261122-101500-2'
    """
    existing = set(existing)
    if base not in existing:
        return base
    i = 2
    while f"{base}-{i}" in existing:
        i += 1
    return f"{base}-{i}"
