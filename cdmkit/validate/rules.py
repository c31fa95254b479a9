"""Data quality rules: rule types are plugins of the ``validators`` registry.

A rule checks one table and returns, for every row it applies to, whether the
row passes (a boolean Series indexed like the table; rows a rule does not apply
to, such as empty values for a pattern rule, are left out). The scorecard turns
these into counts per source, field and dimension. Adding a rule type is a
small class with one method, :meth:`Rule.check`, registered under a name that
client configs use (``type: <name>``).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"source": ["a", "a", "b"], "email": ["x@y.io", None, "bad"]})
>>> r = make_rule({"type": "not_null", "table": "customers", "column": "email"})
>>> r.evaluate({"customers": df}).n_failed
1
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..registry import validators

__all__ = ["Rule", "RuleResult", "NotNull", "Unique", "Pattern", "AllowedValues", "Range",
           "ReferentialIntegrity", "Freshness", "CrossField", "ValidFlag", "make_rule",
           "builtin_rules", "evaluate_rules"]


@dataclass
class RuleResult:
    """Outcome of one rule on one table.

    Attributes
    ----------
    rule : Rule
        The rule.
    passed : Series of bool
        One entry per checked row (index = the table's index).
    table : DataFrame or None
        The checked table (for examples and per-source counts).
    error : str or None
        Why the rule could not be checked (missing table or column).

    Examples
    --------
    >>> import pandas as pd
    >>> RuleResult(NotNull("customers", "email"), pd.Series([True, False])).n_failed
    1
    """

    rule: "Rule"
    passed: pd.Series
    table: pd.DataFrame | None = None
    error: str | None = None

    @property
    def n_checked(self) -> int:
        """Rows checked."""
        return int(len(self.passed))

    @property
    def n_failed(self) -> int:
        """Rows failing."""
        return int((~self.passed.astype(bool)).sum())

    @property
    def score(self) -> float:
        """Share of checked rows passing (1.0 when nothing was checked)."""
        return 1.0 if self.n_checked == 0 else 1.0 - self.n_failed / self.n_checked

    @property
    def ok(self) -> bool:
        """Whether the failing share stays within the rule's tolerance."""
        if self.error is not None:
            return self.rule.severity != "error"
        return self.n_checked == 0 or self.n_failed / self.n_checked <= self.rule.tolerance


class Rule:
    """Base class of rule types.

    Parameters
    ----------
    table : str
        Name of the checked table.
    column : str, optional
        Checked column.
    name : str, optional
        Display name (default ``<type>:<table>.<column>``).
    dimension : str, optional
        Scorecard dimension (default: the class's ``dimension``).
    severity : {"error", "warning"}
        ``error``: failing fails the run; ``warning``: only lowers the score.
    tolerance : float
        Share of failing rows allowed.
    **params
        Rule type parameters.

    Examples
    --------
    >>> NotNull("customers", "email").name
    'not_null:customers.email'
    """

    type: ClassVar[str] = "rule"
    dimension: ClassVar[str] = "validity"

    def __init__(self, table: str, column: str | None = None, *, name: str | None = None,
                 dimension: str | None = None, severity: str = "error",
                 tolerance: float = 0.0, **params: Any):
        self.table = table
        self.column = column
        self.name = name or f"{self.type}:{table}" + (f".{column}" if column else "")
        if dimension:
            self.dimension = dimension
        self.severity = severity
        self.tolerance = tolerance
        self.params = params

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r}, severity={self.severity!r})"

    @property
    def columns(self) -> list[str]:
        """Columns the rule reads (shown with failing examples)."""
        cols = list(self.params.get("columns") or [])
        return cols or ([self.column] if self.column else [])

    @property
    def example_columns(self) -> list[str]:
        """Columns shown with failing examples (default: :attr:`columns`)."""
        return self.columns

    def check(self, df: pd.DataFrame, tables: dict) -> pd.Series:
        """Boolean Series (index subset of ``df.index``): does each checked row pass?"""
        raise NotImplementedError

    def evaluate(self, tables: dict) -> RuleResult:
        """Check the rule against ``tables`` (name -> DataFrame); never raises for missing data.

        Examples
        --------
        >>> NotNull("golden", "email").evaluate({}).error
        "table 'golden' not available"
        """
        df = tables.get(self.table)
        if df is None:
            return RuleResult(self, pd.Series(dtype=bool), None,
                              f"table {self.table!r} not available")
        missing = [c for c in self.columns if c not in df.columns]
        if missing:
            return RuleResult(self, pd.Series(dtype=bool), df,
                              f"column(s) {', '.join(missing)} not in table {self.table!r}")
        passed = self.check(df, tables)
        return RuleResult(self, passed.astype(bool), df)


