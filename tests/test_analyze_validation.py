"""Calibration / holdout split and holdout metrics, checked against hand counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdmkit.analyze import (AnalysisInputError, BetaGeo, calibration_holdout,
                            holdout_by_frequency, holdout_errors, simulate_bgnbd, tracking)


@pytest.fixture()
def tx():
    # customer a: first 2024-01-01, repeats 01-15 and 02-12 (cal), 04-01 twice same day (holdout)
    # customer b: one purchase in cal, two holdout days; customer c: only holdout (not in cohort)
    rows = [("a", "2024-01-01", 10), ("a", "2024-01-15", 20), ("a", "2024-02-12", 30),
            ("a", "2024-04-01", 5), ("a", "2024-04-01", 7),
            ("b", "2024-02-26", 8), ("b", "2024-03-11", 4), ("b", "2024-04-08", 6),
            ("c", "2024-04-02", 9)]
    return pd.DataFrame(rows, columns=["cust", "date", "value"]).assign(
        date=lambda d: pd.to_datetime(d["date"]))


def test_calibration_holdout_counts_by_hand(tx):
    ch = calibration_holdout(tx, "cust", "date", "value", calibration_end="2024-02-29",
                             observation_end="2024-04-25", time_unit="W")
    assert list(ch.index) == ["a", "b"]                      # c is not in the calibration cohort
    a, b = ch.loc["a"], ch.loc["b"]
    assert a["frequency_cal"] == 2 and a["recency_cal"] == pytest.approx(6.0)  # 42 days
    assert a["T_cal"] == pytest.approx(59 / 7)                # Jan 1 -> Feb 29
    assert a["monetary_value_cal"] == pytest.approx(25.0)     # mean of repeats 20, 30
    assert a["frequency_holdout"] == 1                        # two lines on one day = 1 purchase
    assert a["monetary_value_holdout"] == pytest.approx(12.0)
    assert b["frequency_cal"] == 0 and b["T_cal"] == pytest.approx(3 / 7)
    assert b["frequency_holdout"] == 2
    assert a["duration_holdout"] == pytest.approx(56 / 7)


def test_holdout_must_be_after_calibration(tx):
    with pytest.raises(AnalysisInputError, match="no holdout period"):
        calibration_holdout(tx, "cust", "date", calibration_end="2024-05-01",
                            observation_end="2024-04-25")
    with pytest.raises(AnalysisInputError, match="no purchases"):
        calibration_holdout(tx, "cust", "date", calibration_end="2023-05-01")


def test_holdout_metrics_match_direct_computation():
    df = simulate_bgnbd(3000, r=0.3, alpha=5.0, a=0.8, b=2.5, T=39.0, seed=3)
    ch = pd.DataFrame({"frequency_cal": df["frequency"], "recency_cal": df["recency"],
                       "T_cal": df["T"], "duration_holdout": 39.0,
                       "frequency_holdout": np.random.default_rng(0).poisson(0.8, len(df))})
    bg = BetaGeo().fit(ch["frequency_cal"], ch["recency_cal"], ch["T_cal"])
    pred = bg.conditional_expected_purchases(39.0, ch["frequency_cal"], ch["recency_cal"],
                                             ch["T_cal"])
    err = holdout_errors(bg, ch)
    d = pred - ch["frequency_holdout"].to_numpy()
    assert err["mae"] == pytest.approx(np.abs(d).mean())
    assert err["rmse"] == pytest.approx(np.sqrt((d ** 2).mean()))
    assert err["bias"] == pytest.approx(d.mean())
    assert err["n_customers"] == 3000
    byf = holdout_by_frequency(bg, ch, max_bucket=3)
    assert byf["bucket"].tolist() == ["0", "1", "2", "3+"]
    assert byf["customers"].sum() == 3000
    top = ch["frequency_cal"] >= 3
    assert byf.iloc[-1]["actual"] == pytest.approx(ch.loc[top, "frequency_holdout"].mean())
    assert byf.iloc[-1]["predicted"] == pytest.approx(pred[top.to_numpy()].mean())


def test_unconditional_expectation_matches_simulated_mean():
    """E[X(T)] of the fitted model equals the average repeat count of simulated customers."""
    full = simulate_bgnbd(20000, r=0.5, alpha=8.0, a=0.7, b=3.0, T=78.0, seed=9)
    bg = BetaGeo().fit(full["frequency"], full["recency"], full["T"])
    assert float(bg.expected_purchases(78.0)) == pytest.approx(full["frequency"].mean(), rel=0.05)


def test_tracking_counts_repeat_purchase_days(tx):
    bg = BetaGeo()
    bg.params_ = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}
    tr = tracking(bg, tx, "cust", "date", calibration_end="2024-02-29",
                  observation_end="2024-04-25", time_unit="W")
    # cohort a, b: repeat days a: 01-15, 02-12, 04-01; b: 03-11, 04-08 -> 5 in total
    assert tr["actual"].iloc[-1] == 5
    assert tr["actual"].is_monotonic_increasing and tr["predicted"].is_monotonic_increasing
    assert tr["date"].iloc[-1] == pd.Timestamp("2024-04-25")
    assert set(tr["period"]) == {"calibration", "holdout"}
    # prediction by hand at the last point: a is 115 days old, b 59 days old
    want = float(bg.expected_purchases(115 / 7) + bg.expected_purchases(59 / 7))
    assert tr["predicted"].iloc[-1] == pytest.approx(want)
