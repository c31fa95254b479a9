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

import typer

from .errors import CdmkitError

__all__ = ["fail", "handle_errors"]

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
        except ModuleNotFoundError as exc:  # an optional extra's library: name the extra
            from ._extras import missing_extra_message

            message = missing_extra_message(exc)
            if message is None or _STATE["debug"]:
                raise
            fail(message)

    return wrapper
