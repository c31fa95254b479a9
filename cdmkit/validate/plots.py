"""Plots of the validation report (each returns a matplotlib Figure).

Examples
--------
>>> import pandas as pd
>>> dims = pd.DataFrame({"dimension": ["validity"], "score": [0.9], "threshold": [0.95]})
>>> plot_dimension_scores(dims).axes[0].get_title()
'Quality score by dimension'
"""

from __future__ import annotations

from .._extras import require

require("lab", "for plots")  # one clear line instead of a matplotlib ImportError

import matplotlib.pyplot as plt
import pandas as pd

__all__ = ["plot_dimension_scores", "plot_source_scores", "plot_cluster_sizes",
           "plot_migration", "plot_distribution_shift"]


def _empty(title: str, text: str):
    fig, ax = plt.subplots(figsize=(6, 1.5))
    ax.axis("off")
    ax.set_title(title)
    ax.text(0.5, 0.5, text, ha="center", va="center")
    plt.close(fig)
    return fig


def plot_dimension_scores(by_dimension: pd.DataFrame):
    """Horizontal bars of the dimension scores, with their thresholds as marks.

    Examples
    --------
    >>> plot_dimension_scores(pd.DataFrame(columns=["dimension", "score"])).axes[0].get_title()
    'Quality score by dimension'
    """
    title = "Quality score by dimension"
    if by_dimension.empty:
        return _empty(title, "no rule could be checked")
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(7, 1.5 + 0.5 * len(by_dimension)))
    sns.barplot(data=by_dimension, x="score", y="dimension", ax=ax, color="#4c72b0")
    if "threshold" in by_dimension:
        for i, t in enumerate(by_dimension["threshold"]):
            if t == t and t is not None:
                ax.plot([t, t], [i - 0.4, i + 0.4], color="#c44e52", lw=2)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of checked values passing")
    ax.set_ylabel("")
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_source_scores(by_source_field: pd.DataFrame):
    """Heatmap of scores by source (rows) and dimension (columns).

    Examples
    --------
    >>> plot_source_scores(pd.DataFrame()).axes[0].get_title()
    'Score by source and dimension'
    """
    title = "Score by source and dimension"
    if by_source_field.empty:
        return _empty(title, "nothing to show")
    import seaborn as sns

    g = by_source_field.groupby(["source", "dimension"])[["n_checked", "n_failed"]].sum()
    from ..config.validation import DIMENSIONS

    score = (1 - g["n_failed"] / g["n_checked"]).unstack("dimension")
    score = score[[d for d in DIMENSIONS if d in score.columns] +
                  [d for d in score.columns if d not in DIMENSIONS]]
    fig, ax = plt.subplots(figsize=(1.6 * score.shape[1] + 3, 0.45 * score.shape[0] + 1.5))
    sns.heatmap(score, annot=True, fmt=".2f", vmin=0, vmax=1, cmap="RdYlGn", ax=ax,
                cbar=False)
    ax.set_title(title)
    ax.set_xlabel("")
    ax.set_ylabel("")
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_cluster_sizes(sizes: pd.DataFrame):
    """Bar chart: customers by number of records (cluster size).

    Examples
    --------
    >>> plot_cluster_sizes(pd.DataFrame({"size": [1, 2], "clusters": [5, 3]})).axes[0].get_xlabel()
    'records per customer'
    """
    title = "Cluster sizes"
    if sizes is None or sizes.empty:
        return _empty(title, "no customer_map")
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.bar(sizes["size"].astype(str), sizes["clusters"], color="#55a868")
    ax.set_xlabel("records per customer")
    ax.set_ylabel("customers")
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_migration(matrix: pd.DataFrame):
    """Heatmap of the segment migration matrix (previous run -> this run).

    Examples
    --------
    >>> plot_migration(pd.DataFrame()).axes[0].get_title()
    'Segment migration'
    """
    title = "Segment migration"
    if matrix is None or matrix.empty:
        return _empty(title, "no previous run with segments")
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(0.8 * matrix.shape[1] + 3, 0.5 * matrix.shape[0] + 2))
    sns.heatmap(matrix, annot=True, fmt="d", cmap="Blues", ax=ax, cbar=False)
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_distribution_shift(distributions: pd.DataFrame, warn: float = 0.1,
                            alert: float = 0.25):
    """PSI of key numbers against the previous run, with the warn and alert lines.

    Examples
    --------
    >>> d = pd.DataFrame({"table": ["clv"], "column": ["clv"], "psi": [0.3]})
    >>> plot_distribution_shift(d).axes[0].get_xlabel()
    'population stability index (PSI)'
    """
    title = "Distribution shift vs previous run"
    if distributions is None or distributions.empty:
        return _empty(title, "no previous run to compare with")
    labels = distributions["table"] + "." + distributions["column"]
    fig, ax = plt.subplots(figsize=(7, 1.8 + 0.4 * len(labels)))
    psi = distributions["psi"].fillna(0)
    bars = ax.barh(labels, psi, color="#8172b2")
    # Values beside the bars: with no shift the bars have zero length and the chart would
    # otherwise look empty.
    ax.bar_label(bars, labels=[f"{v:.3f}" for v in psi], padding=3, fontsize=8)
    for x, c, name in ((warn, "#dd8452", "warn"), (alert, "#c44e52", "alert")):
        ax.axvline(x, color=c, ls="--", lw=1, label=f"{name} ({x:g})")
    ax.set_xlim(0, max(alert * 1.2, float(psi.max()) * 1.15))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    ax.set_xlabel("population stability index (PSI)")
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig
