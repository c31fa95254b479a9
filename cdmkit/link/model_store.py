"""Saved linkage models in the customer store: table ``linkage_models``, one row per
version, history kept."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd


from .model_core import LinkageModel

__all__ = ["save_model", "load_model", "model_history"]


_SCHEMA = """CREATE TABLE IF NOT EXISTS linkage_models (version INTEGER PRIMARY KEY,
    status VARCHAR, run_id VARCHAR, trained_at VARCHAR, saved_at TIMESTAMP, reason VARCHAR,
    mode VARCHAR, threshold DOUBLE, fingerprint VARCHAR, cdmkit_version VARCHAR,
    model_json VARCHAR)"""


def _connect(store_path, create: bool):
    import duckdb

    path = Path(store_path)
    if not create and not path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute(_SCHEMA).fetchall()
    return con


def save_model(store_path, model: LinkageModel, reason: str = "") -> int:
    """Save ``model`` as the store's new active version; the previous one is kept as history.

    Returns the version number (also set on ``model.version``).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from cdmkit.link import score_and_cluster
    >>> store = pathlib.Path(tempfile.mkdtemp()) / "store.duckdb"
    >>> s = score_and_cluster(pd.DataFrame({"record_id": ["1", "2"], "email": ["a@x", "a@x"]}))
    >>> save_model(store, LinkageModel.from_scored(s, run_id="r1"), "first run")
    1
    >>> save_model(store, LinkageModel.from_scored(s, run_id="r2"), "retrain")
    2
    >>> model_history(store)[["version", "status", "run_id"]].values.tolist()
    [[1, 'superseded', 'r1'], [2, 'active', 'r2']]
    >>> load_model(store).run_id, load_model(store, version=1).run_id
    ('r2', 'r1')
    """
    con = _connect(store_path, create=True)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            version = con.execute("SELECT coalesce(max(version), 0) + 1 FROM "
                                  "linkage_models").fetchall()[0][0]
            model.version = int(version)
            con.execute("UPDATE linkage_models SET status = 'superseded' WHERE status = "
                        "'active'").fetchall()
            con.execute("INSERT INTO linkage_models VALUES (?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, "
                        "?)", [model.version, model.run_id, model.trained_at,
                               datetime.now(timezone.utc).replace(tzinfo=None), reason,
                               model.mode, model.threshold, model.fingerprint,
                               model.cdmkit_version, model.to_json()]).fetchall()
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            model.version = None
            raise
    finally:
        con.close()
    return model.version


def load_model(store_path, version: int | None = None) -> LinkageModel | None:
    """The active model of the store (or version ``version``); ``None`` when there is none.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> load_model(pathlib.Path(tempfile.mkdtemp()) / "none.duckdb") is None
    True
    """
    if store_path is None:
        return None
    con = _connect(store_path, create=False)
    if con is None:
        return None
    try:
        if version is None:
            rows = con.execute("SELECT version, model_json FROM linkage_models WHERE status = "
                               "'active' ORDER BY version DESC LIMIT 1").fetchall()
        else:
            rows = con.execute("SELECT version, model_json FROM linkage_models WHERE version = ?",
                               [int(version)]).fetchall()
    finally:
        con.close()
    if not rows:
        return None
    model = LinkageModel.from_json(rows[0][1])
    model.version = int(rows[0][0])
    return model


def model_history(store_path) -> pd.DataFrame:
    """Every saved model version: ``version, status, run_id, trained_at, reason, ...``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> model_history(pathlib.Path(tempfile.mkdtemp()) / "none.duckdb").shape[0]
    0
    """
    cols = ["version", "status", "run_id", "trained_at", "saved_at", "reason", "mode",
            "threshold", "fingerprint", "cdmkit_version"]
    con = _connect(store_path, create=False) if store_path is not None else None
    if con is None:
        return pd.DataFrame(columns=cols)
    try:
        return con.execute(f"SELECT {', '.join(cols)} FROM linkage_models ORDER BY "
                           "version").df()
    finally:
        con.close()


def _copy_store(store_path, dest: Path) -> Path:
    target = dest / "store.duckdb"
    src = Path(store_path) if store_path is not None else None
    if src is not None and src.exists():
        shutil.copy2(src, target)
        wal = src.with_name(src.name + ".wal")
        if wal.exists():
            shutil.copy2(wal, target.with_name(target.name + ".wal"))
    return target
