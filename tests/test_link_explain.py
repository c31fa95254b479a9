"""Explanations add up to the match weight; plots and review panel work without a UI."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from tests.febrl import load_febrl1

from cdmkit.link import (ReviewPanel, dedupe, example_pairs, explain_pair, load_labels,
                         review_candidates, waterfall_plot)
from cdmkit.link import plots as link_plots

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def scored():
    _, s = dedupe(load_febrl1().reset_index(), id_column="rec_id", return_scored=True)
    return s


def test_explanation_weights_sum_to_match_weight(scored):
    rng = np.random.default_rng(0)
    for k in rng.choice(len(scored.pairs), 25, replace=False):
        t = explain_pair(scored, int(k))
        assert t["weight"].sum() == pytest.approx(scored.match_weight[k], abs=1e-9)
        assert t["probability"].iloc[-1] == pytest.approx(scored.match_probability[k])
        assert t["component"].iloc[0] == "prior"


def test_explanation_levels_match_pair_levels(scored):
    k = int(np.argmax(scored.match_weight))
    t = explain_pair(scored, k).set_index("component")
    for j, name in enumerate(scored.names):
        assert t.loc[name, "level"] == scored.gamma[k, j]


def test_plots_show_the_numbers_they_are_given(scored):
    pairs = scored.pairs_frame()
    ax = link_plots.match_weight_histogram(pairs, scored.threshold_weight).axes[0]
    assert sum(p.get_height() for p in ax.patches) == len(pairs)   # every pair in one bin
    assert ax.lines[0].get_xdata()[0] == pytest.approx(scored.threshold_weight)
    params = scored.params()
    ax = link_plots.match_weights_chart(params).axes[0]
    np.testing.assert_allclose([p.get_width() for p in ax.patches], params["weight"])
    # the waterfall: one bar per component from the running total, then the match weight
    k = int(np.argmax(scored.match_weight))
    t = explain_pair(scored, k)
    bars = waterfall_plot(t).axes[0].patches
    assert len(bars) == len(t) + 1
    np.testing.assert_allclose([b.get_height() for b in bars[:-1]], t["weight"])
    np.testing.assert_allclose([b.get_y() for b in bars[1:-1]], t["cumulative"].iloc[:-1])
    assert bars[-1].get_height() == pytest.approx(scored.match_weight[k])
    ax = link_plots.blocking_rules_plot(scored.rule_counts).axes[0]
    widths = [p.get_width() for p in ax.patches]
    n = len(scored.rule_counts)
    assert widths == list(scored.rule_counts["pairs"]) + list(scored.rule_counts["new_pairs"])
    assert [t.get_text() for t in ax.get_yticklabels()] == list(scored.rule_counts["rule"])
    assert len(widths) == 2 * n


def test_review_candidates_are_uncertain_and_labels_round_trip(scored, tmp_path):
    cand = review_candidates(scored, (0.05, 0.95), 10)
    p = scored.match_probability[cand]
    assert ((p >= 0.05) & (p <= 0.95)).all()
    assert list(np.abs(p - 0.5)) == sorted(np.abs(p - 0.5))
    path = tmp_path / "labels.csv"
    panel = ReviewPanel(scored, path, candidates=list(range(4)))
    panel.label(0, "match")
    panel.label(1, "non-match")
    panel.label(0, "non-match")  # a later decision on the same pair wins
    labels = load_labels(path)
    assert labels["label"].tolist() == [0, 0]  # pair 1: non-match; pair 0: last label
    assert set(zip(labels["record_id_l"], labels["record_id_r"])) == {
        tuple(scored.records["record_id"].to_numpy()[scored.pairs[k]]) for k in (0, 1)}
    assert panel.widget() is not None  # builds without a front end (papermill)
    with pytest.raises(ValueError):
        panel.label(2, "maybe")


def test_example_pairs_point_at_the_right_pairs(scored):
    ex = example_pairs(scored)
    w = scored.match_weight
    assert w[ex["strongest link"]] == w.max()
    gap = np.abs(w - scored.threshold_weight)
    assert gap[ex["closest to the threshold"]] == gap.min()
    if "kept apart as relatives" in ex:
        k = ex["kept apart as relatives"]
        hh = scored.model.household_term(scored.gamma[k:k + 1], scored.tf[k:k + 1])[0]
        assert w[k] < scored.threshold_weight <= w[k] - hh
