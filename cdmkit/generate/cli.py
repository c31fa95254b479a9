"""``cdmkit generate``: write the demo company's files, ground truth and client config.

Examples
--------
>>> from typer.testing import CliRunner
>>> from cdmkit.cli import app
>>> CliRunner().invoke(app, ["generate", "--help"]).exit_code
0
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``generate`` command to ``app``.

    Examples
    --------
    >>> import typer
    >>> a = typer.Typer()
    >>> register(a)
    >>> [c.name for c in a.registered_commands]
    ['generate']
    """
    from ..clitools import handle_errors

    @app.command("generate")
    @handle_errors
    def generate(
        out_dir: Path = typer.Argument(..., help="Folder for the generated files."),
        customers: int = typer.Option(2000, "--customers", "-n",
                                      help="Real persons (100 .. 1,000,000)."),
        seed: int = typer.Option(42, "--seed", help="Random seed (same seed, same bytes)."),
        locales: str = typer.Option("en=0.6,fa=0.25,ja=0.15", "--locales",
                                    help="Locale mix, e.g. en=0.6,fa=0.25,ja=0.15."),
        client: str = typer.Option("demo", "--client", help="Client name in the config."),
        start: str = typer.Option("2023-01-01", "--start", help="First day of the window."),
        end: str = typer.Option("2025-12-31", "--end", help="Last day of the window."),
        config: Optional[Path] = typer.Option(None, "--config",
                                              help="Where to write the client YAML "
                                                   "(default OUT_DIR/client.yaml)."),
        output_dir: Optional[str] = typer.Option(None, "--output-dir",
                                                 help="Report folder written into the config "
                                                      "(default: reports next to it)."),
        progress: bool = typer.Option(True, "--progress/--no-progress",
                                      help="Show a progress bar."),
    ):
        """Generate a fictional multi-source company (customers, activity, ground truth)."""
        import sys

        from ..errors import CdmkitError
        from . import generate_demo, parse_locales

        try:
            mix = parse_locales(locales)
            demo = generate_demo(out_dir, n_customers=customers, seed=seed, locales=mix,
                                 start=start, end=end, client=client, config_path=config,
                                 progress=progress and sys.stderr.isatty(),
                                 output_dir=output_dir)
        except ValueError as exc:
            raise CdmkitError(str(exc)) from None
        typer.echo(demo.summary())
        typer.echo(f"config: {demo.config_path}")
