"""The 15-linkage notebook inside a full demo run (figures checked against the run's tables)."""

from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.xdist_group("notebooks"), pytest.mark.slow]


@pytest.fixture(scope="module")
def figs(demo_run):
    return demo_run.figures("linkage")


def test_counts_agree_with_written_tables(demo_run, figs):
    customers = demo_run.table("customers")
    cmap = demo_run.table("customer_map")
    golden = demo_run.table("golden")
    pairs = demo_run.table("pairs")
    assert figs["n_records"] == len(customers) == len(cmap)
    assert set(zip(cmap["source"], cmap["record_id"])) == \
        set(zip(customers["source"], customers["record_id"].astype(str)))
    assert figs["n_customers"] == cmap["customer_id"].nunique() == len(golden)
    assert figs["n_households"] == cmap["household_id"].nunique()
    assert figs["n_candidate_pairs"] == len(pairs)
    assert figs["n_links"] == int((pairs["match_probability"] >= figs["threshold"]).sum())
    assert 0 < figs["n_customers"] < figs["n_records"]  # some records were linked
    assert 0 <= figs["singletons_share"] <= 1


def test_first_run_issues_one_new_id_per_customer(demo_run, figs):
    changes = demo_run.table("id_changes")
    assert figs["id_new"] == (changes["event"] == "new").sum()
    assert figs["id_merged"] == 0 and figs["id_split"] == 0
    assert changes["run_id"].eq(demo_run.run_dir.name).all()


def test_quality_against_generated_ground_truth(figs):
    assert figs["precision"] >= 0.8 and figs["recall"] >= 0.6
    assert figs["blocking_recall"] >= figs["recall"] - 0.2
    assert figs["household_precision"] >= 0.8


def test_report_masks_personal_data(demo_run):
    customers = demo_run.table("customers")
    emails = customers["email"].dropna().astype(str)
    emails = emails[emails.str.len() > 8].head(200)
    nb = (demo_run.run_dir / "15-linkage.ipynb").read_text(encoding="utf-8")
    text = json.dumps(json.loads(nb))
    assert not any(e in text for e in emails)
