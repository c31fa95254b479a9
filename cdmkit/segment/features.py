"""Per-customer behavioural features for clustering, and their preprocessing.

:func:`build_customer_features` joins, per customer, the RFM marketing view,
tenure, average order value, the channel mix and product-category mix (shares of
spend), service contacts (interactions) and web activity (events). Feature
groups whose table or column is absent are skipped, so the same call works on a
transactions-only client.

:class:`SkewLogScaler` is the scikit-learn transformer that takes ``log1p`` of
skewed non-negative features and standardises everything; put it before a
segmenter in a ``Pipeline``.

Examples
--------
>>> import pandas as pd
>>> from cdmkit.segment.rfm import rfm_summary
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "channel": ["web", "store", "web"],
...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-15"]),
...                    "amount": [10.0, 30.0, 5.0]})
>>> f = build_customer_features(rfm_summary(tx), transactions=tx)
>>> float(f.loc["a", "channel_store"])
0.75
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

__all__ = ["FEATURE_GROUPS", "RFM_FEATURES", "build_customer_features", "SkewLogScaler"]

#: Feature groups understood by :func:`build_customer_features`.
FEATURE_GROUPS = ("rfm", "tenure", "channels", "categories", "interactions", "events")

#: The RFM features (always built when the group ``rfm`` is on).
RFM_FEATURES = ("recency_days", "n_purchases", "total_spend")


def _slug(value) -> str:
    s = re.sub(r"[^0-9a-z]+", "_", str(value).strip().lower()).strip("_")
    return s or "unknown"


def _shares(tx: pd.DataFrame, customer_col: str, col: str, value_col: str, prefix: str,
            top: int | None) -> pd.DataFrame:
    """Share of each customer's spend (or lines, when values are absent) per level of ``col``.

    Vectorised for tens of millions of lines: levels are named once per distinct value and
    counted with ``bincount`` on (customer, level) codes.
    """
    keep = tx[customer_col].notna().to_numpy()
    cust_codes, customers = pd.factorize(tx[customer_col].to_numpy()[keep], sort=True)
    lvl_codes, levels = pd.factorize(tx[col].to_numpy()[keep], use_na_sentinel=True)
    names = np.array([_slug(v) for v in levels] + ["unknown"], dtype=object)
    # Levels whose names coincide after slugging (e.g. "Web" and "web") are merged.
    uniq, name_codes = np.unique(names, return_inverse=True)
    lvl = name_codes[np.where(lvl_codes < 0, len(levels), lvl_codes)]
    if value_col in tx:
        w = np.nan_to_num(tx[value_col].to_numpy(dtype=float)[keep], nan=0.0).clip(0, None)
        if w.sum() <= 0:
            w = np.ones(len(lvl))
    else:
        w = np.ones(len(lvl))
    L = len(uniq)
    mat = np.bincount(cust_codes * L + lvl, weights=w, minlength=len(customers) * L)
    mat = mat.reshape(len(customers), L)
    cols = list(uniq)
    if top is not None and L > top:
        order = np.lexsort((np.arange(L), -mat.sum(axis=0)))
        kept, rest = order[:top], order[top:]
        mat = np.c_[mat[:, kept], mat[:, rest].sum(axis=1)]
        cols = [uniq[i] for i in kept] + ["other"]
    present = mat.sum(axis=0) > 0
    mat, cols = mat[:, present], [c for c, p in zip(cols, present) if p]
    denom = mat.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        mat = np.where(denom > 0, mat / denom, 0.0)
    tab = pd.DataFrame(mat, index=pd.Index(customers, name=customer_col),
                       columns=[f"{prefix}_{c}" for c in cols])
    return tab.sort_index(axis=1)


def build_customer_features(rfm: pd.DataFrame, transactions: pd.DataFrame | None = None,
                            events: pd.DataFrame | None = None,
                            interactions: pd.DataFrame | None = None,
                            customer_col: str = "customer_id", value_col: str = "amount",
                            channel_col: str = "channel", category_col: str = "category",
                            groups=FEATURE_GROUPS, top_categories: int = 8) -> pd.DataFrame:
    """One row per customer of ``rfm`` with numeric behavioural features.

    Parameters
    ----------
    rfm : DataFrame
        :func:`cdmkit.segment.rfm_summary` output, indexed by customer.
    transactions, events, interactions : DataFrame, optional
        Activity tables keyed by ``customer_col`` (channel and category mixes come
        from transactions; counts of service contacts and web events from the others).
    customer_col, value_col, channel_col, category_col : str
        Column names.
    groups : sequence of str
        Feature groups to build (subset of :data:`FEATURE_GROUPS`).
    top_categories : int
        Categories beyond the ``top_categories`` largest by spend are pooled as ``other``.

    Returns
    -------
    DataFrame
        Indexed like ``rfm``: ``recency_days``, ``n_purchases``, ``total_spend``,
        ``avg_order_value``, ``tenure_days``, ``channel_<x>``, ``category_<x>``
        (shares of spend), ``n_interactions``, ``n_complaints``, ``n_events``,
        ``n_sessions``, as available. Missing activity counts are 0.

    Examples
    --------
    >>> import pandas as pd
    >>> rfm = pd.DataFrame({"days_since_last": [3, 40], "n_purchases": [4, 1],
    ...                     "total_spend": [200.0, 15.0], "tenure_days": [300, 40]},
    ...                    index=pd.Index(["a", "b"], name="customer_id"))
    >>> ev = pd.DataFrame({"customer_id": ["a", "a", "c"], "event_type": ["page_view"] * 3})
    >>> build_customer_features(rfm, events=ev, groups=["rfm", "events"])["n_events"].tolist()
    [2.0, 0.0]
    """
    unknown = set(groups) - set(FEATURE_GROUPS)
    if unknown:
        raise ValueError(f"unknown feature group(s) {sorted(unknown)}; valid: "
                         f"{', '.join(FEATURE_GROUPS)}")
    idx = rfm.index
    out = pd.DataFrame(index=idx)
    if "rfm" in groups:
        rec = rfm["days_since_last"] if "days_since_last" in rfm else rfm["T"] - rfm["recency"]
        n = rfm["n_purchases"] if "n_purchases" in rfm else rfm["frequency"] + 1
        spend = rfm["total_spend"] if "total_spend" in rfm else \
            rfm["monetary_value"] * rfm["frequency"]
        out["recency_days"] = rec.astype(float)
        out["n_purchases"] = n.astype(float)
        out["total_spend"] = spend.astype(float)
        out["avg_order_value"] = (spend / n.where(n > 0)).fillna(0.0).astype(float)
    if "tenure" in groups:
        ten = rfm["tenure_days"] if "tenure_days" in rfm else rfm["T"]
        out["tenure_days"] = ten.astype(float)
    if transactions is not None and len(transactions) and customer_col in transactions:
        if "channels" in groups and channel_col in transactions and \
                transactions[channel_col].notna().any():
            out = out.join(_shares(transactions, customer_col, channel_col, value_col,
                                   "channel", None))
        if "categories" in groups and category_col in transactions and \
                transactions[category_col].notna().any():
            out = out.join(_shares(transactions, customer_col, category_col, value_col,
                                   "category", top_categories))
    if "interactions" in groups and interactions is not None and customer_col in interactions:
        it = interactions.dropna(subset=[customer_col])
        out["n_interactions"] = it.groupby(customer_col).size().reindex(idx).astype(float)
        if "interaction_type" in it:
            compl = it["interaction_type"].astype("string").str.lower().str.contains(
                "complain|return", na=False)
            out["n_complaints"] = it[compl.to_numpy()].groupby(customer_col).size() \
                .reindex(idx).astype(float)
    if "events" in groups and events is not None and customer_col in events:
        ev = events.dropna(subset=[customer_col])
        out["n_events"] = ev.groupby(customer_col).size().reindex(idx).astype(float)
        if "session_id" in ev and ev["session_id"].notna().any():
            out["n_sessions"] = ev.groupby(customer_col)["session_id"].nunique() \
                .reindex(idx).astype(float)
    return out.fillna(0.0)


class SkewLogScaler(TransformerMixin, BaseEstimator):
    """``log1p`` of skewed non-negative columns, then standard scaling.

    Parameters
    ----------
    skew_threshold : float
        Columns whose sample skewness exceeds this (and whose minimum is >= 0) are
        log-transformed. ``None`` disables the log step.

    Attributes
    ----------
    log_columns_ : ndarray of bool
        Which input columns were log-transformed.
    scaler_ : StandardScaler
        The fitted scaler.
    feature_names_in_ : ndarray of str
        Column names when fitted on a DataFrame.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.5], [2.0, 0.1], [1000.0, 0.2], [3.0, 0.3], [2.0, 0.4]])
    >>> t = SkewLogScaler().fit(X)
    >>> t.log_columns_.tolist()
    [True, False]
    >>> np.allclose(t.transform(X).mean(axis=0), 0)
    True
    """

    def __init__(self, skew_threshold: float | None = 1.0):
        self.skew_threshold = skew_threshold

    def _log_mask(self, X: np.ndarray) -> np.ndarray:
        if self.skew_threshold is None or len(X) < 3:
            return np.zeros(X.shape[1], dtype=bool)
        from scipy.stats import skew

        with np.errstate(all="ignore"):
            sk = np.nan_to_num(skew(X, axis=0, bias=False), nan=0.0)
        return (sk > self.skew_threshold) & (X.min(axis=0) >= 0)

    def fit(self, X, y=None):
        """Learn which columns to log-transform and the scaling.

        Examples
        --------
        >>> SkewLogScaler().fit([[1.0], [2.0], [3.0]]).scaler_.mean_.tolist()
        [2.0]
        """
        if hasattr(X, "columns"):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        A = np.asarray(X, dtype=float)
        self.n_features_in_ = A.shape[1]
        self.log_columns_ = self._log_mask(A)
        self.scaler_ = StandardScaler().fit(self._log(A))
        return self

    def _log(self, A: np.ndarray) -> np.ndarray:
        A = A.copy()
        A[:, self.log_columns_] = np.log1p(np.clip(A[:, self.log_columns_], 0, None))
        return A

    def transform(self, X):
        """Apply the learned log step and scaling.

        Examples
        --------
        >>> SkewLogScaler().fit([[1.0], [3.0]]).transform([[2.0]]).tolist()
        [[0.0]]
        """
        check_is_fitted(self, "scaler_")
        return self.scaler_.transform(self._log(np.asarray(X, dtype=float)))

    def get_feature_names_out(self, input_features=None):
        """Output names (same as the input names).

        Examples
        --------
        >>> import pandas as pd
        >>> SkewLogScaler().fit(pd.DataFrame({"a": [1.0, 2.0]})).get_feature_names_out().tolist()
        ['a']
        """
        if input_features is not None:
            return np.asarray(input_features, dtype=object)
        if hasattr(self, "feature_names_in_"):
            return self.feature_names_in_
        return np.asarray([f"x{i}" for i in range(self.n_features_in_)], dtype=object)
