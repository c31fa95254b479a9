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

from ..registry import comparators as _registry
from .comparator_base import SIMILARITY_SCORERS, Comparator, ExactComparator, StringComparator
from .comparators_contact import (AddressComparator, EmailComparator, PhoneComparator,
                                  PostcodeComparator)
from .comparators_person import DateComparator, IdentifierComparator, NameComparator

__all__ = ["Comparator", "ExactComparator", "StringComparator", "NameComparator",
           "DateComparator", "EmailComparator", "PhoneComparator", "PostcodeComparator",
           "AddressComparator", "IdentifierComparator", "SIMILARITY_SCORERS", "make_comparator"]



def make_comparator(kind: str, column: str, label: str | None = None, **params) -> Comparator:
    """Build a registered comparator by name (built-in or plugin).

    Examples
    --------
    >>> make_comparator("name", "first_name").level_names[0]
    'exact'
    """
    cls = _registry.get(kind)
    return cls(column, label=label or column, **params)
