"""The demo run as a whole: every stage notebook executed, HTML reports with plots and no code,
summary and resolved config saved, and identical figures when the same client is run again."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("notebooks")]

STAGES = ["10-collection", "15-linkage", "20-segmentation", "30-analysis", "40-validation"]


def test_all_stages_succeeded(demo_run):
    assert demo_run.summary["ok"] is True
    assert demo_run.summary["status"] == {
        "collection": "ok", "linkage": "ok", "segmentation": "ok", "analysis": "ok",
        "validation": "ok"}
    assert (demo_run.run_dir.parent / "latest").resolve() == demo_run.run_dir.resolve()


@pytest.mark.parametrize("slug", STAGES)
def test_each_stage_has_executed_notebook_and_html_without_code(demo_run, slug):
    nb = json.loads((demo_run.run_dir / f"{slug}.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c.get("execution_count") for c in code), "every code cell ran"
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    html = (demo_run.run_dir / f"{slug}.html").read_text(encoding="utf-8")
    assert "open_stage(" not in html and "import cdmkit" not in html  # code hidden
    assert len(re.findall(r"<img[^>]+src=\"data:image/png;base64", html)) >= 1, \
        f"{slug}.html has no plot"


#: Headline figures of the demo run (300 persons, seed 7), measured 2026-12-04 on main at
#: 70e62e2. Counts fixed by the generator are exact; model and linkage quality are floors just
#: below the measured value (in the comment). Raise the floors when the kit improves.
HEADLINE = {
    "collection": {"rows_in": 3805, "rows_clean": 3801, "rows_rejected": 4, "n_sources": 10,
                   "rows_balanced": True,
                   "rows_per_kind": {"customers": 506, "events": 1218, "interactions": 139,
                                     "transactions": 1938}},
    "linkage": {"n_records": 506, "em_converged": True},
    # returns netted against the orders they cancel (a fully cancelled customer leaves);
    # returns_removed counts return lines, as the analysis stage does (64 of the 112 lines
    # left out are returns, the rest the order lines they cancel)
    "segmentation": {"n_customers": 272, "n_segments": 10, "returns_removed": 64,
                     "returns_lines_left_out": 112},
    "analysis": {"clv_customers": 272, "holdout_actual_total": 86, "bgnbd_converged": True,
                 "paretonbd_converged": True, "gg_converged": True},
    "validation": {"status": "pass", "n_failures": 0, "pii_scan_hits": 0, "schema_failures": 0},
}
FLOORS = {
    "linkage": {"precision": 0.97,           # 0.984
                "recall": 0.94,              # 0.956
                "blocking_recall": 0.98,     # 0.992
                "household_precision": 0.98},  # 1.000
    "segmentation": {"stability_ari": 0.95},   # 0.983
    "analysis": {"churn_auc": 0.83},           # 0.851 (gbm; logistic 0.843)
    "validation": {"overall_score": 0.97},     # 0.977
}


@pytest.mark.parametrize("stage", ["collection", "linkage", "segmentation", "analysis",
                                   "validation"])
def test_each_stage_recorded_its_headline_figures(demo_run, stage):
    figures = demo_run.figures(stage)
    got = {k: figures.get(k, "<missing>") for k in HEADLINE[stage]}
    assert got == HEADLINE[stage], stage
    for name, floor in FLOORS.get(stage, {}).items():
        assert figures[name] >= floor, (stage, name, figures[name], floor)


def test_resolved_config_and_manifest(demo_run):
    resolved = json.loads((demo_run.run_dir / "config.resolved.json").read_text())
    assert resolved["client"] == "small"
    assert all(s["path"].startswith("/") for s in resolved["sources"])
    manifest = json.loads((demo_run.run_dir / "manifest.json").read_text())
    assert {i["source"] for i in manifest["inputs"]} == {s["name"] for s in resolved["sources"]}
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])


def _stable(figures: dict) -> dict:
    """Figures that must not change between two runs on the same data and config."""
    # The rerun finds the first run's customers in the store: it reuses the saved linkage
    # model (model_*) and also compares the records of each known customer, which adds
    # candidate pairs (a rule row of its own) and so moves the figures counted over candidate
    # pairs (links, review candidates, the threshold explorer); IDs and quality must not move.
    volatile = re.compile(r"(seconds|time|drift|previous|id_new|id_merged|id_split|id_changes|"
                          r"run_id|path|dir|^model_|candidate_pairs|pairs_per_rule|"
                          r"blocking_recall|^n_links$|review_candidates|threshold_best)", re.I)
    return {k: v for k, v in figures.items() if not volatile.search(k)}


def test_rerun_gives_identical_ids_segments_and_figures(demo_run, tmp_path):
    from cdmkit.report.runner import run_client

    # Same resolved config and the same customer store, but another output folder so that the
    # first run stays the client's latest for the other tests.
    resolved = json.loads((demo_run.run_dir / "config.resolved.json").read_text())
    resolved["output_dir"] = str(tmp_path / "rerun")
    config = tmp_path / "config.resolved.json"
    config.write_text(json.dumps(resolved))
    again = run_client(config, ["collection", "linkage", "segmentation", "analysis"], html=False)
    assert again.ok, again.error
    for stage in ("collection", "linkage", "segmentation", "analysis"):
        assert _stable(again.summary["stages"][stage]) == _stable(demo_run.figures(stage)), stage
    import pandas as pd

    first = demo_run.table("customer_map").sort_values(["source", "record_id"])
    second = pd.read_parquet(again.run_dir / "data" / "customer_map.parquet").sort_values(
        ["source", "record_id"])
    assert first["customer_id"].tolist() == second["customer_id"].tolist()
    seg1 = demo_run.table("segments").sort_values("customer_id").reset_index(drop=True)
    seg2 = pd.read_parquet(again.run_dir / "data" / "segments.parquet").sort_values(
        "customer_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(seg1, seg2)
