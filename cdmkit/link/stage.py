"""The linkage stage entry: ``run_stage(run)`` resolves the identities of a run's customers.

Every stage package has a ``stage.py`` with the same entry: ``run_stage(run, **options)``
takes a :class:`cdmkit.stagerun.StageRun` (a notebook passes its ``StageContext``),
reads its inputs, writes its tables and files, records its key figures and returns a
result the report shows. This module only wires the run folder to the public linkage
API (:func:`cdmkit.link.resolve_identities`); the linkage itself lives elsewhere.

Examples
--------
>>> from cdmkit.config import ClientConfig
>>> labels_path(ClientConfig(client="a", output_dir="/r")).as_posix()
'/r/a/linkage_labels.csv'
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["run_stage", "labels_path", "ground_truth_of"]


def labels_path(config) -> Path:
    """The clerical-review labels file of a client (``linkage.labels_file`` or the default)."""
    lk = config.linkage
    return config.resolve_path(lk.labels_file) if lk.labels_file else \
        config.client_dir / "linkage_labels.csv"


def ground_truth_of(config):
    """The client's known identities (``ground_truth``), or ``None`` when not configured/found."""
    from .evaluate import load_ground_truth

    path = config.resolve_path(config.ground_truth) if config.ground_truth else None
    return load_ground_truth(path) if path is not None and path.exists() else None


def run_stage(run):
    """Resolve identities: write ``customer_map``, ``golden``, ``pairs``, ``id_changes``.

    Also the settings, parameters and model files in ``<run>/linkage/`` and, when a
    retrain was requested or proposed, the ``retrain_dry_run`` table; records the
    linkage figures.

    Parameters
    ----------
    run : StageRun
        The stage's run (a notebook's ``ctx``).

    Returns
    -------
    LinkageResult
    """
    from ..config import run_step
    from .pipeline import linkage_columns, resolve_identities, source_priority_of

    config, lk = run.config, run.config.linkage
    # only the columns linkage uses (not the collection's lineage columns): half the memory
    customers = run.read_table("customers",
                               columns=linkage_columns(run.table_columns("customers"), lk))
    # run_step: on the client's engine (engine: spark runs the pairs on Spark, same IDs)
    result = run_step("linkage", resolve_identities, customers, lk,
                      store_path=config.store_path, run_id=run.run_dir.name, seed=run.seed,
                      ground_truth=ground_truth_of(config), progress=lk.progress,
                      labels_file=labels_path(config), source_priority=source_priority_of(config))
    for name in ("customer_map", "golden", "pairs", "id_changes"):
        run.write_table(name, getattr(result, name))
    result.settings.to_json(run.path("settings.json"))
    result.params.to_csv(run.path("parameters.csv"), index=False)
    result.model.to_json(run.path("linkage_model.json"))
    if result.retrain_preview is not None:
        run.write_table("retrain_dry_run", result.retrain_preview.records)
    run.record(None, **result.report.figures())
    return result
