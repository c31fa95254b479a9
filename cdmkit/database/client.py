"""The customer database of a client: where its config says it lives.

Examples
--------
>>> from cdmkit.config import ClientConfig
>>> db = open_client_database(ClientConfig(client="doc", output_dir=__import__("tempfile")
...                                        .mkdtemp()))
>>> db.dialect
'duckdb'
>>> db.close()
"""

from __future__ import annotations

from pathlib import Path

from .backend import Backend, open_backend
from .update import DatabaseReport, update_database

__all__ = ["open_client_database", "update_client_database"]


def open_client_database(config, *, read_only: bool = False) -> Backend:
    """Open the client's customer database (PostgreSQL when ``database.url_env`` is set).

    The URL is read from the environment variable the config names; it never appears
    in a file or a message (errors show it with the password redacted).
    """
    from ..config import secret_from_env

    env = config.database.url_env
    if env:
        return open_backend(url=secret_from_env(env, "customer database URL"),
                            read_only=read_only)
    config.store_path.parent.mkdir(parents=True, exist_ok=True)
    return open_backend(path=config.store_path, read_only=read_only)


def update_client_database(config, run_dir, *, progress=None) -> DatabaseReport:
    """Load a finished run of ``config``'s client into its customer database."""
    db = open_client_database(config)
    try:
        return update_database(db, Path(run_dir), progress=progress)
    finally:
        db.close()
