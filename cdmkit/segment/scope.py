"""One definition of the purchases, returns and customers every report counts.

The segmentation and analysis stages, the overview and the customer database
must agree on what "a return" and "a customer in scope" are, or an analyst sees
11,680 returns in one report and 9,373 in the next. :func:`purchases_in_scope`
is the one place that decides it:

- a line without a customer, or without a readable date, is out of scope (it
  cannot be attributed to anybody or any period) and is counted;
- of the remaining lines, a *return* is a line :func:`~cdmkit.segment.returns.is_return`
  recognises (cancellation, negative quantity, return status); non-product
  lines are set aside first (:func:`~cdmkit.segment.returns.prepare_purchases`);
- a *customer in scope* is a customer with at least one line; a customer whose
  every purchase was cancelled (or who only has non-product lines) stays a
  customer of the database but has no purchases, so no segment and no CLV:
  ``customers_without_purchases`` counts them and the reports say why.

Examples
--------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", None], "order_id": ["1", "C1", "2", "C3"],
...                    "product_id": ["x", "x", "y", "y"], "quantity": [2.0, -2.0, 1.0, -1.0],
...                    "amount": [4.0, -4.0, 3.0, -3.0],
...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03",
...                                                 "2024-01-04"])})
>>> r = purchases_in_scope(tx)
>>> r.report["return_lines"], r.report["no_customer"], r.report["customers_without_purchases"]
(1, 1, 1)
>>> r.transactions["customer_id"].tolist()
['b']
"""

from __future__ import annotations

import pandas as pd

from .returns import ReturnHandling, prepare_purchases

__all__ = ["purchases_in_scope", "describe_scope"]


def purchases_in_scope(transactions: pd.DataFrame, config=None,
                       customer_col: str = "customer_id",
                       date_col: str = "timestamp") -> ReturnHandling:
    """The purchases every stage counts: lines with a customer and a date, returns netted.

    Parameters
    ----------
    transactions : DataFrame
        Canonical transaction lines with ``customer_col`` and ``amount`` filled.
    config : SegmentationConfig, optional
        The returns and non-product rules (``segmentation:`` section).
    customer_col, date_col : str
        Customer key and timestamp columns.

    Returns
    -------
    ReturnHandling
        Purchases, every line left out (with its reason) and the report of
        :func:`~cdmkit.segment.returns.prepare_purchases` plus ``no_customer``,
        ``no_date`` (lines out of scope), ``customers_in`` (customers with any
        line), ``customers_with_purchases`` and ``customers_without_purchases``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a"], "amount": [5.0],
    ...                    "timestamp": [pd.Timestamp("2024-01-01")]})
    >>> purchases_in_scope(tx).report["customers_with_purchases"]
    1
    """
    tx = transactions
    no_cust = tx[customer_col].isna() if customer_col in tx else pd.Series(True, index=tx.index)
    dates = pd.to_datetime(tx[date_col], errors="coerce") if date_col in tx else \
        pd.Series(pd.NaT, index=tx.index)
    no_date = dates.isna() & ~no_cust
    out = [tx[no_cust].assign(reason="no customer"), tx[no_date].assign(reason="no date")]
    kept = tx[~no_cust & ~no_date]
    handled = prepare_purchases(kept, config, customer_col)
    customers_in = int(kept[customer_col].nunique()) if len(kept) else 0
    with_purchases = int(handled.transactions[customer_col].nunique()) \
        if len(handled.transactions) else 0
    report = dict(handled.report, lines_in=int(len(tx)), no_customer=int(no_cust.sum()),
                  no_date=int(no_date.sum()), customers_in=customers_in,
                  customers_with_purchases=with_purchases,
                  customers_without_purchases=customers_in - with_purchases)
    rejects = pd.concat([r for r in out if len(r)] + [handled.rejects]) \
        if any(len(r) for r in out) else handled.rejects
    return ReturnHandling(handled.transactions, rejects, report)


def describe_scope(report: dict) -> str:
    """Why counts of customers and lines differ between tables, in one or two sentences.

    Examples
    --------
    >>> print(describe_scope({"no_customer": 10, "no_date": 0, "customers_in": 5,
    ...                       "customers_with_purchases": 4, "customers_without_purchases": 1}))
    ... # doctest: +NORMALIZE_WHITESPACE
    10 lines without a customer are left out. 1 of 5 customers has no purchase left after
    returns are netted and non-product lines set aside (every order cancelled, or only
    postage, fees or adjustments): it stays in the customer database without a segment, CLV
    or churn score.
    """
    parts = []
    if report.get("no_customer"):
        parts.append(f"{report['no_customer']:,} lines without a customer are left out.")
    if report.get("no_date"):
        parts.append(f"{report['no_date']:,} lines without a readable date are left out.")
    n = int(report.get("customers_without_purchases") or 0)
    if n:
        one = n == 1
        parts.append(f"{n:,} of {report.get('customers_in', 0):,} customers "
                     f"{'has' if one else 'have'} no purchase left after returns are netted and "
                     "non-product lines set aside (every order cancelled, or only postage, fees "
                     f"or adjustments): {'it stays' if one else 'they stay'} in the customer "
                     "database without a segment, CLV or churn score.")
    return " ".join(parts)
