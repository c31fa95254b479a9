"""Churn prediction: labels, features, scikit-learn models and their evaluation.

Two ways to say who churned:

* non-contractual (shops): a customer active by a cutoff date has churned when
  she makes no purchase in the ``window_days`` after it (:func:`churn_labels`);
  features are computed from data up to the cutoff only (:func:`churn_features`),
  and :func:`time_split` trains on one cutoff and tests on a later one, so the
  evaluation mirrors how the model is used;
* contractual (subscriptions): an explicit flag column (:func:`flag_frame`),
  with a stratified, seeded random split.

Models are scikit-learn pipelines (:func:`churn_pipeline`): a regularised
logistic regression baseline and a histogram gradient-boosting classifier,
both behind one ``ColumnTransformer`` (impute, scale, one-hot). :func:`fit_churn`
fits them and reports ROC AUC, precision at top k, Brier score, a calibration
curve and permutation importance.

Examples
--------
>>> import pandas as pd
>>> tx = pd.DataFrame({"c": [1, 1, 2, 3], "d": pd.to_datetime(
...     ["2024-01-01", "2024-03-10", "2024-01-05", "2024-02-01"])})
>>> churn_labels(tx, "c", "d", cutoff="2024-02-15", window_days=60).to_dict()
{1: 0, 2: 1, 3: 1}
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._checks import AnalysisInputError

__all__ = ["churn_labels", "churn_features", "time_split", "flag_frame", "churn_pipeline",
           "precision_at_k", "fit_churn", "ChurnReport"]


def _days(tx: pd.DataFrame, date_col: str) -> pd.Series:
    ts = pd.to_datetime(tx[date_col], errors="coerce")
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    return ts


def churn_labels(transactions: pd.DataFrame, customer_col: str = "customer_id",
                 date_col: str = "timestamp", *, cutoff, window_days: int) -> pd.Series:
    """1 for customers active by ``cutoff`` who did not buy in the following ``window_days``.

    Returns
    -------
    Series
        Indexed by customer (sorted), int 0/1, named ``churned``.
    """
    ts = _days(transactions, date_col)
    cut = pd.Timestamp(cutoff)
    cust = transactions[customer_col]
    ok = ts.notna() & cust.notna()
    before = set(cust[ok & (ts <= cut)])
    after = set(cust[ok & (ts > cut) & (ts <= cut + pd.Timedelta(days=window_days))])
    idx = sorted(before)
    return pd.Series([0 if c in after else 1 for c in idx], index=pd.Index(idx, name=customer_col),
                     name="churned", dtype=int)


def _count_by_type(df, customer_col, type_col, prefix, types, since=None, ts=None):
    sub = df if since is None else df[ts > since]
    if sub.empty or not types:
        return pd.DataFrame(index=pd.Index([], name=customer_col))
    c = sub[sub[type_col].isin(types)].groupby([customer_col, type_col]).size() \
        .unstack(fill_value=0)
    c = c.reindex(columns=types, fill_value=0)
    c.columns = [f"{prefix}{t}" for t in c.columns]
    return c


def churn_features(transactions: pd.DataFrame, customer_col: str = "customer_id",
                   date_col: str = "timestamp", value_col: str | None = "amount", *, cutoff,
                   events: pd.DataFrame | None = None, interactions: pd.DataFrame | None = None,
                   max_types: int = 8, recent_days: int = 90) -> pd.DataFrame:
    """Per-customer features from data on or before ``cutoff`` (nothing from the future).

    Features: ``recency_days``, ``tenure_days``, ``purchase_days``, ``orders_per_month``,
    ``total_spend``, ``avg_spend``, purchases and spend in the last ``recent_days``
    and the ``recent_days`` before (``trend`` = their difference); with events:
    counts per event type (the ``max_types`` most common) and days since the last
    event; with interactions: counts per interaction type, complaints and mean
    satisfaction when present.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"c": [1, 1, 2], "d": pd.to_datetime(
    ...     ["2024-01-01", "2024-03-10", "2024-01-05"]), "v": [10.0, 20.0, 5.0]})
    >>> f = churn_features(tx, "c", "d", "v", cutoff="2024-03-31")
    >>> f.loc[1, ["recency_days", "purchase_days", "total_spend"]].tolist()
    [21.0, 2.0, 30.0]
    """
    cut = pd.Timestamp(cutoff)
    ts = _days(transactions, date_col)
    keep = ts.notna() & transactions[customer_col].notna() & (ts <= cut)
    tx = transactions.loc[keep, [customer_col] + ([value_col] if value_col else [])].copy()
    tx["_ts"] = ts[keep]
    tx["_day"] = tx["_ts"].dt.normalize()
    if tx.empty:
        raise AnalysisInputError(f"no transactions on or before the cutoff {cut.date()}")
    v = tx[value_col].fillna(0.0).astype(float) if value_col else pd.Series(0.0, index=tx.index)
    tx["_v"] = v
    g = tx.groupby(customer_col)
    first, last = g["_ts"].min(), g["_ts"].max()
    f = pd.DataFrame(index=first.index)
    f["recency_days"] = (cut - last).dt.total_seconds() / 86400
    f["tenure_days"] = (cut - first).dt.total_seconds() / 86400
    f["purchase_days"] = g["_day"].nunique().astype(float)
    f["orders_per_month"] = f["purchase_days"] / np.maximum(f["tenure_days"] / 30.4375, 1.0)
    if value_col:
        f["total_spend"] = g["_v"].sum()
        f["avg_spend"] = f["total_spend"] / f["purchase_days"]
    r0 = cut - pd.Timedelta(days=recent_days)
    r1 = r0 - pd.Timedelta(days=recent_days)
    recent = tx[tx["_ts"] > r0].groupby(customer_col)
    prev = tx[(tx["_ts"] > r1) & (tx["_ts"] <= r0)].groupby(customer_col)
    f["purchases_recent"] = recent["_day"].nunique().reindex(f.index, fill_value=0).astype(float)
    f["purchases_before"] = prev["_day"].nunique().reindex(f.index, fill_value=0).astype(float)
    f["trend"] = f["purchases_recent"] - f["purchases_before"]
    if value_col:
        f["spend_recent"] = recent["_v"].sum().reindex(f.index, fill_value=0.0)
    for df, type_col, prefix in ((events, "event_type", "event_"),
                                 (interactions, "interaction_type", "contact_")):
        if df is None or df.empty or type_col not in df or customer_col not in df:
            continue
        ets = _days(df, "timestamp")
        ok = ets.notna() & (ets <= cut) & df[customer_col].notna()
        d = df[ok]
        types = d[type_col].astype(str).value_counts().head(max_types).index.tolist()
        d = d.assign(**{type_col: d[type_col].astype(str)})
        counts = _count_by_type(d, customer_col, type_col, prefix, types)
        f = f.join(counts, how="left")
        for c in counts.columns:
            f[c] = f[c].fillna(0.0).astype(float)
        lastev = ets[ok].groupby(d[customer_col]).max()
        f[f"{prefix}days_since_last"] = ((cut - lastev).dt.total_seconds() / 86400) \
            .reindex(f.index)
        if prefix == "contact_" and "satisfaction" in d:
            f["contact_satisfaction"] = pd.to_numeric(d["satisfaction"], errors="coerce") \
                .groupby(d[customer_col]).mean().reindex(f.index)
    f.index.name = customer_col
    return f.sort_index()


def time_split(transactions: pd.DataFrame, customer_col: str = "customer_id",
               date_col: str = "timestamp", value_col: str | None = "amount", *,
               window_days: int, observation_end=None, events=None, interactions=None,
               min_customers: int = 50):
    """Train on one cutoff, test on a later one (time-based split, no leakage).

    The test cutoff is ``observation_end - window_days`` (its labels are the last
    window of data); the train cutoff is one window earlier. Features come from
    data up to each cutoff only.

    Returns
    -------
    tuple
        ``X_train, y_train, X_test, y_test`` (DataFrames / Series indexed by customer);
        ``X_test.attrs`` holds both cutoffs.

    Raises
    ------
    AnalysisInputError
        If the history is too short for two windows, too few customers are
        labelled, or one class is missing.
    """
    ts = _days(transactions, date_col)
    end = ts.max() if observation_end is None else pd.Timestamp(observation_end)
    test_cut = end - pd.Timedelta(days=window_days)
    train_cut = test_cut - pd.Timedelta(days=window_days)
    if ts.min() >= train_cut:
        span = (end - ts.min()).days
        raise AnalysisInputError(f"too little history for a time-based churn split: {span} days "
                                 f"of data, more than 2 x churn_window = {2 * window_days} days "
                                 "needed; shorten analysis.churn_window")
    out = []
    for cut in (train_cut, test_cut):
        y = churn_labels(transactions, customer_col, date_col, cutoff=cut,
                         window_days=window_days)
        X = churn_features(transactions, customer_col, date_col, value_col, cutoff=cut,
                           events=events, interactions=interactions)
        X = X.reindex(y.index)
        if len(y) < min_customers or y.nunique() < 2:
            raise AnalysisInputError(f"churn at cutoff {cut.date()}: {len(y)} labelled customers, "
                                     f"{int(y.sum())} churned; need at least {min_customers} and "
                                     "both churners and stayers")
        out += [X, y]
    X_train, y_train, X_test, y_test = out
    # Test features may contain event types unseen in training: align columns.
    X_test = X_test.reindex(columns=X_train.columns)
    X_test.attrs.update(train_cutoff=str(train_cut.date()), test_cutoff=str(test_cut.date()))
    return X_train, y_train, X_test, y_test


def flag_frame(df: pd.DataFrame, flag_col: str, id_col: str | None = None):
    """Features and 0/1 target from a table with an explicit churn flag (contractual data).

    The flag may be yes/no, true/false or 1/0 text. Text columns that are
    numbers apart from blanks (e.g. TotalCharges of the IBM telco sample) become
    numeric with NaN for the blanks, which the pipeline imputes.

    Returns
    -------
    tuple
        ``X`` (DataFrame indexed by ``id_col`` when given) and ``y`` (Series of 0/1).

    Raises
    ------
    AnalysisInputError
        Missing flag column, unreadable flag values or a single class.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["a", "b", "c"], "charges": ["1.5", " ", "3"],
    ...                    "Churn": ["Yes", "No", "no"]})
    >>> X, y = flag_frame(df, "Churn", "id")
    >>> y.tolist(), X["charges"].isna().tolist()
    ([1, 0, 0], [False, True, False])
    """
    if flag_col not in df.columns:
        raise AnalysisInputError(f"churn flag column {flag_col!r} not found; columns are "
                                 f"{', '.join(map(str, df.columns))}")
    mapping = {"yes": 1, "y": 1, "true": 1, "1": 1, "1.0": 1, "churned": 1,
               "no": 0, "n": 0, "false": 0, "0": 0, "0.0": 0, "active": 0}
    raw = df[flag_col].astype(str).str.strip().str.lower()
    y = raw.map(mapping)
    if y.isna().any():
        bad = df.loc[y.isna(), flag_col].iloc[0]
        raise AnalysisInputError(f"column {flag_col!r}: cannot read {bad!r} as a churn flag "
                                 f"(row {int(np.argmax(y.isna().to_numpy())) + 1}); use yes/no, "
                                 "true/false or 1/0")
    y = y.astype(int).rename("churned")
    if y.nunique() < 2:
        raise AnalysisInputError(f"column {flag_col!r} holds one class only: nothing to predict")
    X = df.drop(columns=[flag_col] + ([id_col] if id_col else []))
    for c in X.columns:
        if X[c].dtype == object or isinstance(X[c].dtype, pd.StringDtype):
            text = X[c].astype("string").str.strip().replace("", pd.NA)
            num = pd.to_numeric(text, errors="coerce")
            # Every non-blank value is a number: a numeric column with blanks, not a category.
            if text.notna().any() and num.notna().sum() == text.notna().sum():
                X[c] = num.astype(float)
    if id_col:
        X.index = df[id_col].to_numpy()
        y.index = X.index
    return X, y


def churn_pipeline(kind: str, numeric: list[str], categorical: list[str], *, C: float = 1.0,
                   random_state: int = 0):
    """Preprocessing + classifier as one scikit-learn ``Pipeline``.

    Parameters
    ----------
    kind : {"logistic", "gbm"}
        L2-regularised logistic regression (numeric features log1p-safe scaled)
        or ``HistGradientBoostingClassifier``.
    numeric, categorical : list of str
        Column names by type; numeric NaN are imputed with the median,
        categorical ones with a constant and one-hot encoded.
    C : float
        Inverse regularisation strength of the logistic regression.
    random_state : int
        Seed of the gradient-boosting model.

    Examples
    --------
    >>> churn_pipeline("logistic", ["a"], ["b"]).steps[-1][0]
    'model'
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    num = Pipeline([("impute", SimpleImputer(strategy="median", add_indicator=True)),
                    ("scale", StandardScaler())])
    cat = Pipeline([("impute", SimpleImputer(strategy="constant", fill_value="(missing)")),
                    ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False,
                                             min_frequency=5))])
    pre = ColumnTransformer([("num", num, list(numeric)), ("cat", cat, list(categorical))],
                            remainder="drop", verbose_feature_names_out=False)
    if kind == "logistic":
        model = LogisticRegression(C=C, max_iter=2000)
    elif kind == "gbm":
        model = HistGradientBoostingClassifier(learning_rate=0.05, max_iter=300,
                                               max_leaf_nodes=15, min_samples_leaf=30,
                                               l2_regularization=1.0, early_stopping=True,
                                               validation_fraction=0.15, n_iter_no_change=20,
                                               random_state=random_state)
    else:
        raise AnalysisInputError(f"unknown churn model {kind!r}; use logistic or gbm")
    return Pipeline([("prepare", pre), ("model", model)])


