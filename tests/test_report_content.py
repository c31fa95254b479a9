"""What the reports say on a retailer's data: currency on every amount, one count of returns
and customers across stages (the audit of issue 13 on UCI Online Retail II, in miniature)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cdmkit.config import ClientConfig
from cdmkit.report.context import StageContext
from cdmkit.report import write_overview
from cdmkit.display import client_currency, figures_frame, money, readable

GBP_SOURCE = {"name": "shop", "kind": "transactions", "path": "shop.csv",
              "formats": {"currency": "GBP"}}


def test_money_carries_the_client_currency_or_a_neutral_sign():
    assert money(1234.5, "GBP") == "£1,234.50" and money(-3, "GBP") == "-£3.00"
    assert money(1234.5, None) == "¤1,234.50" and money(2, "CHF") == "CHF 2.00"
    t = readable(pd.DataFrame({"clv": [12.5], "share_revenue": [0.25], "n_customers": [3],
                               "total_spend_mean": [100.0]}), currency="GBP")
    assert t.iloc[0].tolist() == ["£12.50", "0.25", "3", "£100.00"]
    f = figures_frame({"clv_total": 10.0, "clv_main_model": "bgnbd",
                       "returns_matched_value": 5.0}, currency="GBP")
    assert f["Value"].tolist() == ["£10.00", "BG/NBD", "£5.00"]


def test_currency_comes_from_the_client_config():
    cfg = ClientConfig(client="shop", sources=[GBP_SOURCE])
    assert client_currency(cfg) == "GBP"
    assert client_currency(ClientConfig(client="x")) is None
    two = [GBP_SOURCE, dict(GBP_SOURCE, name="eu", formats={"currency": "EUR"})]
    assert client_currency({"sources": two}) is None  # no single sign would be true


def test_stage_tables_and_overview_show_the_currency(tmp_path, capsys):
    from IPython.core.interactiveshell import InteractiveShell  # noqa: F401 (display works)

    cfg = ClientConfig(client="shop", sources=[GBP_SOURCE])
    ctx = StageContext("analysis", cfg, tmp_path / "run")
    shown = []
    import IPython.display as d

    orig = d.display
    d.display = lambda obj, *a, **k: shown.append(obj.data)
    try:
        ctx.show(pd.DataFrame({"customer_id": ["C1"], "clv": [99.5]}))
    finally:
        d.display = orig
    assert "£99.50" in shown[0]
    run = tmp_path / "run"
    (run / "config.resolved.json").write_text(json.dumps(cfg.model_dump(mode="json")))
    summary = {"client": "shop", "run_id": "r", "ok": True, "stages": {"segmentation": {
        "total_revenue": 8_000.0}}}
    html = write_overview(run, summary).read_text(encoding="utf-8")
    assert "£8,000.00" in html


def _retail_lines() -> pd.DataFrame:
    """Two customers; one cancels every order; cancellations without a customer too."""
    ts = pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-02-01", "2024-03-01",
                         "2024-03-02", "2024-03-05"])
    return pd.DataFrame({
        "customer_ref": ["a", "a", "b", "b", None, None, "b"],
        "order_id": ["1", "C1", "2", "3", "C9", "C8", "4"],
        "product_id": ["x", "x", "y", "y", "z", "z", "y"],
        "quantity": [2.0, -2.0, 1.0, 1.0, -1.0, -1.0, 3.0],
        "unit_price": [5.0, 5.0, 4.0, 4.0, 1.0, 1.0, 4.0],
        "timestamp": ts}).assign(amount=lambda d: d.quantity * d.unit_price)


def test_segmentation_and_analysis_count_the_same_returns_and_customers(tmp_path):
    from cdmkit import analyze
    from cdmkit.segment import describe_scope, run_segmentation
    from cdmkit.segment import load_inputs as seg_inputs

    ctx = StageContext("segmentation", ClientConfig(client="t"), tmp_path)
    ctx.write_table("transactions", _retail_lines())
    with pytest.warns(UserWarning, match="too few to cluster"):
        seg = run_segmentation(seg_inputs(ctx).transactions, ctx.config.segmentation)
    inp = analyze.load_inputs(StageContext("analysis", ctx.config, tmp_path))
    # "A return" is a return line of a customer: one (a's), in both stages.
    assert seg.figures()["returns_removed"] == inp.returns_removed == 1
    assert seg.returns["no_customer"] == inp.returns["no_customer"] == 2
    # a cancelled everything: a customer without purchases, said with the number.
    assert seg.returns["customers_without_purchases"] == 1
    assert inp.transactions["customer_id"].nunique() == len(seg.rfm) == 1
    assert "1 of 2 customers has no purchase left" in describe_scope(seg.returns)


def test_unrecognised_country_of_a_transaction_keeps_its_original_and_a_flag(tmp_path):
    """Transactions keep no raw columns by default, yet a blanked value keeps its original."""
    from cdmkit.collect import collect_file

    path = tmp_path / "shop.csv"
    pd.DataFrame({"InvoiceNo": ["1", "2", "3"], "CustomerID": ["7", "8", "9"],
                  "InvoiceDate": ["2024-01-01 10:00"] * 3, "Quantity": [1, 2, 3],
                  "UnitPrice": [1.5, 2.0, 3.0],
                  "Country": ["United Kingdom", "Channel Islands", "Unspecified"]}
                 ).to_csv(path, index=False)
    res = collect_file(path, "transactions", mapping={
        "order_id": "InvoiceNo", "customer_ref": "CustomerID", "timestamp": "InvoiceDate",
        "quantity": "Quantity", "unit_price": "UnitPrice", "country": "Country"})
    t = res.tables["transactions"] if hasattr(res, "tables") else res.clean
    assert t["country"].tolist()[0] == "GB" and t["country"].isna().sum() == 2
    assert t["country_raw"].tolist()[1:] == ["Channel Islands", "Unspecified"]
    assert pd.isna(t["country_raw"].iloc[0])  # only blanked values are kept
    assert t["country_valid"].tolist()[1:] == [False, False]
    from cdmkit.report import blanked_values

    listed = blanked_values({"transactions": t})  # what the collection report shows
    assert sorted(listed["original"]) == ["Channel Islands", "Unspecified"]


def test_missing_value_words_count_as_missing_in_every_completeness_measure(tmp_path):
    """'nan', 'None', 'NULL' and '' are missing for the collection's completeness, the
    catalogue and the validation rules alike (one definition: cdmkit.missing)."""
    from cdmkit.collect import collect_file
    from cdmkit.missing import is_present
    from cdmkit.validate.rules import NotNull

    words = ["WHITE MUG", "nan", "None", "NULL", "", "  ", "#N/A", "RED MUG"]
    assert is_present(pd.Series(words)).tolist() == [True] + [False] * 6 + [True]
    path = tmp_path / "shop.csv"
    pd.DataFrame({"InvoiceNo": [str(i) for i in range(8)], "CustomerID": ["7"] * 8,
                  "InvoiceDate": ["2024-01-01 10:00"] * 8, "Quantity": [1] * 8,
                  "UnitPrice": [1.5] * 8, "StockCode": ["A"] * 8, "Description": words}
                 ).to_csv(path, index=False, na_rep="NULL")
    res = collect_file(path, "transactions", mapping={
        "order_id": "InvoiceNo", "customer_ref": "CustomerID", "timestamp": "InvoiceDate",
        "quantity": "Quantity", "unit_price": "UnitPrice", "product_id": "StockCode",
        "product_name": "Description"})
    comp = res.report.completeness.set_index("field")
    assert comp.loc["product_name", "before"] == pytest.approx(0.25)
    assert comp.loc["product_name", "after"] == pytest.approx(0.25)
    cat = res.catalog.set_index("field")
    assert cat.loc["Description", "completeness"] == pytest.approx(0.25)
    t = pd.DataFrame({"product_name": words})
    assert NotNull("transactions", "product_name").check(t, {}).mean() == pytest.approx(0.25)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_positive_parameters_get_positive_95_bounds():
    """Few customers, weakly identified drop-out: coef - 1.96 se falls below zero, the
    log-scale (delta method) interval of the report does not."""
    from cdmkit.analyze import BetaGeo
    from cdmkit.analyze.simulate import simulate_bgnbd

    d = simulate_bgnbd(80, r=0.5, alpha=5.0, a=0.3, b=6.0, T=30.0, seed=4)
    m = BetaGeo().fit(d["frequency"], d["recency"], d["T"])
    linear, log = m.summary(), m.summary(bounds="log")
    assert (linear["lower 95% bound"] < 0).any(), linear  # the defect shows on this data
    assert (log["lower 95% bound"] > 0).all() and (log["upper 95% bound"] > log["coef"]).all()
    # The bounds are the log-parameter's interval mapped back: symmetric on the log scale.
    ratio = log["coef"] / log["lower 95% bound"]
    assert (log["upper 95% bound"] / log["coef"] - ratio).abs().max() < 1e-9


def test_cohort_curve_leaves_out_the_left_censored_first_cohort():
    from cdmkit import analyze
    from cdmkit.analyze.inputs import AnalysisInputs
    from cdmkit.config import AnalysisConfig

    # 40 customers already buying when the data start (all buy again), then 10 new a month
    # of whom 2 buy again.
    rows = [(f"old{i}", "2024-01-05") for i in range(40)] + \
        [(f"old{i}", "2024-02-05") for i in range(40)]
    for m in (2, 3, 4):
        rows += [(f"n{m}_{i}", f"2024-0{m}-10") for i in range(10)]
        rows += [(f"n{m}_{i}", f"2024-0{m + 1}-12") for i in range(2)]
    tx = pd.DataFrame(rows, columns=["customer_id", "timestamp"]).assign(
        timestamp=lambda d: pd.to_datetime(d["timestamp"]), amount=1.0)
    inp = AnalysisInputs(tx, 0, None, None, None, None, None, True, pd.Timestamp("2024-05-31"))
    coh = analyze.run_cohorts(inp, AnalysisConfig())
    f = coh.figures()
    assert f["first_cohort"] == "2024-01" and f["first_cohort_left_censored"]
    assert f["retention_period_1"] == pytest.approx(0.2)  # new customers only
    assert "2024-01*" in coh.retention.index and "left out" in coh.note()
    kept = analyze.run_cohorts(inp, AnalysisConfig(cohort_exclude_first=False))
    assert kept.figures()["retention_period_1"] > 0.6 and "raises them" in kept.note()


def test_seasonality_keeps_two_decembers_apart():
    from cdmkit.analyze.patterns import seasonality

    days = pd.date_range("2009-12-01", "2010-12-09", freq="D")
    s = seasonality(pd.DataFrame({"timestamp": days}), value_col=None)
    assert s["year_month"]["year_month"].iloc[[0, -1]].tolist() == ["2009-12", "2010-12"]
    dec = s["month"].set_index("month").loc[12]
    assert dec["years"] == pytest.approx(1 + 9 / 31, abs=0.01)
    assert dec["per_year"] == pytest.approx(31, abs=0.5)  # not 40 December days
    assert "December" in s["coverage_note"]
