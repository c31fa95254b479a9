"""Contractual retention for the analysis stage: subscriptions seen through their payments.

With ``analysis.business_model: contractual`` a customer is a subscriber who
pays once per ``cohort_freq`` period (month, quarter, week) until she cancels.
From the transactions each customer gets the periods she has paid (first to
last payment period) and whether she has churned (no payment in the newest
complete period; or the churn flag of the customers table with
``churn_mode: flag``). The shifted-beta-geometric model (:mod:`cdmkit.analyze.sbg`)
is fitted to these right-censored durations; it gives the survival curve beyond
the data, each active subscriber's renewal probability and her discounted
expected residual lifetime (DERL, in payments) — times the mean payment, her
residual value.

Examples
--------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b", "c"],
...     "timestamp": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-03-05",
...                                  "2024-01-09", "2024-02-09", "2024-02-11"])})
>>> subscription_durations(tx, "M", pd.Timestamp("2024-04-15"))[["periods", "churned"]]
             periods  churned
customer_id                  
a                  3    False
b                  2     True
c                  1     True
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..model import GLOBAL_ID
from ._checks import AnalysisInputError
from .sbg import ShiftedBetaGeo

__all__ = ["subscription_durations", "RetentionResult", "run_retention"]

_PERIODS_PER_YEAR = {"M": 12.0, "Q": 4.0, "W": 52.1786}


def subscription_durations(transactions: pd.DataFrame, freq: str, observation_end,
                           churn_flags: pd.Series | None = None) -> pd.DataFrame:
    """Periods paid and churn status per customer, from payment dates.

    A customer has paid ``periods`` = last payment period − first + 1. She has
    churned when she paid neither in the period holding ``observation_end`` nor
    in the one before (one period of grace: a payment for the running period
    may still come), unless ``churn_flags`` (customer -> bool) says otherwise.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``first_period``, ``periods``, ``churned``,
        ``amount_per_period`` (mean payment, NaN without amounts).
    """
    if freq not in _PERIODS_PER_YEAR:
        raise AnalysisInputError(f"cohort_freq {freq!r}: use M, Q or W")
    tx = transactions[[GLOBAL_ID, "timestamp"] + (["amount"] if "amount" in transactions
                                                   else [])].dropna(subset=[GLOBAL_ID])
    per = pd.to_datetime(tx["timestamp"]).dt.to_period(freq)
    end = pd.Timestamp(observation_end).to_period(freq)
    g = tx.assign(_p=per).groupby(GLOBAL_ID)
    first, last = g["_p"].min(), g["_p"].max()
    ordinal = lambda p: p.map(lambda v: v.ordinal).astype(int)  # noqa: E731
    periods = ordinal(last) - ordinal(first) + 1
    churned = ordinal(last) < end.ordinal - 1
    if churn_flags is not None:
        flags = churn_flags.reindex(periods.index)
        churned = flags.where(flags.notna(), churned).astype(bool)
    out = pd.DataFrame({"first_period": first.astype(str), "periods": periods,
                        "churned": churned.astype(bool)})
    out["amount_per_period"] = (g["amount"].sum() / periods) if "amount" in tx else np.nan
    return out


@dataclass
class RetentionResult:
    """sBG fit of a contractual base: model, observed and fitted survival, per-customer table.

    ``model`` is None (and ``skipped`` says why) when the data cannot support it.
    """

    model: ShiftedBetaGeo | None
    survival: pd.DataFrame | None
    table: pd.DataFrame | None
    skipped: str | None = None
    notes: list = field(default_factory=list)

    def figures(self) -> dict:
        """Key figures: sBG parameters with standard errors, retention rates, mean DERL."""
        if self.model is None:
            return {"retention_skipped": self.skipped}
        m = self.model
        active = self.table[~self.table["churned"]]
        return {"sbg_params": dict(m.params_), "sbg_se": dict(m.standard_errors_),
                "sbg_loglik": m.log_likelihood_, "sbg_converged": m.converged_,
                "retention_rate_period_1": float(m.retention_rate(1)),
                "retention_rate_period_12": float(m.retention_rate(12)),
                "active_subscribers": int(len(active)),
                "mean_derl_active": float(active["derl"].mean()) if len(active) else None}


def run_retention(inp, cfg) -> RetentionResult:
    """Fit the sBG model to the subscribers' payment histories (``business_model: contractual``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from cdmkit.config import AnalysisConfig
    >>> from cdmkit.analyze import AnalysisInputs
    >>> rng = np.random.default_rng(0)
    >>> rows = []
    >>> for i in range(300):
    ...     start, life = int(rng.integers(0, 6)), int(rng.geometric(rng.beta(1.0, 3.0)))
    ...     rows += [(f"c{i}", pd.Timestamp("2023-01-10") + pd.DateOffset(months=start + k))
    ...              for k in range(min(life, 24 - start))]
    >>> tx = pd.DataFrame(rows, columns=["customer_id", "timestamp"])
    >>> inp = AnalysisInputs(tx, 0, None, None, None, None, None, False,
    ...                      pd.Timestamp("2024-12-31"))
    >>> res = run_retention(inp, AnalysisConfig(business_model="contractual"))
    >>> res.model.converged_, res.skipped
    (True, None)
    """
    notes = []
    flags = None
    if cfg.churn_mode == "flag" and cfg.churn_flag_column and inp.customers is not None:
        from .stage import _flag_labels

        try:
            flags = _flag_labels(inp, cfg.churn_flag_column).astype(bool)
            notes.append(f"churn status from the flag column {cfg.churn_flag_column!r}")
        except (AnalysisInputError, KeyError, ValueError) as exc:
            notes.append(f"churn flag not used ({exc}); churn = no payment in the last "
                         "complete period")
    d = subscription_durations(inp.transactions, cfg.cohort_freq, inp.observation_end, flags)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            m = ShiftedBetaGeo(penalizer=cfg.penalizer).fit(d["periods"], d["churned"])
        notes += [f"sBG: {w.message}" for w in caught if issubclass(w.category, RuntimeWarning)]
    except AnalysisInputError as exc:
        return RetentionResult(None, None, None, skipped=str(exc), notes=notes)
    # Kaplan-Meier survival of the pooled cohorts (each customer counts while observed)
    horizon = int(d["periods"].max())
    at_risk = np.array([(d["periods"] >= k).sum() for k in range(1, horizon + 1)])
    lost = np.array([((d["periods"] == k) & d["churned"]).sum() for k in range(1, horizon + 1)])
    observed = np.cumprod(1 - lost / np.maximum(at_risk, 1))
    k = np.arange(0, 2 * horizon + 1)
    survival = pd.DataFrame({"period": k, "model": m.survival(k),
                             "observed": np.append(1.0, observed).tolist()
                             + [np.nan] * horizon})
    rate = (1 + cfg.discount_rate) ** (1 / _PERIODS_PER_YEAR[cfg.cohort_freq]) - 1
    alpha, beta = m.params_["alpha"], m.params_["beta"]
    n = d["periods"].to_numpy(float)
    table = pd.DataFrame({GLOBAL_ID: d.index.astype(str), "periods": d["periods"].to_numpy(),
                          "churned": d["churned"].to_numpy()})
    # Active after n paid periods: theta | survived ~ Beta(alpha, beta + n - 1) -> renews w.p.
    table["p_renew"] = np.where(table["churned"], 0.0, (beta + n - 1) / (alpha + beta + n - 1))
    derl = m.derl(rate, n - 1) if rate > 0 else np.full(len(n), np.nan)
    table["derl"] = np.where(table["churned"], 0.0, derl)
    table["residual_value"] = table["derl"] * d["amount_per_period"].to_numpy()
    return RetentionResult(m, survival, table, notes=notes)
