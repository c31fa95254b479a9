"""Rule types and the scorecard on small frames with known failures."""

from __future__ import annotations

import pandas as pd
import pytest

from cdmkit.config import config_from_dict
from cdmkit.errors import UnknownPluginError
from cdmkit.registry import validators
from cdmkit.validate import (Rule, build_scorecard, builtin_rules, evaluate_rules, make_rule,
                             validate_table)


@pytest.fixture
def tables():
    customers = pd.DataFrame({
        "source": ["crm", "crm", "crm", "shop", "shop"],
        "record_id": ["1", "2", "2", "1", "3"],                      # one duplicate key (crm/2)
        "email": ["a@x.io", None, "bad-email", "b@x.io", "  "],       # 2 missing, 1 invalid
        "postcode": ["12345", "1234", None, "99999", "ABCDE"],        # 2 invalid of 4
        "channel": ["web", "web", "fax", "store", None],              # 1 not allowed
        "age": [30, 130, -1, 45, None],                               # 2 out of range
        "created_at": pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01",
                                      "2020-01-01", "2020-01-01"]),
        "updated_at": pd.to_datetime(["2021-01-01", "2020-06-01", "2022-01-01",
                                      None, "2019-01-01"]),         # 2 updated before created
    })
    transactions = pd.DataFrame({
        "source": ["pos"] * 4,
        "customer_source": ["crm", "crm", "shop", None],
        "customer_ref": ["1", "9", "3", "77"],                        # crm/9 is an orphan
        "timestamp": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-06-01", "2024-06-02"]),
        "amount": [1.0, 2.0, None, 4.0],
    })
    return {"customers": customers, "transactions": transactions}


def _run(spec, tables):
    return make_rule(spec).evaluate(tables)


def test_every_builtin_rule_type_is_registered():
    for name in ("not_null", "unique", "pattern", "allowed_values", "range",
                 "referential_integrity", "freshness", "cross_field"):
        assert name in validators
        assert issubclass(validators.get(name), Rule)
    with pytest.raises(UnknownPluginError, match="valid names"):
        make_rule({"type": "no_such_rule"})


@pytest.mark.parametrize("spec,checked,failed", [
    ({"type": "not_null", "column": "email"}, 5, 2),
    ({"type": "unique", "columns": ["source", "record_id"]}, 5, 2),
    ({"type": "pattern", "column": "postcode", "pattern": r"\d{5}"}, 4, 2),
    ({"type": "allowed_values", "column": "channel", "values": ["web", "store"]}, 4, 1),
    ({"type": "range", "column": "age", "min": 0, "max": 120}, 4, 2),
    ({"type": "range", "column": "created_at", "min": "2020-06-01"}, 5, 3),
    ({"type": "cross_field", "expression": "updated_at >= created_at"}, 4, 2),
])
def test_rule_counts_on_customers(tables, spec, checked, failed):
    res = _run({"table": "customers", **spec}, tables)
    assert res.error is None
    assert (res.n_checked, res.n_failed) == (checked, failed)


def test_referential_integrity_transactions_to_customers(tables):
    res = _run({"type": "referential_integrity", "table": "transactions"}, tables)
    # The row without customer_source is keyed by its own number: not checked.
    assert (res.n_checked, res.n_failed) == (3, 1)
    res = _run({"type": "referential_integrity", "table": "transactions",
                "column": "customer_ref", "ref_table": "customers"}, tables)
    assert (res.n_checked, res.n_failed) == (4, 2)


def test_freshness_one_check_per_source(tables):
    fresh = _run({"type": "freshness", "table": "transactions", "column": "timestamp",
                  "max_age_days": 10, "params": {"reference": "2024-06-10"}}, tables)
    assert (fresh.n_checked, fresh.n_failed) == (1, 0)
    stale = _run({"type": "freshness", "table": "transactions", "column": "timestamp",
                  "max_age_days": 5, "params": {"reference": "2024-06-10"}}, tables)
    assert stale.n_failed == 1


def test_missing_table_or_column_is_a_note_not_a_crash(tables):
    assert "not available" in _run({"type": "not_null", "table": "events",
                                    "column": "x"}, tables).error
    assert "not in table" in _run({"type": "not_null", "column": "nope"}, tables).error


