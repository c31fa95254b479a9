"""Accuracy floors on the generated demo company (ground truth written by the generator)."""

from __future__ import annotations

import pandas as pd
import pytest

from cdmkit import collect, generate
from cdmkit.config import load_config
from cdmkit.link import load_ground_truth, resolve_identities, scores_by_group

# one worker builds the generated company once (module fixture) for all three tests
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("generated_800")]


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    demo = generate.generate_demo(out / "data", n_customers=800, seed=11, client="g",
                                  config_path=out / "clients" / "g.yaml",
                                  output_dir="../reports")
    cfg = load_config(demo.config_path)
    customers = collect.collect_sources(cfg).tables["customers"]
    truth = load_ground_truth(demo.ground_truth_path)
    res = resolve_identities(customers, cfg.linkage, store_path=out / "store.duckdb",
                             run_id="r1", seed=cfg.seed, ground_truth=truth)
    persons = pd.read_parquet(demo.out_dir / "persons_truth.parquet")
    return res, truth, persons


def test_generated_linkage_quality_floor(linked):
    res, _, _ = linked
    s = res.report.scores
    # Floors just below what the calibrated model with family rules gives (measured
    # 2026-12-04 after merging issue 12's work, 800 persons, seed 11): precision 0.996,
    # recall 0.918, f1 0.955 (tp 674). Raise them as the linkage improves.
    assert s["precision"] >= 0.99, s
    assert s["recall"] >= 0.91, s
    assert s["f1"] >= 0.95, s
    assert s["true_pairs"] == 734                          # fixed by the generator and seed


def test_generated_linkage_quality_per_locale(linked):
    """English, Persian and Japanese persons all link well (truth: the generator's locale)."""
    res, truth, persons = linked
    cm = res.customer_map.merge(truth, on=["source", "record_id"])
    cm["locale"] = cm["person_id"].map(persons.set_index("person_id")["locale"])
    t = scores_by_group(cm["customer_id"], cm["person_id"], cm["locale"]).set_index("group")
    assert set(t.index) == {"en", "fa", "ja"}
    # main at 70e62e2, measured 2026-12-04: precision en 0.987, fa 1.000, ja 0.931; f1 en 0.971,
    # fa 0.982, ja 0.867 (kanji names cannot be read into the Latin e-mail addresses of
    # sign-up records). Records: en 788, fa 368, ja 231.
    assert t["records"].to_dict() == {"en": 788, "fa": 368, "ja": 231}
    assert t.loc["en", "precision"] >= 0.975 and t.loc["fa", "precision"] >= 0.99, t
    assert t.loc["ja", "precision"] >= 0.92, t
    assert t.loc["en", "f1"] >= 0.96 and t.loc["fa", "f1"] >= 0.97, t
    assert t.loc["ja", "f1"] >= 0.85, t


def test_generated_households_not_merged(linked):
    res, truth, _ = linked
    hs = res.report.household_scores
    # main at 70e62e2, measured 2026-12-04: household precision 0.999 (1 false pair of 1,068),
    # recall 0.790; 0.48 % of customer IDs hold more than one real person.
    assert hs["precision"] >= 0.99, hs
    assert hs["recall"] >= 0.77, hs
    # Different real persons of one household rarely share a customer ID.
    cm = res.customer_map.merge(truth, on=["source", "record_id"])
    per_customer = cm.groupby("customer_id")["person_id"].nunique()
    assert (per_customer > 1).mean() <= 0.01
