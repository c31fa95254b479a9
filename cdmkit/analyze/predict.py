"""Predictions users ask of a fitted customer-base model, beyond the model's own methods.

- :func:`clv_interval`: CLV per customer with a confidence interval, by a
  parametric bootstrap over the parameters' estimated covariance (the
  uncertainty of the *fit*, not of the customer's future behaviour).
- :func:`probability_alive_matrix`: P(alive) over a frequency × recency grid for
  customers of one age (lifetimes' ``plot_probability_alive_matrix``).
- :func:`expected_cumulative_transactions`: expected repeat transactions of the
  whole base over time, from each customer's acquisition date (the tracking
  curve; :func:`cdmkit.analyze.tracking` puts it next to the actual ones).

Examples
--------
>>> from cdmkit.analyze import BetaGeo
>>> bg = BetaGeo().with_params({"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.43})
>>> probability_alive_matrix(bg, max_frequency=3, T=10, n_recency=3).shape
(3, 4)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._checks import AnalysisInputError
from .clv import customer_lifetime_value

__all__ = ["clv_interval", "probability_alive_matrix", "expected_cumulative_transactions"]


def clv_interval(transaction_model, spend_model, frequency, recency, T, monetary_value, *,
                 horizon: float, step: float = 1.0, discount_rate: float = 0.0,
                 method: str = "bootstrap", n_draws: int = 200, level: float = 0.95,
                 seed: int = 0) -> pd.DataFrame:
    """CLV per customer with a ``level`` interval reflecting the parameters' uncertainty.

    ``method="bootstrap"`` (parametric bootstrap): ``n_draws`` parameter sets are
    drawn for each model from a normal distribution of the log-parameters with
    the covariance estimated at the fit
    (:meth:`~cdmkit.analyze.BaseFitter.sample_params`); CLV is recomputed for
    each, and the interval is the central ``level`` share of those values.
    ``method="delta"``: the delta method on the log-parameters (central
    differences, 2 CLV evaluations per parameter instead of ``n_draws``) and a
    log-normal interval ``clv · exp(±z · se / clv)``, which stays positive; close to
    the bootstrap when the standard errors are small (tested). The point estimate
    is the CLV at the fitted parameters either way.

    Parameters
    ----------
    transaction_model : BetaGeo, ModifiedBetaGeo or ParetoNBD
        Fitted transaction model.
    spend_model : GammaGamma or None
        Fitted spend model (``None``: expected purchases instead of money).
    frequency, recency, T, monetary_value : array-like
        The customers' summary.
    horizon, step, discount_rate
        As :func:`~cdmkit.analyze.customer_lifetime_value`.
    n_draws : int, default 200
        Bootstrap draws.
    level : float, default 0.95
        Coverage of the interval.
    seed : int, default 0
        Random seed (same seed, same interval).

    Returns
    -------
    DataFrame
        ``clv``, ``clv_lower``, ``clv_upper``, one row per customer.

    Examples
    --------
    >>> from cdmkit.analyze import BetaGeo, GammaGamma, simulate_bgnbd, simulate_spend
    >>> d = simulate_bgnbd(400, r=0.5, alpha=5.0, a=1.0, b=3.0, T=40.0, seed=0)
    >>> bg = BetaGeo().fit(d["frequency"], d["recency"], d["T"])
    >>> ci = clv_interval(bg, None, [2, 0], [30, 0], [40, 40], [0, 0], horizon=20, n_draws=50)
    >>> bool((ci["clv_lower"] <= ci["clv"]).all() and (ci["clv"] <= ci["clv_upper"]).all())
    True
    """
    if not 0 < level < 1:
        raise AnalysisInputError("level must be between 0 and 1")
    if method not in ("bootstrap", "delta"):
        raise AnalysisInputError(f"method {method!r}: use 'bootstrap' or 'delta'")
    kw = dict(horizon=horizon, step=step, discount_rate=discount_rate)
    point = customer_lifetime_value(transaction_model, spend_model, frequency, recency, T,
                                    monetary_value, **kw)
    if method == "delta":
        return _delta_interval(transaction_model, spend_model, point, level,
                               (frequency, recency, T, monetary_value), kw)
    t_draws = transaction_model.sample_params(n_draws, seed=seed)
    s_draws = (spend_model.sample_params(n_draws, seed=seed + 1) if spend_model is not None
               else [None] * n_draws)
    values = np.empty((n_draws, len(point)))
    with np.errstate(all="ignore"):
        for i, (tp, sp) in enumerate(zip(t_draws, s_draws)):
            tm = transaction_model.with_params(tp)
            sm = spend_model.with_params(sp) if sp is not None else None
            if sm is not None and sm.params_["q"] <= 1:
                values[i] = np.inf  # this draw has an infinite mean spend
                continue
            values[i] = customer_lifetime_value(tm, sm, frequency, recency, T, monetary_value,
                                                **kw)
    lo, hi = np.nanquantile(values, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return pd.DataFrame({"clv": point, "clv_lower": lo, "clv_upper": hi})


def _delta_interval(tm, sm, point, level, data, kw):
    from scipy.stats import norm

    var = np.zeros_like(point)
    for which, model in (("t", tm), ("s", sm)):
        if model is None:
            continue
        if not np.all(np.isfinite(model._cov_log_)):
            raise AnalysisInputError(f"{type(model).__name__}: no parameter covariance "
                                     f"({model.identification_note_}); intervals are undefined")
        names = list(model._param_names)
        logp = np.log(np.array(model._p()))
        h = 1e-4
        grads = []
        for i in range(len(names)):
            vals = []
            for sign in (1, -1):
                z = logp.copy()
                z[i] += sign * h
                m = model.with_params(dict(zip(names, np.exp(z))))
                pair = (m, sm) if which == "t" else (tm, m)
                vals.append(customer_lifetime_value(*pair, *data, **kw))
            grads.append((vals[0] - vals[1]) / (2 * h))
        g = np.array(grads)
        var += np.einsum("in,ij,jn->n", g, model._cov_log_, g)
    z = norm.ppf((1 + level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(point > 0, np.sqrt(var) / point, 0.0)
    return pd.DataFrame({"clv": point, "clv_lower": point * np.exp(-z * rel),
                         "clv_upper": point * np.exp(z * rel)})


def probability_alive_matrix(model, *, max_frequency: int | None = None, T: float | None = None,
                             n_recency: int = 20) -> pd.DataFrame:
    """P(alive) for customers of age ``T`` by repeat purchases (columns) and recency (rows).

    For a BG/BB model, ``T`` is the number of opportunities ``n`` and recency
    runs over the whole opportunities 0..n. Impossible cells (repeat purchases
    with recency 0, or more purchases than opportunities) are NaN.

    Parameters
    ----------
    model : fitted transaction model
        Any model with ``probability_alive(frequency, recency, T)``.
    max_frequency : int, optional
        Largest repeat-purchase count shown (default 20).
    T : float, optional
        Customer age (default: 52 time units, 6 opportunities for BG/BB).
    n_recency : int, default 20
        Recency grid points between 0 and ``T`` (continuous-time models).

    Examples
    --------
    >>> from cdmkit.analyze import BetaGeo
    >>> bg = BetaGeo().with_params({"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.43})
    >>> m = probability_alive_matrix(bg, max_frequency=2, T=10, n_recency=3)
    >>> float(m.loc[10.0, 2]) > float(m.loc[5.0, 2])
    True
    """
    discrete = type(model).__name__ == "BetaGeoBetaBinom"
    T = (6 if discrete else 52.0) if T is None else T
    max_frequency = 20 if max_frequency is None else int(max_frequency)
    freqs = np.arange(max_frequency + 1)
    rec = np.arange(int(T) + 1, dtype=float) if discrete else np.linspace(0, T, n_recency)
    F, R = np.meshgrid(freqs.astype(float), rec)
    valid = ((F == 0) == (R == 0)) if discrete else ((F == 0) | (R > 0))
    if discrete:
        valid &= F <= R
    out = np.full(F.shape, np.nan)
    if valid.any():
        f0, r0 = F[valid], R[valid]
        if not discrete:
            r0 = np.where(f0 == 0, 0.0, r0)
        out[valid] = model.probability_alive(f0, r0, np.full(f0.shape, float(T)))
    if not discrete:  # without repeat purchases recency is 0 whatever the row: one value
        out[:, 0] = out[0, 0]
    return pd.DataFrame(out, index=pd.Index(rec, name="recency"),
                        columns=pd.Index(freqs, name="frequency"))


def expected_cumulative_transactions(model, ages_at_start, horizon: float,
                                     step: float = 1.0) -> pd.DataFrame:
    """Expected cumulative repeat transactions of a base over the next ``horizon`` time units.

    Every customer is treated as new at her acquisition (unconditional
    expectation): a customer of age a at the start contributes
    E[X(a + t)] - E[X(a)] by time t — the model's forecast for the base as a
    whole, as in Fader & Hardie's tracking plots. For a forecast that uses each
    customer's own history use ``conditional_expected_purchases`` instead.

    Parameters
    ----------
    model : fitted transaction model
    ages_at_start : array-like
        Each customer's age (T) at the start of the forecast; negative ages are
        customers acquired later (they join at time -age).
    horizon, step : float
        Forecast length and grid step in the model's time unit (weeks: step 1).

    Examples
    --------
    >>> from cdmkit.analyze import BetaGeo
    >>> bg = BetaGeo().with_params({"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.43})
    >>> e = expected_cumulative_transactions(bg, [0.0, 0.0], horizon=4)
    >>> bool(np.isclose(e["expected"].iloc[-1], 2 * bg.expected_purchases(4)))
    True
    """
    ages = np.asarray(ages_at_start, dtype=float)
    t = np.arange(0.0, horizon + step / 2, step)
    a = ages[None, :]
    base = model.expected_purchases(np.maximum(a, 0.0))
    later = model.expected_purchases(np.maximum(a + t[:, None], 0.0))
    return pd.DataFrame({"t": t, "expected": (later - base).sum(axis=1)})
