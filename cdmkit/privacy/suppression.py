"""Suppression list: erased people stay erased on every later run (GDPR Art. 17).

An erasure adds the erased person's **record keys** (``source, record_id``) and
**identifiers** to the table ``erasure_suppression`` of the customer store, as
keyed hashes only (HMAC-SHA-256 with a random per-store secret kept in the
store), never as raw values. Every later run passes its tables through
:func:`apply_suppression` twice — at the collection output and at the input of
identity resolution — so a record of the erased person coming back from an
unchanged source goes to the rejects with the reason ``erased (suppressed)``
(without the value) instead of being given a new customer ID.

Identifiers hashed (normalised: case, accents, spacing and phone formatting do
not matter):

* ``key``: the source record key — the same record in the same source;
* ``email``: the e-mail address (a personal identifier on its own);
* ``phone+first``: phone number (last nine digits) with the first name — a
  phone alone is often a shared household line, so it never suppresses on its own;
* ``name+birth``: the name (first and last name in either order, or the whole
  name) with the birth date.

Transactions, events and interactions of a suppressed customer record
(``customer_source, customer_ref``) are suppressed with it.

Examples
--------
>>> import pandas as pd
>>> secret = b"k" * 32
>>> erased = pd.DataFrame({"source": ["crm"], "record_id": ["1"], "email": ["Ana@X.org"]})
>>> hashes = identifier_hashes(erased, "customers", secret)
>>> later = pd.DataFrame({"source": ["shop", "shop"], "record_id": ["9", "10"],
...                       "email": ["ana@x.org ", "ben@y.org"]})
>>> suppressed_mask(later, "customers", set(hashes["hash"]), secret).tolist()
[True, False]
>>> erased = pd.DataFrame({"first_name": ["José"], "last_name": ["Núñez"],
...                        "birth_date": ["1990-02-03"]})
>>> hashes = set(identifier_hashes(erased, "customers", secret)["hash"])
>>> suppressed_mask(pd.DataFrame({"full_name": ["NUNEZ Jose", "Jose Nunez", "Jose Nunez"],
...                               "birth_date": ["1990-02-03", "1990-02-03", "1991-01-01"]}),
...                 "customers", hashes, secret).tolist()
[True, True, False]
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["SUPPRESSION_REASON", "SUPPRESSION_TABLE", "apply_suppression", "identifier_hashes",
           "suppressed_mask", "load_suppression", "ensure_suppression_schema",
           "store_secret"]

#: Reason of a suppressed row in the rejects (the value itself is never shown).
SUPPRESSION_REASON = "erased (suppressed)"

#: Store table of the suppression list.
SUPPRESSION_TABLE = "erasure_suppression"

_SECRET_KEY = "suppression_secret"

_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS id_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    f"""CREATE TABLE IF NOT EXISTS {SUPPRESSION_TABLE} (hash VARCHAR PRIMARY KEY,
           kind VARCHAR, erasure_id VARCHAR, added_at TIMESTAMP)""",
]


def _missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def _fold(v) -> str | None:
    """Letters and digits, case- and accent-insensitive (``José D'Souza`` -> ``josedsouza``)."""
    if _missing(v):
        return None
    s = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", str(v)).casefold())
    s = "".join(ch for ch in s if not unicodedata.combining(ch) and (ch.isalnum()))
    return s or None


def _email(v) -> str | None:
    if _missing(v):
        return None
    s = unicodedata.normalize("NFKC", str(v)).strip().casefold()
    return s if "@" in s and len(s) > 3 else None


def _phone(v) -> str | None:
    if _missing(v):
        return None
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", str(v)).split("x")[0])
    key = digits[-9:]
    # placeholders (0000000000) identify nobody
    return key if len(digits) >= 7 and len(set(key)) >= 2 else None


def _date(v) -> str | None:
    if _missing(v):
        return None
    try:
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    except (ValueError, TypeError):
        return _fold(v)


def _col(df: pd.DataFrame, *names) -> pd.Series:
    """First of ``names`` present in ``df`` (else all missing), as object values."""
    for n in names:
        if n in df.columns:
            return df[n].astype(object)
    return pd.Series(None, index=df.index, dtype=object)


def _tokens(df: pd.DataFrame, kind: str) -> list[tuple[str, pd.Series]]:
    """(token kind, per-row token text or None) for the identifiers of ``df``."""
    out = []
    if kind == "customers":
        if {"source", "record_id"} <= set(df.columns):
            out.append(("key", "key|" + df["source"].astype(str) + "\x1f"
                        + df["record_id"].astype(str)))
        first = _col(df, "first_name").map(_fold)
        last = _col(df, "last_name").map(_fold)
        full_raw = _col(df, "full_name")
        full = full_raw.map(_fold)
        both = first.notna() & last.notna()
        # A split name and a whole name compare equal in either order (family name first in
        # Japanese and in many exports): "Sara Karimi" == "KARIMI, Sara".
        given_family = (first.fillna("") + last.fillna("")).where(both, full)
        family_given = (last.fillna("") + first.fillna("")).where(both, None)
        for c in ("email", "email_raw"):
            if c in df.columns:
                out.append(("email", df[c].map(_email).map(
                    lambda e: (e and "email|" + e) if isinstance(e, str) else None)))
        birth = _col(df, "birth_date").map(_date)
        for name in (given_family, family_given):
            out.append(("name+birth", pd.Series(
                [f"nb|{n}|{b}" if n and b else None for n, b in zip(name, birth)],
                index=df.index, dtype=object)))
        first_word = full_raw.map(lambda v: None if _missing(v) or not str(v).split()
                                  else _fold(str(v).split()[0]))
        given = first.where(first.notna(), first_word)
        for c in ("phone", "phone_raw"):
            if c in df.columns:
                ph = df[c].map(_phone)
                out.append(("phone+first", pd.Series(
                    [f"pf|{p}|{g}" if p and g else None for p, g in zip(ph, given)],
                    index=df.index, dtype=object)))
    elif {"customer_source", "customer_ref"} <= set(df.columns):
        # Activity rows of a suppressed customer record belong to the erased person.
        ok = df["customer_source"].notna() & df["customer_ref"].notna()
        out.append(("key", ("key|" + df["customer_source"].astype(str) + "\x1f"
                            + df["customer_ref"].astype(str)).where(ok, None)))
    return out


def _hmac(secret: bytes, token: str) -> str:
    return hmac.new(secret, token.encode("utf-8"), hashlib.sha256).hexdigest()


def identifier_hashes(df: pd.DataFrame, kind: str, secret: bytes) -> pd.DataFrame:
    """Keyed hashes of the record keys and identifiers of the rows of ``df`` (distinct).

    Returns
    -------
    DataFrame
        ``hash`` (hex HMAC-SHA-256) and ``kind`` (``key``, ``email``, ``phone+first``,
        ``name+birth``); never a raw value.

    Examples
    --------
    >>> import pandas as pd
    >>> h = identifier_hashes(pd.DataFrame({"source": ["crm"], "record_id": ["1"],
    ...                                     "first_name": ["Ana"], "last_name": ["Lee"],
    ...                                     "birth_date": ["1990-02-03"]}), "customers", b"s")
    >>> sorted(h["kind"]), len(h["hash"][0])  # the name in both orders
    (['key', 'name+birth', 'name+birth'], 64)
    """
    rows = []
    for tkind, tok in _tokens(df, kind):
        for t in pd.unique(tok.dropna()):
            rows.append((_hmac(secret, t), tkind))
    return pd.DataFrame(rows, columns=["hash", "kind"]).drop_duplicates("hash") \
        .reset_index(drop=True)


def suppressed_mask(df: pd.DataFrame, kind: str, hashes: set, secret: bytes) -> pd.Series:
    """Boolean mask of the rows of ``df`` matching the suppression list ``hashes``.

    Examples
    --------
    >>> import pandas as pd
    >>> suppressed_mask(pd.DataFrame({"source": ["a"], "record_id": ["1"]}), "customers",
    ...                 set(), b"s").tolist()
    [False]
    """
    hit = pd.Series(False, index=df.index)
    if not hashes or not len(df):
        return hit
    for _, tok in _tokens(df, kind):
        uniq = pd.unique(tok.dropna())
        bad = {t for t in uniq if _hmac(secret, t) in hashes}
        if bad:
            hit |= tok.isin(bad).fillna(False).astype(bool)
    return hit


def ensure_suppression_schema(con) -> None:
    """Create the suppression table (and ``id_meta``) in an open store connection."""
    for stmt in _SCHEMA:
        con.execute(stmt).fetchall()


def store_secret(con, create: bool = True) -> bytes | None:
    """The store's random suppression secret (32 bytes), created on first use.

    It is kept in the store (table ``id_meta``) so that the hashes stay
    comparable across runs and pseudonymisation keys; it never leaves the store.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> ensure_suppression_schema(con)
    >>> s = store_secret(con); s == store_secret(con), len(s)
    (True, 32)
    """
    row = con.execute("SELECT value FROM id_meta WHERE key = ?", [_SECRET_KEY]).fetchall()
    if row:
        return bytes.fromhex(row[0][0])
    if not create:
        return None
    value = secrets.token_bytes(32)
    con.execute("INSERT INTO id_meta VALUES (?, ?)", [_SECRET_KEY, value.hex()]).fetchall()
    return value


def add_suppression(con, hashes: pd.DataFrame, erasure_id: str) -> int:
    """Add ``hashes`` (``hash, kind``) to the suppression list in the open transaction ``con``.

    Returns the number of new entries.
    """
    if not len(hashes):
        return 0
    rows = hashes[["hash", "kind"]].drop_duplicates("hash").copy()
    rows["erasure_id"] = erasure_id
    rows["added_at"] = datetime.now(timezone.utc).replace(tzinfo=None)
    con.register("supp_rows", rows)
    before = con.execute(f"SELECT count(*) FROM {SUPPRESSION_TABLE}").fetchall()[0][0]
    con.execute(f"INSERT INTO {SUPPRESSION_TABLE} SELECT hash, kind, erasure_id, added_at "
                "FROM supp_rows ON CONFLICT DO NOTHING").fetchall()
    con.unregister("supp_rows")
    return int(con.execute(f"SELECT count(*) FROM {SUPPRESSION_TABLE}").fetchall()[0][0]
               - before)


def load_suppression(store_path) -> tuple[set, bytes | None]:
    """The suppression hashes and secret of the store at ``store_path`` (empty when none).

    Examples
    --------
    >>> load_suppression("/nonexistent/store.duckdb")
    (set(), None)
    """
    path = Path(store_path) if store_path is not None else None
    if path is None or not path.is_file():
        return set(), None
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        from ..errors import CdmkitError

        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise CdmkitError(f"cannot read the suppression list of erased customers in the "
                          f"customer store {path} ({first})") from None
    try:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        if SUPPRESSION_TABLE not in tables or "id_meta" not in tables:
            return set(), None
        secret = store_secret(con, create=False)
        hashes = {r[0] for r in con.execute(f"SELECT hash FROM {SUPPRESSION_TABLE}").fetchall()}
    finally:
        con.close()
    return hashes, secret


def apply_suppression(df: pd.DataFrame, kind: str, store_path=None, *, source=None,
                      suppression: tuple | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop the rows of erased people; return the kept rows and their rejects.

    The one function collection (its output tables) and identity resolution
    (its input) call, so an erased person never re-enters a run.

    Parameters
    ----------
    df : DataFrame
        A canonical table (``customers``: keys and identifiers; other kinds:
        ``customer_source, customer_ref``).
    kind : str
        Its kind.
    store_path : path, optional
        The customer store holding the suppression list (none: nothing suppressed).
    source : str, optional
        Source name for the rejects when ``df`` has no ``source`` column.
    suppression : tuple, optional
        ``(hashes, secret)`` already loaded with :func:`load_suppression`.

    Returns
    -------
    kept : DataFrame
        Rows not suppressed (same columns, new index).
    rejects : DataFrame
        ``source, row, column, field, reason, value`` of the suppressed rows, reason
        ``erased (suppressed)``, value always empty.

    Examples
    --------
    >>> import pandas as pd
    >>> kept, rej = apply_suppression(pd.DataFrame({"source": ["a"], "record_id": ["1"]}),
    ...                               "customers", None)
    >>> len(kept), len(rej)
    (1, 0)
    """
    hashes, secret = suppression if suppression is not None else load_suppression(store_path)
    cols = ["source", "row", "column", "field", "reason", "value"]
    if not hashes or secret is None or not len(df):
        return df, pd.DataFrame(columns=cols)
    hit = suppressed_mask(df, kind, hashes, secret).to_numpy()
    if not hit.any():
        return df, pd.DataFrame(columns=cols)
    bad = df[hit]
    src = bad["source"].astype(object).to_numpy() if "source" in bad else \
        np.full(len(bad), source, dtype=object)
    row = bad["source_row"].to_numpy() if "source_row" in bad else np.asarray(bad.index)
    rejects = pd.DataFrame({"source": src, "row": row, "column": None, "field": None,
                            "reason": SUPPRESSION_REASON, "value": None}, columns=cols)
    kept = df[~hit]
    kept.index = pd.RangeIndex(len(kept))
    return kept, rejects
