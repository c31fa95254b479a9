"""The CDNOW files as cdmkit reads them: transactions join the published summary."""

from __future__ import annotations

import pytest

from cdmkit.analyze.data import CdnowUnavailable, cdnow_summary, cdnow_transactions


@pytest.fixture(scope="module")
def cdnow():
    try:
        return cdnow_transactions(), cdnow_summary()
    except CdnowUnavailable as exc:
        pytest.skip(f"CDNOW data unavailable: {exc}")


def test_sample_ids_join_the_summary(cdnow):
    tx, summary = cdnow
    assert tx["customer_id"].nunique() == 2357
    assert set(tx["customer_id"]) == set(summary.index)
    # the master-file number is kept apart, and is not the sample number
    assert (tx["master_id"] != tx["customer_id"]).any()
    assert tx.groupby("customer_id")["master_id"].nunique().max() == 1


def test_transactions_give_the_published_calibration_frequency(cdnow):
    tx, summary = cdnow
    # 39-week calibration period from 1997-01-01: repeat purchase days per customer
    cal = tx[tx["date"] <= "1997-09-30"]
    repeat = cal.groupby("customer_id")["date"].nunique() - 1
    assert (repeat.reindex(summary.index) == summary["frequency"]).all()
    first_order = tx.groupby("customer_id")["date"].min()
    assert (first_order <= "1997-03-31").all()   # the cohort was acquired in Q1 1997
