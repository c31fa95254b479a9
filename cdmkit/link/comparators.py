"""Built-in comparators: multi-level field comparisons (registry ``cdmkit.registry.comparators``).

A comparator turns a pair of values into a *comparison level*: ``-1`` when
either value is missing, ``0`` for an exact match of the normalised values,
then increasingly distant levels, the last one being ``else``. Level names are
in :attr:`Comparator.level_names` (best first).

String similarity is computed by rapidfuzz's C++ batch functions
(:func:`rapidfuzz.process.cpdist`) on the *distinct* value pairs only, so the
cost grows with the number of distinct pairs, never with a Python loop per pair.

Every comparator implements the feature protocol of recordlinkage's
:class:`~recordlinkage.base.BaseCompareFeature` (``labels_left``, ``labels_right``,
``label``, ``_compute``, ``compute``), so it can be added to a ``recordlinkage.Compare``
object; it does not import recordlinkage (and with it scikit-learn) until ``compute`` is
called on its own, which keeps ``cdmkit dedupe`` quick to start::

    comp = recordlinkage.Compare()
    comp.add(NameComparator("given_name", label="first_name"))

Third-party comparators register under the entry-point group ``cdmkit.comparators``.

Examples
--------
>>> import pandas as pd
>>> c = NameComparator("first_name")
>>> c.compare(pd.Series(["Anna", "Anna", "Jon", None]),
...           pd.Series(["anna", "Ana", "Peter", "x"])).tolist()
[0, 1, 3, -1]
>>> c.level_names
['exact', 'jaro_winkler>=0.92', 'jaro_winkler>=0.8', 'else']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein, Jaro, JaroWinkler, Levenshtein

from ..registry import comparators as _registry
from .normalize import date_key, digits_key, email_key, map_unique, name_key, text_key

__all__ = ["Comparator", "ExactComparator", "StringComparator", "NameComparator",
           "DateComparator", "EmailComparator", "PhoneComparator", "PostcodeComparator",
           "AddressComparator", "IdentifierComparator", "SIMILARITY_SCORERS", "make_comparator"]

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
        >>> NameComparator("n").counted_u(u, np.array([0, 0, 1, 1]), agreement_share)
        {0: 0.3333333333333333}
        """
        return {0: agreement(np.asarray(codes, dtype=np.int64))}

    def params(self) -> dict:
        """Parameters that rebuild the comparator (saved in linkage settings).

        Examples
        --------
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


@_registry.register("name")
class NameComparator(StringComparator):
    """Person-name comparison on transliteration-insensitive keys (Jaro-Winkler levels).

    Keys fold case, accents, full/half-width forms, katakana/hiragana and the
    Arabic/Persian letter variants (see :func:`cdmkit.link.normalize.name_key`).
    With ``nicknames=True`` (inferred settings use it for first names) a level
    ``nickname`` sits after the closest Jaro-Winkler level: common diminutives
    (Bill/William, Peggy/Margaret, ...) that string similarity misses; and a level
    ``initial`` before ``else`` (``J`` against ``John``), so that ``else`` means a
    clearly different given name (siblings, twins: see
    :data:`cdmkit.link.households.FAMILY_RULES`).

    Examples
    --------
    >>> NameComparator("last_name").compare(pd.Series(["ﾀﾅｶ"]), pd.Series(["タナカ"])).tolist()
    [0]
    >>> c = NameComparator("first_name", nicknames=True)
    >>> c.level_names
    ['exact', 'jaro_winkler>=0.92', 'nickname', 'jaro_winkler>=0.8', 'initial', 'else']
    >>> c.compare(pd.Series(["Bill", "Peggy", "J.", "Anna"]),
    ...           pd.Series(["William", "Margaret", "John", "Sofia"])).tolist()
    [2, 2, 4, 5]
    """

    kind = "name"
    u_exact_prior = 0.01
    tf_default = True

    def __init__(self, left_on, right_on=None, label=None, metric="jaro_winkler",
                 thresholds=(0.92, 0.8), nicknames=False):
        super().__init__(left_on, right_on, label, metric=metric, thresholds=thresholds)
        self.nicknames = bool(nicknames)

    def params(self):
        out = super().params()
        if self.nicknames:
            out["nicknames"] = True
        return out

    @property
    def level_names(self):
        names = super().level_names
        if self.nicknames:
            names.insert(2, "nickname")
            names.insert(len(names) - 1, "initial")
        return names

    def prepare(self, values):
        return map_unique(values, name_key)

    def _level_of_codes(self, uniques, ua, ub):
        out = self._same_script_levels(uniques, ua, ub)
        # Across scripts string similarity means nothing: Persian or kana against Latin
        # is compared by consonant skeleton (بهاره = Bahareh: level 1); kanji against
        # anything else cannot be compared at all (missing, not a disagreement).
        from .scripts import name_script, skeleton

        script = self._per_unique(uniques, "script", lambda us: np.array(
            [name_script(u) for u in us], dtype=object))
        sa, sb = script[ua], script[ub]
        diff = (sa != sb) & (sa != "") & (sb != "")
        if diff.any():
            k = np.flatnonzero(diff)
            kanji = (sa[k] == "H") | (sb[k] == "H")
            skel = self._per_unique(uniques, "skeleton", lambda us: np.array(
                [skeleton(u) for u in us], dtype=object))
            same = (skel[ua[k]] == skel[ub[k]]) & (skel[ua[k]] != "")
            out = out.astype(np.int8)
            out[k[same & ~kanji]] = 1
            out[k[kanji]] = -1
        return out

    def _same_script_levels(self, uniques, ua, ub):
        if not self.nicknames:
            return super()._level_of_codes(uniques, ua, ub)
        from .nicknames import canonical_name

        sim = _similarity(uniques[ua], uniques[ub], self.metric)
        canon = self._per_unique(uniques, "canonical", lambda us: np.array(
            [canonical_name(u) for u in us], dtype=object))
        nick = canon[ua] == canon[ub]
        out = np.full(len(ua), self.else_level, dtype=np.int8)
        t = self.thresholds
        # levels: 1 = first threshold, 2 = nickname, 3.. = further thresholds
        for k in range(len(t) - 1, 0, -1):
            out[sim >= t[k]] = k + 2
        # an initial (``J``, ``J.``) against a name starting with that letter
        a, b = uniques[ua].astype(str), uniques[ub].astype(str)
        la, lb = np.char.str_len(a), np.char.str_len(b)
        first_a = np.array([x[:1] for x in a], dtype=object)
        first_b = np.array([x[:1] for x in b], dtype=object)
        initial = ((la == 1) | (lb == 1)) & (first_a == first_b) & (la > 0) & (lb > 0)
        out[initial & (out == self.else_level)] = self.else_level - 1
        out[nick] = 2
        out[sim >= t[0]] = 1
        return out


@_registry.register("date")
class DateComparator(Comparator):
    """Dates: exact, day and month swapped, one digit off, same year, under 15 years apart,
    else (15 or more years apart: another generation, see
    :data:`cdmkit.link.households.FAMILY_RULES`).

    A year digit typed wrong can move a date by decades (1955 / 1985); that is still
    ``else`` here, since a parent and a child of one name at one address are far
    more common than such a typo in both of two otherwise matching records.

    Examples
    --------
    >>> DateComparator("dob").compare(pd.Series(["19800203", "19800203", "19800203"]),
    ...                               pd.Series(["19800208", "19811111", "19501111"])).tolist()
    [2, 4, 5]
    """

    kind = "date"
    u_exact_prior = 0.001
    #: Years between two birth dates from which they belong to different generations.
    GENERATION_YEARS = 15

    @property
    def level_names(self):
        return ["exact", "day_month_swapped", "one_digit_off", "same_year",
                f"under_{self.GENERATION_YEARS}_years_apart", "else"]

    def m_prior(self):
        """Matches rarely lie a generation apart (see :meth:`Comparator.m_prior`).

        Examples
        --------
        >>> DateComparator("d").m_prior().round(3).tolist()
        [0.85, 0.053, 0.027, 0.013, 0.056, 0.001]
        """
        m = super().m_prior()
        m[-2] += m[-1] - 0.001
        m[-1] = 0.001
        return m

    def prepare(self, values):
        return date_key(values)

    def _level_of_codes(self, uniques, ua, ub):
        def features(us):
            su = pd.Series(us, dtype=str)
            return (pd.factorize(su.str[:4])[0],
                    (su.str[:4] + su.str[6:8] + su.str[4:6]).to_numpy())

        def years(us):
            y = pd.to_numeric(pd.Series(us, dtype=str).str[:4], errors="coerce")
            return y.to_numpy(dtype=float)

        year, swap = self._per_unique(uniques, "year_swap", features)
        year_num = self._per_unique(uniques, "year_num", years)
        swapped = swap[ua] == uniques[ub].astype(str)
        one_off = _distance(uniques[ua], uniques[ub]) <= 1
        same_year = year[ua] == year[ub]
        apart = np.abs(year_num[ua] - year_num[ub])
        out = np.full(len(ua), 5, dtype=np.int8)
        out[~(apart >= self.GENERATION_YEARS)] = 4  # NaN years: not a generation apart
        out[same_year] = 3
        out[one_off & (out != 5)] = 2
        out[swapped] = 1
        return out


@_registry.register("email")
class EmailComparator(Comparator):
    """E-mail: exact, same local part (other domain), similar local part, else.

    Local parts are similar by Levenshtein similarity (edits over length), not by
    Jaro-Winkler, whose bonus for a common prefix makes ``sara.kazemi`` and
    ``sara.karimi`` - two people of one first name - look alike.

    With ``name_level=True`` (inferred settings) the same local part has two levels:
    ``same_local_part`` for a local part with digits or other marks of its own
    (``ann.lee82``), and the weaker ``same_local_part_name_only`` for one made of letters
    only (``ann.lee``, ``alee``): it only spells the name, which namesakes share and
    which the name comparisons already weigh.

    Examples
    --------
    >>> EmailComparator("email").compare(pd.Series(["ann@a.com", "ann.leeson@a.com"]),
    ...                                  pd.Series(["ann@b.org", "annleeson@a.com"])).tolist()
    [1, 2]
    >>> c = EmailComparator("email", name_level=True)
    >>> c.compare(pd.Series(["ann.lee@a.com", "ann.lee7@a.com"]),
    ...           pd.Series(["ann.lee@b.org", "ann.lee7@b.org"])).tolist()
    [2, 1]
    """

    kind = "email"
    u_exact_prior = 0.0005
    tf_default = True
    #: Local parts that look like a household's shared address (``smith.family``, ``thesmiths``).
    SHARED_LOCAL = r"family|^the[a-z]+s\d*$|^(?:info|home|contact|mail)\d*$"
    #: Local parts that only spell a name: letters, in words joined by ``.``, ``_`` or ``-``.
    NAME_LOCAL = r"^[^\W\d_]+(?:[._-][^\W\d_]+)*$"

    def __init__(self, left_on, right_on=None, label=None, threshold=0.88, shared_level=False,
                 name_level=False):
        super().__init__(left_on, right_on, label)
        self.threshold = float(threshold)
        self.shared_level = bool(shared_level)
        self.name_level = bool(name_level)

    def params(self):
        out = {"threshold": self.threshold}
        if self.shared_level:
            out["shared_level"] = True
        if self.name_level:
            out["name_level"] = True
        return out

    @property
    def level_names(self):
        names = ["exact", "same_local_part", f"local_part_levenshtein>={self.threshold:g}",
                 "else"]
        if self.name_level:
            names.insert(2, "same_local_part_name_only")
        if self.shared_level:  # an exact family address is weaker evidence of one person
            names.insert(1, "exact_shared_address")
        return names

    @property
    def u_given(self) -> dict:
        """A local part that only spells the name is no rarer than the name among people of
        that first name: its u is counted among pairs whose first names agree."""
        return {"same_local_part_name_only": "first_name"} if self.name_level else {}

    def _local_features(self, uniques):
        """Per distinct e-mail: local part, its code, shared-address and name-only flags.

        With ``name_level``, a name-only local part is coded by its letters alone:
        ``stanley.woodward`` and ``stanleywoodward`` spell one name, the same local part.
        """
        def features(us):
            local = pd.Series(us, dtype=str).str.split("@").str[0]
            name_only = local.str.match(self.NAME_LOCAL).to_numpy()
            key = local.where(~name_only, local.str.replace(r"[._-]", "", regex=True)) \
                if self.name_level else local
            return (local.to_numpy(dtype=object), pd.factorize(key)[0],
                    local.str.contains(self.SHARED_LOCAL, regex=True).to_numpy(), name_only)
        return self._per_unique(uniques, "local_features", features)

    def counted_u(self, uniques, codes, agreement):
        """Exact levels and the same-local-part levels from value counts.

        Examples
        --------
        >>> from cdmkit.link.fellegi_sunter import agreement_share
        >>> u = np.array(["a7@x", "a7@y", "b@z"], dtype=object)
        >>> out = EmailComparator("e").counted_u(u, np.array([0, 0, 1, 2]), agreement_share)
        >>> {k: round(v, 3) for k, v in out.items()}
        {0: 0.167, 1: 0.333}
        """
        codes = np.asarray(codes, dtype=np.int64)
        if not len(uniques):
            return {0: 0.0}
        local, lcode, shared, name_only = self._local_features(uniques)
        present = codes >= 0
        rc = np.maximum(codes, 0)
        lc = np.where(present, lcode[rc], -1)
        names = self.level_names
        out = {}
        exact_all = agreement(codes)
        if self.shared_level:
            sh = present & shared[rc]
            out[names.index("exact_shared_address")] = agreement(np.where(sh, codes, -1))
            out[0] = exact_all - out[names.index("exact_shared_address")]
        else:
            out[0] = exact_all
        if self.name_level:
            nm = present & name_only[rc]
            out[names.index("same_local_part_name_only")] = max(
                agreement(np.where(nm, lc, -1)) - agreement(np.where(nm, codes, -1)), 0.0)
            out[names.index("same_local_part")] = max(
                agreement(np.where(~nm, lc, -1)) - agreement(np.where(~nm, codes, -1)), 0.0)
        else:
            out[names.index("same_local_part")] = max(agreement(lc) - exact_all, 0.0)
        return out

    def tf_keys(self, values: pd.Series) -> dict:
        """Values whose frequency adjusts each level's weight: the local part for the
        same-local-part levels (a ``j.smith`` that namesakes share counts less than a rare
        one). Exact addresses are not adjusted: nearly every repeat of a personal address
        is the same person, so its frequency says little about strangers sharing it.

        Examples
        --------
        >>> k = EmailComparator("e").tf_keys(pd.Series(["J.Smith@x.org", None]))
        >>> sorted(k), k[1].tolist()
        ([1], ['j.smith', None])
        """
        email = self.prepare(pd.Series(values).reset_index(drop=True))
        local = email.str.split("@").str[0]
        local = local.where(email.notna(), None)
        names = self.level_names
        out = {names.index("same_local_part"): local}
        if self.name_level:
            out[names.index("same_local_part_name_only")] = local
        return out

    def prepare(self, values):
        return map_unique(values, email_key)

    def levels_from_codes(self, uniques, ci, cj):
        """Levels; with ``shared_level`` exact agreement on a family-looking address has its
        own level.

        Examples
        --------
        >>> c = EmailComparator("e", shared_level=True)
        >>> c.compare(pd.Series(["thelees@x.com", "ann@x.com"]),
        ...           pd.Series(["thelees@x.com", "ann@x.com"])).tolist()
        [1, 0]
        """
        out = super().levels_from_codes(uniques, ci, cj)
        if self.shared_level and len(uniques):
            shared = self._local_features(uniques)[2]
            ci = np.asarray(ci, dtype=np.int64)
            out = np.where(out > 0, out + 1, out).astype(np.int8)
            out[(out == 0) & shared[np.maximum(ci, 0)]] = 1
        return out

    def _level_of_codes(self, uniques, ua, ub):
        local, lcode, _, name_only = self._local_features(uniques)
        la, lb = local[ua], local[ub]
        step = int(self.name_level)
        out = np.full(len(ua), 3 + step, dtype=np.int8)
        similar = _similarity(la, lb, "levenshtein") >= self.threshold
        out[similar] = 2 + step
        same = lcode[ua] == lcode[ub]
        out[same] = 1
        if self.name_level:
            both_names = name_only[ua] & name_only[ub]
            out[same & both_names] = 2
            # Two local parts that only spell names and are alike but not the same are
            # two similar names (``sara.karimi`` / ``sara.karami``): how alike the names
            # are is the name comparisons' evidence, not the e-mail's (missing, not else).
            # So are one name with two different numbers (``billy.duffy13`` /
            # ``billy.duffy23``: namesakes number their addresses apart).
            out[similar & ~same & (both_names | self._other_numbers(uniques, ua, ub))] = -1
        return out

    def _other_numbers(self, uniques, ua, ub):
        """Local parts of the same letters whose digits differ (neither extends the other)."""
        def parts(us):
            local = pd.Series(self._local_features(us)[0], dtype=str)
            return (local.str.replace(r"[^\w]|[\d_]", "", regex=True).to_numpy(dtype=object),
                    local.str.replace(r"\D", "", regex=True).to_numpy(dtype=object))
        letters, digits = self._per_unique(uniques, "letters_digits", parts)
        da, db = digits[ua], digits[ub]
        extends = np.array([a.startswith(b) or b.startswith(a) for a, b in zip(da, db)],
                           dtype=bool)
        return (letters[ua] == letters[ub]) & (da != "") & (db != "") & ~extends


@_registry.register("phone")
class PhoneComparator(Comparator):
    """Phone numbers on their digits: exact, same last 8 digits, one digit off, else.

    Examples
    --------
    >>> a = pd.Series(["+44 20 7946 0018", "020 7946 0018", "5551234"])
    >>> b = pd.Series(["+442079460018", "+442079460018", "5551235"])
    >>> PhoneComparator("phone").compare(a, b).tolist()
    [0, 1, 2]
    """

    kind = "phone"
    u_exact_prior = 0.0005

    @property
    def level_names(self):
        return ["exact", "same_last_8_digits", "one_digit_off", "else"]

    def prepare(self, values):
        return map_unique(values, lambda v: digits_key(v) or None)

    def _tail8(self, uniques):
        def features(us):
            su = pd.Series(us, dtype=str)
            return pd.factorize(su.str[-8:])[0], (su.str.len() >= 8).to_numpy()

        return self._per_unique(uniques, "tail8", features)

    def counted_u(self, uniques, codes, agreement):
        """Exact and same-last-8-digits levels from value counts.

        Examples
        --------
        >>> from functools import partial
        >>> from cdmkit.link.fellegi_sunter import agreement_share
        >>> u = np.array(["4420794600", "0020794600", "123"], dtype=object)
        >>> codes = np.array([0, 1, 2, 2])
        >>> agree = partial(agreement_share, present=codes >= 0)   # N: all four records
        >>> out = PhoneComparator("p").counted_u(u, codes, agree)
        >>> {k: round(v, 3) for k, v in out.items()}
        {0: 0.167, 1: 0.167}
        """
        codes = np.asarray(codes, dtype=np.int64)
        if not len(uniques):
            return {0: 0.0}
        tail8, long_enough = self._tail8(uniques)
        rc = np.maximum(codes, 0)
        long = (codes >= 0) & long_enough[rc]
        return {0: agreement(codes),
                1: max(agreement(np.where(long, tail8[rc], -1))
                       - agreement(np.where(long, codes, -1)), 0.0)}

    def _level_of_codes(self, uniques, ua, ub):
        tail8, long_enough = self._tail8(uniques)
        out = np.full(len(ua), 3, dtype=np.int8)
        out[_distance(uniques[ua], uniques[ub]) <= 1] = 2
        tail = (tail8[ua] == tail8[ub]) & long_enough[ua]
        out[tail] = 1
        return out


@_registry.register("postcode")
class PostcodeComparator(Comparator):
    """Postal codes: exact, one character off, same first three characters, else.

    Examples
    --------
    >>> PostcodeComparator("postcode").compare(pd.Series(["2600", "SW1A 1AA"]),
    ...                                        pd.Series(["2601", "SW1B 2BB"])).tolist()
    [1, 2]
    """

    kind = "postcode"
    u_exact_prior = 0.01

    @property
    def level_names(self):
        return ["exact", "one_char_off", "same_prefix", "else"]

    def prepare(self, values):
        return map_unique(values, lambda v: text_key(v).replace(" ", "") or None)

    def _level_of_codes(self, uniques, ua, ub):
        def features(us):
            su = pd.Series(us, dtype=str)
            return pd.factorize(su.str[:3])[0], (su.str.len() >= 4).to_numpy()

        prefix, long_enough = self._per_unique(uniques, "prefix", features)
        out = np.full(len(ua), 3, dtype=np.int8)
        out[(prefix[ua] == prefix[ub]) & long_enough[ua]] = 2
        out[_distance(uniques[ua], uniques[ub]) <= 1] = 1
        return out


@_registry.register("address")
class AddressComparator(StringComparator):
    """Street addresses: exact, then token-sort similarity levels (word order insensitive).

    Examples
    --------
    >>> AddressComparator("street").compare(pd.Series(["12 Baker Street"]),
    ...                                     pd.Series(["Baker Street 12"])).tolist()
    [1]
    """

    kind = "address"
    u_exact_prior = 0.001

    def __init__(self, left_on, right_on=None, label=None, metric="token_sort",
                 thresholds=(0.9, 0.75)):
        super().__init__(left_on, right_on, label, metric=metric, thresholds=thresholds)

    def params(self):
        out = {"thresholds": list(self.thresholds)}
        if self.metric != "token_sort":
            out["metric"] = self.metric
        return out


@_registry.register("identifier")
class IdentifierComparator(Comparator):
    """Identifiers (national ID, account numbers): exact, one edit (incl. transposition), else.

    Examples
    --------
    >>> IdentifierComparator("national_id").compare(pd.Series(["1234567"]),
    ...                                             pd.Series(["1243567"])).tolist()
    [1]
    """

    kind = "identifier"
    u_exact_prior = 0.0001

    @property
    def level_names(self):
        return ["exact", "one_edit", "else"]

    def prepare(self, values):
        return map_unique(values, lambda v: text_key(v).replace(" ", "") or None)

    def _level_of(self, a, b):
        out = np.full(len(a), 2, dtype=np.int8)
        out[_distance(a, b, DamerauLevenshtein.distance) <= 1] = 1
        return out


def make_comparator(kind: str, column: str, label: str | None = None, **params) -> Comparator:
    """Build a registered comparator by name (built-in or plugin).

    Examples
    --------
    >>> make_comparator("name", "first_name").level_names[0]
    'exact'
    """
    cls = _registry.get(kind)
    return cls(column, label=label or column, **params)
