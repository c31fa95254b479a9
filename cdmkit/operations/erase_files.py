"""Files of an erasure: its journal and audit names, atomic writes, the client's files.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "j.json"
>>> _write_json_atomic(p, {"a": 1})
>>> p.read_text()
'{"a": 1}'
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

__all__ = ["AUDIT_FILE", "JOURNAL_FILE", "TMP_SUFFIX"]

#: Audit log file name (in ``<output_dir>/<client>/``).
AUDIT_FILE = "erasure_audit.jsonl"

#: Journal of an erasure in progress (in ``<output_dir>/<client>/``).
JOURNAL_FILE = ".erase-journal.json"

#: Suffix of the temporary files an erasure writes (swept away by the next erase or run).
TMP_SUFFIX = ".erase-tmp"


# Report files checked for raw values (tables are handled row by row).
_TEXT_SUFFIXES = {".html", ".htm", ".ipynb", ".json", ".md", ".txt", ".log", ".xml", ".svg"}


# -- small file helpers ---------------------------------------------------------------------
def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _replace(tmp: Path, target: Path) -> None:
    """Durably move ``tmp`` over ``target`` (fsync the data, rename, fsync the folder)."""
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    _fsync_dir(target.parent)


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + TMP_SUFFIX)
    tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
    _replace(tmp, path)


def _sweep_tmp(config) -> None:
    """Remove temporary files left by a killed erase."""
    cdir = config.client_dir
    if not cdir.is_dir():
        return
    for p in cdir.rglob(f"*{TMP_SUFFIX}*"):
        if p.is_file():
            p.unlink()
    store = config.store_path
    for p in store.parent.glob(f"{store.name}*{TMP_SUFFIX}*"):
        p.unlink()


def _all_files(config):
    """Every file of the client folder except the store, the audit, journal and lock."""
    cdir = config.client_dir
    if not cdir.is_dir():
        return
    store = config.store_path.resolve()
    skip = {AUDIT_FILE, JOURNAL_FILE, ".lock"}
    for p in sorted(cdir.rglob("*")):
        if p.is_symlink() or not p.is_file() or p.name in skip or TMP_SUFFIX in p.name:
            continue
        if p.resolve() == store or p.name.startswith(store.name):
            continue
        yield p


def _read_table(p: Path):
    """(frame, csv BOM flag) of a Parquet or CSV file; ``None`` when it is not a table."""
    if p.suffix == ".parquet":
        return pd.read_parquet(p), False
    bom = p.read_bytes()[:3] == b"\xef\xbb\xbf"
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False,
                         encoding="utf-8-sig" if bom else "utf-8")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        return None, bom
    return df, bom


def _write_table(p: Path, df: pd.DataFrame, bom: bool) -> None:
    tmp = p.with_name(p.name + TMP_SUFFIX)
    if p.suffix == ".parquet":
        df.to_parquet(tmp, index=False)
    else:
        df.to_csv(tmp, index=False, encoding="utf-8-sig" if bom else "utf-8",
                  lineterminator="\n")
    _replace(tmp, p)
