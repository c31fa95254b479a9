"""Purchase patterns: what each segment buys, what is bought together, and when.

Co-purchase pairs come from a self-join of the basket table on the basket key
(vectorised, no loops over baskets); only the ``max_items`` most frequent items
enter the join, which bounds its size on large catalogues.

Examples
--------
>>> import pandas as pd
>>> tx = pd.DataFrame({"order": [1, 1, 2, 2, 3, 3, 4], "item": list("abababc")})
>>> co_purchase(tx, "order", "item", min_support=0.1)[["item_a", "item_b", "pairs", "lift"]]
  item_a item_b  pairs      lift
0      a      b      3  1.333333
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._checks import AnalysisInputError

__all__ = ["top_items", "co_purchase", "seasonality", "activity_per_customer",
           "activity_per_segment"]


def top_items(transactions: pd.DataFrame, item_col: str = "product_id", *,
              segments: pd.Series | None = None, customer_col: str = "customer_id",
              value_col: str | None = "amount", n: int = 5) -> pd.DataFrame:
    """Top ``n`` items (products or categories) per segment by revenue (or by lines).

    Parameters
    ----------
    transactions : DataFrame
        Purchase lines.
    item_col : str
        Product or category column.
    segments : Series, optional
        Customer -> segment; without it, one group ``"all"``.
    customer_col, value_col : str
        Customer key; value column (``None`` ranks by number of lines).
    n : int
        Items per segment.

    Returns
    -------
    DataFrame
        ``segment``, ``rank``, ``item``, ``customers``, ``lines``, ``revenue``
        (if values) and ``share`` (of the segment's revenue or lines).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "product_id": ["x", "y", "x"],
    ...                    "amount": [5.0, 1.0, 2.0]})
    >>> top_items(tx, n=1)[["segment", "item", "revenue"]].values.tolist()
    [['all', 'x', 7.0]]
    """
    if item_col not in transactions.columns:
        raise AnalysisInputError(f"transactions have no column {item_col!r}")
    cols = [customer_col, item_col] + ([value_col] if value_col else [])
    tx = transactions[cols].dropna(subset=[item_col])
    seg = tx[customer_col].map(segments) if segments is not None else \
        pd.Series("all", index=tx.index)
    tx = tx.assign(segment=seg.astype(object).where(seg.notna(), "(none)").astype(str))
    agg = {"customers": (customer_col, "nunique"), "lines": (item_col, "size")}
    if value_col:
        agg["revenue"] = (value_col, "sum")
    g = tx.groupby(["segment", item_col]).agg(**agg).reset_index()
    key = "revenue" if value_col else "lines"
    g["share"] = g[key] / g.groupby("segment")[key].transform("sum")
    g = g.sort_values(["segment", key, item_col], ascending=[True, False, True])
    g["rank"] = g.groupby("segment").cumcount() + 1
    g = g[g["rank"] <= n].rename(columns={item_col: "item"})
    out_cols = ["segment", "rank", "item", "customers", "lines"] + \
        (["revenue"] if value_col else []) + ["share"]
    return g[out_cols].reset_index(drop=True)


def co_purchase(transactions: pd.DataFrame, basket_col: str = "order_id",
                item_col: str = "product_id", *, min_support: float = 0.01,
                max_items: int = 300, min_pairs: int = 2) -> pd.DataFrame:
    """Pairs of items bought in the same basket, with support, confidence and lift.

    support = P(A and B), confidence = P(B | A), lift = P(A and B) / (P(A) P(B)),
    all over baskets. Each pair appears once (``item_a < item_b``) with both
    confidences.

    Parameters
    ----------
    transactions : DataFrame
        Purchase lines with a basket (order/invoice) key.
    basket_col, item_col : str
        Basket key and item (product or category).
    min_support : float
        Keep pairs present in at least this share of baskets.
    max_items : int
        Only the most frequent items are paired (bounds the self-join).
    min_pairs : int
        Keep pairs seen in at least this many baskets.

    Returns
    -------
    DataFrame
        ``item_a``, ``item_b``, ``pairs``, ``support``, ``confidence_ab``,
        ``confidence_ba``, ``lift``; sorted by lift, then pairs.

    Raises
    ------
    AnalysisInputError
        Missing basket or item column.
    """
    for c in (basket_col, item_col):
        if c not in transactions.columns:
            raise AnalysisInputError(f"transactions have no column {c!r} (needed for "
                                     "co-purchase pairs)")
    b = transactions[[basket_col, item_col]].dropna().drop_duplicates()
    cols = ["item_a", "item_b", "pairs", "support", "confidence_ab", "confidence_ba", "lift"]
    n_baskets = b[basket_col].nunique()
    if n_baskets == 0:
        return pd.DataFrame(columns=cols)
    item_counts = b[item_col].value_counts()
    item_counts = item_counts[item_counts / n_baskets >= min_support]
    frequent = item_counts.sort_values(ascending=False, kind="stable").head(max_items)
    b = b[b[item_col].isin(frequent.index)]
    # Integer codes make the self-join cheap; order codes by item so item_a < item_b.
    items = np.sort(frequent.index.astype(str).to_numpy())
    code = pd.Series(np.arange(len(items)), index=items)
    b = pd.DataFrame({"basket": pd.factorize(b[basket_col])[0],
                      "item": code.reindex(b[item_col].astype(str)).to_numpy()})
    pairs = b.merge(b, on="basket", suffixes=("_a", "_b"))
    pairs = pairs[pairs["item_a"] < pairs["item_b"]]
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    cnt = pairs.groupby(["item_a", "item_b"]).size().rename("pairs").reset_index()
    cnt = cnt[(cnt["pairs"] >= min_pairs) & (cnt["pairs"] / n_baskets >= min_support)]
    na = frequent.reindex(items[cnt["item_a"]]).to_numpy(dtype=float)
    nb = frequent.reindex(items[cnt["item_b"]]).to_numpy(dtype=float)
    out = pd.DataFrame({"item_a": items[cnt["item_a"]], "item_b": items[cnt["item_b"]],
                        "pairs": cnt["pairs"].to_numpy()})
    out["support"] = out["pairs"] / n_baskets
    out["confidence_ab"] = out["pairs"] / na
    out["confidence_ba"] = out["pairs"] / nb
    out["lift"] = out["pairs"] * n_baskets / (na * nb)
    return out.sort_values(["lift", "pairs", "item_a", "item_b"],
                           ascending=[False, False, True, True], ignore_index=True)[cols]


def seasonality(transactions: pd.DataFrame, date_col: str = "timestamp",
                value_col: str | None = "amount", basket_col: str | None = None) -> dict:
    """Activity by calendar month and by weekday.

    Returns
    -------
    dict
        ``"month"`` and ``"weekday"`` DataFrames with ``purchases`` (baskets, or
        purchase lines without ``basket_col``), ``revenue`` (if values) and
        ``share`` of purchases; months 1-12 and weekdays Monday..Sunday in order.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"timestamp": ["2024-01-01", "2024-01-02", "2024-02-05"]})
    >>> seasonality(tx, value_col=None)["weekday"]["purchases"].tolist()[:2]
    [2, 1]
    """
    ts = pd.to_datetime(transactions[date_col], errors="coerce")
    ok = ts.notna()
    df = pd.DataFrame({"month": ts[ok].dt.month, "weekday": ts[ok].dt.day_name()})
    if basket_col and basket_col in transactions.columns:
        df["b"] = transactions.loc[ok, basket_col].to_numpy()
    else:
        df["b"] = np.arange(len(df))
    if value_col:
        df["v"] = transactions.loc[ok, value_col].to_numpy(dtype=float)
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    out = {}
    for key, order in (("month", list(range(1, 13))), ("weekday", days)):
        agg = {"purchases": ("b", "nunique")}
        if value_col:
            agg["revenue"] = ("v", "sum")
        g = df.groupby(key).agg(**agg).reindex(order, fill_value=0)
        g["share"] = g["purchases"] / max(g["purchases"].sum(), 1)
        g.index.name = key
        out[key] = g.reset_index()
    return out


def activity_per_customer(df: pd.DataFrame, type_col: str, customer_col: str = "customer_id",
                          max_types: int = 10) -> pd.DataFrame:
    """Counts per activity type (events or interactions) per customer.

    The ``max_types`` most common types get a column each, others are pooled
    into ``other``; ``total`` is the sum.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"customer_id": [1, 1, 2], "event_type": ["view", "buy", "view"]})
    >>> activity_per_customer(ev, "event_type").loc[1].tolist()
    [1, 1, 2]
    """
    if type_col not in df.columns or customer_col not in df.columns:
        raise AnalysisInputError(f"activity table needs {customer_col!r} and {type_col!r}")
    d = df[[customer_col, type_col]].dropna(subset=[customer_col])
    t = d[type_col].astype(str)
    top = t.value_counts().head(max_types).index
    t = t.where(t.isin(top), "other")
    out = pd.crosstab(d[customer_col], t)
    out = out[sorted(out.columns)]
    out["total"] = out.sum(axis=1)
    out.columns.name = None
    return out


def activity_per_segment(per_customer: pd.DataFrame, segments: pd.Series) -> pd.DataFrame:
    """Mean activity per customer of each segment (customers without activity count as 0).

    Parameters
    ----------
    per_customer : DataFrame
        From :func:`activity_per_customer`.
    segments : Series
        Customer -> segment for every customer of interest.

    Examples
    --------
    >>> import pandas as pd
    >>> pc = pd.DataFrame({"view": [2, 1], "total": [2, 1]}, index=[1, 2])
    >>> activity_per_segment(pc, pd.Series({1: "A", 2: "B", 3: "B"}))["total"].tolist()
    [2.0, 0.5]
    """
    full = per_customer.reindex(segments.index, fill_value=0)
    full = full.assign(segment=segments.astype(str).to_numpy())
    g = full.groupby("segment")
    out = g.mean().astype(float)
    out.insert(0, "customers", g.size())
    return out
