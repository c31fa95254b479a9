"""Quality scorecard: rule results by dimension, source and field, with masked examples.

Scores are shares of checked rows that pass (0-1). A dimension's score is the
mean of its rules' scores (each rule counts once, so a huge table does not
drown a small one), and the overall score is the mean of the dimension scores
present. The run fails when an ``error`` rule fails beyond its tolerance, when
a dimension is below its threshold, or when the overall score is below
``fail_below``.

Examples
--------
>>> import pandas as pd
>>> from cdmkit.validate.rules import NotNull, Unique
>>> df = pd.DataFrame({"source": ["a", "a", "b", "b"], "record_id": ["1", "2", "2", "2"],
...                    "email": ["x@y.io", None, "z@y.io", "z@y.io"]})
>>> sc = build_scorecard([NotNull("customers", "email", severity="warning"),
...                       Unique("customers", columns=["source", "record_id"])],
...                      {"customers": df})
>>> sc.by_dimension.set_index("dimension")["score"].to_dict()
{'completeness': 0.75, 'uniqueness': 0.5}
>>> sc.overall, sc.status
(0.625, 'fail')
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..config.validation import DIMENSIONS
from ..privacy.masking import masker_for
from .rules import RuleResult, evaluate_rules

__all__ = ["Scorecard", "build_scorecard", "score_results"]


@dataclass
class Scorecard:
    """A quality scorecard.

    Attributes
    ----------
    by_rule : DataFrame
        ``rule``, ``type``, ``dimension``, ``severity``, ``table``, ``column``,
        ``n_checked``, ``n_failed``, ``score``, ``ok``, ``note``.
    by_source_field : DataFrame
        ``table``, ``source``, ``field``, ``dimension``, ``n_checked``, ``n_failed``, ``score``.
    by_dimension : DataFrame
        ``dimension``, ``rules``, ``n_checked``, ``n_failed``, ``score``, ``threshold``, ``ok``.
    examples : DataFrame
        Failing examples (masked): ``rule``, ``table``, ``source``, ``record_id``,
        ``field``, ``value``.
    overall : float
        Overall score (mean of dimension scores), ``nan`` if nothing was checked.
    failures : list of str
        Why the run fails (empty when it passes).
    warnings : list of str
        Warning rules beyond tolerance.

    Examples
    --------
    >>> Scorecard(*(pd.DataFrame(),) * 4, overall=1.0).status
    'pass'
    """

    by_rule: pd.DataFrame
    by_source_field: pd.DataFrame
    by_dimension: pd.DataFrame
    examples: pd.DataFrame
    overall: float = float("nan")
    failures: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def status(self) -> str:
        """``pass`` or ``fail``."""
        return "fail" if self.failures else "pass"

    def figures(self) -> dict:
        """Key figures for ``summary.json``.

        Examples
        --------
        >>> Scorecard(*(pd.DataFrame(),) * 4, overall=0.9).figures()["overall_score"]
        0.9
        """
        dims = {} if self.by_dimension.empty else \
            dict(zip(self.by_dimension["dimension"], self.by_dimension["score"].round(4)))
        return {"overall_score": round(self.overall, 4) if self.overall == self.overall
                else None,
                "dimension_scores": dims,
                "n_rules": int(len(self.by_rule)),
                "n_rules_failed": int((~self.by_rule["ok"]).sum()) if len(self.by_rule) else 0}


def _examples(res: RuleResult, n: int) -> list[dict]:
    if n <= 0 or res.table is None or res.error:
        return []
    failed = res.passed.index[~res.passed.astype(bool)][:n]
    if not len(failed):
        return []
    t = res.table.loc[failed]
    rows = []
    cols = [c for c in res.rule.example_columns if c in t.columns][:1] or [None]
    for idx, r in t.iterrows():  # at most n rows per rule
        for c in cols:
            v = r[c] if c is not None else None
            v = None if v is not None and v != v else v  # NaN (pandas 3's missing str) -> None
            fn = masker_for(c) if c else None
            if fn is not None and v is not None and v == v:
                v = fn(v)
            rows.append({"rule": res.rule.name, "table": res.rule.table,
                         "source": r.get("source"), "record_id": r.get("record_id"),
                         "field": c, "value": None if v is None else str(v)})
    return rows


def score_results(results, *, fail_below=None, thresholds=None, max_examples: int = 5
                  ) -> Scorecard:
    """Turn rule results into a :class:`Scorecard`.

    Parameters
    ----------
    results : list of RuleResult
    fail_below : float, optional
        Minimum overall score.
    thresholds : dict, optional
        Minimum score per dimension.
    max_examples : int
        Failing examples kept per rule.

    Examples
    --------
    >>> score_results([]).overall != score_results([]).overall  # nan: nothing checked
    True
    """
    thresholds = dict(thresholds or {})
    rule_rows, sf_rows, examples = [], [], []
    failures, warnings = [], []
    for res in results:
        r = res.rule
        rule_rows.append({"rule": r.name, "type": r.type, "dimension": r.dimension,
                          "severity": r.severity, "table": r.table,
                          "column": "+".join(r.columns),
                          "n_checked": res.n_checked, "n_failed": res.n_failed,
                          "score": res.score if res.error is None else float("nan"),
                          "ok": res.ok, "note": res.error or ""})
        if not res.ok:
            msg = (f"{r.name}: {res.error}" if res.error else
                   f"{r.name}: {res.n_failed} of {res.n_checked} rows fail")
            (failures if r.severity == "error" else warnings).append(msg)
        if res.error is None and res.n_checked and res.table is not None:
            checked = res.table.loc[res.passed.index]
            src = checked["source"].astype(str) if "source" in checked else \
                pd.Series(r.table, index=checked.index)
            g = pd.DataFrame({"source": src.values,
                              "failed": (~res.passed.astype(bool)).values}).groupby("source")
            agg = g["failed"].agg(["size", "sum"]).reset_index()
            for _, a in agg.iterrows():
                sf_rows.append({"table": r.table, "source": a["source"],
                                "field": "+".join(r.columns), "dimension": r.dimension,
                                "n_checked": int(a["size"]), "n_failed": int(a["sum"])})
        examples += _examples(res, max_examples)
    by_rule = pd.DataFrame(rule_rows, columns=["rule", "type", "dimension", "severity",
                                               "table", "column", "n_checked", "n_failed",
                                               "score", "ok", "note"])
    sf = pd.DataFrame(sf_rows, columns=["table", "source", "field", "dimension", "n_checked",
                                        "n_failed"])
    sf = sf.groupby(["table", "source", "field", "dimension"], as_index=False).sum()
    sf["score"] = 1 - sf["n_failed"] / sf["n_checked"].where(sf["n_checked"] > 0)
    scored = by_rule[by_rule["note"].eq("") & (by_rule["n_checked"] > 0)]
    dims = scored.groupby("dimension").agg(rules=("rule", "size"), n_checked=("n_checked", "sum"),
                                           n_failed=("n_failed", "sum"),
                                           score=("score", "mean")).reset_index()
    order = {d: i for i, d in enumerate(DIMENSIONS)}
    dims = dims.sort_values("dimension", key=lambda s: s.map(order).fillna(99)).reset_index(
        drop=True)
    dims["threshold"] = dims["dimension"].map(thresholds)
    dims["ok"] = ~(dims["score"] < dims["threshold"])
    for _, d in dims[~dims["ok"]].iterrows():
        failures.append(f"{d['dimension']} score {d['score']:.3f} below threshold "
                        f"{d['threshold']:.3f}")
    overall = float(dims["score"].mean()) if len(dims) else float("nan")
    if fail_below is not None and overall == overall and overall < fail_below:
        failures.append(f"overall score {overall:.3f} below fail_below {fail_below:.3f}")
    ex = pd.DataFrame(examples, columns=["rule", "table", "source", "record_id", "field",
                                         "value"])
    return Scorecard(by_rule, sf, dims, ex, overall, failures, warnings)


def build_scorecard(rules, tables: dict, *, fail_below=None, thresholds=None,
                    max_examples: int = 5) -> Scorecard:
    """Evaluate ``rules`` on ``tables`` and score them (see :func:`score_results`).

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.validate.rules import NotNull
    >>> build_scorecard([NotNull("t", "a")], {"t": pd.DataFrame({"a": [1]})}).overall
    1.0
    """
    return score_results(evaluate_rules(rules, tables), fail_below=fail_below,
                         thresholds=thresholds, max_examples=max_examples)
