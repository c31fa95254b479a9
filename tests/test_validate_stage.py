"""The validation notebook on synthetic run folders (independent of the other stages)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cdmkit.config import load_config
from cdmkit.report.context import StageContext
from cdmkit.resources import notebook_dir
from cdmkit.validate import validate_run


def make_run(client_dir, run_id, n=40, seed=0, shift=0.0, drop=0):
    rng = np.random.default_rng(seed)
    run = client_dir / run_id
    (run / "data").mkdir(parents=True)
    (run / "figures").mkdir()
    ids = [f"C{i:07d}" for i in range(drop + 1, n + 1)]
    m = len(ids)
    cu = pd.DataFrame({"source": "crm", "record_id": [str(i) for i in range(m)],
                       "first_name": [f"Firstname{i}" for i in range(m)],
                       "last_name": "Hosseini",
                       "email": [f"person{i}@mail.test" for i in range(m)],
                       "phone": [f"+98912{1000000 + i}" for i in range(m)]})
    cmap = pd.DataFrame({"source": "crm", "record_id": cu["record_id"], "customer_id": ids})
    tx = pd.DataFrame({"source": "shop", "record_id": [str(i) for i in range(3 * m)],
                       "customer_source": "crm",
                       "customer_ref": [str(i % m) for i in range(3 * m)],
                       "timestamp": pd.Timestamp("2024-01-01")
                       + pd.to_timedelta(rng.integers(0, 300, 3 * m), "D"),
                       "amount": rng.gamma(2, 20 + shift, 3 * m)})
    golden = pd.DataFrame({"customer_id": ids, "first_name": cu["first_name"],
                           "last_name": cu["last_name"], "email": cu["email"],
                           "phone": cu["phone"],
                           "consent_email": [i % 4 != 0 for i in range(m)]})
    segs = pd.DataFrame({"customer_id": ids,
                         "rfm_segment": rng.choice(["Champions", "At risk"], m)})
    for name, df in dict(customers=cu, customer_map=cmap, transactions=tx, golden=golden,
                         segments=segs).items():
        df.to_parquet(run / "data" / f"{name}.parquet", index=False)
    return run, golden


@pytest.fixture
def client(tmp_path):
    yaml = tmp_path / "clients" / "t.yaml"
    yaml.parent.mkdir()
    yaml.write_text("client: t\noutput_dir: ../reports\nvalidation:\n  fail_below: 0.5\n",
                    encoding="utf-8")
    return yaml, tmp_path / "reports" / "t"


def test_validate_run_flags_raw_pii_in_reports(client):
    yaml, cdir = client
    run, golden = make_run(cdir, "r1")
    ctx = StageContext("validation", load_config(yaml), run)
    assert validate_run(ctx).status == "pass"
    (run / "20-segmentation.html").write_text(f"<td>{golden['first_name'][3]} Hosseini</td>",
                                             encoding="utf-8")
    rep = validate_run(ctx)
    assert rep.status == "fail"
    assert any(f.startswith("privacy:") for f in rep.failures)
    assert rep.figures()["pii_scan_hits"] == 1


@pytest.mark.slow
@pytest.mark.xdist_group("notebooks")
def test_validation_notebook_on_two_runs(client):
    import papermill as pm

    from cdmkit.report.runner import ensure_kernel

    yaml, cdir = client
    prev, _ = make_run(cdir, "r1", seed=1)
    (prev / "summary.json").write_text(json.dumps({"stages": {}}))
    run, golden = make_run(cdir, "r2", seed=2, shift=25, drop=5)
    pm.execute_notebook(str(notebook_dir() / "40-validation.ipynb"), str(run / "40.ipynb"),
                        parameters={"run_dir": str(run), "config_path": str(yaml)},
                        kernel_name=ensure_kernel(), progress_bar=False)
    figs = json.loads((run / "figures" / "validation.json").read_text(encoding="utf-8"))
    assert figs["status"] == "pass" and figs["failures"] == []
    assert 0.5 <= figs["overall_score"] <= 1
    # Default export: mailchimp newsletter, consent_email only.
    exp = {e["name"]: e for e in figs["exports"]}["newsletter"]
    assert exp["rows"] == int(golden["consent_email"].sum())
    assert exp["excluded_consent"] == int((~golden["consent_email"]).sum())
    assert (run / exp["path"]).is_file()
    # Drift against r1: 5 customers lost, none new.
    assert figs["drift"]["previous_run"] == "r1"
    assert figs["drift"]["customers"]["lost"] == 5 and figs["drift"]["customers"]["new"] == 0
    assert figs["drift"]["distributions"]["transactions.amount"]["psi"] > 0.1
    assert "customers.email" in figs["pii_columns"]
    seg = pd.read_parquet(prev / "data" / "segments.parquet").merge(
        pd.read_parquet(run / "data" / "segments.parquet"), on="customer_id")
    same = (seg["rfm_segment_x"] == seg["rfm_segment_y"]).mean()
    assert figs["drift"]["segment_stability"] == pytest.approx(same)
    assert figs["model_quality"]["validation.segments_kept_since_previous_run"] == \
        pytest.approx(same)
    # The executed notebook shows no raw e-mail or name of the customers.
    text = (run / "40.ipynb").read_text(encoding="utf-8")
    assert golden["email"][7] not in text
    assert f"{golden['first_name'][7]} Hosseini" not in text
    assert "Validation: PASS" in text


def test_validate_cli_exit_code(client):
    from typer.testing import CliRunner

    from cdmkit.cli import app

    yaml, cdir = client
    run, _ = make_run(cdir, "r1")
    ok = CliRunner().invoke(app, ["validate", "--client", str(yaml), "--run", str(run)])
    assert ok.exit_code == 0 and "Validation: PASS" in ok.output
    strict = yaml.with_name("strict.yaml")
    strict.write_text("client: t\noutput_dir: ../reports\nvalidation:\n"
                      "  thresholds: {completeness: 1.0}\n  rules:\n"
                      "    - {type: not_null, table: customers, column: middle_name}\n",
                      encoding="utf-8")
    bad = CliRunner().invoke(app, ["validate", "--client", str(strict), "--run", str(run)])
    assert bad.exit_code == 1 and "Validation: FAIL" in bad.output
    assert "not_null:customers.middle_name" in bad.output
