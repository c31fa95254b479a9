"""``cdmkit erase``: remove one customer from the store and every run, for good (right to erasure).

Examples
--------
>>> import typer
>>> app = typer.Typer()
>>> register(app)
>>> from typer.testing import CliRunner
>>> "customer-id" in CliRunner().invoke(app, ["--help"]).output
True
"""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``erase`` command to the ``cdmkit`` app."""
    from ..clitools import handle_errors, resolve_client

    @app.command("erase")
    @handle_errors
    def erase(
        client: str = typer.Option(..., "--client", help="Client YAML or client name "
                                   "(clients/<name>.yaml)."),
        customer_id: str = typer.Option(..., "--customer-id", help="Global customer ID."),
        run_dir: Path = typer.Option(None, "--run", help="Ignored: every run folder of the "
                                     "client is cleaned."),
    ):
        """Erase one customer for good: store, every run's tables, exports and reports;
        retire the ID; suppress the person's records and identifiers in later runs; audit."""
        from .erase import erase_customer

        config = resolve_client(client)
        rep = erase_customer(config, customer_id, run_dir=run_dir)
        typer.echo(f"erased {customer_id}: {sum(rep.store.values())} store rows, "
                   f"{sum(rep.outputs.values())} output rows in {len(rep.outputs)} files; "
                   f"ID retired ({rep.retired_by}); {rep.suppressed} identifiers suppressed "
                   f"in later runs; audit: {rep.audit_path}")
        if rep.redacted or rep.deleted:
            typer.echo(f"  reports redacted: {len(rep.redacted)}; reports deleted (they showed "
                       f"the person's values; rerun the stages to regenerate them): "
                       f"{', '.join(rep.deleted) or 'none'}")
