"""``cdmkit validate``: check a finished run and print the verdict (exit code 1 on FAIL).

Examples
--------
>>> import typer
>>> app = typer.Typer()
>>> register(app)
>>> from typer.testing import CliRunner
>>> "--client" in CliRunner().invoke(app, ["--help"]).output
True
"""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``validate`` command to the ``cdmkit`` app."""
    from ..clitools import handle_errors

    @app.command("validate")
    @handle_errors
    def validate(
        client: str = typer.Option(..., "--client", help="Client YAML or client name "
                                   "(clients/<name>.yaml)."),
        run_dir: Path = typer.Option(None, "--run", help="Run folder (default: latest run)."),
    ):
        """Run the quality rules, schemas, linkage checks, drift and report scan on a run."""
        from ..errors import CdmkitError
        from ..clitools import resolve_client
        from ..runfolder import ClientRuns, RunFolder
        from ..stagerun import StageRun
        from .report import validate_run

        config = resolve_client(client)
        run = RunFolder(run_dir) if run_dir else ClientRuns.of(config).latest()
        if run is None or not run.exists():
            raise CdmkitError(f"no run of client {config.client!r}: run `cdmkit run` first")
        # Nothing is recorded: the run's own figures stay as its notebook left them.
        rep = validate_run(StageRun("validation", config, run.path))
        typer.echo(rep.summary_markdown().replace("## ", ""))
        for w in rep.warnings:
            typer.echo(f"warning: {w}")
        if rep.status == "fail":
            raise SystemExit(1)
