"""Core commands: ``init``, ``run``, ``demo``, ``plugins``.

Examples
--------
>>> from typer.testing import CliRunner
>>> from cdmkit.cli import app
>>> "init" in CliRunner().invoke(app, ["--help"]).output
True
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Optional

import typer

from ..clitools import fail, handle_errors

__all__ = ["register", "render_template", "print_run_result"]


def render_template(client: str) -> str:
    """The commented client template with the client name filled in.

    Examples
    --------
    >>> "client: acme" in render_template("acme")
    True
    """
    from ..resources import template_dir

    text = (template_dir() / "client.yaml").read_text(encoding="utf-8")
    return text.replace("{{client}}", client)


def _progress_printer():
    from rich.console import Console

    console = Console(stderr=True, highlight=False)

    def on_event(event, stage, info):
        if event == "start":
            console.print(f"[bold]▶ {stage.slug}[/bold] {stage.description}")
        elif event == "done":
            console.print(f"  [green]✓ {stage.slug}[/green] in {info['seconds']:.1f}s")
        elif event == "failed":
            from ..privacy.secrets import redact_secrets

            console.print(f"  [red]✗ {stage.slug}[/red]: {redact_secrets(str(info['error']))}")
        elif event == "database":
            r = info["report"]
            console.print(f"  [green]✓ customer database[/green] ({r.backend}): {r.n_new} new, "
                          f"{r.n_changed} changed, {r.n_removed} removed customers in "
                          f"{r.seconds:.1f}s")
        elif event == "skipped":
            console.print(f"[bold]– {stage.slug}[/bold] skipped: {info['reason']}")

    return console, on_event


def print_run_result(result) -> None:
    """Print where the reports are, and the validation verdict if the stage ran.

    Examples
    --------
    >>> callable(print_run_result)
    True
    """
    summary = result.summary
    validation = summary.get("stages", {}).get("validation", {})
    if "status" in validation:
        verdict = str(validation["status"]).upper()
        score = validation.get("overall_score")
        extra = f" (overall quality score {score:.2f})" if isinstance(score, (int, float)) else ""
        typer.echo(f"validation: {verdict}{extra}")
        for failure in validation.get("failures", [])[:10]:
            typer.echo(f"  - {failure}")
    typer.echo(f"run folder: {result.run_dir}")
    for html in result.reports:
        typer.echo(f"  report: {html}")
    from ..runfolder import RunFolder

    typer.echo(f"  summary: {RunFolder(result.run_dir).summary_path}")
    if result.error is not None:
        kept = result.error.output_path
        if kept:
            typer.echo(f"  partially executed notebook kept at: {kept}")


def _run(config, stages, run_id, html, kernel, timeout, new_store=False):
    from ..config import load_config

    # Validate the config before importing papermill/nbconvert and starting kernels, so a bad
    # YAML fails in well under a second instead of after the first kernel start.
    load_config(config)
    from .._extras import require

    require("lab", "to run notebook reports")
    from ..report.runner import run_client

    names = [s.strip() for s in stages.split(",") if s.strip()] if stages else None
    _, on_event = _progress_printer()
    result = run_client(config, names, run_id=run_id, html=html, kernel=kernel,
                        on_event=on_event, timeout=timeout, new_store=new_store)
    print_run_result(result)
    if result.error is not None:
        fail(str(result.error))
    verdict = result.summary.get("stages", {}).get("validation", {}).get("status")
    if verdict == "fail":
        # validation.fail_below / thresholds were not met: the run must not look green
        fail("validation failed: the data did not meet the client's quality thresholds "
             "(see 40-validation.html)", code=2)
    return result


# One nested function per core command, registered on the app: the commands are the body.
def register(app: typer.Typer) -> None:
    """Add the core commands to ``app``."""

    @app.command()
    @handle_errors
    def init(
        client: str = typer.Argument(..., help="Client name (letters, digits, . _ -)."),
        directory: Path = typer.Option(Path("clients"), "--dir", help="Where to write the YAML."),
        force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    ):
        """Write clients/<client>.yaml from the commented template."""
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", client):
            fail(f"invalid client name {client!r}: use letters, digits, '.', '_' or '-'")
        target = directory / f"{client}.yaml"
        if target.exists() and not force:
            fail(f"{target} already exists (use --force to overwrite)")
        directory.mkdir(parents=True, exist_ok=True)
        target.write_text(render_template(client), encoding="utf-8")
        typer.echo(f"wrote {target}: point its sources at your files, then run "
                   f"`cdmkit run {target}`")

    @app.command()
    @handle_errors
    def run(
        config: Path = typer.Argument(..., help="Client YAML, or a run's config.resolved.json."),
        stages: Optional[str] = typer.Option(None, "--stages",
                                             help="Comma-separated subset, e.g. "
                                                  "collection,segmentation."),
        run_id: Optional[str] = typer.Option(None, "--run-id", help="Run folder name."),
        html: bool = typer.Option(True, "--html/--no-html", help="Write HTML reports."),
        kernel: str = typer.Option("cdmkit", "--kernel", help="Jupyter kernel name."),
        timeout: Optional[int] = typer.Option(None, "--timeout", help="Per-cell timeout (s)."),
        new_store: bool = typer.Option(False, "--new-store", help="Start a new customer "
                                       "store when it is missing or damaged (IDs are issued "
                                       "afresh; earlier erasures are no longer suppressed)."),
    ):
        """Run the report stages of a client: reports/<client>/<run-id>/."""
        _run(config, stages, run_id, html, kernel, timeout, new_store)

    @app.command()
    @handle_errors
    def demo(
        customers: int = typer.Option(None, "--customers", help="Persons in the fictional "
                                      "company (default 2000)."),
        seed: int = typer.Option(42, "--seed", help="Generator seed."),
        stages: Optional[str] = typer.Option(None, "--stages", help="Comma-separated subset."),
        regenerate: bool = typer.Option(False, "--regenerate", help="Regenerate the data."),
        html: bool = typer.Option(True, "--html/--no-html", help="Write HTML reports."),
        new_store: bool = typer.Option(False, "--new-store", help="Start a new customer "
                                       "store when it is missing or damaged."),
    ):
        """Generate the demo company (once) and run the full report on it."""
        from .._extras import require
        from ..operations.demo import DEFAULT_DEMO_CUSTOMERS, ensure_demo_config

        require("lab", "to run notebook reports")  # before minutes of data generation
        t0 = time.time()
        config = ensure_demo_config(n_customers=customers or DEFAULT_DEMO_CUSTOMERS, seed=seed,
                                    force=regenerate, progress=True)
        typer.echo(f"demo client: {config} (data generated in {time.time() - t0:.1f}s)")
        _run(config, stages, None, html, "cdmkit", None, new_store)
        typer.echo(f"demo finished in {time.time() - t0:.0f}s; latest run: "
                   f"{_latest_link(config)}")

    @app.command()
    @handle_errors
    def notebooks(
        directory: Path = typer.Argument(..., help="Folder to copy them into."),
        force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
    ):
        """Copy the stage notebooks and the templates out of the package into DIRECTORY."""
        written = copy_resources(directory, force=force)
        typer.echo(f"copied {len(written)} files to {directory}/notebooks and "
                   f"{directory}/templates (open them with `jupyter lab {directory}/notebooks`)")

    @app.command()
    @handle_errors
    def plugins(
        kind: Optional[str] = typer.Argument(None, help="Only this kind (loaders, cleaners, "
                                             "comparators, segmenters, validators, exporters, "
                                             "stages)."),
    ):
        """List the installed plugins of every kind (built-ins included)."""
        _print_plugins(kind)


def _print_plugins(kind: str | None) -> None:
    from ..registry import REGISTRIES, get_registry

    kinds = [get_registry(kind)] if kind else list(REGISTRIES.values())
    for reg in kinds:
        typer.echo(f"{reg.kind} ({reg.group}):")
        items = reg.items()
        if not items:
            typer.echo("  (none)")
        for name, obj, origin in items:
            doc = (getattr(obj, "description", None) or (obj.__doc__ or "")).strip()
            first = doc.splitlines()[0] if doc else ""
            typer.echo(f"  {name:<24} {origin:<22} {first}")


def copy_resources(directory: Path, force: bool = False) -> list[Path]:
    """Copy the packaged ``notebooks/`` and ``templates/`` into ``directory``.

    For a pip user, who has no source checkout: the wheel ships them under
    ``cdmkit/_resources/``. Existing files are kept unless ``force``; caches are skipped.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> files = copy_resources(d)
    >>> (d / "notebooks" / "10-collection.ipynb").is_file(), (d / "templates" / "client.yaml").is_file()
    (True, True)
    """
    import shutil

    from ..resources import notebook_dir, template_dir

    pairs = []
    for name, src in (("notebooks", notebook_dir()), ("templates", template_dir())):
        for f in sorted(src.rglob("*")):
            rel = f.relative_to(src)
            if f.is_file() and "__pycache__" not in rel.parts and ".ipynb_checkpoints" not in rel.parts:
                pairs.append((f, directory / name / rel))
    clash = [str(dst) for _, dst in pairs if dst.exists()]
    if clash and not force:
        fail(f"{clash[0]} already exists ({len(clash)} files would be overwritten; use --force)")
    for f, dst in pairs:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, dst)
    return [dst for _, dst in pairs]


def _latest_link(config_path: Path) -> Path:
    from ..config import load_config
    from ..runfolder import ClientRuns

    return ClientRuns.of(load_config(config_path)).latest_link
