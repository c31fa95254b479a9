"""Golden records: one row per global customer, each value chosen by a survivorship rule.

Rules (per field, overridable in ``linkage.survivorship``):

* ``most_recent`` — the value of the most recently updated record
  (``updated_at``, else ``created_at``);
* ``most_frequent`` — the value most records agree on (compared on normalised
  text; ties go to the most recent);
* ``most_complete`` — the longest value (ties: most recent);
* ``source_priority`` — the value of the most trusted source
  (``linkage.source_priority``; ties: most recent).

Every golden value keeps its provenance: ``<field>_source`` and
``<field>_record`` name the source and record it came from. Consent flags
take the most recent stated value (by ``consent_<x>_date`` when present);
when records disagree without dates, the conservative ``False`` wins.

Examples
--------
>>> import pandas as pd
>>> rec = pd.DataFrame({"source": ["crm", "shop", "shop"], "record_id": ["1", "2", "3"],
...                     "first_name": ["Ann", "Anne", "Ann"],
...                     "email": ["old@x.org", "new@x.org", None],
...                     "updated_at": pd.to_datetime(["2020-01-01", "2023-05-01", "2021-01-01"])})
>>> g = golden_records(rec, ["C1", "C1", "C1"])
>>> g[["customer_id", "first_name", "email", "email_source", "email_record"]].values.tolist()
[['C1', 'Ann', 'new@x.org', 'shop', '2']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import FIELDS
from .normalize import text_key, map_unique

__all__ = ["golden_records", "DEFAULT_SURVIVORSHIP", "golden_fields"]

#: Default rule per canonical field (others: most_recent).
DEFAULT_SURVIVORSHIP = {
    "title": "most_frequent", "first_name": "most_frequent", "middle_name": "most_frequent",
    "last_name": "most_frequent", "full_name": "most_frequent", "suffix": "most_frequent",
    "birth_date": "most_frequent", "gender": "most_frequent", "national_id": "most_frequent",
    "street": "most_recent", "address_line2": "most_recent", "city": "most_recent",
    "postcode": "most_recent", "region": "most_recent", "country": "most_recent",
    "email": "most_recent", "phone": "most_recent", "company": "most_recent",
    "language": "most_recent",
}
_CONSENT = ("consent_email", "consent_sms", "consent_profiling")
_SKIP = {"record_id", "created_at", "updated_at", "consent_email_date"}


def golden_fields(records: pd.DataFrame) -> list[str]:
    """Canonical customer fields present in ``records`` that get a golden value.

    Examples
    --------
    >>> golden_fields(pd.DataFrame(columns=["record_id", "email", "x", "consent_sms"]))
    ['email', 'consent_sms']
    """
    return [f for f in FIELDS["customers"] if f in records.columns and f not in _SKIP]


def _to_ts(values) -> pd.Series:
    t = pd.to_datetime(values, errors="coerce", utc=True).dt.tz_localize(None)
    return t.astype("datetime64[ns]")


def _recency(records: pd.DataFrame) -> pd.Series:
    """``updated_at`` where present, else ``created_at`` (NaT when neither)."""
    ts = pd.Series(pd.NaT, index=records.index, dtype="datetime64[ns]")
    for col in ("created_at", "updated_at"):  # later columns win where present
        if col in records:
            t = _to_ts(records[col])
            ts = t.where(t.notna(), ts)
    return ts


def golden_records(records: pd.DataFrame, customer_ids, rules: dict | None = None,
                   source_priority=None, household_ids=None) -> pd.DataFrame:
    """One golden record per customer with provenance columns.

    Parameters
    ----------
    records : DataFrame
        Records with ``source``, ``record_id`` and canonical fields.
    customer_ids : array-like
        Global ID of each record.
    rules : dict, optional
        Survivorship rule per field (overrides :data:`DEFAULT_SURVIVORSHIP`).
    source_priority : list of str, optional
        Sources by trust, for the ``source_priority`` rule.
    household_ids : array-like, optional
        Household of each record (added as ``household_id``).

    Returns
    -------
    DataFrame
        ``customer_id``, ``n_records``, ``sources``, [``household_id``], then per field
        the value, ``<field>_source`` and ``<field>_record``; plus ``first_seen``/``last_seen``.

    Examples
    --------
    >>> rec = pd.DataFrame({"source": ["a", "b"], "record_id": ["1", "2"],
    ...                     "phone": ["+441", "+442"]})
    >>> golden_records(rec, ["C1", "C1"], rules={"phone": "source_priority"},
    ...                source_priority=["b", "a"])[["phone", "phone_source"]].values.tolist()
    [['+442', 'b']]
    """
    rules = {**DEFAULT_SURVIVORSHIP, **(rules or {})}
    prio = {s: i for i, s in enumerate(source_priority or [])}
    rec = records.reset_index(drop=True)
    # integer customer codes in ID order: sorting and grouping millions of records on
    # integers instead of ID strings
    cid_codes, cid_values = pd.factorize(np.asarray(customer_ids, dtype=object), sort=True)
    base = pd.DataFrame({
        "customer_id": cid_codes.astype(np.int64),
        "source": rec["source"].astype(str).to_numpy(),
        "record_id": rec["record_id"].astype(str).to_numpy(),
        "ts": _recency(rec).to_numpy(),
        "pos": np.arange(len(rec)),
    })
    base["prio"] = base["source"].map(prio).fillna(len(prio)).to_numpy()
    n_cust = len(cid_values)
    cust = base["customer_id"].to_numpy()
    # columns collected in a dict and framed once: no per-column inserts or index copies
    # on a million customers
    out = {"customer_id": np.asarray(cid_values, dtype=object),
           "n_records": np.bincount(cust, minlength=n_cust)}
    # sources of each customer as a bit mask (a few sources), then one name per mask
    src_codes, src_names = pd.factorize(base["source"], sort=True)
    cs = pd.DataFrame({"c": cust, "s": src_codes}).drop_duplicates()
    # distinct bits of one customer: their sum is their OR
    mask = np.bincount(cs["c"].to_numpy(),
                       weights=np.left_shift(1, cs["s"].to_numpy().astype(np.int64)),
                       minlength=n_cust).astype(np.int64)
    names = {m: ",".join(src_names[[k for k in range(len(src_names)) if m >> k & 1]])
             for m in np.unique(mask)}
    out["sources"] = pd.Series(mask).map(names).to_numpy()
    if household_ids is not None:
        hh = np.asarray(household_ids, dtype=object)
        first = np.full(n_cust, len(rec), dtype=np.int64)
        np.minimum.at(first, cust, np.arange(len(rec)))
        out["household_id"] = hh[first]
    if "created_at" in rec:
        c = _to_ts(rec["created_at"])
        out["first_seen"] = c.groupby(cust).min().reindex(range(n_cust)).to_numpy()
    out["last_seen"] = base["ts"].groupby(cust).max().reindex(range(n_cust)).to_numpy()
    for field in golden_fields(rec):
        vals = rec[field]
        filled = vals.notna().to_numpy()
        if vals.dtype == object or pd.api.types.is_string_dtype(vals):
            # not &=: under pandas 3 copy-on-write to_numpy() is a read-only view
            filled = filled & (vals.astype("string").str.strip().fillna("") != "").to_numpy(bool)
        d = base[filled].copy()
        d["value"] = vals[filled].to_numpy()
        if field in _CONSENT:
            chosen = _consent(d, rec, field, filled)
        else:
            chosen = _survive(d, rules.get(field, "most_recent"))
        at = chosen["customer_id"].to_numpy()
        for col, name in (("value", field), ("source", f"{field}_source"),
                          ("record_id", f"{field}_record")):
            v = chosen[col]
            if name == field and not (v.dtype == object or isinstance(v.dtype, pd.StringDtype)):
                # typed fields (dates, flags) keep their dtype, missing where no value
                out[name] = pd.Series(v.array, index=at).reindex(range(n_cust))
            else:
                arr = np.full(n_cust, None, dtype=object)
                arr[at] = v.to_numpy(dtype=object)
                out[name] = arr
    # copy=False: one block per column instead of a consolidated copy of them all
    return pd.DataFrame(out, copy=False)


def _survive(d: pd.DataFrame, rule: str) -> pd.DataFrame:
    d = d.copy()
    d["neg_ts"] = -d["ts"].astype("int64").where(d["ts"].notna(), np.iinfo("int64").min + 1)
    if rule == "most_frequent":
        key = map_unique(d["value"].astype(str), text_key)
        d["freq"] = -d.groupby([d["customer_id"], key.to_numpy()])["pos"].transform("size")
        order = ["customer_id", "freq", "neg_ts", "pos"]
    elif rule == "most_complete":
        d["neg_len"] = -d["value"].astype(str).str.len()
        order = ["customer_id", "neg_len", "neg_ts", "pos"]
    elif rule == "source_priority":
        order = ["customer_id", "prio", "neg_ts", "pos"]
    else:  # most_recent
        order = ["customer_id", "neg_ts", "prio", "pos"]
    return d.sort_values(order, kind="stable").drop_duplicates("customer_id")


def _consent(d: pd.DataFrame, rec: pd.DataFrame, field: str, filled) -> pd.DataFrame:
    d = d.copy()
    date_col = f"{field}_date"
    if date_col in rec:
        t = _to_ts(rec[date_col])[filled].to_numpy()
        d["ts"] = np.where(pd.isna(t), d["ts"].to_numpy(), t)
        d["ts"] = pd.to_datetime(d["ts"])
    d["neg_ts"] = -d["ts"].astype("int64").where(d["ts"].notna(), np.iinfo("int64").min + 1)
    d["flag"] = d["value"].map(lambda v: str(v).strip().lower() in ("true", "1", "yes", "y"))
    # Most recent first; among equally recent (or undated) statements, False first.
    d = d.sort_values(["customer_id", "neg_ts", "flag", "pos"], kind="stable")
    return d.drop_duplicates("customer_id").assign(value=lambda x: x["flag"])
