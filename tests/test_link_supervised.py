"""Supervised mode: labels from clerical review (or ground truth) train the scorer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.febrl import load_febrl1

from cdmkit.config import LinkageConfig
from cdmkit.link import ReviewPanel, dedupe, resolve_identities
from cdmkit.link.settings import canonicalize_columns


def _person(ids):
    return pd.Series(ids).str.extract(r"^rec-(\d+)-")[0].to_numpy()


@pytest.fixture(scope="module")
def febrl():
    df = canonicalize_columns(load_febrl1().reset_index(), id_column="rec_id")
    df["source"] = "febrl"
    truth = df[["source", "record_id"]].assign(person_id=_person(df["record_id"]))
    return df, truth


def _labels_from_review(scored, path, n):
    """A reviewer who knows the truth labels n candidate pairs through the panel."""
    t = _person(scored.records["record_id"])
    rng = np.random.default_rng(0)
    panel = ReviewPanel(scored, path)
    for k in rng.choice(len(scored.pairs), n, replace=False):
        i, j = scored.pairs[k]
        panel.label(int(k), "match" if t[i] == t[j] else "non-match")
    return path


def test_auto_mode_uses_review_labels_next_run(febrl, tmp_path):
    df, truth = febrl
    first = resolve_identities(df, LinkageConfig(), run_id="r1")
    assert first.report.mode == "unsupervised"
    labels = _labels_from_review(first.scored, tmp_path / "labels.csv", 3000)
    second = resolve_identities(df, LinkageConfig(min_labels=20), run_id="r2",
                                labels_file=labels, ground_truth=truth)
    assert second.report.mode == "supervised"
    assert second.report.scores["f1"] >= 0.97
    # explanations still add up in supervised mode
    k = int(np.argmax(second.scored.match_weight))
    assert second.explain(k)["weight"].sum() == pytest.approx(second.scored.match_weight[k])


def test_too_few_labels_stay_unsupervised(febrl, tmp_path):
    df, _ = febrl
    first = resolve_identities(df, run_id="r1")
    labels = _labels_from_review(first.scored, tmp_path / "few.csv", 5)
    again = resolve_identities(df, LinkageConfig(min_labels=20), labels_file=labels)
    assert again.report.mode == "unsupervised"


def test_supervised_mode_from_ground_truth(febrl):
    df, truth = febrl
    res = resolve_identities(df, LinkageConfig(mode="supervised"), ground_truth=truth)
    assert res.report.mode == "supervised" and res.report.scores["f1"] >= 0.97


def test_supervised_without_any_labels_is_a_clear_error():
    from cdmkit.errors import InputError

    df = pd.DataFrame({"record_id": ["1", "2"], "email": ["a@x", "a@x"]})
    with pytest.raises(InputError, match="supervised"):
        dedupe(df, id_column="record_id", config=LinkageConfig(mode="supervised"))
