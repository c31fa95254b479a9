"""Threshold explorer: links, customers and precision/recall over the match threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.febrl import load_febrl1

from cdmkit.link import ThresholdExplorer, score_and_cluster, threshold_table
from cdmkit.link.clustering import components
from cdmkit.link.evaluate import true_pairs
from cdmkit.link.settings import canonicalize_columns


@pytest.fixture(scope="module")
def scored():
    df = canonicalize_columns(load_febrl1().reset_index(), id_column="rec_id")
    truth = df["record_id"].str.extract(r"^rec-(\d+)-")[0].to_numpy()
    return score_and_cluster(df, seed=1, truth=truth)


def test_table_against_a_direct_count(scored):
    grid = [0.1, 0.5, 0.9]
    t = threshold_table(scored, grid)
    assert t["threshold"].tolist() == grid and t["current"].tolist() == [False, True, False]
    i, j = scored.pairs[:, 0], scored.pairs[:, 1]
    same = scored.truth[i] == scored.truth[j]
    total = true_pairs(scored.truth)
    for row in t.itertuples():
        link = scored.match_probability >= row.threshold
        tp = int((link & same).sum())
        assert row.links == int(link.sum())
        assert row.clusters == components(len(scored.records), scored.pairs[link]).max() + 1
        assert row.precision == pytest.approx(tp / link.sum())
        assert row.recall == pytest.approx(tp / total)
        assert row.labels == "ground truth"
    # more links at lower thresholds, fewer customers
    assert t["links"].is_monotonic_decreasing and t["clusters"].is_monotonic_increasing


def test_review_labels_count_only_labelled_pairs(scored):
    rec = scored.records
    rows = np.arange(0, len(scored.pairs), 7)[:40]
    i, j = scored.pairs[rows, 0], scored.pairs[rows, 1]
    y = scored.truth[i] == scored.truth[j]
    labels = pd.DataFrame({"source_l": rec["source"].to_numpy()[j],  # either order works
                           "record_id_l": rec["record_id"].to_numpy()[j],
                           "source_r": rec["source"].to_numpy()[i],
                           "record_id_r": rec["record_id"].to_numpy()[i],
                           "label": y.astype(int)})
    no_truth = type(scored)(**{**scored.__dict__, "truth": None})
    t = threshold_table(no_truth, [0.5], labels=labels)
    link = scored.match_probability[rows] >= 0.5
    tp = int((link & y).sum())
    assert t.loc[0, "labels"] == "review labels"
    assert t.loc[0, "precision"] == pytest.approx(tp / link.sum() if link.sum() else 1.0)
    assert t.loc[0, "recall"] == pytest.approx(tp / y.sum())
    assert "precision" not in threshold_table(no_truth, [0.5])


def test_default_grid_holds_the_run_threshold_and_rejects_bad_values(scored):
    t = threshold_table(scored)
    assert 0.5 in t["threshold"].tolist() and t["current"].sum() == 1
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        threshold_table(scored, [0.0, 0.5])


def test_explorer_static_snapshot_and_slider(scored):
    pytest.importorskip("ipywidgets")
    ex = ThresholdExplorer(scored, interactive=False)
    assert ex.label_kind == "ground truth"
    row = ex.table.set_index("threshold").loc[0.9]
    assert ex.at(0.9)["links"] == row["links"] and ex.at(0.9)["recall"] == row["recall"]
    fig = ex.plot()
    assert fig.axes[0].get_xlabel() == "match probability threshold" and len(fig.axes) == 2
    box = ThresholdExplorer(scored).widget()
    slider, html = box.children
    # the slider follows the table (FEBRL1's scores separate so cleanly that every grid
    # threshold gives the same 498 links, so the count alone cannot show the slider moved)
    lo = ex.table["threshold"].min()
    before = html.value
    assert slider.value == 0.5 and f"<td>{ex.at(0.5)['links']}</td>" in html.value
    slider.value = lo
    assert f"<td>{ex.at(lo)['links']}</td>" in html.value and html.value != before
