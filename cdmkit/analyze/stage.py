"""The analysis stage entry: ``run_stage(run)`` reads, computes, writes and records.

Every stage package has a ``stage.py`` with the same entry: ``run_stage(run, **options)``
takes a :class:`cdmkit.stagerun.StageRun` (a notebook passes its ``StageContext``),
reads its inputs from the run folder, writes its tables and files, records its key
figures and returns a result the report shows. The steps it chains are in
:mod:`cdmkit.analyze.steps`.

Examples
--------
>>> import tempfile, pandas as pd
>>> from cdmkit.config import ClientConfig
>>> from cdmkit.stagerun import StageRun
>>> run = StageRun("analysis", ClientConfig(client="a"), tempfile.mkdtemp())
>>> _ = run.write_table("transactions", pd.DataFrame({"customer_ref": ["1", "1", "2"] * 5,
...     "timestamp": pd.date_range("2024-01-01", periods=15, freq="7D"),
...     "amount": [3.0, 4.0, 5.0] * 5}))
>>> res = run_stage(run)  # doctest: +SKIP
>>> run.has_table("clv")  # doctest: +SKIP
True
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AnalysisResult", "run_stage"]


@dataclass
class AnalysisResult:
    """Everything the analysis stage computed, for the report to show.

    Attributes
    ----------
    inputs : AnalysisInputs
    cohorts : CohortResult
    clv : CLVResult
    clv_table : DataFrame
        The ``clv`` table written to the run.
    clv_figures : dict
        The figures recorded up to the CLV step (what the CLV table is judged on before
        the report shows it).
    retention : RetentionResult or None
        Only for ``business_model: contractual``.
    churn : ChurnResult
    patterns : PatternResult
    """

    inputs: object
    cohorts: object
    clv: object
    clv_table: object
    clv_figures: dict
    retention: object
    churn: object
    patterns: object


def _record_inputs(run, inp, cfg) -> None:
    ret = inp.returns
    run.record("n_customers", inp.transactions["customer_id"].nunique(),
               n_purchase_lines=len(inp.transactions), returns_removed=inp.returns_removed,
               has_amounts=inp.has_amounts, observation_end=str(inp.observation_end.date()),
               time_unit=cfg.time_unit, returns_rule=ret["rule"],
               returns_matched_value=ret["matched_value"],
               returns_unmatched_value=ret["unmatched_value"],
               non_product_lines=ret["non_product_lines"])


def run_stage(run, *, inputs=None) -> AnalysisResult:
    """Cohorts, CLV (models saved as JSON), retention, churn and patterns.

    Writes the ``clv`` and ``churn_scores`` tables, ``<run>/analysis/models/*.json`` and
    the pattern CSVs; records every figure. Judging the models (the verdicts) is the
    report's part: :mod:`cdmkit.report.verdicts`, called by the notebook.

    Parameters
    ----------
    run : StageRun
        The stage's run (a notebook's ``ctx``).
    inputs : AnalysisInputs, optional
        Already loaded inputs (the notebook shows them first); loaded from the run if not.

    Returns
    -------
    AnalysisResult
    """
    from .retention import run_retention
    from .inputs import load_inputs
    from .steps import run_churn, run_clv, run_cohorts, run_patterns

    cfg = run.config.analysis
    inp = inputs if inputs is not None else load_inputs(run)
    _record_inputs(run, inp, cfg)
    coh = run_cohorts(inp, cfg)
    run.record(None, **coh.figures())
    clv = run_clv(inp, cfg)
    run.record(None, **clv.figures())
    for name, model in clv.models.items():  # plain JSON, reloadable with analyze.load_model
        model.save(run.path(f"models/{name}.json"), time_unit=cfg.time_unit,
                   observation_end=str(inp.observation_end.date()))
    clv_table = clv.output_table()
    run.write_table("clv", clv_table)
    clv_figures = run.figures()
    retention = None
    if cfg.business_model == "contractual":
        retention = run_retention(inp, cfg)
        run.record(None, **retention.figures())
    churn = run_churn(inp, cfg, seed=run.seed)
    run.record(None, **churn.figures())
    run.write_table("churn_scores", churn.output_table())
    pat = run_patterns(inp, cfg)
    run.record(None, **pat.figures())
    for name, table in (("top_products", pat.top_products), ("copurchase_pairs", pat.pairs)):
        if table is not None:
            table.to_csv(run.path(f"{name}.csv"), index=False)
    return AnalysisResult(inp, coh, clv, clv_table, clv_figures, retention, churn, pat)
