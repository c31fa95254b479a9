"""Linkage settings: blocking rules and comparisons, inferred from the canonical columns present.

:class:`LinkageSettings` is a plain dataclass that round-trips through JSON, so
a model can be saved next to its results and reloaded. :func:`infer_settings`
picks blocking rules and comparisons from the columns of the collection
stage's ``customers`` table (or any frame with recognisable column names, see
:func:`canonicalize_columns`); every choice can be overridden in the client
YAML (:class:`cdmkit.config.LinkageConfig`).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame(columns=["source", "record_id", "first_name", "last_name", "email"])
>>> s = infer_settings(df)
>>> [c.name for c in s.comparisons]
['first_name', 'last_name', 'email']
>>> LinkageSettings.from_json(s.to_json()) == s
True
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from functools import partial

import pandas as pd

from ..errors import InputError

__all__ = ["BlockingRule", "ComparisonSpec", "LinkageSettings", "infer_settings",
           "canonicalize_columns", "DEFAULT_COMPARATORS", "SHARED_FIELDS", "PERSONAL_FIELDS"]

#: Fields family members often share (the *same household* class of the EM model). Not
#: e-mail: relatives share a family address (its own, weaker level) but not a personal
#: one, and relatives who do share one are kept apart by the family rules
#: (:data:`cdmkit.link.households.FAMILY_RULES`); counted as shared, an exact personal
#: e-mail would be explained away as "same household" in records with little else.
SHARED_FIELDS = frozenset({"last_name", "street", "address_line2", "postcode", "city", "region",
                           "country", "phone"})

#: Fields that belong to one person and rarely change: a training session whose match
#: class often disagrees on one of them has settled on namesakes or relatives.
PERSONAL_FIELDS = frozenset({"first_name", "middle_name", "birth_date", "national_id"})

#: Comparator used for each canonical field when settings are inferred (in this order).
DEFAULT_COMPARATORS = {
    "first_name": "name",
    "middle_name": "name",
    "last_name": "name",
    "full_name": "name",
    "birth_date": "date",
    "email": "email",
    "phone": "phone",
    "national_id": "identifier",
    "street": "address",
    "address_line2": "address",
    "city": "string",
    "postcode": "postcode",
    "region": "exact",
    "gender": "exact",
}

#: Comparator options used when settings are inferred.
_DEFAULT_PARAMS = {"first_name": {"nicknames": True}, "middle_name": {"nicknames": True},
                   "email": {"shared_level": True, "name_level": True}}

#: Comparator kinds whose weights are term-frequency adjusted when settings are inferred:
#: names, and e-mails (a ``j.smith`` local part shared by namesakes counts less than a
#: rare one).
_TF_KINDS = ("name", "email")

_KEY_RE = re.compile(r"^(?P<col>[A-Za-z_][\w]*)(\[:(?P<n>\d+)\])?$")


@dataclass(frozen=True)
class BlockingRule:
    """Records agreeing on every key of ``on`` become candidate pairs.

    Parameters
    ----------
    on : tuple of str
        Keys: ``column`` or ``column[:n]`` (first ``n`` characters of the normalised value).
    method : str
        ``exact``, ``sorted_neighbourhood`` or ``cross``: ``on`` names two columns of
        space-separated tokens; a record pairs with every record holding one of its
        ``on[0]`` tokens among its ``on[1]`` tokens (e.g. a surname inside an e-mail).
    window : int
        Window of the sorted-neighbourhood method.
    name : str, optional
        Label in reports.

    Examples
    --------
    >>> BlockingRule(("birth_date", "last_name[:1]")).label
    'birth_date & last_name[:1]'
    >>> BlockingRule(("last_name", "first_name"), "sorted_neighbourhood", 7).label
    'sorted(last_name, first_name; window 7)'
    """

    on: tuple[str, ...]
    method: str = "exact"
    window: int = 5
    name: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "on", tuple(self.on))
        for key in self.on:
            if not _KEY_RE.match(key):
                raise ValueError(f"blocking key {key!r} must be 'column' or 'column[:n]'")
        if self.method not in ("exact", "sorted_neighbourhood", "cross"):
            raise ValueError(f"blocking method {self.method!r}: use exact, "
                             "sorted_neighbourhood or cross")
        if self.method == "cross" and len(self.on) != 2:
            raise ValueError("a cross blocking rule needs two token columns")

    @property
    def columns(self) -> list[str]:
        """Columns the rule reads."""
        return [_KEY_RE.match(k)["col"] for k in self.on]

    @property
    def label(self) -> str:
        """Name shown in reports."""
        if self.name:
            return self.name
        if self.method == "sorted_neighbourhood":
            return f"sorted({', '.join(self.on)}; window {self.window})"
        if self.method == "cross":
            return f"{self.on[0]} in {self.on[1]}"
        return " & ".join(self.on)


@dataclass(frozen=True)
class ComparisonSpec:
    """One comparison: a registered comparator applied to a column.

    Examples
    --------
    >>> ComparisonSpec("dob", "date", "birth_date").build().level_names[1]
    'day_month_swapped'
    """

    name: str
    comparator: str
    column: str
    params: dict = field(default_factory=dict, hash=False)
    tf_adjust: bool = False

    def build(self):
        """The comparator object (from the ``cdmkit.comparators`` registry)."""
        from .comparators import make_comparator

        return make_comparator(self.comparator, self.column, label=self.name, **self.params)


#: Options a :class:`LinkageSettings` shares with the stage config
#: (:class:`cdmkit.config.LinkageConfig`). The config is their one source - defaults and
#: validation live there; settings copy them when built (:meth:`LinkageSettings.from_config`)
#: and keep them so that a saved model scores as it was trained.
CONFIG_OPTIONS = ("link_type", "threshold", "name_swaps")


def config_default(name: str):
    """Default of a :data:`CONFIG_OPTIONS` option, read from the stage config's field.

    Examples
    --------
    >>> config_default("threshold")
    0.5
    """
    from ..config.linkage import LinkageConfig

    return LinkageConfig.model_fields[name].default


@dataclass
class LinkageSettings:
    """Everything that defines how records are paired, compared and linked.

    ``link_type``, ``threshold`` and ``name_swaps`` default to the stage config's
    defaults (:data:`CONFIG_OPTIONS`); build from a config with :meth:`from_config`.

    Examples
    --------
    >>> s = LinkageSettings([BlockingRule(("email",))], [ComparisonSpec("email", "email", "email")])
    >>> LinkageSettings.from_dict(s.to_dict()).blocking_rules[0].label
    'email'
    """

    blocking_rules: list[BlockingRule]
    comparisons: list[ComparisonSpec]
    link_type: str = field(default_factory=partial(config_default, "link_type"))
    threshold: float = field(default_factory=partial(config_default, "threshold"))
    #: Compare first and last names crosswise where that fits much better (names swapped).
    name_swaps: bool = field(default_factory=partial(config_default, "name_swaps"))
    #: Latin readings of kanji names learned in training (``{"surnames": {kanji: latin},
    #: "given": {...}}``, :func:`cdmkit.link.crossname.learn_name_readings`); kept with a
    #: saved model so that new records do not change how existing ones are read.
    name_readings: dict = field(default_factory=dict)

    @classmethod
    def from_config(cls, blocking_rules, comparisons, config) -> "LinkageSettings":
        """Settings with the config's :data:`CONFIG_OPTIONS`.

        Examples
        --------
        >>> from cdmkit.config.linkage import LinkageConfig
        >>> LinkageSettings.from_config([], [], LinkageConfig(threshold=0.9)).threshold
        0.9
        """
        return cls(blocking_rules, comparisons, **{k: getattr(config, k) for k in CONFIG_OPTIONS})

    def to_dict(self) -> dict:
        """Plain data (JSON-ready)."""
        d = asdict(self)
        for r in d["blocking_rules"]:
            r["on"] = list(r["on"])
        return d

    def to_json(self, path=None) -> str:
        """JSON text; also written to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        if path is not None:
            from pathlib import Path

            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    @classmethod
    def from_dict(cls, d: dict) -> "LinkageSettings":
        """Rebuild from :meth:`to_dict` output."""
        return cls(blocking_rules=[BlockingRule(**r) for r in d["blocking_rules"]],
                   comparisons=[ComparisonSpec(**c) for c in d["comparisons"]],
                   name_readings=d.get("name_readings", {}),
                   **{k: d[k] if k in d else config_default(k) for k in CONFIG_OPTIONS})

    @classmethod
    def from_json(cls, text_or_path) -> "LinkageSettings":
        """Rebuild from JSON text or a JSON file."""
        from pathlib import Path

        text = str(text_or_path)
        if not text.lstrip().startswith("{"):
            text = Path(text).read_text(encoding="utf-8")
        return cls.from_dict(json.loads(text))


