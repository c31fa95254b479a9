"""Run report stages through papermill and assemble the run folder.

A run executes the configured stages in order, each as a notebook with the
parameters ``run_dir`` and ``config_path``. Stages hand data over through
Parquet files in the run folder only. After each stage the executed notebook
and an HTML report with code hidden are written next to each other; at the
end ``summary.json`` merges the figures every stage recorded, and
``<output_dir>/<client>/latest`` points at the run; ``index.html`` is the run's
overview page (key findings, model verdicts, warnings, links to every report).

One run (or erase) of a client at a time: the run holds the client's lock
(:mod:`cdmkit.runlock`; a second run is told who holds it), claims a run folder
no other run has, finishes an interrupted erasure and refuses a missing or
damaged customer store before any stage starts (``new_store=True`` starts a new
one). The linkage stage commits its ID changes with the run's record in the
store; the record is marked complete after ``summary.json`` is written, so the
changes of a run killed in between are reported by the next run.

A failing stage stops the run: the error names the notebook, the cell and the
exception, the partially executed notebook is kept for inspection, and no later
stage runs on its output.

Examples
--------
>>> new_run_id("20261122-101500", existing=["20261122-101500"])
'20261122-101500-2'
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from .. import __version__
from ..config import ClientConfig, load_config
from .context import to_jsonable
from ..errors import CdmkitError, StageError
from ..runfolder import ClientRuns, RunFolder, unique_run_id
from ..runlock import client_lock, fault_point
from .stages import Stage, resolve_stages, skip_reason

__all__ = ["RunResult", "run_client", "new_run_id", "export_html", "ensure_kernel",
           "KERNEL_NAME", "read_summary", "prepare_store", "claim_run_dir"]

#: Jupyter kernel the stage notebooks run in (registered by ``make`` in the venv).
KERNEL_NAME = "cdmkit"
#: nbconvert template of the stage reports (in ``templates/report``): self-contained, no CDN.
REPORT_TEMPLATE = "cdmkit-report.html.j2"


@dataclass
class RunResult:
    """Outcome of :func:`run_client`.

    Attributes
    ----------
    run_dir : Path
        The run folder.
    summary : dict
        Contents of ``summary.json``.
    status : dict
        Stage name -> ``ok``, ``failed`` or ``skipped``.
    error : StageError or None
        The failure, if a stage failed.

    Examples
    --------
    >>> RunResult(Path("r"), {}, {"collection": "ok"}).ok
    True
    """

    run_dir: Path
    summary: dict
    status: dict = field(default_factory=dict)
    error: Optional[StageError] = None

    @property
    def ok(self) -> bool:
        """Whether every stage that was asked for succeeded."""
        return self.error is None and all(v == "ok" for v in self.status.values())

    @property
    def reports(self) -> list[Path]:
        """HTML reports written by this run, in stage order."""
        return sorted(self.run_dir.glob("*.html"))


def new_run_id(now: str | None = None, existing=()) -> str:
    """A run id from the local time, made unique among ``existing`` ids.

    Examples
    --------
    >>> new_run_id("20260101-000000")
    '20260101-000000'
    """
    return unique_run_id(now or time.strftime("%Y%m%d-%H%M%S"), existing)


def ensure_kernel(name: str = KERNEL_NAME) -> str:
    """Make sure a Jupyter kernel called ``name`` exists; register it in this Python if not.

    ``make`` registers the kernel inside the venv; a plain ``pip install cdmkit``
    has not, so the runner registers it for the running interpreter (inside
    ``sys.prefix``, never user-wide) rather than failing with papermill's
    "No such kernel".

    Returns
    -------
    str
        The kernel name.

    Examples
    --------
    >>> ensure_kernel() == KERNEL_NAME  # doctest: +SKIP
    True
    """
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    if name in specs:
        return name
    from ipykernel.kernelspec import install

    install(kernel_name=name, display_name=f"{name} (Python 3)", prefix=sys.prefix)
    return name


def _sha256(path: Path, limit: int = 2 ** 31) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _manifest(config: ClientConfig, stages: list[Stage]) -> dict:
    inputs = []
    for s in config.sources:
        p = config.resolve_path(s.path) if s.path else None
        entry = {"source": s.name, "kind": s.kind, "path": str(p) if p else None}
        if p is not None and p.is_file():
            entry.update(size=p.stat().st_size, sha256=_sha256(p))
        inputs.append(entry)
    return {
        "cdmkit_version": __version__,
        "python": sys.version.split()[0],
        "client": config.client,
        "seed": config.seed,
        "stages": [{"name": s.name, "slug": s.slug, "notebook": str(s.notebook_path)}
                   for s in stages],
        "inputs": inputs,
    }


def export_html(notebook: Path, html: Path, title: str | None = None) -> Path:
    """Write an HTML report of an executed notebook with the code hidden.

    Uses the report template in ``templates/report`` (header with client, stage
    and run id, a link back to the run overview) on top of JupyterLab's HTML
    template, without any script from a CDN: the report opens offline.

    Examples
    --------
    >>> callable(export_html)
    True
    """
    import nbformat
    from nbconvert import HTMLExporter

    from ..resources import template_dir

    nb = nbformat.read(str(notebook), as_version=4)
    options = dict(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                   exclude_output_prompt=True)
    # Its own file name: "index.html.j2" would resolve to lab's template, not this one.
    report_tpl = template_dir() / "report" / REPORT_TEMPLATE
    if report_tpl.is_file():
        options.update(extra_template_paths=[str(report_tpl.parent)],
                       template_file=REPORT_TEMPLATE)
    exporter = HTMLExporter(**options)
    resources = {"metadata": {"name": title or notebook.stem}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    html.write_text(body, encoding="utf-8")
    return html


def _redact_notebook(path: Path) -> None:
    """Hide connection-string secrets in an executed notebook (so in its HTML report too)."""
    from ..privacy.secrets import redact_data

    if not path.is_file():
        return
    nb = json.loads(path.read_text(encoding="utf-8"))
    clean = json.loads(path.read_text(encoding="utf-8"))
    for cell in clean.get("cells", []):
        cell["source"] = redact_data(cell.get("source", ""))
        for out in cell.get("outputs", []):
            for key, value in out.items():
                if key == "data":  # images are base64: only text forms are redacted
                    out[key] = {mime: v if mime.startswith("image/") else redact_data(v)
                                for mime, v in value.items()}
                elif key in ("text", "traceback", "evalue", "ename"):
                    out[key] = redact_data(value)
    if clean != nb:
        path.write_text(json.dumps(clean, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _failed_cell(exc) -> tuple[int | str, str]:
    """Cell number (1-based among code cells, as Jupyter shows it) and error text."""
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    cell = getattr(exc, "exec_count", None) or getattr(exc, "cell_index", "?")
    return cell, f"{ename}: {evalue}"


def _seed_data_from_latest(config: ClientConfig, run: RunFolder, needed: set[str]) -> list[str]:
    """Copy tables of stages not run now from the latest run, so a subset can run."""
    link = ClientRuns.of(config).latest_link
    if not link.exists():
        return []
    latest = RunFolder(link)
    copied = []
    for name in latest.tables():
        if not run.has_table(name):
            shutil.copy2(latest.table_path(name), run.table_path(name))
            copied.append(name)
    for stage in sorted(needed):
        if latest.figures_path(stage).exists():
            shutil.copy2(latest.figures_path(stage), run.figures_path(stage))
    return copied


def read_summary(run_dir: str | os.PathLike) -> dict:
    """Read ``summary.json`` of a run folder.

    Examples
    --------
    >>> read_summary("/nonexistent")
    Traceback (most recent call last):
    ...
    cdmkit.errors.CdmkitError: /nonexistent has no summary.json (not a cdmkit run folder?)
    """
    return RunFolder(run_dir).summary()


def _write_summary(run: RunFolder, config: ClientConfig, run_id: str, status: dict,
                   started: float, error: StageError | None) -> dict:
    run = RunFolder(run)  # a RunFolder or a path
    stages = run.stage_figures()
    summary = {
        "client": config.client,
        "run_id": run_id,
        "cdmkit_version": __version__,
        "seed": config.seed,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
        "seconds": round(time.time() - started, 1),
        "status": status,
        "ok": error is None and all(v == "ok" for v in status.values()),
        "error": str(error) if error else None,
        "stages": stages,
    }
    from ..privacy.secrets import redact_data

    summary = redact_data(to_jsonable(summary))
    run.write_summary(summary)
    return summary


def _update_database(config: ClientConfig, run: RunFolder, selected: list[Stage],
                     on_event) -> StageError | None:
    """Load the finished run into the customer database; a failure fails the run."""
    from ..database.client import update_client_database
    from ..errors import CdmkitError

    if not run.has_table("golden") and not run.has_table("transactions"):
        return None  # nothing customer-level was produced (e.g. collection only)
    try:
        report = update_client_database(config, run.path)
    except CdmkitError as exc:
        return StageError("database", "the customer database update", "-", str(exc))
    except Exception as exc:  # a database error: the transaction rolled back, say so in one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return StageError("database", "the customer database update", "-",
                          f"{type(exc).__name__}: {first} (nothing was written)")
    run.write_figures("database", {f"database_{k}": v for k, v in report.as_dict().items()
                                   if k != "run_id"}, sort_keys=False)
    if on_event and selected:
        on_event("database", selected[-1], {"report": report})
    return None


def claim_run_dir(client_dir: Path, run_id: str | None = None) -> tuple[str, Path]:
    """Create a run folder no other run has (``mkdir`` is the claim), and return its id and path.

    Without ``run_id`` the folder is named after the local time, with ``-2``,
    ``-3``, ... when that name is taken, even by a run started in the same second.

    Raises
    ------
    CdmkitError
        When the ``run_id`` asked for is already a folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> claim_run_dir(d, "r1")[0], claim_run_dir(d)[1].parent == d
    ('r1', True)
    >>> claim_run_dir(d, "r1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cdmkit.errors.CdmkitError: run folder ... already exists: choose another --run-id
    """
    run = ClientRuns(client_dir).claim(run_id)
    return run.name, run.path


def prepare_store(config: ClientConfig, new_store: bool = False) -> None:
    """Before a run (holding the client lock): finish an interrupted erasure, check the store.

    A store that is missing although the client has had runs, or that cannot
    be read, is refused: a silently recreated store would forget the ID
    history (customers would get new IDs) and the erasures (erased people
    would come back). ``new_store=True`` starts a new store instead; a damaged
    one is kept beside it as ``<store>.damaged-<time>``.

    Raises
    ------
    CdmkitError
        One line naming the store and the way out.

    Examples
    --------
    >>> from cdmkit.config import ClientConfig
    >>> prepare_store(ClientConfig(client="nobody", output_dir="/nonexistent"))
    """
    from ..link.registry_ids import check_store, store_expected

    store = config.store_path
    if store.exists():
        try:
            check_store(store)
        except CdmkitError:
            if not new_store:
                raise
            aside = store.with_name(f"{store.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
            os.replace(store, aside)
            wal = Path(str(store) + ".wal")
            if wal.exists():
                os.replace(wal, Path(str(aside) + ".wal"))
    elif store_expected(config) and not new_store:
        raise CdmkitError(f"the customer store {store} is missing but client "
                          f"{config.client!r} has had runs: restore it from a backup, or run "
                          "with --new-store to start a new one (customers would get new IDs "
                          "and earlier erasures would no longer be suppressed)")
    if new_store and not store.exists():
        from ..link.registry_ids import IdRegistry

        IdRegistry(store)  # the new, empty store: later runs and erasures find it
    # A run killed while moving the `latest` link leaves its temporary link behind.
    ClientRuns.of(config).clear_stale_links()
    from ..operations.erase import resume_erasure

    resume_erasure(config)


def run_client(config_path: str | os.PathLike, stages: list[str] | None = None, *,
               run_id: str | None = None, kernel: str = KERNEL_NAME, html: bool = True,
               on_event: Callable[[str, Stage, dict], None] | None = None,
               timeout: int | None = None, new_store: bool = False) -> RunResult:
    """Run a client's report stages and return the run folder and summary.

    Parameters
    ----------
    config_path : str or path
        Client YAML (or a run's ``config.resolved.json`` to rerun it).
    stages : list of str, optional
        Subset of stages (default: ``stages`` of the config). Tables of stages
        left out are taken from the client's latest run when available.
    run_id : str, optional
        Folder name of the run (default: the local time, made unique).
    kernel : str
        Jupyter kernel name (papermill needs it explicitly).
    html : bool
        Also write HTML reports with code hidden.
    on_event : callable, optional
        ``on_event(event, stage, info)`` with events ``start``, ``done``, ``failed``
        (used by the CLI for progress).
    timeout : int, optional
        Per-cell timeout in seconds.
    new_store : bool
        Start a new customer store when it is missing or damaged (see :func:`prepare_store`).

    Returns
    -------
    RunResult

    Raises
    ------
    CdmkitError
        When another run or erase of the client is under way (its holder is
        named), or the store is missing or damaged.

    Examples
    --------
    >>> from cdmkit.report.runner import run_client
    >>> result = run_client("clients/demo.yaml", ["collection"])  # doctest: +SKIP
    >>> result.ok  # doctest: +SKIP
    True
    """
    config = load_config(config_path)
    selected = resolve_stages(stages or config.stages)
    if config.engine == "spark":  # engine hook: no pyspark or Java -> one line, before any stage
        from ..engine.session import require_spark

        require_spark()
    # One run or erase of a client at a time: two runs would share a store and a run folder.
    with client_lock(config.client_dir, f"cdmkit run {config.client}"):
        prepare_store(config, new_store)
        return _run_locked(config, selected, run_id, kernel, html, on_event, timeout)


def _run_locked(config, selected, run_id, kernel, html, on_event, timeout) -> RunResult:
    from .kernel import BackgroundExports, SharedKernel, notebook_imports

    runs = ClientRuns.of(config)
    run = runs.claim(run_id)
    before = os.environ.get("CDMKIT_KERNEL_PER_NOTEBOOK") == "1"  # the old way, to compare
    # One kernel for every notebook, started now: it imports what the notebooks import
    # while the run is prepared. HTML reports are written while the next notebook runs.
    shared = SharedKernel(ensure_kernel(kernel), run.path, per_notebook=before)
    shared.start(warm_up=() if before else notebook_imports(
        [s.notebook_path for s in selected if s.notebook_path.is_file()]))
    with shared, BackgroundExports(export_html, inline=before) as exports:
        return _run_prepared(config, selected, runs, run, shared,
                             exports if html else None, on_event, timeout)


def _run_prepared(config, selected, runs, run, shared, exports, on_event,
                  timeout) -> RunResult:
    run_id, run_dir = run.name, run.path
    # Stages with nothing to do (linkage without customer records) are left out, with the reason.
    not_needed = {s.name: r for s in selected if (r := skip_reason(s, config))}
    for stage in (s for s in selected if s.name in not_needed):
        run.write_figures(stage.name, {"skipped": not_needed[stage.name]})
        if on_event:
            on_event("skipped", stage, {"reason": not_needed[stage.name]})
    selected = [s for s in selected if s.name not in not_needed]
    resolved_path = config.save_resolved(run.config_path)
    run.manifest_path.write_text(
        json.dumps(_manifest(config, selected), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8")
    all_names = {s.name for s in selected}
    if "collection" not in all_names:
        _seed_data_from_latest(config, run, set(config.stages) - all_names)

    linking = "linkage" in all_names
    if linking:  # the run record the linkage stage commits its ID changes with
        from ..link.registry_ids import begin_run

        begin_run(config.store_path, run_id)
    fault_point("run:started")
    started = time.time()
    status = {s.name: "pending" for s in selected}
    error = _run_stages(config, selected, run_dir, resolved_path, status, shared, exports,
                        on_event, timeout)
    if error is None and config.database.enabled:
        error = _update_database(config, run, selected, on_event)
    summary = _write_summary(run, config, run_id, status, started, error)
    if linking:
        from ..link.registry_ids import finish_run

        finish_run(config.store_path, run_id, ok=summary["ok"])
    if error is None:
        runs.point_latest(run)
    if exports is not None:
        from .overview import write_run_overview

        exports.wait()  # the overview links every stage report
        write_run_overview(run_dir, summary)
    return RunResult(run_dir, summary, status, error)


#: Stages that read the HTML reports of earlier stages (the privacy scan): they start
#: only when those reports are written.
_READS_REPORTS = {"validation"}


def _run_stages(config, selected, run_dir, resolved_path, status, shared, exports, on_event,
                timeout) -> StageError | None:
    """Run the stage notebooks in order in ``shared``; the first failure stops the rest."""
    from papermill.exceptions import PapermillExecutionError

    error: StageError | None = None
    for stage in selected:
        if error is not None:
            status[stage.name] = "skipped"
            continue
        out_nb = run_dir / f"{stage.slug}.ipynb"
        if on_event:
            on_event("start", stage, {})
        t0 = time.time()
        if not stage.notebook_path.is_file():
            error = StageError(stage.name, stage.notebook_path, "-", "notebook file not found")
            status[stage.name] = "failed"
            if on_event:
                on_event("failed", stage, {"error": error})
            continue
        if exports is not None and stage.name in _READS_REPORTS:
            exports.wait()
        try:
            shared.execute(stage.notebook_path, out_nb, timeout=timeout,
                           parameters={"run_dir": str(run_dir), "config_path": str(resolved_path)})
        except PapermillExecutionError as exc:
            cell, text = _failed_cell(exc)
            error = StageError(stage.name, out_nb.name, cell, text, output_path=out_nb)
        except Exception as exc:  # kernel died, missing kernel, ...
            error = StageError(stage.name, out_nb.name, "-", f"{type(exc).__name__}: {exc}",
                               output_path=out_nb)
        _redact_notebook(out_nb)
        if error is not None:
            status[stage.name] = "failed"
            if out_nb.exists() and exports is not None:  # the failure itself is what matters
                exports.submit(out_nb, run_dir / f"{stage.slug}.html",
                               f"{config.client} · {stage.slug} (failed)", must_succeed=False)
            if on_event:
                on_event("failed", stage, {"error": error, "seconds": time.time() - t0})
            continue
        if exports is not None:
            exports.submit(out_nb, run_dir / f"{stage.slug}.html",
                           f"{config.client} · {stage.slug}")
        status[stage.name] = "ok"
        if on_event:
            on_event("done", stage, {"seconds": time.time() - t0})
        fault_point(f"run:after-{stage.name}")
    return error
