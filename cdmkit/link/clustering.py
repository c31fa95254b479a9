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

__all__ = ["cluster_pairs", "cluster_records", "components", "cluster_size_table"]


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


def separate_conflicts(n: int, pairs: np.ndarray, weights: np.ndarray, active: np.ndarray,
                       cannot_link: np.ndarray, labels: np.ndarray):
    """Split clusters in which a chain of links joins two records a direct comparison separates.

    Inside each such cluster (three records or more: two records that a direct
    comparison separates are never linked) the links are added again strongest first,
    skipping any link that would put a separated pair into one cluster (agglomeration
    under cannot-link constraints). Deterministic: ties are broken by pair order.

    Parameters
    ----------
    n : int
    pairs, weights : ndarray
        Candidate pairs and their weights.
    active : ndarray of bool
        Pairs that are links.
    cannot_link : ndarray of bool
        Pairs a direct comparison separates (relatives: a family rule).
    labels : ndarray
        Clusters of the links (:func:`components`).

    Returns
    -------
    labels : ndarray
    split : list of (int, int)
        First record and size of each cluster that was split.

    Examples
    --------
    >>> import numpy as np
    >>> pairs = np.array([[0, 1], [1, 2], [0, 2]])   # 0-1 and 1-2 linked, 0-2 twins
    >>> w = np.array([9.0, 5.0, -60.0])
    >>> lab, split = separate_conflicts(3, pairs, w, w >= 0, np.array([False, False, True]),
    ...                                 np.array([0, 0, 0]))
    >>> lab.tolist(), split
    ([0, 0, 1], [(0, 3)])
    """
    cannot_link = np.asarray(cannot_link, dtype=bool)
    li, lj = labels[pairs[:, 0]], labels[pairs[:, 1]]
    conflict = cannot_link & (li == lj)
    if not conflict.any():
        return labels, []
    bad = np.unique(li[conflict])
    in_bad = np.isin(li, bad) & (li == lj)
    keep = active & ~in_bad  # links of coherent clusters stay as they are
    parent = {}

    def find(x):
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    # per set (by its root): its records and the records they must not join
    members, forbidden = {}, {}
    for a, b in pairs[conflict]:
        forbidden.setdefault(int(a), set()).add(int(b))
        forbidden.setdefault(int(b), set()).add(int(a))
    cand = np.flatnonzero(active & in_bad)
    cand = cand[np.argsort(-weights[cand], kind="stable")]
    kept = []
    for e in cand:
        a, b = int(pairs[e, 0]), int(pairs[e, 1])
        ra, rb = find(a), find(b)
        if ra != rb:
            ma, mb = members.get(ra, {ra}), members.get(rb, {rb})
            fa, fb = forbidden.get(ra, set()), forbidden.get(rb, set())
            if fa & mb or fb & ma:
                continue  # this link would join people a direct comparison separates
            parent[rb] = ra
            members[ra] = ma | mb
            forbidden[ra] = fa | fb
        kept.append(e)
    keep[np.asarray(kept, dtype=np.int64)] = True
    new = components(n, pairs[keep])
    first = np.full(labels.max() + 1, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n))
    sizes = np.bincount(labels)
    split = [(int(first[c]), int(sizes[c])) for c in bad]
    return new, split


def cluster_pairs(n: int, pairs: np.ndarray, weights: np.ndarray, threshold: float,
                  max_cluster_size: int = 50, min_density: float = 0.3, guard: bool = True,
                  step: float = 1.0, max_rounds: int = 60, cannot_link=None):
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
    cannot_link : ndarray of bool, optional
        Pairs that a direct comparison separates (relatives); no chain of links may join
        them (:func:`separate_conflicts`, reported with reason ``conflict``).

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
    if cannot_link is not None and len(pairs):
        labels, split = separate_conflicts(n, pairs, weights, weights >= thr, cannot_link,
                                           labels)
        rows += [{"first_record": f, "size": size, "density": np.nan, "reason": "conflict",
                  "round": -1} for f, size in split]
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


