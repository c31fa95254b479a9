"""cdmkit.analyze: cohorts, customer lifetime value, churn and purchase patterns (stage 3).

The public face of the analysis stage; the machinery lives in small modules:
:mod:`~cdmkit.analyze.clv` (BG/NBD, Pareto/NBD, Gamma-Gamma, CLV),
:mod:`~cdmkit.analyze.validation` (calibration / holdout checks),
:mod:`~cdmkit.analyze.cohorts`, :mod:`~cdmkit.analyze.churn`,
:mod:`~cdmkit.analyze.patterns`, :mod:`~cdmkit.analyze.plots`,
:mod:`~cdmkit.analyze.data` (the CDNOW data set) and
:mod:`~cdmkit.analyze.steps` (the stage's steps) and :mod:`~cdmkit.analyze.stage`
(``run_stage``, what the ``30-analysis`` notebook calls).

Examples
--------
>>> from cdmkit.analyze import BetaGeo, GammaGamma
>>> from cdmkit.analyze.simulate import simulate_bgnbd
>>> d = simulate_bgnbd(500, r=0.5, alpha=5.0, a=1.0, b=3.0, T=40.0, seed=0)
>>> bg = BetaGeo().fit(d["frequency"], d["recency"], d["T"])
>>> float(bg.probability_alive([0], [0], [40])[0])
1.0
"""

import lazy_loader as _lazy

# The face is lazy: `import cdmkit.<pkg>` stays cheap (the CLI and `--help` import it);
# each name loads its submodule on first use.
__getattr__, __dir__, _ = _lazy.attach(__name__, submod_attrs={
    '_checks': ['AnalysisInputError'],
    'churn': ['ChurnReport', 'churn_features', 'churn_labels', 'churn_pipeline', 'fit_churn',
              'flag_frame', 'precision_at_k', 'time_split'],
    'paretonbd': ['ParetoNBD'],
    'clv': ['BetaGeo', 'GammaGamma', 'customer_lifetime_value', 'per_step_rate',
            'spend_frequency_correlation'],
    'cohorts': ['cohort_curves', 'cohort_table', 'first_cohort_check', 'retention_matrix',
                'revenue_retention_matrix'],
    'data': ['CdnowUnavailable', 'cdnow_dir', 'cdnow_summary', 'cdnow_transactions'],
    'patterns': ['activity_per_customer', 'activity_per_segment', 'co_purchase', 'product_names',
                 'seasonality', 'top_items'],
    'simulate': ['simulate', 'simulate_bgbb', 'simulate_bgnbd', 'simulate_mbgnbd',
                 'simulate_paretonbd', 'simulate_sbg', 'simulate_spend'],
    'stage': ['AnalysisResult', 'run_stage'],
    'inputs': ['AnalysisInputs', 'load_inputs'],
    'steps': ['CLVResult', 'ChurnResult', 'CohortResult', 'PatternResult', 'run_churn', 'run_clv',
              'run_cohorts', 'run_patterns'],
    'validation': ['UNITS_PER_YEAR', 'UNIT_DAYS', 'calibration_holdout', 'clv_summary',
                   'holdout_by_frequency', 'holdout_errors', 'tracking'],
    '_fitter': ['BaseFitter', 'load_model'],
    'bgbb': ['BetaGeoBetaBinom'],
    'covariates': ['BetaGeoCovariates'],
    'mbgnbd': ['ModifiedBetaGeo'],
    'sbg': ['ShiftedBetaGeo', 'survivors_to_durations'],
    'predict': ['clv_interval', 'expected_cumulative_transactions', 'probability_alive_matrix'],
    'retention': ['RetentionResult', 'run_retention', 'subscription_durations'],
})

__all__ = [
    "BetaGeo", "ParetoNBD", "GammaGamma", "customer_lifetime_value", "per_step_rate",
    "spend_frequency_correlation", "clv_summary", "UNIT_DAYS", "UNITS_PER_YEAR",
    "calibration_holdout", "holdout_by_frequency", "holdout_errors", "tracking",
    "cohort_table", "retention_matrix", "revenue_retention_matrix", "cohort_curves",
    "first_cohort_check",
    "churn_labels", "churn_features", "time_split", "flag_frame", "churn_pipeline",
    "precision_at_k", "fit_churn", "ChurnReport", "top_items", "co_purchase", "product_names",
    "seasonality", "activity_per_customer", "activity_per_segment", "simulate_bgnbd",
    "simulate_spend", "cdnow_dir", "cdnow_summary", "cdnow_transactions", "CdnowUnavailable",
    "AnalysisInputs", "load_inputs", "CohortResult", "run_cohorts", "CLVResult", "run_clv",
    "ChurnResult", "run_churn", "PatternResult", "run_patterns", "AnalysisInputError",
    "ModifiedBetaGeo", "BetaGeoBetaBinom", "BetaGeoCovariates", "ShiftedBetaGeo",
    "survivors_to_durations", "BaseFitter", "load_model", "clv_interval",
    "probability_alive_matrix", "expected_cumulative_transactions", "simulate_mbgnbd",
    "simulate_paretonbd", "simulate_bgbb", "simulate_sbg", "simulate", "RetentionResult",
    "run_retention", "subscription_durations", "AnalysisResult", "run_stage",
]
