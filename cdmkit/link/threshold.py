"""Threshold explorer: links, customers and precision/recall at each match threshold.

:func:`threshold_table` computes, for a grid of match-probability thresholds,
how many candidate pairs would be links, how many customers (connected
components of the links, before the anti-chaining guard) they would make, and
- when labels exist - the precision, recall and F1 of the links: against
ground truth (every true pair counts for recall, found by blocking or not) or
against clerical-review labels (only the labelled pairs count).
:class:`ThresholdExplorer` puts a slider over it in JupyterLab and shows the
table and a small plot as a static snapshot in batch runs and HTML reports.

Examples
--------
>>> import pandas as pd
>>> from cdmkit.link import score_and_cluster
>>> rec = pd.DataFrame({"record_id": ["1", "2", "3", "4"],
...                     "first_name": ["Ann", "Ann", "Bo", "Bo"],
...                     "email": ["a@x.org", "a@x.org", "b@y.org", "c@z.org"]})
>>> t = threshold_table(score_and_cluster(rec), thresholds=[0.5], truth=["a", "a", "b", "c"])
>>> t[["links", "clusters"]].values.tolist(), t[["precision", "recall"]].values.tolist()
([[1, 3]], [[1.0, 1.0]])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["threshold_table", "ThresholdExplorer", "DEFAULT_THRESHOLDS"]

#: Thresholds of the static snapshot (the run's own threshold is added).
DEFAULT_THRESHOLDS = (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)


def _weight(p: float) -> float:
    return float(np.log2(p / (1 - p)))


def _label_rows(scored, labels: pd.DataFrame):
    """Candidate-pair rows of the labelled pairs and their labels (1 match, 0 non-match)."""
    from .train import label_pairs as _label_pairs

    lp, ly = _label_pairs(scored.records, labels)
    if not len(lp) or not len(scored.pairs):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=int)
    n = len(scored.records)
    lo, hi = np.minimum(lp[:, 0], lp[:, 1]), np.maximum(lp[:, 0], lp[:, 1])
    p = scored.pairs
    cand = pd.Series(np.arange(len(p)),
                     index=np.minimum(p[:, 0], p[:, 1]) * n + np.maximum(p[:, 0], p[:, 1]))
    cand = cand[~cand.index.duplicated()]
    rows = cand.reindex(lo * n + hi).to_numpy()
    ok = ~np.isnan(rows)
    return rows[ok].astype(np.int64), np.asarray(ly)[ok].astype(int)


class _Evaluator:
    """What every threshold needs, computed once (true pairs, label rows)."""

    def __init__(self, scored, truth=None, labels=None):
        from .evaluate import true_pairs

        self.scored = scored
        self.n = len(scored.records)
        self.weight = np.asarray(scored.match_weight, dtype=float)
        truth = scored.truth if truth is None else truth
        self.kind = None
        if truth is not None:
            t = pd.factorize(pd.Series(np.asarray(truth, dtype=object)))[0]
            i, j = scored.pairs[:, 0], scored.pairs[:, 1]
            self.is_true = t[i] == t[j]
            link_only = scored.settings.link_type == "link_only"
            if link_only:
                src = pd.factorize(scored.records["source"])[0]
                self.is_true &= src[i] != src[j]
            self.total_true = true_pairs(t, scored.records["source"], link_only)
            self.kind = "ground truth"
        elif labels is not None and len(labels):
            self.rows, self.y = _label_rows(scored, labels)
            if len(self.rows):
                self.kind = "review labels"

    def at(self, threshold: float) -> dict:
        from .clustering import components

        tw = _weight(threshold)
        link = self.weight >= tw
        out = {"threshold": float(threshold), "match_weight": tw, "links": int(link.sum()),
               "clusters": int(components(self.n, self.scored.pairs[link]).max() + 1)
               if self.n else 0}
        tp = fp = fn = None
        if self.kind == "ground truth":
            tp = int((link & self.is_true).sum())
            fp, fn = out["links"] - tp, self.total_true - tp
        elif self.kind == "review labels":
            lk, y = link[self.rows], self.y == 1
            tp, fp, fn = int((lk & y).sum()), int((lk & ~y).sum()), int((~lk & y).sum())
        if tp is not None:
            prec = tp / (tp + fp) if tp + fp else 1.0
            rec = tp / (tp + fn) if tp + fn else 1.0
            out.update(precision=prec, recall=rec,
                       f1=2 * prec * rec / (prec + rec) if prec + rec else 0.0,
                       labels=self.kind)
        return out


def threshold_table(scored, thresholds=None, truth=None, labels=None) -> pd.DataFrame:
    """Links, customers and (with labels) precision/recall over a grid of thresholds.

    Parameters
    ----------
    scored : ScoredLinkage
        A scoring (``LinkageResult.scored``).
    thresholds : sequence of float, optional
        Match probabilities (default :data:`DEFAULT_THRESHOLDS` plus the run's threshold).
    truth : array-like, optional
        True entity of each record (default ``scored.truth``). Recall counts every
        true pair, including those blocking never proposed.
    labels : DataFrame, optional
        Clerical-review labels (:func:`cdmkit.link.load_labels`), used without truth;
        precision and recall then count the labelled candidate pairs only.

    Returns
    -------
    DataFrame
        ``threshold, match_weight, links, clusters, current`` and, with truth or labels,
        ``precision, recall, f1, labels`` (which kind). ``clusters`` are connected
        components of the links, before the anti-chaining guard.

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.link import score_and_cluster
    >>> s = score_and_cluster(pd.DataFrame({"record_id": ["1", "2"], "email": ["a@x", "a@x"]}))
    >>> threshold_table(s, [0.5, 0.999999])[["links", "clusters", "current"]].values.tolist()
    [[1, 1, True], [0, 2, False]]
    """
    current = float(scored.settings.threshold)
    grid = DEFAULT_THRESHOLDS if thresholds is None else thresholds
    grid = sorted(set(float(t) for t in grid) | ({current} if thresholds is None else set()))
    if any(not 0 < t < 1 for t in grid):
        raise ValueError("thresholds are match probabilities strictly between 0 and 1")
    ev = _Evaluator(scored, truth, labels)
    out = pd.DataFrame([ev.at(t) for t in grid])
    out["current"] = np.isclose(out["threshold"], current)
    return out


class ThresholdExplorer:
    """A slider over the match threshold (JupyterLab) or a static snapshot (reports).

    Parameters
    ----------
    scored : ScoredLinkage
    truth, labels : optional
        As in :func:`threshold_table`.
    thresholds : sequence of float, optional
        Grid of the snapshot table and plot.
    interactive : bool
        ``False`` (batch runs, HTML reports) shows the table and the plot instead of a
        live slider.

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.link import score_and_cluster
    >>> s = score_and_cluster(pd.DataFrame({"record_id": ["1", "2"], "email": ["a@x", "a@x"]}))
    >>> ex = ThresholdExplorer(s, interactive=False)
    >>> ex.at(0.5)["links"], len(ex.table) == len(DEFAULT_THRESHOLDS)
    (1, True)
    """

    def __init__(self, scored, truth=None, labels=None, thresholds=None,
                 interactive: bool = True):
        self.scored = scored
        self.interactive = interactive
        self._eval = _Evaluator(scored, truth, labels)
        self.table = threshold_table(scored, thresholds, truth, labels)
        self._widget = None

    @property
    def label_kind(self) -> str | None:
        """``ground truth``, ``review labels`` or ``None`` (no precision/recall)."""
        return self._eval.kind

    def at(self, threshold: float) -> dict:
        """Links, clusters and (with labels) precision/recall at one threshold."""
        return self._eval.at(threshold)

    def plot(self):
        """Links and customers (left) and precision/recall (right) against the threshold."""
        import matplotlib.pyplot as plt

        t = self.table
        fig, ax = plt.subplots(figsize=(7, 3.5))
        ax.plot(t["threshold"], t["links"], marker="o", label="links")
        ax.plot(t["threshold"], t["clusters"], marker="s", label="customers")
        ax.set_xlabel("match probability threshold")
        ax.set_ylabel("count")
        ax.axvline(float(self.scored.settings.threshold), color="grey", ls="--", lw=1)
        handles, names = ax.get_legend_handles_labels()
        if "precision" in t:
            ax2 = ax.twinx()
            ax2.plot(t["threshold"], t["precision"], color="tab:green", ls=":", label="precision")
            ax2.plot(t["threshold"], t["recall"], color="tab:red", ls=":", label="recall")
            ax2.set_ylim(0, 1.02)
            ax2.set_ylabel(f"against {self.label_kind}")
            h2, n2 = ax2.get_legend_handles_labels()
            handles, names = handles + h2, names + n2
        ax.legend(handles, names, loc="lower left", fontsize=8)
        ax.set_title("Threshold explorer")
        fig.tight_layout()
        plt.close(fig)
        return fig

    def _row_html(self, threshold: float) -> str:
        row = self.at(threshold)
        cells = "".join(f"<td>{row[k]:.3f}</td>" if isinstance(row[k], float) else
                        f"<td>{row[k]}</td>" for k in row)
        from ..display import readable

        head = "".join(f"<th>{k}</th>" for k in readable(pd.DataFrame([row])).columns)
        return f"<table><tr>{head}</tr><tr>{cells}</tr></table>"

    def widget(self):
        """The ipywidgets box: a threshold slider and the figures at it (built on first use)."""
        import ipywidgets as w

        if self._widget is not None:
            return self._widget
        slider = w.FloatSlider(value=float(self.scored.settings.threshold), min=0.01, max=0.99,
                               step=0.01, description="threshold", continuous_update=False,
                               readout_format=".2f")
        html = w.HTML(self._row_html(slider.value))

        def on_change(change):
            html.value = self._row_html(change["new"])

        slider.observe(on_change, names="value")
        self._widget = w.VBox([slider, html])
        return self._widget

    def _ipython_display_(self):
        from IPython.display import HTML, display

        if self.interactive:
            display(self.widget())
            return
        from ..display import readable, table_html

        display(HTML(table_html(readable(self.table.round(4)),
                                caption="Links, customers and quality per threshold")))
        display(self.plot())

    def __repr__(self):
        return (f"ThresholdExplorer({len(self.table)} thresholds, labels: "
                f"{self.label_kind or 'none'})")
