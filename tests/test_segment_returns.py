"""Rules for cancellations, returns and negative amounts."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdmkit.config import SegmentationConfig
from cdmkit.segment import apply_return_rules, is_return, rfm_summary
from cdmkit.segment.filters import usual_filter
from cdmkit.segment.returns import describe_returns, prepare_purchases


@pytest.fixture
def tx():
    return pd.DataFrame({
        "customer_id": ["a", "a", "a", "a", "b", "b"],
        "order_id": ["1", "C1", "2", "3", "C9", "10"],
        "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-03 00:00", "2024-01-10 00:00",
                                     "2024-01-12 00:00", "2024-01-01 00:00", "2024-01-05 00:00"]),
        "quantity": [2.0, -1.0, 1.0, 3.0, -2.0, 1.0],
        "amount": [40.0, -20.0, 15.0, 30.0, -8.0, 12.0],
        "status": ["sale", "cancelled", "sale", "Return", None, "sale"],
    })


def test_detection_by_sign_status_and_prefix(tx):
    assert is_return(tx).tolist() == [False, True, False, True, True, False]
    assert is_return(tx, cancel_prefix=None, return_statuses=()).tolist() == \
        [False, True, False, False, True, False]


def test_drop_removes_and_reports_every_return(tx):
    r = apply_return_rules(tx, "drop")
    assert r.transactions["order_id"].tolist() == ["1", "2", "10"]
    assert sorted(r.rejects["order_id"]) == ["3", "C1", "C9"]
    assert (r.rejects["reason"] == "return or cancellation (rule drop)").all()
    assert r.report["removed"] == 3 and len(r.transactions) + len(r.rejects) == len(tx)
    # the status-flagged return with a positive amount is removed with a negative value
    assert r.report["value_removed"] == -(20 + 30 + 8)


def test_net_unmatched_fallback_moves_returns_to_latest_earlier_purchase(tx):
    # No product or price column: returns match on customer and value per unit.
    r = apply_return_rules(tx, "net", unmatched="net")
    kept = r.transactions.set_index("order_id")
    # C1 (1 unit at 20) is matched to order 1 (2 units at 20), which keeps one unit
    assert kept.loc["1", "quantity"] == 1.0 and kept.loc["1", "amount"] == 20.0
    assert "C1" not in kept.index
    # "3" (status return, 3 units at 10) matches nothing at that price: moved to day 10
    assert kept.loc["3", "timestamp"] == pd.Timestamp("2024-01-10")
    assert kept.loc["3", "returned_at"] == pd.Timestamp("2024-01-12")
    assert kept.loc["3", "amount"] == -30.0
    # b's return precedes any purchase of b: removed and reported
    assert sorted(r.rejects["order_id"]) == ["C1", "C9"]
    assert r.report["netted"] == 1 and r.report["matched_lines"] == 1
    s = rfm_summary(r.transactions, observation_end="2024-01-31")
    # a: day 1 = 40 - 20, day 10 = 15 - 30 -> one repeat period, no extra purchase occasions
    assert s.loc["a", "frequency"] == 1.0
    assert s.loc["a", "total_spend"] == 40 - 20 + 15 - 30


def _lines(rows):
    """Hand-built order lines: (customer, order, product, quantity, price, time)."""
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "product_id", "quantity",
                                     "unit_price", "timestamp"])
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    return df.assign(amount=df["quantity"] * df["unit_price"])


def test_net_full_cancellation_leaves_no_spend():
    # 16446 in Online Retail: 80,995 units ordered, cancelled 12 minutes later.
    t = _lines([("16446", "581483", "23843", 80995, 2.08, "2011-12-09 09:15"),
                ("16446", "C581484", "23843", -80995, 2.08, "2011-12-09 09:27"),
                ("9", "5", "23843", 3, 2.08, "2011-12-09 09:00")])
    r = apply_return_rules(t, "net")
    assert r.transactions["customer_id"].tolist() == ["9"]
    assert r.report["matched_lines"] == 1 and r.report["lines_cancelled"] == 1
    assert r.report["matched_value"] == pytest.approx(80995 * 2.08)
    assert r.report["unmatched_value"] == 0 and r.report["unmatched_lines"] == 0
    assert sorted(r.rejects["reason"]) == ["cancelled by a later return (rule net)",
                                           "return matched to the order it cancels (rule net)"]
    assert r.report["value_removed"] == pytest.approx(0.0)  # +order and -return both removed
    s = rfm_summary(r.transactions)
    assert "16446" not in s.index


def test_net_partial_return_reduces_its_line_only():
    t = _lines([("a", "1", "x", 10, 2.0, "2024-01-01"), ("a", "1", "y", 4, 5.0, "2024-01-01"),
                ("a", "C2", "x", -4, 2.0, "2024-01-03")])
    r = apply_return_rules(t, "net")
    got = r.transactions.set_index("product_id")
    assert got.loc["x", "quantity"] == 6 and got.loc["x", "amount"] == 12.0
    assert got.loc["y", "amount"] == 20.0
    assert r.report["lines_reduced"] == 1 and r.report["lines_cancelled"] == 0
    assert r.report["matched_value"] == 8.0
    assert r.report["value_removed"] == pytest.approx(-8.0)  # the return line
    assert r.report["value_reduced"] == pytest.approx(8.0)
    assert r.transactions["amount"].sum() == 32.0


def test_net_prefers_the_line_with_the_returned_quantity_and_spreads_large_returns():
    t = _lines([("a", "1", "x", 5, 1.0, "2024-01-01"), ("a", "2", "x", 3, 1.0, "2024-01-02"),
                ("a", "3", "x", 2, 1.0, "2024-01-03"), ("a", "C4", "x", -5, 1.0, "2024-01-04"),
                ("a", "C5", "x", -4, 1.0, "2024-01-05")])
    r = apply_return_rules(t, "net")
    # C4 takes order 1 (exactly 5 units) though later lines exist; C5 takes 2 + 2 units
    assert r.transactions[["order_id", "quantity"]].values.tolist() == [["2", 1.0]]
    assert r.report["lines_cancelled"] == 2 and r.report["lines_reduced"] == 1
    assert r.report["matched_lines"] == 2


def test_no_match_other_price_customer_product_or_later_order():
    t = _lines([("a", "1", "x", 2, 3.0, "2024-01-01"),
                ("a", "C2", "x", -2, 2.5, "2024-01-02"),    # other price
                ("b", "C3", "x", -2, 3.0, "2024-01-02"),    # other customer
                ("a", "C4", "z", -2, 3.0, "2024-01-02"),    # other product
                ("a", "C5", "w", -1, 4.0, "2024-01-02"),    # its order comes later
                ("a", "6", "w", 1, 4.0, "2024-01-09")])
    r = apply_return_rules(t, "net")
    assert r.transactions["order_id"].tolist() == ["1", "6"]
    assert r.transactions["amount"].tolist() == [6.0, 4.0]
    assert r.report["matched_lines"] == 0 and r.report["unmatched_lines"] == 4
    assert r.report["unmatched_value"] == pytest.approx(5 + 6 + 6 + 4)
    assert set(r.rejects["reason"]) == {"return not matched to an earlier order (rule net)"}


def test_return_larger_than_its_orders_is_partly_matched():
    t = _lines([("a", "1", "x", 2, 1.0, "2024-01-01"), ("a", "C2", "x", -5, 1.0, "2024-01-02")])
    r = apply_return_rules(t, "net")
    assert r.transactions.empty
    assert r.report["partly_matched_lines"] == 1
    assert (r.report["matched_value"], r.report["unmatched_value"]) == (2.0, 3.0)


def test_bad_debt_adjustment_is_not_a_return_but_a_non_product_line():
    t = _lines([("a", "1", "x", 2, 3.0, "2024-01-01"),
                (None, "A563185", "B", 1, -11062.06, "2011-08-12")])
    t.loc[1, "product_name"] = "Adjust bad debt"
    assert is_return(t).tolist() == [False, False]
    r = apply_return_rules(t, "net")
    assert r.report["return_lines"] == 0 and len(r.transactions) == 2
    p = prepare_purchases(t)
    assert p.transactions["order_id"].tolist() == ["1"]
    assert p.report["non_product_by_kind"] == {"bad debt adjustment": 1}
    assert p.report["non_product_value"] == pytest.approx(-11062.06)
    assert p.rejects["reason"].tolist() == ["non-product line (bad debt adjustment)"]


def test_non_product_rules_are_configurable():
    t = _lines([("a", "1", "POST", 1, 18.0, "2024-01-01"), ("a", "1", "FRT", 1, 5.0,
                                                              "2024-01-01"),
                ("a", "1", "x", 1, 2.0, "2024-01-01")])
    assert prepare_purchases(t).transactions["product_id"].tolist() == ["FRT", "x"]
    cfg = SegmentationConfig(non_product_codes={"freight": ["frt"]}, non_product_patterns={})
    r = prepare_purchases(t, cfg)
    assert r.transactions["product_id"].tolist() == ["POST", "x"]
    assert r.report["non_product_by_kind"] == {"freight": 1}
    none = SegmentationConfig(non_product_codes={}, non_product_patterns={})
    assert len(prepare_purchases(t, none).transactions) == 3


def test_usual_filter_counts():
    t = pd.DataFrame({"quantity": [1, -1, 2, 3, 0], "customer_ref": ["a", "a", None, "b", "c"],
                      "timestamp": pd.to_datetime(["2011-01-01", "2011-01-02", "2011-01-03",
                                                   "2011-12-05", "2011-01-01"])})
    f = usual_filter(t, before="2011-12-01")
    assert f.counts == {"rows_in": 5, "positive_quantity": 3, "with_customer": 2,
                        "before_end": 1}
    assert f.rows["customer_ref"].tolist() == ["a"]


def test_keep_changes_nothing(tx):
    r = apply_return_rules(tx, "keep")
    pd.testing.assert_frame_equal(r.transactions, tx)
    assert len(r.rejects) == 0 and r.report["return_lines"] == 3


def test_zero_amount_rule_and_unknown_rule(tx):
    z = tx.assign(amount=[0.0, -20, 15, 30, -8, 12])
    r = apply_return_rules(z, "keep", drop_zero=True)
    assert r.rejects["reason"].tolist() == ["zero value"]
    with pytest.raises(ValueError, match="unknown returns rule"):
        apply_return_rules(tx, "ignore")


def test_missing_optional_columns_are_fine():
    t = pd.DataFrame({"customer_id": ["a", "a"], "timestamp": pd.to_datetime(["2024-01-01",
                                                                              "2024-01-02"]),
                      "amount": [5.0, -1.0]})
    assert apply_return_rules(t, "drop").report["removed"] == 1


def test_describe_returns_says_what_each_rule_did():
    t = _lines([("a", "1", "x", 2, 3.0, "2024-01-01"), ("a", "C2", "x", -2, 3.0, "2024-01-02"),
                ("a", "3", "POST", 1, 18.0, "2024-01-01")])
    text = describe_returns(prepare_purchases(t).report)
    assert "1 matched in full" in text and "6.00 netted" in text
    assert "1 order lines cancelled in full" in text
    assert "1 non-product lines" in text and "18.00" in text
    drop = describe_returns(prepare_purchases(t, SegmentationConfig(returns="drop")).report)
    assert "keep their full value" in drop


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ab"), st.sampled_from("xyz"),
                          st.integers(-6, 6).filter(bool), st.sampled_from([1.0, 2.5]),
                          st.integers(0, 5)), min_size=1, max_size=25))
def test_net_conserves_value_and_loses_no_line(rows):
    t = _lines([(c, ("C" if q < 0 else "") + str(i), p, q, u, f"2024-01-0{d + 1}")
                for i, (c, p, q, u, d) in enumerate(rows)])
    r = apply_return_rules(t, "net")
    rep = r.report
    buys, rets = t[t["quantity"] > 0], t[t["quantity"] < 0]
    # every line is kept or rejected, and kept lines are purchases with what is left of them
    assert len(r.transactions) + len(r.rejects) == len(t)
    assert (r.transactions["quantity"] > 0).all()
    assert r.transactions["amount"].sum() == pytest.approx(buys["amount"].sum()
                                                           - rep["matched_value"])
    assert rep["matched_value"] + rep["unmatched_value"] == pytest.approx(-rets["amount"].sum())
    assert rep["matched_lines"] + rep["partly_matched_lines"] + rep["unmatched_lines"] == len(rets)
    # a return only takes units from the same customer, product and price
    kept = r.transactions.set_index(["customer_id", "product_id", "unit_price"]).sort_index()
    for key, g in t.groupby(["customer_id", "product_id", "unit_price"]):
        left = kept.loc[[key], "quantity"].sum() if key in kept.index else 0.0
        assert left >= g.loc[g["quantity"] > 0, "quantity"].sum() \
            + g.loc[g["quantity"] < 0, "quantity"].sum() - 1e-9