def _sparse_best_link(weight, pairs, codes, settings, tw, max_fields: int = 2,
                      ambiguity_bits: float = 2.0, protect=None):
    """Weights for clustering: a sparse record keeps only its strongest link.

    A record with at most ``max_fields`` compared fields (a sign-up with an e-mail and
    a first name) carries too little to tell namesakes apart; linked to two people it
    would chain them into one customer. Its weaker links are set just below the
    threshold for clustering only (reported weights are unchanged).

    ``protect`` (one bool per pair) marks links between records that already share a
    customer ID: a sparse record holding one keeps it and drops its other links, so a
    new namesake can neither pull it away nor hang on to the customer through it.
    """
    if not len(pairs):
        return weight
    cols = [k for k, s in enumerate(settings.comparisons) if not s.column.startswith("_lk_")]
    filled = np.zeros(len(codes[0]) if codes else 0, dtype=np.int64)
    for k in cols:
        filled += codes[k] >= 0
    sparse = filled <= max_fields
    link = weight >= tw
    best = np.full(len(filled), -np.inf)
    for side in (0, 1):
        np.maximum.at(best, pairs[link, side], weight[link])
    drop = np.zeros(len(pairs), dtype=bool)
    for side in (0, 1):
        r = pairs[:, side]
        drop |= link & sparse[r] & (weight < best[r])
    # Ambiguous: the runner-up is almost as strong and points to someone the best one
    # is not linked with (several namesakes) - then the sparse record links to no one.
    n = len(filled)
    rows = []
    for side in (0, 1):
        r, o = pairs[:, side], pairs[:, 1 - side]
        sel = link & sparse[r]
        rows.append(pd.DataFrame({"r": r[sel], "o": o[sel], "w": weight[sel],
                                  "k": np.flatnonzero(sel)}))
    lk = pd.concat(rows, ignore_index=True).sort_values(["r", "w", "o"],
                                                         ascending=[True, False, True])
    lk["rank"] = lk.groupby("r").cumcount()
    if (lk["rank"] == 1).any():
        top = lk[lk["rank"] < 2].pivot(index="r", columns="rank", values=["o", "w"]).dropna()
    else:
        top = pd.DataFrame()
    if len(top):
        o1, o2 = top[("o", 0)].to_numpy(np.int64), top[("o", 1)].to_numpy(np.int64)
        w1, w2 = top[("w", 0)].to_numpy(float), top[("w", 1)].to_numpy(float)
        enc_links = np.sort(pairs[link, 0] * n + pairs[link, 1])
        key = np.minimum(o1, o2) * n + np.maximum(o1, o2)
        pos = np.minimum(np.searchsorted(enc_links, key), max(len(enc_links) - 1, 0))
        together = (enc_links[pos] == key) if len(enc_links) else np.zeros(len(key), bool)
        amb = (w2 >= w1 - ambiguity_bits) & ~together
        bad = top.index.to_numpy()[amb]
        drop[lk.loc[lk["r"].isin(bad), "k"].to_numpy()] = True
    if protect is not None:
        protect = protect & link
        held = np.zeros(n, dtype=bool)
        for side in (0, 1):
            held[pairs[protect, side]] = True
        for side in (0, 1):
            r = pairs[:, side]
            drop |= link & sparse[r] & held[r] & ~protect
        drop &= ~protect
    if not drop.any():
        return weight
    out = weight.copy()
    out[drop] = np.minimum(out[drop], tw - 1e-6)
    return out


def cluster_records(n: int, pairs: np.ndarray, weight: np.ndarray, codes, settings, config,
                    cannot_link=None, known_ids=None):
    """Cluster step: entity label per record from scored pairs.

    Links are pairs at or above the settings' threshold (as a weight in bits); a sparse
    record keeps only its strongest link (``_sparse_best_link``, links within a known
    customer protected), then :func:`cluster_pairs` groups them with the anti-chaining
    guard and the coherence check (``cannot_link``: pairs a family rule separates).

    Parameters
    ----------
    n : int
        Number of records.
    pairs : ndarray
        ``(n_pairs, 2)`` record positions.
    weight : ndarray
        Match weight (bits) per pair.
    codes : list of ndarray
        Per comparison, each record's code (``-1`` missing): how many fields it has.
    settings : LinkageSettings
    config : LinkageConfig
        Guard options (cluster size and density, chain guard).
    cannot_link : ndarray of bool, optional
        Pairs that must not end in one cluster.
    known_ids : array-like, optional
        Customer ID each record already has (``None`` for new records).

    Returns
    -------
    labels : ndarray
        Cluster label per record.
    anomalies : DataFrame
        Components split by the guard.
    threshold_weight : float

    Examples
    --------
    >>> from cdmkit.config.linkage import LinkageConfig
    >>> from cdmkit.link.settings import LinkageSettings
    >>> s = LinkageSettings([], [])
    >>> labels, _, tw = cluster_records(3, np.array([[0, 1], [1, 2]]), np.array([4.0, -4.0]),
    ...                                 [np.zeros(3, dtype=np.int64)], s, LinkageConfig())
    >>> labels.tolist(), tw
    ([0, 0, 1], 0.0)
    """
    t = settings.threshold
    tw = float(np.log2(t / (1 - t)))
    protect = None
    if known_ids is not None and len(pairs):
        kc = pd.factorize(pd.Series(known_ids, dtype=object), use_na_sentinel=True)[0]
        protect = (kc[pairs[:, 0]] >= 0) & (kc[pairs[:, 0]] == kc[pairs[:, 1]])
    cw = _sparse_best_link(weight, pairs, codes, settings, tw, protect=protect)
    labels, anomalies = cluster_pairs(n, pairs, cw, tw, config.max_cluster_size,
                                      config.min_cluster_density, config.chain_guard,
                                      cannot_link=cannot_link)
    return labels, anomalies, tw
