"""Purchase patterns: co-purchase pairs against a brute-force count, top items, seasonality."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from cdmkit.analyze import (AnalysisInputError, activity_per_customer, activity_per_segment,
                            co_purchase, product_names, seasonality, top_items)


def _baskets(seed=0, n=400):
    rng = np.random.default_rng(seed)
    items = [f"p{i:02d}" for i in range(15)]
    weights = np.linspace(2, 0.2, 15) / np.linspace(2, 0.2, 15).sum()  # popular items first
    rows = []
    for b in range(n):
        k = rng.integers(1, 6)
        chosen = set(rng.choice(items, size=k, p=weights))
        if "p01" in chosen and rng.random() < 0.7:
            chosen.add("p07")                                 # a planted association
        for it in chosen:
            rows.append((f"o{b}", it))
            if rng.random() < 0.2:
                rows.append((f"o{b}", it))                    # duplicate line: counts once
    return pd.DataFrame(rows, columns=["order_id", "product_id"])


def test_co_purchase_matches_brute_force():
    tx = _baskets()
    got = co_purchase(tx, min_support=0.02, max_items=100).set_index(["item_a", "item_b"])
    baskets = tx.groupby("order_id")["product_id"].apply(lambda s: sorted(set(s)))
    n = len(baskets)
    single = Counter(i for b in baskets for i in b)
    pairs = Counter(p for b in baskets for p in itertools.combinations(b, 2))
    want = {p: c for p, c in pairs.items() if c / n >= 0.02 and c >= 2
            and single[p[0]] / n >= 0.02 and single[p[1]] / n >= 0.02}
    assert set(got.index) == set(want)
    for (a, b), c in want.items():
        row = got.loc[(a, b)]
        assert row["pairs"] == c
        assert row["support"] == pytest.approx(c / n)
        assert row["confidence_ab"] == pytest.approx(c / single[a])
        assert row["confidence_ba"] == pytest.approx(c / single[b])
        assert row["lift"] == pytest.approx(c * n / (single[a] * single[b]))
    assert tuple(got.index[0]) == ("p01", "p07")             # the planted pair has top lift


def test_co_purchase_caps_items_and_says_so():
    tx = _baskets()
    got = co_purchase(tx, min_support=0.001, max_items=3)
    top3 = set(tx.drop_duplicates()["product_id"].value_counts().index[:3])
    assert set(got["item_a"]) | set(got["item_b"]) <= top3
    assert got.attrs["items_capped"] == 12 and got.attrs["items_frequent"] == 15
    assert co_purchase(tx, min_support=0.001).attrs["items_capped"] == 0


def test_co_purchase_with_integer_ids_equals_text_ids():
    tx = _baskets()
    as_int = tx.assign(product_id=tx["product_id"].str[1:].astype(int))
    got = co_purchase(as_int, min_support=0.02)
    want = co_purchase(tx, min_support=0.02)
    assert got["lift"].notna().all() and len(got) == len(want) > 0
    assert got["item_a"].map(type).eq(int).all()
    np.testing.assert_allclose(got["lift"], want["lift"])
    assert (got["item_a"].map(lambda i: f"p{i:02d}") == want["item_a"]).all()
    assert tuple(got.iloc[0][["item_a", "item_b"]]) == (1, 7)


def _mlxtend_rules(baskets: pd.Series, a, b) -> dict:
    """mlxtend's association_rules metrics for the rule a -> b, from their definitions."""
    n = len(baskets)
    s_a = sum(a in x for x in baskets) / n
    s_b = sum(b in x for x in baskets) / n
    s_ab = sum(a in x and b in x for x in baskets) / n
    conf = s_ab / s_a
    return {"support": s_ab, "confidence": conf, "lift": conf / s_b}