def precision_at_k(y_true, scores, k: float = 0.1) -> float:
    """Share of churners among the ``k`` highest scores.

    A float ``k`` up to 1 is a fraction of the customers; an int (or a float above 1)
    is a count.

    Ties are broken by position (stable), so the result is deterministic.

    Examples
    --------
    >>> precision_at_k([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], k=0.5)
    0.5
    """
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=float)
    n = int(round(k * len(y))) if isinstance(k, float) and k <= 1 else int(k)
    n = max(1, min(n, len(y)))
    top = np.argsort(-s, kind="stable")[:n]
    return float(y[top].mean())


@dataclass
class ChurnReport:
    """Fitted churn models and their evaluation on the test set.

    Attributes
    ----------
    models : dict
        Name -> fitted ``Pipeline``.
    metrics : DataFrame
        One row per model: ``auc``, ``precision_at_k``, ``brier``, ``base_rate``,
        ``n_train``, ``n_test``.
    calibration : DataFrame
        ``model``, ``predicted`` (mean score per bin), ``observed`` (churn rate).
    importance : DataFrame
        ``model``, ``feature``, ``importance`` (drop in ROC AUC when the feature is
        permuted), ``std``.
    test_scores : DataFrame
        Test customers' churn probability per model and the true label.
    """

    models: dict
    metrics: pd.DataFrame
    calibration: pd.DataFrame
    importance: pd.DataFrame
    test_scores: pd.DataFrame
    top_k: float = 0.1
    extra: dict = field(default_factory=dict)

    @property
    def best(self) -> str:
        """Name of the model with the highest test ROC AUC."""
        return str(self.metrics.sort_values(["auc", "model"], ascending=[False, True])
                   ["model"].iloc[0])


