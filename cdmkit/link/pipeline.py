"""Identity resolution: block, compare, score, cluster; then IDs, households, golden records.

:func:`score_and_cluster` runs the linkage itself on a frame of records;
:func:`resolve_identities` is the stage entry point that adds stable global
IDs from the customer store, households and golden records;
:func:`dedupe` and :func:`link` are the one-call APIs behind ``cdmkit dedupe``
and ``cdmkit link``.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"id": ["1", "2", "3", "4"],
...                    "first_name": ["Anna", "Ana", "Bert", "Carl"],
...                    "last_name": ["Smith", "Smith", "Jones", "Brown"],
...                    "birth_date": ["1980-02-03", "1980-02-03", "1975-01-01", "1990-09-09"]})
>>> dedupe(df, id_column="id")["cluster_id"].tolist()
[0, 0, 1, 2]
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from ..errors import InputError
from .blocking import block
from .crossname import add_name_keys
from .clustering import cluster_pairs, cluster_size_table
from .evaluate import blocking_recall, pairwise_scores, true_pairs, truth_for
from .fellegi_sunter import (FellegiSunter, LevelScorer, PairFrequencies, agreement_share,
                             deterministic_lambda, distinct_patterns, merge_patterns)
from .households import FAMILY_PENALTY, family_exemptions, family_rules
from .normalize import map_unique, text_key
from .settings import PERSONAL_FIELDS, SHARED_FIELDS, LinkageSettings, canonicalize_columns, infer_settings
from .supervised import SupervisedScorer, load_labels

__all__ = ["ScoredLinkage", "LinkageReport", "LinkageResult", "score_and_cluster",
           "resolve_identities", "dedupe", "link", "prepare_records", "source_priority_of",
           "linkage_columns", "estimate_u", "deterministic_matches", "without_matches"]


#: Columns a derived blocking key forces to agree (ignored by EM in that rule's session).
_IMPLIED_COLUMNS = {"_lk_name_skel": ("first_name", "last_name"),
                    "_lk_joined": ("first_name", "last_name", "_lk_email_name"),
                    "_lk_name_tokens": ("_lk_email_name",), "_lk_email_tokens": ("_lk_email_name",)}


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


def _add_known_pairs(pairs, rule_counts, known_ids, src, link_type, max_size, truth=None):
    """Candidate pairs plus every pair of records that already share a customer ID.

    With a saved model, whether two records of one customer stay together must depend on
    their own comparison, not on whether this run's blocking still proposes them (sorted
    neighbourhoods shift as records are added). Customers larger than ``max_size`` are
    left to blocking. Returns the pairs (sorted, unique) and the rule table with a row
    for them.
    """
    n = len(known_ids)
    kc = pd.factorize(pd.Series(known_ids, dtype=object), use_na_sentinel=True)[0]
    idx = np.flatnonzero(kc >= 0)
    size = np.bincount(kc[idx]) if len(idx) else np.zeros(0, dtype=np.int64)
    idx = idx[(size[kc[idx]] > 1) & (size[kc[idx]] <= max_size)]
    df = pd.DataFrame({"c": kc[idx], "i": idx})
    m = df.merge(df, on="c", suffixes=("", "_r"))
    i, j = m["i"].to_numpy(np.int64), m["i_r"].to_numpy(np.int64)
    keep = i < j
    if link_type != "link_and_dedupe":
        same = src[i] == src[j]
        keep &= ~same if link_type == "link_only" else same
    enc_known = i[keep] * n + j[keep]
    enc = pairs[:, 0] * n + pairs[:, 1]
    pos = np.minimum(np.searchsorted(enc, enc_known), max(len(enc) - 1, 0))
    new = enc_known[~((enc[pos] == enc_known) if len(enc) else np.zeros(len(enc_known), bool))]
    if len(new):
        enc = np.sort(np.concatenate([enc, new]))
        pairs = np.column_stack([enc // n, enc % n]).astype(np.int64)
    row = {"rule": "records of one known customer", "pairs": int(len(enc_known)),
           "new_pairs": int(len(new)), "skipped_records": 0}
    if "true_pairs_found" in rule_counts and truth is not None:
        t = np.asarray(truth)
        row["true_pairs_found"] = int((t[enc_known // n] == t[enc_known % n]).sum())
    rule_counts = pd.concat([rule_counts, pd.DataFrame([row])], ignore_index=True)
    return pairs, rule_counts


#: Candidate pairs compared per chunk (bounds the comparators' temporary arrays).
_COMPARE_CHUNK = 2_000_000


def _swap_setup(settings, comparators, prepared):
    """Shared codes of first and last names for crosswise comparison, or ``None``.

    Returns ``(k_first, k_last, codes_first, codes_last, uniques)``: the comparison
    indexes of the two name comparisons and the names' codes into one joint vocabulary.
    """
    idx = {s.column: k for k, s in enumerate(settings.comparisons)
           if s.comparator == "name" and s.column in ("first_name", "last_name")}
    if len(idx) != 2 or not settings.name_swaps:
        return None
    kf, kl = idx["first_name"], idx["last_name"]
    first, last = prepared["first_name"], prepared["last_name"]
    joint, uniques = pd.factorize(np.concatenate([first, last]), use_na_sentinel=True)
    n = len(first)
    return kf, kl, joint[:n].astype(np.int64), joint[n:].astype(np.int64), \
        np.asarray(uniques, dtype=object)


def _apply_name_swaps(g, p, comparators, swap):
    """Compare first and last names crosswise where that fits much better (in place).

    A person who wrote the names in the other order (family name first, as on Japanese
    forms, or a form that swapped the boxes) disagrees on both names compared straight.
    Where the crossed names agree closely (exact or the closest fuzzy level, each) and
    the straight ones do not, the crossed levels replace the straight ones. Applied to
    candidate and random pairs alike, so u stays consistent. Returns the swapped mask.
    """
    if swap is None or not len(p):
        return np.zeros(len(p), dtype=bool)
    kf, kl, cf, cl, uniq = swap
    sf, sl = g[:, kf], g[:, kl]
    # only pairs whose straight names are not both close need the crossed comparison
    todo = np.flatnonzero(~((sf >= 0) & (sf <= 1) & (sl >= 0) & (sl <= 1)))
    swapped = np.zeros(len(p), dtype=bool)
    if not len(todo):
        return swapped
    i, j = p[todo, 0], p[todo, 1]
    xf = comparators[kf].levels_from_codes(uniq, cf[i], cl[j])
    xl = comparators[kl].levels_from_codes(uniq, cl[i], cf[j])
    ok = (xf >= 0) & (xf <= 1) & (xl >= 0) & (xl <= 1) & (cf[i] != cl[i]) & (cf[j] != cl[j])
    rows = todo[ok]
    g[rows, kf], g[rows, kl] = xf[ok], xl[ok]
    swapped[rows] = True
    return swapped


#: E-mail levels at which the local part carries the name (the same or a similar local part).
_NAME_LOCAL_LEVELS = ("same_local_part_name_only",)


def _no_double_counting(g, settings, comparators) -> None:
    """Name evidence counted once: ``email_name`` is set missing where the e-mail
    comparison already found the same name-only local part (in place).

    ``ann.lee@a`` against ``ann.lee@b`` agrees on a local part that spells the name;
    that the other record's surname stands in this address is then the same fact again.
    """
    idx = {s.comparator: k for k, s in enumerate(settings.comparisons)}
    if "email" not in idx or "email_name" not in idx:
        return
    ke, kn = idx["email"], idx["email_name"]
    names = comparators[ke].level_names
    levels = [names.index(n) for n in _NAME_LOCAL_LEVELS if n in names]
    if levels:
        g[np.isin(g[:, ke], levels), kn] = -1


def _training_patterns(gamma, rule_of, members, blocked, chunk: int | None = None):
    """EM training data as distinct comparison vectors and counts, counted chunk by chunk.

    ``train``: every candidate pair with the comparisons its own blocking rule forces
    set missing; ``sessions``: per rule, the pairs it found with that rule's
    comparisons set missing. Counting patterns chunk by chunk avoids copies of the
    (pairs x comparisons) level matrix at tens of millions of pairs.
    """
    chunk = chunk or _COMPARE_CHUNK
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
    n = len(codes[0]) if codes else 0
    src = pd.factorize(pd.Series(np.asarray(sources)))[0]
    K = len(comparators)
    n_levels = [len(c.level_names) for c in comparators]
    n_present, counted = [], []
    for k, comp in enumerate(comparators):
        present = codes[k] >= 0
        agree = partial(agreement_share, present=present, sources=src, link_type=link_type)
        counted.append({int(lv): float(v) for lv, v in
                        comp.counted_u(uniques[k], codes[k], agree).items()})
        n_present.append(float(_n_possible_pairs(pd.Series(src[present]), link_type)))
    need = [[lv for lv in range(L - 1) if lv not in counted[k]] for k, L in enumerate(n_levels)]
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
    a_u = 10.0
    out = []
    for k, comp in enumerate(comparators):
        prior = np.asarray(comp.u_prior(), dtype=float)
        uk = np.zeros(n_levels[k])
        for lv in range(n_levels[k] - 1):
            if lv in counted[k]:
                share, weight = counted[k][lv], n_present[k]
            else:
                share, weight = (hits[k][lv] / valid[k] if valid[k] else 0.0), valid[k]
            uk[lv] = (share * weight + a_u * prior[lv]) / (weight + a_u)
        uk[-1] = max(1.0 - uk[:-1].sum(), 1e-6)
        out.append(uk / uk.sum())
    return out


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


def _refine_columns(refine_on) -> list[str]:
    """Columns named by the ``refine_on`` keys (``column`` or ``column[:n]``)."""
    from .blocking import _PREFIX

    out = []
    for key in refine_on:
        m = _PREFIX.match(key)
        if m is None:
            raise InputError("linkage", f"refine_on key {key!r} is not a column or "
                             "column[:n]")
        out.append(m["col"])
    return out


def _scored_columns(records, settings, config) -> list[str]:
    """Columns linkage reads (keys, compared and blocking columns, name keys), in order."""
    used = {"source", "record_id"} | {c.column for c in settings.comparisons}
    used |= {c for r in settings.blocking_rules for c in r.columns}
    used |= set(_refine_columns(config.refine_on))
    return [c for c in records.columns if c in used or str(c).startswith("_lk_")]


def _record_frequency(codes: np.ndarray, n_values: int) -> np.ndarray:
    """Share of the records holding each record's value (NaN where missing)."""
    present = codes >= 0
    freq = np.bincount(codes[present], minlength=n_values) / max(int(present.sum()), 1)
    return np.where(present, freq[np.maximum(codes, 0)], np.nan).astype(np.float32)


