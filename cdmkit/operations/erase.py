"""Erasure of one customer (right to be forgotten, GDPR Art. 17) that stays erased.

:func:`erase_customer` removes a customer from the customer store (DuckDB) and
from **every run folder** of the client (tables in ``data/``, exports, other
CSV/Parquet files), retires the global ID, and adds the customer's record keys
and identifiers to the store's **suppression list** (keyed hashes only, see
:mod:`cdmkit.privacy.suppression`), so the next ordinary run from unchanged
sources does not bring the person back. Reports (HTML, notebooks, JSON) that
show one of the person's raw values are redacted, or deleted when redaction
cannot remove every form of the value (the report lists them; rerun the stages
to regenerate them). Finally the store file is rewritten (copied to a new file
that replaces the old one atomically), because DuckDB leaves deleted values in
freed blocks. Damaged stores set aside by ``cdmkit run --new-store`` cannot be
cleaned and are deleted (the report names them).

Crash safety: an erase journal (``.erase-journal.json`` in the client folder,
holding the erasure id and customer ID only) is written first; the store
change, the suppression entries and the audit row (table ``erasure_log``) are
one transaction. A killed erase is completed by the next ``cdmkit erase`` or
``cdmkit run`` of the client (:func:`resume_erasure`): before the store
transaction it starts over, after it the remaining steps run again (each is
idempotent). ``<output_dir>/<client>/erasure_audit.jsonl`` mirrors the audit
rows; neither holds a name, e-mail, phone or any other personal value.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from cdmkit.config import ClientConfig
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> cfg = ClientConfig(client="a", output_dir=str(d))
>>> run = cfg.client_dir / "r1"; (run / "data").mkdir(parents=True)
>>> pd.DataFrame({"customer_id": ["C1", "C2"]}).to_parquet(run / "data" / "golden.parquet")
>>> rep = erase_customer(cfg, "C1")
>>> rep.outputs["r1/data/golden.parquet"], len(pd.read_parquet(run / "data" / "golden.parquet"))
(1, 1)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ..errors import CdmkitError
from ..privacy.suppression import (_email, _hmac, identifier_hashes, load_suppression,
                                   suppressed_mask)
from ..runfolder import ClientRuns
from ..runlock import client_lock, fault_point
from .erase_files import (_TEXT_SUFFIXES, AUDIT_FILE, JOURNAL_FILE, TMP_SUFFIX, _all_files,
                          _read_table, _replace, _sweep_tmp, _write_json_atomic, _write_table)

__all__ = ["erase_customer", "resume_erasure", "ErasureReport", "AUDIT_FILE", "JOURNAL_FILE"]

# Store tables kept whole: the ID registry's bookkeeping (handled by its retire), the
# suppression list and the audit itself.
_PROTECTED = re.compile(r"^id_|retired|audit|alias|sequence|counter|meta|suppression|"
                        r"erasure_log", re.IGNORECASE)

_LOG_SCHEMA = """CREATE TABLE IF NOT EXISTS erasure_log (erasure_id VARCHAR PRIMARY KEY,
    customer_id VARCHAR, erased_at TIMESTAMP, store_rows VARCHAR, suppressed INTEGER)"""


@dataclass
class ErasureReport:
    """What :func:`erase_customer` removed (counts and file names only, no personal data).

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
    erasure_id: str | None = None
    suppressed: int = 0
    redacted: list = field(default_factory=list)
    deleted: list = field(default_factory=list)
    resumed: bool = False

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
        return {"customer_id": self.customer_id, "erasure_id": self.erasure_id,
                "store": self.store, "outputs": self.outputs, "retired": self.retired,
                "retired_by": self.retired_by, "rows_removed": self.total_removed,
                "suppressed_identifiers": self.suppressed, "reports_redacted": self.redacted,
                "reports_deleted": self.deleted, "resumed": self.resumed}


# -- who is the person ----------------------------------------------------------------------
def _raw_forms(values) -> set[str]:
    """Raw values plus SHA-256 of their normalised forms (hashed exports such as Customer Match)."""
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


