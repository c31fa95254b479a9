"""Blocking: candidate record pairs from a union of rules, generated with numpy (no pair loops).

Records are addressed by their position ``0..n-1``; a pair is ``(i, j)`` with
``i < j``. Exact rules pair the records of each block (records agreeing on
all keys); the sorted-neighbourhood rule pairs records within a window of
each other in the order of the joined keys. Pairs found by several rules are
kept once; the report counts pairs per rule and the new pairs each adds.

Examples
--------
>>> import pandas as pd
>>> from cdmkit.link.settings import BlockingRule
>>> keys = pd.DataFrame({"email": ["a@x", "a@x", "b@x", None],
...                      "last_name": ["lee", "li", "lee", "lee"]})
>>> pairs, counts = block(keys, [BlockingRule(("email",)), BlockingRule(("last_name",))])
>>> pairs.tolist()
[[0, 1], [0, 2], [0, 3], [2, 3]]
>>> counts["new_pairs"].tolist()
[1, 3]
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["block", "rule_keys", "refine_codes", "block_pairs", "sorted_neighbourhood_pairs", "pairs_within_groups",
           "cross_token_pairs", "cross_token_frames"]

_PREFIX = re.compile(r"^(?P<col>[A-Za-z_]\w*)(\[:(?P<n>\d+)\])?$")


def rule_keys(keys: pd.DataFrame, on) -> np.ndarray:
    """Integer block code of each record for the keys ``on`` (``-1`` when any key is missing).

    Examples
    --------
    >>> import pandas as pd
    >>> rule_keys(pd.DataFrame({"a": ["xy", "xz", None]}), ["a[:1]"]).tolist()
    [0, 0, -1]
    """
    parts = []
    missing = np.zeros(len(keys), dtype=bool)
    for key in on:
        m = _PREFIX.match(key)
        s = keys[m["col"]].astype("string")
        if m["n"]:
            s = s.str[: int(m["n"])]
        s = s.where(s.str.len() > 0)
        missing |= s.isna().to_numpy()
        parts.append(s.fillna(""))
    joined = parts[0] if len(parts) == 1 else parts[0].str.cat(parts[1:], sep="\x1f")
    codes, _ = pd.factorize(joined)
    codes = codes.astype(np.int64)
    codes[missing] = -1
    return codes


def pairs_within_groups(codes: np.ndarray, max_block_size: int | None = None):
    """All pairs ``(i, j)``, ``i < j``, of records sharing a code (``-1`` never pairs).

    Returns
    -------
    pairs : ndarray of shape (k, 2)
    skipped : int
        Records in blocks skipped for being larger than ``max_block_size``.

    Examples
    --------
    >>> import numpy as np
    >>> pairs_within_groups(np.array([1, 0, 1, 1, -1]))[0].tolist()
    [[0, 2], [0, 3], [2, 3]]
    """
    codes = np.asarray(codes, dtype=np.int64)
    idx = np.flatnonzero(codes >= 0)
    order = idx[np.argsort(codes[idx], kind="stable")]
    sc = codes[order]
    if len(sc) == 0:
        return np.empty((0, 2), dtype=np.int64), 0
    starts = np.r_[0, np.flatnonzero(np.diff(sc)) + 1]
    sizes = np.diff(np.r_[starts, len(sc)])
    skipped = 0
    if max_block_size is not None:
        big = sizes > max_block_size
        skipped = int(sizes[big].sum())
        keep_pos = np.repeat(~big, sizes)
        order, sc = order[keep_pos], sc[keep_pos]
        starts, sizes = starts[~big], sizes[~big]
        starts = np.r_[0, np.cumsum(sizes)[:-1]] if len(sizes) else starts
    ends = np.repeat(starts + sizes, sizes)
    cnt = ends - np.arange(len(sc)) - 1
    total = int(cnt.sum())
    left = np.repeat(np.arange(len(sc)), cnt)
    offs = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt) + 1
    right = left + offs
    i, j = order[left], order[right]
    return np.column_stack([np.minimum(i, j), np.maximum(i, j)]), skipped


def sorted_neighbourhood_pairs(codes_sort: pd.Series, window: int) -> np.ndarray:
    """Pairs of records within ``window`` places of each other in the order of ``codes_sort``.

    Examples
    --------
    >>> import pandas as pd
    >>> sorted_neighbourhood_pairs(pd.Series(["b", "a", None, "c"]), 2).tolist()
    [[0, 1], [0, 3]]
    """
    s = pd.Series(codes_sort).reset_index(drop=True)
    valid = s.notna() & (s.astype("string").str.len() > 0)
    idx = np.flatnonzero(valid.to_numpy())
    order = idx[np.argsort(s[valid].astype(str).to_numpy(), kind="stable")]
    out = []
    for k in range(1, window):  # window-1 vectorised shifts, not a loop over records
        if k >= len(order):
            break
        a, b = order[:-k], order[k:]
        out.append(np.column_stack([np.minimum(a, b), np.maximum(a, b)]))
    if not out:
        return np.empty((0, 2), dtype=np.int64)
    return np.concatenate(out).astype(np.int64)


def _explode_tokens(s) -> pd.DataFrame:
    s = pd.Series(s).reset_index(drop=True).astype("string").str.split(" ").explode()
    s = s[s.notna() & (s.str.len() > 0)]
    return pd.DataFrame({"rec": s.index.to_numpy(np.int64), "blk": s.to_numpy(object)})


def _big_blocks(a: pd.DataFrame, b: pd.DataFrame, limit) -> set:
    """Block values whose pairs (left records times right records) exceed ``limit``."""
    if limit is None or not len(a) or not len(b):
        return set()
    na, nb = a["blk"].value_counts(), b["blk"].value_counts()
    both = na.index.intersection(nb.index)
    prod = na.reindex(both) * nb.reindex(both)
    return set(prod.index[prod > limit])


def cross_token_frames(left: pd.Series, right: pd.Series, max_block_size=None):
    """``(rec, blk)`` frames of both sides of a cross rule: equal ``blk`` values pair.

    Values are space-separated tokens. A token whose pairs (records holding it in
    ``left`` times records holding it in ``right``) exceed ``max_block_size`` (a common
    surname inside e-mail addresses), and a token written ``1tok`` (too short to pair
    alone), is capped rather than dropped: its records pair only when they also share a
    record key - a token starting with ``0``; keys ``0i...`` first, then, within
    blocks still too large, ``0s...``; such blocks may hold a quarter of
    ``max_block_size`` pairs, larger ones are skipped. Record keys
    never pair alone. (Name tokens are letters only, so the digit markers survive the
    key normalisation, :func:`cdmkit.link.normalize.text_key`.)

    Returns
    -------
    a, b : DataFrame
        ``rec`` (record position) and ``blk`` (block value) of each side.
    skipped : int
        Record tokens left in no block (too common even with the keys, or no key).

    Examples
    --------
    >>> import pandas as pd
    >>> a, b, _ = cross_token_frames(pd.Series(["lee 0ia", "lee 0ib"]),
    ...                              pd.Series([None, None, "lee 0ia"]), max_block_size=1)
    >>> a.merge(b, on="blk")[["rec_x", "rec_y"]].values.tolist()
    [[0, 2]]
    """
    a, b = _explode_tokens(left), _explode_tokens(right)
    # a block kept by a record key is held to a quarter of the limit: these pairs share
    # a common surname and an initial, most are strangers (2.1M instead of 2.4M candidate
    # pairs at 100k persons for 0.1 % less blocking recall)
    key_limit = None if max_block_size is None else max(max_block_size // 4, 1)
    ka, kb = a[a["blk"].str.startswith("0")], b[b["blk"].str.startswith("0")]
    a, b = a[~a["blk"].str.startswith("0")], b[~b["blk"].str.startswith("0")]
    forced = {t for t in pd.concat([a["blk"], b["blk"]]).unique() if t.startswith("1")}
    big = _big_blocks(a, b, max_block_size) | forced
    if not big:
        return a, b, 0
    in_a, in_b = a["blk"].isin(big), b["blk"].isin(big)
    rows_a, rows_b = a[in_a], b[in_b]
    out_a, out_b = [a[~in_a]], [b[~in_b]]
    placed = []
    for tier in ("0i", "0s"):
        if not len(rows_a) or not len(rows_b):
            break
        sa = rows_a.merge(ka[ka["blk"].str.startswith(tier)], on="rec", suffixes=("", "_k"))
        sb = rows_b.merge(kb[kb["blk"].str.startswith(tier)], on="rec", suffixes=("", "_k"))
        sa = pd.DataFrame({"rec": sa["rec"].to_numpy(), "tok": sa["blk"].to_numpy(object),
                           "blk": (sa["blk"] + "\x1f" + sa["blk_k"]).to_numpy(object)})
        sb = pd.DataFrame({"rec": sb["rec"].to_numpy(), "tok": sb["blk"].to_numpy(object),
                           "blk": (sb["blk"] + "\x1f" + sb["blk_k"]).to_numpy(object)})
        still = _big_blocks(sa, sb, None if max_block_size is None else key_limit)
        ok_a, ok_b = ~sa["blk"].isin(still), ~sb["blk"].isin(still)
        out_a.append(sa.loc[ok_a, ["rec", "blk"]])
        out_b.append(sb.loc[ok_b, ["rec", "blk"]])
        # (right-side records negated: one frame counts both sides)
        placed += [sa.loc[ok_a, ["rec", "tok"]],
                   sb.loc[ok_b, ["rec", "tok"]].assign(rec=lambda d: -1 - d["rec"])]
        # the next tier only for record tokens in a block still too large
        nxt_a = sa.loc[~ok_a, ["rec", "tok"]].drop_duplicates()
        nxt_b = sb.loc[~ok_b, ["rec", "tok"]].drop_duplicates()
        rows_a = nxt_a.rename(columns={"tok": "blk"})
        rows_b = nxt_b.rename(columns={"tok": "blk"})
    n_placed = len(pd.concat(placed).drop_duplicates()) if placed else 0
    skipped = int(in_a.sum() + in_b.sum()) - n_placed
    return pd.concat(out_a, ignore_index=True), pd.concat(out_b, ignore_index=True), skipped


def cross_token_pairs(left: pd.Series, right: pd.Series, max_block_size=None):
    """Pairs of records where a token of ``left`` of one equals a token of ``right`` of the other.

    Values are space-separated tokens; common tokens are capped by record keys (see
    :func:`cross_token_frames`). Returns ``(pairs, skipped_records)``.

    Examples
    --------
    >>> import pandas as pd
    >>> l = pd.Series(["lee", None, "kim park"])
    >>> r = pd.Series(["park", "lee ann", None])
    >>> cross_token_pairs(l, r)[0].tolist()
    [[0, 1], [0, 2]]
    """
    a, b, skipped = cross_token_frames(left, right, max_block_size)
    m = a.merge(b, on="blk", suffixes=("_l", "_r"))
    i, j = m["rec_l"].to_numpy(np.int64), m["rec_r"].to_numpy(np.int64)
    keep = i != j
    lo, hi = np.minimum(i, j)[keep], np.maximum(i, j)[keep]
    n = int(max(hi.max(), 0)) + 1 if len(hi) else 1
    enc = np.unique(lo * n + hi)  # one 1-D sort, not np.unique(axis=0)'s row sort
    return np.column_stack([enc // n, enc % n]).astype(np.int64), skipped


def refine_codes(keys: pd.DataFrame, codes: np.ndarray, refine_on, limit: int,
                 exclude=()) -> np.ndarray:
    """Split blocks larger than ``limit`` records by further keys, one key at a time.

    A common full name (or a shared family e-mail) can gather hundreds of records in one
    exact block, and its pairs grow with the square of the block size; most of them are
    namesakes. Instead of dropping such a block (and its true matches), its records are
    re-blocked on ``refine_on[0]`` (e.g. birth year), blocks still too large on the next
    key, and so on. Records whose refining key is missing leave the rule (code ``-1``).
    Keys on columns in ``exclude`` (the rule's own) are not used.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> keys = pd.DataFrame({"year": ["1980", "1980", "1990", "1990", None, "1975"]})
    >>> codes = np.array([0, 0, 0, 0, 0, 1])
    >>> refine_codes(keys, codes, ["year"], limit=3).tolist()
    [2, 2, 3, 3, -1, 1]
    """
    codes = np.asarray(codes, dtype=np.int64).copy()
    for key in refine_on:
        col = _PREFIX.match(key)
        if col is None or col["col"] not in keys or col["col"] in exclude:
            continue
        valid = codes >= 0
        if not valid.any():
            break
        sizes = np.bincount(codes[valid])
        big = valid & (sizes[np.maximum(codes, 0)] > limit)
        if not big.any():
            break
        sub = rule_keys(keys, [key])
        idx = np.flatnonzero(big)
        ok = sub[idx] >= 0
        combined = codes[idx[ok]] * (int(sub.max()) + 1) + sub[idx[ok]]
        new, _ = pd.factorize(combined, sort=True)
        next_code = int(codes.max()) + 1
        codes[idx] = -1  # refining key missing: the record leaves this rule
        codes[idx[ok]] = new + next_code
    return codes


def block_pairs(keys: pd.DataFrame, rule, max_block_size=None, refine_on=(),
                refine_block_size=None):
    """Candidate pairs of one rule; returns ``(pairs, skipped_records)``.

    Exact rules split blocks above ``refine_block_size`` records by the keys
    ``refine_on`` (:func:`refine_codes`); blocks still above ``max_block_size`` are
    skipped.

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.link.settings import BlockingRule
    >>> block_pairs(pd.DataFrame({"a": ["x", "x"]}), BlockingRule(("a",)))[0].tolist()
    [[0, 1]]
    """
    if rule.method == "cross":
        return cross_token_pairs(keys[rule.columns[0]], keys[rule.columns[1]], max_block_size)
    if rule.method == "sorted_neighbourhood":
        parts = []
        for key in rule.on:
            m = _PREFIX.match(key)
            s = keys[m["col"]].astype("string")
            parts.append((s.str[: int(m["n"])] if m["n"] else s).fillna(""))
        joined = parts[0] if len(parts) == 1 else parts[0].str.cat(parts[1:], sep=" ")
        joined = joined.str.strip()
        return sorted_neighbourhood_pairs(joined.where(joined.str.len() > 0), rule.window), 0
    codes = rule_keys(keys, rule.on)
    left_rule = 0
    if refine_on and refine_block_size is not None:
        refined = refine_codes(keys, codes, refine_on, refine_block_size, exclude=rule.columns)
        left_rule = int(((codes >= 0) & (refined < 0)).sum())
        codes = refined
    pairs, skipped = pairs_within_groups(codes, max_block_size)
    return pairs, skipped + left_rule


def block(keys: pd.DataFrame, rules, sources=None, link_type: str = "link_and_dedupe",
          max_pairs: int | None = None, max_block_size: int | None = None, truth=None,
          return_rule: bool = False, refine_on=(), refine_block_size: int | None = None):
    """Union of the candidate pairs of ``rules``.

    Parameters
    ----------
    keys : DataFrame
        Normalised key columns, one row per record (position = record number).
    rules : list of BlockingRule
    sources : array-like, optional
        Source of each record (for ``link_only`` / ``dedupe_only``).
    link_type : str
        ``link_and_dedupe``, ``link_only`` or ``dedupe_only``.
    max_pairs : int, optional
        Raise :class:`cdmkit.errors.InputError` beyond this many pairs.
    max_block_size : int, optional
        Skip exact blocks with more records than this (after refining).
    truth : array-like, optional
        True entity of each record; adds the share of true pairs each rule finds.
    return_rule : bool
        Also return, for each pair, the index of the first rule that found it.
    refine_on : sequence of str
        Keys that split exact blocks larger than ``refine_block_size`` (in turn).
    refine_block_size : int, optional
        Exact blocks with more records are refined (default: never).

    Returns
    -------
    pairs : ndarray of shape (k, 2)
        Sorted unique pairs ``i < j``.
    counts : DataFrame
        ``rule``, ``pairs``, ``new_pairs``, ``skipped_records`` (and ``true_pairs_found``).
    rule_of : ndarray, only with ``return_rule``
        First rule (index into ``rules``) that found each pair.
    members : list of ndarray, only with ``return_rule``
        Row numbers (into ``pairs``) of every pair each rule generates.

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.link.settings import BlockingRule
    >>> p, c = block(pd.DataFrame({"k": ["x", "x", "x"]}), [BlockingRule(("k",))],
    ...              sources=["a", "a", "b"], link_type="link_only")
    >>> p.tolist(), c["pairs"].tolist()
    ([[0, 2], [1, 2]], [2])
    """
    n = len(keys)
    src = None if sources is None else pd.factorize(pd.Series(sources))[0]
    encs, rows = [], []
    total = 0
    for r_idx, rule in enumerate(rules):
        p, skipped = block_pairs(keys, rule, max_block_size, refine_on, refine_block_size)
        if src is not None and link_type != "link_and_dedupe" and len(p):
            same = src[p[:, 0]] == src[p[:, 1]]
            p = p[~same] if link_type == "link_only" else p[same]
        enc = np.unique(p[:, 0] * n + p[:, 1]) if len(p) else np.empty(0, dtype=np.int64)
        del p
        encs.append(enc)
        row = {"rule": rule.label, "pairs": len(enc), "skipped_records": skipped}
        if truth is not None:
            t = np.asarray(truth)
            row["true_pairs_found"] = int((t[enc // n] == t[enc % n]).sum()) if len(enc) else 0
        rows.append(row)
        total += len(enc)
        # pairs found by several rules count once: only count them exactly near the limit
        if max_pairs is not None and total > max_pairs and \
                len(np.unique(np.concatenate(encs))) > max_pairs:
            raise InputError("linkage", f"blocking produced more than {max_pairs:,} candidate "
                             f"pairs (at rule '{rule.label}'); use stricter blocking rules or "
                             "raise linkage.max_pairs")
    # One sort of all rules' pairs (a union as a group-by, not a union per rule): each pair
    # is kept once and credited to the first rule that found it.
    if encs:
        all_enc = np.concatenate(encs)
        all_rule = np.repeat(np.arange(len(encs), dtype=np.int16), [len(e) for e in encs])
        order = np.argsort(all_enc, kind="stable")  # stable: rule order among equal pairs
        sorted_enc = all_enc[order]
        del all_enc
        first = np.ones(len(sorted_enc), dtype=bool)
        first[1:] = sorted_enc[1:] != sorted_enc[:-1]
        seen = sorted_enc[first]
        rule_of = all_rule[order][first]
        del sorted_enc, order, all_rule
    else:
        seen, rule_of = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int16)
    new_counts = np.bincount(rule_of, minlength=len(rules)) if len(rules) else []
    for row, k in zip(rows, new_counts):
        row["new_pairs"] = int(k)
    pairs = np.column_stack([seen // n, seen % n]) if len(seen) else np.empty((0, 2), np.int64)
    counts = pd.DataFrame(rows, columns=["rule", "pairs", "new_pairs", "skipped_records"] +
                          ([] if truth is None else ["true_pairs_found"]))
    if return_rule:
        member_idx = [np.searchsorted(seen, e) for e in encs]
        return pairs.astype(np.int64), counts, rule_of, member_idx
    return pairs.astype(np.int64), counts
