"""What EM and scoring read: distinct comparison patterns with their counts, and the term
frequencies of candidate pairs (kept per record, looked up per pair)."""

from __future__ import annotations

import numpy as np

__all__ = ["PairFrequencies", "distinct_patterns", "merge_patterns"]


class PairFrequencies:
    """Term frequencies of candidate pairs, kept per record and looked up per pair on use.

    Behaves like a ``(pairs, comparisons)`` float32 array full of NaN except the
    term-frequency columns: ``tf[:, k]`` is one column, ``tf[rows]`` a dense block. A
    column is either set whole (``tf[:, k] = values``) or, as the pipeline does,
    described by the frequency of each record's value per comparison level
    (:meth:`set_record_frequencies`): the pair's frequency is then the commoner side's,
    computed only for the rows asked for. At tens of millions of pairs that keeps a few
    arrays of one value per record instead of one float per pair and column.

    Examples
    --------
    >>> import numpy as np
    >>> tf = PairFrequencies(3, 2)
    >>> tf[:, 1] = [0.5, np.nan, 0.25]
    >>> tf[:, 0].tolist()
    [nan, nan, nan]
    >>> tf[2:3].tolist()
    [[nan, 0.25]]
    >>> pairs, gamma = np.array([[0, 1], [1, 2], [0, 2]]), np.array([[0], [1], [0]])
    >>> lazy = PairFrequencies(3, 1)
    >>> lazy.set_record_frequencies(0, {0: np.array([0.1, 0.1, 0.4])}, pairs, gamma)
    >>> lazy[:, 0].astype(float).round(2).tolist()   # level 0 only: the commoner record
    [0.1, nan, 0.4]
    """

    def __init__(self, n_pairs: int, n_comparisons: int):
        self.shape = (int(n_pairs), int(n_comparisons))
        self.columns: dict[int, np.ndarray] = {}
        self.record_frequencies: dict[int, dict[int, np.ndarray]] = {}
        self._pairs = self._gamma = None
        self.ndim = 2

    def __len__(self):
        return self.shape[0]

    def set_record_frequencies(self, k: int, by_level: dict, pairs: np.ndarray,
                               gamma: np.ndarray) -> None:
        """Describe column ``k`` by per-record frequencies: ``{level: freq per record}``.

        The frequency of a pair at one of those levels is the larger of its two
        records' (the commoner value counts); NaN at other levels.
        """
        if len(pairs) != self.shape[0] or len(gamma) != self.shape[0]:
            raise ValueError("pairs and gamma must have one row per pair")
        self._pairs, self._gamma = pairs, gamma
        self.record_frequencies[int(k)] = {int(lv): np.asarray(f, dtype=np.float32)
                                           for lv, f in by_level.items()}
        self.columns.pop(int(k), None)

    def _column(self, k, rows=slice(None)):
        col = self.columns.get(k)
        if col is not None:
            return col[rows]
        n = len(range(*rows.indices(self.shape[0]))) if isinstance(rows, slice) else \
            len(np.atleast_1d(np.arange(self.shape[0])[rows]))
        out = np.full(n, np.nan, dtype=np.float32)
        spec = self.record_frequencies.get(k)
        if spec:
            g = self._gamma[rows, k]
            p = self._pairs[rows]
            for level, freq in spec.items():
                sel = np.flatnonzero(g == level)
                out[sel] = np.fmax(freq[p[sel, 0]], freq[p[sel, 1]])
        return out

    def __getitem__(self, key):
        if isinstance(key, tuple):
            rows, k = key
            return self._column(int(k), rows)
        rows = key if isinstance(key, slice) else np.atleast_1d(np.arange(self.shape[0])[key])
        n = len(range(*rows.indices(self.shape[0]))) if isinstance(rows, slice) else len(rows)
        out = np.full((n, self.shape[1]), np.nan, dtype=np.float32)
        for k in set(self.columns) | set(self.record_frequencies):
            out[:, k] = self._column(k, rows)
        return out

    def __setitem__(self, key, values):
        rows, k = key
        if rows != slice(None):
            raise IndexError("set whole columns: tf[:, k] = values")
        self.columns[int(k)] = np.asarray(values, dtype=np.float32).reshape(self.shape[0])
        self.record_frequencies.pop(int(k), None)


def _pack(gamma: np.ndarray, base: int | None = None):
    """One int64 per row (levels ``-1..max`` in a few bits each), or ``None`` if too wide."""
    base = base or int(gamma.max()) + 2  # values -1..max shifted to 0..max+1
    if base ** gamma.shape[1] >= 2 ** 62:
        return None
    code = np.zeros(len(gamma), dtype=np.int64)
    for k in range(gamma.shape[1]):  # first column most significant: np.unique's order
        code = code * base + (gamma[:, k].astype(np.int64) + 1)
    return code


def distinct_patterns(gamma: np.ndarray):
    """Distinct rows of a comparison-level matrix and their counts, sorted like ``np.unique``.

    Rows are packed into one integer each (levels ``-1..k`` in a few bits), so tens of
    millions of pairs reduce with one 1-D sort instead of ``np.unique(axis=0)``'s row sort.
    A ``(patterns, counts)`` tuple (as returned here) passes through unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> p, c = distinct_patterns(np.array([[0, 1], [-1, 2], [0, 1]], dtype="int8"))
    >>> p.tolist(), c.tolist()
    ([[-1, 2], [0, 1]], [1, 2])
    """
    if isinstance(gamma, tuple):
        return gamma
    gamma = np.asarray(gamma)
    if gamma.ndim != 2 or not len(gamma) or not gamma.shape[1]:
        return np.unique(gamma, axis=0, return_counts=True)
    code = _pack(gamma)
    if code is None:
        return np.unique(gamma, axis=0, return_counts=True)
    ucode, idx, counts = np.unique(code, return_index=True, return_counts=True)
    return gamma[idx], counts


def _as_level_data(x):
    """int8 level matrix, or a ``(patterns, counts)`` tuple left as it is."""
    return x if isinstance(x, tuple) else np.asarray(x, dtype=np.int8)


def merge_patterns(parts, n_comparisons: int):
    """Combine ``(patterns, counts)`` of several chunks of pairs into one, as if counted at once.

    EM needs only the distinct comparison vectors and their counts, so training data of
    tens of millions of pairs can be counted chunk by chunk without a full copy.

    Examples
    --------
    >>> import numpy as np
    >>> a = distinct_patterns(np.array([[0, 1], [0, 1]], dtype="int8"))
    >>> b = distinct_patterns(np.array([[0, 1], [-1, 0]], dtype="int8"))
    >>> p, c = merge_patterns([a, b], 2)
    >>> p.tolist(), c.tolist()
    ([[-1, 0], [0, 1]], [1, 3])
    """
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return np.empty((0, n_comparisons), dtype=np.int8), np.empty(0, dtype=np.int64)
    pats = np.concatenate([p for p, _ in parts])
    counts = np.concatenate([c for _, c in parts]).astype(np.int64)
    code = _pack(pats)
    if code is None:
        uniq, inv = np.unique(pats, axis=0, return_inverse=True)
        return uniq, np.bincount(inv.ravel(), weights=counts).astype(np.int64)
    _, idx, inv = np.unique(code, return_index=True, return_inverse=True)
    return pats[idx], np.bincount(inv, weights=counts, minlength=len(idx)).astype(np.int64)
