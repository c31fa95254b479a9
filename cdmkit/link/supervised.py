"""Supervised scoring from labelled pairs (ground truth or clerical-review labels).

A logistic regression on the one-hot comparison levels (missing levels are all
zeros). Its coefficients divided by ``ln 2`` are weights in bits, so pairs are
scored and explained exactly like the Fellegi-Sunter model.

Examples
--------
>>> import numpy as np
>>> g = np.array([[0, 0], [0, 1], [1, 1], [1, 0]] * 30, dtype="int8")
>>> y = np.array([1, 1, 0, 0] * 30)
>>> s = SupervisedScorer().fit(g, y, n_levels=[2, 2])
>>> bool(s.weights_[0][0] > s.weights_[0][1])
True
>>> s.predict_proba(np.array([[0, 0], [1, 1]], dtype="int8")).round().tolist()
[1.0, 0.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .fellegi_sunter import LevelScorer

__all__ = ["SupervisedScorer", "load_labels", "labels_from_truth"]


def _onehot(gamma, n_levels):
    cols = []
    for k, L in enumerate(n_levels):
        oh = np.zeros((len(gamma), L))
        ok = gamma[:, k] >= 0
        oh[np.flatnonzero(ok), gamma[ok, k]] = 1.0
        cols.append(oh)
    return np.hstack(cols)


class SupervisedScorer(LevelScorer):
    """Logistic regression on comparison levels, expressed as match weights.

    Parameters
    ----------
    C : float
        Inverse regularisation strength.
    random_state : int
        Seed (the lbfgs solver is deterministic; kept for the estimator contract).

    Examples
    --------
    >>> SupervisedScorer(C=0.5).get_params()["C"]
    0.5
    """

    def __init__(self, C=1.0, random_state=0):
        self.C = C
        self.random_state = random_state

    def fit(self, gamma, y, n_levels):
        """Fit on labelled pairs; ``y`` is 1 for match, 0 for non-match.

        Raises
        ------
        ValueError
            If the labels do not contain both classes.
        """
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(y).astype(int)
        if len(np.unique(y)) < 2:
            raise ValueError("supervised linkage needs labelled matches and non-matches")
        gamma = np.asarray(gamma, dtype=np.int8)
        X = _onehot(gamma, n_levels)
        model = LogisticRegression(C=self.C, max_iter=1000, random_state=self.random_state)
        model.fit(X, y)
        coef = model.coef_[0] / np.log(2)
        self.prior_ = float(model.intercept_[0] / np.log(2))
        self.weights_, start = [], 0
        for L in n_levels:
            self.weights_.append(coef[start:start + L])
            start += L
        self.tf_exact_u_ = None
        self.lambda_ = float(y.mean())
        self.n_labels_ = int(len(y))
        return self


def load_labels(path) -> pd.DataFrame:
    """Clerical-review labels (``source_l, record_id_l, source_r, record_id_r, label``).

    Returns an empty frame when the file does not exist; the last label given to a
    pair wins.

    Examples
    --------
    >>> load_labels("/nonexistent/labels.csv").shape[0]
    0
    """
    from pathlib import Path

    cols = ["source_l", "record_id_l", "source_r", "record_id_r", "label"]
    if path is None or not Path(path).exists():
        return pd.DataFrame(columns=cols)
    df = pd.read_csv(path, dtype=str)
    df = df.dropna(subset=["label"])
    df["label"] = df["label"].str.lower().map({"match": 1, "1": 1, "true": 1, "yes": 1,
                                               "non-match": 0, "nonmatch": 0, "0": 0,
                                               "false": 0, "no": 0})
    df = df.dropna(subset=["label"])
    df["label"] = df["label"].astype(int)
    return df[cols].drop_duplicates(cols[:4], keep="last").reset_index(drop=True)


def labels_from_truth(pairs_l: np.ndarray, pairs_r: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Labels of pairs of record positions from a ground-truth entity array.

    Examples
    --------
    >>> import numpy as np
    >>> labels_from_truth(np.array([0, 0]), np.array([1, 2]), np.array(["a", "a", "b"])).tolist()
    [1, 0]
    """
    t = np.asarray(truth)
    return (t[pairs_l] == t[pairs_r]).astype(int)
