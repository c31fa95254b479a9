"""The comparator base class, exact and string comparators, and the similarity scorers.

The built-ins of other field families are in :mod:`cdmkit.link.comparators_person` and
:mod:`cdmkit.link.comparators_contact`; :mod:`cdmkit.link.comparators` gathers them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein, Jaro, JaroWinkler, Levenshtein

from ..registry import comparators as _registry
from .normalize import map_unique, text_key

__all__ = ["Comparator", "ExactComparator", "StringComparator", "SIMILARITY_SCORERS"]

#: Similarity functions (0..1) usable by :class:`StringComparator`.
SIMILARITY_SCORERS = {
    "jaro_winkler": JaroWinkler.normalized_similarity,
    "jaro": Jaro.normalized_similarity,
    "levenshtein": Levenshtein.normalized_similarity,
    "damerau_levenshtein": DamerauLevenshtein.normalized_similarity,
    "token_sort": lambda a, b, **kw: fuzz.token_sort_ratio(a, b, **kw) / 100.0,
    "token_set": lambda a, b, **kw: fuzz.token_set_ratio(a, b, **kw) / 100.0,
}
_RAW_SCORERS = {  # rapidfuzz scorers cpdist runs natively (0..100 for fuzz ratios)
    "token_sort": (fuzz.token_sort_ratio, 100.0),
    "token_set": (fuzz.token_set_ratio, 100.0),
}


def _workers(n: int) -> int:
    # rapidfuzz's C++ threads only pay off on large batches
    return -1 if n > 20_000 else 1


def _similarity(a: np.ndarray, b: np.ndarray, metric: str) -> np.ndarray:
    """Element-wise similarity of two equal-length string arrays (C++ batch)."""
    if len(a) == 0:
        return np.zeros(0, dtype=np.float32)
    if metric in _RAW_SCORERS:
        fn, scale = _RAW_SCORERS[metric]
        return process.cpdist(list(a), list(b), scorer=fn, workers=_workers(len(a))) / scale
    try:
        fn = SIMILARITY_SCORERS[metric]
    except KeyError:
        raise ValueError(f"unknown similarity {metric!r}; valid: "
                         f"{', '.join(sorted(SIMILARITY_SCORERS))}") from None
    return process.cpdist(list(a), list(b), scorer=fn, workers=_workers(len(a)))


def _distance(a: np.ndarray, b: np.ndarray, scorer=Levenshtein.distance) -> np.ndarray:
    if len(a) == 0:
        return np.zeros(0, dtype=np.int64)
    return process.cpdist(list(a), list(b), scorer=scorer, workers=_workers(len(a)))


class Comparator:
    """Base class of multi-level comparators (override :meth:`prepare` and :meth:`_level_of`).

    Parameters
    ----------
    left_on : str
        Column of the left records.
    right_on : str, optional
        Column of the right records (default ``left_on``).
    label : str, optional
        Name of the comparison (default ``left_on``).

    Examples
    --------
    >>> ExactComparator("gender").compare(pd.Series(["f", "m"]), pd.Series(["F", "f"])).tolist()
    [0, 1]
    """

    #: Registry name of the comparator.
    kind = "base"
    #: Whether term-frequency adjustment makes sense for its exact level by default.
    tf_default = False
    #: Prior chance that two different people agree exactly (used with little data).
    u_exact_prior = 0.05
    #: Counted levels whose values spell another compared column (level name -> column):
    #: their u is counted among pairs that agree on that column, so the evidence the two
    #: share is weighed once (see :func:`cdmkit.link.train.estimate_u`).
    u_given: dict = {}

    def __init__(self, left_on, right_on=None, label=None):
        # the attributes recordlinkage.Compare reads from its features
        self.labels_left = left_on
        self.labels_right = right_on if right_on is not None else left_on
        self.label = label if label is not None else left_on
        self.args, self.kwargs = (), {}

    @property
    def level_names(self) -> list[str]:
        """Names of the levels ``0..k`` (best first, ``else`` last)."""
        return ["exact", "else"]

    @property
    def else_level(self) -> int:
        """Level of values that agree on nothing."""
        return len(self.level_names) - 1

    def m_prior(self) -> np.ndarray:
        """Prior m per level (matches mostly agree); dominates only when data are scarce.

        Examples
        --------
        >>> from cdmkit.link.comparators import EmailComparator, NameComparator
        >>> NameComparator("n").m_prior().round(3).tolist()
        [0.85, 0.067, 0.033, 0.05]
        """
        L = len(self.level_names)
        if L == 2:
            return np.array([0.9, 0.1])
        fuzzy = 0.5 ** np.arange(L - 2)
        return np.r_[0.85, fuzzy / fuzzy.sum() * 0.1, 0.05]

    def u_prior(self) -> np.ndarray:
        """Prior u per level (different people rarely agree); see :meth:`m_prior`.

        Examples
        --------
        >>> from cdmkit.link.comparators import EmailComparator, NameComparator
        >>> EmailComparator("e").u_prior().tolist()
        [0.0005, 0.0005, 0.0005, 0.9985]
        """
        L = len(self.level_names)
        e = self.u_exact_prior
        return np.r_[np.full(L - 1, e), 1 - e * (L - 1)]

    def counted_u(self, uniques: np.ndarray, codes: np.ndarray, agreement) -> dict:
        """u of the levels that value counts give exactly: ``{level: u}``.

        ``agreement(keys)`` is the share of record pairs (both keys present, ``-1`` =
        missing) whose keys are equal, ``sum_v c_v (c_v - 1) / (N (N - 1))`` - one
        group-by over the whole table (:func:`cdmkit.link.fellegi_sunter.agreement_share`).
        ``codes`` are the records' codes into ``uniques``. The base class counts the
        exact level; comparators whose other levels are "same key, not exact" (the same
        local part of an e-mail, the same last digits of a phone) count those too. Levels
        not returned are estimated from random pairs.

        Examples
        --------
        >>> from cdmkit.link.fellegi_sunter import agreement_share
        >>> u = np.array(["ann", "bo"], dtype=object)
        >>> from cdmkit.link.comparators import EmailComparator, NameComparator
        >>> NameComparator("n").counted_u(u, np.array([0, 0, 1, 1]), agreement_share)
        {0: 0.3333333333333333}
        """
        return {0: agreement(np.asarray(codes, dtype=np.int64))}

    def params(self) -> dict:
        """Parameters that rebuild the comparator (saved in linkage settings).

        Examples
        --------
        >>> from cdmkit.link.comparators import EmailComparator, NameComparator
        >>> NameComparator("first_name", thresholds=(0.9,)).params()
        {'thresholds': [0.9]}
        """
        return {}

    # -- normalisation -------------------------------------------------------------------
    def prepare(self, values: pd.Series) -> pd.Series:
        """Normalised values (object dtype, ``None`` when missing); computed once per record."""
        return map_unique(values, text_key)

    # -- comparison ----------------------------------------------------------------------
    def levels_from_codes(self, uniques: np.ndarray, ci: np.ndarray, cj: np.ndarray) -> np.ndarray:
        """Levels of pairs given as codes into ``uniques`` (``-1`` codes mean missing).

        Examples
        --------
        >>> u = np.array(["anna", "ana"], dtype=object)
        >>> from cdmkit.link.comparators import EmailComparator, NameComparator
        >>> c = NameComparator("n")
        >>> c.levels_from_codes(u, np.array([0, 0, -1]), np.array([0, 1, 1])).tolist()
        [0, 1, -1]
        """
        ci = np.asarray(ci, dtype=np.int64)
        cj = np.asarray(cj, dtype=np.int64)
        out = np.full(len(ci), self.else_level, dtype=np.int8)
        miss = (ci < 0) | (cj < 0)
        exact = (ci == cj) & ~miss
        out[miss] = -1
        out[exact] = 0
        rest = np.flatnonzero(~(miss | exact))
        if len(rest) and self.else_level > 1:
            # Only distinct value pairs are compared (order-insensitive).
            a, b = np.minimum(ci[rest], cj[rest]), np.maximum(ci[rest], cj[rest])
            key = a * (len(uniques) + 1) + b
            ukey, inverse = np.unique(key, return_inverse=True)
            ua, ub = ukey // (len(uniques) + 1), ukey % (len(uniques) + 1)
            lv = np.asarray(self._level_of_codes(uniques, ua, ub), dtype=np.int8)
            out[rest] = lv[inverse]
        return out

    def _per_unique(self, uniques, name: str, fn):
        """``fn(uniques)``, computed once per vocabulary.

        Comparisons run in chunks over the same vocabulary (and, for swapped names, a
        second one), so per-value features are cached for the last few vocabularies.
        """
        cache = self.__dict__.setdefault("_unique_cache", {})
        entry = cache.get(id(uniques))
        if entry is None or entry[0] is not uniques:
            if len(cache) >= 4:
                cache.pop(next(iter(cache)))
            entry = cache[id(uniques)] = (uniques, {})
        if name not in entry[1]:
            entry[1][name] = fn(uniques)
        return entry[1][name]

    def _level_of_codes(self, uniques, ua, ub) -> np.ndarray:
        """Levels of value pairs ``(uniques[ua], uniques[ub])``; override to derive per-value
        features once per distinct value instead of once per pair."""
        return self._level_of(uniques[ua], uniques[ub])

    def _level_of(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Levels (>= 1) of distinct, non-equal, non-missing value pairs."""
        return np.full(len(a), self.else_level, dtype=np.int8)

    def compare(self, left: pd.Series, right: pd.Series) -> np.ndarray:
        """Levels of aligned pairs ``(left[k], right[k])``.

        Examples
        --------
        >>> from cdmkit.link.comparators import DateComparator
        >>> c = DateComparator("dob")
        >>> c.compare(pd.Series(["1980-02-03"]), pd.Series(["1980-03-02"])).tolist()
        [1]
        """
        left = self.prepare(pd.Series(left).reset_index(drop=True))
        right = self.prepare(pd.Series(right).reset_index(drop=True))
        both = pd.concat([left, right], ignore_index=True)
        codes, uniques = pd.factorize(both, use_na_sentinel=True)
        n = len(left)
        return self.levels_from_codes(np.asarray(uniques, dtype=object), codes[:n], codes[n:])

    # -- recordlinkage feature protocol ---------------------------------------------------
    def _compute_vectorized(self, s_left, s_right):
        return pd.Series(self.compare(s_left, s_right), index=getattr(s_left, "index", None))

    def _compute(self, left_on, right_on):
        """Levels of aligned data (``recordlinkage.Compare`` calls this with tuples of Series)."""
        return self._compute_vectorized(*(tuple(left_on) + tuple(right_on)))

    def compute(self, pairs, x, x_link=None):
        """Levels of the record pairs ``pairs`` (a MultiIndex) of ``x`` (and ``x_link``).

        The same call as :meth:`recordlinkage.base.BaseCompareFeature.compute`; unlike
        that one it also deduplicates on a single column (``left_on == right_on``).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"name": ["Anna", "Ana", "Bob"]})
        >>> pairs = pd.MultiIndex.from_tuples([(0, 1), (0, 2)])
        >>> from cdmkit.link.comparators import EmailComparator, NameComparator
        >>> NameComparator("name").compute(pairs, df).tolist()
        [1, 3]
        """
        if not isinstance(pairs, pd.MultiIndex) or pairs.nlevels != 2:
            raise ValueError("expected a pandas.MultiIndex of record pairs as first argument")
        right_frame = x if x_link is None else x_link
        left = x[self.labels_left].loc[pairs.get_level_values(0)]
        right = right_frame[self.labels_right].loc[pairs.get_level_values(1)]
        return pd.Series(self.compare(left, right), index=pairs, name=self.label)

    def __repr__(self):
        return f"{type(self).__name__}({self.labels_left!r}, label={self.label!r})"