def _present(s: pd.Series) -> pd.Series:
    """Non-missing: not NaN/None and not blank or a missing-value word ("nan", "NULL"...)."""
    from ..missing import is_present

    return is_present(s)


@validators.register("not_null")
class NotNull(Rule):
    """Column has a value (blank text and "nan", "NULL"... count as missing).

    Dimension: completeness (:func:`cdmkit.missing.is_present`).

    Examples
    --------
    >>> import pandas as pd
    >>> NotNull("t", "a").check(pd.DataFrame({"a": ["x", " ", None, "nan"]}), {}).tolist()
    [True, False, False, False]
    """

    type = "not_null"
    dimension = "completeness"

    def check(self, df, tables):
        return _present(df[self.column])


@validators.register("unique")
class Unique(Rule):
    """Values (or combined ``columns``) occur once; rows with a missing part are skipped.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"k": ["a", "a", "b", None]})
    >>> Unique("t", "k").check(df, {}).tolist()
    [False, False, True]
    """

    type = "unique"
    dimension = "uniqueness"

    def check(self, df, tables):
        cols = self.columns
        sub = df[cols]
        ok = sub.notna().all(axis=1)
        return ~sub[ok].duplicated(keep=False)


@validators.register("pattern")
class Pattern(Rule):
    """Non-empty values match the regular expression ``pattern`` in full.

    Examples
    --------
    >>> import pandas as pd
    >>> Pattern("t", "zip", pattern=r"\\d{5}").check(pd.DataFrame({"zip": ["12345", "1234"]}),
    ...                                               {}).tolist()
    [True, False]
    """

    type = "pattern"
    dimension = "validity"

    def check(self, df, tables):
        pat = self.params.get("pattern")
        if not pat:
            raise ValueError(f"rule {self.name}: 'pattern' is required")
        s = df[self.column]
        ok = _present(s)
        return s[ok].astype(str).str.fullmatch(pat).fillna(False).astype(bool)


@validators.register("allowed_values")
class AllowedValues(Rule):
    """Non-empty values are among ``values``.

    Examples
    --------
    >>> import pandas as pd
    >>> AllowedValues("t", "c", values=["web"]).check(pd.DataFrame({"c": ["web", "fax"]}),
    ...                                              {}).tolist()
    [True, False]
    """

    type = "allowed_values"
    dimension = "validity"

    def check(self, df, tables):
        values = self.params.get("values") or []
        s = df[self.column]
        ok = _present(s)
        allowed = {str(v) for v in values}
        return s[ok].astype(str).isin(allowed)


def _comparable(s: pd.Series, bound):
    """Series and bound in a comparable type (numbers or timestamps)."""
    if pd.api.types.is_datetime64_any_dtype(s) or (isinstance(bound, str) and
                                                   re.match(r"\d{4}-\d{2}-\d{2}", bound)):
        t = pd.to_datetime(s, errors="coerce", utc=True)
        b = pd.Timestamp(bound)
        b = b.tz_localize("UTC") if b.tzinfo is None else b.tz_convert("UTC")
        return t, b
    return pd.to_numeric(s, errors="coerce"), float(bound)


