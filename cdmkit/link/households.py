"""Households: different customers who share a surname and address, a landline or an e-mail.

A household is a grouping, never a duplicate: family members keep their own
customer IDs and get a common ``household_id``. Customers are connected when
their records agree on all keys of any household rule (normalised values);
key groups with more than ``max_size`` customers are ignored (shared office
numbers, generic e-mails). The household ID is ``H`` + the number of its
smallest customer ID, so it is as stable as the customer IDs.

Examples
--------
>>> import pandas as pd
>>> rec = pd.DataFrame({"last_name": ["Lee", "LEE", "Kim"], "street": ["1 Main St"] * 3,
...                     "postcode": ["2000"] * 3})
>>> assign_households(rec, ["C01", "C02", "C03"]).tolist()
['H01', 'H01', 'H03']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .blocking import rule_keys
from .clustering import components
from .normalize import digits_key, email_key, map_unique, name_key, text_key

__all__ = ["assign_households", "DEFAULT_HOUSEHOLD_RULES", "household_keys", "FAMILY_RULES",
           "FAMILY_PENALTY", "family_rules", "family_exemptions"]

#: Pairs that are relatives, never one person, whatever else they share: (rule name,
#: comparator kind, level name). Twins share a surname, an address, a landline and a birth
#: date, but not a given name; a father and son of one name at one address were born a
#: generation apart. ``else`` of a first-name comparison with nickname and initial levels
#: means a clearly different name (not ``Bill``/``William``, not ``J``/``John``, not a
#: typo); ``else`` of a date comparison means 15 or more years apart.
FAMILY_RULES = [
    ("different first name (a relative, not the same person)", "first_name", "name", "else"),
    ("born a generation apart (15+ years)", "birth_date", "date", "else"),
]

#: Bits a family rule takes from a pair's weight: more than any agreement can add.
FAMILY_PENALTY = 60.0

#: Keys that put customers in one household (each rule used only when its columns exist).
DEFAULT_HOUSEHOLD_RULES = [
    ["last_name", "street", "postcode"],
    ["last_name", "phone"],
    ["email"],
    ["phone", "street"],
]

_NORMALISERS = {"first_name": name_key, "last_name": name_key, "full_name": name_key,
                "email": email_key, "phone": digits_key}


def household_keys(records: pd.DataFrame, columns) -> pd.DataFrame:
    """Normalised key columns for household rules.

    Examples
    --------
    >>> household_keys(pd.DataFrame({"email": ["A@x.org "]}), ["email"])["email"].tolist()
    ['a@x.org']
    """
    out = pd.DataFrame(index=range(len(records)))
    for col in columns:
        fn = _NORMALISERS.get(col, text_key)
        out[col] = map_unique(records[col].reset_index(drop=True), fn).to_numpy()
    return out


def assign_households(records: pd.DataFrame, customer_ids, rules=None, max_size: int = 12,
                      prefix: str = "H") -> np.ndarray:
    """Household ID of each record (same for every record of one customer).

    Parameters
    ----------
    records : DataFrame
        Records with canonical columns.
    customer_ids : array-like of str
        Global customer ID of each record.
    rules : list of list of str, optional
        Household rules (default :data:`DEFAULT_HOUSEHOLD_RULES`).
    max_size : int
        Key groups with more customers than this are ignored.
    prefix : str
        Household ID prefix.

    Returns
    -------
    ndarray of str

    Examples
    --------
    >>> rec = pd.DataFrame({"email": ["fam@x.org", "FAM@x.org", "me@y.org"]})
    >>> assign_households(rec, ["C7", "C3", "C5"]).tolist()
    ['H3', 'H3', 'H5']
    """
    cids = pd.Series(np.asarray(customer_ids, dtype=object))
    ccode, cuniq = pd.factorize(cids)
    m = len(cuniq)
    rules = [r for r in (rules or DEFAULT_HOUSEHOLD_RULES) if all(c in records for c in r)]
    cols = sorted({c for r in rules for c in r})
    keys = household_keys(records, cols) if cols else pd.DataFrame(index=range(len(records)))
    edges = []
    for rule in rules:
        codes = rule_keys(keys, rule)
        ok = codes >= 0
        d = pd.DataFrame({"k": codes[ok], "c": ccode[ok]}).drop_duplicates()
        size = d.groupby("k")["c"].transform("size")
        d = d[(size > 1) & (size <= max_size)]
        if not len(d):
            continue
        first = d.groupby("k")["c"].transform("min")
        edges.append(np.column_stack([first.to_numpy(), d["c"].to_numpy()]))
    pairs = np.concatenate(edges) if edges else np.empty((0, 2), dtype=np.int64)
    hh = components(m, pairs)
    # Name each household after its smallest customer ID.
    order = np.argsort(np.asarray(cuniq, dtype=str), kind="stable")
    rank = np.empty(m, dtype=np.int64)
    rank[order] = np.arange(m)
    best = np.full(hh.max() + 1 if m else 0, m, dtype=np.int64)
    np.minimum.at(best, hh, rank)
    names = np.asarray(cuniq, dtype=str)[order][best]
    digits = pd.Series(names).str.replace(r"^\D+", "", regex=True)
    hh_names = (prefix + digits).to_numpy()
    return hh_names[hh[ccode]]


def family_rules(settings, comparators) -> list[dict]:
    """The :data:`FAMILY_RULES` that apply to these comparisons, for ``model.family_rules_``.

    A first-name rule needs the nickname comparator (with its ``initial`` level), so
    that ``else`` is a clearly different name.

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.link.settings import infer_settings
    >>> s = infer_settings(pd.DataFrame({"first_name": ["a"], "birth_date": ["1980-01-01"]}))
    >>> [(r["name"][:20], r["level"]) for r in family_rules(s, [c.build() for c in s.comparisons])]
    [('different first name', 5), ('born a generation ap', 5)]
    """
    out = []
    for name, column, kind, level in FAMILY_RULES:
        for k, (spec, comp) in enumerate(zip(settings.comparisons, comparators)):
            if spec.column != column or spec.comparator != kind:
                continue
            if kind == "name" and "initial" not in comp.level_names:
                continue
            if level in comp.level_names:
                out.append({"name": name, "comparison": k,
                            "level": comp.level_names.index(level)})
    return out


def family_exemptions(settings, comparators) -> list[dict]:
    """Identifier comparisons whose agreement (exact or one edit) overrides the family rules.

    Relatives never share a national ID; when one agrees, a different given name or
    birth date is an error in one record (``model.family_exempt_``).

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.link.settings import infer_settings
    >>> s = infer_settings(pd.DataFrame({"first_name": ["a"], "national_id": ["1"]}))
    >>> family_exemptions(s, [c.build() for c in s.comparisons])
    [{'comparison': 1, 'levels': [0, 1]}]
    """
    return [{"comparison": k, "levels": [lv for lv, n in enumerate(comp.level_names)
                                         if n != "else"]}
            for k, (spec, comp) in enumerate(zip(settings.comparisons, comparators))
            if spec.comparator == "identifier"]
