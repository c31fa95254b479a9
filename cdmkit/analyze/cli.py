"""``cdmkit clv``: fit CLV models on a transactions file and write the per-customer table.

Examples
--------
>>> from typer.testing import CliRunner
>>> from cdmkit.cli import app
>>> "clv" in CliRunner().invoke(app, ["--help"]).output
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..clitools import handle_errors, read_table_file, write_table_file
from ..errors import InputError

__all__ = ["register"]


def _clv(
    transactions: Path = typer.Argument(..., help="Transactions file (csv, tsv, parquet, xlsx, "
                                        "jsonl)."),
    customer: str = typer.Option("customer_id", "--customer", help="Customer ID column."),
    date: str = typer.Option("timestamp", "--date", help="Purchase date/time column."),
    value: Optional[str] = typer.Option(None, "--value", help="Line value column; without it "
                                        "only purchases are modelled (no Gamma-Gamma)."),
    out: Path = typer.Option(Path("clv.csv"), "--out", "-o", help="Output file (.csv or "
                             ".parquet)."),
    model: str = typer.Option("bgnbd", "--model", help="Transaction model: bgnbd, mbgnbd or "
                              "paretonbd."),
    unit: str = typer.Option("W", "--unit", help="Time unit: D (days) or W (weeks)."),
    horizon: float = typer.Option(52.0, "--horizon", help="Prediction horizon, in --unit."),
    step: float = typer.Option(4.0, "--step", help="Discounting step, in --unit."),
    discount_rate: float = typer.Option(0.10, "--discount-rate", help="Annual discount rate."),
    penalizer: float = typer.Option(0.0, "--penalizer", help="L2 penalty on the parameters."),
    observation_end: Optional[str] = typer.Option(None, "--observation-end",
                                                  help="End of the window (ISO date); "
                                                  "default the newest purchase."),
    sep: str = typer.Option(",", "--sep", help="CSV delimiter."),
    save_models: Optional[Path] = typer.Option(None, "--save-models", help="Folder to write "
                                               "the fitted models to, as JSON (reload with "
                                               "cdmkit.analyze.load_model)."),
):
    """BG/NBD (or MBG/NBD, Pareto/NBD) + Gamma-Gamma: p_alive, expected purchases, spend, CLV."""
    import numpy as np
    import pandas as pd

    from .clv import BetaGeo, GammaGamma, customer_lifetime_value, per_step_rate
    from .paretonbd import ParetoNBD
    from .mbgnbd import ModifiedBetaGeo
    from .validation import UNITS_PER_YEAR, clv_summary

    classes = {"bgnbd": BetaGeo, "mbgnbd": ModifiedBetaGeo, "paretonbd": ParetoNBD}
    if model not in classes:
        raise InputError(transactions, f"--model must be bgnbd, mbgnbd or paretonbd, not "
                         f"{model!r}")
    if unit not in UNITS_PER_YEAR:
        raise InputError(transactions, f"--unit must be D or W, not {unit!r}")
    df = read_table_file(transactions, sep=sep)
    for col in [customer, date] + ([value] if value else []):
        if col not in df.columns:
            raise InputError(transactions, f"no column {col!r}; columns are "
                             f"{', '.join(map(str, df.columns))}")
    if value:
        df[value] = pd.to_numeric(df[value], errors="coerce")
        df = df[df[value].fillna(0) >= 0]  # returns would make spend per purchase negative
    s = clv_summary(df, customer, date, value, time_unit=unit, observation_end=observation_end)
    x, t, T = s["frequency"], s["recency"], s["T"]
    tm = classes[model](penalizer=penalizer).fit(x, t, T)
    fitted = {model: tm}
    table = pd.DataFrame({customer: s.index, "frequency": x.to_numpy(), "recency": t.to_numpy(),
                          "T": T.to_numpy(), "p_alive": tm.probability_alive(x, t, T),
                          "expected_purchases": tm.conditional_expected_purchases(horizon, x, t,
                                                                                  T)})
    typer.echo(f"{model}: " + ", ".join(f"{k}={v:.4g}" for k, v in tm.params_.items())
               + f"; log-likelihood {tm.log_likelihood_:.2f}; converged {tm.converged_}")
    if value:
        rep = (x > 0) & (s["monetary_value"] > 0)
        gg = GammaGamma(penalizer=penalizer).fit(x[rep], s["monetary_value"][rep])
        m = s["monetary_value"].clip(lower=0).to_numpy()
        table["expected_spend"] = gg.conditional_expected_spend(x, m)
        rate = per_step_rate(discount_rate, step, UNITS_PER_YEAR[unit])
        table["clv"] = customer_lifetime_value(tm, gg, x, t, T, m, horizon=horizon, step=step,
                                               discount_rate=rate)
        typer.echo("gammagamma: " + ", ".join(f"{k}={v:.4g}" for k, v in gg.params_.items())
                   + f"; converged {gg.converged_}")
        fitted["gammagamma"] = gg
    if save_models is not None:
        Path(save_models).mkdir(parents=True, exist_ok=True)
        for name, m_ in fitted.items():
            p = m_.save(Path(save_models) / f"{name}.json", time_unit=unit,
                        observation_end=str(s.attrs.get("observation_end")))
            typer.echo(f"saved {p}")
    out = Path(out)
    write_table_file(table, out)
    total = f"; total CLV {np.nansum(table['clv']):,.2f}" if "clv" in table else ""
    typer.echo(f"{len(table):,} customers, {int((x > 0).sum()):,} repeat buyers, window ends "
               f"{s.attrs.get('observation_end')}{total}; wrote {out}")


def register(app: typer.Typer) -> None:
    """Add ``clv`` to the ``cdmkit`` command.

    Examples
    --------
    >>> import typer
    >>> a = typer.Typer()
    >>> register(a)
    >>> [c.name for c in a.registered_commands]
    ['clv']
    """
    app.command("clv")(handle_errors(_clv))