@validators.register("range")
class Range(Rule):
    """Values lie within ``[min, max]`` (numbers or ISO dates); unparsable values fail.

    Examples
    --------
    >>> import pandas as pd
    >>> Range("t", "age", min=0, max=120).check(pd.DataFrame({"age": [5, 130, None]}),
    ...                                         {}).tolist()
    [True, False]
    """

    type = "range"
    dimension = "validity"

    def check(self, df, tables):
        s = df[self.column]
        present = _present(s)
        s = s[present]
        ok = pd.Series(True, index=s.index)
        lo, hi = self.params.get("min"), self.params.get("max")
        for bound, op in ((lo, "ge"), (hi, "le")):
            if bound is None:
                continue
            v, b = _comparable(s, bound)
            cmp = (v >= b) if op == "ge" else (v <= b)
            ok &= cmp.fillna(False).astype(bool) & v.notna()
        return ok


@validators.register("referential_integrity")
class ReferentialIntegrity(Rule):
    """Each reference points at an existing record (e.g. transactions -> customers).

    Without ``column``/``ref_column`` it checks the canonical link of an activity
    table: ``(customer_source, customer_ref)`` against the customers'
    ``(source, record_id)``; rows without ``customer_source`` (sources keyed by
    their own customer number) and without a reference are not checked.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_source": ["crm", "crm", None],
    ...                    "customer_ref": ["1", "9", "77"]})
    >>> cu = pd.DataFrame({"source": ["crm"], "record_id": ["1"]})
    >>> ReferentialIntegrity("transactions").check(tx, {"customers": cu}).tolist()
    [True, False]
    """

    type = "referential_integrity"
    dimension = "consistency"

    def evaluate(self, tables):
        ref = self.params.get("ref_table") or "customers"
        if ref not in tables:
            return RuleResult(self, pd.Series(dtype=bool), tables.get(self.table),
                              f"table {ref!r} not available")
        return super().evaluate(tables)

    @property
    def columns(self):
        return [self.column] if self.column else ["customer_ref"]

    def check(self, df, tables):
        ref = tables[self.params.get("ref_table") or "customers"]
        if self.column:
            ref_col = self.params.get("ref_column") or "record_id"
            s = df[self.column]
            ok = _present(s)
            return s[ok].astype(str).isin(set(ref[ref_col].dropna().astype(str)))
        if "customer_source" not in df:
            return pd.Series(dtype=bool)
        src, cref = df["customer_source"], df["customer_ref"]
        ok = _present(src) & _present(cref)
        keys = set(zip(ref["source"].astype(str), ref["record_id"].astype(str)))
        probe = pd.Series(list(zip(src[ok].astype(str), cref[ok].astype(str))),
                          index=src[ok].index, dtype=object)
        return probe.isin(keys)


@validators.register("freshness")
class Freshness(Rule):
    """The newest record of each source is at most ``max_age_days`` old.

    One check per source (the row holding its newest timestamp); the age is
    measured against ``reference`` (ISO date; default: now).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"source": ["a", "b"],
    ...                    "timestamp": pd.to_datetime(["2024-06-01", "2023-01-01"])})
    >>> Freshness("t", "timestamp", max_age_days=30, reference="2024-06-10").check(df,
    ...     {}).tolist()
    [True, False]
    """

    type = "freshness"
    dimension = "timeliness"

    @property
    def columns(self):
        return [self.column or "timestamp"]

    def check(self, df, tables):
        col = self.column or "timestamp"
        ts = pd.to_datetime(df[col], errors="coerce", utc=True)
        ref = self.params.get("reference")
        ref = pd.Timestamp(ref) if ref else pd.Timestamp(datetime.now())
        ref = ref.tz_localize("UTC") if ref.tzinfo is None else ref.tz_convert("UTC")
        max_age = pd.Timedelta(days=float(self.params.get("max_age_days") or 0))
        groups = df["source"] if "source" in df else pd.Series("all", index=df.index)
        valid = ts.notna()
        if not valid.any():
            return pd.Series(dtype=bool)
        newest_idx = ts[valid].groupby(groups[valid]).idxmax()
        return pd.Series((ref - ts[newest_idx.values] <= max_age).values,
                         index=newest_idx.values)


