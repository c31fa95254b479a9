"""The segmentation stage as one function of data and config (what the notebook calls).

:func:`load_inputs` reads the tables of a run (transactions with their global
customer IDs, golden records, events, interactions; the optional ones may be
absent). :func:`run_segmentation` applies the return rules, computes the RFM
summary, scores and named segments, builds behavioural features, chooses k by
silhouette, clusters, checks stability across seeds, labels and profiles the
clusters, and returns everything in a :class:`SegmentationResult`.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> tx = pd.DataFrame({"customer_id": rng.integers(0, 60, 400).astype(str),
...                    "timestamp": pd.Timestamp("2024-01-01")
...                        + pd.to_timedelta(rng.integers(0, 365, 400), "D"),
...                    "amount": rng.gamma(2.0, 20.0, 400).round(2)})
>>> from cdmkit.config import SegmentationConfig
>>> res = run_segmentation(tx, SegmentationConfig(k_max=4, stability_seeds=2), seed=0)
>>> res.segments.columns.tolist()
['customer_id', 'rfm_segment', 'cluster', 'cluster_label']
>>> len(res.segments) == tx["customer_id"].nunique()
True
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config.engine import run_step
from ..config.segmentation import SegmentationConfig
from ..model import GLOBAL_ID
from .clustering import (KSelection, Stability, choose_k, cluster_stability, make_segmenter,
                         sampled_silhouette)
from .features import SkewLogScaler, build_customer_features
from .profiles import cluster_labels, profile_segments, standardised_means
from .scope import purchases_in_scope
from .rfm import SEGMENT_ORDER, rfm_segments, rfm_summary

__all__ = ["SegmentationInputs", "load_inputs", "SegmentationResult", "run_segmentation",
           "run_stage"]


@dataclass
class SegmentationInputs:
    """Tables the segmentation stage reads (``None`` when a run has no such table).

    Examples
    --------
    >>> SegmentationInputs(pd.DataFrame()).notes
    []
    """

    transactions: pd.DataFrame
    golden: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    interactions: pd.DataFrame | None = None
    notes: list = field(default_factory=list)


def load_inputs(ctx) -> SegmentationInputs:
    """Read the stage's tables from a run and attach global customer IDs.

    ``transactions`` is required; ``customer_map`` (from linkage) is used when
    present, otherwise ``customer_ref`` is the customer ID (transactions-only
    clients). ``golden``, ``events`` and ``interactions`` are optional: a note
    says which are missing.

    Examples
    --------
    >>> import tempfile
    >>> from cdmkit.config import ClientConfig
    >>> from cdmkit.report.context import StageContext
    >>> ctx = StageContext("segmentation", ClientConfig(client="a"), tempfile.mkdtemp())
    >>> _ = ctx.write_table("transactions", pd.DataFrame({"customer_ref": ["1"],
    ...     "timestamp": [pd.Timestamp("2024-01-01")], "amount": [3.0]}))
    >>> inp = load_inputs(ctx)
    >>> inp.transactions["customer_id"].tolist(), len(inp.notes)
    (['1'], 4)
    """
    from ..model.tables import attach_customer_id

    notes = []
    cmap = ctx.read_table("customer_map") if ctx.has_table("customer_map") else None
    if cmap is None:
        notes.append("no customer_map table (linkage not run): customer_ref is used as the "
                      "customer ID")

    def activity(name):
        if not ctx.has_table(name):
            notes.append(f"no {name} table: {name} features and profiles are skipped")
            return None
        df = ctx.read_table(name)
        return df if GLOBAL_ID in df and cmap is None else attach_customer_id(df, cmap)

    tx = ctx.read_table("transactions")
    if GLOBAL_ID not in tx or cmap is not None:
        tx = attach_customer_id(tx, cmap)
    golden = ctx.read_table("golden") if ctx.has_table("golden") else None
    if golden is None:
        notes.append("no golden table: consent coverage is not profiled")
    return SegmentationInputs(tx, golden, activity("events"), activity("interactions"), notes)


@dataclass
class SegmentationResult:
    """Everything the segmentation stage produces.

    Attributes
    ----------
    rfm : DataFrame
        One row per customer: ``customer_id``, RFM summary, scores and ``segment``.
    segments : DataFrame
        ``customer_id``, ``rfm_segment``, ``cluster``, ``cluster_label``.
    features : DataFrame
        Clustering features per customer (unscaled).
    X : ndarray
        Scaled features used for clustering.
    selection : KSelection or None
        Silhouette per k and the chosen k.
    stability : Stability or None
        Agreement across seeds.
    silhouette : float
        Silhouette of the final clustering (sampled).
    rfm_profile, cluster_profile : DataFrame
        :func:`profile_segments` of the RFM segments and of the clusters.
    cluster_zmeans : DataFrame
        Standardised feature means per cluster.
    returns : dict
        Report of the return rule; ``rejects`` holds the removed lines.
    warnings : list of str
        Warnings raised on the way (e.g. degenerate scores).

    Examples
    --------
    >>> "segment_sizes" in SegmentationResult.figures.__doc__
    True
    """

    rfm: pd.DataFrame
    segments: pd.DataFrame
    features: pd.DataFrame
    X: np.ndarray = field(repr=False)
    selection: KSelection | None
    stability: Stability | None
    silhouette: float
    rfm_profile: pd.DataFrame
    cluster_profile: pd.DataFrame
    cluster_zmeans: pd.DataFrame
    returns: dict
    rejects: pd.DataFrame = field(repr=False)
    method: str = "kmeans"
    observation_end: str | None = None
    freq: str = "D"
    warnings: list = field(default_factory=list)

    def figures(self) -> dict:
        """Key figures for ``ctx.record``.

        ``n_customers``, ``n_segments`` (non-empty RFM segments), ``segment_sizes``,
        ``top_segment`` and ``top_segment_revenue_share`` (the RFM segment with the
        largest revenue share), ``champions_share``, ``k_chosen``, ``silhouette``,
        ``stability_ari``, ``stability_min_ari``, ``cluster_sizes``, ``method``,
        ``freq``, ``observation_end``, ``n_features``, ``returns_*``.
        """
        prof = self.rfm_profile
        top = prof["share_revenue"].idxmax() if "share_revenue" in prof and len(prof) else None
        sizes = self.rfm["segment"].value_counts()
        figs = {
            "n_customers": int(len(self.rfm)),
            "n_segments": int((sizes > 0).sum()),
            "segment_sizes": {k: int(v) for k, v in sizes.items()},
            "top_segment": top,
            "top_segment_revenue_share": float(prof.loc[top, "share_revenue"]) if top else None,
            "champions_share": float((self.rfm["segment"] == "Champions").mean())
            if len(self.rfm) else 0.0,
            "k_chosen": int(self.segments["cluster"].nunique()),
            "silhouette": self.silhouette,
            "stability_ari": self.stability.mean_ari if self.stability else None,
            "stability_min_ari": self.stability.min_ari if self.stability else None,
            "cluster_sizes": {str(k): int(v) for k, v in
                              self.segments["cluster"].value_counts().sort_index().items()},
            "method": self.method,
            "freq": self.freq,
            "observation_end": self.observation_end,
            "n_features": int(self.features.shape[1]),
            "total_revenue": float(self.rfm["total_spend"].sum()) if len(self.rfm) else 0.0,
        }
        figs.update({f"returns_{k}": v for k, v in self.returns.items()})
        # "A return" is a return line, as in the analysis stage; all lines left out apart.
        figs["returns_lines_left_out"] = figs.pop("returns_removed", 0)
        figs["returns_removed"] = self.returns.get("return_lines", 0)
        return figs


def _prepare_amount(tx: pd.DataFrame) -> pd.DataFrame:
    """Line value: ``amount``, filled from quantity x unit price where missing."""
    has_amount = "amount" in tx
    if has_amount and tx["amount"].notna().all():
        return tx
    tx = tx.copy()
    amount = pd.to_numeric(tx["amount"], errors="coerce") if has_amount else \
        pd.Series(np.nan, index=tx.index)
    if {"quantity", "unit_price"} <= set(tx.columns):
        amount = amount.fillna(pd.to_numeric(tx["quantity"], errors="coerce")
                               * pd.to_numeric(tx["unit_price"], errors="coerce"))
    tx["amount"] = amount
    return tx


def _cluster(features: pd.DataFrame, cfg: SegmentationConfig, seed: int, progress: bool):
    """Scale, choose k, cluster and check stability: ``(method, X, labels, selection,
    stability, silhouette)``; fewer than 4 customers all go to cluster 0 (with a warning)."""
    n = len(features)
    method = cfg.method
    if method == "kmeans" and n > cfg.minibatch_above:
        method = "minibatch_kmeans"
    if n < 4 or features.shape[1] == 0:
        warnings.warn(f"{n} customer(s): too few to cluster; everyone is in cluster 0",
                      stacklevel=3)
        return (method, np.zeros((n, features.shape[1])), np.zeros(n, dtype=np.int64), None,
                None, float("nan"))
    # Small data: one OpenMP/BLAS thread. k-means on a few thousand rows gains nothing from
    # a thread team, and on a busy machine every Lloyd iteration's team waited for cores (the
    # 2,000-person demo: 30 s instead of 3 s, same labels; issue 16).
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    with threadpool_limits(1) if n < 200_000 else nullcontext():
        return _cluster_scaled(features, cfg, seed, progress, method)


def _cluster_scaled(features, cfg: SegmentationConfig, seed: int, progress: bool, method: str):
    """The clustering of :func:`_cluster` for four or more customers."""
    n = len(features)
    X = SkewLogScaler(cfg.skew_threshold if cfg.log_transform else None).fit_transform(features)
    k_hi = min(cfg.k_max, n - 1)
    selection = choose_k(X, range(min(cfg.k_min, k_hi), k_hi + 1), method, cfg.sample_size,
                         seed, cfg.min_cluster_share, progress=progress)
    k = min(cfg.k, n - 1) if cfg.k else selection.k
    labels = make_segmenter(method, k, random_state=seed).fit(X).labels_
    sil = sampled_silhouette(X, labels, cfg.sample_size, seed)
    stability = cluster_stability(X, k, method, [seed + i for i in range(cfg.stability_seeds)],
                                  cfg.sample_size, seed, progress=progress)
    return method, X, labels, selection, stability, sil


def run_segmentation(transactions: pd.DataFrame, config: SegmentationConfig | None = None,
                     events: pd.DataFrame | None = None,
                     interactions: pd.DataFrame | None = None,
                     golden: pd.DataFrame | None = None, seed: int = 0,
                     reference_date=None, customer_col: str = GLOBAL_ID,
                     progress: bool = False) -> SegmentationResult:
    """Run the whole segmentation: returns rule, RFM, scores, features, clustering, profiles.

    Parameters
    ----------
    transactions : DataFrame
        Canonical transaction lines with ``customer_col``, ``timestamp`` and
        ``amount`` (or ``quantity`` and ``unit_price``).
    config : SegmentationConfig, optional
        Stage options (defaults when omitted).
    events, interactions, golden : DataFrame, optional
        Activity and golden tables keyed by ``customer_col``.
    seed : int
        Seed of every random step.
    reference_date : date-like, optional
        End of the window when ``config.observation_end`` is not set.
    customer_col : str
        Customer key column.
    progress : bool
        Progress bars while choosing k and checking stability (interactive use).

    Returns
    -------
    SegmentationResult

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": list("aabbc"), "amount": [5.0, -5.0, 3.0, 4.0, 1.0],
    ...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03",
    ...                                                 "2024-01-09", "2024-01-10"])})
    >>> r = run_segmentation(tx, seed=1)
    >>> r.returns["matched_value"], r.rfm["customer_id"].tolist()  # a's order was cancelled
    (5.0, ['b', 'c'])
    """
    cfg = config or SegmentationConfig()
    caught: list = []
    with warnings.catch_warnings(record=True) as wlist:
        warnings.simplefilter("always")
        tx = _prepare_amount(transactions)
        # The one scope every stage shares (lines with a customer and a date, returns netted).
        handled = purchases_in_scope(tx, cfg, customer_col=customer_col)
        tx, report, rejects = handled.transactions, handled.report, handled.rejects
        end = cfg.observation_end or reference_date
        order_col = "order_id" if cfg.count_orders and "order_id" in tx and \
            tx["order_id"].notna().any() else None
        summary = run_step("rfm", rfm_summary, tx, customer_col, "timestamp", "amount",
                           freq=cfg.freq, observation_end=end, order_col=order_col)
        obs_end = summary.attrs.get("observation_end")
        scored = rfm_segments(summary, bins=cfg.bins, segment_map=cfg.segment_map, ties=cfg.ties)
        ts = pd.to_datetime(tx["timestamp"])
        tx_window = tx[ts.dt.normalize() <= pd.Timestamp(obs_end)] if obs_end else tx
        features = build_customer_features(summary, tx_window, events, interactions,
                                           customer_col=customer_col, groups=cfg.features,
                                           top_categories=cfg.top_categories)
        features = features.loc[:, features.std(ddof=0) > 0] if len(features) > 1 else features
        n = len(features)
        method, X, labels, selection, stability, sil = _cluster(features, cfg, seed, progress)
        names = cluster_labels(features, labels) if n else pd.Series(dtype=object)
        caught = [f"{w.category.__name__}: {w.message}" for w in wlist]
    for w in wlist:  # shown to the user as well as stored
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    rfm = scored.reset_index().rename(columns={scored.index.name or "index": customer_col})
    segments = pd.DataFrame({
        customer_col: rfm[customer_col].to_numpy(),
        "rfm_segment": rfm["segment"].to_numpy(),
        "cluster": labels.astype(np.int64),
        "cluster_label": pd.Series(labels).map(names).to_numpy(dtype=object),
    })
    customers = rfm.assign(cluster=segments["cluster"].to_numpy(),
                           cluster_label=segments["cluster_label"].to_numpy())
    rfm_profile = profile_segments(customers, "segment", tx_window, golden, customer_col)
    order = [s for s in SEGMENT_ORDER if s in rfm_profile.index] + \
        [s for s in rfm_profile.index if s not in SEGMENT_ORDER]
    rfm_profile = rfm_profile.loc[order]
    cluster_profile = profile_segments(customers, "cluster", tx_window, golden, customer_col,
                                       features=features)
    cluster_profile = cluster_profile.sort_index()
    cluster_profile.insert(0, "cluster_label", cluster_profile.index.map(names))
    zmeans = standardised_means(features, labels) if n else pd.DataFrame()
    return SegmentationResult(
        rfm=rfm, segments=segments, features=features, X=np.asarray(X), selection=selection,
        stability=stability, silhouette=sil, rfm_profile=rfm_profile,
        cluster_profile=cluster_profile, cluster_zmeans=zmeans, returns=report,
        rejects=rejects, method=method, observation_end=obs_end, freq=cfg.freq,
        warnings=caught)


def run_stage(run, *, inputs: SegmentationInputs | None = None,
              progress: bool = False) -> SegmentationResult:
    """The segmentation stage on a run: read its tables, segment, write and record.

    The entry every stage package has (``run_stage(run, **options)`` in its ``stage.py``):
    writes the ``rfm`` and ``segments`` tables and ``rfm_profile.csv`` /
    ``cluster_profile.csv``, records the key figures and returns the result.

    Parameters
    ----------
    run : StageRun
        The stage's run (a notebook's ``ctx``).
    inputs : SegmentationInputs, optional
        Already loaded inputs (the notebook shows them first); loaded from the run if not.
    progress : bool
        Progress bars (interactive use).

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd
    >>> from cdmkit.config import ClientConfig
    >>> from cdmkit.stagerun import StageRun
    >>> rng = np.random.default_rng(0)
    >>> run = StageRun("segmentation", ClientConfig(client="a", segmentation={"k_max": 3,
    ...     "stability_seeds": 2}), tempfile.mkdtemp())
    >>> _ = run.write_table("transactions", pd.DataFrame({
    ...     "customer_ref": rng.integers(0, 60, 400).astype(str),
    ...     "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, 400), "D"),
    ...     "amount": rng.gamma(2.0, 20.0, 400).round(2)}))
    >>> res = run_stage(run)
    >>> run.has_table("segments"), "n_customers" in run.figures()
    (True, True)
    """
    inputs = inputs if inputs is not None else load_inputs(run)
    result = run_segmentation(inputs.transactions, run.config.segmentation, events=inputs.events,
                              interactions=inputs.interactions, golden=inputs.golden,
                              seed=run.seed, reference_date=run.config.reference_date,
                              progress=progress)
    run.write_table("rfm", result.rfm)
    run.write_table("segments", result.segments)
    result.rfm_profile.to_csv(run.path("rfm_profile.csv"))
    result.cluster_profile.to_csv(run.path("cluster_profile.csv"))
    run.record(None, **result.figures())
    return result
