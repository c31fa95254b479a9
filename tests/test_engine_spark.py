"""The Spark engine in local mode gives the local engine's figures (RFM, cohorts, pairs).

Every test here shares one SparkSession (the ``spark`` fixture of the root conftest) and
runs on one xdist worker (group ``spark``): the JVM starts once per test run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]


@pytest.fixture(scope="module")
def orders(small_client):
    """The demo company's web-shop order lines, with one missing amount and one return."""
    tx = pd.read_parquet(small_client.files["webshop_orders.parquet"])
    tx.loc[3, "amount"] = np.nan
    tx.loc[5, "amount"] = -abs(tx.loc[5, "amount"])
    return tx


@pytest.mark.parametrize("freq,order_col", [("D", None), ("W", "order_id"), ("M", "order_id")])
def test_rfm_summary_on_spark_equals_the_local_engine(spark, orders, freq, order_col):
    from cdmkit.engine import spark_rfm_summary
    from cdmkit.segment import rfm_summary

    local = rfm_summary(orders, "account_id", "ordered_at", "amount", freq=freq,
                        order_col=order_col)
    on_spark = spark_rfm_summary(spark, spark.createDataFrame(orders), "account_id",
                                 "ordered_at", "amount", freq=freq, order_col=order_col)
    assert len(local) > 100
    # integer columns, dates and the customer order exactly; sums to the last bits only
    pd.testing.assert_frame_equal(local, on_spark, check_exact=False, rtol=1e-12, atol=0)
    for col in ("frequency", "recency", "T", "days_since_last", "n_purchases", "tenure_days",
                "first_purchase", "last_purchase"):
        assert local[col].equals(on_spark[col]), col
    assert local.attrs == on_spark.attrs


def test_rfm_on_spark_honours_the_observation_end(spark, orders):
    from cdmkit.engine import spark_rfm_summary
    from cdmkit.segment import rfm_summary

    end = orders["ordered_at"].quantile(0.5)
    local = rfm_summary(orders, "account_id", "ordered_at", "amount", "W", end)
    on_spark = spark_rfm_summary(spark, orders, "account_id", "ordered_at", "amount", "W", end)
    assert len(local) < orders["account_id"].nunique()  # later customers are left out
    pd.testing.assert_frame_equal(local, on_spark, check_exact=False, rtol=1e-12)


def test_cohorts_and_co_purchase_counts_on_spark_equal_the_local_engine(spark, orders):
    from cdmkit.analyze.cohorts import cohort_table
    from cdmkit.analyze.patterns import co_purchase
    from cdmkit.engine import spark_co_purchase_counts, spark_cohort_counts

    local = cohort_table(orders, "account_id", "ordered_at", "amount", freq="M")
    on_spark = spark_cohort_counts(spark, orders, "account_id", "ordered_at", "amount", freq="M")
    pd.testing.assert_frame_equal(local, on_spark, check_dtype=False, rtol=1e-12)
    local = co_purchase(orders, "order_id", "category", min_support=0.001, min_pairs=1)
    on_spark = spark_co_purchase_counts(spark, orders, "order_id", "category",
                                        min_support=0.001, min_pairs=1)
    assert len(local) >= 10
    pd.testing.assert_frame_equal(local, on_spark, check_dtype=False)
    assert on_spark.attrs["n_baskets"] == local.attrs["n_baskets"]


def test_sources_are_read_on_spark_with_canonical_names(spark, small_client, tmp_path):
    from cdmkit.config import SourceConfig
    from cdmkit.engine import read_source

    pq = SourceConfig(name="orders", kind="transactions", path=str(
        small_client.files["webshop_orders.parquet"]), mapping={"customer_id": "account_id"})
    sdf = read_source(spark, pq)
    assert "customer_id" in sdf.columns and "account_id" not in sdf.columns
    assert sdf.count() == small_client.counts["webshop_orders.parquet"]
    csv = SourceConfig(name="pos", kind="transactions", path="pos_sales.csv")
    sdf = read_source(spark, csv, base_dir=small_client.out_dir)
    assert sdf.count() == small_client.counts["pos_sales.csv"]
    assert dict(sdf.dtypes)[sdf.columns[0]] == "string"  # text, as the local loader reads it


def test_nanosecond_parquet_timestamps_are_read_as_timestamps(spark, orders, tmp_path):
    from cdmkit.config import SourceConfig
    from cdmkit.engine import read_source

    path = tmp_path / "o.parquet"
    orders.to_parquet(path)  # pandas writes nanoseconds, which Spark cannot read as such
    sdf = read_source(spark, SourceConfig(name="o", kind="transactions", path=str(path)))
    assert dict(sdf.dtypes)["ordered_at"] == "timestamp"
    got = sdf.select("ordered_at").toPandas()["ordered_at"]
    assert got.min() == orders["ordered_at"].min() and got.max() == orders["ordered_at"].max()


@pytest.fixture(scope="module")
def collected(small_client):
    """The demo company after the collection stage (customers and transactions)."""
    from cdmkit.collect import collect_sources
    from cdmkit.config import load_config

    cfg = load_config(small_client.config_path)
    return cfg, collect_sources(cfg).tables


