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
    clv_caution : str
        The warning to show above the CLV table ("" when its verdicts allow it).
    retention : RetentionResult or None
        Only for ``business_model: contractual``.
    churn : ChurnResult
    patterns : PatternResult
    verdicts : list of Verdict
        The analysis verdicts (also recorded under ``verdicts``).
    """

    inputs: object
    cohorts: object
    clv: object
    clv_table: object
    clv_caution: str
    retention: object
    churn: object
    patterns: object
    verdicts: list


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
    """Cohorts, CLV (models saved as JSON), retention, churn, patterns and their verdicts.

    Writes the ``clv`` and ``churn_scores`` tables, ``<run>/analysis/models/*.json`` and
    the pattern CSVs; records every figure and the verdicts.

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
    from ..report import verdicts as vd
    from .retention import run_retention
    from .steps import load_inputs, run_churn, run_clv, run_cohorts, run_patterns

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
    # Judged before the table is shown: a reader of that table alone must see what not to send.
    caution = vd.caution_note(vd.assess(
        {"analysis": {**run.figures(), **vd.evidence_figures(clv_table)}}))
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
    report = churn.report
    run.record(None, **vd.evidence_figures(
        clv_table, report.calibration if report is not None else None,
        report.best if report is not None else None))
    judged = [v for v in vd.assess({"analysis": run.figures()}) if v.stage == "analysis"]
    run.record("verdicts", [v.to_dict() for v in judged])
    return AnalysisResult(inp, coh, clv, clv_table, caution, retention, churn, pat, judged)