def fit_churn(X_train: pd.DataFrame, y_train, X_test: pd.DataFrame, y_test, *,
              models=("logistic", "gbm"), top_k: float = 0.1, C: float = 1.0,
              random_state: int = 0, n_repeats: int = 5,
              importance_sample: int = 5000) -> ChurnReport:
    """Fit churn models on the training set and evaluate them on the test set.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"x": rng.normal(size=400), "g": rng.choice(["a", "b"], 400)})
    >>> y = pd.Series((X["x"] + rng.normal(scale=0.5, size=400) > 0).astype(int))
    >>> rep = fit_churn(X[:300], y[:300], X[300:], y[300:], models=["logistic"], n_repeats=2)
    >>> bool(rep.metrics["auc"].iloc[0] > 0.8)
    True
    """
    y_train = np.asarray(y_train).astype(int)
    y_test = np.asarray(y_test).astype(int)
    if len(np.unique(y_train)) < 2 or len(np.unique(y_test)) < 2:
        raise AnalysisInputError("churn: training and test sets both need churners and stayers")
    numeric = [c for c in X_train.columns if pd.api.types.is_numeric_dtype(X_train[c])
               and not pd.api.types.is_bool_dtype(X_train[c])]
    categorical = [c for c in X_train.columns if c not in numeric]
    Xtr = X_train.copy()
    Xte = X_test.copy()
    for c in categorical:
        Xtr[c] = Xtr[c].astype(object).where(Xtr[c].notna(), None).astype(str)
        Xte[c] = Xte[c].astype(object).where(Xte[c].notna(), None).astype(str)
    scores = pd.DataFrame({"churned": y_test}, index=X_test.index)
    rng = np.random.default_rng(random_state)
    sample = np.sort(rng.choice(len(Xte), size=min(importance_sample, len(Xte)), replace=False))
    # Small data: one OpenMP/BLAS thread. Permutation importance predicts hundreds of times
    # on a few thousand rows, and on a busy machine every prediction's thread team waited for
    # cores (a 2,000-person demo: 111 s instead of 3 s; issue 16).
    from contextlib import nullcontext

    from ._fitter import single_thread

    with single_thread() if len(Xtr) + len(Xte) < 200_000 else nullcontext():
        return _fit_models(models, numeric, categorical, C, random_state, Xtr, y_train, Xte,
                           y_test, top_k, sample, n_repeats, scores)


def _fit_models(models, numeric, categorical, C, random_state, Xtr, y_train, Xte, y_test,
                top_k, sample, n_repeats, scores) -> ChurnReport:
    """The model loop of :func:`fit_churn` (fit, score, calibration, importance)."""
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import brier_score_loss, roc_auc_score

    from .importance import permutation_importance

    fitted, rows, cal_rows, imp_rows = {}, [], [], []
    for name in models:
        pipe = churn_pipeline(name, numeric, categorical, C=C, random_state=random_state)
        pipe.fit(Xtr, y_train)
        p = pipe.predict_proba(Xte)[:, 1]
        fitted[name] = pipe
        scores[name] = p
        rows.append({"model": name, "auc": float(roc_auc_score(y_test, p)),
                     "precision_at_k": precision_at_k(y_test, p, top_k),
                     "brier": float(brier_score_loss(y_test, p)),
                     "base_rate": float(y_test.mean()), "n_train": int(len(y_train)),
                     "n_test": int(len(y_test))})
        obs, pred = calibration_curve(y_test, p, n_bins=10, strategy="quantile")
        cal_rows += [{"model": name, "predicted": float(a), "observed": float(b)}
                     for a, b in zip(pred, obs)]
        # scikit-learn's permutation importance (same scores), the preparation run once
        mean, std = permutation_importance(pipe, Xte.iloc[sample], y_test[sample],
                                           n_repeats=n_repeats, random_state=random_state)
        imp_rows += [{"model": name, "feature": f, "importance": float(m), "std": float(s)}
                     for f, m, s in zip(Xte.columns, mean, std)]
    imp = pd.DataFrame(imp_rows).sort_values(["model", "importance", "feature"],
                                             ascending=[True, False, True], ignore_index=True)
    return ChurnReport(fitted, pd.DataFrame(rows), pd.DataFrame(cal_rows), imp, scores, top_k)
