"""Acquisition cohorts: retention and revenue retention by period since first purchase.

A customer's cohort is the period (month by default) of her first purchase;
period 0 is that period. Retention in period k is the share of the cohort
that bought in period k; revenue retention is the cohort's revenue in period k
divided by its revenue in period 0.

Examples
--------
>>> import pandas as pd
>>> tx = pd.DataFrame({"c": [1, 1, 2, 2, 3], "d": pd.to_datetime(
...     ["2024-01-05", "2024-02-03", "2024-01-20", "2024-03-01", "2024-02-11"]),
...     "v": [10.0, 5.0, 20.0, 4.0, 8.0]})
>>> retention_matrix(cohort_table(tx, "c", "d", "v"))  # doctest: +NORMALIZE_WHITESPACE
period   0    1    2
cohort
2024-01  1.0  0.5  0.5
2024-02  1.0  0.0  NaN
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._checks import AnalysisInputError

__all__ = ["cohort_table", "retention_matrix", "revenue_retention_matrix", "cohort_curves"]

_FREQS = {"M": "M", "Q": "Q", "W": "W-SUN"}


def cohort_table(transactions: pd.DataFrame, customer_col: str = "customer_id",
                 date_col: str = "timestamp", value_col: str | None = "amount", *,
                 freq: str = "M", max_periods: int | None = None,
                 groups: pd.Series | None = None) -> pd.DataFrame:
    """Long table: one row per (cohort, period since acquisition[, group]).

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase line.
    customer_col, date_col : str
        Customer key and purchase time.
    value_col : str or None
        Purchase value; ``None`` (e.g. an event log without amounts) gives no revenue columns.
    freq : {"M", "Q", "W"}
        Cohort period: month, quarter, week.
    max_periods : int, optional
        Drop periods beyond this many after acquisition.
    groups : Series, optional
        Customer -> group label (e.g. segment); adds a ``group`` column.

    Returns
    -------
    DataFrame
        ``cohort`` (period string), ``period`` (int), ``customers`` (active in the
        period), ``cohort_size``, ``retention`` and, with values, ``revenue`` and
        ``revenue_retention``.

    Raises
    ------
    AnalysisInputError
        If no row has both a customer and a date, or ``freq`` is unknown.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"c": [1, 1], "d": ["2024-01-05", "2024-03-01"]})
    >>> cohort_table(tx, "c", "d", None)[["cohort", "period", "customers"]].values.tolist()
    [['2024-01', 0, 1], ['2024-01', 2, 1]]
    """
    if freq not in _FREQS:
        raise AnalysisInputError(f"unknown cohort freq {freq!r}; use one of {', '.join(_FREQS)}")
    cols = [customer_col, date_col] + ([value_col] if value_col else [])
    missing = [c for c in cols if c not in transactions.columns]
    if missing:
        raise AnalysisInputError(f"transactions lack column(s) {', '.join(missing)}")
    ts = pd.to_datetime(transactions[date_col], errors="coerce")
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    ok = ts.notna() & transactions[customer_col].notna()
    if not ok.any():
        raise AnalysisInputError("no transaction has both a customer and a date")
    per = ts[ok].dt.to_period(_FREQS[freq])
    df = pd.DataFrame({"c": transactions.loc[ok, customer_col].to_numpy(),
                       "pi": per.array.asi8})
    df["v"] = transactions.loc[ok, value_col].to_numpy(dtype=float) if value_col else 0.0
    df["v"] = df["v"].fillna(0.0)
    last_pi = int(df["pi"].max())
    df["cohort_pi"] = df.groupby("c")["pi"].transform("min")
    df["period"] = (df["pi"] - df["cohort_pi"]).astype(int)
    keys = ["cohort_pi", "period"]
    if groups is not None:
        df["group"] = df["c"].map(groups).astype(object).where(lambda s: s.notna(), "(none)") \
            .astype(str)
        keys = ["group"] + keys
    if max_periods is not None:
        df = df[df["period"] <= max_periods]
    out = df.groupby(keys).agg(customers=("c", "nunique"), revenue=("v", "sum")).reset_index()
    size = out[out["period"] == 0].set_index(keys[:-1])["customers"].rename("cohort_size")
    out = out.join(size, on=keys[:-1])
    out["retention"] = out["customers"] / out["cohort_size"]
    rev0 = out[out["period"] == 0].set_index(keys[:-1])["revenue"].rename("_rev0")
    out = out.join(rev0, on=keys[:-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["revenue_retention"] = np.where(out["_rev0"] > 0, out["revenue"] / out["_rev0"],
                                            np.nan)
    names = {o: str(pd.Period(ordinal=int(o), freq=_FREQS[freq]))
             for o in out["cohort_pi"].unique()}
    out["cohort"] = out["cohort_pi"].map(names)
    if freq == "W":
        out["cohort"] = out["cohort"].str.slice(0, 10)
    # Periods observed so far for each cohort: later cells are unknown, not zero.
    out["observed_periods"] = last_pi - out["cohort_pi"]
    if max_periods is not None:
        out["observed_periods"] = out["observed_periods"].clip(upper=max_periods)
    cols = (["group"] if groups is not None else []) + ["cohort", "period", "customers",
                                                       "cohort_size", "observed_periods",
                                                       "retention"]
    if value_col:
        cols += ["revenue", "revenue_retention"]
    return out[cols].reset_index(drop=True)


def _matrix(table: pd.DataFrame, col: str) -> pd.DataFrame:
    if "group" in table.columns:
        raise AnalysisInputError("the cohort table is split by group; use cohort_curves()")
    m = table.pivot(index="cohort", columns="period", values=col).sort_index()
    m = m.reindex(columns=range(int(table["observed_periods"].max()) + 1))
    m.columns.name = "period"
    # Observed periods without activity are 0; periods not yet reached stay NaN.
    observed = table.groupby("cohort")["observed_periods"].max().reindex(m.index)
    reached = np.arange(m.shape[1])[None, :] <= observed.to_numpy()[:, None]
    return m.fillna(0.0).where(reached)


def retention_matrix(table: pd.DataFrame) -> pd.DataFrame:
    """Cohort × period matrix of the share of the cohort active (from :func:`cohort_table`).

    Cells after the end of the data are NaN (not zero: nothing is known yet).
    """
    return _matrix(table, "retention")


def revenue_retention_matrix(table: pd.DataFrame) -> pd.DataFrame:
    """Cohort × period matrix of revenue relative to the cohort's first period.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"c": [1, 1], "d": ["2024-01-05", "2024-02-01"], "v": [10.0, 5.0]})
    >>> float(revenue_retention_matrix(cohort_table(tx, "c", "d", "v")).loc["2024-01", 1])
    0.5
    """
    if "revenue_retention" not in table.columns:
        raise AnalysisInputError("the cohort table has no revenue (built without value_col)")
    return _matrix(table, "revenue_retention")


def cohort_curves(table: pd.DataFrame, weighted: bool = True) -> pd.DataFrame:
    """Average retention by period since acquisition, per group (or overall).

    Parameters
    ----------
    table : DataFrame
        From :func:`cohort_table` (with or without ``groups``).
    weighted : bool
        Weight cohorts by their size (True) or average cohorts equally.

    Returns
    -------
    DataFrame
        ``group`` (``"all"`` without groups), ``period``, ``retention``, ``customers``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"c": [1, 1, 2], "d": ["2024-01-05", "2024-02-01", "2024-01-07"]})
    >>> cohort_curves(cohort_table(tx, "c", "d", None))["retention"].tolist()
    [1.0, 0.5]
    """
    t = table.copy()
    if "group" not in t.columns:
        t["group"] = "all"
    cohorts = t[t["period"] == 0][["group", "cohort", "cohort_size", "observed_periods"]]
    rows = []
    for k in range(int(t["observed_periods"].max()) + 1):
        # Only cohorts old enough to have reached period k count in period k's average.
        elig = cohorts[cohorts["observed_periods"] >= k]
        act = t[t["period"] == k][["group", "cohort", "customers"]]
        e = elig.merge(act, on=["group", "cohort"], how="left").fillna({"customers": 0})
        e["ret"] = e["customers"] / e["cohort_size"]
        for g, sub in e.groupby("group", sort=True):
            val = sub["customers"].sum() / sub["cohort_size"].sum() if weighted \
                else sub["ret"].mean()
            rows.append({"group": g, "period": k, "retention": float(val),
                         "customers": int(sub["cohort_size"].sum())})
    out = pd.DataFrame(rows, columns=["group", "period", "retention", "customers"])
    return out.sort_values(["group", "period"], ignore_index=True)


def first_cohort_check(table: pd.DataFrame, later: int = 6) -> dict:
    """Whether the first cohort looks left-censored: customers from before the data in it.

    An export that starts mid-history puts every customer who buys in its first
    period into the first cohort, old customers included, so it is larger and
    retains better than a cohort of new customers. The check compares its size
    with the median size of the next ``later`` cohorts.

    Parameters
    ----------
    table : DataFrame
        From :func:`cohort_table` (without groups).
    later : int
        Later cohorts the first is compared with.

    Returns
    -------
    dict
        ``cohort`` (its label), ``size``, ``size_ratio`` (to the median of later
        cohorts; None with one cohort) and ``left_censored`` (ratio above 2).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"c": list(range(30)) + [100, 101],
    ...                    "d": ["2024-01-03"] * 30 + ["2024-02-03", "2024-03-03"]})
    >>> first_cohort_check(cohort_table(tx, "c", "d", None))
    {'cohort': '2024-01', 'size': 30, 'size_ratio': 30.0, 'left_censored': True}
    """
    sizes = (table[table["period"] == 0].groupby("cohort")["cohort_size"].first()
             .sort_index())
    if sizes.empty:
        return {"cohort": None, "size": 0, "size_ratio": None, "left_censored": False}
    rest = sizes.iloc[1:later + 1]
    ratio = float(sizes.iloc[0] / rest.median()) if len(rest) and rest.median() > 0 else None
    return {"cohort": str(sizes.index[0]), "size": int(sizes.iloc[0]),
            "size_ratio": None if ratio is None else round(ratio, 2),
            "left_censored": bool(ratio is not None and ratio > 2)}
