"""Compare step: comparison levels (gamma) of record pairs, and term frequencies.

Contract (engine-neutral): the compared columns are normalised once per record
(:func:`encode_columns`: per comparison, integer codes into distinct prepared
values); :func:`compare_pairs` maps an ``(n_pairs, 2)`` array of record positions to
an ``(n_pairs, n_comparisons)`` int8 matrix of levels (0 = strongest agreement, last
= else, ``-1`` = missing), chunk by chunk, with no state beyond its arguments - a
Spark engine runs it per partition (``mapInPandas``) over the same comparators.

Examples
--------
>>> import pandas as pd
>>> from cdmkit.link.settings import ComparisonSpec, LinkageSettings
>>> s = LinkageSettings([], [ComparisonSpec("email", "email", "email")])
>>> enc = encode_columns(pd.DataFrame({"email": ["a@x.org", "a@x.org", None]}), s)
>>> gamma, swapped = compare_pairs(np.array([[0, 1], [0, 2]]), enc, s)
>>> gamma[:, 0].tolist()
[0, -1]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from .fellegi_sunter import PairFrequencies

__all__ = ["EncodedColumns", "encode_columns", "compare_pairs", "term_frequencies",
           "COMPARE_CHUNK"]


@dataclass
class EncodedColumns:
    """The compared columns normalised once per record (input of the compare step).

    Attributes
    ----------
    comparators : list of Comparator
        Built from the settings' comparisons, in order.
    codes : list of ndarray
        Per comparison, each record's int64 code into ``uniques`` (``-1`` missing).
    uniques : list of ndarray
        Per comparison, the distinct prepared values.
    prepared : dict
        Column -> prepared values per record (blocking keys on compared columns reuse them).
    swap : tuple, optional
        Crosswise first/last name set-up (``_swap_setup``), or ``None``.
    """

    comparators: list
    codes: list
    uniques: list
    prepared: dict
    swap: tuple | None = None


def encode_columns(records: pd.DataFrame, settings) -> EncodedColumns:
    """Normalise each compared column once per record (codes into distinct values).

    Raises
    ------
    InputError
        If a comparison's column is missing.
    """
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
    return EncodedColumns(comparators, codes, uniques, prepared,
                          _swap_setup(settings, comparators, prepared))


def compare_pairs(pairs: np.ndarray, enc: EncodedColumns, settings, chunk: int | None = None):
    """Compare step: levels of every comparison for each pair.

    Parameters
    ----------
    pairs : ndarray
        ``(n_pairs, 2)`` record positions.
    enc : EncodedColumns
    settings : LinkageSettings
    chunk : int, optional
        Pairs per chunk (bounds the comparators' temporaries; default ``COMPARE_CHUNK``).

    Returns
    -------
    gamma : ndarray
        ``(n_pairs, n_comparisons)`` int8 levels.
    swapped : ndarray
        Bool per pair: first and last names compared crosswise.
    """
    chunk = chunk or COMPARE_CHUNK
    comparators, codes, uniques = enc.comparators, enc.codes, enc.uniques
    g = np.empty((len(pairs), len(comparators)), dtype=np.int8)
    sw = np.zeros(len(pairs), dtype=bool)
    for start in range(0, len(pairs), chunk):
        pc = pairs[start:start + chunk]
        gc = g[start:start + chunk]
        for k, comp in enumerate(comparators):
            gc[:, k] = comp.levels_from_codes(uniques[k], codes[k][pc[:, 0]], codes[k][pc[:, 1]])
        sw[start:start + chunk] = _apply_name_swaps(gc, pc, comparators, enc.swap)
        _no_double_counting(gc, settings, comparators)
    return g, sw


def term_frequencies(records: pd.DataFrame, settings, enc: EncodedColumns, pairs: np.ndarray,
                     gamma: np.ndarray):
    """Term frequencies: one value per record and level, looked up per pair on use.

    Returns
    -------
    tf : PairFrequencies
    tf_on : list of bool
        Comparisons with term-frequency adjustment.
    """
    tf = PairFrequencies(*gamma.shape)
    tf_on = [bool(s.tf_adjust) for s in settings.comparisons]
    for k, on in enumerate(tf_on):
        comp = enc.comparators[k]
        if on and hasattr(comp, "tf_keys"):
            # frequency of values other than the compared one, per level (the full name or
            # the surname inside an e-mail address: how common is it?); the commoner side
            # counts
            keys = comp.tf_keys(records[settings.comparisons[k].column])
            by_level = {}
            for level, key in keys.items():
                kc, ku = pd.factorize(key, use_na_sentinel=True)
                if len(ku):
                    by_level[level] = _record_frequency(kc, len(ku))
            if by_level:
                tf.set_record_frequencies(k, by_level, pairs, gamma)
        elif on:
            tf.set_record_frequencies(k, {0: _record_frequency(enc.codes[k], len(enc.uniques[k]))},
                                      pairs, gamma)
    return tf, tf_on


#: Candidate pairs compared per chunk (bounds the comparators' temporary arrays).
COMPARE_CHUNK = 2_000_000


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
    (The first name in it is weighed once by counting its u among pairs of one first
    name: ``EmailComparator.u_given``.)
    """
    idx = {s.comparator: k for k, s in enumerate(settings.comparisons)}
    if "email" not in idx or "email_name" not in idx:
        return
    ke, kn = idx["email"], idx["email_name"]
    names = comparators[ke].level_names
    levels = [names.index(n) for n in _NAME_LOCAL_LEVELS if n in names]
    if levels:
        g[np.isin(g[:, ke], levels), kn] = -1


def _record_frequency(codes: np.ndarray, n_values: int) -> np.ndarray:
    """Share of the records holding each record's value (NaN where missing)."""
    present = codes >= 0
    freq = np.bincount(codes[present], minlength=n_values) / max(int(present.sum()), 1)
    return np.where(present, freq[np.maximum(codes, 0)], np.nan).astype(np.float32)