def _pairs_mask(df: pd.DataFrame, keys: set, pairs) -> pd.Series:
    hit = pd.Series(False, index=df.index)
    if not keys:
        return hit
    for s, r in pairs:
        if s in df and r in df:
            hit |= pd.Series(list(zip(df[s].astype(str), df[r].astype(str))),
                             index=df.index).isin(keys)
    return hit


def _person(config, ids: set, keys: set, hashes: set, secret) -> tuple[set, pd.DataFrame]:
    """Record keys and identifier rows of the person in every run folder."""
    keys = set(keys)
    runs = ClientRuns.of(config).runs()
    for run in runs:
        if run.has_table("customer_map"):
            m = run.read_table("customer_map", columns=["source", "record_id", "customer_id"])
            m = m[m["customer_id"].astype(str).isin(ids)]
            keys |= set(zip(m["source"].astype(str), m["record_id"].astype(str)))
    rows = []
    for run in runs:
        for name in ("customers", "golden"):
            if not run.has_table(name):
                continue
            df = run.read_table(name)
            hit = pd.Series(False, index=df.index)
            if "customer_id" in df:
                hit |= df["customer_id"].astype(str).isin(ids)
            hit |= _pairs_mask(df, keys, [("source", "record_id")])
            if hashes and secret is not None and name == "customers":
                hit |= suppressed_mask(df, "customers", hashes, secret)
            if hit.any():
                part = df[hit.values].copy()
                if name == "golden":  # golden rows carry identifiers, not record keys
                    part = part.drop(columns=[c for c in ("source", "record_id")
                                              if c in part])
                rows.append(part)
    person = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return keys, person


# -- files ----------------------------------------------------------------------------------
def _text_variants(value: str) -> set[str]:
    import html as _html

    v = str(value)
    return {v, _html.escape(v), _html.escape(v, quote=False), json.dumps(v)[1:-1],
            json.dumps(v, ensure_ascii=False)[1:-1]} - {""}


def _scrub_reports(config, raw: dict, report: ErasureReport) -> None:
    """Redact (or delete) reports that show one of the person's raw values."""
    from ..privacy.scan import scan_text

    if not any(raw.values()):
        return
    variants = set()
    for kind in ("emails", "phones", "names"):
        for v in raw[kind]:
            variants |= _text_variants(v)
    cdir = config.client_dir
    for p in _all_files(config):
        if p.suffix.lower() not in _TEXT_SUFFIXES:
            continue
        text = p.read_text(encoding="utf-8", errors="replace")
        if not scan_text(text, any_email=False, **raw):
            continue
        for v in sorted(variants, key=len, reverse=True):
            text = text.replace(v, "[erased]")
        rel = p.relative_to(cdir).as_posix()
        if scan_text(text, any_email=False, **raw) or p.suffix == ".ipynb" and not _json_ok(text):
            p.unlink()  # another spelling of the value is left: the report goes
            report.deleted.append(rel)
        else:
            tmp = p.with_name(p.name + TMP_SUFFIX)
            tmp.write_text(text, encoding="utf-8")
            _replace(tmp, p)
            report.redacted.append(rel)
        fault_point("erase:reports")


