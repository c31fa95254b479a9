"""Erasure of one customer (right to be forgotten).

:func:`erase_customer` removes a customer's records from the customer store
(DuckDB) and from the derived outputs of the latest run (Parquet tables in
``data/`` and the audience exports), retires the global ID in the linkage ID
registry so it is never issued again, and appends an audit entry to
``<output_dir>/<client>/erasure_audit.jsonl``. The audit entry holds the
customer ID, the counts removed per table and file, and the time — never a
name, e-mail, phone or any other personal value.

HTML reports and executed notebooks only ever show masked values; rerun the
stages to refresh figures computed with the erased customer.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from cdmkit.config import ClientConfig
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> cfg = ClientConfig(client="a", output_dir=str(d))
>>> run = cfg.client_dir / "r1"; (run / "data").mkdir(parents=True)
>>> pd.DataFrame({"customer_id": ["C1", "C2"]}).to_parquet(run / "data" / "golden.parquet")
>>> rep = erase_customer(cfg, "C1", run_dir=run)
>>> rep.outputs["data/golden.parquet"], len(pd.read_parquet(run / "data" / "golden.parquet"))
(1, 1)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ..errors import CdmkitError

__all__ = ["erase_customer", "ErasureReport", "latest_run_dir", "AUDIT_FILE"]

#: Audit log file name (in ``<output_dir>/<client>/``).
AUDIT_FILE = "erasure_audit.jsonl"

# Store tables that record IDs for the ID registry's own bookkeeping (never deleted from).
# (the ID registry's own tables ``id_*`` are handled by its ``retire``).
_PROTECTED = re.compile(r"^id_|retired|audit|alias|sequence|counter|meta", re.IGNORECASE)


@dataclass
class ErasureReport:
    """What :func:`erase_customer` removed (counts only, no personal data).

    Examples
    --------
    >>> ErasureReport("C1").total_removed
    0
    """

    customer_id: str
    run_dir: str | None = None
    store: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    retired: bool = False
    retired_by: str | None = None
    audit_path: str | None = None

    @property
    def total_removed(self) -> int:
        """Rows removed in the store and the outputs together."""
        return int(sum(self.store.values()) + sum(self.outputs.values()))

    def to_dict(self) -> dict:
        """Plain dict (the audit entry's body).

        Examples
        --------
        >>> ErasureReport("C1").to_dict()["customer_id"]
        'C1'
        """
        return {"customer_id": self.customer_id, "run_dir": self.run_dir, "store": self.store,
                "outputs": self.outputs, "retired": self.retired,
                "retired_by": self.retired_by, "rows_removed": self.total_removed}


def latest_run_dir(config) -> Path | None:
    """The latest run folder of the client (``latest`` link, else newest with a summary).

    Examples
    --------
    >>> from cdmkit.config import ClientConfig
    >>> latest_run_dir(ClientConfig(client="nobody", output_dir="/nonexistent")) is None
    True
    """
    cdir = config.client_dir
    latest = cdir / "latest"
    if latest.exists():
        return latest.resolve()
    if not cdir.is_dir():
        return None
    runs = [p for p in cdir.iterdir() if p.is_dir() and (p / "summary.json").exists()]
    if not runs:
        return None
    return max(runs, key=lambda p: ((p / "summary.json").stat().st_mtime, p.name))


def _hash_identifiers(values) -> set[str]:
    """Raw values plus SHA-256 of their normalised forms (hashed exports)."""
    out = set()
    for v in values:
        s = str(v).strip()
        if not s:
            continue
        out.add(s)
        forms = {s.lower()}
        if "@" in s:
            from ..activate.exporters import normalise_email_google

            forms.add(normalise_email_google(s))
        digits = re.sub(r"\D", "", s)
        if len(digits) >= 7:
            forms.update({digits, "+" + digits})
        for f in forms:
            out.add(f)
            out.add(hashlib.sha256(f.encode("utf-8")).hexdigest())
    return out


def _customer_records(data_dir: Path, customer_id: str):
    """(source, record_id) keys and identifier values of the customer in a run."""
    keys, idents = set(), set()
    cm = data_dir / "customer_map.parquet"
    if cm.exists():
        m = pd.read_parquet(cm, columns=["source", "record_id", "customer_id"])
        m = m[m["customer_id"].astype(str) == customer_id]
        keys = set(zip(m["source"].astype(str), m["record_id"].astype(str)))
    for name in ("golden", "customers"):
        p = data_dir / f"{name}.parquet"
        if not p.exists():
            continue
        df = pd.read_parquet(p)
        if "customer_id" in df:
            sel = df["customer_id"].astype(str) == customer_id
        elif {"source", "record_id"} <= set(df.columns) and keys:
            sel = pd.Series(list(zip(df["source"].astype(str), df["record_id"].astype(str))),
                            index=df.index).isin(keys)
        else:
            continue
        for c in df.columns:
            if re.fullmatch(r"(email|phone)(_raw)?", c):
                idents.update(df.loc[sel, c].dropna().astype(str))
    return keys, idents


def _rows_of(df: pd.DataFrame, customer_id: str, keys: set, idents: set) -> pd.Series:
    """Boolean mask of the rows of ``df`` belonging to the customer."""
    hit = pd.Series(False, index=df.index)
    for c in ("customer_id", "other_id"):
        if c in df:
            hit |= df[c].astype(str) == customer_id
    pairs = [("source", "record_id"), ("customer_source", "customer_ref"),
             ("source_l", "record_id_l"), ("source_r", "record_id_r")]
    if keys:
        for s, r in pairs:
            if s in df and r in df:
                hit |= pd.Series(list(zip(df[s].astype(str), df[r].astype(str))),
                                 index=df.index).isin(keys)
    return hit


def _rewrite_parquet(p: Path, customer_id, keys, idents) -> int:
    df = pd.read_parquet(p)
    hit = _rows_of(df, customer_id, keys, idents)
    n = int(hit.sum())
    if n:
        tmp = p.with_suffix(".tmp")
        df[~hit].to_parquet(tmp, index=False)
        os.replace(tmp, p)
    return n


def _rewrite_export(p: Path, customer_id, keys, idents) -> int:
    hashed = _hash_identifiers(idents)
    if p.suffix == ".parquet":
        df = pd.read_parquet(p)
    else:
        bom = p.read_bytes()[:3] == b"\xef\xbb\xbf"
        df = pd.read_csv(p, dtype=str, keep_default_na=False,
                         encoding="utf-8-sig" if bom else "utf-8")
    hit = _rows_of(df, customer_id, keys, idents)
    if hashed:
        for c in df.columns:
            hit |= df[c].astype(str).str.lstrip("'").isin(hashed)
    n = int(hit.sum())
    if n:
        tmp = p.with_name(p.name + ".tmp")
        if p.suffix == ".parquet":
            df[~hit].to_parquet(tmp, index=False)
        else:
            df[~hit].to_csv(tmp, index=False, encoding="utf-8-sig" if bom else "utf-8")
        os.replace(tmp, p)
    return n


def _retire(config, customer_id: str, run_id: str | None) -> tuple[bool, str]:
    """Retire the ID in the linkage ID registry (its mappings go, the ID is never reissued)."""
    try:
        # Imported lazily: the linkage package is only needed when erasing.
        from ..link.registry_ids import retire_customer
    except ImportError:  # pragma: no cover - linkage not installed
        retire_customer = None
    if retire_customer is not None:
        retire_customer(config.store_path, customer_id, run_id=f"erasure:{run_id or '-'}")
        return True, "cdmkit.link.registry_ids"
    import duckdb  # pragma: no cover - fallback without the linkage package

    config.store_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(config.store_path))
    try:
        con.execute("create table if not exists retired_ids (customer_id varchar primary key, "
                    "retired_at timestamp, reason varchar)")
        con.execute("insert into retired_ids values (?, ?, 'erasure') on conflict do nothing",
                    [customer_id, datetime.now(timezone.utc).replace(tzinfo=None)])
    finally:
        con.close()
    return True, "store table retired_ids"


def _erase_store(config, customer_id: str, keys: set) -> dict:
    import duckdb

    path = config.store_path
    if not path.exists():
        return {}
    removed = {}
    con = duckdb.connect(str(path))
    try:
        cols = con.execute("select table_schema, table_name, column_name from "
                           "information_schema.columns").fetchall()
        by_table: dict[tuple, set] = {}
        for schema, table, col in cols:
            by_table.setdefault((schema, table), set()).add(col)
        for (schema, table), cset in sorted(by_table.items()):
            if _PROTECTED.search(table):
                continue
            name = f'"{schema}"."{table}"'
            conds, params = [], []
            if "customer_id" in cset:
                conds.append("cast(customer_id as varchar) = ?")
                params.append(customer_id)
            for s, r in (("source", "record_id"), ("customer_source", "customer_ref")):
                if s in cset and r in cset and keys:
                    for src, rid in sorted(keys):
                        conds.append(f"(cast({s} as varchar) = ? and cast({r} as varchar) = ?)")
                        params += [src, rid]
            if not conds:
                continue
            where = " or ".join(conds)
            n = con.execute(f"select count(*) from {name} where {where}", params).fetchone()[0]
            if n:
                con.execute(f"delete from {name} where {where}", params)
                removed[table] = int(n)
    finally:
        con.close()
    return removed


def erase_customer(config, customer_id: str, *, run_dir=None, audit: bool = True) -> ErasureReport:
    """Erase one customer from the store and the latest run's derived outputs.

    Parameters
    ----------
    config : ClientConfig
        The client's config (store path, output folder).
    customer_id : str
        Global customer ID to erase.
    run_dir : path, optional
        Run folder to clean (default: the client's latest run).
    audit : bool
        Append an audit entry (without personal data) to ``erasure_audit.jsonl``.

    Returns
    -------
    ErasureReport

    Raises
    ------
    CdmkitError
        If neither a store nor a run folder exists for the client.

    Examples
    --------
    >>> from cdmkit.config import ClientConfig
    >>> erase_customer(ClientConfig(client="x", output_dir="/nonexistent"), "C1")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cdmkit.errors.CdmkitError: nothing to erase for client 'x': no customer store at ...
    """
    customer_id = str(customer_id)
    if config.store_path.exists():
        # An ID merged into another one is erased under the ID it resolves to now.
        try:
            from ..link.registry_ids import IdRegistry

            customer_id = IdRegistry(config.store_path).resolve(customer_id) or customer_id
        except ImportError:  # pragma: no cover - linkage not installed
            pass
    run = Path(run_dir).resolve() if run_dir is not None else latest_run_dir(config)
    store_exists = config.store_path.exists()
    if run is None and not store_exists:
        raise CdmkitError(f"nothing to erase for client {config.client!r}: no customer store at "
                          f"{config.store_path} and no run folder in {config.client_dir}")
    report = ErasureReport(customer_id, run_dir=str(run) if run else None)
    keys, idents = (set(), set())
    if run is not None:
        keys, idents = _customer_records(run / "data", customer_id)
    report.retired, report.retired_by = _retire(config, customer_id, run.name if run else None)
    report.store = _erase_store(config, customer_id, keys)
    if run is not None:
        for p in sorted((run / "data").glob("*.parquet")):
            n = _rewrite_parquet(p, customer_id, keys, idents)
            if n:
                report.outputs[p.relative_to(run).as_posix()] = n
        for p in sorted(run.glob("**/exports/*")):
            if p.suffix in (".csv", ".parquet"):
                n = _rewrite_export(p, customer_id, keys, idents)
                if n:
                    report.outputs[p.relative_to(run).as_posix()] = n
    if audit:
        entry = {"time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "event": "erasure", "client": config.client,
                 "run_id": run.name if run else None, **report.to_dict()}
        entry.pop("run_dir")
        config.client_dir.mkdir(parents=True, exist_ok=True)
        path = config.client_dir / AUDIT_FILE
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
        report.audit_path = str(path)
    return report