@validators.register("cross_field")
class CrossField(Rule):
    """A pandas expression over several columns holds, e.g. ``updated_at >= created_at``.

    Rows where a column used by the expression is missing are not checked.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 5, None], "b": [2, 3, 1]})
    >>> CrossField("t", expression="a <= b").check(df, {}).tolist()
    [True, False]
    """

    type = "cross_field"
    dimension = "consistency"

    def __init__(self, table, column=None, **kw):
        super().__init__(table, column, **kw)
        if not kw.get("name"):
            self.name = f"cross_field:{table}:{self.params.get('expression')}"

    @property
    def columns(self):
        expr = self.params.get("expression") or ""
        return self.params.get("columns") or sorted(set(re.findall(r"[A-Za-z_]\w*", expr)) -
                                                    {"and", "or", "not", "True", "False"})

    def evaluate(self, tables):
        df = tables.get(self.table)
        if df is None or not any(c in df.columns for c in self.columns):
            return super().evaluate(tables)
        # Names in the expression that are not columns may be literals; pandas reports the rest.
        try:
            return RuleResult(self, self.check(df, tables).astype(bool), df)
        except Exception as exc:  # a bad expression is a config problem shown in the scorecard
            return RuleResult(self, pd.Series(dtype=bool), df,
                              f"expression {self.params.get('expression')!r}: {exc}")

    def check(self, df, tables):
        expr = self.params.get("expression")
        if not expr:
            raise ValueError(f"rule {self.name}: 'expression' is required")
        cols = [c for c in self.columns if c in df.columns]
        ok = df[cols].notna().all(axis=1) if cols else pd.Series(True, index=df.index)
        sub = df.loc[ok, cols].copy()
        for c in cols:  # compare dates as dates even when stored as text
            if (sub[c].dtype == object or isinstance(sub[c].dtype, pd.StringDtype)) and sub[c].astype(str).str.match(
                    r"\d{4}-\d{2}-\d{2}").all():
                sub[c] = pd.to_datetime(sub[c], errors="coerce", utc=True)
            elif pd.api.types.is_datetime64_any_dtype(sub[c]) and sub[c].dt.tz is None:
                sub[c] = sub[c].dt.tz_localize("UTC")
        res = sub.eval(expr, engine="python")
        return pd.Series(np.asarray(res, dtype=bool), index=sub.index)


@validators.register("valid_flag")
class ValidFlag(Rule):
    """A validity flag written by a cleaner (e.g. ``email_valid``) is true where set.

    Examples
    --------
    >>> import pandas as pd
    >>> ValidFlag("t", "email_valid").check(pd.DataFrame({"email_valid": [True, False, None]}),
    ...                                     {}).tolist()
    [True, False]
    """

    type = "valid_flag"
    dimension = "validity"

    @property
    def example_columns(self):
        # Show the (masked) value the flag is about, not the flag itself.
        base = self.column[:-len("_valid")] if self.column.endswith("_valid") else self.column
        return [base, self.column]

    def check(self, df, tables):
        s = df[self.column]
        s = s[s.notna()]
        return s.astype(bool)


_RULE_KEYS = ("pattern", "values", "min", "max", "ref_table", "ref_column", "max_age_days",
              "expression", "columns")


def make_rule(spec) -> Rule:
    """Build a rule from a config entry (:class:`cdmkit.config.validation.RuleConfig` or dict).

    Raises
    ------
    UnknownPluginError
        If the rule type is not registered (listing the valid names).

    Examples
    --------
    >>> make_rule({"type": "unique", "table": "golden", "column": "customer_id"}).name
    'unique:golden.customer_id'
    """
    d = spec.model_dump() if hasattr(spec, "model_dump") else dict(spec)
    cls = validators.get(d["type"])
    params = dict(d.get("params") or {})
    for k in _RULE_KEYS:
        v = d.get(k)
        if v not in (None, [], {}):
            params[k] = v
    return cls(d.get("table") or "customers", d.get("column"), name=d.get("name"),
               dimension=d.get("dimension"), severity=d.get("severity") or "error",
               tolerance=d.get("tolerance") or 0.0, **params)


