"""Purchase patterns: what each segment buys, what is bought together, and when.

Co-purchase pairs come from a sparse basket x item product (no loops over
baskets); only items that reach the minimum support can be in a pair that does,
so only those are paired. Products are shown with their names (the most frequent
spelling of each code, :func:`product_names`).

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

__all__ = ["top_items", "product_names", "co_purchase", "seasonality", "activity_per_customer",
           "activity_per_segment"]


def top_items(transactions: pd.DataFrame, item_col: str = "product_id", *,
              segments: pd.Series | None = None, customer_col: str = "customer_id",
              value_col: str | None = "amount", n: int = 5,
              names: pd.Series | None = None) -> pd.DataFrame:
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
    names : Series, optional
        Item -> name (see :func:`product_names`): adds a ``name`` column.

    Returns
    -------
    DataFrame
        ``segment``, ``rank``, ``item``, (``name``), ``customers``, ``lines``,
        ``revenue`` (if values) and ``share`` (of the segment's revenue or lines).

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
    if names is not None:
        g["name"] = g["item"].map(names)
    out_cols = ["segment", "rank", "item"] + (["name"] if names is not None else []) + \
        ["customers", "lines"] + \
        (["revenue"] if value_col else []) + ["share"]
    return g[out_cols].reset_index(drop=True)


def product_names(transactions: pd.DataFrame, item_col: str = "product_id",
                  name_col: str = "product_name") -> pd.Series:
    """The name of each product: its most frequent spelling (ties: alphabetical first).

    Missing names (:func:`cdmkit.missing.is_present`: blanks and words such as
    ``"nan"``, how some exports store a missing description) are ignored; codes with no name are absent from the result.

    Parameters
    ----------
    transactions : DataFrame
        Lines with a product code and the mapped product name.
    item_col, name_col : str
        Code and name columns.

    Returns
    -------
    Series
        Code -> name (index of the codes' own type).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"product_id": [85123, 85123, 85123, 22423, 1],
    ...                    "product_name": ["WHITE HANGING HEART T-LIGHT HOLDER",
    ...                                     "CREAM HANGING HEART T-LIGHT HOLDER",
    ...                                     "WHITE HANGING HEART T-LIGHT HOLDER",
    ...                                     "REGENCY CAKESTAND 3 TIER", "nan"]})
    >>> product_names(tx).to_dict()
    {22423: 'REGENCY CAKESTAND 3 TIER', 85123: 'WHITE HANGING HEART T-LIGHT HOLDER'}
    """
    if item_col not in transactions or name_col not in transactions:
        return pd.Series(dtype=object)
    from ..missing import is_present

    d = pd.DataFrame({"item": transactions[item_col],
                      "name": transactions[name_col].astype("string").str.strip()})
    d = d[d["item"].notna() & is_present(d["name"])]  # "nan", "NULL", "" are no names
    if d.empty:
        return pd.Series(dtype=object)
    n = d.groupby(["item", "name"]).size().rename("n").reset_index()
    n = n.sort_values(["item", "n", "name"], ascending=[True, False, True], kind="mergesort")
    first = n.drop_duplicates("item")
    return pd.Series(first["name"].astype(object).to_numpy(), index=first["item"].to_numpy(),
                     name=name_col)


def _sorted_labels(labels) -> np.ndarray:
    """Item labels sorted in their own type's order (strings when types are mixed)."""
    try:
        return np.asarray(sorted(labels), dtype=object)
    except TypeError:
        return np.asarray(sorted(labels, key=str), dtype=object)


