"""Explicit rules for cancellations, returns and negative amounts before RFM.

A line is a *return* when any of these holds: its value is negative, its
quantity is negative, its status is one of ``return_statuses`` (case-insensitive),
or its order number starts with ``cancel_prefix`` (the Online Retail data marks
cancelled invoices with a leading "C"). Rules:

``drop``
    Return lines are removed (and reported with their reason); purchases keep
    their full value. The usual choice for RFM and CLV.
``net``
    Each return line is moved to the customer's latest purchase at or before it
    (its ``timestamp`` becomes that purchase's time, the original is kept in
    ``returned_at``), so its negative value nets against that purchase's period
    and never counts as a purchase occasion of its own. Returns with no earlier
    purchase are removed and reported.
``keep``
    Nothing changes: negative lines count like any other line (what lifetimes does
    when given raw data).

Zero-value lines are kept unless ``drop_zero=True``.

Examples
--------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"], "order_id": ["1", "C2", "3"],
...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-09"]),
...                    "amount": [30.0, -10.0, 5.0]})
>>> r = apply_return_rules(tx, "drop")
>>> r.transactions["amount"].tolist(), r.rejects["reason"].tolist()
([30.0, 5.0], ['return or cancellation (rule drop)'])
>>> r = apply_return_rules(tx, "net")
>>> r.transactions["timestamp"].dt.day.tolist()
[1, 1, 9]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["RETURN_RULES", "DEFAULT_RETURN_STATUSES", "ReturnHandling", "is_return",
           "apply_return_rules"]

#: Rule names understood by :func:`apply_return_rules`.
RETURN_RULES = ("drop", "net", "keep")

#: Status values (lower-case) that mark a line as a return or cancellation.
DEFAULT_RETURN_STATUSES = ("return", "returned", "refund", "refunded", "cancel", "cancelled",
                           "canceled", "cancellation")


@dataclass
class ReturnHandling:
    """Result of :func:`apply_return_rules`.

    Attributes
    ----------
    transactions : DataFrame
        Lines to use for RFM.
    rejects : DataFrame
        Removed lines with a ``reason`` column (nothing is lost silently).
    report : dict
        Counts: ``rule``, ``lines_in``, ``return_lines``, ``netted``, ``removed``,
        ``value_removed``.

    Examples
    --------
    >>> ReturnHandling(pd.DataFrame(), pd.DataFrame(), {"rule": "keep"}).report["rule"]
    'keep'
    """

    transactions: pd.DataFrame
    rejects: pd.DataFrame
    report: dict = field(default_factory=dict)


def is_return(transactions: pd.DataFrame, value_col: str = "amount",
              quantity_col: str = "quantity", status_col: str = "status",
              order_col: str = "order_id", return_statuses=DEFAULT_RETURN_STATUSES,
              cancel_prefix: str | None = "C") -> pd.Series:
    """Boolean mask of return/cancellation lines (columns that are absent are ignored).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"amount": [5.0, -1.0, 3.0, 2.0],
    ...                    "status": ["sale", None, "Return", None],
    ...                    "order_id": ["1", "2", "3", "C4"]})
    >>> is_return(df).tolist()
    [False, True, True, True]
    """
    mask = pd.Series(False, index=transactions.index)
    cols = set(transactions.columns)
    value_col, quantity_col, status_col, order_col = (
        c if c is not None and c in cols else None
        for c in (value_col, quantity_col, status_col, order_col))
    if value_col:
        mask |= pd.to_numeric(transactions[value_col], errors="coerce").lt(0).fillna(False)
    if quantity_col:
        mask |= pd.to_numeric(transactions[quantity_col], errors="coerce").lt(0).fillna(False)
    if status_col and return_statuses:
        st = transactions[status_col].astype("string").str.strip().str.lower()
        mask |= st.isin([s.lower() for s in return_statuses]).fillna(False).astype(bool)
    if order_col and cancel_prefix:
        mask |= transactions[order_col].astype("string").str.startswith(cancel_prefix) \
            .fillna(False).astype(bool)
    return mask.astype(bool)


def apply_return_rules(transactions: pd.DataFrame, rule: str = "drop",
                       customer_col: str = "customer_id", date_col: str = "timestamp",
                       value_col: str = "amount", quantity_col: str = "quantity",
                       status_col: str = "status", order_col: str = "order_id",
                       return_statuses=DEFAULT_RETURN_STATUSES,
                       cancel_prefix: str | None = "C", drop_zero: bool = False
                       ) -> ReturnHandling:
    """Apply one explicit rule to returns, cancellations and negative amounts.

    Parameters
    ----------
    transactions : DataFrame
        Transaction lines.
    rule : {"drop", "net", "keep"}
        See the module documentation.
    customer_col, date_col, value_col, quantity_col, status_col, order_col : str
        Column names (status, quantity and order columns are optional).
    return_statuses : sequence of str
        Status values that mark returns.
    cancel_prefix : str or None
        Order-number prefix of cancellations (``None`` to ignore order numbers).
    drop_zero : bool
        Also remove lines whose value is exactly zero.

    Returns
    -------
    ReturnHandling

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "b"],
    ...                    "timestamp": pd.to_datetime(["2024-01-02"] * 2),
    ...                    "amount": [0.0, -4.0]})
    >>> r = apply_return_rules(tx, "net", drop_zero=True)
    >>> len(r.transactions), sorted(r.rejects["reason"])
    (0, ['return with no earlier purchase (rule net)', 'zero value'])
    """
    if rule not in RETURN_RULES:
        raise ValueError(f"unknown returns rule {rule!r}; use one of {', '.join(RETURN_RULES)}")
    tx = transactions
    n_in = len(tx)
    ret = is_return(tx, value_col, quantity_col, status_col, order_col, return_statuses,
                    cancel_prefix)
    # Returns must carry a non-positive value whatever the source's sign convention.
    if rule != "keep" and value_col in tx and ret.any():
        tx = tx.copy()
        tx.loc[ret, value_col] = -pd.to_numeric(tx.loc[ret, value_col], errors="coerce").abs()
    rejects = []
    if drop_zero and value_col in tx:
        zero = pd.to_numeric(tx[value_col], errors="coerce").eq(0).fillna(False) & ~ret
        if zero.any():
            rejects.append(tx[zero].assign(reason="zero value"))
            tx, ret = tx[~zero], ret[~zero]
    netted = 0
    if rule == "drop":
        if ret.any():
            rejects.append(tx[ret].assign(reason="return or cancellation (rule drop)"))
            tx = tx[~ret]
    elif rule == "net" and ret.any():
        tx = tx.copy()
        tx[date_col] = pd.to_datetime(tx[date_col])
        retm = ret.to_numpy()
        cust, when = tx[customer_col].to_numpy(), tx[date_col].to_numpy()
        sales = pd.DataFrame({"_c": cust[~retm], "_t": when[~retm]}).dropna()
        sales = sales.assign(_sale_time=sales["_t"]).sort_values("_t", kind="mergesort")
        rets = pd.DataFrame({"_c": cust[retm], "_t": when[retm], "_row": np.flatnonzero(retm)})
        rets = rets.dropna(subset=["_c", "_t"]).sort_values("_t", kind="mergesort")
        # The key columns must share a dtype for merge_asof.
        sales["_c"], rets["_c"] = sales["_c"].astype(str), rets["_c"].astype(str)
        matched = pd.merge_asof(rets, sales, on="_t", by="_c", direction="backward")
        has = matched["_sale_time"].notna().to_numpy()
        rows = matched["_row"].to_numpy()
        pos_ok, pos_bad = rows[has], np.setdiff1d(np.flatnonzero(retm), rows[has])
        new_when = tx[date_col].to_numpy().copy()
        returned_at = np.full(len(tx), np.datetime64("NaT"), dtype=new_when.dtype)
        returned_at[pos_ok] = new_when[pos_ok]
        new_when[pos_ok] = matched.loc[has, "_sale_time"].to_numpy()
        tx[date_col] = new_when
        tx["returned_at"] = returned_at
        netted = int(len(pos_ok))
        if len(pos_bad):
            bad = np.zeros(len(tx), dtype=bool)
            bad[pos_bad] = True
            rejects.append(tx[bad].drop(columns="returned_at")
                           .assign(reason="return with no earlier purchase (rule net)"))
            tx = tx[~bad]
    rej = pd.concat(rejects) if rejects else transactions.iloc[0:0].assign(reason=pd.Series(
        dtype=object))
    value_removed = float(pd.to_numeric(rej[value_col], errors="coerce").sum()) \
        if value_col in rej and len(rej) else 0.0
    report = {"rule": rule, "lines_in": int(n_in), "return_lines": int(ret.sum()),
              "netted": netted, "removed": int(len(rej)), "value_removed": value_removed}
    assert len(tx) + len(rej) == n_in
    return ReturnHandling(tx, rej, report)
