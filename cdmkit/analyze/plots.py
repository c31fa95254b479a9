"""Plots of the analysis stage (matplotlib / seaborn); each returns its ``Figure``.

Examples
--------
>>> import pandas as pd
>>> fig = plot_tracking(pd.DataFrame({"date": pd.date_range("2024-01-01", periods=3),
...     "actual": [0, 1, 2], "predicted": [0, 1.2, 2.1],
...     "period": ["calibration", "holdout", "holdout"]}))
>>> len(fig.axes)
1
"""

from __future__ import annotations

from .._extras import require

require("lab", "for plots")  # one clear line instead of a matplotlib ImportError

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker  # noqa: F401  (PercentFormatter)
import numpy as np
import pandas as pd

__all__ = ["plot_retention_heatmap", "plot_cohort_curves", "plot_holdout_by_frequency",
           "plot_tracking", "plot_calibration", "plot_importance", "plot_seasonality",
           "plot_clv_distribution", "plot_lift_pairs", "plot_probability_alive_matrix",
           "plot_retention_curve"]


def _new(figsize=(7, 4)):
    fig, ax = plt.subplots(figsize=figsize)
    return fig, ax


def plot_retention_heatmap(matrix: pd.DataFrame, title: str = "Retention by acquisition cohort",
                           fmt: str = ".0%"):
    """Heatmap of a cohort × period matrix (retention or revenue retention).

    Examples
    --------
    >>> m = pd.DataFrame([[1.0, 0.4], [1.0, np.nan]], index=["2024-01", "2024-02"])
    >>> plot_retention_heatmap(m).axes[0].get_title()
    'Retention by acquisition cohort'
    """
    import seaborn as sns

    annot = matrix.shape[1] <= 16 and len(matrix) <= 30
    # Rows just tall enough for their labels (taller with numbers in the cells) and at most
    # ~11 in wide, so the report shows the figure unscaled rather than a page-long heatmap.
    h = max(3.0, (0.3 if annot else 0.22) * len(matrix) + 1.5)
    fig, ax = _new((min(11.0, 3.0 + 0.55 * matrix.shape[1]), h))
    # Period 0 is 100 % by definition: scale colours on the later periods so they stay visible.
    later = matrix.iloc[:, 1:].to_numpy(dtype=float)
    vmax = float(np.nanmax(later)) if later.size and np.isfinite(later).any() else None
    cbar_kws = {"label": "relative to period 0"}
    if fmt.endswith("%"):
        cbar_kws["format"] = matplotlib.ticker.PercentFormatter(1.0, decimals=0)
    sns.heatmap(matrix, annot=annot, fmt=fmt, cmap="Blues", vmin=0, vmax=vmax, cbar=True,
                ax=ax, annot_kws={"size": 7}, cbar_kws=cbar_kws)
    ax.set_title(title)
    ax.set_xlabel("periods since first purchase")
    ax.set_ylabel("acquisition cohort")
    fig.tight_layout()
    return fig


def plot_cohort_curves(curves: pd.DataFrame, title: str = "Retention curves per segment"):
    """Retention by period since acquisition, one line per group.

    Examples
    --------
    >>> c = pd.DataFrame({"group": ["a", "a"], "period": [0, 1], "retention": [1.0, 0.3],
    ...                   "customers": [10, 10]})
    >>> len(plot_cohort_curves(c).axes[0].lines)
    1
    """
    fig, ax = _new((8.5, 4))
    for g, sub in curves[curves["period"] > 0].groupby("group", sort=True):
        ax.plot(sub["period"], sub["retention"], marker="o", label=str(g))
    if curves["period"].max() == 0:
        ax.plot([0], [1.0], marker="o", label="all")
    ax.set_xlabel("periods since first purchase")
    ax.set_ylabel("share of cohort active")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title(title)
    # Beside the axes: inside, ten segment names hide the curves.
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    fig.tight_layout()
    return fig


