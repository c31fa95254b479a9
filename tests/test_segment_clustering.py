"""Segmenters follow the scikit-learn estimator contract; choosing k; stability."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline

from cdmkit.registry import segmenters
from cdmkit.segment import (GMMSegmenter, KMeansSegmenter, MiniBatchKMeansSegmenter,
                            SkewLogScaler, choose_k, cluster_stability, make_segmenter)

BUILTIN = ["kmeans", "minibatch_kmeans", "gmm"]


def _blobs(sizes=(60, 40, 20), seed=0):
    rng = np.random.default_rng(seed)
    centres = [(0, 0), (6, 0), (0, 6), (6, 6)]
    X = np.vstack([rng.normal(centres[i], 0.4, (n, 2)) for i, n in enumerate(sizes)])
    y = np.repeat(np.arange(len(sizes)), sizes)
    return X, y


def test_builtins_are_registered():
    assert set(BUILTIN) <= set(segmenters.names())
    assert segmenters.get("kmeans") is KMeansSegmenter
    assert segmenters.get("gmm") is GMMSegmenter
    assert segmenters.get("minibatch_kmeans") is MiniBatchKMeansSegmenter


@pytest.mark.parametrize("name", BUILTIN)
def test_estimator_contract(name):
    from sklearn.metrics import adjusted_rand_score

    X, y = _blobs()
    est = segmenters.get(name)(n_clusters=3, random_state=0)
    params = est.get_params()
    assert params["n_clusters"] == 3 and params["random_state"] == 0
    assert not hasattr(est, "labels_")          # __init__ only stores parameters
    assert est.fit(X) is est                    # fit returns self
    assert clone(est).get_params() == params
    # recovers well separated groups, largest cluster first
    assert adjusted_rand_score(y, est.labels_) > 0.95
    assert np.bincount(est.labels_).tolist() == [60, 40, 20]
    np.testing.assert_array_equal(est.predict(X), est.labels_)
    # deterministic with a seed
    again = segmenters.get(name)(n_clusters=3, random_state=0).fit(X)
    np.testing.assert_array_equal(again.labels_, est.labels_)
    assert est.score(X) > 0.7


@pytest.mark.parametrize("name", BUILTIN)
def test_works_in_pipeline_and_grid_search(name):
    X, _ = _blobs()
    X = np.c_[X, np.exp(X[:, 0] / 2)]  # a skewed column for the log step
    pipe = Pipeline([("prep", SkewLogScaler()), ("seg", make_segmenter(name, 2, random_state=0))])
    cv = KFold(3, shuffle=True, random_state=0)  # blobs are stored in order
    search = GridSearchCV(pipe, {"seg__n_clusters": [2, 3, 4]}, cv=cv).fit(X)
    assert search.best_params_["seg__n_clusters"] == 3
    assert search.best_estimator_.predict(X).shape == (len(X),)


def test_gmm_probabilities_follow_public_labels():
    X, _ = _blobs()
    g = GMMSegmenter(n_clusters=3, random_state=1).fit(X)
    P = g.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_array_equal(P.argmax(axis=1), g.labels_)


def test_choose_k_finds_the_true_number_of_groups():
    X, _ = _blobs((50, 50, 50, 50))
    sel = choose_k(X, range(2, 8), "kmeans", random_state=0)
    assert sel.k == 4
    assert sel.scores["k"].tolist() == list(range(2, 8))
    assert sel.silhouette == sel.scores["silhouette"].max()


def test_choose_k_on_a_sample_and_min_cluster_share():
    X, _ = _blobs((400, 300, 6))
    sel = choose_k(X, range(2, 5), sample_size=200, random_state=0)
    assert sel.n_sample == 200
    # the tiny third group cannot become a cluster if clusters must hold >= 5 % of customers
    strict = choose_k(X, range(2, 5), random_state=0, min_cluster_share=0.05)
    assert strict.k == 2


def test_stability_high_on_clear_structure_lower_on_noise():
    X, _ = _blobs()
    assert cluster_stability(X, 3, seeds=range(4)).mean_ari > 0.99
    noise = np.random.default_rng(0).uniform(size=(300, 2))
    st = cluster_stability(noise, 6, seeds=range(4), sample_size=None)
    assert st.min_ari < 0.99
    assert len(st.pairwise) == 6


def test_skewlogscaler_logs_only_skewed_nonnegative_columns():
    rng = np.random.default_rng(0)
    X = np.c_[rng.lognormal(0, 1.5, 500), rng.normal(0, 1, 500), -rng.lognormal(0, 1.5, 500)]
    t = SkewLogScaler().fit(X)
    assert t.log_columns_.tolist() == [True, False, False]
    Z = t.transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-9)
    assert SkewLogScaler(None).fit(X).log_columns_.sum() == 0
