"""Segment profiles and plain-language descriptions of segments and clusters.

A profile tells sales and marketing who is in a segment: its size, its share of
customers and of revenue, typical recency, frequency, spend and tenure, what it
buys, through which channels, and how many of its customers can be contacted
(consent coverage). :func:`describe_groups` writes a short description of each
group ("recent, frequent, high spend") by comparing the group's medians with the
whole customer base's terciles.

Examples
--------
>>> import pandas as pd
>>> f = pd.DataFrame({"recency_days": [2, 3, 200, 300, 150, 5], "n_purchases": [9, 8, 1, 1, 2, 7],
...                   "total_spend": [900, 700, 20, 10, 40, 650.0]})
>>> describe_groups(f, [0, 0, 1, 1, 1, 0]).tolist()
['recent, frequent, high spend', 'lapsed, one-off, low spend']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["profile_segments", "describe_groups", "cluster_labels", "standardised_means",
           "explore_clusters"]

_RFM_ALIASES = {"recency_days": ("recency_days", "days_since_last"),
                "n_purchases": ("n_purchases",),
                "total_spend": ("total_spend",)}
_EXTRA_WORDS = {"n_interactions": "many service contacts", "n_complaints": "complains often",
                "n_events": "active online", "n_sessions": "many web sessions",
                "avg_order_value": "large baskets", "tenure_days": "long-standing"}


def _col(df: pd.DataFrame, key: str):
    for c in _RFM_ALIASES.get(key, (key,)):
        if c in df.columns:
            return df[c].astype(float)
    return None


def standardised_means(features: pd.DataFrame, labels) -> pd.DataFrame:
    """Mean of each feature per group, in standard deviations from the overall mean.

    Examples
    --------
    >>> import pandas as pd
    >>> standardised_means(pd.DataFrame({"x": [0.0, 0.0, 2.0, 2.0]}), [0, 0, 1, 1])["x"].tolist()
    [-0.866..., 0.866...]
    """
    num = features.select_dtypes("number").astype(float)
    sd = num.std(ddof=1).replace(0, np.nan)
    z = (num.groupby(np.asarray(labels)).mean() - num.mean()) / sd
    return z.fillna(0.0)


def describe_groups(features: pd.DataFrame, labels, extra_threshold: float = 1.0) -> pd.Series:
    """A short description of each group from its R, F and M medians (and one standout trait).

    Recency: ``recent`` (median at or below the overall lower tercile), ``lapsed``
    (at or above the upper tercile) or ``cooling``; frequency: ``one-off`` (median
    of one purchase), ``frequent`` (upper tercile) or ``occasional``; spend:
    ``high spend``, ``low spend`` or ``mid spend``. A non-RFM feature whose group
    mean lies more than ``extra_threshold`` standard deviations above the overall
    mean is named too (e.g. "mostly store", "buys toys", "many service contacts").

    Parameters
    ----------
    features : DataFrame
        Per-customer features (``recency_days`` or ``days_since_last``,
        ``n_purchases``, ``total_spend``, optional others).
    labels : array-like
        Group of each row.
    extra_threshold : float
        Standardised-mean threshold for naming a standout feature.

    Returns
    -------
    Series
        Description per group, indexed by the sorted group labels.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"days_since_last": [1, 300], "n_purchases": [5, 1],
    ...                   "total_spend": [50.0, 5.0]})
    >>> describe_groups(f, ["a", "b"])["b"]
    'lapsed, one-off, low spend'
    """
    words = _group_words(features, labels, extra_threshold)
    return pd.Series({g: ", ".join(w for _, w in ws) or f"group {g}" for g, ws in words.items()})


# Words for a dimension on which every group got the same absolute word: the group with the
# lowest and the highest median among the groups (lower value first).
_RELATIVE_WORDS = {"recency": ("most recent", "least recent"),
                   "frequency": ("least frequent", "most frequent"),
                   "spend": ("lowest spend", "highest spend")}


def _group_words(features: pd.DataFrame, labels, extra_threshold: float = 1.0,
                 relative: bool = False) -> dict:
    """Group -> list of (dimension, word); see :func:`describe_groups`.

    With ``relative``, an RFM dimension whose word is the same for every group (all
    "cooling") is worded by the groups' rank instead: the lowest and highest group
    medians get a comparative word, groups in between none.
    """
    labels = np.asarray(labels)
    groups = pd.Series(labels).unique()
    try:
        groups = np.sort(groups)
    except TypeError:
        pass
    words = {g: [] for g in groups}
    rec, freq, mon = (_col(features, k) for k in ("recency_days", "n_purchases", "total_spend"))
    dims = []
    if rec is not None:
        lo, hi = rec.quantile([1 / 3, 2 / 3])
        med = rec.groupby(labels).median()
        dims.append(("recency", med))
        for g in groups:
            words[g].append(("recency", "recent" if med[g] <= lo else "lapsed"
                             if med[g] >= hi and hi > lo else "cooling"))
    if freq is not None:
        lo, hi = freq.quantile([1 / 3, 2 / 3])
        med = freq.groupby(labels).median()
        dims.append(("frequency", med))
        for g in groups:
            words[g].append(("frequency", "one-off" if med[g] <= 1 else "frequent"
                             if med[g] >= hi else "occasional"))
    if mon is not None:
        lo, hi = mon.quantile([1 / 3, 2 / 3])
        med = mon.groupby(labels).median()
        dims.append(("spend", med))
        for g in groups:
            words[g].append(("spend", "high spend" if med[g] >= hi and hi > lo else "low spend"
                             if med[g] <= lo else "mid spend"))
    if relative and len(groups) > 1:
        for dim, med in dims:
            same = {w for g in groups for d, w in words[g] if d == dim}
            if len(same) != 1:
                continue
            low_g, high_g = med.idxmin(), med.idxmax()
            for g in groups:
                word = None
                if med[high_g] > med[low_g]:
                    word = _RELATIVE_WORDS[dim][0] if g == low_g else \
                        _RELATIVE_WORDS[dim][1] if g == high_g else None
                words[g] = [(d, word) if d == dim else (d, w) for d, w in words[g]
                            if d != dim or word]
    used = {c for k in _RFM_ALIASES.values() for c in k}
    others = features[[c for c in features.columns if c not in used]]
    if len(others.columns) and len(features) > 1:
        z = standardised_means(others, labels)
        for g in groups:
            row = z.loc[g].sort_values(ascending=False, kind="mergesort")
            if len(row) and row.iloc[0] > extra_threshold:
                name = row.index[0]
                if name.startswith("channel_"):
                    word = "mostly " + name[len("channel_"):].replace("_", " ")
                elif name.startswith("category_"):
                    word = "buys " + name[len("category_"):].replace("_", " ")
                else:
                    word = _EXTRA_WORDS.get(name, "high " + name.replace("_", " "))
                words[g].append(("extra", word))
    return words


def cluster_labels(features: pd.DataFrame, labels) -> pd.Series:
    """Unique readable label per cluster that tells the clusters apart.

    Starts from :func:`describe_groups`; a dimension on which every cluster gets the
    same word (all "cooling") says nothing about the difference, so it is worded by
    rank among the clusters ("most recent", "least recent"; clusters in between get
    no word for it). Labels that still coincide are numbered.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"n_purchases": [1, 1, 5, 5]})
    >>> cluster_labels(f, [0, 1, 2, 2]).tolist()
    ['one-off (0)', 'one-off (1)', 'frequent']
    >>> f = pd.DataFrame({"recency_days": [1, 45, 99, 2, 50, 98, 3, 55, 97],
    ...                   "n_purchases": [1, 1, 1, 5, 5, 5, 1, 1, 1]})
    >>> describe_groups(f, [0, 0, 0, 1, 1, 1, 2, 2, 2]).tolist()
    ['cooling, one-off', 'cooling, frequent', 'cooling, one-off']
    >>> cluster_labels(f, [0, 0, 0, 1, 1, 1, 2, 2, 2]).tolist()
    ['most recent, one-off', 'frequent', 'least recent, one-off']
    """
    words = _group_words(features, labels, relative=True)
    desc = pd.Series({g: ", ".join(w for _, w in ws) or f"group {g}" for g, ws in words.items()})
    dup = desc.duplicated(keep=False)
    return desc.where(~dup, desc + " (" + desc.index.astype(str) + ")")


def _mix(tx: pd.DataFrame, seg: pd.Series, col: str, value_col: str, customer_col: str,
         top: int | None) -> pd.Series:
    d = tx[[customer_col, col] + ([value_col] if value_col in tx else [])]
    d = d.assign(_seg=d[customer_col].map(seg)).dropna(subset=["_seg"])
    w = d[value_col].clip(lower=0).fillna(0) if value_col in d else pd.Series(1.0, index=d.index)
    tab = w.groupby([d["_seg"].values, d[col].astype("string").fillna("unknown").values]).sum()
    out = {}
    for g, s in tab.groupby(level=0):
        s = s.droplevel(0).sort_values(ascending=False, kind="mergesort")
        tot = s.sum()
        if top:
            s = s.head(top)
        out[g] = ", ".join(f"{k} {v / tot:.0%}" if tot > 0 else str(k) for k, v in s.items())
    return pd.Series(out, dtype=object)


def profile_segments(customers: pd.DataFrame, segment_col: str = "segment",
                     transactions: pd.DataFrame | None = None,
                     golden: pd.DataFrame | None = None, customer_col: str = "customer_id",
                     value_col: str = "amount", category_col: str = "category",
                     channel_col: str = "channel", features: pd.DataFrame | None = None,
                     top_categories: int = 3) -> pd.DataFrame:
    """One row per segment: size, shares, R/F/M/tenure statistics, mixes, consent, description.

    Parameters
    ----------
    customers : DataFrame
        One row per customer (indexed by customer or with ``customer_col``) with
        ``segment_col`` and the RFM marketing view (``days_since_last``,
        ``n_purchases``, ``total_spend``, ``tenure_days``; ``monetary_value`` too
        when present).
    segment_col : str
        Column holding the segment (RFM segment or cluster label).
    transactions : DataFrame, optional
        Lines keyed by ``customer_col``, for top categories and the channel mix.
    golden : DataFrame, optional
        Golden records with ``customer_col`` and ``consent_*`` flags.
    features : DataFrame, optional
        Features used for the descriptions (default: the customers' RFM columns).
    top_categories : int
        Categories listed per segment.

    Returns
    -------
    DataFrame
        Indexed by segment, largest first: ``n_customers``, ``share_customers``,
        ``revenue``, ``share_revenue``, ``recency_days_mean``/``_median``,
        ``n_purchases_mean``/``_median``, ``total_spend_mean``/``_median``,
        ``monetary_value_mean``, ``tenure_days_mean``, ``top_categories``,
        ``channel_mix``, ``consent_<x>`` coverage shares, ``description``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"customer_id": ["a", "b", "c"], "segment": ["X", "X", "Y"],
    ...                   "days_since_last": [1, 3, 90], "n_purchases": [4, 2, 1],
    ...                   "total_spend": [60.0, 20.0, 20.0], "tenure_days": [100, 50, 90]})
    >>> p = profile_segments(c)
    >>> p["n_customers"].to_dict(), p["share_revenue"].round(2).to_dict()
    ({'X': 2, 'Y': 1}, {'X': 0.8, 'Y': 0.2})
    """
    cust = customers
    if customer_col in cust.columns:
        cust = cust.set_index(customer_col)
    seg = cust[segment_col]
    spend = _col(cust, "total_spend")
    total_rev = float(spend.sum()) if spend is not None else 0.0
    g = cust.groupby(seg, sort=False)
    out = pd.DataFrame({"n_customers": g.size()})
    out["share_customers"] = out["n_customers"] / max(len(cust), 1)
    if spend is not None:
        out["revenue"] = spend.groupby(seg).sum()
        out["share_revenue"] = out["revenue"] / total_rev if total_rev else 0.0
    for key, name in (("recency_days", "recency_days"), ("n_purchases", "n_purchases"),
                      ("total_spend", "total_spend")):
        s = _col(cust, key)
        if s is not None:
            out[f"{name}_mean"] = s.groupby(seg).mean()
            out[f"{name}_median"] = s.groupby(seg).median()
    for c in ("monetary_value", "tenure_days"):
        if c in cust:
            out[f"{c}_mean"] = cust[c].astype(float).groupby(seg).mean()
    if transactions is not None and customer_col in transactions and len(transactions):
        if category_col in transactions and transactions[category_col].notna().any():
            out["top_categories"] = _mix(transactions, seg, category_col, value_col,
                                         customer_col, top_categories)
        if channel_col in transactions and transactions[channel_col].notna().any():
            out["channel_mix"] = _mix(transactions, seg, channel_col, value_col, customer_col,
                                      None)
    if golden is not None and customer_col in golden:
        consent = [c for c in golden.columns if c.startswith("consent_")
                   and not c.endswith(("_date", "_source", "_record"))]
        if consent:
            gd = golden.drop_duplicates(customer_col).set_index(customer_col)[consent]
            flags = gd.reindex(cust.index).apply(
                lambda s: s.map(lambda v: v is True or v == 1 or str(v).lower() == "true"))
            for c in consent:
                out[c] = flags[c].groupby(seg).mean()
    if features is None:
        keep = [c for k in _RFM_ALIASES.values() for c in k if c in cust.columns]
        feats = cust[keep]
    else:
        feats = features
    if len(cust):
        out["description"] = describe_groups(feats.reindex(cust.index), seg.to_numpy())
    out = out.sort_values("n_customers", ascending=False, kind="mergesort")
    out.index.name = segment_col
    return out


def explore_clusters(features: pd.DataFrame, columns, k: int = 4, method: str = "kmeans",
                     random_state: int = 0, skew_threshold: float | None = 1.0) -> pd.DataFrame:
    """Cluster ``features[columns]`` and return one row per cluster: size, label, z-means.

    Parameters
    ----------
    features : DataFrame
        Per-customer features (unscaled).
    columns : list of str
        Features to cluster on.
    k : int
        Number of clusters.
    method : str
        Registered segmenter name.
    random_state : int
        Seed.
    skew_threshold : float or None
        Passed to :class:`SkewLogScaler`.

    Returns
    -------
    DataFrame
        ``customers``, ``share``, ``label`` and the standardised mean of each
        chosen feature; ``attrs["silhouette"]`` holds the silhouette.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"x": [0.0, 0.1, 0.2, 5.0, 5.1, 5.2]})
    >>> explore_clusters(f, ["x"], k=2)["customers"].tolist()
    [3, 3]
    """
    from .clustering import make_segmenter, sampled_silhouette
    from .features import SkewLogScaler

    cols = list(columns)
    sub = features[cols].astype(float)
    X = SkewLogScaler(skew_threshold).fit_transform(sub)
    labels = make_segmenter(method, int(k), random_state=random_state).fit(X).labels_
    z = standardised_means(sub, labels)
    out = pd.DataFrame({"customers": pd.Series(labels).value_counts().sort_index()})
    out["share"] = out["customers"] / len(sub)
    out["label"] = cluster_labels(sub, labels)
    out = out.join(z)
    out.index.name = "cluster"
    out.attrs["silhouette"] = sampled_silhouette(X, labels, 5000, random_state)
    return out
