"""u and the prior from counts over the whole table: agreement shares, random-pair level
frequencies, and the share of matches from deterministic rules (calibration of Fellegi-Sunter)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["agreement_share", "deterministic_lambda", "u_probabilities"]


def agreement_share(keys, present=None, sources=None, link_type: str = "link_and_dedupe"
                    ) -> float:
    """Share of record pairs whose keys are equal: ``sum_v c_v (c_v - 1) / (N (N - 1))``.

    One group-by over the whole table (value counts; with sources, counts per value and
    source), so it runs as well in SQL or Spark as here. ``-1`` keys never agree;
    ``present`` (default: key present) marks the records that count in ``N`` - for a
    level defined on part of the values (the same local part of an e-mail), the pairs
    of the whole comparison, both values present. ``link_type`` restricts the pairs as
    blocking does (``dedupe_only``: within sources, ``link_only``: across them).

    This is u of an exact level among *all* pairs, the same population as the prior;
    the few true matches among all pairs count too, as in Splink's random sampling.

    Examples
    --------
    >>> import numpy as np
    >>> agreement_share(np.array([0, 0, 1, 1, 2]))   # 4 agreeing of 20 ordered pairs
    0.2
    >>> agreement_share(np.array([0, 0, 0, 1]), sources=np.array([0, 0, 1, 1]),
    ...                 link_type="link_only")       # a0-b0, a1-b0 of 8 ordered pairs
    0.5
    """
    keys = np.asarray(keys, dtype=np.int64)
    present = keys >= 0 if present is None else np.asarray(present, dtype=bool)
    ok = (keys >= 0) & present
    if sources is None or link_type == "link_and_dedupe":
        n = float(present.sum())
        _, c = np.unique(keys[ok], return_counts=True)
        c = c.astype(float)
        total = n * (n - 1)
        agree = float((c * (c - 1)).sum())
    else:
        src = pd.factorize(pd.Series(np.asarray(sources)))[0].astype(np.int64)
        ns = np.bincount(src[present], minlength=src.max() + 1 if len(src) else 0).astype(float)
        k_s = keys[ok] * (int(src.max()) + 1) + src[ok]
        uk, c_vs = np.unique(k_s, return_counts=True)
        c_vs = c_vs.astype(float)
        _, inv = np.unique(uk // (int(src.max()) + 1), return_inverse=True)
        c_v = np.bincount(inv, weights=c_vs)
        if link_type == "dedupe_only":
            agree, total = float((c_vs * (c_vs - 1)).sum()), float((ns * (ns - 1)).sum())
        else:  # link_only
            agree = float((c_v ** 2).sum() - (c_vs ** 2).sum())
            total = float(ns.sum() ** 2 - (ns ** 2).sum())
    return agree / total if total > 0 else 0.0


def deterministic_lambda(n_agreeing: int, n_possible: int, recall: float) -> float:
    """Share of matches among all record pairs from deterministic rules (as Splink's
    ``estimate_probability_two_random_records_match``).

    ``n_agreeing`` pairs meet a rule that is assumed to find the share ``recall`` of the
    true matches (and nothing else), so matches number ``n_agreeing / recall``.

    Examples
    --------
    >>> deterministic_lambda(70, 10_000, 0.7)
    0.01
    """
    if n_possible <= 0:
        return float("nan")
    return min(float(n_agreeing) / float(recall) / float(n_possible), 1.0)


def u_probabilities(u_gamma: np.ndarray, n_levels, u_prior=None,
                    strength: float = 100.0) -> list[np.ndarray]:
    """Level frequencies among random pairs, smoothed towards a prior (missing levels ignored).

    Without ``u_prior`` the smoothing is Laplace (one pseudo-pair per level); with
    it, ``strength`` pseudo-pairs distributed as the prior.

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
        if u_prior is None:
            out.append((counts + 1.0) / (counts.sum() + L))
        else:
            out.append((counts + strength * u_prior[k]) / (counts.sum() + strength))
    return out