@_registry.register("exact")
class ExactComparator(Comparator):
    """Exact agreement of the normalised text (``exact`` / ``else``).

    Examples
    --------
    >>> ExactComparator("region").level_names
    ['exact', 'else']
    """

    kind = "exact"
    u_exact_prior = 0.2


@_registry.register("string")
class StringComparator(Comparator):
    """Exact, then similarity thresholds of a rapidfuzz metric, then ``else``.

    Parameters
    ----------
    left_on, right_on, label
        See :class:`Comparator`.
    metric : str
        One of :data:`SIMILARITY_SCORERS`.
    thresholds : sequence of float
        Similarity lower bounds of the fuzzy levels, descending.

    Examples
    --------
    >>> c = StringComparator("city", thresholds=(0.9,))
    >>> c.compare(pd.Series(["Sydney", "Perth"]), pd.Series(["Sydnee", "Hobart"])).tolist()
    [1, 2]
    """

    kind = "string"
    u_exact_prior = 0.02

    def __init__(self, left_on, right_on=None, label=None, metric="jaro_winkler",
                 thresholds=(0.92, 0.8)):
        super().__init__(left_on, right_on, label)
        self.metric = metric
        self.thresholds = tuple(sorted((float(t) for t in thresholds), reverse=True))

    def params(self):
        out = {"thresholds": list(self.thresholds)}
        if self.metric != "jaro_winkler":
            out["metric"] = self.metric
        return out

    @property
    def level_names(self):
        return ["exact"] + [f"{self.metric}>={t:g}" for t in self.thresholds] + ["else"]

    def _level_of(self, a, b):
        sim = _similarity(a, b, self.metric)
        out = np.full(len(a), self.else_level, dtype=np.int8)
        for k, t in reversed(list(enumerate(self.thresholds, start=1))):
            out[sim >= t] = k
        return out
