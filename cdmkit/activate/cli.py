"""``cdmkit export``: write a client's configured audience exports from its latest run.

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
from typing import List, Optional

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``export`` command to the ``cdmkit`` app."""
    from ..clitools import handle_errors

    @app.command("export")
    @handle_errors
    def export(
        client: str = typer.Option(..., "--client", help="Client YAML or client name "
                                   "(clients/<name>.yaml)."),
        name: Optional[List[str]] = typer.Option(None, "--name", help="Only this export "
                                                 "(repeatable)."),
        run_dir: Path = typer.Option(None, "--run", help="Run folder (default: latest run)."),
        out: Path = typer.Option(None, "--out", help="Folder of the files (default: "
                                 "<run>/validation/exports)."),
    ):
        """Write the audience exports of activation.exports (consent-filtered)."""

        from ..errors import CdmkitError
        from ..clitools import resolve_client
        from ..runfolder import ClientRuns, RunFolder
        from .pipeline import AUDIENCE_TABLES, export_all

        config = resolve_client(client)
        run = RunFolder(run_dir) if run_dir else ClientRuns.of(config).latest()
        if run is None or not run.has_table("golden"):
            raise CdmkitError(f"no golden table for client {config.client!r}: run "
                              "`cdmkit run` (collection and linkage) first")
        tables = run.read_tables(AUDIENCE_TABLES)
        res = export_all(config, tables, out or run.path / "validation" / "exports", names=name)
        if res.empty:
            typer.echo("no exports configured (activation.exports)")
        for r in res.itertuples():
            typer.echo(f"{r.name}: {r.rows} rows -> {r.path} ({r.excluded_consent} excluded "
                       f"without {r.consent_column})")
