"""Plots of the collection report (matplotlib/seaborn; each returns the Figure).

Examples
--------
>>> import pandas as pd
>>> st = pd.DataFrame({"source": ["crm"], "rows_clean": [9], "rows_rejected": [1],
...                    "duplicates_removed": [1], "rows_filtered": [0]})
>>> plot_source_counts(st).axes[0].get_title()
'Rows per source'
"""

from __future__ import annotations

import pandas as pd

__all__ = ["plot_source_counts", "plot_reject_reasons", "plot_completeness", "reject_summary"]


def _plt():
    import matplotlib.pyplot as plt

    return plt


def plot_source_counts(source_stats: pd.DataFrame):
    """Stacked bars per source: clean rows, rejected rows (duplicates, filtered, other).

    Examples
    --------
    >>> import pandas as pd
    >>> fig = plot_source_counts(pd.DataFrame({"source": ["a", "b"], "rows_clean": [5, 3],
    ...     "rows_rejected": [0, 2], "duplicates_removed": [0, 1], "rows_filtered": [0, 0]}))
    >>> len(fig.axes[0].patches)
    8
    """
    plt = _plt()
    st = source_stats.set_index("source")
    other = st["rows_rejected"] - st["duplicates_removed"] - st.get("rows_filtered", 0)
    parts = pd.DataFrame({"clean": st["rows_clean"], "duplicate": st["duplicates_removed"],
                          "filtered": st.get("rows_filtered", 0), "rejected (other)": other})
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(parts) + 1.5))
    if parts.empty:
        ax.text(0.5, 0.5, "no sources", ha="center", va="center", transform=ax.transAxes)
        ax.set_title("Rows per source")
        plt.close(fig)
        return fig
    parts.iloc[::-1].plot.barh(stacked=True, ax=ax, width=0.7,
                               color=["#4c72b0", "#c7c7c7", "#dd8452", "#c44e52"])
    ax.set_xlabel("rows")
    ax.set_ylabel("")
    ax.set_title("Rows per source")
    # Outside the axes: inside, the legend hides the longest bar.
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    fig.tight_layout()
    plt.close(fig)
    return fig


def reject_summary(rejects: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """Reject counts per source and reason, reasons with row numbers grouped
    (``exact duplicate of row 12`` -> ``exact duplicate``), largest first.

    Examples
    --------
    >>> import pandas as pd
    >>> rj = pd.DataFrame({"source": ["a", "a", "a"], "reason": ["exact duplicate of row 1",
    ...     "exact duplicate of row 2", "missing timestamp"]})
    >>> reject_summary(rj).values.tolist()
    [['a', 'exact duplicate', 2], ['a', 'missing timestamp', 1]]
    """
    if rejects is None or rejects.empty:
        return pd.DataFrame(columns=["source", "reason", "rows"])
    reason = rejects["reason"].astype(str) \
        .str.replace(r" of row \d+$", "", regex=True) \
        .str.replace(r"record_id .* already used by row \d+", "duplicate record_id", regex=True)
    out = (pd.DataFrame({"source": rejects["source"], "reason": reason})
           .value_counts().rename("rows").reset_index())
    return out.sort_values(["rows", "source", "reason"], ascending=[False, True, True]) \
        .head(top).reset_index(drop=True)


def plot_reject_reasons(rejects: pd.DataFrame, top: int = 10):
    """Horizontal bars of the most frequent reject reasons (all sources).

    Examples
    --------
    >>> import pandas as pd
    >>> fig = plot_reject_reasons(pd.DataFrame({"source": ["a"], "reason": ["missing x"]}))
    >>> fig.axes[0].get_title()
    'Top reject reasons'
    """
    plt = _plt()
    summary = reject_summary(rejects, top=1000)
    counts = summary.groupby("reason")["rows"].sum().sort_values(ascending=True).tail(top)
    fig, ax = plt.subplots(figsize=(8, 0.4 * max(len(counts), 1) + 1.5))
    if len(counts):
        counts.plot.barh(ax=ax, color="#c44e52")
    else:
        ax.text(0.5, 0.5, "no rejected rows", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_xlabel("rows")
    ax.set_ylabel("")
    ax.set_title("Top reject reasons")
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_completeness(completeness: pd.DataFrame, kind: str = "customers"):
    """Heatmaps of field completeness per source, before and after cleaning.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"source": ["a", "a"], "kind": "customers", "field": ["email", "phone"],
    ...                   "before": [1.0, 0.5], "after": [0.9, 0.5]})
    >>> [a.get_title() for a in plot_completeness(c).axes[:2]]
    ['before cleaning', 'after cleaning']
    """
    import seaborn as sns

    plt = _plt()
    c = completeness[completeness["kind"] == kind]
    before = c.pivot(index="field", columns="source", values="before")
    after = c.pivot(index="field", columns="source", values="after")
    keep = (before.fillna(0).max(axis=1) > 0) | (after.fillna(0).max(axis=1) > 0)
    order = [f for f in c["field"].drop_duplicates() if f in keep[keep].index]
    before, after = before.reindex(order), after.reindex(order)
    # Width capped at what a report page shows unscaled (~11 in): wider figures are shrunk by
    # the browser and their labels become unreadable.
    n_src = max(before.shape[1], 1)
    fig, axes = plt.subplots(1, 2, figsize=(min(11.0, 2.5 + 1.1 * n_src * 2),
                                            0.3 * max(len(order), 1) + 1.8), sharey=True)
    for ax, data, title in ((axes[0], before, "before cleaning"),
                            (axes[1], after, "after cleaning")):
        sns.heatmap(data, ax=ax, vmin=0, vmax=1, cmap="Blues", annot=data.shape[1] <= 6,
                    fmt=".0%", cbar=False, linewidths=0.5, annot_kws={"fontsize": 8})
        ax.set_title(title)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="x", labelrotation=30 if n_src > 3 else 0)
    axes[1].tick_params(axis="y", left=False)
    fig.suptitle(f"Completeness of {kind} fields")
    fig.tight_layout()
    plt.close(fig)
    return fig
