"""The ``cdmkit`` command line.

The top of the layers: this package imports the command modules, never the reverse.
Core commands (``init``, ``run``, ``demo``, ``plugins``) live in :mod:`cdmkit.cli.core`;
each stage package adds its own commands through ``cdmkit.<pkg>.cli.register(app)``
(``collect``, ``dedupe``, ``link``, ``rfm``, ``erase``, ...). Errors meant for
users (:class:`cdmkit.errors.CdmkitError`) print one line and exit non-zero;
``--debug`` shows the traceback.

Examples
--------
>>> from typer.testing import CliRunner
>>> CliRunner().invoke(app, ["--help"]).exit_code
0
"""

from __future__ import annotations

import importlib

import typer

from ..clitools import _STATE, fail, handle_errors

__all__ = ["app", "main", "fail", "handle_errors"]

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="cdmkit: customer data management — collect, link, segment, analyse, "
                       "validate.")


def _print_version(value: bool):
    if value:
        from .. import __version__

        typer.echo(f"cdmkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
          version: bool = typer.Option(False, "--version", callback=_print_version,
                                       is_eager=True, help="Print the version and exit.")):
    _STATE["debug"] = debug


# Stage packages that contribute commands (module must define register(app)).
_COMMAND_MODULES = ["cdmkit.cli.core", "cdmkit.generate.cli", "cdmkit.collect.cli",
                    "cdmkit.link.cli", "cdmkit.segment.cli", "cdmkit.analyze.cli", "cdmkit.validate.cli",
                    "cdmkit.activate.cli", "cdmkit.operations.cli",
                    "cdmkit.database.cli"]

for _mod in _COMMAND_MODULES:
    try:
        _m = importlib.import_module(_mod)
    except ModuleNotFoundError as _exc:
        if _exc.name != _mod:  # a real missing dependency inside the module
            raise
        continue
    if not hasattr(_m, "register"):
        raise ImportError(f"{_mod} must import handle_errors from cdmkit.clitools, not cdmkit.cli "
                          "(circular import), and define register(app)")
    _m.register(app)


def main():  # pragma: no cover - console entry point
    """Console entry point."""
    app()

