"""cdmkit.analyze: cohorts, customer lifetime value, churn and purchase patterns (stage 3).

The public face of the analysis stage; the machinery lives in small modules:
:mod:`~cdmkit.analyze.clv` (BG/NBD, Pareto/NBD, Gamma-Gamma, CLV),
:mod:`~cdmkit.analyze.mbgnbd` (MBG/NBD), :mod:`~cdmkit.analyze.bgbb` (BG/BB, discrete
time), :mod:`~cdmkit.analyze.sbg` (sBG, contractual churn),
:mod:`~cdmkit.analyze.predict` (tracking, P(alive) matrix, CLV intervals),
:mod:`~cdmkit.analyze._fitter` (the shared fitter: standard errors, save / load),
:mod:`~cdmkit.analyze.validation` (calibration / holdout checks),
:mod:`~cdmkit.analyze.cohorts`, :mod:`~cdmkit.analyze.churn`,
:mod:`~cdmkit.analyze.patterns`, :mod:`~cdmkit.analyze.plots`,
:mod:`~cdmkit.analyze.data` (the CDNOW data set) and
:mod:`~cdmkit.analyze.stage` (what the ``30-analysis`` notebook calls).

Examples
--------
>>> from cdmkit.analyze import BetaGeo, GammaGamma
>>> from cdmkit.analyze.simulate import simulate_bgnbd
>>> d = simulate_bgnbd(500, r=0.5, alpha=5.0, a=1.0, b=3.0, T=40.0, seed=0)
>>> bg = BetaGeo().fit(d["frequency"], d["recency"], d["T"])
>>> float(bg.probability_alive([0], [0], [40])[0])
1.0
"""

from ._checks import AnalysisInputError
from .churn import (ChurnReport, churn_features, churn_labels, churn_pipeline, fit_churn,
                    flag_frame, precision_at_k, time_split)
from ._fitter import BaseFitter, load_model
from .bgbb import BetaGeoBetaBinom
from .covariates import BetaGeoCovariates
from .clv import (BetaGeo, GammaGamma, ParetoNBD, customer_lifetime_value, per_step_rate,
                  spend_frequency_correlation)
from .mbgnbd import ModifiedBetaGeo
from .sbg import ShiftedBetaGeo, survivors_to_durations
from .cohorts import cohort_curves, cohort_table, retention_matrix, revenue_retention_matrix
from .data import CdnowUnavailable, cdnow_dir, cdnow_summary, cdnow_transactions
from .patterns import (activity_per_customer, activity_per_segment, co_purchase, seasonality,
                       top_items)
from .predict import clv_interval, expected_cumulative_transactions, probability_alive_matrix
from .retention import RetentionResult, run_retention, subscription_durations
from .simulate import (simulate, simulate_bgbb, simulate_bgnbd, simulate_mbgnbd,
                       simulate_paretonbd, simulate_sbg, simulate_spend)
from .stage import (AnalysisInputs, ChurnResult, CLVResult, CohortResult, PatternResult,
                    load_inputs, run_churn, run_clv, run_cohorts, run_patterns)
from .validation import (UNIT_DAYS, UNITS_PER_YEAR, calibration_holdout, clv_summary,
                         holdout_by_frequency, holdout_errors, tracking)

__all__ = [
    # CLV models and value
    "BetaGeo", "ParetoNBD", "GammaGamma", "customer_lifetime_value", "per_step_rate",
    "spend_frequency_correlation", "clv_summary", "UNIT_DAYS", "UNITS_PER_YEAR",
    "ModifiedBetaGeo", "BetaGeoBetaBinom", "BetaGeoCovariates", "ShiftedBetaGeo", "survivors_to_durations",
    "BaseFitter", "load_model", "clv_interval", "probability_alive_matrix",
    "expected_cumulative_transactions",
    # validation
    "calibration_holdout", "holdout_by_frequency", "holdout_errors", "tracking",
    # cohorts
    "cohort_table", "retention_matrix", "revenue_retention_matrix", "cohort_curves",
    # churn
    "churn_labels", "churn_features", "time_split", "flag_frame", "churn_pipeline",
    "precision_at_k", "fit_churn", "ChurnReport",
    # patterns
    "top_items", "co_purchase", "seasonality", "activity_per_customer", "activity_per_segment",
    # data
    "simulate_bgnbd", "simulate_spend", "simulate_mbgnbd", "simulate_paretonbd",
    "simulate_bgbb", "simulate_sbg", "simulate", "cdnow_dir", "cdnow_summary", "cdnow_transactions",
    "CdnowUnavailable",
    # the stage
    "AnalysisInputs", "load_inputs", "CohortResult", "run_cohorts", "CLVResult", "run_clv",
    "ChurnResult", "run_churn", "PatternResult", "run_patterns", "RetentionResult",
    "run_retention", "subscription_durations",
    # errors
    "AnalysisInputError",
]