def test_both_engines_give_the_same_clusters_ids_and_rfm(spark, collected, tmp_path):
    """The demo company linked by both engines: every cluster, ID, golden record and RFM
    figure is the same, the pairs the driver sees are the local ones with the same levels
    and weights, and the whole pair table's figures match; then the local store's client
    moves to Spark and keeps its IDs."""
    from cdmkit.engine import StepLog, spark_resolve_identities, spark_rfm_summary
    from cdmkit.link import resolve_identities
    from cdmkit.segment import rfm_summary

    cfg, tables = collected
    cust = tables["customers"]
    local = resolve_identities(cust, cfg.linkage, tmp_path / "a.duckdb", "r1", cfg.seed)
    log = StepLog("spark")
    on_spark = spark_resolve_identities(spark, cust, cfg.linkage, tmp_path / "b.duckdb",
                                        log=log, run_id="r1", seed=cfg.seed)
    a, b = local.scored, on_spark.scored
    assert len(a.pairs) > 1000 and a.clusters.max() + 1 < len(cust)  # real merging happened
    np.testing.assert_array_equal(a.clusters, b.clusters)
    pd.testing.assert_frame_equal(a.rule_counts, b.rule_counts)
    pd.testing.assert_frame_equal(a.anomalies, b.anomalies)
    pd.testing.assert_frame_equal(local.customer_map, on_spark.customer_map)
    pd.testing.assert_frame_equal(local.golden, on_spark.golden)
    pd.testing.assert_frame_equal(local.params, on_spark.params, rtol=1e-9)

    # the driver holds the pairs inside clusters: local pairs, with their levels and weights
    n = len(a.records)
    enc_a, enc_b = a.pairs[:, 0] * n + a.pairs[:, 1], b.pairs[:, 0] * n + b.pairs[:, 1]
    idx = np.searchsorted(enc_a, enc_b)
    np.testing.assert_array_equal(enc_a[idx], enc_b)
    np.testing.assert_array_equal(a.gamma[idx], b.gamma)
    np.testing.assert_allclose(a.match_weight[idx], b.match_weight, rtol=1e-9, atol=1e-9)
    links = a.match_weight >= a.threshold_weight
    assert np.isin(enc_a[links], enc_b).all()  # every link is among them
    # the whole table's figures, counted on Spark
    assert b.n_pairs == len(a.pairs) and b.n_links == int(links.sum())
    pats, counts = np.unique(a.gamma, axis=0, return_counts=True)
    np.testing.assert_array_equal(b.patterns.filter(like="g").to_numpy(np.int8), pats)
    np.testing.assert_array_equal(b.patterns["pairs"].to_numpy(), counts)
    assert local.report.n_candidate_pairs == on_spark.report.n_candidate_pairs
    assert local.report.n_links == on_spark.report.n_links
    steps = log.table()
    assert steps["engine"].tolist()[-1] == "local"
    assert (steps.loc[steps["engine"] == "spark", "partitions"] == 4).all()

    # RFM per customer ID on the linked transactions: the same figures on both engines
    tx = tables["transactions"].merge(
        local.customer_map.rename(columns={"source": "customer_source",
                                           "record_id": "customer_ref"}),
        on=["customer_source", "customer_ref"], how="inner")
    assert tx["customer_id"].nunique() > 100
    rfm_local = rfm_summary(tx, "customer_id", "timestamp", "amount", freq="W",
                            order_col="order_id")
    rfm_spark = spark_rfm_summary(spark, tx[["customer_id", "timestamp", "amount", "order_id"]],
                                  "customer_id", "timestamp", "amount", freq="W",
                                  order_col="order_id")
    pd.testing.assert_frame_equal(rfm_local, rfm_spark, check_exact=False, rtol=1e-12)

    # The client of store a moves to Spark: its saved model scores, no customer changes ID.
    moved = spark_resolve_identities(spark, cust, cfg.linkage, tmp_path / "a.duckdb",
                                     run_id="r2", seed=cfg.seed)
    pd.testing.assert_frame_equal(local.customer_map, moved.customer_map)
    assert set(moved.id_changes["event"]) <= {"unchanged"}, moved.id_changes["event"].unique()
    # No drift: the Spark run's figures are of all candidate pairs, as the local baseline
    # (of the pairs inside clusters, the match share would be several times the baseline).
    # The saved model's run adds the pairs of records sharing a known ID: a pair or two more.
    drift = moved.choice.drift
    assert drift is not None and not drift.reasons, drift.reasons
    assert drift.unseen_share < 0.001 and abs(drift.match_share_change) < 0.01, drift


def test_the_driver_never_holds_the_pair_table(spark, collected):
    """Each Spark step logs the rows it brought back: pattern tables and the pairs inside
    clusters, a small share of the candidate pairs (which stay on Spark)."""
    from cdmkit.engine import StepLog, spark_score_and_cluster

    cfg, tables = collected
    log = StepLog("spark")
    scored = spark_score_and_cluster(spark, tables["customers"], None, cfg.linkage, cfg.seed,
                                     log=log)
    steps = log.table().set_index("step")
    on_spark = steps[steps["engine"] == "spark"]
    assert len(on_spark) >= 4 and (on_spark["rows"] == scored.n_pairs).all()
    returned = int(on_spark["rows_to_driver"].sum())
    assert scored.n_pairs > 1000
    assert on_spark["rows_to_driver"].iloc[-1] == len(scored.pairs)  # the pairs in clusters
    assert len(scored.pairs) < scored.n_pairs
    # everything else is pattern tables and per-level sums: bounded by the patterns, not pairs
    n_rules = len(scored.settings.blocking_rules)
    other = returned - len(scored.pairs)
    assert other <= (n_rules + 3) * len(scored.patterns) + 100, (other, len(scored.patterns))


def test_components_by_label_propagation_equal_the_local_ones(spark):
    from cdmkit.engine import spark_components
    from cdmkit.link.clustering import components

    rng = np.random.default_rng(3)
    pairs = np.unique(np.sort(rng.integers(0, 300, size=(260, 2)), axis=1), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    pairs = np.r_[pairs, [[400 + k, 401 + k] for k in range(30)]]  # a chain of 31 records
    expected = components(500, pairs)
    assert 1 < expected.max() < 499
    np.testing.assert_array_equal(spark_components(spark, 500, pairs), expected)
