"""What a linkage run returns: the scored linkage, the run's report and the stage result.

Examples
--------
>>> from cdmkit.link import score_and_cluster
>>> import pandas as pd
>>> s = score_and_cluster(pd.DataFrame({"record_id": ["1", "2"], "email": ["a@x", "a@x"]}))
>>> s.pairs.tolist(), s.clusters.tolist()
([[0, 1]], [0, 0])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .clustering import cluster_size_table
from .evaluate import blocking_recall, pairwise_scores, true_pairs
from .fellegi_sunter import LevelScorer, PairFrequencies
from .score import probability
from .settings import LinkageSettings

__all__ = ["ScoredLinkage", "LinkageReport", "LinkageResult", "linkage_report"]


@dataclass
class ScoredLinkage:
    """Everything :func:`score_and_cluster` computed (arrays aligned with ``records``/``pairs``).

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.link import score_and_cluster
    >>> s = score_and_cluster(pd.DataFrame({"record_id": ["1", "2"], "email": ["a@x", "a@x"]}))
    >>> s.names, s.pairs.tolist(), s.clusters.tolist()
    (['email'], [[0, 1]], [0, 0])
    """

    records: pd.DataFrame
    settings: LinkageSettings
    comparators: list
    pairs: np.ndarray
    gamma: np.ndarray
    tf: PairFrequencies
    model: LevelScorer
    match_weight: np.ndarray
    rule_counts: pd.DataFrame
    clusters: np.ndarray
    anomalies: pd.DataFrame
    threshold_weight: float
    mode: str
    truth: np.ndarray | None = None
    #: Pairs whose first and last names were compared crosswise (written in the other order).
    names_swapped: np.ndarray | None = None

    @property
    def match_probability(self) -> np.ndarray:
        """Match probability of each pair (from its weight; computed on access, not stored)."""
        return probability(self.match_weight)

    @property
    def names(self) -> list[str]:
        """Comparison names."""
        return [c.name for c in self.settings.comparisons]

    @property
    def level_names(self) -> list[list[str]]:
        """Level names of each comparison."""
        return [c.level_names for c in self.comparators]

    def params(self) -> pd.DataFrame:
        """m, u and weight per comparison level, and the prior (lambda)."""
        return self.model.params_frame(self.names, self.level_names)

    def pairs_frame(self) -> pd.DataFrame:
        """Scored pairs with record keys, weights, probabilities and comparison levels.

        Built for tens of millions of pairs: sources and record keys are categoricals
        (small integer codes into the records' values), and the weight, the swap flag
        and the level columns share memory with this object's arrays instead of copying
        them (treat the frame as read-only, or copy it before changing it in place).
        """
        rec = self.records
        i, j = self.pairs[:, 0], self.pairs[:, 1]
        sources = pd.Categorical(rec["source"])
        rcodes, rvalues = pd.factorize(rec["record_id"])
        rcodes = rcodes.astype(np.int32 if len(rvalues) < 2 ** 31 else np.int64)
        rvalues = pd.Index(rvalues)
        swapped = (self.names_swapped if self.names_swapped is not None
                   else np.zeros(len(self.pairs), dtype=bool))
        cols = {
            "source_l": sources[i], "record_id_l": pd.Categorical.from_codes(rcodes[i], rvalues),
            "source_r": sources[j], "record_id_r": pd.Categorical.from_codes(rcodes[j], rvalues),
            "match_weight": self.match_weight, "match_probability": self.match_probability,
            "tf_adjustment": self.model.tf_weight(self.gamma, self.tf),
            "names_swapped": swapped,
        }
        for k, name in enumerate(self.names):
            cols[f"gamma_{name}"] = self.gamma[:, k]
        # copy=False: one block per column, no consolidation into 2-D copies
        return pd.DataFrame(cols, copy=False)


@dataclass
class LinkageReport:
    """Figures and tables describing one linkage run (see :meth:`figures`).

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.link import resolve_identities
    >>> r = resolve_identities(pd.DataFrame({"record_id": ["1"], "email": ["a@x"]}))
    >>> r.report.n_records, r.report.n_customers
    (1, 1)
    """

    n_records: int
    n_sources: int
    n_candidate_pairs: int
    n_links: int
    n_customers: int
    n_households: int
    threshold: float
    threshold_weight: float
    mode: str
    lambda_: float
    em_iterations: int | None
    em_converged: bool | None
    rule_counts: pd.DataFrame
    cluster_sizes: pd.DataFrame
    anomalies: pd.DataFrame
    id_counts: dict = field(default_factory=dict)
    blocking_recall: float | None = None
    scores: dict | None = None
    household_scores: dict | None = None
    n_names_swapped: int = 0
    #: Which saved model scored the run and whether it was trained or reused, drift and
    #: the retrain dry run (:meth:`cdmkit.link.model.ModelChoice.figures`).
    model: dict = field(default_factory=dict)

    def figures(self) -> dict:
        """Key figures for ``ctx.record`` (summary.json).

        Examples
        --------
        >>> r = LinkageReport(10, 1, 5, 2, 8, 8, 0.5, 0.0, "unsupervised", 0.1, 3, True,
        ...                   pd.DataFrame(), pd.DataFrame({"cluster_size": [1], "clusters": [8],
        ...                   "records": [8]}), pd.DataFrame())
        >>> r.figures()["singletons_share"]
        1.0
        """
        cs = self.cluster_sizes
        singles = int(cs.loc[cs["cluster_size"] == 1, "clusters"].sum()) if len(cs) else 0
        out = {
            "n_records": self.n_records, "n_sources": self.n_sources,
            "n_candidate_pairs": self.n_candidate_pairs, "n_links": self.n_links,
            "n_customers": self.n_customers, "n_households": self.n_households,
            "threshold": self.threshold, "threshold_weight": self.threshold_weight,
            "mode": self.mode, "lambda": self.lambda_, "em_iterations": self.em_iterations,
            "em_converged": self.em_converged,
            "singletons_share": singles / self.n_customers if self.n_customers else 0.0,
            "max_cluster_size": int(cs["cluster_size"].max()) if len(cs) else 0,
            "n_anomalies": int(len(self.anomalies)),
            "dedup_rate": 1 - self.n_customers / self.n_records if self.n_records else 0.0,
            "id_new": int(self.id_counts.get("new", 0)),
            "id_merged": int(self.id_counts.get("merge", 0)),
            "id_split": int(self.id_counts.get("split", 0)),
            "n_names_swapped": int(self.n_names_swapped),
        }
        out.update(self.model)
        if self.blocking_recall is not None:
            out["blocking_recall"] = self.blocking_recall
        if self.scores:
            out.update({k: self.scores[k] for k in ("precision", "recall", "f1")})
        if self.household_scores:
            out.update({f"household_{k}": self.household_scores[k]
                        for k in ("precision", "recall", "f1")})
        return out


@dataclass
class LinkageResult:
    """Output of :func:`resolve_identities`.

    Attributes
    ----------
    customer_map : DataFrame
        ``source, record_id, customer_id, household_id``.
    golden : DataFrame
        One row per ``customer_id`` with golden fields and ``<field>_source``/``<field>_record``.
    pairs : DataFrame
        Scored candidate pairs (keys, ``match_weight``, ``match_probability``, levels).
    id_changes : DataFrame
        ``run_id, event, customer_id, other_id`` (new/merge/split) of this run.
    params : DataFrame
        m, u, weight per comparison level and the prior (lambda).
    report : LinkageReport
    scored : ScoredLinkage
        Arrays behind the tables (for explanations and review).
    choice : ModelChoice, optional
        The linkage model that scored the run, whether it was trained or reused, the
        drift check and a retrain's dry run (:mod:`cdmkit.link.model`).

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.link import resolve_identities
    >>> res = resolve_identities(pd.DataFrame({"record_id": ["1", "2"], "email": ["a@x", "a@x"]}))
    >>> res.customer_map["customer_id"].nunique(), len(res.golden)
    (1, 1)
    """

    customer_map: pd.DataFrame
    golden: pd.DataFrame
    pairs: pd.DataFrame
    id_changes: pd.DataFrame
    params: pd.DataFrame
    report: LinkageReport
    scored: ScoredLinkage
    choice: object = None

    @property
    def model(self):
        """The :class:`~cdmkit.link.model.LinkageModel` that scored this run."""
        return None if self.choice is None else self.choice.model

    @property
    def retrain_preview(self):
        """IDs a requested or proposed retrain would change (``RetrainPreview``), or ``None``."""
        return None if self.choice is None else self.choice.preview

    @property
    def settings(self) -> LinkageSettings:
        """The settings used (save with ``result.settings.to_json(path)``)."""
        return self.scored.settings

    def explain(self, pair: int, values: bool = False) -> pd.DataFrame:
        """Weight table of pair number ``pair`` (row of :attr:`pairs`); see :func:`explain_pair`."""
        from .explain import explain_pair

        return explain_pair(self.scored, pair, values=values)


def linkage_report(records, scored, ids, households, changes, choice, truth=None,
                   hh_truth=None) -> LinkageReport:
    """The :class:`LinkageReport` of a run (evaluation figures when ``truth`` is given)."""
    link_only = scored.settings.link_type == "link_only"
    rep_truth = {}
    if truth is not None:
        rep_truth["blocking_recall"] = blocking_recall(scored.pairs, truth, records["source"],
                                                       link_only)
        rep_truth["scores"] = pairwise_scores(ids, truth, records["source"], link_only)
        rep_truth["scores"]["true_pairs"] = true_pairs(truth, records["source"], link_only)
        if hh_truth is not None:
            rep_truth["household_scores"] = pairwise_scores(households, hh_truth)
    fs = scored.model
    return LinkageReport(
        n_records=len(records), n_sources=int(records["source"].nunique()),
        n_candidate_pairs=int(len(scored.pairs)),
        n_links=int((scored.match_weight >= scored.threshold_weight).sum()),
        n_customers=int(pd.Series(ids).nunique()),
        n_households=int(pd.Series(households).nunique()),
        threshold=scored.settings.threshold, threshold_weight=scored.threshold_weight,
        mode=scored.mode, lambda_=float(getattr(fs, "lambda_", np.nan)),
        em_iterations=getattr(fs, "n_iter_", None), em_converged=getattr(fs, "converged_", None),
        rule_counts=_rule_table(scored.rule_counts, truth, records, link_only),
        cluster_sizes=cluster_size_table(pd.factorize(pd.Series(ids))[0]),
        anomalies=_anomaly_table(scored.anomalies, records),
        id_counts=changes["event"].value_counts().to_dict(),
        n_names_swapped=int(scored.names_swapped.sum()) if scored.names_swapped is not None
        else 0, model=choice.figures(), **rep_truth)


def _rule_table(counts, truth, records, link_only):
    out = counts.copy()
    if truth is not None and "true_pairs_found" in out:
        total = true_pairs(truth, records["source"], link_only)
        out["recall"] = out["true_pairs_found"] / total if total else np.nan
    return out


def _anomaly_table(anomalies, records):
    if not len(anomalies):
        return anomalies.assign(source=pd.Series(dtype=object), record_id=pd.Series(dtype=object))
    out = anomalies.copy()
    out["source"] = records["source"].to_numpy()[out["first_record"]]
    out["record_id"] = records["record_id"].to_numpy()[out["first_record"]]
    return out