def _progress_enabled(progress) -> bool:
    if progress is not None:
        return bool(progress)
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def prepare_records(df: pd.DataFrame, source: str = "input") -> pd.DataFrame:
    """Records with string ``source`` and ``record_id`` and a fresh 0..n-1 index.

    Raises
    ------
    InputError
        If ``record_id`` is missing, empty, or repeated within a source.

    Examples
    --------
    >>> prepare_records(pd.DataFrame({"record_id": [1, 2]}))["source"].tolist()
    ['input', 'input']
    """
    # a shallow copy: columns are replaced below, never written into, so the caller's
    # frame stays as it was without copying every column of a million records
    rec = df.copy(deep=False)
    rec.index = pd.RangeIndex(len(rec))
    if "record_id" not in rec:
        raise InputError("customers", "no record_id column (the key of each record)")
    if "source" not in rec:
        rec["source"] = source
    rec["source"] = rec["source"].astype(str)
    ids = rec["record_id"]
    bad = ids.isna() | (ids.astype(str).str.strip() == "")
    if bad.any():
        raise InputError("customers", "record_id is empty", row=int(np.flatnonzero(bad)[0]) + 1,
                         column="record_id")
    rec["record_id"] = ids.astype(str)
    dup = rec.duplicated(["source", "record_id"])
    if dup.any():
        r = int(np.flatnonzero(dup)[0])
        raise InputError("customers", f"record_id {rec['record_id'][r]!r} appears more than "
                         f"once in source {rec['source'][r]!r}", row=r + 1, column="record_id")
    return rec


