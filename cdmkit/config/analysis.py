"""Config of the analysis stage (`analysis:` section of the client YAML)."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from .base import Section

__all__ = ["AnalysisConfig"]


class AnalysisConfig(Section):
    """Options of the analysis stage: cohorts, CLV, churn and purchase patterns.

    Examples
    --------
    >>> cfg = AnalysisConfig()
    >>> cfg.time_unit, cfg.clv_models
    ('W', ['bgnbd', 'paretonbd', 'gammagamma'])
    >>> AnalysisConfig(churn_mode="flag").churn_flag_column is None
    True
    """

    # -- cohorts -------------------------------------------------------------------
    cohort_freq: Literal["M", "Q", "W"] = Field(
        "M", description="Acquisition cohort period: M (month), Q (quarter) or W (week).")
    cohort_max_periods: int = Field(
        12, ge=1, description="Periods after acquisition shown in cohort matrices and curves.")
    cohort_exclude_first: bool = Field(
        True, description="Leave the first cohort out of the average retention curves: in an "
        "export that starts mid-history it also holds customers acquired before the data "
        "starts (left-censored), whose retention is that of old customers.")

    # -- customer lifetime value ---------------------------------------------------
    business_model: Literal["noncontractual", "contractual"] = Field(
        "noncontractual", description="noncontractual: customers may stop buying unseen (shops; "
        "BG/NBD, Pareto/NBD, MBG/NBD); contractual: customers renew each cohort_freq period and "
        "churn is observed (subscriptions; adds the shifted-beta-geometric retention model).")
    clv_models: list[Literal["bgnbd", "paretonbd", "mbgnbd", "gammagamma"]] = Field(
        default_factory=lambda: ["bgnbd", "paretonbd", "gammagamma"],
        description="CLV models to fit; the first transaction model that fits drives the CLV "
        "table (Gamma-Gamma is skipped when there are no amounts). mbgnbd: modified BG/NBD.")
    clv_interval: Literal["delta", "bootstrap", "none"] = Field(
        "delta", description="95 % CLV interval per customer from the parameters' uncertainty: "
        "delta method (fast), parametric bootstrap, or none.")
    clv_interval_draws: int = Field(
        200, ge=10, description="Parametric-bootstrap draws (clv_interval: bootstrap).")
    time_unit: Literal["D", "W"] = Field(
        "W", description="Time unit of recency, T, model parameters and horizons: D or W.")
    clv_horizon: float = Field(
        52.0, gt=0, description="CLV and expected-purchases horizon, in time_unit.")
    clv_step: float = Field(
        4.0, gt=0, description="Length of one discounting step, in time_unit.")
    discount_rate: float = Field(
        0.10, ge=0, description="Annual discount rate of future spend (0.10 = 10 %); converted "
        "to a rate per clv_step with 365.25 days / 52.1786 weeks per year.")
    penalizer: float = Field(
        0.0, ge=0, description="L2 penalty on CLV model parameters (0 = plain maximum "
        "likelihood), added to the mean negative log-likelihood per customer, on parameters "
        "with ages in units of the longest customer age: independent of time_unit, as lifetimes.")
    holdout: float = Field(
        13.0, gt=0, description="Length of the holdout period for CLV validation, in time_unit.")
    frequency_buckets: int = Field(
        7, ge=2, description="Calibration repeat-purchase counts shown separately in the holdout "
        "check (higher counts are pooled as 'N+').")

    # -- churn ---------------------------------------------------------------------
    churn_mode: Literal["inactivity", "flag"] = Field(
        "inactivity", description="inactivity: churned = no purchase within churn_window days "
        "after a cutoff (non-contractual); flag: an explicit churn column (contractual).")
    churn_window: int = Field(
        90, ge=1, description="Inactivity window in days that defines churn.")
    churn_flag_column: Optional[str] = Field(
        None, description="Column of the customers table with the churn flag (churn_mode: flag).")
    churn_models: list[Literal["logistic", "gbm"]] = Field(
        default_factory=lambda: ["logistic", "gbm"],
        description="Churn models: regularised logistic regression and/or gradient boosting.")
    churn_C: float = Field(
        1.0, gt=0, description="Inverse L2 regularisation strength of the logistic regression.")
    test_size: float = Field(
        0.25, gt=0, lt=1, description="Share of customers held out when the split cannot be "
        "time-based (flag mode).")
    top_k: float = Field(
        0.1, gt=0, le=1, description="Share of highest-risk customers for precision at top k.")
    min_churn_customers: int = Field(
        50, ge=10, description="Fewest labelled customers needed to train churn models.")

    # -- purchase patterns ---------------------------------------------------------
    top_n: int = Field(5, ge=1, description="Top products / categories listed per segment.")
    pattern_min_support: float = Field(
        0.01, gt=0, le=1, description="Minimum share of baskets containing a co-purchase pair.")
    pattern_max_items: Optional[int] = Field(
        None, ge=2, description="Bound on the items entering co-purchase pairs (those with the "
        "highest support are kept; how many were left out is reported). null = none needed: "
        "only items reaching pattern_min_support can be in a pair that does, and there are at "
        "most (mean basket size / pattern_min_support) of them.")