def co_purchase(transactions: pd.DataFrame, basket_col: str = "order_id",
                item_col: str = "product_id", *, min_support: float = 0.01,
                max_items: int | None = None, min_pairs: int = 2,
                names: pd.Series | None = None) -> pd.DataFrame:
    """Pairs of items bought in the same basket, with support, confidence and lift.

    Definitions are those of association rules (and of mlxtend's
    ``association_rules``), over baskets: support = P(A and B), confidence A->B =
    P(A and B) / P(A), lift = confidence A->B / P(B) = P(A and B) / (P(A) P(B)).
    Each pair appears once (``item_a < item_b`` in the items' own order) with both
    confidences. A pair can only reach ``min_support`` when both its items do, so
    only those items are paired (exact, no cap needed); pair counts come from a
    sparse basket x item product, so the cost grows with the pairs that occur.

    Parameters
    ----------
    transactions : DataFrame
        Purchase lines with a basket (order/invoice) key.
    basket_col, item_col : str
        Basket key and item (product or category; text or integer codes).
    min_support : float
        Keep pairs present in at least this share of baskets.
    max_items : int, optional
        Bound on the items paired, for memory: the items with the highest support
        are kept. How many were left out is reported in ``attrs["items_capped"]``
        (0 when none); ``None`` = no bound.
    min_pairs : int
        Keep pairs seen in at least this many baskets.
    names : Series, optional
        Item -> name (see :func:`product_names`): adds ``name_a`` and ``name_b``.

    Returns
    -------
    DataFrame
        ``item_a``, (``name_a``), ``item_b``, (``name_b``), ``pairs``, ``support``,
        ``confidence_ab``, ``confidence_ba``, ``lift``; sorted by lift, then pairs.
        ``attrs``: ``n_baskets``, ``items_frequent`` (items reaching ``min_support``),
        ``items_capped``.

    Raises
    ------
    AnalysisInputError
        Missing basket or item column.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"order": [1, 1, 2, 2, 3, 3, 4], "item": [10, 20, 10, 20, 10, 20, 30]})
    >>> out = co_purchase(tx, "order", "item", names=pd.Series({10: "mug", 20: "tea"}))
    >>> out[["item_a", "name_a", "item_b", "name_b", "pairs", "lift"]].values.tolist()
    [[10, 'mug', 20, 'tea', 3, 1.3333333333333333]]
    """
    from scipy import sparse

    for c in (basket_col, item_col):
        if c not in transactions.columns:
            raise AnalysisInputError(f"transactions have no column {c!r} (needed for "
                                     "co-purchase pairs)")
    b = transactions[[basket_col, item_col]].dropna().drop_duplicates()
    cols = ["item_a"] + (["name_a"] if names is not None else []) + ["item_b"] + \
        (["name_b"] if names is not None else []) + \
        ["pairs", "support", "confidence_ab", "confidence_ba", "lift"]
    n_baskets = int(b[basket_col].nunique())
    counts = b[item_col].value_counts()
    frequent = counts[counts / max(n_baskets, 1) >= min_support]
    n_frequent = int(len(frequent))
    capped = 0
    if max_items is not None and len(frequent) > max_items:
        order = pd.DataFrame({"n": frequent.to_numpy(), "key": frequent.index.astype(str)})
        keep = order.sort_values(["n", "key"], ascending=[False, True]).index[:max_items]
        capped = len(frequent) - max_items
        frequent = frequent.iloc[np.sort(keep)]
    attrs = {"n_baskets": n_baskets, "items_frequent": n_frequent, "items_capped": int(capped)}
    empty = pd.DataFrame(columns=cols)
    empty.attrs.update(attrs)
    if n_baskets == 0 or len(frequent) < 2:
        return empty
    items = _sorted_labels(frequent.index)
    code = pd.Series(np.arange(len(items)), index=pd.Index(items, dtype=object))
    b = b[b[item_col].isin(frequent.index)]
    rows = pd.factorize(b[basket_col])[0]
    colix = code.reindex(pd.Index(b[item_col].to_numpy(), dtype=object)).to_numpy()
    m = sparse.csr_matrix((np.ones(len(b), dtype=np.int64), (rows, colix)),
                          shape=(rows.max() + 1 if len(rows) else 0, len(items)))
    co = sparse.triu(m.T @ m, k=1).tocoo()
    cnt = pd.DataFrame({"a": co.row, "b": co.col, "pairs": co.data.astype(np.int64)})
    cnt = cnt[(cnt["pairs"] >= min_pairs) & (cnt["pairs"] / n_baskets >= min_support)]
    if cnt.empty:
        return empty
    size = frequent.reindex(pd.Index(items, dtype=object)).to_numpy(dtype=float)
    na, nb = size[cnt["a"].to_numpy()], size[cnt["b"].to_numpy()]
    out = pd.DataFrame({"item_a": items[cnt["a"].to_numpy()], "item_b": items[cnt["b"].to_numpy()],
                        "pairs": cnt["pairs"].to_numpy()})
    if names is not None:
        out["name_a"] = out["item_a"].map(names)
        out["name_b"] = out["item_b"].map(names)
    out["support"] = out["pairs"] / n_baskets
    out["confidence_ab"] = out["pairs"] / na
    out["confidence_ba"] = out["pairs"] / nb
    out["lift"] = out["pairs"] * n_baskets / (na * nb)
    out = out.assign(_a=cnt["a"].to_numpy(), _b=cnt["b"].to_numpy())
    out = out.sort_values(["lift", "pairs", "_a", "_b"], ascending=[False, False, True, True],
                          ignore_index=True)[cols]
    out.attrs.update(attrs)
    return out