@dataclass
class ScoredLinkage:
    """Everything :func:`score_and_cluster` computed (arrays aligned with ``records``/``pairs``).

    Examples
    --------
    >>> import pandas as pd
    >>> s = score_and_cluster(pd.DataFrame({"record_id": ["1", "2"], "email": ["a@x", "a@x"]}))
    >>> s.names, s.pairs.tolist(), s.clusters.tolist()
    (['email'], [[0, 1]], [0, 0])
    """

    records: pd.DataFrame
    settings: LinkageSettings
    comparators: list
    pairs: np.ndarray
    gamma: np.ndarray
    tf: PairFrequencies
    model: LevelScorer
    match_weight: np.ndarray
    rule_counts: pd.DataFrame
    clusters: np.ndarray
    anomalies: pd.DataFrame
    threshold_weight: float
    mode: str
    truth: np.ndarray | None = None
    #: Pairs whose first and last names were compared crosswise (written in the other order).
    names_swapped: np.ndarray | None = None

    @property
    def match_probability(self) -> np.ndarray:
        """Match probability of each pair (from its weight; computed on access, not stored)."""
        return probability(self.match_weight)

    @property
    def names(self) -> list[str]:
        """Comparison names."""
        return [c.name for c in self.settings.comparisons]

    @property
    def level_names(self) -> list[list[str]]:
        """Level names of each comparison."""
        return [c.level_names for c in self.comparators]

    def params(self) -> pd.DataFrame:
        """m, u and weight per comparison level, and the prior (lambda)."""
        return self.model.params_frame(self.names, self.level_names)

    def pairs_frame(self) -> pd.DataFrame:
        """Scored pairs with record keys, weights, probabilities and comparison levels.

        Built for tens of millions of pairs: sources and record keys are categoricals
        (small integer codes into the records' values), and the weight, the swap flag
        and the level columns share memory with this object's arrays instead of copying
        them (treat the frame as read-only, or copy it before changing it in place).
        """
        rec = self.records
        i, j = self.pairs[:, 0], self.pairs[:, 1]
        sources = pd.Categorical(rec["source"])
        rcodes, rvalues = pd.factorize(rec["record_id"])
        rcodes = rcodes.astype(np.int32 if len(rvalues) < 2 ** 31 else np.int64)
        rvalues = pd.Index(rvalues)
        swapped = (self.names_swapped if self.names_swapped is not None
                   else np.zeros(len(self.pairs), dtype=bool))
        cols = {
            "source_l": sources[i], "record_id_l": pd.Categorical.from_codes(rcodes[i], rvalues),
            "source_r": sources[j], "record_id_r": pd.Categorical.from_codes(rcodes[j], rvalues),
            "match_weight": self.match_weight, "match_probability": self.match_probability,
            "tf_adjustment": self.model.tf_weight(self.gamma, self.tf),
            "names_swapped": swapped,
        }
        for k, name in enumerate(self.names):
            cols[f"gamma_{name}"] = self.gamma[:, k]
        # copy=False: one block per column, no consolidation into 2-D copies
        return pd.DataFrame(cols, copy=False)


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


@dataclass
class LinkageReport:
    """Figures and tables describing one linkage run (see :meth:`figures`).

    Examples
    --------
    >>> import pandas as pd
    >>> r = resolve_identities(pd.DataFrame({"record_id": ["1"], "email": ["a@x"]}))
    >>> r.report.n_records, r.report.n_customers
    (1, 1)
    """

    n_records: int
    n_sources: int
    n_candidate_pairs: int
    n_links: int
    n_customers: int
    n_households: int
    threshold: float
    threshold_weight: float
    mode: str
    lambda_: float
    em_iterations: int | None
    em_converged: bool | None
    rule_counts: pd.DataFrame
    cluster_sizes: pd.DataFrame
    anomalies: pd.DataFrame
    id_counts: dict = field(default_factory=dict)
    blocking_recall: float | None = None
    scores: dict | None = None
    household_scores: dict | None = None
    n_names_swapped: int = 0
    #: Which saved model scored the run and whether it was trained or reused, drift and
    #: the retrain dry run (:meth:`cdmkit.link.model.ModelChoice.figures`).
    model: dict = field(default_factory=dict)

    def figures(self) -> dict:
        """Key figures for ``ctx.record`` (summary.json).

        Examples
        --------
        >>> r = LinkageReport(10, 1, 5, 2, 8, 8, 0.5, 0.0, "unsupervised", 0.1, 3, True,
        ...                   pd.DataFrame(), pd.DataFrame({"cluster_size": [1], "clusters": [8],
        ...                   "records": [8]}), pd.DataFrame())
        >>> r.figures()["singletons_share"]
        1.0
        """
        cs = self.cluster_sizes
        singles = int(cs.loc[cs["cluster_size"] == 1, "clusters"].sum()) if len(cs) else 0
        out = {
            "n_records": self.n_records, "n_sources": self.n_sources,
            "n_candidate_pairs": self.n_candidate_pairs, "n_links": self.n_links,
            "n_customers": self.n_customers, "n_households": self.n_households,
            "threshold": self.threshold, "threshold_weight": self.threshold_weight,
            "mode": self.mode, "lambda": self.lambda_, "em_iterations": self.em_iterations,
            "em_converged": self.em_converged,
            "singletons_share": singles / self.n_customers if self.n_customers else 0.0,
            "max_cluster_size": int(cs["cluster_size"].max()) if len(cs) else 0,
            "n_anomalies": int(len(self.anomalies)),
            "dedup_rate": 1 - self.n_customers / self.n_records if self.n_records else 0.0,
            "id_new": int(self.id_counts.get("new", 0)),
            "id_merged": int(self.id_counts.get("merge", 0)),
            "id_split": int(self.id_counts.get("split", 0)),
            "n_names_swapped": int(self.n_names_swapped),
        }
        out.update(self.model)
        if self.blocking_recall is not None:
            out["blocking_recall"] = self.blocking_recall
        if self.scores:
            out.update({k: self.scores[k] for k in ("precision", "recall", "f1")})
        if self.household_scores:
            out.update({f"household_{k}": self.household_scores[k]
                        for k in ("precision", "recall", "f1")})
        return out


