"""RFM scores and named segments, including degenerate distributions."""

from __future__ import annotations

import itertools
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from cdmkit.segment import (DEFAULT_SEGMENT_MAP, SEGMENT_ORDER, DegenerateScoresWarning,
                            SegmentationWarning, assign_segments, rfm_scores, rfm_segments)


def _summary(days, n, spend, index=None):
    return pd.DataFrame({"days_since_last": days, "n_purchases": n, "total_spend": spend},
                        index=index)


def test_default_map_covers_each_rf_pair_exactly_once():
    for r, f in itertools.product(range(1, 6), repeat=2):
        hits = [name for pat, name in DEFAULT_SEGMENT_MAP.items()
                if re.fullmatch(pat, f"{r}{f}")]
        assert len(hits) == 1, (r, f, hits)
    assert set(DEFAULT_SEGMENT_MAP.values()) == set(SEGMENT_ORDER)


def test_well_known_cells():
    s = assign_segments(pd.Series(["55", "11", "15", "51", "33", "41", "31", "24", "43", "35"]))
    assert s.tolist() == ["Champions", "Hibernating", "Can't lose", "New customers",
                          "Need attention", "Promising", "About to sleep", "At risk",
                          "Potential loyalists", "Loyal customers"]


def test_distinct_values_give_equal_quintiles_and_recency_is_reversed():
    n = 100
    s = _summary(np.arange(n), np.arange(n) + 1, np.arange(n) * 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no degenerate warning for distinct values
        out = rfm_scores(s)
    for col in ["r_score", "f_score", "m_score"]:
        assert out[col].value_counts().sort_index().tolist() == [20] * 5
    # most recent (0 days) = 5; most purchases = 5
    assert out.loc[0, "r_score"] == 5 and out.loc[n - 1, "r_score"] == 1
    assert out.loc[n - 1, "f_score"] == 5 and out.loc[0, "f_score"] == 1
    # scores are monotone in the underlying values
    assert (np.diff(out["f_score"].to_numpy()) >= 0).all()
    assert (np.diff(out["r_score"].to_numpy()) <= 0).all()


def test_ties_share_a_score_and_result_is_order_independent():
    s = _summary([5, 5, 5, 1, 9, 9], [1, 1, 2, 3, 1, 2], [10.0, 10, 20, 30, 10, 20],
                 index=list("abcdef"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SegmentationWarning)  # degenerate scores: expected
        a = rfm_scores(s)
        b = rfm_scores(s.iloc[::-1]).loc[a.index]
    pd.testing.assert_frame_equal(a, b)
    assert a.loc["a", "r_score"] == a.loc["b", "r_score"] == a.loc["c", "r_score"]
    assert a.loc["a", "f_score"] == a.loc["b", "f_score"] == a.loc["e", "f_score"]


def test_ties_first_breaks_by_customer_id_deterministically():
    s = _summary([1] * 10, [1] * 10, [5.0] * 10, index=[f"c{i}" for i in range(10)])
    shuffled = s.sample(frac=1, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SegmentationWarning)  # degenerate scores: expected
        a = rfm_scores(s, ties="first")
        b = rfm_scores(shuffled, ties="first").loc[a.index]
    assert a["f_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    pd.testing.assert_frame_equal(a, b)


def test_degenerate_most_bought_once_warns_and_scores_sensibly():
    # 80 % one-time buyers: quantile edges of frequency collapse.
    n1, n2, n3 = 80, 12, 8
    s = _summary(np.arange(100), [1] * n1 + [2] * n2 + [5] * n3, np.linspace(1, 100, 100))
    with pytest.warns(DegenerateScoresWarning, match="f_score"):
        out = rfm_segments(s)
    f = out["f_score"]
    assert (f[:n1] == 1).all()                   # all one-time buyers share the lowest score
    assert f[n1:n1 + n2].nunique() == 1 and f[n1] > 1
    assert (f[n1 + n2:] == 5).all()              # the most frequent get the top score
    assert out["segment"].notna().all() and (out["segment"] != "Other").all()
    # most recent one-time buyers are "New customers", the oldest "Hibernating"
    assert out.loc[0, "segment"] == "New customers"
    assert out.loc[n1 - 1, "segment"] == "Hibernating"


def test_degenerate_everyone_identical_does_not_crash():
    s = _summary([3] * 7, [1] * 7, [9.0] * 7)
    with pytest.warns(DegenerateScoresWarning):
        out = rfm_segments(s)
    assert out["rf_score"].nunique() == 1
    assert len(out) == 7 and out["segment"].notna().all()


def test_single_customer_and_empty_frame():
    one = rfm_segments(_summary([0], [1], [5.0]))
    assert one["r_score"].between(1, 5).all()
    empty = rfm_segments(_summary([], [], []))
    assert len(empty) == 0 and "segment" in empty


def test_nan_values_count_as_worst():
    s = _summary([1.0, np.nan, 3.0, 4.0, 5.0], [5, 4, 3, 2, 1], [np.nan, 4.0, 3, 2, 1])
    out = rfm_scores(s)
    assert out.loc[1, "r_score"] == 1
    assert out.loc[0, "m_score"] == 1


def test_other_bins_and_custom_map():
    s = _summary(np.arange(30), np.arange(30)[::-1] + 1, np.ones(30))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateScoresWarning)
        three = rfm_segments(s, bins=3)
        assert three["r_score"].max() == 3 and three["segment"].iloc[0] == "Champions"
        custom = rfm_segments(s, bins=2, segment_map={r"2.": "recent", r"1.": "older"})
    assert set(custom["segment"]) == {"recent", "older"}
    with pytest.warns(SegmentationWarning, match="match no entry"):
        partial = rfm_segments(s, bins=2, segment_map={r"22": "best"})
    assert "Other" in set(partial["segment"])
    with pytest.raises(ValueError, match="bins"):
        rfm_scores(s, bins=12)


def test_lifetimes_frame_without_marketing_view_is_scored():
    s = pd.DataFrame({"frequency": [0.0, 3.0, 8.0], "recency": [0.0, 20.0, 90.0],
                      "T": [100.0, 60.0, 95.0], "monetary_value": [0.0, 20.0, 35.0]})
    out = rfm_scores(s, bins=3)
    # time since last purchase = T - recency: 100, 40, 5 -> customer 2 most recent
    assert out["r_score"].tolist() == [1, 2, 3]
    assert out["f_score"].tolist() == [1, 2, 3]
