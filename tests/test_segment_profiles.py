"""Customer features, segment profiles and generated descriptions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdmkit.segment import (build_customer_features, cluster_labels, describe_groups,
                            profile_segments, rfm_summary, standardised_means)


@pytest.fixture
def tx():
    return pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "c", "c"],
        "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-10",
                                     "2024-02-10", "2024-02-11"]),
        "amount": [10.0, 30.0, 60.0, 5.0, 20.0, 20.0],
        "channel": ["web", "web", "store", "store", None, "web"],
        "category": ["toys", "books", "books", "toys", "garden", "garden"],
    })


def test_features_by_hand(tx):
    s = rfm_summary(tx, observation_end="2024-03-31")
    ev = pd.DataFrame({"customer_id": ["a", "b", "b", "zz"], "session_id": ["1", "2", "2", "9"]})
    it = pd.DataFrame({"customer_id": ["c", "c"], "interaction_type": ["complaint", "call"]})
    f = build_customer_features(s, tx, ev, it)
    assert f.loc["a", "recency_days"] == 30 and f.loc["a", "n_purchases"] == 3
    assert f.loc["a", "total_spend"] == 100 and f.loc["a", "avg_order_value"] == 100 / 3
    assert f.loc["a", "tenure_days"] == 90
    # shares of spend: a spent 40 on web and 60 in store; c's unknown channel counts as such
    assert f.loc["a", "channel_web"] == pytest.approx(0.4)
    assert f.loc["c", "channel_unknown"] == pytest.approx(0.5)
    assert f.loc["a", "category_books"] == pytest.approx(0.9)
    assert f.loc["b", ["n_events", "n_sessions", "n_interactions"]].tolist() == [2, 1, 0]
    assert f.loc["c", ["n_interactions", "n_complaints"]].tolist() == [2, 1]
    assert list(f.index) == list(s.index)          # customers only from the RFM table
    rows = f.filter(like="channel_").sum(axis=1)
    np.testing.assert_allclose(rows, 1.0)


def test_feature_groups_and_top_categories(tx):
    s = rfm_summary(tx)
    f = build_customer_features(s, tx, groups=["rfm", "categories"], top_categories=1)
    assert "tenure_days" not in f and not any(c.startswith("channel_") for c in f)
    assert sorted(c for c in f if c.startswith("category_")) == ["category_books",
                                                                 "category_other"]
    with pytest.raises(ValueError, match="unknown feature group"):
        build_customer_features(s, groups=["rfm", "astrology"])


def test_profile_shares_statistics_and_consent(tx):
    s = rfm_summary(tx, observation_end="2024-03-31").reset_index()
    s["segment"] = ["Champions", "Hibernating", "Champions"]
    golden = pd.DataFrame({"customer_id": ["a", "b", "c"], "consent_email": [True, True, False],
                           "consent_email_date": [None] * 3})
    p = profile_segments(s, "segment", tx, golden)
    champ = p.loc["Champions"]
    assert champ["n_customers"] == 2 and champ["share_customers"] == pytest.approx(2 / 3)
    assert champ["revenue"] == 140 and champ["share_revenue"] == pytest.approx(140 / 145)
    assert champ["n_purchases_median"] == pytest.approx(2.5)
    assert champ["consent_email"] == pytest.approx(0.5)
    assert p.loc["Hibernating", "consent_email"] == 1.0
    assert "consent_email_date" not in p
    assert champ["top_categories"].startswith("books")     # 90 of a's 100 + 0 of c's 40
    # web 40 + 20, store 60, unknown 20 of 140
    assert set(champ["channel_mix"].split(", ")) == {"web 43%", "store 43%", "unknown 14%"}
    assert p["share_customers"].sum() == pytest.approx(1.0)
    assert p["share_revenue"].sum() == pytest.approx(1.0)


def test_descriptions_from_medians():
    f = pd.DataFrame({"recency_days": [1, 2, 3, 200, 250, 300, 60, 70, 80],
                      "n_purchases": [10, 12, 9, 1, 1, 1, 3, 2, 3],
                      "total_spend": [900, 800, 1000, 10, 20, 15, 100, 90, 110.0],
                      "channel_store": [0, 0, 0, 1, 1, 1, 0.2, 0.1, 0.3]})
    labels = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    d = describe_groups(f, labels)
    assert d[0] == "recent, frequent, high spend"
    assert d[1] == "lapsed, one-off, low spend, mostly store"
    assert d[2].startswith("cooling, occasional, mid spend")
    z = standardised_means(f, labels)
    assert z.loc[1, "channel_store"] > 1 and z.loc[0, "n_purchases"] > 1


def test_cluster_labels_are_unique():
    f = pd.DataFrame({"n_purchases": [1, 1, 1, 1, 8, 9]})
    lab = cluster_labels(f, [0, 0, 1, 1, 2, 2])
    assert lab.is_unique and lab[2] == "frequent"
