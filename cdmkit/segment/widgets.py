"""Interactive segment explorer for JupyterLab (ipywidgets): choose features, k and method.

The widget works on a seeded sample of customers so every change answers in
about a second. It only registers callbacks and renders once, so it never blocks
a papermill run (the executed report shows the initial state). The computation
behind it, :func:`cdmkit.segment.profiles.explore_clusters`, is a plain function usable
without widgets. Not imported by the package face: ``from cdmkit.segment.widgets import
segment_explorer``.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> f = pd.DataFrame({"recency_days": rng.integers(1, 300, 80),
...                   "n_purchases": rng.integers(1, 9, 80),
...                   "total_spend": rng.gamma(2, 50, 80)})
>>> prof = explore_clusters(f, ["recency_days", "n_purchases"], k=3, random_state=0)
>>> int(prof["customers"].sum())
80
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .profiles import explore_clusters

__all__ = ["segment_explorer"]


def segment_explorer(features: pd.DataFrame, k_values=range(2, 9), method: str = "kmeans",
                     columns=None, k: int | None = None, sample_size: int = 5000,
                     random_state: int = 0, interactive: bool = True):
    """An ipywidgets explorer: pick features, k and method; the cluster profile updates.

    Parameters
    ----------
    features : DataFrame
        Per-customer features (unscaled).
    k_values : range
        Values offered by the k slider.
    method : str
        Initial segmenter.
    columns : list of str, optional
        Initially selected features (default: all).
    k : int, optional
        Initial k (default: the smallest of ``k_values`` + 2, within range).
    sample_size : int
        Customers sampled (seeded) to keep the widget responsive.
    random_state : int
        Seed of the sample and the clustering.
    interactive : bool
        ``False`` (batch runs, HTML reports) returns the profile of the initial
        choice as a table instead of live widgets, which a static report cannot
        show and a headless kernel need not wait for.

    Returns
    -------
    ipywidgets.VBox or DataFrame
        Display it as the last expression of a cell.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"x": [0.0, 0.1, 0.2, 5.0, 5.1, 5.2], "y": [1.0, 2, 1, 2, 1, 2]})
    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside Jupyter the output is printed
    ...     box = segment_explorer(f, range(2, 4))
    >>> type(box).__name__
    'VBox'
    """
    import ipywidgets as w
    from IPython.display import display

    from ..registry import segmenters

    if len(features) > sample_size:
        rows = np.sort(np.random.default_rng(random_state).choice(len(features), sample_size,
                                                                  replace=False))
        data = features.iloc[rows]
    else:
        data = features
    ks = list(k_values)
    k0 = k if k in ks else ks[min(2, len(ks) - 1)]
    cols = list(columns) if columns is not None else list(data.columns)
    if not interactive:
        if k0 >= len(data):
            return pd.DataFrame()
        return explore_clusters(data, cols, k0, method, random_state).round(2)
    feat = w.SelectMultiple(options=list(data.columns), value=tuple(cols), rows=8,
                            description="features")
    kw = w.IntSlider(value=k0, min=min(ks), max=max(ks), description="k")
    meth = w.Dropdown(options=segmenters.names(), value=method, description="method")
    out = w.Output()

    def update(_=None):
        with out:
            out.clear_output(wait=True)
            chosen = list(feat.value)
            if not chosen:
                print("Choose at least one feature.")
                return
            if kw.value >= len(data):
                print(f"k must be below the number of customers ({len(data)}).")
                return
            prof = explore_clusters(data, chosen, kw.value, meth.value, random_state)
            print(f"{len(data):,} customers (sample), k = {kw.value}, silhouette = "
                  f"{prof.attrs['silhouette']:.3f}")
            display(prof.round(2))

    for widget in (feat, kw, meth):
        widget.observe(update, names="value")
    update()
    return w.VBox([w.HBox([feat, w.VBox([kw, meth])]), out])
