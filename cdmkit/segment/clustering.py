"""Segmenters (clustering estimators) and the tools to choose k and check stability.

Built-in segmenters are registered in :data:`cdmkit.registry.segmenters` under
``kmeans``, ``minibatch_kmeans`` and ``gmm``; plugins add more through the
``cdmkit.segmenters`` entry-point group. Every segmenter follows scikit-learn's
estimator contract (``__init__`` stores parameters, ``fit`` returns ``self``,
learned state ends in ``_``), so it works in a ``Pipeline`` and in
``GridSearchCV``: its ``score`` is the silhouette coefficient of its labels.

Cluster numbers are made deterministic and readable: cluster 0 is the largest,
1 the next, and so on.

Examples
--------
>>> import numpy as np
>>> from cdmkit.registry import segmenters
>>> noise = np.random.default_rng(0).normal(0, .1, (30, 2))
>>> X = np.r_[np.zeros((20, 2)), np.ones((10, 2)) * 5] + noise
>>> seg = segmenters.get("kmeans")(n_clusters=2, random_state=0).fit(X)
>>> np.bincount(seg.labels_).tolist()
[20, 10]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.utils.validation import check_array, check_is_fitted

from ..registry import segmenters

__all__ = ["BaseSegmenter", "KMeansSegmenter", "MiniBatchKMeansSegmenter", "GMMSegmenter",
           "make_segmenter", "sampled_silhouette", "KSelection", "choose_k", "Stability",
           "cluster_stability"]


def _sample_rows(n: int, size: int | None, random_state) -> np.ndarray:
    """Sorted row positions of a uniform sample (all rows when ``size`` covers them)."""
    if size is None or n <= size:
        return np.arange(n)
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n, size=size, replace=False))


def sampled_silhouette(X, labels, sample_size: int | None = 10000, random_state=0) -> float:
    """Silhouette coefficient on a uniform sample (``nan`` with fewer than two clusters).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> round(sampled_silhouette(X, [0, 0, 1, 1]), 2)
    0.98
    """
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    rows = _sample_rows(len(X), sample_size, random_state)
    lab = labels[rows]
    n_lab = len(np.unique(lab))
    if n_lab < 2 or n_lab >= len(rows):
        return float("nan")
    from sklearn import config_context

    with config_context(working_memory=256):  # bound the pairwise-distance chunks (MiB)
        return float(silhouette_score(X[rows], lab))


class BaseSegmenter(ClusterMixin, BaseEstimator):
    """Base of the built-in segmenters: fit a clustering, relabel clusters by size.

    Subclasses implement ``_make_estimator()`` returning an unfitted scikit-learn
    clusterer with ``fit`` and ``predict``.

    Attributes
    ----------
    estimator_ : object
        The fitted underlying clusterer.
    labels_ : ndarray of int
        Cluster of each training row (0 = largest cluster).
    label_map_ : ndarray of int
        Underlying cluster number -> public cluster number.
    n_clusters_ : int
        Number of clusters.

    Examples
    --------
    >>> issubclass(KMeansSegmenter, BaseSegmenter)
    True
    """

    def _make_estimator(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def fit(self, X, y=None):
        """Fit on the rows of ``X`` (already scaled numeric features).

        Examples
        --------
        >>> import numpy as np
        >>> X = np.array([[0.], [1.], [9.]])
        >>> KMeansSegmenter(n_clusters=2, random_state=0).fit(X).n_clusters_
        2
        """
        A = check_array(X, dtype=float)
        self.n_features_in_ = A.shape[1]
        est = self._make_estimator().fit(A)
        raw = np.asarray(est.predict(A))
        k = int(max(raw.max() + 1, getattr(self, "n_clusters", 0) or 0)) if len(raw) else 0
        counts = np.bincount(raw, minlength=k)
        order = np.lexsort((np.arange(k), -counts))  # by size, then by original number
        mapping = np.empty(k, dtype=np.int64)
        mapping[order] = np.arange(k)
        self.estimator_ = est
        self.label_map_ = mapping
        self.labels_ = mapping[raw]
        self.n_clusters_ = k
        centers = getattr(est, "cluster_centers_", getattr(est, "means_", None))
        if centers is not None:
            self.cluster_centers_ = np.asarray(centers)[order]
        return self

    def predict(self, X):
        """Cluster of each row of ``X``.

        Examples
        --------
        >>> import numpy as np
        >>> s = KMeansSegmenter(n_clusters=2, random_state=0).fit(np.array([[0.], [0.2], [9.]]))
        >>> s.predict(np.array([[0.1], [8.0]])).tolist()
        [0, 1]
        """
        check_is_fitted(self, "estimator_")
        A = check_array(X, dtype=float)
        return self.label_map_[np.asarray(self.estimator_.predict(A))]

    def score(self, X, y=None):
        """Silhouette coefficient of the predicted clusters of ``X`` (higher is better).

        Used by ``GridSearchCV`` to compare settings such as ``n_clusters``; -1 when
        ``X`` falls into fewer than two clusters.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.array([[0.0], [0.1], [5.0], [5.1]])
        >>> round(KMeansSegmenter(n_clusters=2, random_state=0).fit(X).score(X), 2)
        0.98
        """
        s = sampled_silhouette(X, self.predict(X), sample_size=10000,
                               random_state=getattr(self, "random_state", 0))
        return -1.0 if np.isnan(s) else s


@segmenters.register("kmeans")
class KMeansSegmenter(BaseSegmenter):
    """k-means segmenter (scikit-learn ``KMeans``).

    Parameters
    ----------
    n_clusters : int
        Number of segments.
    n_init : int
        Number of starts; the best (lowest inertia) wins.
    max_iter : int
        Iterations per start.
    random_state : int, optional
        Seed (set it for identical results on every run).

    Examples
    --------
    >>> from sklearn.base import clone
    >>> clone(KMeansSegmenter(n_clusters=3)).get_params()["n_clusters"]
    3
    """

    def __init__(self, n_clusters: int = 4, n_init: int = 4, max_iter: int = 300,
                 random_state=None):
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.max_iter = max_iter
        self.random_state = random_state

    def _make_estimator(self):
        return KMeans(n_clusters=self.n_clusters, n_init=self.n_init, max_iter=self.max_iter,
                      random_state=self.random_state)


@segmenters.register("minibatch_kmeans")
class MiniBatchKMeansSegmenter(BaseSegmenter):
    """Mini-batch k-means for large data (scikit-learn ``MiniBatchKMeans``).

    Parameters
    ----------
    n_clusters : int
        Number of segments.
    batch_size : int
        Rows per mini-batch.
    n_init : int
        Number of starts.
    max_iter : int
        Passes over the data.
    random_state : int, optional
        Seed.

    Examples
    --------
    >>> MiniBatchKMeansSegmenter(n_clusters=5).get_params()["batch_size"]
    4096
    """

    def __init__(self, n_clusters: int = 4, batch_size: int = 4096, n_init: int = 3,
                 max_iter: int = 100, random_state=None):
        self.n_clusters = n_clusters
        self.batch_size = batch_size
        self.n_init = n_init
        self.max_iter = max_iter
        self.random_state = random_state

    def _make_estimator(self):
        return MiniBatchKMeans(n_clusters=self.n_clusters, batch_size=self.batch_size,
                               n_init=self.n_init, max_iter=self.max_iter,
                               random_state=self.random_state)


@segmenters.register("gmm")
class GMMSegmenter(BaseSegmenter):
    """Gaussian mixture segmenter (scikit-learn ``GaussianMixture``), with soft memberships.

    Parameters
    ----------
    n_clusters : int
        Number of mixture components (segments).
    covariance_type : {"full", "tied", "diag", "spherical"}
        Covariance structure of the components.
    n_init : int
        Number of EM starts.
    max_iter : int
        EM iterations.
    random_state : int, optional
        Seed.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.r_[np.zeros((10, 1)), np.ones((5, 1)) * 4] + np.linspace(0, .5, 15)[:, None]
    >>> g = GMMSegmenter(n_clusters=2, random_state=0).fit(X)
    >>> g.predict_proba(X).shape
    (15, 2)
    """

    def __init__(self, n_clusters: int = 4, covariance_type: str = "full", n_init: int = 2,
                 max_iter: int = 200, random_state=None):
        self.n_clusters = n_clusters
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.max_iter = max_iter
        self.random_state = random_state

    def _make_estimator(self):
        return GaussianMixture(n_components=self.n_clusters, covariance_type=self.covariance_type,
                               n_init=self.n_init, max_iter=self.max_iter,
                               random_state=self.random_state, reg_covar=1e-5)

    def predict_proba(self, X):
        """Membership probabilities, columns in public cluster order.

        Examples
        --------
        >>> callable(GMMSegmenter().predict_proba)
        True
        """
        check_is_fitted(self, "estimator_")
        P = self.estimator_.predict_proba(check_array(X, dtype=float))
        out = np.empty_like(P)
        out[:, self.label_map_] = P
        return out


def make_segmenter(method: str = "kmeans", n_clusters: int = 4, random_state=None, **params):
    """A registered segmenter by name, with ``n_clusters`` and ``random_state`` set.

    Examples
    --------
    >>> make_segmenter("gmm", 3, random_state=1).get_params()["n_clusters"]
    3
    """
    cls = segmenters.get(method)
    return cls(n_clusters=n_clusters, random_state=random_state, **params)


@dataclass
class KSelection:
    """Silhouette over a range of k, and the chosen k.

    Attributes
    ----------
    k : int
        The k with the highest silhouette (the smaller k on ties).
    scores : DataFrame
        ``k``, ``silhouette``, ``smallest_cluster_share`` per candidate.
    method : str
        Segmenter name.
    n_sample : int
        Rows the selection was computed on.

    Examples
    --------
    >>> import pandas as pd
    >>> KSelection(3, pd.DataFrame({"k": [2, 3], "silhouette": [.4, .5]}), "kmeans", 10).k
    3
    """

    k: int
    scores: pd.DataFrame
    method: str
    n_sample: int

    @property
    def silhouette(self) -> float:
        """Silhouette of the chosen k."""
        return float(self.scores.set_index("k").loc[self.k, "silhouette"])


def choose_k(X, k_values=range(2, 9), method: str = "kmeans", sample_size: int | None = 10000,
             random_state=0, min_cluster_share: float = 0.0, progress: bool = False
             ) -> KSelection:
    """Fit ``method`` for every k on a sample of rows and keep the best silhouette.

    Parameters
    ----------
    X : array-like
        Scaled features.
    k_values : iterable of int
        Candidate numbers of clusters (each >= 2).
    method : str
        Registered segmenter name.
    sample_size : int or None
        Rows used for fitting and scoring (a seeded uniform sample); ``None`` = all.
    random_state : int
        Seed of the sample and of the fits.
    min_cluster_share : float
        Candidates whose smallest cluster holds a smaller share of customers are
        not chosen (unless none qualifies), to avoid tiny outlier segments.
    progress : bool
        Show a progress bar (tqdm).

    Returns
    -------
    KSelection

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, .2, (30, 2)), rng.normal(3, .2, (30, 2)),
    ...           rng.normal(6, .2, (30, 2))]
    >>> choose_k(X, range(2, 6), random_state=0).k
    3
    """
    A = np.asarray(X, dtype=float)
    rows = _sample_rows(len(A), sample_size, random_state)
    S = A[rows]
    from tqdm.auto import tqdm

    recs = []
    for k in tqdm(list(k_values), desc="choosing k", disable=not progress):
        k = int(k)
        if k < 2 or k >= len(S):
            continue
        labels = make_segmenter(method, k, random_state=random_state).fit(S).labels_
        share = np.bincount(labels, minlength=k).min() / len(labels)
        recs.append({"k": k, "silhouette": sampled_silhouette(S, labels, None),
                     "smallest_cluster_share": float(share)})
    scores = pd.DataFrame(recs, columns=["k", "silhouette", "smallest_cluster_share"])
    if scores.empty:
        raise ValueError(f"no valid k in {list(k_values)} for {len(S)} rows")
    ok = scores[scores["smallest_cluster_share"] >= min_cluster_share]
    pool = ok if len(ok) and ok["silhouette"].notna().any() else scores
    pool = pool.fillna({"silhouette": -1.0})
    best = int(pool.sort_values(["silhouette", "k"], ascending=[False, True],
                                kind="mergesort")["k"].iloc[0])
    return KSelection(best, scores, method, int(len(S)))


@dataclass
class Stability:
    """Agreement of clusterings fitted with different seeds (adjusted Rand index).

    Attributes
    ----------
    mean_ari, min_ari : float
        Mean and lowest ARI over all pairs of seeds (1 = identical partitions).
    pairwise : DataFrame
        ``seed_a``, ``seed_b``, ``ari``.

    Examples
    --------
    >>> Stability(1.0, 1.0, pd.DataFrame()).mean_ari
    1.0
    """

    mean_ari: float
    min_ari: float
    pairwise: pd.DataFrame = field(repr=False)


def cluster_stability(X, k: int, method: str = "kmeans", seeds=(0, 1, 2, 3, 4),
                      sample_size: int | None = 10000, random_state=0,
                      progress: bool = False) -> Stability:
    """Refit with each seed (on one seeded sample) and compare the partitions by ARI.

    ``progress`` shows a progress bar (tqdm).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, .2, (30, 2)), rng.normal(4, .2, (30, 2))]
    >>> cluster_stability(X, 2, seeds=[1, 2, 3]).mean_ari
    1.0
    """
    A = np.asarray(X, dtype=float)
    S = A[_sample_rows(len(A), sample_size, random_state)]
    from tqdm.auto import tqdm

    labels = {int(s): make_segmenter(method, k, random_state=int(s)).fit(S).labels_
              for s in tqdm(list(seeds), desc="stability", disable=not progress)}
    recs = [{"seed_a": a, "seed_b": b, "ari": float(adjusted_rand_score(labels[a], labels[b]))}
            for a, b in combinations(sorted(labels), 2)]
    pw = pd.DataFrame(recs, columns=["seed_a", "seed_b", "ari"])
    if pw.empty:
        return Stability(1.0, 1.0, pw)
    return Stability(float(pw["ari"].mean()), float(pw["ari"].min()), pw)
