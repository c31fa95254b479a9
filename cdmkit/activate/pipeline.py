"""Run every configured export of a client (``activation.exports``).

Examples
--------
>>> import tempfile, pandas as pd
>>> from cdmkit.config import ClientConfig
>>> golden = pd.DataFrame({"customer_id": ["C1", "C2"], "email": ["a@b.co", "c@d.co"],
...                        "consent_email": [True, False]})
>>> res = export_all(ClientConfig(client="a"), {"golden": golden}, tempfile.mkdtemp())
>>> res[["name", "rows", "excluded_consent"]].values.tolist()
[['newsletter', 1, 1]]
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .exporters import build_audience, export_audience

__all__ = ["export_all", "run_exports", "AUDIENCE_TABLES"]

#: Tables joined into the audience (golden is required).
AUDIENCE_TABLES = ("golden", "segments", "rfm", "clv", "churn_scores")

_COLUMNS = ["name", "exporter", "purpose", "consent_column", "audience", "after_filters",
            "consented", "excluded_consent", "rows", "pseudonymised", "path", "note"]


def export_all(config, tables: dict, out_dir, names=None) -> pd.DataFrame:
    """Write the exports of ``config.activation`` from ``tables`` into ``out_dir``.

    Parameters
    ----------
    config : ClientConfig
    tables : dict
        ``golden`` and optionally ``segments``, ``rfm``, ``clv``, ``churn_scores``.
    out_dir : path
        Folder of the export files.
    names : list of str, optional
        Only these exports.

    Returns
    -------
    DataFrame
        One row per export (counts, path), see :class:`~cdmkit.activate.ExportResult`.

    Raises
    ------
    ConfigError
        When an export is pseudonymised and the key's environment variable is unset.
    """
    act = config.activation
    specs = [e for e in act.exports if names is None or e.name in names]
    if not specs or tables.get("golden") is None:
        return pd.DataFrame(columns=_COLUMNS)
    key = None
    if any(e.pseudonymise for e in specs):
        from ..privacy.pseudonymise import key_from_config

        key = key_from_config(config)
    audience = build_audience(tables["golden"], tables.get("segments"), tables.get("rfm"),
                              tables.get("clv"), tables.get("churn_scores"))
    rows = [export_audience(audience, spec, Path(out_dir), purposes=act.purposes,
                            key=key).to_dict() for spec in specs]
    return pd.DataFrame(rows).reindex(columns=_COLUMNS)


def run_exports(ctx) -> pd.DataFrame:
    """Exports of a stage context: tables from the run, files in ``<run>/<stage>/exports/``.

    Examples
    --------
    >>> import tempfile
    >>> from cdmkit.config import ClientConfig
    >>> from cdmkit.report.context import StageContext
    >>> run_exports(StageContext("validation", ClientConfig(client="a"), tempfile.mkdtemp())).empty
    True
    """
    if not ctx.config.activation.enabled:
        return pd.DataFrame(columns=_COLUMNS)
    tables = {t: ctx.read_table(t) for t in AUDIENCE_TABLES if ctx.has_table(t)}
    out_dir = ctx.path("exports/.keep").parent
    res = export_all(ctx.config, tables, out_dir)
    # Paths relative to the run folder: the summary stays valid when the folder moves.
    res["path"] = [Path(p).resolve().relative_to(ctx.run_dir.resolve()).as_posix()
                   for p in res["path"]]
    return res
