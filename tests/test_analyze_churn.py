"""Churn: labels and features without leakage, metrics, pipelines on synthetic data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline

from cdmkit.analyze import (AnalysisInputError, churn_features, churn_labels, churn_pipeline,
                            fit_churn, flag_frame, precision_at_k, time_split)


@pytest.fixture()
def tx():
    rows = [("a", "2024-01-01", 10.0), ("a", "2024-02-15", 20.0), ("a", "2024-05-01", 5.0),
            ("b", "2024-01-10", 7.0), ("b", "2024-03-01", 3.0),
            ("c", "2024-04-20", 9.0)]
    return pd.DataFrame(rows, columns=["cust", "ts", "amount"]).assign(
        ts=lambda d: pd.to_datetime(d["ts"]))


def test_labels_from_inactivity_window(tx):
    y = churn_labels(tx, "cust", "ts", cutoff="2024-03-31", window_days=60)
    # a buys on 05-01 (within 60 days) -> stays; b silent -> churned; c not yet a customer
    assert y.to_dict() == {"a": 0, "b": 1}


def test_features_use_only_data_up_to_cutoff(tx):
    f = churn_features(tx, "cust", "ts", "amount", cutoff="2024-03-31", recent_days=45)
    assert list(f.index) == ["a", "b"]
    assert f.loc["a", "purchase_days"] == 2 and f.loc["a", "total_spend"] == 30.0
    assert f.loc["a", "recency_days"] == 45 and f.loc["b", "tenure_days"] == 81
    # recent = after 02-15 (45 days before cutoff): b's 03-01 only; before: a's 02-15
    assert f.loc["b", "purchases_recent"] == 1 and f.loc["a", "purchases_before"] == 1
    assert f.loc["a", "trend"] == -1
    later = pd.concat([tx, pd.DataFrame({"cust": ["b"], "ts": [pd.Timestamp("2024-04-02")],
                                         "amount": [1e6]})])
    pd.testing.assert_frame_equal(
        churn_features(later, "cust", "ts", "amount", cutoff="2024-03-31", recent_days=45), f)


def test_event_and_interaction_features(tx):
    ev = pd.DataFrame({"cust": ["a", "a", "b", "a"], "event_type": ["view", "view", "cart", "view"],
                       "timestamp": pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-03",
                                                    "2024-06-01"])})
    it = pd.DataFrame({"cust": ["b"], "interaction_type": ["complaint"], "satisfaction": [2.0],
                       "timestamp": pd.to_datetime(["2024-03-20"])})
    f = churn_features(tx, "cust", "ts", "amount", cutoff="2024-03-31", events=ev,
                       interactions=it)
    assert f.loc["a", "event_view"] == 2           # the June view is after the cutoff
    assert f.loc["b", "event_cart"] == 1 and f.loc["a", "event_cart"] == 0
    assert f.loc["b", "contact_complaint"] == 1 and f.loc["b", "contact_satisfaction"] == 2.0
    assert f.loc["b", "event_days_since_last"] == 28


def test_precision_at_k():
    y = [1, 0, 1, 1, 0, 0, 0, 0, 0, 1]
    s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
    assert precision_at_k(y, s, 0.3) == pytest.approx(2 / 3)
    assert precision_at_k(y, s, 4) == pytest.approx(3 / 4)
    assert precision_at_k(y, s, 1.0) == pytest.approx(0.4)


def _synthetic(n, seed):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"recency": rng.exponential(60, n), "freq": rng.poisson(3, n).astype(float),
                      "plan": rng.choice(["basic", "plus", "pro"], n),
                      "noise": rng.normal(size=n)})
    X.loc[rng.random(n) < 0.05, "recency"] = np.nan          # imputed by the pipeline
    logit = 0.03 * X["recency"].fillna(60) - 0.5 * X["freq"] + (X["plan"] == "basic") * 1.0 - 1
    y = pd.Series((rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int))
    return X, y


def test_fit_churn_finds_signal_and_importance():
    X, y = _synthetic(2000, 0)
    rep = fit_churn(X[:1400], y[:1400], X[1400:], y[1400:], random_state=0, n_repeats=2,
                    importance_sample=300)
    assert set(rep.metrics["model"]) == {"logistic", "gbm"}
    # The ceiling is the AUC of the true churn probabilities on the test rows (0.839); measured
    # 2026-12-04: logistic 0.835 (the true model is logistic), gbm 0.820.
    auc = rep.metrics.set_index("model")["auc"]
    logit = 0.03 * X["recency"].fillna(60) - 0.5 * X["freq"] + (X["plan"] == "basic") - 1
    ceiling = roc_auc_score(y[1400:], logit[1400:])
    assert ceiling == pytest.approx(0.8394, abs=1e-4)
    assert auc["logistic"] >= ceiling - 0.01 and auc["gbm"] >= ceiling - 0.03, auc
    # the best model ranks better than the base rate at the top
    m = rep.metrics.set_index("model")
    assert m.loc[rep.best, "precision_at_k"] > m.loc[rep.best, "base_rate"]
    imp = rep.importance[rep.importance["model"] == "logistic"].set_index("feature")["importance"]
    assert imp["recency"] > imp["noise"] and imp["freq"] > imp["noise"]
    assert set(rep.calibration.columns) == {"model", "predicted", "observed"}
    assert isinstance(rep.models["gbm"], Pipeline)
    again = fit_churn(X[:1400], y[:1400], X[1400:], y[1400:], models=["gbm"], random_state=0,
                      n_repeats=2)
    pd.testing.assert_frame_equal(rep.metrics[rep.metrics["model"] == "gbm"]
                                  .reset_index(drop=True), again.metrics)


def test_single_class_is_rejected():
    X, y = _synthetic(200, 1)
    with pytest.raises(AnalysisInputError, match="both need churners"):
        fit_churn(X[:100], y[:100] * 0, X[100:], y[100:])


def test_unknown_model():
    with pytest.raises(AnalysisInputError, match="unknown churn model"):
        churn_pipeline("svm", ["a"], [])


def test_time_split_cutoffs_and_short_history(tx):
    with pytest.raises(AnalysisInputError, match="too little history"):
        time_split(tx, "cust", "ts", window_days=90)
    rng = np.random.default_rng(0)
    n = 4000
    big = pd.DataFrame({"cust": rng.integers(0, 300, n).astype(str),
                        "ts": pd.Timestamp("2023-01-01")
                        + pd.to_timedelta(rng.integers(0, 700, n), "D"),
                        "amount": rng.gamma(2, 10, n)})
    X_tr, y_tr, X_te, y_te = time_split(big, "cust", "ts", window_days=60, min_customers=50)
    end = big["ts"].max()
    assert X_te.attrs["test_cutoff"] == str((end - pd.Timedelta(days=60)).date())
    assert X_te.attrs["train_cutoff"] == str((end - pd.Timedelta(days=120)).date())
    assert list(X_te.columns) == list(X_tr.columns)
    assert set(y_tr.unique()) == {0, 1}


def test_flag_frame_errors():
    df = pd.DataFrame({"id": [1, 2], "Churn": ["Yes", "maybe"]})
    with pytest.raises(AnalysisInputError, match="cannot read 'maybe'"):
        flag_frame(df, "Churn", "id")
    with pytest.raises(AnalysisInputError, match="not found"):
        flag_frame(df, "churned")
    with pytest.raises(AnalysisInputError, match="one class"):
        flag_frame(pd.DataFrame({"Churn": ["No", "no"]}), "Churn")


def _hostile_churn_frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Numeric features with gaps (missing indicators), a constant, categories with rare
    levels (one-hot infrequent bucket) and missing values."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "recency": rng.exponential(30, n),
        "frequency": rng.poisson(3, n).astype(float),
        "spend": np.where(rng.random(n) < 0.2, np.nan, rng.gamma(2, 50, n)),
        "constant": np.ones(n),
        "channel": rng.choice(["web", "store", "app", "fax"], n, p=[.5, .3, .19, .01]),
        "region": np.where(rng.random(n) < 0.1, None,
                           rng.choice(["north", "south", "east"], n)).astype(object),
    })
    y = (X["recency"] / 30 + rng.normal(size=n) - (X["channel"] == "web") > 0.8).astype(int)
    return X, y.to_numpy()


@pytest.mark.parametrize("kind", ["logistic", "gbm"])
def test_permutation_importance_matches_scikit_learn(kind):
    """The preparation run once gives scikit-learn's scores bit for bit (same permutations)."""
    from sklearn.inspection import permutation_importance as sk_importance

    from cdmkit.analyze.importance import feature_columns, permutation_importance

    X, y = _hostile_churn_frame(600, 1)
    X["channel"] = X["channel"].astype(str)
    X["region"] = X["region"].where(X["region"].notna(), None).astype(str)
    numeric, categorical = ["recency", "frequency", "spend", "constant"], ["channel", "region"]
    pipe = churn_pipeline(kind, numeric, categorical, random_state=0).fit(X[:400], y[:400])
    Xt, yt = X[400:], y[400:]
    cols = feature_columns(pipe[:-1], Xt, np.asarray(pipe[:-1].transform(Xt)))
    assert cols is not None  # the fast road is taken, not the fallback
    assert len(cols[3]) == 0 and len(cols[2]) == 2  # constant: none; spend: value + indicator
    for seed in (0, 7):
        mean, std = permutation_importance(pipe, Xt, yt, n_repeats=4, random_state=seed)
        ref = sk_importance(pipe, Xt, yt, scoring="roc_auc", n_repeats=4, random_state=seed)
        assert np.array_equal(mean, ref.importances_mean)
        assert np.array_equal(std, ref.importances_std)


def test_permutation_importance_falls_back_when_columns_mix():
    """A preparation that mixes features (PCA) takes scikit-learn's own road: same result."""
    from sklearn.decomposition import PCA
    from sklearn.inspection import permutation_importance as sk_importance
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from cdmkit.analyze.importance import feature_columns, permutation_importance

    X, y = _hostile_churn_frame(300, 2)
    X = X[["recency", "frequency", "constant"]]
    pipe = make_pipeline(PCA(2), LogisticRegression()).fit(X, y)
    assert feature_columns(pipe[:-1], X, pipe[:-1].transform(X)) is None
    mean, std = permutation_importance(pipe, X, y, n_repeats=3, random_state=3)
    ref = sk_importance(pipe, X, y, scoring="roc_auc", n_repeats=3, random_state=3)
    assert np.array_equal(mean, ref.importances_mean) and np.array_equal(std, ref.importances_std)
