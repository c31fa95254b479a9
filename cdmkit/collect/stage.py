"""The collection stage entry: ``run_stage(run)`` collects every source into the run.

Every stage package has a ``stage.py`` with the same entry: ``run_stage(run, **options)``
takes a :class:`cdmkit.stagerun.StageRun` (a notebook passes its ``StageContext``),
reads its inputs, writes its tables and files, records its key figures and returns a
result the report shows.

Examples
--------
>>> import tempfile, pathlib
>>> from cdmkit.config import ClientConfig
>>> from cdmkit.stagerun import StageRun
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "c.csv").write_text("id,email\\n1,a@b.org\\n")
>>> cfg = ClientConfig(client="a", sources=[{"name": "crm", "kind": "customers",
...                                            "path": str(d / "c.csv")}])
>>> run = StageRun("collection", cfg, d / "run")
>>> res = run_stage(run)
>>> run.run.tables()
['catalog', 'customers', 'rejects', 'source_stats', 'warnings']
"""

from __future__ import annotations

__all__ = ["run_stage"]

#: Columns of the per-source figures recorded under ``sources``.
_SOURCE_FIGURES = ["kind", "rows_in", "rows_clean", "rows_rejected", "duplicates_removed"]


def run_stage(run):
    """Collect the client's sources; write every kind's table, the rejects, warnings and catalog.

    Also ``catalog.csv`` and ``rejects.csv`` in ``<run>/collection/``; records the
    collection's figures, the per-source counts (``sources``) and the mapped fields.

    Parameters
    ----------
    run : StageRun
        The stage's run (a notebook's ``ctx``).

    Returns
    -------
    CollectionResult
    """
    from .pipeline import collect_sources

    result = collect_sources(run.config, progress=run.config.collection.progress)
    for kind, table in result.tables.items():
        run.write_table(kind, table)
    for name in ("rejects", "warnings", "catalog", "source_stats"):
        run.write_table(name, getattr(result, name))
    result.catalog.to_csv(run.path("catalog.csv"), index=False)
    result.rejects.to_csv(run.path("rejects.csv"), index=False)
    run.record(None, **result.figures())
    run.record("sources", result.source_stats.set_index("source")[_SOURCE_FIGURES]
               .to_dict("index"))
    run.record("mapped_fields", {s: len(m) for s, m in result.report.mappings.items()})
    return result
