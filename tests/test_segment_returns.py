"""Rules for cancellations, returns and negative amounts."""

from __future__ import annotations

import pandas as pd
import pytest

from cdmkit.segment import apply_return_rules, is_return, rfm_summary


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


def test_net_moves_returns_to_latest_earlier_purchase(tx):
    r = apply_return_rules(tx, "net")
    kept = r.transactions.set_index("order_id")
    assert kept.loc["C1", "timestamp"] == pd.Timestamp("2024-01-01 10:00")
    assert kept.loc["C1", "returned_at"] == pd.Timestamp("2024-01-03")
    assert kept.loc["3", "timestamp"] == pd.Timestamp("2024-01-10")  # status return, netted
    assert kept.loc["3", "amount"] == -30.0
    # b's return precedes any purchase of b: removed and reported
    assert r.rejects["order_id"].tolist() == ["C9"]
    assert r.report["netted"] == 2
    s = rfm_summary(r.transactions, observation_end="2024-01-31")
    # a: day 1 = 40 - 20, day 10 = 15 - 30 -> one repeat period, no extra purchase occasions
    assert s.loc["a", "frequency"] == 1.0
    assert s.loc["a", "total_spend"] == 40 - 20 + 15 - 30
    assert s.loc["a", "monetary_value"] == -15.0


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