def _key_columns(records, settings, prepared, refine_on=()):
    cols = {c for r in settings.blocking_rules for c in r.columns}
    # keys that split large blocks, when the records have them
    cols |= {c for c in _refine_columns(refine_on) if c in records}
    cols = sorted(cols)
    keys = pd.DataFrame(index=range(len(records)))
    for col in cols:
        keys[col] = prepared[col] if col in prepared else \
            map_unique(records[col], text_key).to_numpy()
    return keys


def _random_pairs(n, size, rng, src=None, link_type="link_and_dedupe"):
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    total = n * (n - 1) // 2
    size = int(min(size, total))
    out, got = [], 0
    for _ in range(20):  # a few vectorised draws fill the sample
        i = rng.integers(0, n, 2 * size + 16)
        j = rng.integers(0, n, 2 * size + 16)
        ok = i != j
        if src is not None and link_type == "link_only":
            ok &= src[i] != src[j]
        elif src is not None and link_type == "dedupe_only":
            ok &= src[i] == src[j]
        p = np.column_stack([np.minimum(i, j), np.maximum(i, j)])[ok]
        out.append(p)
        got += len(p)
        if got >= size:
            break
    p = np.concatenate(out)[:size] if out else np.empty((0, 2), dtype=np.int64)
    return p