def builtin_rules(tables: dict, *, reference=None, freshness_max_age_days=None) -> list[Rule]:
    """Rules of the canonical model that apply to the tables present.

    Keys and IDs are ``error`` rules (they must hold); content rules (contact
    fields filled in, e-mails and phones valid, activity rows pointing at a
    known customer) are ``warning`` rules that lower the score.

    Examples
    --------
    >>> import pandas as pd
    >>> rules = builtin_rules({"customers": pd.DataFrame({"source": [], "record_id": [],
    ...                                                   "email": []})})
    >>> [r.name for r in rules][:2]
    ['not_null:customers.record_id', 'unique:customers.source+record_id']
    """
    out: list[Rule] = []
    cu = tables.get("customers")
    if cu is not None:
        out += [NotNull("customers", "record_id"),
                Unique("customers", columns=["source", "record_id"],
                       name="unique:customers.source+record_id")]
        for c in ("email", "phone", "last_name", "birth_date"):
            if c in cu:
                out.append(NotNull("customers", c, severity="warning"))
        for c in ("email", "phone", "birth_date", "postcode"):
            if f"{c}_valid" in cu:
                out.append(ValidFlag("customers", f"{c}_valid", severity="warning",
                                     name=f"valid:customers.{c}"))
        if "email" in cu and "email_valid" not in cu:
            out.append(Pattern("customers", "email", severity="warning",
                               pattern=r"[^@\s]+@[^@\s]+\.[^@\s]{2,}"))
        if "birth_date" in cu:
            out.append(Range("customers", "birth_date", severity="warning", min="1900-01-02",
                             max=str(reference or pd.Timestamp.now().date())[:10]))
        if "created_at" in cu and "updated_at" in cu:
            out.append(CrossField("customers", severity="warning",
                                  expression="updated_at >= created_at"))
    for kind in ("transactions", "events", "interactions"):
        df = tables.get(kind)
        if df is None:
            continue
        out.append(NotNull(kind, "timestamp"))
        if "customer_ref" in df:
            out.append(NotNull(kind, "customer_ref", severity="warning"))
        if cu is not None and "customer_source" in df:
            out.append(ReferentialIntegrity(kind, severity="warning",
                                            name=f"referential_integrity:{kind}->customers"))
        if freshness_max_age_days is not None:
            out.append(Freshness(kind, "timestamp", max_age_days=freshness_max_age_days,
                                 reference=reference))
    tx = tables.get("transactions")
    if tx is not None and "amount" in tx:
        out.append(NotNull("transactions", "amount", severity="warning"))
    if tables.get("customer_map") is not None:
        out += [NotNull("customer_map", "customer_id"),
                Unique("customer_map", columns=["source", "record_id"],
                       name="unique:customer_map.source+record_id")]
        if cu is not None:
            out.append(ReferentialIntegrity("customers", "record_id", ref_table="customer_map",
                                            name="referential_integrity:customers->customer_map",
                                            severity="warning"))
    for t in ("golden", "segments", "rfm", "clv", "churn_scores"):
        df = tables.get(t)
        if df is not None and "customer_id" in df:
            out.append(Unique(t, "customer_id"))
    if tables.get("churn_scores") is not None:
        out.append(Range("churn_scores", "churn_probability", min=0, max=1))
    if tables.get("clv") is not None and "p_alive" in tables["clv"]:
        out.append(Range("clv", "p_alive", min=0, max=1))
    return out


def evaluate_rules(rules, tables: dict) -> list[RuleResult]:
    """Evaluate ``rules`` against ``tables``.

    Examples
    --------
    >>> import pandas as pd
    >>> res = evaluate_rules([NotNull("t", "a")], {"t": pd.DataFrame({"a": [1, None]})})
    >>> res[0].n_checked, res[0].n_failed
    (2, 1)
    """
    return [r.evaluate(tables) for r in rules]
