"""Clerical review: label uncertain pairs in the notebook; the next run learns from the labels.

:func:`review_candidates` picks the pairs whose match probability is closest
to 0.5 within the review band. :class:`ReviewPanel` shows them side by side
(masked unless raw PII is allowed) with *Match* / *Non-match* / *Skip*
buttons and appends each decision to a CSV labels file
(``source_l, record_id_l, source_r, record_id_r, label, labelled_at``). With
``linkage.mode: auto`` the next run scores with a supervised model once the
file holds enough labels of both classes. Displaying the panel never blocks:
under papermill it simply renders.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from cdmkit.link import score_and_cluster
>>> s = score_and_cluster(pd.DataFrame({"record_id": ["1", "2", "3"],
...                                     "first_name": ["Ann", "Anne", "Ann"],
...                                     "last_name": ["Lee", "Lee", "Li"]}))
>>> p = pathlib.Path(tempfile.mkdtemp()) / "labels.csv"
>>> panel = ReviewPanel(s, p, candidates=[0, 1])
>>> panel.label(0, "match")
>>> pd.read_csv(p)["label"].tolist()
['match']
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["review_candidates", "ReviewPanel", "LABEL_COLUMNS"]

LABEL_COLUMNS = ["source_l", "record_id_l", "source_r", "record_id_r", "label", "labelled_at"]


def review_candidates(scored, band=(0.2, 0.8), n: int = 50) -> np.ndarray:
    """Row numbers of the most uncertain pairs (probability in ``band``, nearest 0.5 first).

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> s = SimpleNamespace(match_probability=np.array([0.1, 0.45, 0.7, 0.52]))
    >>> review_candidates(s, n=2).tolist()
    [3, 1]
    """
    p = np.asarray(scored.match_probability)
    idx = np.flatnonzero((p >= band[0]) & (p <= band[1]))
    order = np.lexsort((idx, np.abs(p[idx] - 0.5)))
    return idx[order][:n]


class ReviewPanel:
    """ipywidgets panel for labelling pairs; decisions go to ``labels_path``.

    Parameters
    ----------
    scored : ScoredLinkage
        Scored pairs (``LinkageResult.scored``).
    labels_path : str or Path
        CSV the labels are appended to.
    candidates : array-like of int, optional
        Pair rows to review (default :func:`review_candidates`).
    show_raw : bool
        Show raw values (``privacy.show_raw_pii``); otherwise values are masked.
    interactive : bool
        ``False`` (batch runs, HTML reports) displays the first uncertain pair as a
        static table instead of live buttons, which a report cannot use and a
        headless kernel need not wait for.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from cdmkit.link import score_and_cluster
    >>> s = score_and_cluster(pd.DataFrame({"record_id": ["1", "2"], "email": ["a@x", "a@x"]}))
    >>> ReviewPanel(s, pathlib.Path(tempfile.mkdtemp()) / "l.csv", candidates=[0])
    ReviewPanel(1 pairs -> ...l.csv)
    """

    def __init__(self, scored, labels_path, candidates=None, show_raw: bool = False,
                 interactive: bool = True):
        self.scored = scored
        self.interactive = interactive
        self.labels_path = Path(labels_path)
        self.candidates = list(review_candidates(scored) if candidates is None else candidates)
        self.show_raw = show_raw
        self.position = 0
        self._widget = None

    def label(self, pair: int, label: str) -> None:
        """Record ``label`` (``match`` or ``non-match``) for pair row ``pair``."""
        if label not in ("match", "non-match"):
            raise ValueError("label must be 'match' or 'non-match'")
        rec = self.scored.records
        i, j = self.scored.pairs[pair]
        new = not self.labels_path.exists()
        self.labels_path.parent.mkdir(parents=True, exist_ok=True)
        with self.labels_path.open("a", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            if new:
                w.writerow(LABEL_COLUMNS)
            w.writerow([rec["source"].iloc[i], rec["record_id"].iloc[i], rec["source"].iloc[j],
                        rec["record_id"].iloc[j], label,
                        datetime.now(timezone.utc).isoformat(timespec="seconds")])

    def _table_html(self, pair: int) -> str:
        from ..privacy import mask_frame
        from .explain import pair_records
        from .score import probability

        recs = pair_records(self.scored, pair)
        recs = mask_frame(recs, show_raw=self.show_raw)
        from ..display import human_label, readable, table_html

        side = recs.set_index("side").T
        side.index = [human_label(f) for f in side.index]  # one row per field, named in words
        p = float(probability(self.scored.match_weight[pair]))
        return (f"<b>Pair {self.position + 1} of {len(self.candidates)}</b> — match probability "
                f"{p:.2f}<br>" + table_html(readable(side.rename_axis("field"))))

    def widget(self):
        """The ipywidgets box (built on first use)."""
        import ipywidgets as w

        if self._widget is not None:
            return self._widget
        html = w.HTML()
        buttons = {k: w.Button(description=d, button_style=s) for k, d, s in
                   [("match", "Match", "success"), ("non-match", "Non-match", "danger"),
                    ("skip", "Skip", "")]}

        def refresh():
            if self.position >= len(self.candidates):
                html.value = f"<b>Done.</b> Labels saved to <code>{self.labels_path}</code>."
                for b in buttons.values():
                    b.disabled = True
            else:
                html.value = self._table_html(self.candidates[self.position])

        def on_click(kind):
            def handler(_):
                if self.position < len(self.candidates) and kind != "skip":
                    self.label(self.candidates[self.position], kind)
                self.position += 1
                refresh()
            return handler

        for k, b in buttons.items():
            b.on_click(on_click(k))
        if not self.candidates:
            html.value = "No uncertain pairs to review."
        else:
            refresh()
        self._widget = w.VBox([html, w.HBox(list(buttons.values()))])
        return self._widget

    def _ipython_display_(self):
        from IPython.display import HTML, display

        if self.interactive:
            display(self.widget())
        elif not self.candidates:
            display(HTML("No uncertain pairs to review."))
        else:
            display(HTML(self._table_html(self.candidates[0]) + "<p><i>Open this notebook in "
                         "JupyterLab to label the uncertain pairs.</i></p>"))

    def __repr__(self):
        return f"ReviewPanel({len(self.candidates)} pairs -> {self.labels_path})"
