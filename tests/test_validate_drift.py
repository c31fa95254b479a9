"""Drift between two synthetic runs of one client."""

from __future__ import annotations

import json
import math
import os
import time

import numpy as np
import pandas as pd
import pytest

from cdmkit.validate import compare_runs, previous_run_dir, psi, segment_migration


def _write(run, **tables):
    (run / "data").mkdir(parents=True, exist_ok=True)
    (run / "figures").mkdir(exist_ok=True)
    for name, df in tables.items():
        df.to_parquet(run / "data" / f"{name}.parquet", index=False)


def test_psi_hand_computed():
    # Median split of [1, 2, 3, 4]: expected 50/50, actual 75/25.
    expected = 0.25 * math.log(1.5) + (-0.25) * math.log(0.5)
    assert psi([1, 2, 3, 4], [1, 1, 1, 4], bins=2) == pytest.approx(expected)
    assert psi([1, 2, 3, 4], [4, 3, 2, 1], bins=2) == 0.0


def test_previous_run_is_newest_other_run_with_summary(tmp_path):
    client = tmp_path / "acme"
    for name, age in (("r1", 300), ("r2", 200), ("r3", 100)):
        (client / name).mkdir(parents=True)
        s = client / name / "summary.json"
        s.write_text("{}")
        t = time.time() - age
        os.utime(s, (t, t))
    (client / "scratch").mkdir()  # no summary: not a finished run
    (client / "latest").symlink_to("r3", target_is_directory=True)
    assert previous_run_dir(client / "r3").name == "r2"
    assert previous_run_dir(client / "new").name == "r3"  # the running one has no summary yet
    assert previous_run_dir(tmp_path / "solo" / "r1") is None


def test_previous_run_skips_failed_runs(tmp_path):
    client = tmp_path / "acme"
    for name, age, ok in (("good", 300, True), ("failed", 100, False), ("broken", 50, None)):
        (client / name).mkdir(parents=True)
        s = client / name / "summary.json"
        s.write_text("{not json" if ok is None else json.dumps({"ok": ok}))
        t = time.time() - age
        os.utime(s, (t, t))
    # The newer run failed (and one has an unreadable summary): drift compares with "good".
    assert previous_run_dir(client / "new").name == "good"


def test_compare_two_runs(tmp_path):
    rng = np.random.default_rng(0)
    prev, cur = tmp_path / "c" / "r1", tmp_path / "c" / "r2"
    _write(prev,
           golden=pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C4"],
                                "email": ["a", None, "c", "d"]}),
           customer_map=pd.DataFrame({"source": ["s"] * 4, "record_id": list("1234"),
                                      "customer_id": ["C1", "C2", "C3", "C4"]}),
           segments=pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C4"],
                                  "rfm_segment": ["A", "A", "B", "B"]}),
           transactions=pd.DataFrame({"amount": rng.normal(10, 1, 500)}))
    (prev / "summary.json").write_text(json.dumps({"stages": {"analysis": {"auc": 0.8}}}))
    _write(cur,
           golden=pd.DataFrame({"customer_id": ["C2", "C3", "C4", "C5", "C6"],
                                "email": [None, None, "c", "d", "e"]}),
           customer_map=pd.DataFrame({"source": ["s"] * 5, "record_id": list("23456"),
                                      "customer_id": ["C2", "C3", "C3", "C5", "C6"]}),
           segments=pd.DataFrame({"customer_id": ["C2", "C3", "C4", "C5", "C6"],
                                  "rfm_segment": ["A", "A", "B", "B", "A"]}),
           id_changes=pd.DataFrame({"run_id": ["r2"] * 3, "event": ["merge", "new", "new"],
                                    "customer_id": ["C3", "C5", "C6"],
                                    "other_id": ["C4", None, None]}),
           transactions=pd.DataFrame({"amount": rng.normal(13, 1, 600)}))
    (cur / "figures" / "analysis.json").write_text(json.dumps({"auc": 0.75}))
    rep = compare_runs(cur, prev)
    rc = rep.row_counts.set_index("table")
    assert rc.loc["golden", "rows_previous"] == 4 and rc.loc["golden", "rows_current"] == 5
    assert rc.loc["id_changes", "rows_previous"] == 0
    assert rep.customers == {"previous": 4, "current": 5, "kept": 3, "new": 2, "lost": 1}
    # Migration of kept customers C2 (A->A), C3 (B->A), C4 (B->B).
    m = rep.migration
    assert m.loc["A", "A"] == 1 and m.loc["B", "A"] == 1 and m.loc["B", "B"] == 1
    assert rep.segment_stability == pytest.approx(2 / 3)
    assert rep.id_changes == {"merge": 1, "new": 2, "records_with_changed_id": 1}
    nr = rep.null_rates.set_index(["table", "column"])
    assert nr.loc[("golden", "email"), "change"] == pytest.approx(2 / 5 - 1 / 4)
    d = rep.distributions.set_index(["table", "column"]).loc[("transactions", "amount")]
    assert d["psi"] > 0.25 and d["ks"] > 0.5
    assert rep.alerts and "transactions.amount" in rep.alerts[0]
    kf = rep.key_figures.set_index("figure")
    assert kf.loc["auc", "change"] == pytest.approx(-0.05)
    figs = rep.figures()
    assert figs["drift"]["customers"]["new"] == 2
    json.dumps(figs["drift"])  # serialisable as recorded


def test_segment_migration_without_segment_column():
    assert segment_migration(pd.DataFrame({"customer_id": []}),
                             pd.DataFrame({"customer_id": []})).empty
