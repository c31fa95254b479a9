"""Fellegi-Sunter scoring: m by EM, u from random pairs, term-frequency adjustment.

The comparison vector of a pair is one level per comparison (``-1`` missing).
Each level has ``m`` = P(level | match) and ``u`` = P(level | non-match); the
pair's match weight (bits) is the prior ``log2(lambda / (1 - lambda))`` plus
``log2(m / u)`` of each non-missing level, plus a term-frequency adjustment
``log2(u_exact / tf(value))`` on exact matches of comparisons that use it
(agreeing on a rare name is stronger evidence than on a common one), as in
Splink. u is estimated once from random record pairs and held fixed while EM
estimates m and lambda on the candidate pairs. EM runs on the distinct
comparison vectors weighted by their counts, so it is fast and deterministic.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> match = rng.random(2000) < 0.3
>>> g = np.where(match[:, None], rng.random((2000, 3)) < 0.1, rng.random((2000, 3)) < 0.8).astype("int8")
>>> u = (rng.random((5000, 3)) < 0.8).astype("int8")
>>> fs = FellegiSunter().fit(g, u, n_levels=[2, 2, 2])
>>> round(fs.lambda_, 1)
0.3
>>> [round(float(m), 1) for m in fs.m_[0]]   # true m: 0.9 / 0.1
[0.9, 0.1]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

__all__ = ["FellegiSunter", "LevelScorer", "u_probabilities"]


def u_probabilities(u_gamma: np.ndarray, n_levels) -> list[np.ndarray]:
    """Level frequencies among random pairs (Laplace-smoothed, missing levels ignored).

    Examples
    --------
    >>> import numpy as np
    >>> u_probabilities(np.array([[0], [1], [1], [-1]]), [2])[0].round(2).tolist()
    [0.4, 0.6]
    """
    out = []
    for k, L in enumerate(n_levels):
        col = u_gamma[:, k]
        col = col[col >= 0]
        counts = np.bincount(col, minlength=L)[:L].astype(float)
        out.append((counts + 1.0) / (counts.sum() + L))
    return out


class LevelScorer(BaseEstimator):
    """Shared scoring and explanation of level-based models (prior + weight per level).

    Subclasses set ``prior_`` (bits) and ``weights_`` (list of arrays, bits per level)
    and optionally ``tf_exact_u_`` (u of the exact level of term-frequency comparisons).
    """

    def _tf_adjustment(self, gamma, tf):
        adj = np.zeros(gamma.shape, dtype=float)
        if tf is None or getattr(self, "tf_exact_u_", None) is None:
            return adj
        for k, u_exact in enumerate(self.tf_exact_u_):
            if u_exact is None:
                continue
            t = np.asarray(tf[:, k], dtype=float)
            ok = (gamma[:, k] == 0) & np.isfinite(t) & (t > 0)
            adj[ok, k] = np.clip(np.log2(u_exact / t[ok]), -10, 10)
        return adj

    def contributions(self, gamma: np.ndarray, tf: np.ndarray | None = None):
        """Per-pair weights: ``(level_weights, tf_weights)``, each of shape (n_pairs, n_comparisons).

        Missing levels contribute 0. The match weight is
        ``prior_ + level_weights.sum(1) + tf_weights.sum(1)``.
        """
        gamma = np.asarray(gamma)
        w = np.zeros(gamma.shape, dtype=float)
        for k, wk in enumerate(self.weights_):
            g = gamma[:, k]
            ok = g >= 0
            w[ok, k] = wk[g[ok]]
        return w, self._tf_adjustment(gamma, tf)

    def match_weight(self, gamma: np.ndarray, tf: np.ndarray | None = None) -> np.ndarray:
        """Match weight (bits) of each pair."""
        w, adj = self.contributions(gamma, tf)
        return self.prior_ + w.sum(axis=1) + adj.sum(axis=1)

    def predict_proba(self, gamma: np.ndarray, tf: np.ndarray | None = None) -> np.ndarray:
        """Match probability of each pair."""
        return 1.0 / (1.0 + np.exp2(-self.match_weight(gamma, tf)))

    def params_frame(self, names, level_names) -> pd.DataFrame:
        """Table of the parameters: one row per comparison level plus the prior.

        Columns: ``comparison``, ``level``, ``level_name``, ``m``, ``u``, ``weight``
        (bits), ``bayes_factor``.
        """
        rows = [{"comparison": "prior", "level": -1, "level_name": "lambda",
                 "m": getattr(self, "lambda_", np.nan), "u": np.nan, "weight": self.prior_}]
        m = getattr(self, "m_", None)
        u = getattr(self, "u_", None)
        for k, name in enumerate(names):
            for lv, lname in enumerate(level_names[k]):
                rows.append({"comparison": name, "level": lv, "level_name": lname,
                             "m": m[k][lv] if m is not None else np.nan,
                             "u": u[k][lv] if u is not None else np.nan,
                             "weight": self.weights_[k][lv]})
        out = pd.DataFrame(rows)
        out["bayes_factor"] = np.exp2(out["weight"])
        return out


class FellegiSunter(LevelScorer):
    """Unsupervised Fellegi-Sunter model (m and lambda by EM, u fixed from random pairs).

    Parameters
    ----------
    max_iter : int
        Maximum EM iterations.
    tol : float
        Convergence: largest change of any m or of lambda.
    lambda_init : float
        Starting share of matches among candidate pairs.
    m_init_exact : float
        Starting m of the exact level (the remaining mass decreases geometrically
        over the other levels), so EM starts from "matches agree".
    min_level_count : int
        Levels seen in fewer candidate pairs than this get weight 0 (no evidence
        either way) instead of an extreme weight estimated from almost no data.

    Attributes
    ----------
    m_, u_ : list of ndarray
        Probabilities per level of each comparison.
    lambda_ : float
        Share of matches among the candidate pairs.
    prior_ : float
        ``log2(lambda_ / (1 - lambda_))``.
    weights_ : list of ndarray
        ``log2(m / u)`` per level.
    n_iter_ : int
    converged_ : bool

    Examples
    --------
    >>> FellegiSunter(max_iter=5).get_params()["max_iter"]
    5
    """

    def __init__(self, max_iter=100, tol=1e-6, lambda_init=0.1, m_init_exact=0.9,
                 min_level_count=5):
        self.max_iter = max_iter
        self.tol = tol
        self.lambda_init = lambda_init
        self.m_init_exact = m_init_exact
        self.min_level_count = min_level_count

    def _m_init(self, L):
        if L == 1:
            return np.ones(1)
        rest = (1 - self.m_init_exact) * 0.5 ** np.arange(L - 1)
        m = np.r_[self.m_init_exact, rest / rest.sum() * (1 - self.m_init_exact)]
        return m / m.sum()

    def fit(self, gamma, u_gamma, n_levels, tf_exact=None):
        """Estimate u from ``u_gamma`` (random pairs) and m, lambda by EM on ``gamma``.

        Parameters
        ----------
        gamma : ndarray (n_pairs, n_comparisons)
            Levels of the candidate pairs.
        u_gamma : ndarray (n_random, n_comparisons)
            Levels of random record pairs.
        n_levels : list of int
            Number of levels of each comparison.
        tf_exact : list of bool, optional
            Which comparisons get term-frequency adjustment.

        Returns
        -------
        self
        """
        gamma = np.asarray(gamma, dtype=np.int8)
        K = gamma.shape[1]
        self.u_ = u_probabilities(np.asarray(u_gamma), n_levels)
        patterns, counts = np.unique(gamma, axis=0, return_counts=True)
        counts = counts.astype(float)
        m = [self._m_init(L) for L in n_levels]
        lam = float(self.lambda_init)
        log_u = np.zeros(len(patterns))
        onehots = []
        for k in range(K):
            g = patterns[:, k]
            ok = g >= 0
            log_u[ok] += np.log(self.u_[k][g[ok]])
            oh = np.zeros((len(patterns), n_levels[k]))
            oh[np.flatnonzero(ok), g[ok]] = 1.0
            onehots.append(oh)
        self.converged_ = False
        it = 0
        for it in range(1, self.max_iter + 1):
            log_m = np.zeros(len(patterns))
            for k in range(K):
                log_m += onehots[k] @ np.log(m[k])
            a = np.log(lam) + log_m
            b = np.log1p(-lam) + log_u
            post = 1.0 / (1.0 + np.exp(np.clip(b - a, -700, 700)))
            wpost = counts * post
            new_lam = float(np.clip(wpost.sum() / counts.sum(), 1e-9, 1 - 1e-9))
            delta = abs(new_lam - lam)
            for k in range(K):
                s = wpost @ onehots[k] + 1e-6
                new = s / s.sum()
                delta = max(delta, float(np.abs(new - m[k]).max()))
                m[k] = new
            lam = new_lam
            if delta < self.tol:
                self.converged_ = True
                break
        self.n_iter_ = it
        self.m_ = m
        self.lambda_ = lam
        self.prior_ = float(np.log2(lam / (1 - lam)))
        self.weights_ = []
        for k in range(K):
            wk = np.log2(m[k] / self.u_[k])
            seen = counts @ onehots[k]
            wk[seen < self.min_level_count] = 0.0
            self.weights_.append(wk)
        if tf_exact is not None:
            self.tf_exact_u_ = [float(self.u_[k][0]) if on else None
                                for k, on in enumerate(tf_exact)]
        else:
            self.tf_exact_u_ = None
        return self