def _present(df: pd.DataFrame, col: str, min_share: float = 0.05) -> bool:
    if col not in df.columns:
        return False
    if len(df) == 0:
        return True
    s = df[col]
    filled = s.notna() & (s.astype("string").str.strip().fillna("") != "")
    return filled.mean() >= min_share


def infer_settings(df: pd.DataFrame, config=None) -> LinkageSettings:
    """Blocking rules and comparisons for the canonical columns of ``df``.

    Parameters
    ----------
    df : DataFrame
        Records with canonical column names (the ``customers`` table).
    config : LinkageConfig, optional
        Overrides: explicit ``blocking_rules``/``comparisons``, ``link_type``,
        ``threshold``, ``tf_adjustment``.

    Returns
    -------
    LinkageSettings

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"first_name": ["a"], "last_name": ["b"], "birth_date": ["1980-01-01"]})
    >>> [r.label for r in infer_settings(df).blocking_rules][:2]
    ['first_name & last_name', 'birth_date & last_name[:1]']
    """
    from ..config.linkage import LinkageConfig

    config = config or LinkageConfig()
    tf_on = config.tf_adjustment
    has = {c: _present(df, c) for c in DEFAULT_COMPARATORS}

    if config.comparisons is not None:
        comparisons = []
        for c in config.comparisons:
            kind = c.comparator
            tf = c.tf_adjust if c.tf_adjust is not None else (tf_on and kind in _TF_KINDS)
            comparisons.append(ComparisonSpec(c.name, kind, c.column or c.name, dict(c.params),
                                              bool(tf)))
    else:
        comparisons = [ComparisonSpec(col, kind, col, dict(_DEFAULT_PARAMS.get(col, {})),
                                      tf_on and kind in _TF_KINDS)
                       for col, kind in DEFAULT_COMPARATORS.items() if has[col]]
        if has["full_name"] and (has["first_name"] or has["last_name"]):
            comparisons = [c for c in comparisons if c.name != "full_name"]
        if _present(df, "_lk_email_name") and has["email"]:
            comparisons.append(ComparisonSpec("email_name", "email_name", "_lk_email_name",
                                              tf_adjust=tf_on))
    if not comparisons:
        raise InputError("customers", "no comparable columns found; expected some of "
                         f"{', '.join(DEFAULT_COMPARATORS)} (or give linkage.comparisons)")

    if config.blocking_rules is not None:
        rules = [BlockingRule(tuple(r.on), r.method, r.window, r.name)
                 for r in config.blocking_rules]
    else:
        rules = _default_rules(has)
        # derived by cdmkit.link.crossname.add_name_keys: one person in two scripts, and
        # a surname inside a sign-up record's e-mail address
        if _present(df, "_lk_name_skel", 0.01):
            rules.append(BlockingRule(("_lk_name_skel",), name="name skeleton (any script)"))
        if _present(df, "_lk_joined", 0.01):
            rules.append(BlockingRule(("_lk_joined",), name="joined full name"))
        if _present(df, "_lk_name_tokens", 0.01) and _present(df, "_lk_email_tokens", 0.01):
            rules.append(BlockingRule(("_lk_name_tokens", "_lk_email_tokens"), "cross",
                                      name="surname inside e-mail"))
    missing = sorted({c for r in rules for c in r.columns} - set(df.columns))
    if missing:
        raise InputError("customers", f"blocking rules use missing columns: {', '.join(missing)}")
    return LinkageSettings.from_config(rules, comparisons, config)


