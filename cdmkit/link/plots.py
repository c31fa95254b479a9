"""Charts of the linkage stage (matplotlib/seaborn); each returns a Figure.

Examples
--------
>>> import pandas as pd
>>> fig = match_weight_histogram(pd.DataFrame({"match_weight": [-5.0, 1.0, 12.0]}), 0.0)
>>> fig.axes[0].get_xlabel()
'match weight (bits)'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .explain import waterfall_plot

__all__ = ["match_weight_histogram", "blocking_rules_plot", "cluster_size_plot",
           "match_weights_chart", "waterfall_plot"]


def _close(fig):
    """Close a figure that is returned for display (an open one would be shown twice)."""
    import matplotlib.pyplot as plt

    plt.close(fig)


def _fig(figsize=(7, 3.5)):
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)


def match_weight_histogram(pairs: pd.DataFrame, threshold_weight: float, bins: int = 60):
    """Distribution of candidate-pair match weights with the link threshold.

    Examples
    --------
    >>> import pandas as pd
    >>> match_weight_histogram(pd.DataFrame({"match_weight": [0.0]}), 1.0).axes[0].get_yscale()
    'log'
    """
    fig, ax = _fig()
    w = pairs["match_weight"].to_numpy()
    ax.hist(w, bins=bins, color="#457b9d")
    ax.axvline(threshold_weight, color="#e63946", ls="--",
               label=f"threshold {threshold_weight:.1f} bits")
    ax.set_yscale("log")
    ax.set_xlabel("match weight (bits)")
    ax.set_ylabel("candidate pairs (log scale)")
    ax.legend()
    fig.tight_layout()
    _close(fig)
    return fig


def blocking_rules_plot(rule_counts: pd.DataFrame):
    """Candidate pairs per blocking rule (all pairs and pairs new to the union).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"rule": ["email"], "pairs": [10], "new_pairs": [10]})
    >>> len(blocking_rules_plot(t).axes)
    1
    """
    fig, ax = _fig((7, 0.4 * len(rule_counts) + 1.5))
    y = np.arange(len(rule_counts))
    ax.barh(y, rule_counts["pairs"], color="#a8dadc", label="pairs")
    ax.barh(y, rule_counts["new_pairs"], color="#1d3557", label="new to the union")
    ax.set_yticks(y)
    ax.set_yticklabels(rule_counts["rule"])
    ax.invert_yaxis()
    ax.set_xlabel("candidate pairs")
    ax.legend(loc="lower right")
    fig.tight_layout()
    _close(fig)
    return fig


def cluster_size_plot(cluster_sizes: pd.DataFrame):
    """Number of customers per cluster size (records per customer).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"cluster_size": [1, 2], "clusters": [5, 2], "records": [5, 4]})
    >>> cluster_size_plot(t).axes[0].get_xlabel()
    'records per customer'
    """
    fig, ax = _fig((6, 3))
    ax.bar(cluster_sizes["cluster_size"].astype(str), cluster_sizes["clusters"], color="#457b9d")
    ax.set_yscale("log")
    ax.set_xlabel("records per customer")
    ax.set_ylabel("customers (log scale)")
    fig.tight_layout()
    _close(fig)
    return fig


def match_weights_chart(params: pd.DataFrame):
    """Weight of every comparison level (like Splink's match weights chart).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"comparison": ["prior", "email", "email"], "level": [-1, 0, 1],
    ...                   "level_name": ["lambda", "exact", "else"], "weight": [-3, 9, -2]})
    >>> len(match_weights_chart(p).axes[0].patches)
    3
    """
    labels = np.where(params["comparison"] == "prior", "prior (lambda)",
                      params["comparison"] + ": " + params["level_name"].astype(str))
    fig, ax = _fig((7, 0.28 * len(params) + 1.2))
    w = params["weight"].to_numpy(dtype=float)
    ax.barh(np.arange(len(params)), w, color=np.where(w >= 0, "#2a9d8f", "#e76f51"))
    ax.set_yticks(np.arange(len(params)))
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("weight (bits) = log2(m / u)")
    fig.tight_layout()
    _close(fig)
    return fig
