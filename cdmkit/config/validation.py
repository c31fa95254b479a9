"""Config of the validation stage (`validation:` section of the client YAML).

Examples
--------
>>> cfg = ValidationConfig.model_validate(
...     {"fail_below": 0.8, "rules": [{"type": "not_null", "table": "customers",
...                                     "column": "email"}]})
>>> cfg.rules[0].type, cfg.fail_below
('not_null', 0.8)
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import Field

from .base import Section

__all__ = ["ValidationConfig", "RuleConfig", "DriftConfig", "DIMENSIONS"]

#: Quality dimensions of the scorecard.
DIMENSIONS = ("completeness", "validity", "uniqueness", "consistency", "timeliness")


class RuleConfig(Section):
    """One declarative data quality rule.

    Examples
    --------
    >>> RuleConfig(type="pattern", column="postcode", pattern=r"\\d{5}").table
    'customers'
    """

    type: str = Field(..., description="Rule type (a registered validator): not_null, unique, "
                      "pattern, allowed_values, range, referential_integrity, freshness, "
                      "cross_field, or a plugin's name.")
    name: Optional[str] = Field(None, description="Name shown in the scorecard (default: "
                                "<type>:<table>.<column>).")
    table: str = Field("customers", description="Table checked (customers, transactions, "
                       "events, interactions, golden, customer_map, segments, ...).")
    column: Optional[str] = Field(None, description="Column checked.")
    columns: list[str] = Field(default_factory=list, description="Several columns (unique: "
                               "a combined key).")
    dimension: Optional[str] = Field(None, description="Scorecard dimension (default: the "
                                     "rule type's own).")
    severity: Literal["error", "warning"] = Field("error", description="error: a failing rule "
                                                  "fails the run; warning: it only lowers "
                                                  "the score.")
    tolerance: float = Field(0.0, ge=0, le=1, description="Share of failing rows allowed "
                             "before the rule counts as failed.")
    pattern: Optional[str] = Field(None, description="pattern: regular expression the whole "
                                   "value must match.")
    values: list[Any] = Field(default_factory=list, description="allowed_values: the allowed "
                              "values.")
    min: Optional[Any] = Field(None, description="range: smallest allowed value (number or "
                               "ISO date).")
    max: Optional[Any] = Field(None, description="range: largest allowed value.")
    ref_table: Optional[str] = Field(None, description="referential_integrity: table referred "
                                     "to (default customers).")
    ref_column: Optional[str] = Field(None, description="referential_integrity: key column "
                                      "of ref_table (default record_id).")
    max_age_days: Optional[float] = Field(None, description="freshness: maximum age in days "
                                          "of the newest record per source.")
    expression: Optional[str] = Field(None, description="cross_field: pandas expression that "
                                      "must hold, e.g. 'updated_at >= created_at'.")
    params: dict[str, Any] = Field(default_factory=dict, description="Extra parameters of "
                                   "plugin rule types.")


class DriftConfig(Section):
    """Comparison with the previous run of the same client.

    Examples
    --------
    >>> DriftConfig().psi_alert
    0.25
    """

    enabled: bool = Field(True, description="Compare with the previous run (the newest other "
                          "run folder with a summary.json).")
    bins: int = Field(10, ge=2, description="Quantile bins of the population stability "
                      "index (PSI).")
    psi_warn: float = Field(0.1, description="PSI above this is a moderate shift.")
    psi_alert: float = Field(0.25, description="PSI above this is a major shift (listed as "
                             "a warning).")
    fail_on_alert: bool = Field(False, description="A major shift fails the run.")


class ValidationConfig(Section):
    """Options of the validation stage.

    Examples
    --------
    >>> ValidationConfig().builtin_rules
    True
    """

    rules: list[RuleConfig] = Field(default_factory=list, description="Declarative quality "
                                    "rules, checked in addition to the built-in ones.")
    builtin_rules: bool = Field(True, description="Check the built-in rules of the canonical "
                                "model (keys, e-mail/phone validity, completeness, orphans).")
    schemas: bool = Field(True, description="Validate every canonical table against its "
                          "pandera schema.")
    fail_below: Optional[float] = Field(None, ge=0, le=1, description="Fail the run when the "
                                        "overall score (0-1) is below this value.")
    thresholds: dict[str, float] = Field(default_factory=dict, description="Minimum score per "
                                         "dimension (completeness, validity, uniqueness, "
                                         "consistency, timeliness); below fails the run.")
    freshness_max_age_days: Optional[float] = Field(None, description="Built-in freshness "
                                                    "rule: newest record of every activity "
                                                    "source at most this many days older "
                                                    "than the reference date (off when null).")
    max_examples: int = Field(5, ge=0, description="Failing examples kept per rule (masked).")
    drift: DriftConfig = Field(default_factory=DriftConfig)
    pii_scan: bool = Field(True, description="Scan this run's reports for raw personal data.")
