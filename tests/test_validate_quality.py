"""Linkage quality and model quality collection."""

from __future__ import annotations

from itertools import combinations

import pandas as pd
import pytest

from cdmkit.validate import collect_model_quality, linkage_quality, pairwise_metrics


def _pairs(labels: dict) -> set:
    """All record pairs with the same label, enumerated explicitly."""
    return {frozenset((a, b)) for a, b in combinations(sorted(labels), 2)
            if labels[a] == labels[b]}


def test_pairwise_metrics_against_explicit_pair_enumeration():
    recs = [("a", str(i)) for i in range(8)]
    pred = dict(zip(recs, ["C1", "C1", "C1", "C2", "C2", "C3", "C4", "C4"]))
    true = dict(zip(recs, ["P1", "P1", "P2", "P2", "P2", "P3", "P4", "P5"]))
    pp, tp_ = _pairs(pred), _pairs(true)
    exp_p = len(pp & tp_) / len(pp)
    exp_r = len(pp & tp_) / len(tp_)
    cm = pd.DataFrame({"source": [r[0] for r in recs], "record_id": [r[1] for r in recs],
                       "customer_id": [pred[r] for r in recs]})
    gt = pd.DataFrame({"source": [r[0] for r in recs], "record_id": [r[1] for r in recs],
                       "person_id": [true[r] for r in recs]})
    m = pairwise_metrics(cm, gt)
    assert m["precision"] == pytest.approx(exp_p)
    assert m["recall"] == pytest.approx(exp_r)
    assert m["f1"] == pytest.approx(2 * exp_p * exp_r / (exp_p + exp_r))


def test_unsupervised_diagnostics_and_suspicious_clusters():
    cm = pd.DataFrame({"source": ["a", "b", "a", "b", "a"],
                       "record_id": ["1", "1", "2", "2", "3"],
                       "customer_id": ["C1", "C1", "C2", "C2", "C3"]})
    cu = pd.DataFrame({"source": ["a", "b", "a", "b", "a"],
                       "record_id": ["1", "1", "2", "2", "3"],
                       "birth_date": ["1980-01-01", "1980-01-01", "1975-05-05", "1991-09-09",
                                      None],
                       "email": ["x@home.io", "x@work.io", "y@a.io", "Y@A.io", "z@a.io"]})
    q = linkage_quality(cm, cu)
    assert q.metrics["n_customers"] == 3
    assert q.metrics["singleton_share"] == pytest.approx(1 / 5)
    assert q.sizes.set_index("size")["clusters"].to_dict() == {1: 1, 2: 2}
    sus = q.suspicious.set_index("field")["customer_id"].to_dict()
    assert sus == {"birth_date": "C2", "email": "C1"}  # case-insensitive e-mail comparison
    assert q.metrics["suspicious_birth_date"] == 1


def test_model_quality_collects_recorded_figures():
    figs = {"analysis": {"churn": {"roc_auc": 0.84, "brier_score": 0.15},
                         "clv": {"holdout_mae": 12.3, "n": 3}, "note": "text"},
            "segmentation": {"segment_stability_ari": 0.9, "n_segments": 5}}
    churn = pd.DataFrame({"customer_id": ["a", "b"], "churn_probability": [0.2, 1.4]})
    mq = collect_model_quality(figs, {"churn_scores": churn})
    kinds = dict(zip(mq["figure"], mq["kind"]))
    assert kinds["churn.roc_auc"] == "churn_auc"
    assert kinds["churn.brier_score"] == "calibration"
    assert kinds["clv.holdout_mae"] == "clv_holdout_error"
    assert kinds["segment_stability_ari"] == "segment_stability"
    assert "n_segments" not in kinds and "clv.n" not in kinds
    sanity = mq.set_index("figure")["value"]
    assert sanity["churn_probability_in_0_1"] == pytest.approx(0.5)
