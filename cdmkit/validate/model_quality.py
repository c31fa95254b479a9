"""Model quality: the figures earlier stages recorded about their models, in one table.

The segmentation and analysis stages record their own evaluation figures in
``<run>/figures/<stage>.json`` (CLV holdout errors, churn ROC AUC and
calibration, cluster silhouette or stability). This module collects them by
name pattern, so new figures show up without changes here, and adds checks it
can compute itself from the tables (probabilities within 0-1).

Examples
--------
>>> figs = {"analysis": {"churn": {"roc_auc": 0.81, "brier": 0.12},
...                      "clv_holdout_mae": 3.2, "n_customers": 10}}
>>> for row in collect_model_quality(figs)[["figure", "kind", "value"]].values.tolist():
...     print(row)
['churn.brier', 'calibration', 0.12]
['churn.roc_auc', 'churn_auc', 0.81]
['clv_holdout_mae', 'clv_holdout_error', 3.2]
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["collect_model_quality", "read_stage_figures", "flatten", "MODEL_FIGURE_PATTERNS"]

#: kind -> regular expression on the flattened figure name (first match wins).
MODEL_FIGURE_PATTERNS = {
    "churn_auc": r"(churn.*auc|auc.*churn|roc_auc|\bauc\b)",
    "calibration": r"(brier|calibration|ece\b|log_?loss)",
    "clv_holdout_error": r"(holdout|test|valid).*(mae|rmse|mape|error|corr)|"
                         r"(mae|rmse|mape).*(holdout|test)",
    "segment_stability": r"(stabil|adjusted_rand|\bari\b|silhouette|migration)",
    "precision_at_k": r"precision_at|precision@|lift_at",
}


def flatten(d: dict, prefix: str = "") -> dict:
    """Nested dict to ``{"a.b": value}`` (lists are kept whole).

    Examples
    --------
    >>> flatten({"a": {"b": 1}, "c": 2})
    {'a.b': 1, 'c': 2}
    """
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def read_stage_figures(run_dir) -> dict:
    """Figures of every stage of a run: ``{stage: figures}`` from ``figures/*.json``.

    Examples
    --------
    >>> import tempfile
    >>> read_stage_figures(tempfile.mkdtemp())
    {}
    """
    from ..runfolder import RunFolder

    return RunFolder(run_dir).stage_figures()


def collect_model_quality(figures: dict, tables: dict | None = None,
                          stages=("segmentation", "analysis", "linkage")) -> pd.DataFrame:
    """Model-evaluation figures recorded by earlier stages, classified by kind.

    Parameters
    ----------
    figures : dict
        ``{stage: figures}`` (see :func:`read_stage_figures`).
    tables : dict, optional
        Tables of the run; adds range checks of ``churn_scores`` and ``clv``.
    stages : tuple of str
        Stages whose figures are searched.

    Returns
    -------
    DataFrame
        ``stage``, ``figure``, ``kind``, ``value`` (numbers only).

    Examples
    --------
    >>> collect_model_quality({}).empty
    True
    """
    rows = []
    for stage in stages:
        for name, value in sorted(flatten(figures.get(stage) or {}).items()):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            low = name.lower()
            for kind, pat in MODEL_FIGURE_PATTERNS.items():
                if re.search(pat, low):
                    rows.append({"stage": stage, "figure": name, "kind": kind,
                                 "value": float(value)})
                    break
    tables = tables or {}
    cs = tables.get("churn_scores")
    if cs is not None and "churn_probability" in cs and len(cs):
        p = pd.to_numeric(cs["churn_probability"], errors="coerce")
        rows.append({"stage": "validation", "figure": "churn_probability_in_0_1",
                     "kind": "sanity", "value": float(p.between(0, 1).mean())})
        rows.append({"stage": "validation", "figure": "mean_churn_probability",
                     "kind": "calibration", "value": float(p.mean())})
    clv = tables.get("clv")
    if clv is not None and "clv" in clv and len(clv):
        v = pd.to_numeric(clv["clv"], errors="coerce")
        rows.append({"stage": "validation", "figure": "clv_non_negative",
                     "kind": "sanity", "value": float((v >= 0).mean())})
    out = pd.DataFrame(rows, columns=["stage", "figure", "kind", "value"])
    if not out.empty:
        out = out.sort_values(["stage", "figure"], kind="stable").reset_index(drop=True)
    return out
