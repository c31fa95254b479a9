"""Cohorts: retention and revenue-retention matrices against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdmkit.analyze import (AnalysisInputError, cohort_curves, cohort_table, retention_matrix,
                            revenue_retention_matrix)


@pytest.fixture()
def tx():
    rows = [  # Jan cohort: 1, 2, 3; Feb cohort: 4, 5; Apr cohort: 6
        (1, "2024-01-03", 10), (1, "2024-02-10", 5), (1, "2024-04-01", 5),
        (2, "2024-01-20", 20), (2, "2024-01-25", 20), (2, "2024-03-02", 8),
        (3, "2024-01-31", 10),
        (4, "2024-02-01", 30), (4, "2024-03-15", 15),
        (5, "2024-02-29", 10),
        (6, "2024-04-30", 7)]
    return pd.DataFrame(rows, columns=["c", "d", "v"]).assign(d=lambda x: pd.to_datetime(x["d"]))


def test_retention_matrix_by_hand(tx):
    m = retention_matrix(cohort_table(tx, "c", "d", "v"))
    assert list(m.index) == ["2024-01", "2024-02", "2024-04"]
    np.testing.assert_allclose(m.loc["2024-01"].to_numpy(), [1, 1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_allclose(m.loc["2024-02"].to_numpy()[:3], [1, 0.5, 0.0])
    assert np.isnan(m.loc["2024-02", 3])        # April is only 2 periods after February
    assert m.loc["2024-04", 0] == 1 and m.loc["2024-04"].iloc[1:].isna().all()


def test_revenue_retention_by_hand(tx):
    m = revenue_retention_matrix(cohort_table(tx, "c", "d", "v"))
    # January cohort revenue in Jan: 10+20+20+10 = 60; Feb: 5; Mar: 8; Apr: 5
    np.testing.assert_allclose(m.loc["2024-01"].to_numpy(), [1, 5 / 60, 8 / 60, 5 / 60])
    # February cohort: 40 in Feb, 15 in Mar
    assert m.loc["2024-02", 1] == pytest.approx(15 / 40)


def test_no_values_means_no_revenue(tx):
    t = cohort_table(tx, "c", "d", None)
    assert "revenue" not in t
    with pytest.raises(AnalysisInputError, match="no revenue"):
        revenue_retention_matrix(t)


def test_curves_weight_only_cohorts_that_reached_the_period(tx):
    curves = cohort_curves(cohort_table(tx, "c", "d", None))
    by = curves.set_index("period")["retention"]
    assert by[0] == 1.0
    # period 1: Jan (1 of 3 active) and Feb (1 of 2); April has not reached period 1
    assert by[1] == pytest.approx(2 / 5)
    # period 2: Jan 1/3, Feb 0/2 -> 1/5; period 3: Jan only -> 1/3
    assert by[2] == pytest.approx(1 / 5) and by[3] == pytest.approx(1 / 3)


def test_curves_per_segment(tx):
    seg = pd.Series({1: "A", 2: "A", 3: "B", 4: "B", 5: "B", 6: "A"})
    curves = cohort_curves(cohort_table(tx, "c", "d", None, groups=seg))
    a = curves[curves["group"] == "A"].set_index("period")["retention"]
    # A: Jan cohort {1,2}: period1 {1}, period2 {2}, period3 {1}; Apr cohort {6} only period 0
    assert a[0] == 1 and a[1] == pytest.approx(0.5) and a[3] == pytest.approx(0.5)


def test_quarterly_and_weekly_cohorts(tx):
    q = retention_matrix(cohort_table(tx, "c", "d", None, freq="Q"))
    assert list(q.index) == ["2024Q1", "2024Q2"]
    assert q.loc["2024Q1", 1] == pytest.approx(1 / 5)      # only customer 1 bought in Q2
    w = cohort_table(tx, "c", "d", None, freq="W", max_periods=4)
    assert w["period"].max() <= 4


def test_bad_input(tx):
    with pytest.raises(AnalysisInputError, match="unknown cohort freq"):
        cohort_table(tx, "c", "d", freq="Y")
    with pytest.raises(AnalysisInputError, match="lack column"):
        cohort_table(tx, "c", "x")
