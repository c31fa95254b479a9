"""``cdmkit clv`` on a small file: output table, printed parameters, one-line errors."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from cdmkit.cli import app


def _file(tmp_path):
    rows = [("a", "2024-01-01", 10.0), ("a", "2024-02-01", 12.0), ("a", "2024-03-05", 11.0),
            ("b", "2024-01-15", 30.0), ("c", "2024-02-10", 5.0), ("c", "2024-04-01", 7.0),
            ("d", "2024-03-01", 20.0), ("d", "2024-03-20", -20.0), ("e", "2024-01-03", 8.0),
            ("e", "2024-01-30", 9.0), ("e", "2024-04-20", 9.5)]
    p = tmp_path / "tx.csv"
    pd.DataFrame(rows, columns=["cust", "day", "value"]).to_csv(p, index=False)
    return p


def test_clv_command_writes_table(tmp_path):
    out = tmp_path / "clv.csv"
    r = CliRunner().invoke(app, ["clv", str(_file(tmp_path)), "--customer", "cust", "--date",
                                 "day", "--value", "value", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "bgnbd: r=" in r.output and "gammagamma: p=" in r.output
    t = pd.read_csv(out)
    assert sorted(t["cust"]) == ["a", "b", "c", "d", "e"]
    assert {"p_alive", "expected_purchases", "expected_spend", "clv"} <= set(t.columns)
    # the return of d is dropped, so d has one purchase day and no repeat
    assert t.set_index("cust").loc["d", "frequency"] == 0
    assert t.set_index("cust").loc["a", "frequency"] == 2


def test_clv_command_errors_are_one_line(tmp_path):
    r = CliRunner().invoke(app, ["clv", str(_file(tmp_path)), "--customer", "nope",
                                 "--date", "day"])
    assert r.exit_code == 1 and "no column 'nope'" in r.output
    r = CliRunner().invoke(app, ["clv", str(_file(tmp_path)), "--customer", "cust",
                                 "--date", "day", "--unit", "M"])
    assert r.exit_code == 1 and "--unit" in r.output
    one = tmp_path / "one.csv"
    pd.DataFrame({"cust": ["a", "b"], "day": ["2024-01-01", "2024-01-02"]}).to_csv(one)
    r = CliRunner().invoke(app, ["clv", str(one), "--customer", "cust", "--date", "day"])
    assert r.exit_code == 1 and "no repeat buyers" in r.output
    assert "Traceback" not in r.output


def test_clv_command_mbgnbd_and_saved_models(tmp_path):
    from cdmkit.analyze import load_model

    out, models = tmp_path / "clv.csv", tmp_path / "models"
    r = CliRunner().invoke(app, ["clv", str(_file(tmp_path)), "--customer", "cust", "--date",
                                 "day", "--value", "value", "--out", str(out), "--model",
                                 "mbgnbd", "--unit", "D", "--save-models", str(models)])
    assert r.exit_code == 0, r.output
    assert "mbgnbd: r=" in r.output
    m = load_model(models / "mbgnbd.json")
    assert type(m).__name__ == "ModifiedBetaGeo" and m.metadata_["time_unit"] == "D"
    t = pd.read_csv(out).set_index("cust")
    # the reloaded model reproduces the written table
    p = m.probability_alive(t["frequency"], t["recency"], t["T"])
    pd.testing.assert_series_equal(pd.Series(p, index=t.index, name="p_alive"), t["p_alive"],
                                   rtol=1e-9)
    assert load_model(models / "gammagamma.json").params_.keys() == {"p", "q", "v"}
