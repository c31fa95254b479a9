"""RFM summary: lifetimes' published examples and an independent loop computation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cdmkit.errors import InputError
from cdmkit.segment import rfm_summary

# Fixtures and expected values published in lifetimes' own test suite
# (CamDavidsonPilon/lifetimes, tests/test_utils.py).
SMALL = pd.DataFrame([[1, "2015-02-01"], [1, "2015-02-06"], [2, "2015-01-01"],
                      [3, "2015-01-01"], [3, "2015-01-02"], [3, "2015-01-05"]],
                     columns=["id", "date"])
LARGE = pd.DataFrame([
    [1, "2015-01-01", 1], [1, "2015-02-06", 2], [2, "2015-01-01", 2], [3, "2015-01-01", 3],
    [3, "2015-01-02", 1], [3, "2015-01-05", 5], [4, "2015-01-16", 6], [4, "2015-02-02", 3],
    [4, "2015-02-05", 3], [5, "2015-01-16", 3], [5, "2015-01-17", 1], [5, "2015-01-18", 8],
    [6, "2015-02-02", 5]], columns=["id", "date", "monetary_value"])


def test_lifetimes_published_daily_example():
    s = rfm_summary(SMALL, "id", "date", None, observation_end="2015-02-07")
    expected = pd.DataFrame([[1.0, 5.0, 6.0], [0.0, 0.0, 37.0], [2.0, 4.0, 37.0]],
                            columns=["frequency", "recency", "T"],
                            index=pd.Index([1, 2, 3], name="id"))
    pd.testing.assert_frame_equal(s[["frequency", "recency", "T"]], expected)


def test_lifetimes_published_monetary_example():
    s = rfm_summary(LARGE, "id", "date", "monetary_value", observation_end="20150207")
    expected = pd.DataFrame([[1, 36, 37, 2], [0, 0, 37, 0], [2, 4, 37, 3], [2, 20, 22, 3],
                             [2, 2, 22, 4.5], [0, 0, 5, 0]],
                            columns=["frequency", "recency", "T", "monetary_value"],
                            index=pd.Index([1, 2, 3, 4, 5, 6], name="id"), dtype=float)
    pd.testing.assert_frame_equal(s[expected.columns], expected)


def test_lifetimes_published_weekly_example():
    s = rfm_summary(LARGE, "id", "date", None, freq="W", observation_end="20150207")
    expected = pd.DataFrame([[1, 5, 5], [0, 0, 5], [1, 1, 5], [1, 3, 3], [0, 0, 3], [0, 0, 0]],
                            columns=["frequency", "recency", "T"],
                            index=pd.Index([1, 2, 3, 4, 5, 6], name="id"), dtype=float)
    pd.testing.assert_frame_equal(s[expected.columns], expected)


def test_lifetimes_first_purchase_is_earliest_not_first_row():
    # lifetimes issue #85: the dropped first purchase is the earliest one, whatever the order.
    tx = pd.DataFrame({"id": [2, 2, 2], "date": ["2014-04-09", "2014-03-14", "2014-05-21"],
                       "sales": [20, 10, 25]})
    assert rfm_summary(tx, "id", "date", "sales").loc[2, "monetary_value"] == 22.5


def test_purchases_in_one_period_squash_to_one():
    tx = pd.DataFrame({"id": [1, 1], "t": ["2015-01-01", "2015-01-01"]})
    assert rfm_summary(tx, "id", "t", None, freq="W").loc[1, "frequency"] == 0.0


def _independent(tx, freq, end):
    """Plain-loop RFM with lifetimes' semantics (period = floored day / Monday week)."""
    def period_start(d: dt.date) -> dt.date:
        return d if freq == "D" else d - dt.timedelta(days=d.weekday())

    unit = 1 if freq == "D" else 7
    end_p = period_start(end)
    per_cust: dict = {}
    for cust, ts, value, order in tx.itertuples(index=False):
        d = ts.date()
        if period_start(d) > end_p:
            continue
        rec = per_cust.setdefault(cust, {"periods": {}, "days": set(), "orders": set(),
                                         "total": 0.0, "first": ts, "last": ts})
        p = period_start(d)
        rec["periods"][p] = rec["periods"].get(p, 0.0) + value
        rec["days"].add(d)
        rec["orders"].add(order)
        rec["total"] += value
        rec["first"] = min(rec["first"], ts)
        rec["last"] = max(rec["last"], ts)
    rows = {}
    for cust, rec in per_cust.items():
        ps = sorted(rec["periods"])
        repeat = [rec["periods"][p] for p in ps[1:]]
        rows[cust] = {
            "frequency": float(len(ps) - 1),
            "recency": float((ps[-1] - ps[0]).days // unit),
            "T": float((end_p - ps[0]).days // unit),
            "monetary_value": sum(repeat) / len(repeat) if repeat else 0.0,
            "days_since_last": (end - rec["last"].date()).days,
            "n_purchases": len(rec["orders"]),
            "n_days": len(rec["days"]),
            "total_spend": rec["total"],
            "tenure_days": (end - rec["first"].date()).days,
        }
    return pd.DataFrame.from_dict(rows, orient="index").sort_index()


@pytest.fixture
def random_tx():
    rng = np.random.default_rng(7)
    n = 600
    start = pd.Timestamp("2023-01-01")
    return pd.DataFrame({
        "customer_id": rng.choice([f"C{i:03d}" for i in range(70)], n),
        "timestamp": start + pd.to_timedelta(rng.integers(0, 400 * 24 * 60, n), "min"),
        "amount": rng.gamma(2.0, 30.0, n).round(2),
        "order_id": rng.integers(0, 300, n).astype(str),
    })


@pytest.mark.parametrize("freq", ["D", "W"])
def test_matches_independent_loop_computation(random_tx, freq):
    end = dt.date(2023, 12, 31)  # some purchases fall after the window and must be ignored
    exp = _independent(random_tx[["customer_id", "timestamp", "amount", "order_id"]], freq, end)
    got = rfm_summary(random_tx, freq=freq, observation_end=str(end), order_col="order_id")
    assert list(got.index) == list(exp.index)
    for col in ["frequency", "recency", "T", "monetary_value", "total_spend"]:
        np.testing.assert_allclose(got[col].to_numpy(), exp[col].to_numpy(), rtol=1e-9,
                                   err_msg=col)
    for col in ["days_since_last", "n_purchases", "tenure_days"]:
        assert got[col].tolist() == exp[col].tolist(), col
    without_orders = rfm_summary(random_tx, freq=freq, observation_end=str(end))
    assert without_orders["n_purchases"].tolist() == exp["n_days"].tolist()


def test_default_window_ends_at_newest_purchase(random_tx):
    s = rfm_summary(random_tx)
    newest = random_tx["timestamp"].max()
    assert s.attrs["observation_end"] == str(newest.date())
    assert s["days_since_last"].min() == 0
    assert (s["recency"] <= s["T"]).all()
    assert (s["first_purchase"] <= s["last_purchase"]).all()


def test_monthly_unit():
    tx = pd.DataFrame({"c": [1, 1, 1], "d": ["2024-01-31", "2024-02-01", "2024-04-15"],
                       "v": [1.0, 2.0, 4.0]})
    s = rfm_summary(tx, "c", "d", "v", freq="M", observation_end="2024-06-01")
    assert s.loc[1, ["frequency", "recency", "T", "monetary_value"]].tolist() == \
        [2.0, 3.0, 5.0, 3.0]


def test_rows_without_customer_or_date_are_ignored_and_tz_handled():
    tx = pd.DataFrame({"customer_id": ["a", None, "a"],
                       "timestamp": pd.to_datetime(["2024-01-01T10:00Z", "2024-01-02T00:00Z",
                                                    None], utc=True),
                       "amount": [5.0, 6.0, 7.0]})
    s = rfm_summary(tx)
    assert list(s.index) == ["a"] and s.loc["a", "total_spend"] == 5.0


def test_clear_errors():
    tx = pd.DataFrame({"customer_id": ["a"], "timestamp": ["2024-01-01"], "amount": [1.0]})
    with pytest.raises(InputError, match="missing column"):
        rfm_summary(tx, value_col="value")
    with pytest.raises(InputError, match="unknown freq"):
        rfm_summary(tx, freq="Q")
    with pytest.raises(InputError, match="cannot read dates"):
        rfm_summary(tx.assign(timestamp=["not a date"]))


def test_empty_input_gives_empty_summary():
    tx = pd.DataFrame({"customer_id": pd.Series([], dtype=str),
                       "timestamp": pd.Series([], dtype="datetime64[ns]"),
                       "amount": pd.Series([], dtype=float)})
    s = rfm_summary(tx, observation_end="2024-01-01")
    assert len(s) == 0 and "monetary_value" in s
