"""Seaborn figures of the segmentation stage; each function returns a matplotlib Figure.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> scores = pd.DataFrame({"k": [2, 3, 4], "silhouette": [0.3, 0.45, 0.4]})
>>> silhouette_curve(scores, chosen_k=3).axes[0].get_xlabel()
'number of clusters k'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["rfm_heatmap", "segment_size_vs_revenue", "cluster_profile_heatmap",
           "silhouette_curve", "cluster_projection"]


def _plt():
    import matplotlib.pyplot as plt
    import seaborn as sns

    return plt, sns


def rfm_heatmap(scored: pd.DataFrame, bins: int | None = None):
    """Customers per R score (rows, 5 at the top) and F score, labelled with segment names.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"r_score": [1, 2, 2], "f_score": [1, 1, 2],
    ...                   "segment": ["Hibernating"] * 3})
    >>> rfm_heatmap(s, bins=2).axes[0].get_title()
    'Customers by R and F score'
    """
    plt, sns = _plt()
    bins = bins or int(max(scored["r_score"].max(), scored["f_score"].max(), 1))
    levels = list(range(1, bins + 1))
    counts = pd.crosstab(scored["r_score"], scored["f_score"]).reindex(
        index=levels[::-1], columns=levels, fill_value=0)
    names = scored.groupby(["r_score", "f_score"])["segment"].agg(
        lambda s: s.mode().iloc[0]) if "segment" in scored else pd.Series(dtype=object)
    annot = np.empty(counts.shape, dtype=object)
    for i, r in enumerate(counts.index):
        for j, f in enumerate(counts.columns):
            name = names.get((r, f), "")
            annot[i, j] = f"{name}\n{counts.loc[r, f]:,}" if name else f"{counts.loc[r, f]:,}"
    # ~9.5 x 6 in for 5 bins: shown unscaled in the report, so the cell labels stay legible.
    fig, ax = plt.subplots(figsize=(1.5 * bins + 2, 0.9 * bins + 1.5))
    sns.heatmap(counts, annot=annot, fmt="", cmap="Blues", cbar_kws={"label": "customers"},
                annot_kws={"fontsize": 8}, linewidths=0.5, ax=ax)
    ax.set_xlabel("F score (frequency)")
    ax.set_ylabel("R score (recency, 5 = most recent)" if bins == 5 else "R score")
    ax.set_title("Customers by R and F score")
    fig.tight_layout()
    plt.close(fig)  # the notebook displays the returned figure once
    return fig


def segment_size_vs_revenue(profile: pd.DataFrame):
    """Share of customers and share of revenue per segment, side by side.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"share_customers": [.7, .3], "share_revenue": [.2, .8]},
    ...                  index=pd.Index(["Hibernating", "Champions"], name="segment"))
    >>> len(segment_size_vs_revenue(p).axes[0].patches) >= 4
    True
    """
    plt, sns = _plt()
    d = profile[["share_customers", "share_revenue"]].rename(
        columns={"share_customers": "customers", "share_revenue": "revenue"})
    d = d.reset_index(names="segment").melt("segment", var_name="share of", value_name="share")
    d["segment"] = d["segment"].astype(str)
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(profile) + 1.5))
    sns.barplot(data=d, y="segment", x="share", hue="share of", ax=ax, orient="h")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_ylabel("")
    ax.set_title("Segment size vs revenue share")
    fig.tight_layout()
    plt.close(fig)  # the notebook displays the returned figure once
    return fig


def cluster_profile_heatmap(zmeans: pd.DataFrame, row_labels=None):
    """Standardised feature means per cluster (rows) as a diverging heatmap.

    Parameters
    ----------
    zmeans : DataFrame
        From :func:`cdmkit.segment.profiles.standardised_means`.
    row_labels : mapping, optional
        Cluster -> label shown on the rows.

    Examples
    --------
    >>> import pandas as pd
    >>> z = pd.DataFrame({"recency_days": [-1.0, 1.0], "total_spend": [0.8, -0.8]})
    >>> cluster_profile_heatmap(z).axes[0].get_title()
    'Feature profile per cluster (standardised means)'
    """
    plt, sns = _plt()
    z = zmeans.copy()
    if row_labels is not None:
        z.index = [f"{i}: {row_labels.get(i, '')}" for i in z.index]
    fig, ax = plt.subplots(figsize=(0.55 * z.shape[1] + 4, 0.5 * z.shape[0] + 2))
    sns.heatmap(z, annot=True, fmt=".1f", cmap="RdBu_r", center=0, vmin=-2, vmax=2, ax=ax,
                annot_kws={"fontsize": 8}, cbar_kws={"label": "SD from overall mean"})
    ax.set_title("Feature profile per cluster (standardised means)")
    ax.set_ylabel("cluster")
    fig.tight_layout()
    plt.close(fig)  # the notebook displays the returned figure once
    return fig


def silhouette_curve(scores: pd.DataFrame, chosen_k: int | None = None):
    """Silhouette coefficient against k, with the chosen k marked.

    Examples
    --------
    >>> import pandas as pd
    >>> f = silhouette_curve(pd.DataFrame({"k": [2, 3], "silhouette": [.5, .4]}), 2)
    >>> f.axes[0].get_ylabel()
    'silhouette'
    """
    plt, sns = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    sns.lineplot(data=scores, x="k", y="silhouette", marker="o", ax=ax)
    if chosen_k is not None:
        ax.axvline(chosen_k, ls="--", color="grey")
        ax.annotate(f"k = {chosen_k}", (chosen_k, scores["silhouette"].max()),
                    textcoords="offset points", xytext=(5, -12))
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel("silhouette")
    ax.set_xticks(list(scores["k"]))
    ax.set_title("Choosing k: silhouette (higher is better)")
    fig.tight_layout()
    plt.close(fig)  # the notebook displays the returned figure once
    return fig


def cluster_projection(X, labels, label_names=None, sample_size: int = 5000,
                       random_state: int = 0):
    """Clusters on the first two principal components of the scaled features (sampled).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(50, 4))
    >>> cluster_projection(X, np.arange(50) % 2).axes[0].get_xlabel()[:3]
    'PC1'
    """
    from sklearn.decomposition import PCA

    plt, sns = _plt()
    A = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    rows = np.arange(len(A))
    if len(A) > sample_size:
        rows = np.sort(np.random.default_rng(random_state).choice(len(A), sample_size,
                                                                   replace=False))
    pca = PCA(n_components=2, random_state=random_state).fit(A)
    P = pca.transform(A[rows])
    lab = labels[rows]
    if label_names is not None:
        lab = np.array([f"{v}: {label_names.get(v, '')}" for v in lab], dtype=object)
    fig, ax = plt.subplots(figsize=(7, 5))
    sns.scatterplot(x=P[:, 0], y=P[:, 1], hue=lab, s=10, alpha=0.6, ax=ax, palette="tab10",
                    linewidth=0)
    ev = pca.explained_variance_ratio_
    ax.set_xlabel(f"PC1 ({ev[0]:.0%} of variance)")
    ax.set_ylabel(f"PC2 ({ev[1]:.0%} of variance)")
    ax.set_title("Clusters in two dimensions (PCA)")
    ax.legend(fontsize=7, markerscale=2, title="cluster", loc="best")
    fig.tight_layout()
    plt.close(fig)  # the notebook displays the returned figure once
    return fig