def test_scorecard_dimensions_overall_and_fail_below(tables):
    rules = [make_rule({"type": "not_null", "column": "email", "severity": "warning"}),
             make_rule({"type": "pattern", "column": "postcode", "pattern": r"\d{5}",
                        "severity": "warning"}),
             make_rule({"type": "allowed_values", "column": "channel",
                        "values": ["web", "store"], "severity": "warning"})]
    sc = build_scorecard(rules, tables)
    dims = sc.by_dimension.set_index("dimension")["score"]
    # completeness: 3/5; validity: mean(2/4, 3/4) = 0.625; overall = mean of dimensions.
    assert dims["completeness"] == pytest.approx(0.6)
    assert dims["validity"] == pytest.approx(0.625)
    assert sc.overall == pytest.approx((0.6 + 0.625) / 2)
    assert sc.status == "pass" and len(sc.warnings) == 3
    failing = build_scorecard(rules, tables, fail_below=0.9)
    assert failing.status == "fail" and "fail_below" in failing.failures[0]
    thr = build_scorecard(rules, tables, thresholds={"validity": 0.7})
    assert thr.failures == ["validity score 0.625 below threshold 0.700"]


def test_scorecard_per_source_and_masked_examples(tables):
    sc = build_scorecard([make_rule({"type": "unique", "column": "email"}),
                          make_rule({"type": "not_null", "column": "email"})],
                         {"customers": tables["customers"].assign(
                             email=["a@x.io", "a@x.io", None, "b@x.io", "b@x.io"])})
    sf = sc.by_source_field.set_index(["source", "dimension"])
    assert sf.loc[("crm", "completeness"), "n_failed"] == 1
    assert sf.loc[("shop", "uniqueness"), "n_failed"] == 2
    ex = sc.examples
    assert set(ex["value"].dropna()) <= {"a***@x.io", "b***@x.io"}
    assert "a@x.io" not in ex.to_string()
    assert sc.status == "fail"  # error rules with failures


def test_tolerance(tables):
    rule = make_rule({"type": "not_null", "column": "email", "tolerance": 0.5})
    assert evaluate_rules([rule], tables)[0].ok
    rule = make_rule({"type": "not_null", "column": "email", "tolerance": 0.3})
    assert not evaluate_rules([rule], tables)[0].ok


def test_rules_from_yaml_config(tables, tmp_path):
    cfg = config_from_dict({"client": "a", "validation": {"fail_below": 0.5, "rules": [
        {"type": "pattern", "column": "postcode", "pattern": "[0-9]{5}", "name": "zip ok"}]}},
        base_dir=tmp_path)
    rule = make_rule(cfg.validation.rules[0])
    assert rule.name == "zip ok" and rule.evaluate(tables).n_failed == 2


def test_builtin_rules_cover_keys_and_orphans(tables):
    rules = builtin_rules(tables, reference="2024-06-10", freshness_max_age_days=30)
    names = {r.name for r in rules}
    assert "unique:customers.source+record_id" in names
    assert "referential_integrity:transactions->customers" in names
    sc = build_scorecard(rules, tables)
    by = sc.by_rule.set_index("rule")
    assert by.loc["unique:customers.source+record_id", "n_failed"] == 2
    assert by.loc["referential_integrity:transactions->customers", "n_failed"] == 1
    assert "timeliness" in set(sc.by_dimension["dimension"])
    assert any("unique:customers.source+record_id" in f for f in sc.failures)


def test_pandera_schema_failure_cases():
    cm = pd.DataFrame({"source": ["a", "a"], "record_id": ["1", "1"],
                       "customer_id": ["C1", None]})
    fc = validate_table("customer_map", cm)
    assert set(fc["check"]) >= {"not_nullable", "multiple_fields_uniqueness"}
    tx = pd.DataFrame({"source": ["s"], "timestamp": ["yesterday"], "amount": ["12"]})
    fc = validate_table("transactions", tx)
    assert set(fc["column"]) == {"timestamp", "amount"}
    good = pd.DataFrame({"source": ["s"], "timestamp": pd.to_datetime(["2024-01-01"]),
                         "amount": [1.5]})
    assert validate_table("transactions", good).empty