def seasonality(transactions: pd.DataFrame, date_col: str = "timestamp",
                value_col: str | None = "amount", basket_col: str | None = None) -> dict:
    """Activity by calendar month (per year and month of year) and by weekday.

    A 13-month export holds two Decembers: adding them up as "December" doubles it.
    So months are counted per calendar year-month, and the month-of-year view says
    how many years lie behind each month and how much of each month the data cover.

    Returns
    -------
    dict
        ``"year_month"``: ``year_month`` ("2010-12"), ``purchases`` (baskets, or
        purchase lines without ``basket_col``), ``revenue`` (if values), ``share``
        of purchases and ``coverage`` (share of the month's days inside the data).
        ``"month"``: months 1-12 with ``purchases``, ``revenue``, ``share``,
        ``years`` (year-months behind the month, partial ones counted by their
        coverage) and ``per_year`` (purchases per covered month).
        ``"weekday"``: Monday..Sunday with ``purchases``, ``revenue``, ``share``.
        ``"coverage_note"``: a warning when months of the year are unequally
        covered ("" otherwise).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"timestamp": ["2024-01-01", "2024-01-02", "2024-02-05"]})
    >>> seasonality(tx, value_col=None)["weekday"]["purchases"].tolist()[:2]
    [2, 1]
    >>> two = pd.DataFrame({"timestamp": pd.date_range("2023-12-01", "2024-12-31", freq="D")})
    >>> s = seasonality(two, value_col=None)
    >>> s["month"].set_index("month").loc[12, ["purchases", "years", "per_year"]].tolist()
    [62.0, 2.0, 31.0]
    >>> "December" in s["coverage_note"]
    True
    """
    ts = pd.to_datetime(transactions[date_col], errors="coerce")
    ok = ts.notna()
    df = pd.DataFrame({"month": ts[ok].dt.month, "weekday": ts[ok].dt.day_name(),
                       "year_month": ts[ok].dt.to_period("M").astype(str)})
    if basket_col and basket_col in transactions.columns:
        df["b"] = transactions.loc[ok, basket_col].to_numpy()
    else:
        df["b"] = np.arange(len(df))
    if value_col:
        df["v"] = transactions.loc[ok, value_col].to_numpy(dtype=float)
    agg = {"purchases": ("b", "nunique")}
    if value_col:
        agg["revenue"] = ("v", "sum")
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    out = {}
    ym = df.groupby("year_month").agg(**agg)
    if len(ym):
        periods = pd.period_range(ts[ok].min(), ts[ok].max(), freq="M")
        ym = ym.reindex([str(p) for p in periods], fill_value=0)
        first, last = ts[ok].min().normalize(), ts[ok].max().normalize()
        ym["coverage"] = [((min(p.end_time.normalize(), last) - max(p.start_time, first)).days
                           + 1) / p.days_in_month for p in periods]
    else:
        ym["coverage"] = pd.Series(dtype=float)
    ym["share"] = ym["purchases"] / max(ym["purchases"].sum(), 1)
    ym.index.name = "year_month"
    out["year_month"] = ym.reset_index()
    for key, order in (("month", list(range(1, 13))), ("weekday", days)):
        g = df.groupby(key).agg(**agg).reindex(order, fill_value=0)
        g["share"] = g["purchases"] / max(g["purchases"].sum(), 1)
        g.index.name = key
        out[key] = g.reset_index()
    m = out["month"]
    months_of = pd.Series([int(p[5:]) for p in ym.index], dtype=int)
    years = ym["coverage"].groupby(months_of.to_numpy()).sum().reindex(range(1, 13), fill_value=0)
    m["years"] = years.round(2).to_numpy()
    m["per_year"] = np.where(m["years"] > 0, m["purchases"] / m["years"].where(m["years"] > 0, 1),
                             np.nan)
    out["coverage_note"] = _coverage_note(m)
    return out


def _coverage_note(month: pd.DataFrame) -> str:
    """A warning when months of the year are covered by unequal numbers of years."""
    import calendar

    years = month.set_index("month")["years"].round(2)
    usual = years.mode().max()
    odd = years[(years - usual).abs() > 0.05]
    if odd.empty:
        return ""
    listed = ", ".join(f"{calendar.month_name[int(k)]} {v:g}" for k, v in odd.items())
    return (f"Months are unequally covered by the data (years of data: {listed}; every other "
            f"month {usual:g}): a month-of-year total adds up different numbers of years, so "
            "the chart shows each calendar month of each year, and month-of-year comparisons "
            "use purchases per covered month.")


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
