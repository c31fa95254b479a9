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
>>> g = np.where(match[:, None], rng.random((2000, 3)) < 0.1,
...              rng.random((2000, 3)) < 0.8).astype("int8")
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

from .._estimator import ParamsMixin

__all__ = ["FellegiSunter", "LevelScorer", "u_probabilities", "distinct_patterns",
           "merge_patterns", "PairFrequencies", "agreement_share", "deterministic_lambda"]


#: Pairs scored at a time (bounds the float temporaries of term-frequency lookups).
_SCORE_CHUNK = 2_000_000


def _in_chunks(score, gamma, tf):
    """``score(gamma, tf)`` (one float per pair) computed ``_SCORE_CHUNK`` pairs at a time."""
    out = np.empty(len(gamma))
    for s in range(0, len(gamma), _SCORE_CHUNK):
        out[s:s + _SCORE_CHUNK] = score(gamma[s:s + _SCORE_CHUNK],
                                        None if tf is None else tf[s:s + _SCORE_CHUNK])
    return out


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


class LevelScorer(ParamsMixin):
    """Shared scoring and explanation of level-based models (prior + weight per level).

    Subclasses set ``prior_`` (bits) and ``weights_`` (list of arrays, bits per level)
    and optionally ``tf_exact_u_`` (u of the exact level of term-frequency comparisons).

    Examples
    --------
    >>> import numpy as np
    >>> s = LevelScorer()
    >>> s.prior_, s.weights_ = -3.0, [np.array([5.0, -2.0])]
    >>> s.match_weight(np.array([[0], [1], [-1]])).tolist()
    [2.0, -5.0, -3.0]
    """

    def _tf_column(self, gamma, tf, k):
        """Term-frequency adjustment (bits) of comparison ``k`` per pair, or ``None``."""
        if tf is None or getattr(self, "tf_exact_u_", None) is None:
            return None
        u_exact = self.tf_exact_u_[k]
        if u_exact is None:
            return None
        g = gamma[:, k]
        t = np.asarray(tf[:, k], dtype=float)
        adj = np.zeros(len(g))
        ok = (g == 0) & np.isfinite(t) & (t > 0)
        adj[ok] = np.clip(np.log2(u_exact / t[ok]), -10, 10)
        level_u = getattr(self, "tf_level_u_", None)
        if level_u is not None and level_u[k] is not None:
            # comparators with value frequencies on other levels too (e.g. the surname
            # found in an e-mail address): u of that level against the frequency
            more = (g > 0) & np.isfinite(t) & (t > 0)
            u_l = np.asarray(level_u[k], dtype=float)[np.maximum(g[more], 0)]
            adj[more] = np.clip(np.log2(u_l / t[more]), -10, 10)
        return adj

    def _tf_adjustment(self, gamma, tf):
        adj = np.zeros(gamma.shape, dtype=float)
        for k in range(gamma.shape[1]):
            col = self._tf_column(gamma, tf, k)
            if col is not None:
                adj[:, k] = col
        return adj

    def tf_weight(self, gamma: np.ndarray, tf: np.ndarray | None = None) -> np.ndarray:
        """Total term-frequency adjustment (bits) of each pair, one column at a time.

        Examples
        --------
        >>> import numpy as np
        >>> s = LevelScorer()
        >>> s.prior_, s.weights_, s.tf_exact_u_ = 0.0, [np.array([5.0, -2.0])], [0.01]
        >>> s.tf_weight(np.array([[0], [0], [1]]), np.array([[0.04], [0.0025], [0.5]])).tolist()
        [-2.0, 2.0, 0.0]
        """
        gamma = np.asarray(gamma)
        if len(gamma) > _SCORE_CHUNK and tf is not None:  # bounded temporaries
            return _in_chunks(self.tf_weight, gamma, tf)
        out = np.zeros(len(gamma))
        for k in range(gamma.shape[1] if gamma.ndim == 2 else 0):
            col = self._tf_column(gamma, tf, k)
            if col is not None:
                out += col
        return out

    def contributions(self, gamma: np.ndarray, tf: np.ndarray | None = None):
        """Per-pair weights ``(level_weights, tf_weights)``, each (n_pairs, n_comparisons).

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

    def household_term(self, gamma: np.ndarray, tf: np.ndarray | None = None) -> np.ndarray:
        """Correction (bits, <= 0) for the chance that the pair are relatives, not one person.

        ``-log2(1 + 2**w_h)`` where ``w_h`` is the weight of the *same household*
        class against unrelated pairs; zero for models without that class.
        """
        hw = getattr(self, "household_weights_", None)
        gamma = np.asarray(gamma)
        if hw is None:
            return np.zeros(len(gamma))
        if len(gamma) > _SCORE_CHUNK:
            return _in_chunks(self.household_term, gamma, tf)
        w = np.full(len(gamma), self.household_prior_)
        for k, wk in enumerate(hw):
            g = gamma[:, k]
            w += np.where(g >= 0, wk[np.maximum(g, 0)], 0.0)
            if self.shared_[k]:
                adj = self._tf_column(gamma, tf, k)
                if adj is not None:
                    w += adj
        return -np.logaddexp2(0.0, w)

    def family_hits(self, gamma: np.ndarray) -> np.ndarray:
        """Index of the family rule each pair meets (first one), ``-1`` for none.

        ``family_rules_`` (set by :func:`cdmkit.link.households.family_rules`) lists
        ``{"name", "comparison", "level"}``: a pair at that level of that comparison is
        two relatives, not one person (a different given name, birth dates a generation
        apart), whatever else they share - unless a comparison of ``family_exempt_``
        (``{"comparison", "levels"}``: a national ID) agrees.

        Examples
        --------
        >>> import numpy as np
        >>> s = LevelScorer()
        >>> s.family_rules_ = [{"name": "different first name", "comparison": 0, "level": 2}]
        >>> s.family_hits(np.array([[2], [0], [-1]])).tolist()
        [0, -1, -1]
        """
        gamma = np.asarray(gamma)
        out = np.full(len(gamma), -1, dtype=np.int8)
        for r, rule in reversed(list(enumerate(getattr(self, "family_rules_", None) or []))):
            out[gamma[:, int(rule["comparison"])] == int(rule["level"])] = r
        # an identifier relatives never share (a national ID) that agrees outweighs them:
        # the different name or date is then an error in one record
        for ex in getattr(self, "family_exempt_", None) or []:
            out[np.isin(gamma[:, int(ex["comparison"])], ex["levels"])] = -1
        return out

    def family_term(self, gamma: np.ndarray) -> np.ndarray:
        """Weight (bits) the family rules take away: ``-family_penalty_`` where one applies."""
        hits = self.family_hits(gamma)
        return np.where(hits >= 0, -float(getattr(self, "family_penalty_", 0.0)), 0.0)

    def match_weight(self, gamma: np.ndarray, tf: np.ndarray | None = None) -> np.ndarray:
        """Match weight (bits) of each pair."""
        # One column at a time and in chunks of pairs: no (pairs x comparisons) float
        # matrices at millions of pairs.
        gamma = np.asarray(gamma)
        if len(gamma) > _SCORE_CHUNK:
            return _in_chunks(self.match_weight, gamma, tf)
        w = np.full(len(gamma), float(self.prior_))
        for k, wk in enumerate(self.weights_):
            g = gamma[:, k]
            w += np.where(g >= 0, np.asarray(wk, dtype=float)[np.maximum(g, 0)], 0.0)
        return w + self.tf_weight(gamma, tf) + self.household_term(gamma, tf) + \
            self.family_term(gamma)

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
        det = getattr(self, "lambda_deterministic_", np.nan)
        if det is not None and np.isfinite(det) and 0 < det < 1:
            # beside the learned prior: the share of matches that deterministic rules
            # imply (a check on EM, not used for scoring)
            rows.append({"comparison": "prior (deterministic rules)", "level": -1,
                         "level_name": f"lambda, rules' recall assumed "
                                       f"{self.deterministic_recall_:g}",
                         "m": det, "u": np.nan, "weight": float(np.log2(det / (1 - det)))})
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
    """Unsupervised Fellegi-Sunter model (m and lambda by EM, u fixed).

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
        Levels seen in fewer candidate pairs than this keep their prior weight
        ``log2(m_prior / u_prior)`` instead of an extreme weight estimated from
        almost no data (with priors given to :meth:`fit`).
    prior_strength : tuple of float
        Pseudo-pairs of the m and u priors (they only matter on small data).
    fix_u : bool
        Keep u fixed during EM (default, as Splink: EM learns m and lambda only). ``False``
        re-estimates u on the candidate pairs too (classic Fellegi-Sunter EM).
    min_session_pairs : int
        Training sessions with fewer pairs are skipped.
    u_from : {'last_session', 'all_sessions'}
        With ``fix_u=False`` and sessions: score with the u refined by the last session,
        or with the sessions' refined u averaged (weighted by expected non-matches).
    full_weight_matches : float
        A session counts fully in the average of m once EM expects this many matches in
        it; below, in proportion. Every session counts at most once, so none dominates.
    max_personal_else : float
        A session whose match class disagrees on a personal field (first name, birth
        date: not shared by relatives) more often than this is implausible - it has
        settled on namesakes or relatives - and is dropped (reported in ``sessions_``).

    Attributes
    ----------
    m_, u_ : list of ndarray
        Probabilities per level of each comparison.
    lambda_ : float
        Share of matches among the candidate pairs.
    lambda_all_pairs_ : float
        Share of matches among all record pairs (the prior; same population as u).
    lambda_deterministic_, deterministic_recall_ : float
        The same share estimated from deterministic rules and the recall assumed for
        them (given to :meth:`fit`; NaN otherwise), reported beside the learned one.
    prior_ : float
        ``log2(lambda_all_pairs_ / (1 - lambda_all_pairs_))``.
    weights_ : list of ndarray
        ``log2(m / u)`` per level.
    sessions_ : list of dict
        Per training session: ``session``, ``pairs``, ``lambda``, ``expected_matches``,
        ``weight`` (in the average of m), ``used``, ``reason`` (why it was dropped).
    n_iter_ : int
    converged_ : bool

    Examples
    --------
    >>> FellegiSunter(max_iter=5).get_params()["max_iter"]
    5
    """

    def __init__(self, max_iter=100, tol=1e-6, lambda_init=0.1, m_init_exact=0.9,
                 min_level_count=5, prior_strength=(10.0, 100.0), fix_u=True,
                 min_session_pairs=20, u_from="last_session", full_weight_matches=100.0,
                 max_personal_else=0.5):
        self.max_iter = max_iter
        self.tol = tol
        self.lambda_init = lambda_init
        self.m_init_exact = m_init_exact
        self.min_level_count = min_level_count
        self.prior_strength = prior_strength
        self.fix_u = fix_u
        self.min_session_pairs = min_session_pairs
        self.u_from = u_from
        self.full_weight_matches = full_weight_matches
        self.max_personal_else = max_personal_else

    def _m_init(self, L):
        if L == 1:
            return np.ones(1)
        rest = (1 - self.m_init_exact) * 0.5 ** np.arange(L - 1)
        m = np.r_[self.m_init_exact, rest / rest.sum() * (1 - self.m_init_exact)]
        return m / m.sum()

    def _em(self, gamma, m, h, pi, n_levels, m_prior, use_h, shared, update=True):
        """EM on the distinct comparison vectors; returns ``m, h, pi, n_iter, converged, seen``."""
        a_m, a_u = self.prior_strength
        patterns, counts = distinct_patterns(gamma)
        K = patterns.shape[1]
        pi0 = np.asarray(pi, dtype=float).copy()
        counts = counts.astype(float)
        onehots = []
        for k in range(K):
            g = patterns[:, k]
            ok = g >= 0
            oh = np.zeros((len(patterns), n_levels[k]))
            oh[np.flatnonzero(ok), g[ok]] = 1.0
            onehots.append(oh)
        seen = [counts @ onehots[k] for k in range(K)]

        def loglik(probs):
            out = np.zeros(len(patterns))
            for k in range(K):
                out += onehots[k] @ np.log(probs[k])
            return out

        def m_step(w, prior, k):
            s = w @ onehots[k]
            if prior is None:
                return (s + 1e-6) / (s.sum() + 1e-6 * len(s))
            return (s + a_m * prior) / (s.sum() + a_m)

        # No pairs: nothing to learn, the starting values (priors) stand.
        converged = len(patterns) == 0
        it = 0
        with np.errstate(divide="ignore"):
            for it in range(1, self.max_iter + 1 if len(patterns) else 1):
                ll = np.vstack([np.log(pi[0]) + loglik(m),
                                np.log(pi[1]) + loglik(h) if use_h else
                                np.full(len(patterns), -np.inf),
                                np.log(pi[2]) + loglik(self.u_)])
                top = ll.max(axis=0)
                post = np.exp(ll - top)
                post /= post.sum(axis=0)
                w = counts * post
                # a few pseudo-pairs at the starting shares keep tiny data sets sane
                new_pi = (w.sum(axis=1) + a_m * pi0) / (counts.sum() + a_m)
                new_pi = np.clip(new_pi, 1e-9, 1)
                if not use_h:
                    new_pi[1] = 0.0
                new_pi /= new_pi.sum()
                delta = float(np.abs(new_pi - pi).max())
                for k in range(K if update else 0):
                    new = m_step(w[0], None if m_prior is None else m_prior[k], k)
                    delta = max(delta, float(np.abs(new - m[k]).max()))
                    m[k] = new
                    if not self.fix_u:
                        # u re-estimated on the candidates, smoothed towards the random-pair u
                        su = w[2] @ onehots[k]
                        self.u_[k] = (su + a_u * self._u_rand[k]) / (su.sum() + a_u)
                    if use_h:
                        h[k] = m_step(w[1], None if m_prior is None else m_prior[k], k) \
                            if shared[k] else self._u_rand[k]
                pi = new_pi
                if delta < self.tol:
                    converged = True
                    break
        return m, h, pi, it, converged, seen

    def _implausible(self, m_s, seen_s, blocked, personal, names) -> str:
        """Why a session's m cannot describe matches (``""`` when plausible)."""
        for k in range(len(m_s)):
            if blocked[k] or seen_s[k].sum() < self.min_level_count:
                continue
            name = names[k] if names else f"comparison {k}"
            if personal is not None and personal[k] and m_s[k][-1] > self.max_personal_else:
                return (f"match class disagrees on {name} (m(else) = {m_s[k][-1]:.2f}): "
                        "namesakes or relatives")
            agree_m, agree_u = 1 - m_s[k][-1], 1 - self.u_[k][-1]
            if agree_m <= agree_u:
                return f"match class agrees on {name} no more than chance"
        return ""

    def fit(self, gamma, u_gamma, n_levels, tf_exact=None, m_prior=None, u_prior=None,
            shared=None, candidate_share=None, sessions=None, u=None, names=None,
            session_names=None, personal=None, lambda_deterministic=None,
            deterministic_recall=None):
        """Estimate m and lambda by EM on ``gamma`` with u fixed (or, by default, from ``u_gamma``).

        Parameters
        ----------
        gamma : ndarray (n_pairs, n_comparisons) or tuple
            Levels of the candidate pairs, or their distinct rows and counts
            ``(patterns, counts)`` (see :func:`distinct_patterns`, :func:`merge_patterns`).
        u_gamma : ndarray (n_random, n_comparisons) or None
            Levels of random record pairs (u by their level frequencies), unless ``u``
            is given.
        n_levels : list of int
            Number of levels of each comparison.
        tf_exact : list of bool, optional
            Which comparisons get term-frequency adjustment.
        m_prior, u_prior : list of ndarray, optional
            Prior level probabilities of each comparison (from the comparators);
            they keep estimates sensible on small data.
        shared : list of bool, optional
            Comparisons of fields family members share (surname, address, phone,
            e-mail). When given, EM fits a third class, *same household*, whose
            shared fields agree like matches while the personal fields (first name,
            birth date) agree only by chance; pairs it explains better than the
            match class lose weight (the ``household`` term), so relatives sharing
            a surname and an address are not merged.
        candidate_share : float, optional
            Candidate pairs / all possible pairs. EM estimates the class shares among
            the candidates; the prior is the share among *all* pairs (the population u
            describes), ``share * candidate_share``. ``None`` keeps the candidate shares.
        sessions : list of ndarray or tuple, optional
            Training sessions (as Splink's): comparison vectors (or their patterns and
            counts) of the pairs of one blocking rule, with the comparisons of that
            rule's fields set missing (agreement there is forced by the block, not
            evidence). Each plausible session's m counts at most once in the average
            (see ``full_weight_matches``); implausible ones are dropped and reported in
            ``sessions_``. The class shares are then estimated on ``gamma``.
        u : list of ndarray, optional
            u per level of each comparison, fixed (value counts over the whole table and
            random pairs: :func:`cdmkit.link.train.estimate_u`).
        names, session_names : list of str, optional
            Comparison and session names for ``sessions_``.
        personal : list of bool, optional
            Comparisons relatives do not share (default: those not ``shared``).
        lambda_deterministic, deterministic_recall : float, optional
            Share of matches among all pairs from deterministic rules and the recall
            assumed (:func:`deterministic_lambda`), kept for the report.

        Returns
        -------
        self
        """
        if self.u_from not in ("last_session", "all_sessions"):
            raise ValueError(f"u_from must be 'last_session' or 'all_sessions', not "
                             f"{self.u_from!r}")
        gamma = _as_level_data(gamma)
        K = gamma[0].shape[1] if isinstance(gamma, tuple) else gamma.shape[1]
        a_m, a_u = self.prior_strength
        if u is not None:
            self.u_ = [np.asarray(x, dtype=float).copy() for x in u]
        else:
            self.u_ = u_probabilities(np.asarray(u_gamma), n_levels, u_prior, a_u)
        self._u_rand = [x.copy() for x in self.u_]
        u_rand = self._u_rand
        m0 = [self._m_init(L) if m_prior is None else np.asarray(m_prior[k], float)
              for k, L in enumerate(n_levels)]
        use_h = shared is not None and any(shared) and not all(shared)
        if personal is None:
            personal = None if shared is None else [not x for x in shared]
        h0 = [m0[k].copy() if use_h and shared[k] else self.u_[k].copy() for k in range(K)]
        pi0 = np.array([self.lambda_init, 0.05 if use_h else 0.0, 0.0])
        pi0[2] = 1 - pi0[0] - pi0[1]
        opts = dict(n_levels=n_levels, m_prior=m_prior, use_h=use_h, shared=shared)
        self.sessions_ = []
        if sessions:
            acc_m = [np.zeros(L) for L in n_levels]
            acc_h = [np.zeros(L) for L in n_levels]
            wm, wh = np.zeros(K), np.zeros(K)
            acc_u, wu = [np.zeros(L) for L in n_levels], np.zeros(K)
            seen = [np.zeros(L) for L in n_levels]
            for s_idx, g_s in enumerate(sessions):
                pats_s, counts_s = distinct_patterns(_as_level_data(g_s))
                n_s = int(counts_s.sum())
                row = {"session": session_names[s_idx] if session_names else f"session {s_idx}",
                       "pairs": n_s, "lambda": np.nan, "expected_matches": np.nan,
                       "weight": 0.0, "used": False, "reason": ""}
                self.sessions_.append(row)
                if n_s < self.min_session_pairs:
                    row["reason"] = f"fewer than {self.min_session_pairs} pairs"
                    continue
                u_before = [x.copy() for x in self.u_]
                m_s, h_s, pi_s, _, _, seen_s = self._em(
                    (pats_s, counts_s), [x.copy() for x in m0], [x.copy() for x in h0],
                    pi0.copy(), **opts)
                blocked = [not (pats_s[:, k] >= 0).any() for k in range(K)]
                expected = float(pi_s[0] * n_s)
                row.update({"lambda": float(pi_s[0]), "expected_matches": expected})
                reason = self._implausible(m_s, seen_s, blocked, personal, names) \
                    if self.fix_u else ""
                if not reason and expected < 1.0:
                    reason = "no matches expected"
                if reason:
                    row["reason"] = reason
                    if not self.fix_u:
                        self.u_ = u_before  # a dropped session leaves no trace
                    continue
                # each session counts at most once: a session whose block fills with
                # namesakes cannot outweigh the others by its size
                wt = min(1.0, expected / self.full_weight_matches) if self.fix_u else \
                    pi_s[0] * n_s
                wt_h = min(1.0, pi_s[1] * n_s / self.full_weight_matches) if self.fix_u else \
                    pi_s[1] * n_s
                row.update({"weight": float(wt), "used": True})
                for k in range(K):
                    if blocked[k]:
                        continue  # blocked on in this session: no information
                    seen[k] += seen_s[k]
                    acc_m[k] += wt * m_s[k]
                    wm[k] += wt
                    if not self.fix_u and self.u_from == "all_sessions":
                        acc_u[k] += pi_s[2] * n_s * self.u_[k]
                        wu[k] += pi_s[2] * n_s
                    if use_h and shared[k]:
                        acc_h[k] += wt_h * h_s[k]
                        wh[k] += wt_h
            if not any(r["used"] for r in self.sessions_):
                # no usable session: one EM on all candidates, priors where it sees nothing
                m, h, _, _, _, seen = self._em(gamma, [x.copy() for x in m0],
                                               [x.copy() for x in h0], pi0.copy(), **opts)
            else:
                m = [acc_m[k] / wm[k] if wm[k] > 0 else m0[k] for k in range(K)]
                h = [acc_h[k] / wh[k] if wh[k] > 0 else h0[k] for k in range(K)]
            if not self.fix_u and self.u_from == "all_sessions":
                self.u_ = [acc_u[k] / wu[k] if wu[k] > 0 else self.u_[k] for k in range(K)]
            if use_h:  # relatives agree on personal fields as often as random people
                h = [h[k] if shared[k] else u_rand[k] for k in range(K)]
            # class shares among the candidates, with m, h and u fixed
            _, _, pi, it, conv, _ = self._em(gamma, m, h, pi0.copy(), update=False, **opts)
        else:
            m, h, pi, it, conv, seen = self._em(gamma, m0, h0, pi0, **opts)
        self.converged_ = conv
        self.n_iter_ = it
        self.m_ = m
        self.lambda_ = float(pi[0])
        self.household_share_ = float(pi[1])
        scale = 1.0 if candidate_share is None else float(min(max(candidate_share, 1e-300), 1))
        pi_all = np.array([pi[0] * scale, pi[1] * scale, 0.0])
        pi_all[2] = 1 - pi_all[0] - pi_all[1]
        self.lambda_all_pairs_ = float(pi_all[0])
        self.prior_ = float(np.log2(max(pi_all[0], 1e-300) / pi_all[2]))
        self.lambda_deterministic_ = float("nan") if lambda_deterministic is None \
            else float(lambda_deterministic)
        self.deterministic_recall_ = float("nan") if deterministic_recall is None \
            else float(deterministic_recall)

        def weights(probs):
            out = []
            for k in range(K):
                wk = np.log2(probs[k] / self.u_[k])
                if m_prior is not None and u_prior is not None:
                    few = seen[k] < self.min_level_count
                    wk[few] = np.log2(np.asarray(m_prior[k]) / np.asarray(u_prior[k]))[few]
                out.append(wk)
            return out

        self.weights_ = weights(m)
        if use_h:
            self.h_ = h
            self.household_prior_ = float(np.log2(max(pi_all[1], 1e-300) / pi_all[2]))
            self.household_weights_ = [wk if shared[k] else np.zeros_like(wk)
                                       for k, wk in enumerate(weights(h))]
            self.shared_ = list(map(bool, shared))
        else:
            self.h_ = self.household_weights_ = None
        if tf_exact is not None:
            # the u a level's weight stands on: the prior's where too few pairs were seen,
            # so that a term-frequency adjustment corrects the weight actually used
            u_tf = [np.asarray(u_rand[k], dtype=float).copy() for k in range(K)]
            if m_prior is not None and u_prior is not None:
                for k in range(K):
                    few = seen[k] < self.min_level_count
                    u_tf[k][few] = np.asarray(u_prior[k], dtype=float)[few]
            self.tf_exact_u_ = [float(u_tf[k][0]) if on else None
                                for k, on in enumerate(tf_exact)]
            self.tf_level_u_ = [u_tf[k].tolist() if on else None
                                for k, on in enumerate(tf_exact)]
        else:
            self.tf_exact_u_ = self.tf_level_u_ = None
        return self
