"""Clustering links into entities: connected components with an anti-chaining guard.

Links (candidate pairs at or above the threshold) are grouped by connected
components. One weak link can chain many distinct people into one component,
so the guard checks each component: too large (``max_cluster_size``), or of
4+ records with a low *density* (linked pairs / candidate pairs among its
members). Inside such a component the threshold is raised step by step (and at
least past its weakest link) until the pieces pass; each split is reported.

Examples
--------
>>> import numpy as np
>>> pairs = np.array([[0, 1], [1, 2], [3, 4]])
>>> labels, anomalies = cluster_pairs(5, pairs, np.array([5.0, -3.0, 9.0]), threshold=0.0)
>>> labels.tolist()
[0, 0, 1, 2, 2]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["cluster_pairs", "components", "cluster_size_table"]


def components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Component label of each of ``n`` records, numbered by first record (deterministic).

    Examples
    --------
    >>> import numpy as np
    >>> components(4, np.array([[2, 3]])).tolist()
    [0, 1, 2, 2]
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    from scipy.sparse import coo_matrix  # imported on use: keeps start-up light
    from scipy.sparse.csgraph import connected_components

    g = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])),
                   shape=(n, n))
    _, lab = connected_components(g, directed=False)
    # Renumber by the smallest record position of each component.
    first = np.full(lab.max() + 1 if n else 0, n, dtype=np.int64)
    np.minimum.at(first, lab, np.arange(n))
    rank = np.empty_like(first)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[lab]


def cluster_pairs(n: int, pairs: np.ndarray, weights: np.ndarray, threshold: float,
                  max_cluster_size: int = 50, min_density: float = 0.3, guard: bool = True,
                  step: float = 1.0, max_rounds: int = 60):
    """Cluster ``n`` records from scored candidate pairs.

    Parameters
    ----------
    n : int
        Number of records.
    pairs : ndarray (k, 2)
        Candidate pairs (record positions).
    weights : ndarray (k,)
        Match weight of each pair.
    threshold : float
        Match weight from which a pair is a link.
    max_cluster_size, min_density : see :class:`cdmkit.config.LinkageConfig`.
    guard : bool
        Apply the anti-chaining guard.
    step : float
        Bits by which the threshold rises per round inside a flagged component.

    Returns
    -------
    labels : ndarray of int
        Cluster of each record (0..c-1, numbered by first record).
    anomalies : DataFrame
        ``first_record``, ``size``, ``density``, ``reason``, ``round`` of each flagged component.

    Examples
    --------
    >>> import numpy as np
    >>> chain = np.array([[i, i + 1] for i in range(9)])
    >>> w = np.r_[np.full(4, 20.0), 1.0, np.full(4, 20.0)]
    >>> lab, an = cluster_pairs(10, chain, w, 0.0, max_cluster_size=6)
    >>> np.bincount(lab).tolist(), an["reason"].tolist()
    ([5, 5], ['size'])
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    weights = np.asarray(weights, dtype=float)
    thr = np.full(len(pairs), float(threshold))
    rows = []
    for rnd in range(max_rounds + 1):
        active = weights >= thr
        labels = components(n, pairs[active])
        if not guard or len(pairs) == 0:
            break
        lab32 = labels.astype(np.int32)  # half the memory of int64 at millions of pairs
        li = lab32[pairs[:, 0]]
        inside = li == lab32[pairs[:, 1]]
        sizes = np.bincount(labels, minlength=labels.max() + 1)
        links = np.bincount(li[active], minlength=len(sizes))
        cands = np.bincount(li[inside], minlength=len(sizes))
        density = np.divide(links, cands, out=np.ones(len(sizes)), where=cands > 0)
        too_big = sizes > max_cluster_size
        sparse = (sizes >= 4) & (density < min_density)
        bad = too_big | sparse
        if not bad.any() or rnd == max_rounds:
            break
        first = np.full(len(sizes), n, dtype=np.int64)
        np.minimum.at(first, labels, np.arange(n))
        for c in np.flatnonzero(bad):
            rows.append({"first_record": int(first[c]), "size": int(sizes[c]),
                         "density": float(density[c]),
                         "reason": "size" if too_big[c] else "density", "round": rnd})
        edge_bad = inside & bad[li]
        # Raise past the weakest active link of each flagged component (at least `step`).
        weakest = np.full(len(sizes), np.inf)
        np.minimum.at(weakest, li[edge_bad & active], weights[edge_bad & active])
        new_thr = np.maximum(thr[edge_bad] + step, np.nextafter(weakest[li[edge_bad]], np.inf))
        thr[edge_bad] = new_thr
    an = pd.DataFrame(rows, columns=["first_record", "size", "density", "reason", "round"])
    return labels, an


def cluster_size_table(labels: np.ndarray) -> pd.DataFrame:
    """How many clusters have each size.

    Examples
    --------
    >>> import numpy as np
    >>> cluster_size_table(np.array([0, 0, 1, 2])).to_dict("list")
    {'cluster_size': [1, 2], 'clusters': [2, 1], 'records': [2, 2]}
    """
    sizes = np.bincount(np.asarray(labels))
    sizes = sizes[sizes > 0]
    vc = pd.Series(sizes).value_counts().sort_index()
    return pd.DataFrame({"cluster_size": vc.index.astype(int), "clusters": vc.to_numpy(),
                         "records": (vc.index * vc.to_numpy()).astype(int)})