def test_co_purchase_no_default_cap_keeps_rare_items_with_top_lift():
    # 320 popular items bought at random, and a rarer pair always bought together:
    # the pair is the top pair by lift although both items rank last by support.
    rng = np.random.default_rng(3)
    rows = []
    for basket in range(3000):
        for item in rng.choice(320, size=8, replace=False):
            rows.append((basket, int(item)))
        if basket % 60 == 0:
            rows += [(basket, 1000), (basket, 1001)]
    tx = pd.DataFrame(rows, columns=["order_id", "product_id"])
    names = pd.Series({1000: "TEA PLATE GREEN", 1001: "TEA PLATE PINK"})
    got = co_purchase(tx, min_support=0.01, min_pairs=2, names=names)
    assert got.attrs["items_capped"] == 0 and got.attrs["items_frequent"] == 322
    top = got.iloc[0]
    assert (top["item_a"], top["item_b"]) == (1000, 1001)
    assert (top["name_a"], top["name_b"]) == ("TEA PLATE GREEN", "TEA PLATE PINK")
    baskets = tx.groupby("order_id")["product_id"].apply(set)
    ref = _mlxtend_rules(baskets, 1000, 1001)
    assert top["support"] == pytest.approx(ref["support"])
    assert top["confidence_ab"] == pytest.approx(ref["confidence"])
    assert top["lift"] == pytest.approx(ref["lift"])
    # a cap of 300 items leaves the pair out, and reports it
    capped = co_purchase(tx, min_support=0.01, max_items=300)
    assert capped.attrs["items_capped"] == 22
    assert not ((capped["item_a"] == 1000) & (capped["item_b"] == 1001)).any()


def test_product_names_and_named_top_items():
    tx = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3],
                       "product_id": [22423, 85123, 85123, 85123, 22423],
                       "product_name": ["REGENCY CAKESTAND 3 TIER", "WHITE HEART HOLDER",
                                        "CREAM HEART HOLDER", "WHITE HEART HOLDER", "nan"],
                       "amount": [12.75, 2.55, 2.55, 2.55, 12.75]})
    names = product_names(tx)
    assert names.to_dict() == {22423: "REGENCY CAKESTAND 3 TIER", 85123: "WHITE HEART HOLDER"}
    t = top_items(tx, names=names, n=2)
    assert t[["item", "name"]].values.tolist() == [[22423, "REGENCY CAKESTAND 3 TIER"],
                                                   [85123, "WHITE HEART HOLDER"]]


def test_co_purchase_missing_column():
    with pytest.raises(AnalysisInputError, match="order_id"):
        co_purchase(pd.DataFrame({"product_id": ["a"]}))


def test_top_items_per_segment():
    tx = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3, 3],
                       "product_id": ["x", "y", "x", "z", "z", "y"],
                       "amount": [5.0, 10.0, 1.0, 2.0, 2.0, 1.0]})
    seg = pd.Series({1: "A", 2: "A", 3: "B"})
    t = top_items(tx, segments=seg, n=1)
    assert t[["segment", "item", "revenue"]].values.tolist() == [["A", "y", 10.0],
                                                                 ["B", "z", 4.0]]
    assert t.loc[t["segment"] == "A", "share"].iloc[0] == pytest.approx(10 / 16)
    lines = top_items(tx, value_col=None, n=2)
    # ranked by lines; x, y and z tie with 2 lines each, ties go by name
    assert lines["item"].tolist() == ["x", "y"] and lines["lines"].tolist() == [2, 2]


def test_seasonality_counts_baskets():
    tx = pd.DataFrame({"timestamp": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-03-06"]),
                       "order_id": ["a", "a", "b"], "amount": [1.0, 2.0, 4.0]})
    s = seasonality(tx, basket_col="order_id")
    m = s["month"].set_index("month")
    assert m.loc[1, "purchases"] == 1 and m.loc[1, "revenue"] == 3.0 and m.loc[3, "purchases"] == 1
    assert len(m) == 12 and m["share"].sum() == pytest.approx(1.0)
    w = s["weekday"].set_index("weekday")
    assert w.loc["Monday", "purchases"] == 1 and w.loc["Wednesday", "purchases"] == 1


def test_activity_summaries():
    ev = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "b"],
                       "event_type": ["view", "cart", "view", "view", "search"]})
    pc = activity_per_customer(ev, "event_type", max_types=2)
    assert pc.loc["b"].to_dict() == {"cart": 0, "other": 1, "view": 2, "total": 3}
    seg = pd.Series({"a": "S1", "b": "S2", "c": "S2"})
    ps = activity_per_segment(pc, seg)
    assert ps.loc["S2", "customers"] == 2 and ps.loc["S2", "total"] == pytest.approx(1.5)