def _default_rules(has: dict) -> list[BlockingRule]:
    candidates = [
        ("email",), ("phone",), ("national_id",),
        ("first_name", "last_name"),
        ("birth_date", "last_name[:1]"),
        ("birth_date", "first_name[:1]"),
        ("postcode", "last_name[:1]"),
        ("postcode", "first_name[:1]"),
        ("street",),
        ("postcode", "birth_date[:4]"),
        ("birth_date", "city[:2]"),
        ("national_id[:4]", "birth_date[:4]"),
        ("full_name",),
        ("birth_date", "full_name[:1]"),
        ("postcode", "full_name[:1]"),
    ]
    rules = [BlockingRule(on) for on in candidates
             if all(has.get(_KEY_RE.match(k)["col"], False) for k in on)]
    if has["full_name"] and (has["first_name"] or has["last_name"]):
        rules = [r for r in rules if "full_name" not in r.columns]
    name_cols = [c for c in ("last_name", "first_name") if has[c]] or \
        (["full_name"] if has["full_name"] else [])
    if name_cols:
        rules.append(BlockingRule(tuple(name_cols), "sorted_neighbourhood", 5))
        if len(name_cols) == 2:  # both orders: a typo early in either name still pairs
            rules.append(BlockingRule(tuple(reversed(name_cols)), "sorted_neighbourhood", 5))
    if not rules:  # last resort: any comparable column, exact
        rules = [BlockingRule((c,)) for c, ok in has.items() if ok][:3]
    return rules


# -- zero-config column recognition ------------------------------------------------------

_EXTRA_ALIASES = {
    "socsecid": "national_id", "socialsecurityid": "national_id", "ssn": "national_id",
    "givenname": "first_name", "surname": "last_name", "dateofbirth": "birth_date",
    "suburb": "city", "address1": "street", "address2": "address_line2",
}


def _squash(name: str) -> str:
    return re.sub(r"[\s_.\-]+", "", str(name).lower())


def canonicalize_columns(df: pd.DataFrame, id_column: str | None = None) -> pd.DataFrame:
    """Rename recognisable columns to canonical customer fields (zero-config CLI/API use).

    Uses the collection stage's mapping inference when available and falls back to
    the aliases of :mod:`cdmkit.model`. A house number column (``street_number``)
    is joined to the street. The ``id_column`` becomes ``record_id``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"rec_id": ["r1"], "given_name": ["Ann"], "surname": ["Lee"],
    ...                    "street_number": ["4"], "address_1": ["Main St"]})
    >>> out = canonicalize_columns(df, id_column="rec_id")
    >>> sorted(out.columns)
    ['first_name', 'last_name', 'record_id', 'street']
    >>> out["street"][0]
    '4 Main St'
    """
    from ..model import FIELDS

    df = df.copy()
    if id_column is not None:
        if id_column not in df.columns:
            raise InputError("input", f"id column {id_column!r} not found (columns: "
                             f"{', '.join(map(str, df.columns))})")
        df = df.rename(columns={id_column: "record_id"})
    fields = FIELDS["customers"]
    alias = {_squash(a): name for name, f in fields.items() for a in f.aliases}
    alias.update(_EXTRA_ALIASES)
    alias.update({_squash(n): n for n in fields})
    mapping, taken = {}, set(df.columns) & set(fields)
    for col in df.columns:
        if col in fields or col in ("source", "record_id"):
            continue
        target = alias.get(_squash(col))
        if target and target not in taken and target != "record_id":
            mapping[col] = target
            taken.add(target)
    out = df.rename(columns=mapping)
    num = next((c for c in out.columns if _squash(c) in ("streetnumber", "housenumber",
                                                          "streetno", "houseno")), None)
    if num is not None and "street" in out.columns:
        n = out[num].astype("string").str.strip()
        st = out["street"].astype("string").str.strip()
        out["street"] = (n.fillna("") + " " + st.fillna("")).str.strip().replace("", pd.NA)
        out = out.drop(columns=[num])
    return out