def _json_ok(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _scrub_tables(config, ids: set, keys: set, hashes: set, secret, raw_forms: set,
                  report: ErasureReport, exports_only: bool = False) -> None:
    """Drop the person's rows from every CSV/Parquet file of every run folder."""
    cdir = config.client_dir
    for p in _all_files(config):
        if p.suffix.lower() not in (".parquet", ".csv"):
            continue
        if exports_only and "exports" not in p.relative_to(cdir).parts:
            continue
        try:
            df, bom = _read_table(p)
        except Exception as exc:  # an unreadable table cannot be checked: say which
            raise CdmkitError(f"erasure: cannot read {p} ({type(exc).__name__}: {exc}); "
                              "fix or remove the file and run the erase again") from None
        if df is None or not len(df):
            continue
        hit = pd.Series(False, index=df.index)
        for c in ("customer_id", "other_id", "customer_id_l", "customer_id_r", "Customer ID",
                  "Customer_ID__c"):
            if c in df:
                hit |= df[c].astype(str).isin(ids)
        hit |= _pairs_mask(df, keys, [("source", "record_id"), ("customer_source", "customer_ref"),
                                      ("source_l", "record_id_l"), ("source_r", "record_id_r")])
        if hashes and secret is not None:
            hit |= suppressed_mask(df, "customers", hashes, secret)
            hit |= suppressed_mask(df, "transactions", hashes, secret)
            for side in ("l", "r"):
                cols = {f"source_{side}": "source", f"record_id_{side}": "record_id"}
                if set(cols) <= set(df.columns):
                    hit |= suppressed_mask(df[list(cols)].rename(columns=cols), "customers",
                                           hashes, secret)
            for c in df.columns:  # exports name their e-mail column their own way
                if "mail" in str(c).lower() and (df[c].dtype == object or isinstance(df[c].dtype, pd.StringDtype)):
                    tok = df[c].map(lambda v: _email(str(v).lstrip("'")) if isinstance(v, str)
                                    else None)
                    hit |= tok.map(lambda e: bool(e) and _hmac(secret, "email|" + e) in hashes)
        if raw_forms:
            for c in df.columns:
                if df[c].dtype == object or isinstance(df[c].dtype, pd.StringDtype):
                    hit |= df[c].map(lambda v: isinstance(v, str)
                                     and v.lstrip("'").strip() in raw_forms)
        n = int(hit.sum())
        if n:
            _write_table(p, df[~hit.values], bom)
            report.outputs[p.relative_to(cdir).as_posix()] = \
                report.outputs.get(p.relative_to(cdir).as_posix(), 0) + n
            fault_point("erase:tables")


# -- the store --------------------------------------------------------------------------------
def _erase_store_rows(con, ids: set, keys: set) -> dict:
    """Delete the person's rows from the store's own tables (not the registry's) in ``con``."""
    removed = {}
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
            for cid in sorted(ids):
                conds.append("cast(customer_id as varchar) = ?")
                params.append(cid)
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
            con.execute(f"delete from {name} where {where}", params).fetchall()
            removed[table] = int(n)
    return removed


def _rewrite_store(path: Path) -> None:
    """Copy the store into a new file and swap it in: freed blocks keep deleted values."""
    import duckdb

    tmp = path.with_name(path.name + ".rewrite" + TMP_SUFFIX)
    for p in (tmp, Path(str(tmp) + ".wal")):
        if p.exists():
            p.unlink()
    con = duckdb.connect(str(path))
    try:
        con.execute("CHECKPOINT").fetchall()
        src = con.execute("SELECT current_database()").fetchone()[0]
        # a quoted literal, not a parameter: DuckDB < 2.0 cannot bind ATTACH's path
        con.execute("ATTACH '" + str(tmp).replace("'", "''") + "' AS erase_copy").fetchall()
        con.execute(f'COPY FROM DATABASE "{src}" TO erase_copy').fetchall()
        con.execute("DETACH erase_copy").fetchall()
    finally:
        con.close()
    fault_point("erase:rewrite")
    wal = Path(str(path) + ".wal")
    _replace(tmp, path)
    if wal.exists():  # checkpointed above: the old log belongs to the old file
        wal.unlink()


def _logged(store: Path, erasure_id: str):
    """The audit row of ``erasure_id`` in the store (``None`` when not committed)."""
    import duckdb

    if not store.exists():
        return None
    con = duckdb.connect(str(store), read_only=True)
    try:
        tables = {r[0] for r in con.execute("select table_name from "
                                            "information_schema.tables").fetchall()}
        if "erasure_log" not in tables:
            return None
        row = con.execute("SELECT store_rows, suppressed FROM erasure_log WHERE erasure_id = ?",
                          [erasure_id]).fetchall()
    finally:
        con.close()
    return (json.loads(row[0][0]), int(row[0][1])) if row else None


# -- the erasure ------------------------------------------------------------------------------
def _check_store(config) -> None:
    from ..link.registry_ids import check_store, store_expected

    if config.store_path.exists():
        check_store(config.store_path)
    elif store_expected(config):
        raise CdmkitError(f"the customer store {config.store_path} is missing but the client "
                          "has had runs: restore it from a backup before erasing (a new store "
                          "would forget the ID history and earlier erasures)")


def _erase(config, customer_id: str, erasure_id: str, resumed: bool) -> ErasureReport:
    from ..link.registry_ids import IdRegistry

    cdir = config.client_dir
    store = config.store_path
    _check_store(config)
    reg = IdRegistry(store)
    target = reg.resolve(customer_id) or customer_id
    aliases = reg.aliases()
    ids = {customer_id, target} | set(aliases.loc[aliases["customer_id"] == target, "alias_id"])
    committed = _logged(store, erasure_id)
    if committed is None and not resumed and not _known(config, reg, ids):
        raise CdmkitError(f"no customer {customer_id!r} in the customer store or the run "
                          f"folders of client {config.client!r}: check the customer ID")
    _write_json_atomic(cdir / JOURNAL_FILE, {"erasure_id": erasure_id,
                                             "customer_id": customer_id,
                                             "started": _now().isoformat(timespec="seconds")})
    report = ErasureReport(target, run_dir=str(cdir), erasure_id=erasure_id, resumed=resumed)
    secret = reg.secret()
    if committed is None:
        store_keys = reg._query("SELECT source, record_id FROM id_records WHERE customer_id = ?",
                                [target])
        keys, person = _person(config, ids, {(str(s), str(r)) for s, r in store_keys}, set(),
                               None)
        hashes = identifier_hashes(person, "customers", secret) if len(person) else \
            pd.DataFrame(columns=["hash", "kind"])
        if keys:
            hashes = pd.concat([hashes, identifier_hashes(
                pd.DataFrame(sorted(keys), columns=["source", "record_id"]), "customers",
                secret)], ignore_index=True).drop_duplicates("hash")
        from ..privacy.scan import raw_values_from_customers

        raw = raw_values_from_customers(person) if len(person) else \
            {"names": [], "emails": [], "phones": []}
        # Before the store changes, while every value can still be found: reports and exports.
        _scrub_reports(config, raw, report)
        forms = set()
        for kind in ("emails", "phones"):
            forms |= _raw_forms(raw[kind])
        # (only exports now: the tables must still show who the person is if this is killed)
        _scrub_tables(config, ids, keys, set(hashes["hash"]), secret, forms, report,
                      exports_only=True)
        fault_point("erase:before-commit")
        report.store, report.suppressed = _commit(reg, target, ids, keys, hashes, erasure_id)
    else:
        report.store, report.suppressed = committed
    fault_point("erase:after-commit")
    all_hashes, secret = load_suppression(store)
    keys, _ = _person(config, ids, set(), set(), None)
    _scrub_tables(config, ids, keys, all_hashes, secret, set(), report)
    _rewrite_store(store)
    _forget_in_external_database(config, ids, report)
    # Damaged stores set aside by `cdmkit run --new-store` cannot be cleaned: they go.
    for old in sorted(store.parent.glob(f"{store.name}.damaged-*")):
        old.unlink()
        report.deleted.append(old.name)
    report.retired, report.retired_by = True, "cdmkit.link.registry_ids"
    _audit(config, report)
    (cdir / JOURNAL_FILE).unlink()
    _sweep_tmp(config)
    return report


def _forget_in_external_database(config, ids: set, report) -> None:
    """A customer database in PostgreSQL forgets the person too (the DuckDB one is in the store).

    Idempotent, so a resumed erasure runs it again safely; without the database URL in the
    environment the erasure stops here and its journal makes the next ``erase`` finish it.
    """
    if not config.database.url_env:
        return
    from ..database.client import open_client_database
    from ..database.update import forget_customers

    db = open_client_database(config)
    try:
        report.store["postgres:cdm"] = forget_customers(db, sorted(ids))
    finally:
        db.close()


def _known(config, reg, ids: set) -> bool:
    """Whether any of ``ids`` was ever issued (store) or appears in a run folder."""
    if set(reg.customers()["customer_id"]) & ids:
        return True
    for run in ClientRuns.of(config):
        for name in ("customer_map", "golden"):
            if run.has_table(name) and run.read_table(name, columns=["customer_id"])[
                    "customer_id"].astype(str).isin(ids).any():
                return True
    return False


def _now():
    return datetime.now(timezone.utc)


def _commit(reg, target, ids, keys, hashes, erasure_id) -> tuple[dict, int]:
    """One transaction: retire, suppress, delete store rows, write the audit row."""
    from ..privacy.suppression import SUPPRESSION_TABLE

    with reg._connect() as con:
        con.execute(_LOG_SCHEMA).fetchall()
        con.execute("BEGIN TRANSACTION").fetchall()
        try:
            before = con.execute(f"SELECT count(*) FROM {SUPPRESSION_TABLE}").fetchall()[0][0]
            n_map = reg.retire_in(con, target, run_id=f"erasure:{erasure_id}",
                                  extra_hashes=hashes)
            removed = _erase_store_rows(con, ids, keys)
            if n_map:
                removed["id_records"] = n_map
            after = con.execute(f"SELECT count(*) FROM {SUPPRESSION_TABLE}").fetchall()[0][0]
            con.execute("INSERT INTO erasure_log VALUES (?, ?, ?, ?, ?)",
                        [erasure_id, target, _now().replace(tzinfo=None),
                         json.dumps(removed, sort_keys=True), int(after - before)]).fetchall()
            con.execute("COMMIT").fetchall()
        except BaseException:
            con.execute("ROLLBACK").fetchall()
            raise
    return removed, int(after - before)


def _audit(config, report: ErasureReport) -> None:
    """Append the audit line once (a resumed erasure does not write it twice)."""
    path = config.client_dir / AUDIT_FILE
    if path.exists() and f'"erasure_id": "{report.erasure_id}"' in \
            path.read_text(encoding="utf-8"):
        report.audit_path = str(path)
        return
    entry = {"time": _now().isoformat(timespec="seconds"), "event": "erasure",
             "client": config.client, **report.to_dict()}
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    report.audit_path = str(path)


def resume_erasure(config) -> ErasureReport | None:
    """Complete an erasure that was killed part-way (the caller holds the client lock).

    Returns its report, or ``None`` when no erasure was interrupted. Temporary
    files of a killed erase are removed either way.

    Examples
    --------
    >>> from cdmkit.config import ClientConfig
    >>> resume_erasure(ClientConfig(client="nobody", output_dir="/nonexistent")) is None
    True
    """
    journal = config.client_dir / JOURNAL_FILE
    if not journal.exists():
        _sweep_tmp(config)
        return None
    try:
        entry = json.loads(journal.read_text(encoding="utf-8"))
        customer_id, erasure_id = entry["customer_id"], entry["erasure_id"]
    except (ValueError, KeyError):
        raise CdmkitError(f"{journal} is damaged: an erasure was interrupted; run "
                          "`cdmkit erase` for the customer again, then delete the file") from None
    _sweep_tmp(config)
    return _erase(config, customer_id, erasure_id, resumed=True)


def erase_customer(config, customer_id: str, *, run_dir=None, audit: bool = True
                   ) -> ErasureReport:
    """Erase one customer from the store and every run folder of the client, for good.

    Parameters
    ----------
    config : ClientConfig
        The client's config (store path, output folder).
    customer_id : str
        Global customer ID to erase (a merged ID is erased under the ID it resolves to).
    run_dir : path, optional
        Kept for compatibility: every run folder of the client is cleaned anyway.
    audit : bool
        Kept for compatibility: the audit entry is always written (it is part of the erasure).

    Returns
    -------
    ErasureReport

    Raises
    ------
    CdmkitError
        If there is nothing to erase, the client is busy, or the store is missing
        or damaged.

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
    if not config.store_path.exists() and not ClientRuns.of(config).runs():
        raise CdmkitError(f"nothing to erase for client {config.client!r}: no customer store at "
                          f"{config.store_path} and no run folder in {config.client_dir}")
    with client_lock(config.client_dir, f"cdmkit erase {customer_id}"):
        earlier = resume_erasure(config)
        if earlier is not None and earlier.customer_id == customer_id:
            return earlier
        return _erase(config, customer_id, uuid.uuid4().hex[:16], resumed=False)
