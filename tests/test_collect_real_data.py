"""UCI Online Retail through a client YAML reproduces the published counts (Hwang, ch. 9)."""

from __future__ import annotations

import pytest

from cdmkit.collect import collect_sources
from cdmkit.config import load_config

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]

YAML = """
client: retail
sources:
  - name: online_retail
    kind: transactions
    path: {path}
    mapping:
      order_id: InvoiceNo
      product_id: StockCode
      product_name: Description
      quantity: Quantity
      timestamp: InvoiceDate
      unit_price: UnitPrice
      customer_ref: CustomerID
      country: Country
    drop_duplicates: false      # the published counts keep repeated lines
    filters:
      - {{field: quantity, op: ">", value: 0}}
      - {{field: customer_ref, op: notnull}}
      - {{field: timestamp, op: "<", value: "2011-12-01"}}
"""


@pytest.fixture(scope="module")
def retail(shared_data, tmp_path_factory):
    path = shared_data / "online_retail.parquet"
    # the folder is gated by the shared_data marker; a file missing from it is an error
    assert path.exists(), f"{path} not found in the shared datasets"
    cfg_path = tmp_path_factory.mktemp("retail") / "retail.yaml"
    cfg_path.write_text(YAML.format(path=path), encoding="utf-8")
    return collect_sources(load_config(cfg_path))


def test_published_counts(retail):
    st = retail.source_stats.iloc[0]
    assert st.rows_in == 541_909
    reasons = retail.rejects["reason"].value_counts()
    positive = st.rows_in - reasons["filter: quantity > 0"]
    assert positive == 531_285
    with_customer = positive - reasons["filter: customer_ref notnull"]
    assert with_customer == 397_924
    tx = retail.tables["transactions"]
    assert len(tx) == st.rows_clean == 380_620
    assert tx["customer_ref"].nunique() == 4_298
    assert round(tx["amount"].sum(), 2) == 8_393_215.11
    assert st.rows_in == st.rows_clean + st.rows_rejected


def test_customer_ids_are_clean_strings_and_countries_iso(retail):
    tx = retail.tables["transactions"]
    assert tx["customer_ref"].str.fullmatch(r"\d{5}").all()  # 17850.0 -> "17850"
    assert "17850" in set(tx["customer_ref"])
    assert tx.loc[tx["country_valid"].fillna(False), "country"].str.fullmatch(r"[A-Z]{2}").all()
    assert (tx["country"] == "GB").mean() > 0.85
    assert tx["customer_source"].isna().all()  # no customers source: customer_ref is the ID
