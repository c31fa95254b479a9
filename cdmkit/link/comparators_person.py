"""Comparators of a person's own fields: names, birth dates, identifiers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz.distance import DamerauLevenshtein

from ..registry import comparators as _registry
from .comparator_base import Comparator, StringComparator, _distance, _similarity
from .normalize import date_key, map_unique, name_key, text_key

__all__ = ["NameComparator", "DateComparator", "IdentifierComparator"]


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

