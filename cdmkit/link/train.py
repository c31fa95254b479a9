"""Train step: a fitted scorer (Fellegi-Sunter by EM, or supervised) from compared pairs.

Contract (engine-neutral): EM runs on *counted comparison patterns* - distinct rows
of the level matrix with their counts (:func:`training_patterns`), one table for all
candidates and one per blocking rule (the rule's own fields set missing, as in
Splink's training sessions) - so an engine only has to count ``gamma`` rows (a
group-by). u comes from value counts over the whole table (:func:`estimate_u`, one
group-by per comparison) and random pairs for fuzzy levels; the prior from
deterministic rules (:func:`deterministic_matches`). The output is the fitted scorer
(``FellegiSunter`` or ``SupervisedScorer``) that a :class:`~cdmkit.link.model.LinkageModel`
saves and later runs reuse.

Examples
--------
>>> g = np.array([[0, 1], [0, 1], [1, -1]], dtype=np.int8)
>>> train, sessions = training_patterns(g, np.zeros(3, dtype=int), [np.arange(3)], [[0]])
>>> train[0].tolist(), train[1].tolist()   # distinct patterns (rule 0 blocks on field 0), counts
([[-1, -1], [-1, 1]], [1, 2])
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from ..errors import InputError
from .compare import COMPARE_CHUNK, _apply_name_swaps, _no_double_counting, compare_pairs
from .fellegi_sunter import (FellegiSunter, agreement_share, deterministic_lambda,
                             distinct_patterns, merge_patterns)
from .index import n_possible_pairs, random_pairs
from .score import probability
from .settings import PERSONAL_FIELDS, SHARED_FIELDS
from .supervised import SupervisedScorer

__all__ = ["train_model", "train_unsupervised", "train_supervised", "training_patterns",
           "blocked_comparisons", "estimate_u", "without_matches", "deterministic_matches",
           "DETERMINISTIC_RULES", "label_pairs"]

_n_possible_pairs = n_possible_pairs
_random_pairs = random_pairs


#: Columns a derived blocking key forces to agree (ignored by EM in that rule's session).
_IMPLIED_COLUMNS = {"_lk_name_skel": ("first_name", "last_name"),
                    "_lk_joined": ("first_name", "last_name", "_lk_email_name"),
                    "_lk_name_tokens": ("_lk_email_name",), "_lk_email_tokens": ("_lk_email_name",)}


def blocked_comparisons(settings) -> list[list[int]]:
    """Per blocking rule, the comparisons its keys force to agree (EM ignores them there).

    Examples
    --------
    >>> from cdmkit.link.settings import BlockingRule, ComparisonSpec, LinkageSettings
    >>> s = LinkageSettings([BlockingRule(("email",))], [ComparisonSpec("email", "email", "email")])
    >>> blocked_comparisons(s)
    [[0]]
    """
    blocked = []
    for rule in settings.blocking_rules:
        implied = set(rule.columns)
        for c in rule.columns:
            implied |= set(_IMPLIED_COLUMNS.get(c, ()))
        blocked.append([k for k, spec in enumerate(settings.comparisons)
                        if spec.column in implied])
    return blocked


def choose_mode(config, saved=None, labels=None) -> str:
    """``supervised`` or ``unsupervised`` (``auto``: supervised with enough labels of each class).

    Examples
    --------
    >>> from cdmkit.config.linkage import LinkageConfig
    >>> choose_mode(LinkageConfig(), labels=np.array([1, 0]))
    'unsupervised'
    """
    mode = config.mode if saved is None else saved.mode
    if mode == "auto":
        ly = np.asarray(labels if labels is not None else [])
        enough = len(ly) and min((ly == 1).sum(), (ly == 0).sum()) >= config.min_labels
        mode = "supervised" if enough else "unsupervised"
    return mode


def train_model(records, settings, config, enc, cand, gamma, tf, tf_on, seed: int = 42,
                truth=None, labels=None, saved=None, chunk: int | None = None):
    """Train step: the scorer and the mode (a saved model's scorer is reused as it is).

    Parameters
    ----------
    records : DataFrame
        Prepared records (``source``, ``record_id``).
    settings : LinkageSettings
    config : LinkageConfig
    enc : EncodedColumns
        The compare step's encoding (random and labelled pairs are compared with it).
    cand : CandidatePairs
        The index step's output (EM sessions per rule).
    gamma : ndarray
        Levels of the candidate pairs.
    tf, tf_on : PairFrequencies, list of bool
        Term frequencies (:func:`cdmkit.link.compare.term_frequencies`).
    seed : int
        Seed of the random pairs (u) and of the supervised model.
    truth : array-like, optional
        True entity per record (supervised training without review labels).
    labels : DataFrame, optional
        Review labels.
    saved : LinkageModel, optional
    chunk : int, optional
        Pairs per comparison chunk.

    Returns
    -------
    model : FellegiSunter or SupervisedScorer
    mode : str
    """
    lp, ly = label_pairs(records, labels)
    mode = choose_mode(config, saved, ly)
    if saved is not None:
        return saved.scorer, mode  # a saved model scores as it was trained
    if mode == "supervised":
        pairs = cand.pairs
        if len(ly) == 0 and truth is not None and len(pairs):
            t = np.asarray(truth)
            lp, ly = pairs, (t[pairs[:, 0]] == t[pairs[:, 1]]).astype(int)
        return train_supervised(lp, ly, enc, settings, seed, chunk), mode
    return train_unsupervised(records, settings, config, enc, cand, gamma, tf, tf_on, seed,
                              chunk), mode


def train_supervised(lp, ly, enc, settings, seed: int = 42, chunk: int | None = None):
    """A :class:`SupervisedScorer` fitted on labelled pairs ``lp`` (labels ``ly``)."""
    if len(np.unique(ly)) < 2:
        raise InputError("linkage", "supervised mode needs labelled matches and "
                         "non-matches (review labels file or ground truth)")
    n_levels = [len(c.level_names) for c in enc.comparators]
    return SupervisedScorer(random_state=seed).fit(compare_pairs(lp, enc, settings, chunk)[0],
                                                   ly, n_levels)


def _fix_u(config, n: int) -> bool:
    fix_u = config.em_fix_u
    if fix_u == "auto":
        # Fixed (calibrated) u up to tens of thousands of records; above, namesakes make
        # name-derived evidence dependent and the refined u is far more precise
        # (generated company, 1M persons: precision 0.93 against 0.40; docs/linkage.md).
        fix_u = n <= config.em_fix_u_max_records
    return bool(fix_u) if config.em_training == "sessions" else False


def session_training_data(gamma, cand, settings, config, sources, chunk: int | None = None):
    """EM's training data: ``(train, sessions, candidate_share)``.

    With ``em_training: sessions``, counted patterns of all candidates and of each rule's
    session (:func:`training_patterns`) and the candidates' share of all pairs (the prior
    is rescaled from candidates to all pairs); otherwise the candidates' levels as they are.
    """
    if config.em_training != "sessions":
        return gamma, None, None
    train, sessions = training_patterns(gamma, cand.rule_of, cand.members,
                                        blocked_comparisons(settings), chunk)
    n_possible = n_possible_pairs(sources, settings.link_type)
    return train, sessions, (len(cand.pairs) / n_possible if n_possible else None)


def train_unsupervised(records, settings, config, enc, cand, gamma, tf, tf_on, seed: int = 42,
                       chunk: int | None = None) -> FellegiSunter:
    """Fellegi-Sunter by EM: u fixed from value counts (or refined from random pairs),
    the prior from deterministic rules, m from the rules' sessions.

    Parameters are those of :func:`train_model`. With fixed u, u over all pairs is
    corrected once for the matches among them (:func:`without_matches`) and EM runs again.
    """
    comparators, codes = enc.comparators, enc.codes
    n_levels = [len(c.level_names) for c in comparators]
    sources = records["source"]
    rng = np.random.default_rng(seed)
    model = FellegiSunter(max_iter=config.em_max_iter, tol=config.em_tol,
                          fix_u=_fix_u(config, len(records)), u_from=config.em_u_from)
    if model.fix_u:
        # u fixed during EM: exact-type levels counted over the whole table, the
        # others from random pairs until each level has enough hits
        u_fixed, u_gamma = estimate_u(comparators, enc.uniques, codes, sources,
                                      settings.link_type, rng, enc.swap,
                                      config.u_sample_size, config.u_min_hits,
                                      config.u_max_sample_size, settings), None
    else:
        src = pd.factorize(sources)[0]
        rp = random_pairs(len(records), config.u_sample_size, rng, src, settings.link_type)
        u_fixed, u_gamma = None, compare_pairs(rp, enc, settings, chunk)[0]
    # As in Splink's training sessions: within the block of the rule that found a pair,
    # agreement on that rule's fields is forced, not evidence, so EM ignores those fields
    # for that pair. The prior is then rescaled from candidate pairs to all pairs.
    train, sessions, share = session_training_data(gamma, cand, settings, config, sources, chunk)
    n_possible = n_possible_pairs(sources, settings.link_type)
    fit = partial(model.fit, train, u_gamma, n_levels, tf_exact=tf_on, sessions=sessions,
                  candidate_share=share, names=[s.name for s in settings.comparisons],
                  session_names=[r.label for r in settings.blocking_rules],
                  m_prior=[c.m_prior() for c in comparators],
                  u_prior=[c.u_prior() for c in comparators],
                  shared=[s.column in SHARED_FIELDS for s in settings.comparisons]
                  if config.household_class else None,
                  personal=[s.column in PERSONAL_FIELDS for s in settings.comparisons],
                  lambda_deterministic=deterministic_lambda(
                      deterministic_matches(gamma, settings, comparators), n_possible,
                      config.deterministic_recall),
                  deterministic_recall=config.deterministic_recall)
    fit(u=u_fixed)
    if u_fixed is not None:
        # u over all pairs counts the true matches among them too: for identifier-like
        # levels (the same e-mail, phone or street) they are most of the agreeing
        # pairs. One correction with the fitted lambda and m, then EM again.
        prob = probability(model.match_weight(gamma, tf))
        expected = [np.bincount(np.maximum(gamma[:, k], 0), weights=prob * (gamma[:, k] >= 0),
                                minlength=L)[:L] for k, L in enumerate(n_levels)]
        n_present = [n_possible_pairs(sources[codes[k] >= 0], settings.link_type)
                     for k in range(len(codes))]
        del prob
        fit(u=without_matches(u_fixed, n_present, expected))
    return model


def training_patterns(gamma, rule_of, members, blocked, chunk: int | None = None):
    """EM training data as distinct comparison vectors and counts, counted chunk by chunk.

    ``train``: every candidate pair with the comparisons its own blocking rule forces
    set missing; ``sessions``: per rule, the pairs it found with that rule's
    comparisons set missing. Counting patterns chunk by chunk avoids copies of the
    (pairs x comparisons) level matrix at tens of millions of pairs.
    """
    chunk = chunk or COMPARE_CHUNK
    K = gamma.shape[1]
    parts = []
    for start in range(0, len(gamma), chunk):
        g = gamma[start:start + chunk].copy()
        r = rule_of[start:start + chunk]
        for r_idx, cols in enumerate(blocked):
            if cols:
                g[np.ix_(r == r_idx, cols)] = -1
        parts.append(distinct_patterns(g))
    train = merge_patterns(parts, K)
    sessions = []
    for r_idx, cols in enumerate(blocked):
        idx = members[r_idx]
        parts = []
        for start in range(0, len(idx), chunk):
            g = gamma[idx[start:start + chunk]]
            g[:, cols] = -1
            parts.append(distinct_patterns(g))
        sessions.append(merge_patterns(parts, K))
    return train, sessions


def estimate_u(comparators, uniques, codes, sources, link_type, rng, swap=None,
               sample_size: int = 100_000, min_hits: int = 30,
               max_sample: int = 400_000, settings=None) -> list[np.ndarray]:
    """u per level of each comparison: counted where value counts tell, sampled elsewhere.

    Exact-type levels (exact, and "same key but not exact" levels such as the same
    e-mail local part or the same last 8 phone digits: :meth:`Comparator.counted_u`) are
    ``sum_v c_v (c_v - 1) / (N (N - 1))`` over the whole table - one group-by each
    (:func:`agreement_share`), exact even for levels far too rare for any sample. The
    other (fuzzy) levels are estimated from random record pairs, drawn in growing
    batches until each such level has ``min_hits`` hits or ``max_sample`` pairs were
    compared (only the comparisons still short of hits are compared again); a table
    with fewer pairs than that is compared pair by pair. Every estimate is smoothed
    towards the comparator's prior by ten pseudo-pairs, which only matters on tiny
    tables; ``else`` takes the rest.

    Parameters
    ----------
    comparators : list of Comparator
    uniques, codes : list of ndarray
        Distinct prepared values and each record's code into them, per comparison.
    sources : array-like
        Source of each record (pairs as ``link_type`` allows).
    link_type : str
    rng : numpy.random.Generator
    swap : tuple, optional
        Crosswise name comparison set-up (random pairs are compared as candidates are).
    settings : LinkageSettings, optional
        The comparisons' settings (random pairs count name evidence once, as candidates).
    sample_size, min_hits, max_sample : int

    Returns
    -------
    list of ndarray

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from cdmkit.link.comparators import NameComparator
    >>> c = NameComparator("n")
    >>> vals = pd.Series(["ann", "ann", "bo", "bob", "cy", "dee"] * 50)
    >>> codes, uniq = pd.factorize(c.prepare(vals))
    >>> u = estimate_u([c], [np.asarray(uniq, dtype=object)], [codes.astype(np.int64)],
    ...                np.zeros(len(vals)), "dedupe_only", np.random.default_rng(0))
    >>> round(float(u[0][0]), 2)   # exact: 100 * 99 + 4 * (50 * 49) of 300 * 299 pairs
    0.22
    """
    src = pd.factorize(pd.Series(np.asarray(sources)))[0]
    n_levels = [len(c.level_names) for c in comparators]
    n_present, counted, n_given = [], [], {}
    columns = [s.column for s in settings.comparisons] if settings is not None else []
    for k, comp in enumerate(comparators):
        present = codes[k] >= 0
        agree = partial(agreement_share, present=present, sources=src, link_type=link_type)
        counted.append({int(lv): float(v) for lv, v in
                        comp.counted_u(uniques[k], codes[k], agree).items()})
        n_present.append(float(_n_possible_pairs(pd.Series(src[present]), link_type)))
        for level, column in comp.u_given.items():
            if column in columns and level in comp.level_names:
                lv = comp.level_names.index(level)
                given = _agreement_given(codes[columns.index(column)], present, src, link_type)
                counted[k][lv] = float(comp.counted_u(uniques[k], codes[k], given)[lv])
                # the estimate rests on the pairs that agree on the column, not on all
                n_given[k, lv] = n_present[k] * given.share
    need = [[lv for lv in range(L - 1) if lv not in counted[k]] for k, L in enumerate(n_levels)]
    hits, valid = _sampled_hits(comparators, uniques, codes, src, link_type, rng, swap, need,
                                sample_size, min_hits, max_sample, settings)
    a_u = 10.0
    out = []
    for k, comp in enumerate(comparators):
        prior = np.asarray(comp.u_prior(), dtype=float)
        uk = np.zeros(n_levels[k])
        for lv in range(n_levels[k] - 1):
            if lv in counted[k]:
                share, weight = counted[k][lv], n_given.get((k, lv), n_present[k])
            else:
                share, weight = (hits[k][lv] / valid[k] if valid[k] else 0.0), valid[k]
            uk[lv] = (share * weight + a_u * prior[lv]) / (weight + a_u)
        uk[-1] = max(1.0 - uk[:-1].sum(), 1e-6)
        out.append(uk / uk.sum())
    return out


def _agreement_given(cond, present, src, link_type):
    """``agreement_share`` among the pairs that agree on ``cond`` (codes, ``-1`` missing).

    ``P(keys agree | cond agrees) = P(both agree) / P(cond agrees)`` over the pairs where
    both are present - two group-bys, as :func:`agreement_share`. Returns the function
    ``keys -> share`` (``0`` where ``cond`` never agrees).

    Examples
    --------
    >>> first = np.array([0, 0, 0, 0, 1, 1])
    >>> local = np.array([5, 5, 6, 7, 8, 9])
    >>> agree = _agreement_given(first, np.ones(6, bool), np.zeros(6, int), "link_and_dedupe")
    >>> round(agree(local), 3)   # 1 of the 7 pairs of equal first names shares the local part
    0.143
    """
    cond = np.asarray(cond, dtype=np.int64)
    present = present & (cond >= 0)
    base = agreement_share(np.where(present, cond, -1), present=present, sources=src,
                           link_type=link_type)

    def agree(keys):
        keys = np.asarray(keys, dtype=np.int64)
        joint = np.where((keys >= 0) & present, keys * (int(cond.max()) + 1) + cond, -1)
        both = agreement_share(joint, present=present, sources=src, link_type=link_type)
        return both / base if base > 0 else 0.0
    agree.share = base  # the share of pairs the estimate rests on
    return agree


def _sampled_hits(comparators, uniques, codes, src, link_type, rng, swap, need, sample_size,
                  min_hits, max_sample, settings):
    """Hits per level (and compared pairs) of random record pairs, for the levels ``need``
    lists per comparison: batches grow until each has ``min_hits`` hits (or every allowed
    pair of a small table once)."""
    n = len(codes[0]) if codes else 0
    K = len(comparators)
    n_levels = [len(c.level_names) for c in comparators]
    hits = [np.zeros(L) for L in n_levels]
    valid = np.zeros(K)
    todo = [k for k in range(K) if need[k]]
    total, size = 0, int(sample_size)
    n_all = _n_possible_pairs(pd.Series(src), link_type)
    while todo and total < max_sample and n >= 2:
        if n_all <= max_sample:  # a small table: every allowed pair once, u exact
            i, j = np.triu_indices(n, 1)
            keep = {"dedupe_only": src[i] == src[j], "link_only": src[i] != src[j]}.get(
                link_type, np.ones(len(i), dtype=bool))
            p = np.column_stack([i[keep], j[keep]]).astype(np.int64)
        else:
            p = _random_pairs(n, min(size, max_sample - total), rng, src, link_type)
        if not len(p):
            break
        g = np.full((len(p), K), -1, dtype=np.int8)
        for k in todo:
            g[:, k] = comparators[k].levels_from_codes(uniques[k], codes[k][p[:, 0]],
                                                       codes[k][p[:, 1]])
        if swap is not None and swap[0] in todo and swap[1] in todo:
            _apply_name_swaps(g, p, comparators, swap)
        if settings is not None:
            _no_double_counting(g, settings, comparators)
        for k in todo:
            col = g[:, k]
            col = col[col >= 0]
            hits[k] += np.bincount(col, minlength=n_levels[k])[:n_levels[k]]
            valid[k] += len(col)
        total += len(p)
        if n_all <= max_sample:
            break
        todo = [k for k in todo if hits[k][need[k]].min() < min_hits]
        size *= 2
    return hits, valid


def without_matches(u, n_present, expected, floor: float = 0.05) -> list[np.ndarray]:
    """u of the exact level among non-matches from u among all pairs, taking out the
    expected matches.

    ``u[k][0] * n_present[k]`` pairs agree exactly among the ``n_present[k]`` pairs
    where comparison ``k`` applies; ``expected[k][0]`` of them are matches (sum of the
    candidates' match probabilities at that level - agreeing matches are candidates).
    For identifier-like values (the same e-mail, phone or street) the matches are most
    of the agreeing pairs. At most ``1 - floor`` of the level's pairs are put down to
    matches (estimates are noisy); other levels are left as they are.

    Examples
    --------
    >>> out = without_matches([np.array([2e-4, 0.9998])], [1e6], [np.array([100.0, 5.0])])
    >>> out[0].round(6).tolist()
    [0.0001, 0.9999]
    """
    out = []
    for uk, nk, ek in zip(u, n_present, expected):
        uk, ek = np.asarray(uk, dtype=float), np.asarray(ek, dtype=float)
        if nk <= 0:
            out.append(uk)
            continue
        agree = uk * nk
        c = uk.copy()
        # the exact level only: below it (the same local part of an e-mail on another
        # domain, similar names) namesakes, which the first fit may still count as
        # matches, are the agreeing non-matches that u must keep
        c[0] = max(agree[0] - ek[0], floor * agree[0]) / max(nk - ek.sum(), 1.0)
        c[-1] = max(1.0 - c[:-1].sum(), 1e-6)
        out.append(c / c.sum())
    return out


#: Deterministic rules for the share of matches: (comparison name, level name) that must
#: all hold; a pair meeting any rule is assumed to match.
DETERMINISTIC_RULES = [
    (("first_name", "exact"), ("last_name", "exact"), ("birth_date", "exact")),
    (("email", "exact"), ("first_name", "exact")),
    (("national_id", "exact"),),
]


def deterministic_matches(gamma, settings, comparators, rules=DETERMINISTIC_RULES) -> int:
    """Candidate pairs meeting any of the deterministic ``rules`` whose comparisons exist.

    Examples
    --------
    >>> from cdmkit.link.settings import ComparisonSpec, LinkageSettings
    >>> s = LinkageSettings([], [ComparisonSpec("national_id", "identifier", "national_id")])
    >>> deterministic_matches(np.array([[0], [1], [0]]), s, [c.build() for c in s.comparisons])
    2
    """
    idx = {spec.name: k for k, spec in enumerate(settings.comparisons)}
    hit = np.zeros(len(gamma), dtype=bool)
    for rule in rules:
        if not all(name in idx and level in comparators[idx[name]].level_names
                   for name, level in rule):
            continue
        ok = np.ones(len(gamma), dtype=bool)
        for name, level in rule:
            k = idx[name]
            ok &= gamma[:, k] == comparators[k].level_names.index(level)
        hit |= ok
    return int(hit.sum())


def label_pairs(records, labels: pd.DataFrame):
    """Record positions and labels of review-labelled pairs (unknown records dropped)."""
    if labels is None or not len(labels):
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=int)
    idx = pd.Series(np.arange(len(records)),
                    index=records["source"].astype(str) + "\x1f" + records["record_id"].astype(str))
    idx = idx[~idx.index.duplicated()]
    lk = labels["source_l"].astype(str) + "\x1f" + labels["record_id_l"].astype(str)
    rk = labels["source_r"].astype(str) + "\x1f" + labels["record_id_r"].astype(str)
    li, ri = idx.reindex(lk).to_numpy(), idx.reindex(rk).to_numpy()
    ok = ~(np.isnan(li) | np.isnan(ri))
    p = np.column_stack([li[ok], ri[ok]]).astype(np.int64)
    return p, labels["label"].to_numpy()[ok].astype(int)


#: Private names kept for callers of the former ``pipeline`` module.
_training_patterns = training_patterns
_label_pairs = label_pairs
