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
from .em_patterns import PairFrequencies, _as_level_data, distinct_patterns, merge_patterns
from .em_sessions import average_sessions
from .u_estimation import agreement_share, deterministic_lambda, u_probabilities

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
            m, h, seen = average_sessions(self, gamma, sessions, m0, h0, pi0, opts,
                                          personal=personal, names=names,
                                          session_names=session_names)
            # class shares among the candidates, with m, h and u fixed
            _, _, pi, it, conv, _ = self._em(gamma, m, h, pi0.copy(), update=False, **opts)
        else:
            m, h, pi, it, conv, seen = self._em(gamma, m0, h0, pi0, **opts)
        self.converged_ = conv
        self.n_iter_ = it
        self._set_weights(m, h, pi, seen, m_prior=m_prior, u_prior=u_prior, shared=shared,
                          use_h=use_h, tf_exact=tf_exact, candidate_share=candidate_share,
                          lambda_deterministic=lambda_deterministic,
                          deterministic_recall=deterministic_recall)
        return self

    def _set_weights(self, m, h, pi, seen, *, m_prior, u_prior, shared, use_h, tf_exact,
                     candidate_share, lambda_deterministic, deterministic_recall):
        """The fitted attributes from m, the household class and the class shares: prior over
        all pairs, weights per level (the priors' where too few pairs were seen), the u that
        term-frequency adjustments stand on."""
        K = len(m)
        u_rand = self._u_rand
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