def plot_holdout_by_frequency(table: pd.DataFrame, title: str = "Holdout: actual vs predicted"):
    """Bars of mean actual vs predicted holdout purchases per calibration frequency.

    Examples
    --------
    >>> t = pd.DataFrame({"bucket": ["0", "1+"], "customers": [5, 2], "actual": [0.1, 1.0],
    ...                   "predicted": [0.2, 0.9]})
    >>> plot_holdout_by_frequency(t).axes[0].get_xlabel()
    'repeat purchases in calibration period'
    """
    fig, ax = _new()
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["actual"], width=0.4, label="actual")
    ax.bar(x + 0.2, table["predicted"], width=0.4, label="predicted")
    ax.set_xticks(x, table["bucket"])
    ax.set_xlabel("repeat purchases in calibration period")
    ax.set_ylabel("mean purchases in holdout")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_tracking(tr: pd.DataFrame, title: str = "Cumulative repeat purchases"):
    """Actual vs predicted cumulative repeat purchases over calendar time.

    The vertical line marks the end of the calibration period.
    """
    fig, ax = _new()
    ax.plot(tr["date"], tr["actual"], label="actual", color="black")
    ax.plot(tr["date"], tr["predicted"], label="model", color="tab:orange", linestyle="--")
    cal = tr[tr["period"] == "calibration"]
    if len(cal) and len(cal) < len(tr):
        ax.axvline(cal["date"].max(), color="grey", linestyle=":", label="end of calibration")
    ax.set_ylabel("repeat purchases (cumulative)")
    ax.set_title(title)
    ax.legend()
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def plot_calibration(cal: pd.DataFrame, title: str = "Churn model calibration"):
    """Observed churn rate vs mean predicted probability per bin, one line per model.

    Examples
    --------
    >>> c = pd.DataFrame({"model": ["m", "m"], "predicted": [0.1, 0.8], "observed": [0.2, 0.7]})
    >>> len(plot_calibration(c).axes[0].lines)
    2
    """
    fig, ax = _new((5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect")
    for m, sub in cal.groupby("model", sort=True):
        ax.plot(sub["predicted"], sub["observed"], marker="o", label=str(m))
    ax.set_xlabel("predicted churn probability")
    ax.set_ylabel("observed churn rate")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_importance(imp: pd.DataFrame, top: int = 12, title: str = "Permutation importance"):
    """Horizontal bars of permutation importance (drop in ROC AUC), per model.

    Examples
    --------
    >>> i = pd.DataFrame({"model": ["m", "m"], "feature": ["a", "b"], "importance": [0.1, 0.0],
    ...                   "std": [0.01, 0.0]})
    >>> len(plot_importance(i).axes)
    1
    """
    models = sorted(imp["model"].unique())
    fig, axes = plt.subplots(1, len(models), figsize=(5 * len(models), 0.3 * top + 1.5),
                             squeeze=False)
    for ax, m in zip(axes[0], models):
        sub = imp[imp["model"] == m].nlargest(top, "importance").iloc[::-1]
        ax.barh(sub["feature"], sub["importance"], xerr=sub["std"], color="tab:blue")
        ax.set_title(f"{title}: {m}")
        ax.set_xlabel("drop in ROC AUC")
    fig.tight_layout()
    return fig


def plot_seasonality(season: dict, title: str = "Purchases by month and weekday"):
    """Two bar charts: share of purchases per calendar month and per weekday.

    Examples
    --------
    >>> from cdmkit.analyze.patterns import seasonality
    >>> s = seasonality(pd.DataFrame({"timestamp": ["2024-01-01"]}), value_col=None)
    >>> len(plot_seasonality(s).axes)
    2
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
    m, w = season.get("year_month"), season["weekday"]
    if m is not None and len(m):
        # Calendar months of each year: two Decembers of a 13-month export stay apart.
        axes[0].bar(m["year_month"].astype(str), m["share"], color="tab:blue")
        axes[0].tick_params(axis="x", labelrotation=90)
        axes[0].set_xlabel("month (partly covered months are hatched)")
        for bar, cov in zip(axes[0].patches, m["coverage"]):
            if cov < 0.999:
                bar.set_hatch("//")
                bar.set_alpha(0.6)
    else:
        m = season["month"]
        axes[0].bar(m["month"].astype(str), m["share"], color="tab:blue")
        axes[0].set_xlabel("month")
    axes[1].bar(w["weekday"].str.slice(0, 3), w["share"], color="tab:green")
    axes[1].set_xlabel("weekday")
    for ax in axes:
        ax.set_ylabel("share of purchases")
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_clv_distribution(clv: pd.Series, title: str = "Distribution of customer lifetime value"):
    """Histogram of CLV (log scale on counts) with the mean marked.

    Examples
    --------
    >>> plot_clv_distribution(pd.Series([1.0, 2.0, 10.0])).axes[0].get_title()
    'Distribution of customer lifetime value'
    """
    fig, ax = _new()
    v = pd.Series(clv).dropna()
    ax.hist(v, bins=50, color="tab:purple")
    ax.set_yscale("log")
    if len(v):
        ax.axvline(v.mean(), color="black", linestyle="--", label=f"mean {v.mean():,.1f}")
        ax.legend()
    ax.set_xlabel("CLV")
    ax.set_ylabel("customers (log scale)")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_lift_pairs(pairs: pd.DataFrame, top: int = 15, title: str = "Co-purchase pairs by lift"):
    """Horizontal bars of the highest-lift item pairs.

    Examples
    --------
    >>> p = pd.DataFrame({"item_a": ["a"], "item_b": ["b"], "lift": [3.0], "support": [0.1]})
    >>> plot_lift_pairs(p).axes[0].get_xlabel()
    'lift'
    """
    fig, ax = _new((7, 0.3 * min(top, max(len(pairs), 1)) + 1.5))
    sub = pairs.head(top).iloc[::-1]
    labels = sub["item_a"].astype(str) + " + " + sub["item_b"].astype(str)
    ax.barh(labels, sub["lift"], color="tab:red")
    ax.set_xlabel("lift")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_probability_alive_matrix(matrix: pd.DataFrame,
                                  title: str = "Probability alive by frequency and recency"):
    """Heatmap of :func:`cdmkit.analyze.predict.probability_alive_matrix` (recent at the top).

    Examples
    --------
    >>> m = pd.DataFrame([[1.0, np.nan], [1.0, 0.8]], index=pd.Index([0.0, 5.0], name="recency"),
    ...                  columns=pd.Index([0, 1], name="frequency"))
    >>> plot_probability_alive_matrix(m).axes[0].get_xlabel()
    'repeat purchases'
    """
    fig, ax = _new((7, 4.5))
    shown = matrix.iloc[::-1]
    im = ax.imshow(shown.to_numpy(dtype=float), aspect="auto", cmap="RdYlGn", vmin=0, vmax=1,
                   interpolation="nearest")
    fig.colorbar(im, ax=ax, label="P(alive)")
    ax.set_xticks(range(len(shown.columns)))
    ax.set_xticklabels([str(c) for c in shown.columns], fontsize=7)
    step = max(1, len(shown) // 8)
    ax.set_yticks(range(0, len(shown), step))
    ax.set_yticklabels([f"{v:.3g}" for v in shown.index[::step]], fontsize=7)
    ax.set_xlabel("repeat purchases")
    ax.set_ylabel("recency (time of the last purchase)")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_retention_curve(observed, fitted, title: str = "Survival: observed vs sBG model"):
    """Observed survivor shares against the sBG model's survival curve (and its projection).

    ``observed`` and ``fitted`` are Series indexed by period (0, 1, ...); the
    fitted curve may run further than the data (projection).

    Examples
    --------
    >>> o = pd.Series([1.0, 0.6, 0.45]); f = pd.Series([1.0, 0.62, 0.46, 0.38])
    >>> plot_retention_curve(o, f).axes[0].get_ylabel()
    'share still active'
    """
    fig, ax = _new()
    ax.plot(fitted.index, fitted.to_numpy(), color="tab:orange", linestyle="--", label="sBG model")
    ax.plot(observed.index, observed.to_numpy(), color="black", marker="o", label="observed")
    if len(fitted) > len(observed):
        ax.axvline(observed.index.max(), color="grey", linestyle=":", label="end of data")
    ax.set_xlabel("periods since acquisition")
    ax.set_ylabel("share still active")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig
