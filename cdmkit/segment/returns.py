"""Explicit rules for cancellations, returns, non-product lines and negative amounts.

A line is a *return* when its quantity is negative, its status is one of
``return_statuses`` (case-insensitive), its order number starts with
``cancel_prefix`` (the Online Retail data marks cancelled invoices with a
leading "C"), or its value is negative while its quantity is not known. A line
with a negative value but a positive quantity (a negative *price*, such as the
Online Retail "Adjust bad debt" lines) is an adjustment, not a return.

Rules (``segmentation.returns``):

``net`` (default)
    Each return is matched to the purchase lines it cancels: same customer, same
    product (``product_id``, when present), same unit price (``unit_price``, or
    value / quantity), bought at or before the return. An earlier line with
    exactly the returned quantity is taken first (the latest such line), else the
    quantity is taken from the latest earlier lines backwards, so a partial
    return reduces its order line and a large one may spread over several. A
    line returned in full leaves the purchases (reason "cancelled by a later
    return"), a partly returned one keeps the remaining quantity and value. The
    return lines themselves leave the purchases. The part of a return that
    matches nothing (its order is before the data starts, or at another price)
    is handled by ``unmatched``: ``drop`` (default) removes and reports it;
    ``net`` moves it to the customer's latest earlier purchase (its
    ``timestamp`` becomes that purchase's time, the original is kept in
    ``returned_at``), so it reduces that period's value without counting as a
    purchase occasion of its own; returns with no earlier purchase are removed.
``drop``
    Return lines are removed (and reported with their reason); the orders they
    cancel keep their full value. This over-states the spend of customers who
    cancel: it is what the common "positive quantities" filter does.
``keep``
    Nothing changes: negative lines count like any other line (what lifetimes does
    when given raw data).

Zero-value lines are kept unless ``drop_zero=True``. Non-product lines (postage,
fees, manual and bad-debt adjustments, samples, vouchers) are recognised by
:func:`non_product_kind` and kept out of spend by :func:`prepare_purchases`.

Examples
--------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"], "order_id": ["1", "C2", "3"],
...                    "product_id": ["x", "x", "y"], "quantity": [3.0, -3.0, 1.0],
...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-09"]),
...                    "amount": [30.0, -30.0, 5.0]})
>>> r = apply_return_rules(tx, "net")
>>> r.transactions["order_id"].tolist(), r.report["matched_value"]
(['3'], 30.0)
>>> apply_return_rules(tx, "drop").transactions["amount"].tolist()
[30.0, 5.0]
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config.segmentation import DEFAULT_NON_PRODUCT_CODES, DEFAULT_NON_PRODUCT_PATTERNS

__all__ = ["RETURN_RULES", "UNMATCHED_RULES", "DEFAULT_RETURN_STATUSES",
           "DEFAULT_NON_PRODUCT_CODES", "DEFAULT_NON_PRODUCT_PATTERNS", "ReturnHandling",
           "is_return", "apply_return_rules", "non_product_kind", "prepare_purchases",
           "describe_returns"]

#: Rule names understood by :func:`apply_return_rules`.
RETURN_RULES = ("net", "drop", "keep")

#: What ``net`` does with the part of a return that matches no earlier purchase line.
UNMATCHED_RULES = ("drop", "net")

#: Status values (lower-case) that mark a line as a return or cancellation.
DEFAULT_RETURN_STATUSES = ("return", "returned", "refund", "refunded", "cancel", "cancelled",
                           "canceled", "cancellation")

@dataclass
class ReturnHandling:
    """Result of :func:`apply_return_rules` and :func:`prepare_purchases`.

    Attributes
    ----------
    transactions : DataFrame
        Lines to use for spend (RFM, CLV) and products.
    rejects : DataFrame
        Removed lines with a ``reason`` column (nothing is lost silently).
    report : dict
        Counts and values: ``rule``, ``lines_in``, ``return_lines``, ``matched_lines``
        (returns fully matched to their orders), ``partly_matched_lines``,
        ``unmatched_lines``, ``matched_value`` and ``unmatched_value`` (positive
        amounts), ``lines_cancelled`` (purchase lines returned in full),
        ``lines_reduced`` (partly returned) and ``value_reduced`` (value taken off
        them), ``netted`` (unmatched returns moved to an earlier purchase),
        ``removed`` (lines) and ``value_removed`` (sum of their values).

    Examples
    --------
    >>> ReturnHandling(pd.DataFrame(), pd.DataFrame(), {"rule": "keep"}).report["rule"]
    'keep'
    """

    transactions: pd.DataFrame
    rejects: pd.DataFrame
    report: dict = field(default_factory=dict)


def _present(df, *cols):
    return tuple(c if c is not None and c in df.columns else None for c in cols)


def is_return(transactions: pd.DataFrame, value_col: str = "amount",
              quantity_col: str = "quantity", status_col: str = "status",
              order_col: str = "order_id", return_statuses=DEFAULT_RETURN_STATUSES,
              cancel_prefix: str | None = "C") -> pd.Series:
    """Boolean mask of return/cancellation lines (columns that are absent are ignored).

    A negative value marks a return only when the quantity is unknown or not
    positive: a negative price on a positive quantity is an adjustment.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"amount": [5.0, -1.0, 3.0, 2.0],
    ...                    "status": ["sale", None, "Return", None],
    ...                    "order_id": ["1", "2", "3", "C4"]})
    >>> is_return(df).tolist()
    [False, True, True, True]
    >>> bad_debt = pd.DataFrame({"amount": [-11062.06], "quantity": [1.0],
    ...                          "order_id": ["A563185"]})
    >>> is_return(bad_debt).tolist()
    [False]
    """
    mask = pd.Series(False, index=transactions.index)
    value_col, quantity_col, status_col, order_col = _present(
        transactions, value_col, quantity_col, status_col, order_col)
    qty = pd.to_numeric(transactions[quantity_col], errors="coerce") if quantity_col else None
    if value_col:
        neg = pd.to_numeric(transactions[value_col], errors="coerce").lt(0).fillna(False)
        if qty is not None:
            neg &= ~qty.gt(0).fillna(False)
        mask |= neg
    if qty is not None:
        mask |= qty.lt(0).fillna(False)
    if status_col and return_statuses:
        st = transactions[status_col].astype("string").str.strip().str.lower()
        mask |= st.isin([s.lower() for s in return_statuses]).fillna(False).astype(bool)
    if order_col and cancel_prefix:
        mask |= transactions[order_col].astype("string").str.startswith(cancel_prefix) \
            .fillna(False).astype(bool)
    return mask.astype(bool)


def non_product_kind(transactions: pd.DataFrame, codes: dict | None = None,
                     patterns: dict | None = None, product_col: str = "product_id",
                     name_col: str = "product_name") -> pd.Series:
    """The kind of each non-product line (postage, fee, ...), missing for products.

    Parameters
    ----------
    transactions : DataFrame
        Lines with a product code and/or a product name (absent columns are ignored).
    codes : dict of str to list of str, optional
        Kind -> product codes, compared after trimming, case-insensitively
        (default :data:`DEFAULT_NON_PRODUCT_CODES`; ``{}`` for none).
    patterns : dict of str to str, optional
        Kind -> regular expression fully matching the code or the name,
        case-insensitively (default :data:`DEFAULT_NON_PRODUCT_PATTERNS`).
    product_col, name_col : str
        Columns of the product code and name.

    Returns
    -------
    Series
        Kind per line (object dtype; ``None`` for product lines); codes win over patterns.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"product_id": ["22423", "POST", "m", "gift_0001_20", "X1"],
    ...                    "product_name": ["REGENCY CAKESTAND", "POSTAGE", "Manual", None,
    ...                                     "Bank Charges"]})
    >>> non_product_kind(tx).tolist()
    [None, 'postage', 'manual adjustment', 'gift voucher', 'fee']
    """
    codes = DEFAULT_NON_PRODUCT_CODES if codes is None else codes
    patterns = DEFAULT_NON_PRODUCT_PATTERNS if patterns is None else patterns
    product_col, name_col = _present(transactions, product_col, name_col)
    kind = pd.Series(None, index=transactions.index, dtype=object)
    texts = [transactions[c].astype("string").str.strip() for c in (product_col, name_col) if c]
    if not texts:
        return kind
    # Patterns first, then codes, so that an explicit code wins.
    for k, pat in patterns.items():
        rx = re.compile(pat, re.IGNORECASE)
        for t in texts:
            hit = t.str.fullmatch(rx).fillna(False).astype(bool) & kind.isna()
            kind[hit] = k
    if product_col:
        code = texts[0].str.upper()
        for k, values in codes.items():
            hit = code.isin([str(v).strip().upper() for v in values]).fillna(False).astype(bool)
            kind[hit] = k
    return kind.astype(object).where(kind.notna(), None)


def _units_and_price(tx, value_col, quantity_col, price_col):
    """Units to net (quantity, else value) and the price that must agree (or None)."""
    value = pd.to_numeric(tx[value_col], errors="coerce") if value_col else None
    if quantity_col:
        units = pd.to_numeric(tx[quantity_col], errors="coerce").abs()
        if price_col:
            price = pd.to_numeric(tx[price_col], errors="coerce").abs()
        elif value is not None:
            price = (value.abs() / units.where(units > 0)).round(6)
        else:
            price = None
    else:
        units, price = (value.abs() if value is not None else
                        pd.Series(np.nan, index=tx.index)), None
    return units, price


def _match(tx, ret, customer_col, product_col, date_col, units, price):
    """Greedy matching of returns to earlier purchase lines with the same key.

    Returns ``(taken, matched)``: units taken from each purchase line and units of
    each return that found its order (arrays over ``tx`` rows).
    """
    n = len(tx)
    taken, matched = np.zeros(n), np.zeros(n)
    if customer_col not in tx:
        return taken, matched
    keys = [tx[customer_col].astype("string")]
    if product_col:
        keys.append(tx[product_col].astype("string").str.strip())
    if price is not None:
        keys.append(price.round(4).astype("string"))
    frame = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)})
    gid = frame.groupby(list(frame.columns), dropna=True, sort=False).ngroup().to_numpy()
    when = pd.to_datetime(tx[date_col], errors="coerce").to_numpy()
    u = units.to_numpy(dtype=float)
    retm = ret.to_numpy()
    ok = (gid >= 0) & ~pd.isna(when) & (u > 0)
    rets = np.flatnonzero(retm & ok)
    if not len(rets):
        return taken, matched
    want = set(gid[rets].tolist())
    buys = np.flatnonzero(~retm & ok & np.isin(gid, list(want)))
    order = np.lexsort((buys, when[buys], gid[buys]))
    buys = buys[order]
    by_key: dict = {}
    for g, i in zip(gid[buys].tolist(), buys.tolist()):
        by_key.setdefault(g, []).append(i)
    times = {g: [when[i] for i in rows] for g, rows in by_key.items()}
    left = u.copy()
    for r in rets[np.lexsort((rets, when[rets]))].tolist():
        rows = by_key.get(gid[r])
        if not rows:
            continue
        earlier = rows[:bisect.bisect_right(times[gid[r]], when[r])]
        need = u[r]
        exact = next((i for i in reversed(earlier) if abs(left[i] - need) < 1e-9), None)
        for i in ([exact] if exact is not None else reversed(earlier)):
            if need <= 1e-9:
                break
            t = min(left[i], need)
            if t <= 0:
                continue
            left[i] -= t
            taken[i] += t
            need -= t
        matched[r] = u[r] - max(need, 0.0)
    return taken, matched


def apply_return_rules(transactions: pd.DataFrame, rule: str = "net",
                       customer_col: str = "customer_id", date_col: str = "timestamp",
                       value_col: str = "amount", quantity_col: str = "quantity",
                       status_col: str = "status", order_col: str = "order_id",
                       return_statuses=DEFAULT_RETURN_STATUSES,
                       cancel_prefix: str | None = "C", drop_zero: bool = False,
                       product_col: str = "product_id", price_col: str = "unit_price",
                       unmatched: str = "drop") -> ReturnHandling:
    """Apply one explicit rule to returns, cancellations and negative amounts.

    Parameters
    ----------
    transactions : DataFrame
        Transaction lines.
    rule : {"net", "drop", "keep"}
        See the module documentation.
    customer_col, date_col, value_col, quantity_col, status_col, order_col : str
        Column names (status, quantity and order columns are optional).
    return_statuses : sequence of str
        Status values that mark returns.
    cancel_prefix : str or None
        Order-number prefix of cancellations (``None`` to ignore order numbers).
    drop_zero : bool
        Also remove lines whose value is exactly zero.
    product_col, price_col : str
        Product and unit-price columns a return must agree on with its order
        (ignored when absent).
    unmatched : {"drop", "net"}
        With ``net``: what happens to the part of a return that matches no order line.

    Returns
    -------
    ReturnHandling

    Examples
    --------
    A partial return reduces its order line; a return of an order bought before the
    data starts matches nothing and is removed:

    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"], "order_id": ["1", "C2", "C3"],
    ...                    "product_id": ["x", "x", "y"], "quantity": [10.0, -4.0, -1.0],
    ...                    "unit_price": [2.0, 2.0, 7.0],
    ...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-05",
    ...                                                 "2024-01-06"])})
    >>> r = apply_return_rules(tx.assign(amount=tx.quantity * tx.unit_price), "net")
    >>> r.transactions[["order_id", "quantity", "amount"]].values.tolist()
    [['1', 6.0, 12.0]]
    >>> r.report["matched_value"], r.report["unmatched_value"], r.report["lines_reduced"]
    (8.0, 7.0, 1)
    """
    if rule not in RETURN_RULES:
        raise ValueError(f"unknown returns rule {rule!r}; use one of {', '.join(RETURN_RULES)}")
    if unmatched not in UNMATCHED_RULES:
        raise ValueError(f"unknown unmatched-returns rule {unmatched!r}; use one of "
                         f"{', '.join(UNMATCHED_RULES)}")
    tx = transactions
    n_in = len(tx)
    ret = is_return(tx, value_col, quantity_col, status_col, order_col, return_statuses,
                    cancel_prefix)
    value_col, quantity_col, product_col, price_col = _present(
        tx, value_col, quantity_col, product_col, price_col)
    # Returns must carry a non-positive value whatever the source's sign convention.
    if rule != "keep" and value_col and ret.any():
        tx = tx.copy()
        tx.loc[ret, value_col] = -pd.to_numeric(tx.loc[ret, value_col], errors="coerce").abs()
    rejects = []
    if drop_zero and value_col:
        zero = pd.to_numeric(tx[value_col], errors="coerce").eq(0).fillna(False) & ~ret
        if zero.any():
            rejects.append(tx[zero].assign(reason="zero value"))
            tx, ret = tx[~zero], ret[~zero]
    report = {"rule": rule, "lines_in": int(n_in), "return_lines": int(ret.sum()),
              "matched_lines": 0, "partly_matched_lines": 0, "unmatched_lines": 0,
              "matched_value": 0.0, "unmatched_value": 0.0, "lines_cancelled": 0,
              "lines_reduced": 0, "value_reduced": 0.0, "netted": 0}
    if rule == "drop":
        if ret.any():
            rejects.append(tx[ret].assign(reason="return or cancellation (rule drop)"))
            tx = tx[~ret]
    elif rule == "net" and ret.any():
        tx, ret, more, figs = _net(tx, ret, customer_col, date_col, value_col, quantity_col,
                                   product_col, price_col, unmatched)
        rejects.extend(more)
        report.update(figs)
    rej = pd.concat(rejects) if rejects else transactions.iloc[0:0].assign(reason=pd.Series(
        dtype=object))
    report["removed"] = int(len(rej))
    report["value_removed"] = float(pd.to_numeric(rej[value_col], errors="coerce").sum()) \
        if value_col and len(rej) else 0.0
    assert len(tx) + len(rej) == n_in
    return ReturnHandling(tx, rej, report)


def _net(tx, ret, customer_col, date_col, value_col, quantity_col, product_col, price_col,
         unmatched):
    """The ``net`` rule: match, reduce and remove (see :func:`apply_return_rules`)."""
    tx = tx.copy()
    units, price = _units_and_price(tx, value_col, quantity_col, price_col)
    taken, matched = _match(tx, ret, customer_col, product_col, date_col, units, price)
    u = units.to_numpy(dtype=float)
    retm = ret.to_numpy()
    value = pd.to_numeric(tx[value_col], errors="coerce").to_numpy(dtype=float) \
        if value_col else np.full(len(tx), np.nan)
    share = np.divide(matched, u, out=np.zeros(len(tx)), where=u > 0)
    full = retm & (share >= 1 - 1e-9)
    part = retm & (share > 1e-9) & ~full
    none = retm & ~full & ~part
    figs = {"matched_lines": int(full.sum()), "partly_matched_lines": int(part.sum()),
            "unmatched_lines": int(none.sum()),
            "matched_value": float(np.nansum(-value[retm] * share[retm])),
            "unmatched_value": float(np.nansum(-value[retm] * (1 - share[retm]))),
            "netted": 0}
    left = u - taken
    cancelled = ~retm & (taken > 0) & (left <= 1e-9)
    reduced = ~retm & (taken > 0) & ~cancelled
    figs["lines_cancelled"], figs["lines_reduced"] = int(cancelled.sum()), int(reduced.sum())
    rejects = []
    if cancelled.any():
        rejects.append(tx[cancelled].assign(reason="cancelled by a later return (rule net)"))
    if reduced.any():
        keep_share = left[reduced] / u[reduced]
        # Whole-unit columns may become fractional (value-based netting): store as float.
        if value_col:
            before = value[reduced]
            tx[value_col] = value
            tx.loc[reduced, value_col] = before * keep_share
            figs["value_reduced"] = float(np.nansum(before * (1 - keep_share)))
        if quantity_col:
            q = pd.to_numeric(tx[quantity_col], errors="coerce").astype(float)
            q[reduced] = np.sign(q[reduced]) * left[reduced]
            tx[quantity_col] = q
    if (full | part).any():
        rejects.append(tx[full | part].assign(
            reason="return matched to the order it cancels (rule net)"))
    drop_now = cancelled | full | part
    if unmatched == "drop" and none.any():
        rejects.append(tx[none].assign(reason="return not matched to an earlier order (rule net)"))
        drop_now |= none
    elif none.any():
        moved, bad = _move_to_latest_purchase(tx, none, ~retm & ~cancelled, customer_col,
                                              date_col)
        figs["netted"] = int(moved.sum())
        if bad.any():
            rejects.append(tx[bad].drop(columns="returned_at", errors="ignore")
                           .assign(reason="return with no earlier purchase (rule net)"))
            drop_now |= bad
    keep = ~drop_now
    return tx[keep], ret[keep], rejects, figs


def _move_to_latest_purchase(tx, rows, sales_rows, customer_col, date_col):
    """Move unmatched returns (in place) to the customer's latest earlier purchase."""
    tx[date_col] = pd.to_datetime(tx[date_col])
    cust, when = tx[customer_col].to_numpy(), tx[date_col].to_numpy()
    sales = pd.DataFrame({"_c": cust[sales_rows], "_t": when[sales_rows]}).dropna()
    sales = sales.assign(_sale_time=sales["_t"]).sort_values("_t", kind="mergesort")
    rets = pd.DataFrame({"_c": cust[rows], "_t": when[rows], "_row": np.flatnonzero(rows)})
    rets = rets.dropna(subset=["_c", "_t"]).sort_values("_t", kind="mergesort")
    # The key columns must share a dtype for merge_asof.
    sales["_c"], rets["_c"] = sales["_c"].astype(str), rets["_c"].astype(str)
    m = pd.merge_asof(rets, sales, on="_t", by="_c", direction="backward")
    has = m["_sale_time"].notna().to_numpy()
    ok_rows = m["_row"].to_numpy()[has]
    new_when = when.copy()
    returned_at = np.full(len(tx), np.datetime64("NaT"), dtype=new_when.dtype)
    returned_at[ok_rows] = new_when[ok_rows]
    new_when[ok_rows] = m.loc[has, "_sale_time"].to_numpy()
    tx[date_col] = new_when
    tx["returned_at"] = returned_at
    moved = np.zeros(len(tx), dtype=bool)
    moved[ok_rows] = True
    return moved, rows & ~moved


def prepare_purchases(transactions: pd.DataFrame, config=None,
                      customer_col: str = "customer_id") -> ReturnHandling:
    """Purchases for spend and product analyses: non-product lines out, then the returns rule.

    The one place where the segmentation and analysis stages clean their lines,
    so both count the same spend.

    Parameters
    ----------
    transactions : DataFrame
        Canonical transaction lines (``amount`` filled).
    config : SegmentationConfig, optional
        ``returns``, ``unmatched_returns``, ``return_statuses``, ``cancel_prefix``,
        ``drop_zero_amount``, ``non_product_codes`` and ``non_product_patterns``
        (defaults when omitted).
    customer_col : str
        Customer key.

    Returns
    -------
    ReturnHandling
        The report adds ``non_product_lines``, ``non_product_value`` and
        ``non_product_by_kind`` (lines per kind) to the returns counts; the
        non-product lines are in the rejects with reason "non-product line (<kind>)".

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"], "product_id": ["85123A", "POST", "B"],
    ...                    "quantity": [2.0, 1.0, 1.0], "unit_price": [2.55, 18.0, -11062.06],
    ...                    "timestamp": pd.to_datetime(["2024-01-01"] * 3)})
    >>> r = prepare_purchases(tx.assign(amount=tx.quantity * tx.unit_price))
    >>> r.transactions["product_id"].tolist(), r.report["non_product_by_kind"]
    (['85123A'], {'bad debt adjustment': 1, 'postage': 1})
    >>> r.report["return_lines"]
    0
    """
    from ..config.segmentation import SegmentationConfig

    cfg = config or SegmentationConfig()
    kind = non_product_kind(transactions, cfg.non_product_codes, cfg.non_product_patterns)
    other = kind.notna().to_numpy()
    non_product = transactions[other].assign(reason="non-product line (" + kind[other] + ")")
    handled = apply_return_rules(transactions[~other], cfg.returns, customer_col=customer_col,
                                 return_statuses=cfg.return_statuses,
                                 cancel_prefix=cfg.cancel_prefix, drop_zero=cfg.drop_zero_amount,
                                 unmatched=cfg.unmatched_returns)
    counts = kind[other].value_counts()
    value = pd.to_numeric(non_product["amount"], errors="coerce").sum() \
        if "amount" in non_product else 0.0
    report = dict(handled.report, lines_in=int(len(transactions)),
                  non_product_lines=int(other.sum()), non_product_value=float(value),
                  non_product_by_kind={str(k): int(v) for k, v in sorted(counts.items())})
    rejects = pd.concat([non_product, handled.rejects]) if len(non_product) else handled.rejects
    return ReturnHandling(handled.transactions, rejects, report)


