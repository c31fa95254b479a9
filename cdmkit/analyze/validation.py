"""Validate CLV models on data they have not seen: calibration / holdout split.

Fit a transaction model on the calibration period, predict each customer's
repeat purchases in the holdout period, and compare with what happened: per
calibration frequency bucket, in aggregate over calendar time (the classic
"tracking" plot), and as per-customer error metrics (MAE, RMSE, bias).

A purchase is a purchase *day* (several orders on one day count once), as in
the CLV literature and ``cdmkit.segment.rfm_summary``.

Examples
--------
>>> import pandas as pd
>>> tx = pd.DataFrame({"c": [1, 1, 1, 2, 2, 3],
...     "d": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-05-01", "2024-01-10",
...                          "2024-01-20", "2024-03-01"])})
>>> ch = calibration_holdout(tx, "c", "d", calibration_end="2024-03-31",
...                          observation_end="2024-06-30", time_unit="D")
>>> ch[["frequency_cal", "frequency_holdout"]].to_dict("list")
{'frequency_cal': [1.0, 1.0, 0.0], 'frequency_holdout': [1.0, 0.0, 0.0]}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._checks import AnalysisInputError

__all__ = ["UNIT_DAYS", "UNITS_PER_YEAR", "clv_summary", "calibration_holdout",
           "holdout_by_frequency", "holdout_errors", "naive_holdout_errors", "tracking"]

#: Days per time unit.
UNIT_DAYS = {"D": 1.0, "W": 7.0}
#: Time units per (Julian) year, used to turn annual discount rates into per-step rates.
UNITS_PER_YEAR = {"D": 365.25, "W": 365.25 / 7.0}


def _unit(time_unit: str) -> float:
    try:
        return UNIT_DAYS[time_unit]
    except KeyError:
        raise AnalysisInputError(f"unknown time_unit {time_unit!r}; use D (days) or W "
                                 "(weeks)") from None


def clv_summary(transactions: pd.DataFrame, customer_col: str = "customer_id",
                date_col: str = "timestamp", value_col: str | None = "amount", *,
                time_unit: str = "W", observation_end=None) -> pd.DataFrame:
    """Per-customer ``frequency``, ``recency``, ``T``, ``monetary_value`` in ``time_unit``.

    Computed by :func:`cdmkit.segment.rfm_summary` on purchase days, then
    converted to the unit (weeks are days / 7, as in the published CDNOW
    summary), so the CLV models see continuous time.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"c": [1, 1], "d": ["2024-01-01", "2024-01-15"], "v": [5.0, 7.0]})
    >>> clv_summary(tx, "c", "d", "v", observation_end="2024-01-29")[["frequency", "recency", "T"]]
       frequency  recency    T
    c
    1        1.0      2.0  4.0
    """
    from ..segment import rfm_summary

    days = _unit(time_unit)
    s = rfm_summary(transactions, customer_col=customer_col, date_col=date_col,
                    value_col=value_col, freq="D", observation_end=observation_end)
    s = s.copy()
    s["recency"] = s["recency"] / days
    s["T"] = s["T"] / days
    s.attrs["time_unit"] = time_unit
    return s


def _dates(tx, date_col):
    ts = pd.to_datetime(tx[date_col], errors="coerce")
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    return ts.dt.normalize()


def calibration_holdout(transactions: pd.DataFrame, customer_col: str = "customer_id",
                        date_col: str = "timestamp", value_col: str | None = None, *,
                        calibration_end, observation_end=None,
                        time_unit: str = "W") -> pd.DataFrame:
    """Split transactions into a calibration summary and holdout outcomes.

    Customers are those who bought in the calibration period. Holdout columns:
    ``frequency_holdout`` (purchase days in ``(calibration_end, observation_end]``),
    ``monetary_value_holdout`` (their mean value, when ``value_col`` is given),
    ``duration_holdout`` (length of the holdout in ``time_unit``).

    Raises
    ------
    AnalysisInputError
        If the calibration period holds no purchase or the holdout is empty in time.
    """
    days = _unit(time_unit)
    cal_end = pd.Timestamp(calibration_end).normalize()
    ts = _dates(transactions, date_col)
    obs_end = ts.max() if observation_end is None else pd.Timestamp(observation_end).normalize()
    if obs_end <= cal_end:
        raise AnalysisInputError(f"observation end {obs_end.date()} is not after the calibration "
                                 f"end {cal_end.date()}: no holdout period left")
    tx = transactions.assign(**{"_day": ts})
    tx = tx[tx[customer_col].notna() & tx["_day"].notna()]
    cal = tx[tx["_day"] <= cal_end]
    if cal.empty:
        raise AnalysisInputError(f"no purchases on or before the calibration end {cal_end.date()}")
    summ = clv_summary(cal, customer_col, "_day", value_col, time_unit=time_unit,
                       observation_end=cal_end)
    out = summ[["frequency", "recency", "T", "monetary_value"]].add_suffix("_cal")
    hold = tx[(tx["_day"] > cal_end) & (tx["_day"] <= obs_end)]
    hold = hold[hold[customer_col].isin(out.index)]
    per_day = hold.groupby([customer_col, "_day"])
    if value_col:
        daily = per_day[value_col].sum().reset_index()
        g = daily.groupby(customer_col)
        out["frequency_holdout"] = g.size().reindex(out.index, fill_value=0).astype(float)
        out["monetary_value_holdout"] = g[value_col].mean().reindex(out.index, fill_value=0.0)
    else:
        daily = per_day.size().reset_index()
        out["frequency_holdout"] = daily.groupby(customer_col).size() \
            .reindex(out.index, fill_value=0).astype(float)
    out["duration_holdout"] = (obs_end - cal_end).days / days
    out.attrs.update(time_unit=time_unit, calibration_end=str(cal_end.date()),
                     observation_end=str(obs_end.date()))
    return out


def _predict(model, ch: pd.DataFrame) -> np.ndarray:
    return model.conditional_expected_purchases(ch["duration_holdout"].to_numpy(),
                                                ch["frequency_cal"], ch["recency_cal"],
                                                ch["T_cal"])


def holdout_by_frequency(model, ch: pd.DataFrame, max_bucket: int = 7) -> pd.DataFrame:
    """Mean actual vs predicted holdout purchases per calibration frequency.

    Parameters
    ----------
    model : BetaGeo or ParetoNBD
        Fitted on the calibration columns of ``ch``.
    ch : DataFrame
        From :func:`calibration_holdout`.
    max_bucket : int
        Frequencies from this value up are pooled into one bucket ``"7+"``.

    Returns
    -------
    DataFrame
        ``bucket``, ``customers``, ``actual``, ``predicted`` (means per customer).

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.analyze import BetaGeo
    >>> ch = pd.DataFrame({"frequency_cal": [0, 1, 2, 9], "recency_cal": [0, 3, 5, 9],
    ...     "T_cal": [10, 10, 10, 10], "frequency_holdout": [0, 1, 1, 4],
    ...     "duration_holdout": 5.0})
    >>> bg = BetaGeo().fit(ch.frequency_cal, ch.recency_cal, ch.T_cal)
    >>> holdout_by_frequency(bg, ch, max_bucket=2)["bucket"].tolist()
    ['0', '1', '2+']
    """
    pred = _predict(model, ch)
    f = ch["frequency_cal"].to_numpy().astype(int)
    capped = np.minimum(f, max_bucket)
    df = pd.DataFrame({"b": capped, "actual": ch["frequency_holdout"].to_numpy(),
                       "predicted": pred})
    g = df.groupby("b").agg(customers=("actual", "size"), actual=("actual", "mean"),
                            predicted=("predicted", "mean")).reset_index()
    g["bucket"] = [f"{b}+" if b == max_bucket else str(b) for b in g["b"]]
    return g[["bucket", "customers", "actual", "predicted"]]


def holdout_errors(model, ch: pd.DataFrame) -> dict:
    """Per-customer error metrics of holdout predictions.

    Returns ``mae``, ``rmse``, ``bias`` (mean predicted - actual, per customer),
    ``actual_total``, ``predicted_total``, ``total_error_pct`` and ``n_customers``.

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.analyze import BetaGeo
    >>> ch = pd.DataFrame({"frequency_cal": [0, 1, 2, 9], "recency_cal": [0, 3, 5, 9],
    ...     "T_cal": [10, 10, 10, 10], "frequency_holdout": [0, 1, 1, 4],
    ...     "duration_holdout": 5.0})
    >>> bg = BetaGeo().fit(ch.frequency_cal, ch.recency_cal, ch.T_cal)
    >>> sorted(holdout_errors(bg, ch))[:3]
    ['actual_total', 'bias', 'mae']
    """
    pred = _predict(model, ch)
    act = ch["frequency_holdout"].to_numpy(dtype=float)
    err = pred - act
    tot_a, tot_p = float(act.sum()), float(pred.sum())
    return {"mae": float(np.mean(np.abs(err))), "rmse": float(np.sqrt(np.mean(err ** 2))),
            "bias": float(np.mean(err)), "actual_total": tot_a, "predicted_total": tot_p,
            "total_error_pct": float(100 * (tot_p - tot_a) / tot_a) if tot_a else float("nan"),
            "n_customers": int(len(act))}


def naive_holdout_errors(ch: pd.DataFrame) -> dict:
    """Errors of the naive forecast a model has to beat: each customer keeps her past rate.

    The naive forecast of a customer's holdout purchases is her calibration repeat
    purchases per time unit (``frequency_cal / T_cal``) times the holdout length.
    A CLV model whose error is not clearly below this one adds nothing to the
    forecast.

    Returns
    -------
    dict
        ``naive_mae``, ``naive_rmse``, ``naive_predicted_total`` and
        ``naive_total_error_pct`` (same definitions as :func:`holdout_errors`).

    Examples
    --------
    >>> import pandas as pd
    >>> ch = pd.DataFrame({"frequency_cal": [0, 2], "T_cal": [10.0, 10.0],
    ...                    "frequency_holdout": [0, 2], "duration_holdout": 5.0})
    >>> naive_holdout_errors(ch)["naive_mae"]
    0.5
    """
    T = ch["T_cal"].to_numpy(dtype=float)
    rate = np.divide(ch["frequency_cal"].to_numpy(dtype=float), T, out=np.zeros_like(T),
                     where=T > 0)
    pred = rate * ch["duration_holdout"].to_numpy(dtype=float)
    act = ch["frequency_holdout"].to_numpy(dtype=float)
    err = pred - act
    tot_a, tot_p = float(act.sum()), float(pred.sum())
    return {"naive_mae": float(np.mean(np.abs(err))),
            "naive_rmse": float(np.sqrt(np.mean(err ** 2))),
            "naive_predicted_total": tot_p,
            "naive_total_error_pct": float(100 * (tot_p - tot_a) / tot_a) if tot_a
            else float("nan")}


def tracking(model, transactions: pd.DataFrame, customer_col: str = "customer_id",
             date_col: str = "timestamp", *, calibration_end, observation_end=None,
             time_unit: str = "W", step_days: int = 7) -> pd.DataFrame:
    """Cumulative repeat purchases over calendar time: actual vs model (unconditional).

    The cohort is every customer whose first purchase is on or before
    ``calibration_end``. A customer who first bought at s contributes
    E[X(t - s)] predicted repeat purchases by time t. Vectorised over
    first-purchase days, so it is fast for millions of customers.

    Returns
    -------
    DataFrame
        ``date``, ``actual``, ``predicted`` (cumulative repeat purchase days),
        ``period`` (``calibration`` or ``holdout``).

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.analyze import BetaGeo
    >>> tx = pd.DataFrame({"c": [1, 1, 2, 2, 3, 3], "d": pd.to_datetime(["2024-01-01",
    ...     "2024-01-20", "2024-01-05", "2024-02-10", "2024-01-08", "2024-01-09"])})
    >>> bg = BetaGeo().fit([1, 0, 1], [2.7, 0, 0.1], [4.3, 3.7, 3.3])
    >>> tr = tracking(bg, tx, "c", "d", calibration_end="2024-01-31",
    ...               observation_end="2024-02-29")
    >>> int(tr["actual"].iloc[-1])
    3
    """
    days = _unit(time_unit)
    cal_end = pd.Timestamp(calibration_end).normalize()
    tx = transactions.assign(_day=_dates(transactions, date_col))
    tx = tx[tx[customer_col].notna() & tx["_day"].notna()]
    obs_end = tx["_day"].max() if observation_end is None else \
        pd.Timestamp(observation_end).normalize()
    tx = tx[tx["_day"] <= obs_end]
    pdays = tx[[customer_col, "_day"]].drop_duplicates()
    first = pdays.groupby(customer_col)["_day"].transform("min")
    pdays = pdays[first <= cal_end]
    first = first[first <= cal_end]
    repeat_days = pdays.loc[pdays["_day"] > first, "_day"]
    start = first.min()
    grid = pd.date_range(start, obs_end, freq=f"{step_days}D")
    if len(grid) == 0 or grid[-1] != obs_end:
        grid = grid.append(pd.DatetimeIndex([obs_end]))
    rd = np.sort(repeat_days.to_numpy())
    actual = np.searchsorted(rd, grid.to_numpy(), side="right")
    firsts = pdays.groupby(customer_col)["_day"].min().value_counts()
    s_days = firsts.index.to_numpy()
    counts = firsts.to_numpy(dtype=float)
    # t - s for every (grid point, first-purchase day), in model units; negative = not yet born.
    age = (grid.to_numpy()[:, None] - s_days[None, :]) / np.timedelta64(1, "D") / days
    ex = model.expected_purchases(np.maximum(age, 0.0))
    predicted = (ex * counts[None, :]).sum(axis=1)
    return pd.DataFrame({"date": grid, "actual": actual.astype(float), "predicted": predicted,
                         "period": np.where(grid <= cal_end, "calibration", "holdout")})
