"""Comparators of contact fields: e-mail, phone, postcode, address."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..registry import comparators as _registry
from .comparator_base import Comparator, StringComparator, _distance, _similarity
from .normalize import digits_key, email_key, map_unique, text_key

__all__ = ["EmailComparator", "PhoneComparator", "PostcodeComparator", "AddressComparator"]


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
