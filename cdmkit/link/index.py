"""Index step: candidate record pairs from the blocking rules.

Contract (engine-neutral): records with blocking-key columns in, candidate pairs out -
an ``(n_pairs, 2)`` int64 array of record positions ``i < j``, sorted and unique, with
the blocking rule that found each pair and per-rule pair lists (the EM sessions). A
Spark engine runs the same rules as equi-joins on the key columns.

Examples
--------
>>> import pandas as pd
>>> from cdmkit.link.settings import BlockingRule, LinkageSettings
>>> from cdmkit.config.linkage import LinkageConfig
>>> rec = pd.DataFrame({"source": ["a"] * 3, "email": ["x@y", "x@y", "z@y"]})
>>> s = LinkageSettings([BlockingRule(("email",))], [])
>>> index_pairs(rec, s, LinkageConfig(), {}).pairs.tolist()
[[0, 1]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from .blocking import block
from .normalize import map_unique, text_key

__all__ = ["CandidatePairs", "index_pairs", "n_possible_pairs", "random_pairs"]


@dataclass
class CandidatePairs:
    """Output of the index step.

    Attributes
    ----------
    pairs : ndarray
        ``(n_pairs, 2)`` int64 record positions, ``i < j``, sorted and unique.
    rule_counts : DataFrame
        Pairs (and new pairs, and true pairs found when truth is given) per rule.
    rule_of : ndarray
        Index of the first rule that found each pair.
    members : list of ndarray
        Per rule, the positions (rows of ``pairs``) of every pair it found (EM sessions);
        ``None`` once training has used them (they are large).
    """

    pairs: np.ndarray
    rule_counts: pd.DataFrame
    rule_of: np.ndarray
    members: list | None


def index_pairs(records: pd.DataFrame, settings, config, prepared: dict, truth=None,
                known_ids=None) -> CandidatePairs:
    """Index step: the union of the blocking rules' pairs (:func:`cdmkit.link.blocking.block`).

    Parameters
    ----------
    records : DataFrame
        Prepared records (``source`` and the rules' key columns).
    settings : LinkageSettings
    config : LinkageConfig
        Block limits and refinement keys.
    prepared : dict
        Column -> normalised values per record (from the compare step's encoding; a
        blocking key on a compared column uses them, other keys are normalised here).
    truth : array-like, optional
        True entity per record (adds true pairs found per rule).
    known_ids : array-like, optional
        Customer ID each record already has: pairs of records of one known customer are
        added (scoring with a saved model).

    Returns
    -------
    CandidatePairs
    """
    keys = _key_columns(records, settings, prepared, config.refine_on)
    pairs, rule_counts, rule_of, members = block(
        keys, settings.blocking_rules, sources=records["source"], link_type=settings.link_type,
        max_pairs=config.max_pairs, max_block_size=config.max_block_size, truth=truth,
        return_rule=True, refine_on=config.refine_on, refine_block_size=config.refine_block_size)
    del keys
    if known_ids is not None:
        src = pd.factorize(records["source"])[0]
        pairs, rule_counts = _add_known_pairs(pairs, rule_counts, known_ids, src,
                                              settings.link_type, config.max_cluster_size,
                                              truth)
    return CandidatePairs(pairs, rule_counts, rule_of, members)


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


def random_pairs(n, size, rng, src=None, link_type="link_and_dedupe"):
    """Up to ``size`` random record pairs ``i < j`` the link type allows (u sampling).

    Examples
    --------
    >>> random_pairs(10, 5, np.random.default_rng(0)).shape
    (5, 2)
    """
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


def n_possible_pairs(sources: pd.Series, link_type: str) -> int:
    """Record pairs the link type allows (all pairs, within or across sources).

    Examples
    --------
    >>> n_possible_pairs(pd.Series(["a", "a", "b"]), "dedupe_only")
    1
    """
    n = len(sources)
    sizes = sources.value_counts().to_numpy().astype(np.int64)
    within = int((sizes * (sizes - 1) // 2).sum())
    total = n * (n - 1) // 2
    return {"dedupe_only": within, "link_only": total - within}.get(link_type, total)


#: Private names kept for callers of the former ``pipeline`` module.
_random_pairs = random_pairs
_n_possible_pairs = n_possible_pairs