def _n_possible_pairs(sources: pd.Series, link_type: str) -> int:
    """Record pairs the link type allows (all pairs, within or across sources)."""
    n = len(sources)
    sizes = sources.value_counts().to_numpy().astype(np.int64)
    within = int((sizes * (sizes - 1) // 2).sum())
    total = n * (n - 1) // 2
    return {"dedupe_only": within, "link_only": total - within}.get(link_type, total)


def _label_pairs(records, labels: pd.DataFrame):
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


def score_and_cluster(records: pd.DataFrame, settings: LinkageSettings | None = None,
                      config=None, seed: int = 42, truth=None, labels=None,
                      progress=None, saved=None, known_ids=None) -> ScoredLinkage:
    """Block, compare, score (EM or supervised) and cluster records.

    Parameters
    ----------
    records : DataFrame
        Records with ``source``, ``record_id`` and canonical columns.
    settings : LinkageSettings, optional
        Default: inferred from the columns (:func:`infer_settings`).
    config : LinkageConfig, optional
        Stage options (EM, guard, block limits, mode).
    seed : int
        Seed of the random pairs used for u.
    truth : array-like, optional
        True entity per record: adds blocking recall per rule; used for training
        only when ``config.mode == "supervised"`` and no review labels exist.
    labels : DataFrame, optional
        Review labels (see :func:`cdmkit.link.supervised.load_labels`).
    progress : bool, optional
        Progress bar (default: when interactive).
    saved : LinkageModel, optional
        A trained model (:mod:`cdmkit.link.model`): its settings and fitted scorer score
        the records as they are (no EM, no random pairs, ``settings`` and ``labels``
        ignored).
    known_ids : array-like, optional
        Customer ID each record already has in the store (``None`` for new records).
        With ``saved``, records of one known customer are always compared (whatever this
        run's blocking proposes), and a sparse record keeps its link to its customer (see
        ``_sparse_best_link``).

    Returns
    -------
    ScoredLinkage

    Examples
    --------
    >>> import pandas as pd
    >>> rec = pd.DataFrame({"record_id": ["1", "2", "3"], "first_name": ["Ann", "Ann", "Bo"],
    ...                     "email": ["a@x.org", "a@x.org", "b@y.org"]})
    >>> score_and_cluster(rec).clusters.tolist()
    [0, 0, 1]
    """
    from tqdm.auto import tqdm

    from ..config.linkage import LinkageConfig

    config = config or LinkageConfig()
    records = add_name_keys(prepare_records(records))
    if saved is not None:
        settings = saved.settings
    settings = settings or infer_settings(records, config)
    records = records[_scored_columns(records, settings, config)]
    n = len(records)
    bar = tqdm(total=5, desc="linkage", disable=not _progress_enabled(progress), leave=False)

    # 1. normalise each compared column once per record
    comparators = [c.build() for c in settings.comparisons]
    codes, uniques, prepared = [], [], {}
    for spec, comp in zip(settings.comparisons, comparators):
        if spec.column not in records:
            raise InputError("customers", f"comparison {spec.name!r} needs column "
                             f"{spec.column!r}, which is missing")
        prep = comp.prepare(records[spec.column])
        prepared.setdefault(spec.column, prep.to_numpy())
        c, u = pd.factorize(prep, use_na_sentinel=True)
        codes.append(c.astype(np.int64))
        uniques.append(np.asarray(u, dtype=object))
    bar.update()

    # 2. blocking
    src = pd.factorize(records["source"])[0]
    keys = _key_columns(records, settings, prepared, config.refine_on)
    pairs, rule_counts, rule_of, members = block(
        keys, settings.blocking_rules, sources=records["source"], link_type=settings.link_type,
        max_pairs=config.max_pairs, max_block_size=config.max_block_size, truth=truth,
        return_rule=True, refine_on=config.refine_on, refine_block_size=config.refine_block_size)
    del keys
    if saved is not None and known_ids is not None:
        pairs, rule_counts = _add_known_pairs(pairs, rule_counts, known_ids, src,
                                              settings.link_type, config.max_cluster_size,
                                              truth)
    bar.update()

    # 3. comparison vectors of candidate pairs (and of random pairs, for u)
    swap = _swap_setup(settings, comparators, prepared)

    def compare(p, swapped_out=None, chunk=_COMPARE_CHUNK):
        # in chunks: a comparator's temporaries (codes, distinct value pairs) stay bounded
        # at tens of millions of pairs
        g = np.empty((len(p), len(comparators)), dtype=np.int8)
        sw = np.zeros(len(p), dtype=bool)
        for start in range(0, len(p), chunk):
            pc = p[start:start + chunk]
            gc = g[start:start + chunk]
            for k, comp in enumerate(comparators):
                gc[:, k] = comp.levels_from_codes(uniques[k], codes[k][pc[:, 0]],
                                                  codes[k][pc[:, 1]])
            sw[start:start + chunk] = _apply_name_swaps(gc, pc, comparators, swap)
            _no_double_counting(gc, settings, comparators)
        if swapped_out is not None:
            swapped_out.append(sw)
        return g

    swapped = []
    gamma = compare(pairs, swapped)
    swapped = swapped[0]
    # term frequencies: one value per record and level, looked up per pair on use
    tf = PairFrequencies(*gamma.shape)
    tf_on = [bool(s.tf_adjust) for s in settings.comparisons]
    for k, on in enumerate(tf_on):
        if on and hasattr(comparators[k], "tf_keys"):
            # frequency of values other than the compared one, per level (the full name or
            # the surname inside an e-mail address: how common is it?); the commoner side
            # counts
            keys = comparators[k].tf_keys(records[settings.comparisons[k].column])
            by_level = {}
            for level, key in keys.items():
                kc, ku = pd.factorize(key, use_na_sentinel=True)
                if len(ku):
                    by_level[level] = _record_frequency(kc, len(ku))
            if by_level:
                tf.set_record_frequencies(k, by_level, pairs, gamma)
        elif on:
            tf.set_record_frequencies(k, {0: _record_frequency(codes[k], len(uniques[k]))},
                                      pairs, gamma)
    bar.update()

    # 4. scoring
    n_levels = [len(c.level_names) for c in comparators]
    lp, ly = _label_pairs(records, labels)
    mode = config.mode if saved is None else saved.mode
    if mode == "auto":
        enough = len(ly) and min((ly == 1).sum(), (ly == 0).sum()) >= config.min_labels
        mode = "supervised" if enough else "unsupervised"
    if saved is not None:
        model = saved.scorer  # a saved model scores as it was trained
    elif mode == "supervised":
        if len(ly) == 0 and truth is not None and len(pairs):
            t = np.asarray(truth)
            lp, ly = pairs, (t[pairs[:, 0]] == t[pairs[:, 1]]).astype(int)
        if len(np.unique(ly)) < 2:
            raise InputError("linkage", "supervised mode needs labelled matches and "
                             "non-matches (review labels file or ground truth)")
        model = SupervisedScorer(random_state=seed).fit(compare(lp), ly, n_levels)
    else:
        rng = np.random.default_rng(seed)
        fix_u = config.em_fix_u
        if fix_u == "auto":
            # Fixed (calibrated) u up to tens of thousands of records; above, namesakes make
            # name-derived evidence dependent and the refined u is far more precise
            # (generated company, 1M persons: precision 0.93 against 0.40; docs/linkage.md).
            fix_u = n <= config.em_fix_u_max_records
        model = FellegiSunter(max_iter=config.em_max_iter, tol=config.em_tol,
                              fix_u=bool(fix_u) if config.em_training == "sessions"
                              else False, u_from=config.em_u_from)
        if model.fix_u:
            # u fixed during EM: exact-type levels counted over the whole table, the
            # others from random pairs until each level has enough hits
            u_fixed, u_gamma = estimate_u(comparators, uniques, codes, records["source"],
                                          settings.link_type, rng, swap,
                                          config.u_sample_size, config.u_min_hits,
                                          config.u_max_sample_size, settings), None
        else:
            rp = _random_pairs(n, config.u_sample_size, rng, src, settings.link_type)
            u_fixed, u_gamma = None, compare(rp)
        # As in Splink's training sessions: within the block of the rule that found a pair,
        # agreement on that rule's fields is forced, not evidence, so EM ignores those fields
        # for that pair. The prior is then rescaled from candidate pairs to all pairs.
        train, sessions, share = gamma, None, None
        if config.em_training == "sessions":
            blocked = []
            for rule in settings.blocking_rules:
                implied = set(rule.columns)
                for c in rule.columns:
                    implied |= set(_IMPLIED_COLUMNS.get(c, ()))
                blocked.append([k for k, spec in enumerate(settings.comparisons)
                                if spec.column in implied])
            train, sessions = _training_patterns(gamma, rule_of, members, blocked)
            n_possible = _n_possible_pairs(records["source"], settings.link_type)
            share = len(pairs) / n_possible if n_possible else None
        n_possible = _n_possible_pairs(records["source"], settings.link_type)
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
            n_present = [_n_possible_pairs(records["source"][codes[k] >= 0], settings.link_type)
                         for k in range(len(codes))]
            del prob
            fit(u=without_matches(u_fixed, n_present, expected))
        del train, sessions, members
    if config.family_rules:
        model.family_rules_ = family_rules(settings, comparators)
        model.family_exempt_ = family_exemptions(settings, comparators)
        model.family_penalty_ = FAMILY_PENALTY
    weight = model.match_weight(gamma, tf)
    bar.update()

    # 5. clustering
    t = settings.threshold
    tw = float(np.log2(t / (1 - t)))
    protect = None
    if known_ids is not None and len(pairs):
        kc = pd.factorize(pd.Series(known_ids, dtype=object), use_na_sentinel=True)[0]
        protect = (kc[pairs[:, 0]] >= 0) & (kc[pairs[:, 0]] == kc[pairs[:, 1]])
    cw = _sparse_best_link(weight, pairs, codes, settings, tw, protect=protect)
    clusters, anomalies = cluster_pairs(n, pairs, cw, tw, config.max_cluster_size,
                                        config.min_cluster_density, config.chain_guard,
                                        cannot_link=model.family_hits(gamma) >= 0)
    bar.update()
    bar.close()
    return ScoredLinkage(records, settings, comparators, pairs, gamma, tf, model, weight,
                         rule_counts, clusters, anomalies, tw, mode,
                         None if truth is None else np.asarray(truth), swapped)


@dataclass
class LinkageResult:
    """Output of :func:`resolve_identities`.

    Attributes
    ----------
    customer_map : DataFrame
        ``source, record_id, customer_id, household_id``.
    golden : DataFrame
        One row per ``customer_id`` with golden fields and ``<field>_source``/``<field>_record``.
    pairs : DataFrame
        Scored candidate pairs (keys, ``match_weight``, ``match_probability``, levels).
    id_changes : DataFrame
        ``run_id, event, customer_id, other_id`` (new/merge/split) of this run.
    params : DataFrame
        m, u, weight per comparison level and the prior (lambda).
    report : LinkageReport
    scored : ScoredLinkage
        Arrays behind the tables (for explanations and review).
    choice : ModelChoice, optional
        The linkage model that scored the run, whether it was trained or reused, the
        drift check and a retrain's dry run (:mod:`cdmkit.link.model`).

    Examples
    --------
    >>> import pandas as pd
    >>> res = resolve_identities(pd.DataFrame({"record_id": ["1", "2"], "email": ["a@x", "a@x"]}))
    >>> res.customer_map["customer_id"].nunique(), len(res.golden)
    (1, 1)
    """

    customer_map: pd.DataFrame
    golden: pd.DataFrame
    pairs: pd.DataFrame
    id_changes: pd.DataFrame
    params: pd.DataFrame
    report: LinkageReport
    scored: ScoredLinkage
    choice: object = None

    @property
    def model(self):
        """The :class:`~cdmkit.link.model.LinkageModel` that scored this run."""
        return None if self.choice is None else self.choice.model

    @property
    def retrain_preview(self):
        """IDs a requested or proposed retrain would change (``RetrainPreview``), or ``None``."""
        return None if self.choice is None else self.choice.preview

    @property
    def settings(self) -> LinkageSettings:
        """The settings used (save with ``result.settings.to_json(path)``)."""
        return self.scored.settings

    def explain(self, pair: int, values: bool = False) -> pd.DataFrame:
        """Weight table of pair number ``pair`` (row of :attr:`pairs`); see :func:`explain_pair`."""
        from .explain import explain_pair

        return explain_pair(self.scored, pair, values=values)


#: Column suffixes of the collection stage's lineage and quality columns (raw value, parse
#: flag, validity, match key): linkage and golden records never read them.
_LINEAGE_SUFFIXES = ("_raw", "_flag", "_valid", "_key")


def _config_strings(obj) -> set:
    if isinstance(obj, str):
        return {obj}
    if isinstance(obj, dict):
        return set().union(*map(_config_strings, obj.keys()), *map(_config_strings, obj.values()))
    if isinstance(obj, (list, tuple, set)):
        return set().union(*map(_config_strings, obj)) if obj else set()
    return set()


def linkage_columns(customers, config=None):
    """The columns identity resolution uses: all but the collection's lineage columns.

    ``*_raw``, ``*_flag``, ``*_valid`` and ``*_key`` columns (kept by the collection
    stage for lineage and quality) are dropped unless the linkage config names them;
    at a million records they are more than half the memory of the ``customers`` table.

    Parameters
    ----------
    customers : DataFrame or list of str
        The table, or only its column names (to read no more than needed).
    config : LinkageConfig, optional

    Returns
    -------
    DataFrame or list of str
        Like ``customers``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame(columns=["record_id", "email", "email_raw", "email_valid"])
    >>> linkage_columns(df).columns.tolist()
    ['record_id', 'email']
    >>> linkage_columns(["record_id", "phone", "phone_raw"])
    ['record_id', 'phone']
    """
    named = set()
    if config is not None:
        named = {x.split("[")[0] for x in _config_strings(config.model_dump())}
    names = list(customers.columns) if isinstance(customers, pd.DataFrame) else list(customers)
    keep = [c for c in names if not str(c).endswith(_LINEAGE_SUFFIXES) or c in named]
    if not isinstance(customers, pd.DataFrame):
        return keep
    return customers[keep] if len(keep) < customers.shape[1] else customers


def key_ordered_records(customers: pd.DataFrame, config=None) -> pd.DataFrame:
    """The records :func:`resolve_identities` links: linkage columns, in key order.

    Key order makes every result independent of the input row order (random pairs
    included).

    Examples
    --------
    >>> import pandas as pd
    >>> key_ordered_records(pd.DataFrame({"record_id": ["b", "a"]}))["record_id"].tolist()
    ['a', 'b']
    """
    records = prepare_records(linkage_columns(customers, config))
    records = records.sort_values(["source", "record_id"], kind="stable")
    records.index = pd.RangeIndex(len(records))  # (reset_index would copy every column)
    return records


def resolve_identities(customers: pd.DataFrame, config=None, store_path=None,
                       run_id: str = "run", seed: int = 42, ground_truth=None,
                       progress=None, labels_file=None, source_priority=None,
                       retrain: bool | None = None, apply_retrain: bool | None = None
                       ) -> LinkageResult:
    """Resolve identities: global customer IDs, households and golden records.

    Parameters
    ----------
    customers : DataFrame
        The collection stage's ``customers`` table (``source``, ``record_id``, canonical fields).
    config : LinkageConfig, optional
        The ``linkage:`` section of the client config.
    store_path : str or Path, optional
        DuckDB customer store holding the ID registry and the saved linkage model (IDs
        persist across runs; later runs score with the saved model, see
        :func:`cdmkit.link.model.choose_model`). ``None`` uses a throw-away store (IDs
        valid for this call only; the model is trained and not kept).
    run_id : str
        Logged with every ID change.
    seed : int
        Seed of every random step.
    ground_truth : DataFrame, optional
        ``source, record_id, person_id[, household_id]``; adds evaluation figures.
    progress : bool, optional
        Progress bars.
    labels_file : str or Path, optional
        Clerical-review labels (default ``config.labels_file``).
    source_priority : list of str, optional
        Sources by trust for golden records when ``config.source_priority`` is empty
        (see :func:`source_priority_of`).
    retrain, apply_retrain : bool, optional
        Retrain the saved model / apply the retrain (default ``config.retrain`` and
        ``config.retrain_apply``); without applying, a retrain is a dry run listed in
        ``result.retrain_preview``.

    Returns
    -------
    LinkageResult
        Tables in ``(source, record_id)`` order, whatever the input order.

    Examples
    --------
    >>> import pandas as pd
    >>> cust = pd.DataFrame({"source": ["crm", "shop", "shop"], "record_id": ["1", "a", "b"],
    ...                      "first_name": ["Anna", "Anna", "Ben"],
    ...                      "last_name": ["Smith", "Smith", "Stone"],
    ...                      "email": ["anna@x.org", "anna@x.org", "ben@y.org"]})
    >>> res = resolve_identities(cust, run_id="r1")
    >>> res.customer_map["customer_id"].tolist()
    ['C0000001', 'C0000001', 'C0000002']
    >>> res.golden.shape[0], res.id_changes["event"].tolist()
    (2, ['new', 'new'])
    """
    import tempfile
    from pathlib import Path

    from ..config.linkage import LinkageConfig
    from .golden import golden_records
    from .households import assign_households
    from .model import choose_model, save_model
    from .registry_ids import IdRegistry

    config = config or LinkageConfig()
    if store_path is not None:
        from ..privacy.suppression import apply_suppression

        # Erased people (the store's suppression list) get no ID, whatever the input.
        customers, _ = apply_suppression(customers, "customers", store_path)
    records = key_ordered_records(customers, config)
    truth = hh_truth = None
    if ground_truth is not None and len(ground_truth):
        truth = truth_for(records, ground_truth, "person_id")
        if "household_id" in ground_truth:
            hh_truth = truth_for(records, ground_truth, "household_id")
    labels = load_labels(labels_file or config.labels_file)
    choice = choose_model(records, config, store_path, run_id, seed, truth, labels, progress,
                          retrain, apply_retrain)
    scored = choice.scored

    tmp = None
    if store_path is None:
        tmp = tempfile.TemporaryDirectory()
        store_path = Path(tmp.name) / "store.duckdb"
    registry = IdRegistry(store_path, config.id_prefix, config.id_width)
    ids, changes = registry.assign(records[["source", "record_id"]], scored.clusters, run_id)
    if tmp is not None:
        tmp.cleanup()
    elif choice.save_reason:  # a new model is kept once its IDs are in the store
        save_model(store_path, choice.model, choice.save_reason)

    households = assign_households(records, ids, config.household_rules,
                                   config.max_household_size)
    customer_map = pd.DataFrame({"source": records["source"], "record_id": records["record_id"],
                                 "customer_id": ids, "household_id": households})
    golden = golden_records(records, ids, config.survivorship,
                            config.source_priority or source_priority, households)

    link_only = scored.settings.link_type == "link_only"
    rep_truth = {}
    if truth is not None:
        rep_truth["blocking_recall"] = blocking_recall(scored.pairs, truth, records["source"],
                                                       link_only)
        rep_truth["scores"] = pairwise_scores(ids, truth, records["source"], link_only)
        rep_truth["scores"]["true_pairs"] = true_pairs(truth, records["source"], link_only)
        if hh_truth is not None:
            rep_truth["household_scores"] = pairwise_scores(households, hh_truth)
    fs = scored.model
    report = LinkageReport(
        n_records=len(records), n_sources=int(records["source"].nunique()),
        n_candidate_pairs=int(len(scored.pairs)),
        n_links=int((scored.match_weight >= scored.threshold_weight).sum()),
        n_customers=int(pd.Series(ids).nunique()),
        n_households=int(pd.Series(households).nunique()),
        threshold=scored.settings.threshold, threshold_weight=scored.threshold_weight,
        mode=scored.mode, lambda_=float(getattr(fs, "lambda_", np.nan)),
        em_iterations=getattr(fs, "n_iter_", None), em_converged=getattr(fs, "converged_", None),
        rule_counts=_rule_table(scored.rule_counts, truth, records, link_only),
        cluster_sizes=cluster_size_table(pd.factorize(pd.Series(ids))[0]),
        anomalies=_anomaly_table(scored.anomalies, records),
        id_counts=changes["event"].value_counts().to_dict(),
        n_names_swapped=int(scored.names_swapped.sum()) if scored.names_swapped is not None
        else 0, model=choice.figures(), **rep_truth)
    return LinkageResult(customer_map, golden, scored.pairs_frame(), changes, scored.params(),
                         report, scored, choice)


def source_priority_of(client_config) -> list[str]:
    """Customer sources of a client config ordered by their ``priority`` (lower = more trusted).

    Examples
    --------
    >>> from cdmkit.config import ClientConfig
    >>> source_priority_of(ClientConfig(client="a"))
    []
    """
    srcs = client_config.sources_of("customers")
    return [s.name for s in sorted(srcs, key=lambda s: (getattr(s, "priority", 100), s.name))]


def _rule_table(counts, truth, records, link_only):
    out = counts.copy()
    if truth is not None and "true_pairs_found" in out:
        total = true_pairs(truth, records["source"], link_only)
        out["recall"] = out["true_pairs_found"] / total if total else np.nan
    return out


def _anomaly_table(anomalies, records):
    if not len(anomalies):
        return anomalies.assign(source=pd.Series(dtype=object), record_id=pd.Series(dtype=object))
    out = anomalies.copy()
    out["source"] = records["source"].to_numpy()[out["first_record"]]
    out["record_id"] = records["record_id"].to_numpy()[out["first_record"]]
    return out


def _as_frame(data) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    from pathlib import Path

    p = Path(data)
    if not p.exists():
        raise InputError(p, "file not found")
    if p.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(p)
    df = pd.read_csv(p, dtype=str, keep_default_na=True, skipinitialspace=True)
    if df.empty:
        raise InputError(p, "file has no data rows")
    return df


def _simple_config(config, threshold, link_type):
    from ..config.linkage import LinkageConfig

    config = config or LinkageConfig()
    upd = {"link_type": link_type}
    if threshold is not None:
        upd["threshold"] = threshold
    return config.model_copy(update=upd)


def dedupe(data, id_column: str | None = None, config=None, threshold: float | None = None,
           seed: int = 42, progress=None, return_scored: bool = False):
    """Deduplicate one table with recognisable column names (zero configuration).

    Parameters
    ----------
    data : DataFrame or path
        Records (CSV or Parquet path, or a frame).
    id_column : str, optional
        Column holding each record's key (default: a recognisable ID column, else row number).
    config : LinkageConfig, optional
        Overrides (blocking rules, comparisons, ...).
    threshold : float, optional
        Match probability threshold.
    seed : int
    progress : bool, optional
    return_scored : bool
        Also return the :class:`ScoredLinkage` (pairs, parameters).

    Returns
    -------
    DataFrame
        ``<id_column>`` (or ``id``) and ``cluster_id``, in input order.

    Examples
    --------
    >>> import pandas as pd
    >>> dedupe(pd.DataFrame({"E-mail": ["a@x.org", "A@x.org", "b@y.org"]})).values.tolist()
    [['0', 0], ['1', 0], ['2', 1]]
    """
    df = _as_frame(data)
    id_name = id_column or "id"
    rec = canonicalize_columns(df, id_column=id_column)
    if "record_id" not in rec:
        rec["record_id"] = np.arange(len(rec)).astype(str)
    rec["source"] = "input"
    cfg = _simple_config(config, threshold, "dedupe_only")
    scored = score_and_cluster(rec, None, cfg, seed, progress=progress)
    out = pd.DataFrame({id_name: df[id_column].to_numpy() if id_column else rec["record_id"],
                        "cluster_id": scored.clusters})
    return (out, scored) if return_scored else out


def link(left, right, id_column: str | None = None, config=None, threshold: float | None = None,
         seed: int = 42, progress=None, names=("left", "right"), return_scored: bool = False):
    """Link two tables (pairs across them only) with zero configuration.

    Returns
    -------
    DataFrame
        ``source`` (``left``/``right``), ``<id_column>`` (or ``id``) and ``cluster_id``.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"id": ["a1", "a2"], "surname": ["Lee", "Kim"], "given_name": ["Jo", "Al"],
    ...                   "dob": ["19800101", "19700101"]})
    >>> b = pd.DataFrame({"id": ["b1"], "surname": ["Lee"], "given_name": ["Joe"],
    ...                   "dob": ["19800101"]})
    >>> link(a, b, id_column="id")["cluster_id"].tolist()
    [0, 1, 0]
    """
    l, r = _as_frame(left), _as_frame(right)
    parts = []
    for name, df in zip(names, (l, r)):
        rec = canonicalize_columns(df, id_column=id_column)
        if "record_id" not in rec:
            rec["record_id"] = np.arange(len(rec)).astype(str)
        rec["source"] = name
        parts.append(rec)
    rec = pd.concat(parts, ignore_index=True)
    cfg = _simple_config(config, threshold, "link_only")
    scored = score_and_cluster(rec, None, cfg, seed, progress=progress)
    out = pd.DataFrame({"source": rec["source"], id_column or "id": rec["record_id"],
                        "cluster_id": scored.clusters})
    return (out, scored) if return_scored else out
