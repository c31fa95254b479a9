"""Helpers for command modules: one-line errors instead of tracebacks.

Command modules import these from here (not from :mod:`cdmkit.cli`, which imports
the command modules) so that any of them can be imported first.

Examples
--------
>>> @handle_errors
... def f():
...     raise CdmkitError("bad")
>>> try:
...     f()
... except SystemExit as e:
...     e.code
1
"""

from __future__ import annotations

import functools
from pathlib import Path

import typer

from .errors import CdmkitError

__all__ = ["fail", "handle_errors", "resolve_client"]

_STATE = {"debug": False}


def fail(message: str, code: int = 1):
    """Print ``message`` as one line on stderr and exit with ``code``.

    Examples
    --------
    >>> try:
    ...     fail("x.csv: file is empty")
    ... except SystemExit as e:
    ...     e.code
    1
    """
    from .privacy.secrets import redact_secrets

    typer.echo(f"error: {redact_secrets(message)}", err=True)
    raise SystemExit(code)


def handle_errors(fn):
    """Decorator for commands: turn cdmkit and OS errors into one clear line.

    Examples
    --------
    >>> @handle_errors
    ... def f():
    ...     raise CdmkitError("bad")
    >>> try:
    ...     f()
    ... except SystemExit as e:
    ...     e.code
    1
    """
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (CdmkitError, FileNotFoundError, PermissionError, IsADirectoryError) as exc:
            if _STATE["debug"]:
                raise
            fail(str(exc))

    return wrapper


def resolve_client(name_or_config: str):
    """Load a client config from a YAML path or a client name (``clients/<name>.yaml``).

    Examples
    --------
    >>> resolve_client("no-such-client")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cdmkit.errors.CdmkitError: no client 'no-such-client': give a client YAML or ...
    """
    from .config import load_config

    p = Path(name_or_config)
    if p.is_file():
        return load_config(p)
    for cand in (Path("clients") / f"{name_or_config}.yaml",
                 Path("clients") / f"{name_or_config}.yml"):
        if cand.is_file():
            return load_config(cand)
    raise CdmkitError(f"no client {name_or_config!r}: give a client YAML or the name of "
                      "clients/<name>.yaml")
