"""Analysis functions on the real datasets (grocery event log, UCI Online Retail)."""

from __future__ import annotations

import pandas as pd
import pytest

from cdmkit import analyze
from cdmkit.config import AnalysisConfig

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]


def _inputs(tx, has_amounts):
    return analyze.AnalysisInputs(tx, 0, None, None, None, None, None, has_amounts,
                                  tx["timestamp"].max().normalize())


def test_grocery_event_log_without_amounts(shared_data):
    raw = pd.read_csv(shared_data / "grocery_elog.csv")
    tx = pd.DataFrame({"customer_id": raw["cust"].astype(str),
                       "timestamp": pd.to_datetime(raw["date"])})
    inp = _inputs(tx, False)
    cfg = AnalysisConfig(churn_models=["logistic"])
    clv = analyze.run_clv(inp, cfg)
    assert set(clv.models) == {"bgnbd", "paretonbd"}
    assert clv.models["bgnbd"].converged_ and clv.models["paretonbd"].converged_
    assert len(clv.summary) == 1525                           # customers in the data set
    # a 13-week holdout: the model's total is within 25 % of the actual repeat purchases
    assert abs(clv.holdout_errors["total_error_pct"]) < 25
    coh = analyze.run_cohorts(inp, cfg)
    assert coh.revenue_retention is None and coh.n_cohorts >= 1
    churn = analyze.run_churn(inp, cfg, seed=0)
    assert churn.skipped is None and churn.figures()["churn_auc"] > 0.7


def test_online_retail(shared_data):
    df = pd.read_parquet(shared_data / "online_retail.parquet")
    df = df[(df["Quantity"] > 0) & df["CustomerID"].notna()]
    df = df[pd.to_datetime(df["InvoiceDate"]) < "2011-12-01"]
    tx = pd.DataFrame({"customer_id": df["CustomerID"].astype(int).astype(str),
                       "timestamp": pd.to_datetime(df["InvoiceDate"]),
                       "order_id": df["InvoiceNo"].astype(str),
                       "product_id": df["StockCode"].astype(str),
                       "amount": df["Quantity"] * df["UnitPrice"]}).reset_index(drop=True)
    # published figures (Hwang, ch. 9): 380,620 rows, 4,298 customers, revenue 8,393,215.11
    assert len(tx) == 380_620 and tx["amount"].sum() == pytest.approx(8_393_215.11, abs=0.01)
    inp = _inputs(tx, True)
    cfg = AnalysisConfig(clv_models=["bgnbd", "gammagamma"])
    clv = analyze.run_clv(inp, cfg)
    assert len(clv.summary) == 4298
    assert clv.models["bgnbd"].converged_ and clv.models["gammagamma"].converged_
    t = clv.output_table()
    assert (t["clv"] >= 0).all() and t["p_alive"].between(0, 1).all()
    # the customers with the highest CLV are among the biggest spenders of the past
    spend = tx.groupby("customer_id")["amount"].sum()
    top = t.nlargest(20, "clv")["customer_id"]
    assert spend[top].median() > spend.quantile(0.9)
    pairs = analyze.co_purchase(tx, "order_id", "product_id", min_support=0.01)
    assert len(pairs) > 50 and (pairs["lift"] > 1).all()
    # the top pair by lift is bought together far more often than by chance
    assert pairs.iloc[0]["lift"] > 20
