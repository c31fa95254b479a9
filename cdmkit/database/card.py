"""Look a customer up and show what the database knows: the customer card.

:func:`find_customers` takes a customer ID (an ID merged away is followed to the
customer that absorbed it), an e-mail address or a phone number in any common
format, and searches every source record, not only the golden record.
:func:`customer_card` gathers identity, contact, consent, household, records,
segment and value, last purchases and contacts, and the record's history;
personal fields are masked unless ``show_raw`` (``privacy.show_raw_pii``).

Examples
--------
>>> _digits("+98 ۹۱۲ ۳۴۵ ６７８９")
'989123456789'
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from ..privacy.masking import mask_date, mask_email, mask_name, mask_phone, mask_value
from .backend import Backend
from .schema import CONSENT_FIELDS, GOLDEN_FIELDS, SCHEMA

__all__ = ["find_customers", "customer_card", "format_card"]

_ID = re.compile(r"^[A-Za-z]{0,3}\d+$")
_MASK = {"first_name": mask_name, "middle_name": mask_name, "last_name": mask_name,
         "full_name": mask_name, "email": mask_email, "phone": mask_phone,
         "birth_date": mask_date, "street": mask_value, "address_line2": mask_value,
         "postcode": mask_value, "city": mask_value, "national_id": mask_value,
         "company": mask_value}


def _digits(text: str) -> str:
    """Digits of ``text`` in any script (Persian, full-width) as ASCII."""
    return "".join(str(unicodedata.digit(c)) for c in unicodedata.normalize("NFKC", text)
                   if unicodedata.digit(c, None) is not None)


def _q(db: Backend, sql: str, params=None) -> pd.DataFrame:
    return db.query(sql.replace("{S}", SCHEMA), params)


def find_customers(db: Backend, key: str) -> list[str]:
    """Customer IDs matching a customer ID, e-mail or phone (several when ambiguous).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from cdmkit.database import open_backend, update_database
    >>> run = pathlib.Path(tempfile.mkdtemp()) / "r1"
    >>> (run / "data").mkdir(parents=True)
    >>> pd.DataFrame({"customer_id": ["C1"], "phone": ["+989123456789"]}).to_parquet(
    ...     run / "data" / "golden.parquet")
    >>> db = open_backend(path=run.parent / "s.duckdb")
    >>> _ = update_database(db, run)
    >>> find_customers(db, "0912 345 6789"), find_customers(db, "C1"), find_customers(db, "x@y")
    (['C1'], ['C1'], [])
    >>> db.close()
    """
    key = str(key).strip()
    if "@" in key:
        e = key.lower()
        hits = _q(db, "SELECT customer_id FROM {S}.customer_records WHERE email = ? UNION "
                      "SELECT customer_id FROM {S}.customers WHERE lower(email) = ?", [e, e])
        return sorted(hits["customer_id"].dropna().unique())
    if _ID.match(key) and not key.isdigit() or _customer_exists(db, key):
        cid = key
        for _ in range(20):  # follow merges: an old ID leads to the customer that kept it
            if _customer_exists(db, cid):
                return [cid]
            nxt = _q(db, "SELECT customer_id FROM {S}.id_history WHERE event = 'merge' AND "
                         "other_id = ?", [cid])
            if nxt.empty:
                break
            cid = str(nxt["customer_id"].iloc[-1])
        if not key.isdigit():
            return []
    d = _digits(key)
    if len(d) < 6:
        return []
    tail = d[-9:]  # national and international forms of one number share their last digits
    hits = _q(db, "SELECT customer_id FROM {S}.customer_records WHERE right(phone, ?) = ? "
                  "UNION SELECT customer_id FROM {S}.customers WHERE right(phone, ?) = ?",
              [len(tail), tail, len(tail), tail])
    return sorted(hits["customer_id"].dropna().unique())


def _customer_exists(db: Backend, cid: str) -> bool:
    return bool(len(_q(db, "SELECT 1 FROM {S}.customers WHERE customer_id = ?", [cid])))


def _clean(v):
    if isinstance(v, (list, tuple)):
        return list(v)
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, float):
        return round(v, 4)
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d %H:%M") if (v.hour or v.minute) else v.strftime("%Y-%m-%d")
    return v.item() if hasattr(v, "item") else v


def customer_card(db: Backend, customer_id: str, *, show_raw: bool = False,
                  n_last: int = 5) -> dict:
    """Everything the database knows about one customer, masked unless ``show_raw``.

    Returns a dict of sections: ``identity``, ``contact``, ``consent``, ``household``,
    ``records``, ``value``, ``last_purchases``, ``last_contacts``, ``history``,
    ``id_history``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from cdmkit.database import open_backend, update_database
    >>> run = pathlib.Path(tempfile.mkdtemp()) / "r1"
    >>> (run / "data").mkdir(parents=True)
    >>> pd.DataFrame({"customer_id": ["C1"], "first_name": ["Maryam"],
    ...               "email": ["maryam@x.ir"]}).to_parquet(run / "data" / "golden.parquet")
    >>> db = open_backend(path=run.parent / "s.duckdb")
    >>> _ = update_database(db, run)
    >>> card = customer_card(db, "C1")
    >>> card["identity"]["first_name"], card["contact"]["email"]
    ('M*****', 'm***@x.ir')
    >>> db.close()
    """
    row = _q(db, "SELECT * FROM {S}.customers WHERE customer_id = ?", [customer_id])
    if row.empty:
        raise KeyError(f"no customer {customer_id!r} in the database")
    r = {k: _clean(v) for k, v in row.iloc[0].items()}

    def show(field):
        v = r.get(field)
        return v if show_raw or v is None or field not in _MASK else _MASK[field](v)

    ident = ["title", "first_name", "middle_name", "last_name", "birth_date", "gender",
             "language", "national_id", "company"]
    contact = ["email", "phone", "street", "address_line2", "postcode", "city", "region",
               "country"]
    card = {"customer_id": customer_id,
            "identity": {f: show(f) for f in ident if r.get(f) is not None},
            "contact": {f: show(f) for f in contact if r.get(f) is not None},
            "consent": {f: r.get(f) for f in CONSENT_FIELDS if f in r},
            "sources": {f[:-7]: r[f] for f in r if f.endswith("_source") and r[f] is not None}}
    hh = r.get("household_id")
    members = []
    if hh:
        members = _q(db, "SELECT customer_id FROM {S}.customers WHERE household_id = ? AND "
                         "customer_id <> ? ORDER BY customer_id", [hh, customer_id])
        members = members["customer_id"].tolist()
    card["household"] = {"household_id": hh, "other_members": members}
    recs = _q(db, "SELECT source, record_id FROM {S}.customer_records WHERE customer_id = ? "
                  "ORDER BY source, record_id", [customer_id])
    card["records"] = recs.values.tolist()
    card["value"] = {f: r.get(f) for f in ("rfm_segment", "cluster_label", "n_orders",
                                          "total_spend", "first_purchase", "last_purchase",
                                          "clv", "p_alive", "expected_purchases",
                                          "value_verdict",
                                          "churn_probability", "n_events", "last_event",
                                          "n_interactions", "last_contact")}
    tx = _q(db, "SELECT timestamp, product_name, product_id, quantity, amount, source "
                "FROM {S}.transactions WHERE customer_id = ? ORDER BY timestamp DESC, "
                f"record_id LIMIT {int(n_last)}", [customer_id])
    card["last_purchases"] = [{k: _clean(v) for k, v in t.items()}
                              for t in tx.to_dict("records")]
    it = _q(db, "SELECT timestamp, interaction_type, channel, topic FROM {S}.interactions "
                f"WHERE customer_id = ? ORDER BY timestamp DESC, record_id LIMIT {int(n_last)}",
            [customer_id])
    card["last_contacts"] = [{k: _clean(v) for k, v in t.items()} for t in it.to_dict("records")]
    hist = _q(db, "SELECT * FROM {S}.customer_history WHERE customer_id = ? "
                  "ORDER BY valid_from", [customer_id])
    versions, prev = [], None
    for h in hist.to_dict("records"):
        changed = [f for f in GOLDEN_FIELDS + CONSENT_FIELDS if f in h and prev is not None
                   and _clean(h[f]) != _clean(prev[f])]
        versions.append({"valid_from": _clean(h["valid_from"]), "valid_to": _clean(h["valid_to"]),
                         "run_id": h["run_id"],
                         "changed": "first seen" if prev is None else ", ".join(changed) or "-"})
        prev = h
    card["history"] = versions
    ids = _q(db, "SELECT run_id, event, customer_id, other_id FROM {S}.id_history WHERE "
                 "customer_id = ? OR other_id = ? ORDER BY run_id", [customer_id, customer_id])
    card["id_history"] = [{k: _clean(v) for k, v in t.items()} for t in ids.to_dict("records")]
    return card


def format_card(card: dict) -> str:
    """The card as plain text for the terminal.

    Examples
    --------
    >>> print(format_card({"customer_id": "C1", "identity": {"first_name": "M*****"}}))
    Customer C1
      identity
        first_name: M*****
    """
    lines = [f"Customer {card['customer_id']}"]
    for section, body in card.items():
        if isinstance(body, dict):
            body = {k: v for k, v in body.items()
                    if v is not None and not (isinstance(v, list) and not v)}
        if section == "customer_id" or not body:
            continue
        lines.append(f"  {section.replace('_', ' ')}")
        if isinstance(body, dict):
            for k, v in body.items():
                if v is not None and not (isinstance(v, list) and not v):
                    lines.append(f"    {k}: {', '.join(map(str, v)) if isinstance(v, list) else v}")
        else:
            for item in body:
                if isinstance(item, dict):
                    lines.append("    " + " · ".join(f"{k}={v}" for k, v in item.items()
                                                     if v is not None))
                else:
                    lines.append("    " + " / ".join(map(str, item)))
    return "\n".join(lines)
