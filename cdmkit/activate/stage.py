"""The activation stage entry: ``run_stage(run)`` writes the consent-aware audience exports.

Every stage package has a ``stage.py`` with the same entry: ``run_stage(run, **options)``
takes a :class:`cdmkit.stagerun.StageRun` (a notebook passes its ``StageContext``),
reads its inputs, writes its tables and files, records its key figures and returns a
result the report shows. Activation has no notebook of its own: the validation
notebook calls it, so its files land in ``<run>/validation/exports/`` and its figures
in the validation figures.

Examples
--------
>>> import tempfile
>>> from cdmkit.config import ClientConfig
>>> from cdmkit.stagerun import StageRun
>>> run = StageRun("validation", ClientConfig(client="a"), tempfile.mkdtemp())
>>> run_stage(run).empty, run.figures()["n_exported"]
(True, 0)
"""

from __future__ import annotations

__all__ = ["run_stage"]


def run_stage(run):
    """Write every configured export from the run's tables; record what was written.

    Parameters
    ----------
    run : StageRun
        The stage's run (a notebook's ``ctx``).

    Returns
    -------
    DataFrame
        One row per export: name, rows, path (relative to the run), consent exclusions.
    """
    from .pipeline import run_exports

    exports = run_exports(run)
    run.record("exports", exports.drop(columns=["note"]),
               n_exported=int(exports["rows"].sum()),
               n_excluded_consent=int(exports["excluded_consent"].sum()))
    return exports
