"""``cdmkit clv`` on a small file: output table, printed parameters, one-line errors."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cdmkit.analyze import BetaGeo, simulate_bgnbd
from cdmkit.cli import app


def _file(tmp_path):
    rows = [("a", "2024-01-01", 10.0), ("a", "2024-02-01", 12.0), ("a", "2024-03-05", 11.0),
            ("b", "2024-01-15", 30.0), ("c", "2024-02-10", 5.0), ("c", "2024-04-01", 7.0),
            ("d", "2024-03-01", 20.0), ("d", "2024-03-20", -20.0), ("e", "2024-01-03", 8.0),
            ("e", "2024-01-30", 9.0), ("e", "2024-04-20", 9.5)]
    p = tmp_path / "tx.csv"
    pd.DataFrame(rows, columns=["cust", "day", "value"]).to_csv(p, index=False)
    return p


#: The process behind the generated shop: BG/NBD purchases (per day), Gamma-Gamma spend.
BG = {"r": 0.8, "alpha": 40.0, "a": 0.6, "b": 3.0}
GG = {"p": 6.0, "q": 4.0, "v": 15.0}


def _shop(tmp_path, n=500, seed=3):
    """500 customers over a year, one line per purchase day, plus one return line."""
    sim = simulate_bgnbd(n, **BG, T=364.0, seed=seed)
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-02")
    rows = []
    for i, (x, t_x) in enumerate(sim[["frequency", "recency"]].itertuples(index=False)):
        x, t_x = int(x), int(round(t_x))
        inner = (sorted(rng.choice(np.arange(1, t_x), size=x - 1, replace=False).tolist())
                 if x > 1 and t_x > x else [])
        nu = rng.gamma(GG["q"], 1 / GG["v"])                  # the customer's spend rate
        birth = int(rng.integers(0, 100))
        for d in [0] + inner + ([t_x] if x else []):
            rows.append((f"c{i:04d}", (start + pd.Timedelta(days=birth + d)).date().isoformat(),
                         round(float(rng.gamma(GG["p"], 1 / nu)), 2)))
    rows += [("ret", "2023-06-01", 40.0), ("ret", "2023-06-20", -40.0)]
    tx = pd.DataFrame(rows, columns=["cust", "day", "value"])
    p = tmp_path / "shop.csv"
    tx.to_csv(p, index=False)
    return p, tx


def test_clv_command_fits_converged_models_and_writes_their_predictions(tmp_path):
    path, tx = _shop(tmp_path)
    out = tmp_path / "clv.csv"
    r = CliRunner().invoke(app, ["clv", str(path), "--customer", "cust", "--date", "day",
                                 "--value", "value", "--unit", "D", "--horizon", "365",
                                 "--step", "30", "--observation-end", "2024-04-30",
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output
    # Both fits converge (a non-converging fit raises: pyproject filterwarnings).
    assert r.output.count("converged True") == 2, r.output
    t = pd.read_csv(out, dtype={"cust": str}).set_index("cust")
    assert len(t) == tx["cust"].nunique() == 501
    # frequency = purchase days - 1, counted here from the file; the return adds no day
    sales = tx[tx["value"] > 0]
    assert t["frequency"].astype(int).to_dict() == \
        (sales.groupby("cust")["day"].nunique() - 1).to_dict()
    assert t.loc["ret", "frequency"] == 0
    # The printed fit recovers the process: mean purchase rate r/alpha within 5 %, mean
    # spend per purchase p*v/(q-1) within 10 % (measured 2026-12-04: 1 % and 3 %).
    bg = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.e+-]+)", r.output.splitlines()[0])}
    assert bg["r"] / bg["alpha"] == pytest.approx(BG["r"] / BG["alpha"], rel=0.05)
    gg = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.e+-]+)", r.output.splitlines()[1])}
    assert gg["p"] * gg["v"] / (gg["q"] - 1) == \
        pytest.approx(GG["p"] * GG["v"] / (GG["q"] - 1), rel=0.10)
    # The table holds the fitted models' predictions for the written summary columns.
    model = BetaGeo().fit(t["frequency"], t["recency"], t["T"])
    np.testing.assert_allclose(t["p_alive"], model.probability_alive(
        t["frequency"], t["recency"], t["T"]), rtol=1e-4)
    np.testing.assert_allclose(t["expected_purchases"], model.conditional_expected_purchases(
        365, t["frequency"], t["recency"], t["T"]), rtol=1e-4)
    assert t.loc["ret", "expected_spend"] == pytest.approx(
        GG["p"] * GG["v"] / (GG["q"] - 1), rel=0.10)     # no repeat: the population mean
    assert f"total CLV {t['clv'].sum():,.2f}" in r.output
    assert t["clv"].ge(0).all() and t["clv"].sum() > 0


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
    path, _ = _shop(tmp_path)  # enough customers to identify the model (convergence is required)
    r = CliRunner().invoke(app, ["clv", str(path), "--customer", "cust", "--date",
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
