"""The validation stage entry: ``run_stage(run)`` checks a run and records the verdict.

Every stage package has a ``stage.py`` with the same entry: ``run_stage(run, **options)``
takes a :class:`cdmkit.stagerun.StageRun` (a notebook passes its ``StageContext``),
reads its inputs, writes its tables and files, records its key figures and returns a
result the report shows. The checks themselves are in :mod:`cdmkit.validate.report`.

Examples
--------
>>> import tempfile, pandas as pd
>>> from cdmkit.config import ClientConfig
>>> from cdmkit.stagerun import StageRun
>>> run = StageRun("validation", ClientConfig(client="a"), tempfile.mkdtemp())
>>> _ = run.write_table("customers", pd.DataFrame({"source": ["s"], "record_id": ["1"]}))
>>> rep = run_stage(run)
>>> run.figures()["status"] == rep.status
True
"""

from __future__ import annotations

__all__ = ["run_stage"]


def run_stage(run, *, scan_reports: bool | None = None):
    """Quality rules, schemas, linkage and model quality, drift and privacy scan of ``run``.

    Parameters
    ----------
    run : StageRun
        The stage's run (a notebook's ``ctx``).
    scan_reports : bool, optional
        Scan the run's reports for raw personal data (default: the config's choice).

    Returns
    -------
    ValidationReport
        Also recorded in the stage's figures.
    """
    from .report import validate_run

    report = validate_run(run, scan_reports=scan_reports)
    report.record(run)
    return report
