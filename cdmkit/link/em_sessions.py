"""Training sessions of Fellegi-Sunter EM: one EM per blocking rule, m averaged so that no
session dominates, implausible sessions dropped and reported (as Splink's training sessions)."""

from __future__ import annotations

import numpy as np

from .em_patterns import _as_level_data, distinct_patterns

__all__ = ["average_sessions"]


def average_sessions(est, gamma, sessions, m0, h0, pi0, opts, personal=None, names=None,
                     session_names=None):
    """m and the household class averaged over the plausible training sessions.

    ``est`` is the :class:`~cdmkit.link.fellegi_sunter.FellegiSunter` being fitted (its
    ``_em``, ``u_`` and parameters); every session is recorded in ``est.sessions_``. With
    no usable session, one EM on all candidates ``gamma`` (priors where it sees nothing).

    Returns
    -------
    m, h : list of ndarray
        Level probabilities of the match and household classes.
    seen : list of ndarray
        Pairs seen per level (by the sessions used).

    Examples
    --------
    >>> import numpy as np
    >>> from cdmkit.link.fellegi_sunter import FellegiSunter
    >>> rng = np.random.default_rng(0)
    >>> g = (rng.random((500, 2)) < 0.5).astype("int8")
    >>> fs = FellegiSunter().fit(g, g, n_levels=[2, 2], sessions=[g[:300], g[300:]])
    >>> [r["pairs"] for r in fs.sessions_]
    [300, 200]
    """
    n_levels, shared, use_h = opts["n_levels"], opts["shared"], opts["use_h"]
    K = len(n_levels)
    u_rand = est._u_rand
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
        est.sessions_.append(row)
        if n_s < est.min_session_pairs:
            row["reason"] = f"fewer than {est.min_session_pairs} pairs"
            continue
        u_before = [x.copy() for x in est.u_]
        m_s, h_s, pi_s, _, _, seen_s = est._em(
            (pats_s, counts_s), [x.copy() for x in m0], [x.copy() for x in h0],
            pi0.copy(), **opts)
        blocked = [not (pats_s[:, k] >= 0).any() for k in range(K)]
        expected = float(pi_s[0] * n_s)
        row.update({"lambda": float(pi_s[0]), "expected_matches": expected})
        reason = est._implausible(m_s, seen_s, blocked, personal, names) \
            if est.fix_u else ""
        if not reason and expected < 1.0:
            reason = "no matches expected"
        if reason:
            row["reason"] = reason
            if not est.fix_u:
                est.u_ = u_before  # a dropped session leaves no trace
            continue
        # each session counts at most once: a session whose block fills with
        # namesakes cannot outweigh the others by its size
        wt = min(1.0, expected / est.full_weight_matches) if est.fix_u else \
            pi_s[0] * n_s
        wt_h = min(1.0, pi_s[1] * n_s / est.full_weight_matches) if est.fix_u else \
            pi_s[1] * n_s
        row.update({"weight": float(wt), "used": True})
        for k in range(K):
            if blocked[k]:
                continue  # blocked on in this session: no information
            seen[k] += seen_s[k]
            acc_m[k] += wt * m_s[k]
            wm[k] += wt
            if not est.fix_u and est.u_from == "all_sessions":
                acc_u[k] += pi_s[2] * n_s * est.u_[k]
                wu[k] += pi_s[2] * n_s
            if use_h and shared[k]:
                acc_h[k] += wt_h * h_s[k]
                wh[k] += wt_h
    if not any(r["used"] for r in est.sessions_):
        # no usable session: one EM on all candidates, priors where it sees nothing
        m, h, _, _, _, seen = est._em(gamma, [x.copy() for x in m0],
                                      [x.copy() for x in h0], pi0.copy(), **opts)
    else:
        m = [acc_m[k] / wm[k] if wm[k] > 0 else m0[k] for k in range(K)]
        h = [acc_h[k] / wh[k] if wh[k] > 0 else h0[k] for k in range(K)]
    if not est.fix_u and est.u_from == "all_sessions":
        est.u_ = [acc_u[k] / wu[k] if wu[k] > 0 else est.u_[k] for k in range(K)]
    if use_h:  # relatives agree on personal fields as often as random people
        h = [h[k] if shared[k] else u_rand[k] for k in range(K)]
    return m, h, seen
