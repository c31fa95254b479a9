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
    from ..cli import handle_errors

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
        import pandas as pd

        from ..errors import CdmkitError
        from ..privacy.cli import resolve_client
        from ..privacy.erase import latest_run_dir
        from .pipeline import AUDIENCE_TABLES, export_all

        config = resolve_client(client)
        run = Path(run_dir) if run_dir else latest_run_dir(config)
        if run is None or not (run / "data" / "golden.parquet").exists():
            raise CdmkitError(f"no golden table for client {config.client!r}: run "
                              "`cdmkit run` (collection and linkage) first")
        tables = {t: pd.read_parquet(run / "data" / f"{t}.parquet") for t in AUDIENCE_TABLES
                  if (run / "data" / f"{t}.parquet").exists()}
        res = export_all(config, tables, out or run / "validation" / "exports", names=name)
        if res.empty:
            typer.echo("no exports configured (activation.exports)")
        for r in res.itertuples():
            typer.echo(f"{r.name}: {r.rows} rows -> {r.path} ({r.excluded_consent} excluded "
                       f"without {r.consent_column})")
