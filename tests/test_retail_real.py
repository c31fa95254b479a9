"""The whole pipeline on the real UCI Online Retail export, as a new client would run it.

`cdmkit init` writes the commented template; its sources are pointed at the one shop export
(a transactions table with a customer column, no customers file) and every default stage is
run. Expectations are computed here independently from the raw file (pandas over the source
columns), or are figures published for this dataset (Hwang, *Hands-On Data Science for
Marketing*, ch. 9). Skipped when ../shared/data is absent.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]

SOURCE_MAPPING = {"customer_ref": "CustomerID", "order_id": "InvoiceNo",
                  "timestamp": "InvoiceDate", "product_id": "StockCode",
                  "product_name": "Description", "quantity": "Quantity",
                  "unit_price": "UnitPrice", "country": "Country"}

#: Codes of the non-product lines of this export (postage, carriage, manual, discount,
#: samples, fees, bad debt, commission, vouchers), read off its descriptions by hand.
NON_PRODUCT = {"POST", "DOT", "C2", "M", "m", "D", "S", "AMAZONFEE", "BANK CHARGES", "CRUK",
               "B", "gift_0001_10", "gift_0001_20", "gift_0001_30", "gift_0001_40",
               "gift_0001_50"}


@pytest.fixture(scope="module")
def raw(shared_data):
    return pd.read_parquet(shared_data / "online_retail.parquet")


@pytest.fixture(scope="module")
def run(shared_data, tmp_path_factory):
    """`cdmkit init`, the sources section pointed at the export, then `cdmkit run` (all stages)."""
    from typer.testing import CliRunner

    from cdmkit.cli import app
    from cdmkit.report.runner import run_client

    base = tmp_path_factory.mktemp("online_retail")
    res = CliRunner().invoke(app, ["init", "retail", "--dir", str(base / "clients")])
    assert res.exit_code == 0, res.output
    path = base / "clients" / "retail.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("# <sources>"), text.index("# </sources>")
    mapping = "".join(f"      {k}: {v}\n" for k, v in SOURCE_MAPPING.items())
    sources = (f"# <sources>\nsources:\n  - name: shop\n    kind: transactions\n"
               f"    path: {shared_data / 'online_retail.parquet'}\n    mapping:\n{mapping}")
    path.write_text(text[:start] + sources + text[end:], encoding="utf-8")
    result = run_client(path, html=False, timeout=1800)
    assert result.error is None, result.error
    summary = json.loads((result.run_dir / "summary.json").read_text(encoding="utf-8"))
    return result.run_dir, summary


def test_published_cleaning_counts_with_the_kits_filter(raw):
    from cdmkit.segment import rfm_summary
    from cdmkit.segment.filters import usual_filter

    tx = raw.rename(columns={v: k for k, v in SOURCE_MAPPING.items()})
    tx["amount"] = tx["quantity"] * tx["unit_price"]
    f = usual_filter(tx, before="2011-12-01")
    assert f.counts == {"rows_in": 541_909, "positive_quantity": 531_285,
                        "with_customer": 397_924, "before_end": 380_620}
    kept = f.rows.assign(customer_ref=f.rows["customer_ref"].astype(int).astype(str))
    s = rfm_summary(kept, "customer_ref", observation_end="2011-11-30", order_col="order_id")
    assert len(s) == 4_298
    assert s["total_spend"].sum() == pytest.approx(8_393_215.11, abs=0.01)


def _fully_cancelled_customers(raw: pd.DataFrame) -> list:
    """Customers each of whose product lines is undone by a later cancellation line of the
    same product, price and quantity (at least as many such cancellations as lines)."""
    d = raw[raw["CustomerID"].notna() & ~raw["StockCode"].isin(NON_PRODUCT)]
    keys = ["CustomerID", "StockCode", "UnitPrice", "Quantity"]
    buys = d[d["Quantity"] > 0].groupby(keys)["InvoiceDate"].agg(["size", "max"])
    cancels = d[d["Quantity"] < 0].assign(Quantity=lambda x: -x["Quantity"]) \
        .groupby(keys)["InvoiceDate"].agg(["size", "min"])
    both = buys.join(cancels, rsuffix="_c", how="left")
    undone = (both["size_c"] >= both["size"]) & (both["min"] >= both["max"])
    per_customer = undone.groupby(level="CustomerID").all()
    return sorted(str(int(c)) for c in per_customer[per_customer].index)


def test_fully_cancelled_orders_count_no_spend(run, raw):
    run_dir, summary = run
    rfm = pd.read_parquet(run_dir / "data" / "rfm.parquet").set_index("customer_id")
    spend = rfm["total_spend"]
    gone = _fully_cancelled_customers(raw)
    assert "12346" in gone and len(gone) >= 5
    # the usual filter would give these customers their cancelled orders as spend ...
    usual = raw[(raw["Quantity"] > 0)].groupby(raw["CustomerID"].astype("Int64").astype(str))
    assert (usual.apply(lambda g: (g["Quantity"] * g["UnitPrice"]).sum())[gone] > 0).all()
    # ... netted, they spent nothing (they leave the RFM table or show 0)
    assert spend.reindex(gone).fillna(0).abs().max() < 0.01
    # 16446 ordered 80,995 units (168,469.60) and cancelled them 12 minutes later: what is
    # left is one small earlier order
    big = raw[(raw["CustomerID"] == 16446) & (raw["Quantity"].abs() == 80995)]
    assert len(big) == 2
    assert spend["16446"] == pytest.approx(
        (lambda o: (o["Quantity"] * o["UnitPrice"]).sum())(
            raw[(raw["CustomerID"] == 16446) & (raw["Quantity"].abs() != 80995)]), abs=0.01)
    assert spend["16446"] < 10
    seg = summary["stages"]["segmentation"]
    assert seg["returns_rule"] == "net"
    assert seg["returns_matched_value"] > 80995 * 2.08 and seg["returns_lines_cancelled"] > 0
    assert seg["returns_unmatched_value"] > 0        # returns of orders from before Dec 2010
    # and none of them carries CLV from a cancelled order's value
    clv = pd.read_parquet(run_dir / "data" / "clv.parquet").set_index("customer_id")
    assert clv.index.intersection(gone).empty or \
        (clv.loc[clv.index.intersection(gone), "frequency"] == 0).all()


def test_no_non_product_line_reaches_the_product_tables(run, raw):
    run_dir, summary = run
    seg = summary["stages"]["segmentation"]
    kinds = seg["returns_non_product_by_kind"]
    # Counted among the lines in scope (with a customer): the bad-debt adjustments and the
    # samples of this export have no customer, so they leave as "no customer" lines.
    assert {"postage", "manual adjustment", "fee", "discount"} <= set(kinds)
    dedup = raw[~raw.duplicated()]                      # collection drops exact duplicates
    dedup = dedup[dedup["CustomerID"].notna()]
    n_coded = int(dedup["StockCode"].isin(NON_PRODUCT).sum())
    assert n_coded <= seg["returns_non_product_lines"] <= n_coded + 50
    top = pd.read_csv(run_dir / "analysis" / "top_products.csv", dtype={"item": str})
    pairs = pd.read_csv(run_dir / "analysis" / "copurchase_pairs.csv",
                        dtype={"item_a": str, "item_b": str})
    assert len(top) and len(pairs)
    shown = set(top["item"]) | set(pairs["item_a"]) | set(pairs["item_b"])
    assert not shown & NON_PRODUCT
    # the analysis stage (CLV spend, product tables) leaves them out too
    assert summary["stages"]["analysis"]["non_product_lines"] > 0


def test_product_names_appear(run, raw):
    run_dir, summary = run
    top = pd.read_csv(run_dir / "analysis" / "top_products.csv", dtype={"item": str})
    pairs = pd.read_csv(run_dir / "analysis" / "copurchase_pairs.csv",
                        dtype={"item_a": str, "item_b": str})
    # the most frequent spelling of each code, computed from the raw file
    d = raw[raw["Description"].notna() & (raw["Description"] != "nan")]
    spelling = (d.groupby(["StockCode", "Description"]).size().rename("n").reset_index()
                .sort_values(["StockCode", "n", "Description"], ascending=[True, False, True])
                .drop_duplicates("StockCode").set_index("StockCode")["Description"].str.strip())
    assert top["name"].notna().all()
    assert (top["name"] == top["item"].map(spelling)).mean() > 0.95
    assert (pairs["name_a"] == pairs["item_a"].map(spelling)).mean() > 0.95
    assert "REGENCY CAKESTAND 3 TIER" in set(top["name"])
    figs = summary["stages"]["analysis"]
    assert figs["top_lift_pair_names"] == [spelling[c] for c in figs["top_lift_pair"]]
    # every item reaching the minimum support was paired (no silent cap)
    assert figs["copurchase_items_capped"] == 0 and figs["copurchase_items_frequent"] > 300


def test_transactions_only_client_runs_every_stage(run):
    run_dir, summary = run
    assert summary["ok"] and summary["error"] is None
    assert summary["status"] == {"collection": "ok", "segmentation": "ok", "analysis": "ok",
                                 "validation": "ok"}
    assert "no customers source" in summary["stages"]["linkage"]["skipped"]
    seg = pd.read_parquet(run_dir / "data" / "segments.parquet")
    assert {"12347", "17850"} <= set(seg["customer_id"])           # the shop's own numbers
    assert not (run_dir / "data" / "customer_map.parquet").exists()