def describe_returns(report: dict, currency: str | None = None) -> str:
    """The returns report in plain words, for a report or an overview page.

    Parameters
    ----------
    report : dict
        ``ReturnHandling.report`` (of :func:`prepare_purchases` or
        :func:`apply_return_rules`).
    currency : str, optional
        ISO code of the amounts (:func:`cdmkit.display.money`).

    Returns
    -------
    str

    Examples
    --------
    >>> rep = {"rule": "net", "return_lines": 3, "matched_lines": 2, "partly_matched_lines": 0,
    ...        "unmatched_lines": 1, "matched_value": 120.0, "unmatched_value": 8.5,
    ...        "lines_cancelled": 2, "lines_reduced": 0, "netted": 0,
    ...        "non_product_lines": 4, "non_product_value": 36.0}
    >>> print(describe_returns(rep))  # doctest: +NORMALIZE_WHITESPACE
    Returns rule net: 3 return or cancellation lines; 2 matched in full and 0 in part to the
    orders they cancel (¤120.00 netted: 2 order lines cancelled in full, 0 reduced); 1 matched
    no earlier order (¤8.50, left out). 4 non-product lines (postage, fees, adjustments;
    ¤36.00) are not counted as spend.
    """
    from ..display import money

    r = report
    rule = r.get("rule", "?")
    n = int(r.get("return_lines", 0))
    if rule == "net":
        left = "netted against the latest earlier purchase" if r.get("netted") else "left out"
        text = (f"Returns rule net: {n:,} return or cancellation lines; "
                f"{r.get('matched_lines', 0):,} matched in full and "
                f"{r.get('partly_matched_lines', 0):,} in part to the orders they cancel "
                f"({money(r.get('matched_value', 0.0), currency)} netted: "
                f"{r.get('lines_cancelled', 0):,} order lines cancelled in full, {r.get('lines_reduced', 0):,} reduced); "
                f"{r.get('unmatched_lines', 0):,} matched no earlier order "
                f"({money(r.get('unmatched_value', 0.0), currency)}, {left}).")
    elif rule == "drop":
        text = (f"Returns rule drop: {n:,} return or cancellation lines removed; the orders "
                "they cancel keep their full value (spend is over-stated for customers who "
                "cancel).")
    else:
        text = f"Returns rule keep: {n:,} return or cancellation lines counted as they are."
    if "non_product_lines" in r:
        text += (f" {r['non_product_lines']:,} non-product lines (postage, fees, adjustments; "
                 f"{money(r.get('non_product_value', 0.0), currency)}) are not counted as spend.")
    return text
