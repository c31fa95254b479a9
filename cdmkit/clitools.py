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

from .errors import CdmkitError, InputError

__all__ = ["fail", "handle_errors", "resolve_client", "read_table_file", "write_table_file"]

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


def read_table_file(path: Path, sep: str = ",", sheet: str | None = None):
    """Read a CSV/TSV, Parquet, Excel or JSON-lines file into a DataFrame.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("a,b\\n1,2\\n")
    >>> read_table_file(p).shape
    (1, 2)
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    suf = path.suffix.lower()
    try:
        if suf in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suf in (".xlsx", ".xls", ".xlsm"):
            return pd.read_excel(path, sheet_name=sheet or 0)
        if suf in (".jsonl", ".ndjson"):
            return pd.read_json(path, lines=True)
        return pd.read_csv(path, sep="\t" if suf == ".tsv" else sep, low_memory=False)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read: {exc}") from None


def write_table_file(df, path: Path) -> Path:
    """Write ``df`` as Parquet (``.parquet``/``.pq``) or else CSV, without the index.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.parquet"
    >>> read_table_file(write_table_file(pd.DataFrame({"a": [1]}), p)).shape
    (1, 1)
    """
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)
    return path
