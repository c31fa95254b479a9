"""The run overview page and the readable tables, on constructed runs (fast; the demo run's
pages are rendered in a browser by test_report_browser.py)."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from cdmkit.report import write_overview
from cdmkit.report.overview import write_run_overview
from cdmkit.display import MISSING, display_frame, readable, table_html


def _run(tmp_path, stages: dict, status=None, error=None, reports=("10-collection",)):
    run = tmp_path / "acme" / "20260101-000000"
    (run / "data").mkdir(parents=True)
    status = status or {"collection": "ok", "analysis": "ok"}
    summary = {"client": "acme", "run_id": run.name, "ok": error is None, "error": error,
               "status": status, "stages": stages, "started": "2026-01-01T00:00:00"}
    (run / "summary.json").write_text(json.dumps(summary))
    (run / "manifest.json").write_text(json.dumps({"stages": [
        {"name": "collection", "slug": "10-collection"},
        {"name": "analysis", "slug": "30-analysis"}]}))
    for slug in reports:
        (run / f"{slug}.html").write_text("<html></html>")
    return run


DEGENERATE = {"paretonbd_params": {"r": 0.55, "alpha": 52.3, "s": 0.0002, "beta": 130005.0},
              "paretonbd_converged": True, "clv_main_model": "paretonbd", "time_unit": "D",
              "clv_total": 1.2e6, "clv_mean": 310.0, "churn_base_rate": 0.43,
              "mean_p_alive": 0.998}


def test_overview_of_a_run_with_a_degenerate_model(tmp_path):
    run = _run(tmp_path, {"analysis": DEGENERATE,
                          "collection": {"rows_in": 1000, "rows_rejected": 12,
                                         "n_invalid_emails": 3}})
    # The clv table gives the evidence when the stage recorded none.
    pd.DataFrame({"customer_id": [f"C{i}" for i in range(30)], "frequency": [5] * 30,
                  "recency": [50.0] * 30, "T": [373.0] * 30, "p_alive": [0.999] * 30,
                  "expected_purchases": 1.0, "expected_spend": 10.0, "clv": 100.0}
                 ).to_parquet(run / "data" / "clv.parquet")
    page = write_overview(run)
    html = page.read_text(encoding="utf-8")
    assert page.name == "index.html"
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert "do not use" in html and "Pareto/NBD" in html
    assert "nobody ever stops buying" in html
    assert "P(alive) — Pareto/NBD" in html  # listed among the figures not to use
    assert "All models fitted" not in html and "Every fitted model passed" not in html
    # The CLV total is not quoted as a finding when CLV is not to be used.
    assert "1,200,000" not in html and "computed, but not to be used" in html
    assert "12 input rows rejected" in html and "3 invalid e-mail addresses" in html
    assert "href='10-collection.html'" in html
    assert "href='30-analysis.html'" not in html  # no link to a report that is not there
    assert "Do not send P(alive)" in html  # a next action


def test_overview_of_a_failed_run_says_so(tmp_path):
    run = _run(tmp_path, {}, status={"collection": "ok", "analysis": "failed"},
               error="analysis failed in cell 7: ValueError: boom")
    html = write_overview(run).read_text(encoding="utf-8")
    assert "a stage failed" in html and "The run stopped: analysis failed in cell 7" in html
    assert "Fix the failed stage" in html


def test_overview_is_escaped(tmp_path):
    run = _run(tmp_path, {"validation": {"warnings": ["<img src=x onerror=alert(1)>"]}})
    html = write_overview(run).read_text(encoding="utf-8")
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_runner_hook_never_raises(tmp_path):
    import warnings

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        assert write_run_overview(tmp_path / "missing" / "run", {"stages": {}}) is None


def test_readable_tables_one_missing_marker_no_index_human_names():
    df = pd.DataFrame({"n_customers": [1200, np.nan, 3], "p_alive": [0.5, None, pd.NA],
                       "last_seen": [pd.Timestamp("2024-01-02"), pd.NaT, pd.NaT],
                       "note": ["a", None, "nan"]}, index=[5, 6, 7])
    df["p_alive"] = df["p_alive"].astype("Float64")
    out = readable(df)
    # an unnamed integer index (row positions, here after a filter) is not shown
    assert out.columns.tolist() == ["Customers", "P(alive)", "Last seen", "Note"]
    assert out.iloc[1].tolist() == [MISSING] * 4
    text = table_html(out)
    for leak in ("NaN", "None", "&lt;NA&gt;", "NaT", ">nan<"):
        assert leak not in text
    assert "overflow:auto" in text
    # A plain row number is not shown; a named index becomes a column.
    assert readable(df.reset_index(drop=True)).columns[0] == "Customers"
    named = readable(df.rename_axis("segment"))
    assert named.columns[0] == "Segment"


def test_display_frame_shows_every_row_unless_cut():
    from unittest import mock

    shown = []
    with mock.patch("IPython.display.display", lambda obj: shown.append(obj.data)):
        display_frame(pd.DataFrame({"x": range(500)}), caption="All")
        display_frame(pd.DataFrame({"x": range(500)}), n=10, caption="Cut")
    assert len(re.findall(r"<td>", shown[0])) == 500  # every row, none elided
    assert "..." not in shown[0]
    assert "First 10 of 500 rows." in shown[1]
