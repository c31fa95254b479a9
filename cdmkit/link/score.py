"""Score step: match weights (bits) and probabilities of compared pairs.

Contract (engine-neutral): a fitted scorer and the levels (and term frequencies) of
pairs in, one float64 weight per pair out (``probability`` turns weights into match
probabilities); family rules (households, twins, generations) are attached to the
scorer from the settings before scoring.

Examples
--------
>>> probability(np.array([0.0, 3.0])).round(3).tolist()
[0.5, 0.889]
"""

from __future__ import annotations

import numpy as np

from .households import FAMILY_PENALTY, family_exemptions, family_rules

__all__ = ["probability", "score_pairs", "attach_family_rules"]


def attach_family_rules(model, settings, comparators, config) -> None:
    """Give the scorer the family rules of these comparisons (when ``config.family_rules``)."""
    if config.family_rules:
        model.family_rules_ = family_rules(settings, comparators)
        model.family_exempt_ = family_exemptions(settings, comparators)
        model.family_penalty_ = FAMILY_PENALTY


def score_pairs(model, gamma: np.ndarray, tf=None) -> np.ndarray:
    """Score step: match weight in bits of each pair (``model.match_weight``).

    Examples
    --------
    >>> from cdmkit.link.fellegi_sunter import FellegiSunter
    >>> rng = np.random.default_rng(0)
    >>> match = rng.random(2000) < 0.3
    >>> g = np.where(match[:, None], rng.random((2000, 3)) < 0.1,
    ...              rng.random((2000, 3)) < 0.8).astype("int8")
    >>> fs = FellegiSunter().fit(g, (rng.random((5000, 3)) < 0.8).astype("int8"), [2, 2, 2])
    >>> bool(score_pairs(fs, g[:1] * 0)[0] > 0)   # agreeing on everything: a match
    True
    """
    return model.match_weight(gamma, tf)


def probability(weight) -> np.ndarray:
    """Match probability of match weights in bits: ``1 / (1 + 2**-weight)``.

    Examples
    --------
    >>> probability([0.0, 1.0]).tolist()
    [0.5, 0.6666666666666666]
    >>> float(probability(-1.0))
    0.3333333333333333
    """
    # in place: one array of temporaries at tens of millions of pairs
    p = np.exp2(-np.atleast_1d(np.asarray(weight, dtype=float)))
    p += 1.0
    np.reciprocal(p, out=p)
    return p if np.ndim(weight) else p[0]
