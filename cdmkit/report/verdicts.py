"""Plain-language verdicts on the fitted models of a run, with the evidence behind them.

A model that "converged" can still be useless: a Pareto/NBD whose drop-out
parameters ran off to a boundary (``s`` = 0.0002, ``β`` = 130,005 days) says that
nobody ever leaves, so every p_alive is about 1 and every CLV is too high. A
churn model with a precision of 1.0 among its top 10 % is no achievement when
82 % of all customers churn. Each verdict here says whether a figure can be
used, why, and which figures not to use, from the figures a run records
(``summary.json``) and, where a check needs them, a few evidence figures
computed from the run's tables (:func:`evidence_figures`).

Verdicts are one of ``usable``, ``use with care``, ``do not use`` or ``not run``.

Examples
--------
>>> v = transaction_model_verdict("paretonbd", {
...     "paretonbd_params": {"r": 0.6, "alpha": 40.0, "s": 0.0002, "beta": 130005.0},
...     "paretonbd_converged": True, "clv_span": 373.0, "time_unit": "D"})
>>> v.status
'do not use'
>>> "P(alive)" in ", ".join(v.avoid)
True
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from ..display import MODEL_LABELS as MODEL_LABELS_ALL

__all__ = ["Verdict", "USABLE", "CARE", "AVOID", "NOT_RUN", "transaction_model_verdict",
           "spend_model_verdict", "churn_verdict", "clustering_verdict", "linkage_verdict",
           "assess", "evidence_figures", "verdict_table", "all_usable", "MODEL_NAMES",
           "caution_note", "silhouette_band", "SILHOUETTE_BANDS"]

USABLE = "usable"
CARE = "use with care"
AVOID = "do not use"
NOT_RUN = "not run"
_RANK = {USABLE: 0, NOT_RUN: 0, CARE: 1, AVOID: 2}

#: Internal model key -> name shown to people.
MODEL_NAMES = {"bgnbd": "BG/NBD (purchases, P(alive))",
               "paretonbd": "Pareto/NBD (purchases, P(alive))",
               "gammagamma": "Gamma-Gamma (spend per purchase)"}
_SHORT = {"bgnbd": "bgnbd", "paretonbd": "paretonbd", "gammagamma": "gg"}
# Shape parameters have no unit: far outside this range the optimiser ran to a boundary.
_SHAPE_PARAMS = {"bgnbd": ("r", "a", "b"), "paretonbd": ("r", "s"), "gammagamma": ("p", "q")}
_EDGE = (1e-3, 1e4)
_UNIT_WORDS = {"D": "days", "W": "weeks", "M": "months", "Y": "years"}


@dataclass
class Verdict:
    """The verdict on one model or method of a run.

    Attributes
    ----------
    subject : str
        What is judged, as people call it ("Pareto/NBD (purchases, P(alive))").
    status : str
        ``usable``, ``use with care``, ``do not use`` or ``not run``.
    summary : str
        One plain sentence: what the verdict means for someone using the figures.
    evidence : list of str
        The numbers behind the verdict.
    avoid : list of str
        Figures of the report not to use (empty when all can be used).
    stage : str
        The stage whose report shows the model.

    Examples
    --------
    >>> Verdict("Clustering", USABLE, "Clusters are distinct.").worse_than(CARE)
    False
    """

    subject: str
    status: str
    summary: str
    evidence: list = field(default_factory=list)
    avoid: list = field(default_factory=list)
    stage: str = "analysis"

    def worse_than(self, status: str) -> bool:
        """Whether this verdict is more severe than ``status``."""
        return _RANK[self.status] > _RANK[status]

    def to_dict(self) -> dict:
        """Plain dict (for ``summary.json``)."""
        return asdict(self)


def _num(value) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _sentence(problems: list[tuple[str, str]]) -> str:
    """The problems as one sentence (first letter capitalised, the rest kept: "ROC", "F1")."""
    text = "; ".join(p for _, p in problems)
    return text[:1].upper() + text[1:] + "."


def _worst(problems: list[tuple[str, str]]) -> str:
    return max((s for s, _ in problems), key=_RANK.get, default=USABLE)


def _dropout_share(model: str, params: dict, span: float) -> float | None:
    """Share of customers the fitted model lets drop out within ``span`` time units."""
    from scipy.special import betaln

    try:
        if model == "paretonbd":
            s, beta = params["s"], params["beta"]
            return float(1 - (beta / (beta + span)) ** s)
        if model == "bgnbd":
            r, alpha, a, b = params["r"], params["alpha"], params["a"], params["b"]
            n = min(r / alpha * span, 1e6)  # purchases of an average customer over the span
            # P(still alive after n purchases) = B(a, b + n) / B(a, b).
            return float(1 - math.exp(betaln(a, b + n) - betaln(a, b)))
    except (KeyError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return None


def transaction_model_verdict(model: str, figures: dict) -> Verdict:
    """Verdict on a BG/NBD or Pareto/NBD fit from the analysis figures.

    Checks, in order of severity: the optimiser's convergence; shape parameters at
    the edge of their range; the share of customers the fitted model lets drop
    out over a period as long as the data (below 1 %: the model says nobody
    leaves, so p_alive ≈ 1 and CLV is inflated); p_alive of customers who have
    been silent for three times their usual gap (``p_alive_lapsed_mean``); and, for
    the model used for the CLV table, the holdout error against the naive
    forecast and the total holdout error.

    Parameters
    ----------
    model : str
        ``bgnbd`` or ``paretonbd``.
    figures : dict
        The analysis stage's figures (``summary.json["stages"]["analysis"]``),
        with the evidence figures of :func:`evidence_figures` when available.

    Returns
    -------
    Verdict

    Examples
    --------
    >>> f = {"bgnbd_params": {"r": 0.8, "alpha": 9.0, "a": 0.6, "b": 2.5},
    ...      "bgnbd_converged": True, "clv_main_model": "bgnbd", "clv_span": 52.0,
    ...      "holdout_mae": 0.30, "holdout_naive_mae": 0.42, "holdout_total_error_pct": -4.0}
    >>> transaction_model_verdict("bgnbd", f).status
    'usable'
    """
    short = _SHORT[model]
    name = MODEL_NAMES[model]
    params = figures.get(f"{short}_params")
    if not params:
        return Verdict(name, NOT_RUN, "Not fitted in this run.", stage="analysis")
    unit = _UNIT_WORDS.get(figures.get("time_unit", ""), figures.get("time_unit", ""))
    problems: list[tuple[str, str]] = []
    evidence = ["parameters: " + ", ".join(f"{k} = {v:,.4g}" for k, v in params.items())
                + (f" (times in {unit})" if unit else "")]
    avoid: list[str] = []
    if figures.get(f"{short}_converged") is False:
        problems.append((AVOID, "the optimiser did not converge"))
    edge = [f"{k} = {params[k]:.3g}" for k in _SHAPE_PARAMS[model]
            if k in params and not (_EDGE[0] <= params[k] <= _EDGE[1])]
    if edge:
        problems.append((AVOID, "parameters ran to the edge of their range (" + ", ".join(edge)
                         + "): the data do not identify the model"))
    span = _num(figures.get("clv_span"))
    if span:
        share = _dropout_share(model, params, span)
        if share is not None:
            evidence.append(f"the fit lets {share:.2%} of customers drop out over {span:,.0f} "
                            f"{unit or 'time units'} (the length of the data)")
            if share < 0.01:
                problems.append((AVOID, "the fit says practically nobody ever stops buying (the "
                                        "data do not identify drop-out), so P(alive) and CLV "
                                        "are too high for every customer who does leave"))
    is_main = figures.get("clv_main_model") == model
    lapsed = _num(figures.get("p_alive_lapsed_mean"))
    n_lapsed = int(figures.get("n_lapsed") or 0)
    if is_main and lapsed is not None and n_lapsed >= 10:
        evidence.append(f"mean P(alive) of {n_lapsed:,} customers silent for over three times "
                        f"their usual gap between purchases: {lapsed:.2f}")
        if lapsed > 0.9:
            problems.append((AVOID, "customers who stopped buying keep a P(alive) near 1"))
    churn = _num(figures.get("churn_base_rate"))
    mean_alive = _num(figures.get("mean_p_alive"))
    if is_main and mean_alive is not None and churn is not None:
        evidence.append(f"mean P(alive) {mean_alive:.2f}; share of customers who churned in the "
                        f"churn test {churn:.0%}")
    if any(s == AVOID for s, _ in problems):
        avoid += ["P(alive)", "expected purchases", "CLV"]
    if is_main:
        mae, naive = _num(figures.get("holdout_mae")), _num(figures.get("holdout_naive_mae"))
        total = _num(figures.get("holdout_total_error_pct"))
        if mae is not None and naive is not None:
            evidence.append(f"holdout error per customer (MAE) {mae:.3f} against {naive:.3f} for "
                            "the naive forecast (each customer keeps her past rate)")
            if mae >= naive:
                problems.append((CARE, "its forecast is no better than the naive one"))
                avoid.append("expected purchases")
        if total is not None:
            word = "under" if total < 0 else "over"
            evidence.append(f"holdout: total purchases {word}-predicted by {abs(total):.0f}%")
            if abs(total) > 20:
                problems.append((CARE, f"it {word}-predicts total purchases by "
                                       f"{abs(total):.0f}% on the holdout period"))
                avoid += ["expected purchases total", "CLV total"]
    status = _worst(problems)
    if not problems:
        summary = ("Fits the data and forecasts the holdout period well enough; P(alive) and CLV "
                   "can be used." if is_main else "Fits the data; not the model behind the CLV "
                   "table.")
    else:
        summary = _sentence(problems)
    return Verdict(name, status, summary, evidence, list(dict.fromkeys(avoid)), "analysis")


def spend_model_verdict(figures: dict) -> Verdict:
    """Verdict on the Gamma-Gamma spend model.

    Examples
    --------
    >>> spend_model_verdict({"gg_params": {"p": 6.0, "q": 0.8, "v": 20.0},
    ...                      "gg_converged": True}).status
    'do not use'
    """
    name = MODEL_NAMES["gammagamma"]
    params = figures.get("gg_params")
    if not params:
        return Verdict(name, NOT_RUN, "Not fitted (no amounts, or too few repeat buyers).")
    problems: list[tuple[str, str]] = []
    evidence = ["parameters: " + ", ".join(f"{k} = {v:,.4g}" for k, v in params.items())]
    if figures.get("gg_converged") is False:
        problems.append((AVOID, "the optimiser did not converge"))
    edge = [f"{k} = {params[k]:.3g}" for k in _SHAPE_PARAMS["gammagamma"]
            if k in params and not (_EDGE[0] <= params[k] <= _EDGE[1])]
    if edge:
        problems.append((AVOID, "parameters ran to the edge of their range (" + ", ".join(edge)
                         + ")"))
    if params.get("q", 2.0) <= 1:
        problems.append((AVOID, f"q = {params['q']:.2f} ≤ 1: the model's mean spend is infinite"))
    corr = _num(figures.get("spend_frequency_corr"))
    if corr is not None:
        evidence.append(f"correlation of purchase frequency and average spend: {corr:.2f} "
                        "(the model assumes none)")
        if abs(corr) > 0.3:
            problems.append((CARE, "spend per purchase depends on how often customers buy, "
                                   "which the model assumes it does not"))
    status = _worst(problems)
    avoid = ["expected spend", "CLV"] if status == AVOID else []
    summary = ("Fits; expected spend per purchase can be used." if not problems else
               _sentence(problems))
    return Verdict(name, status, summary, evidence, avoid, "analysis")


#: Churn thresholds. A probability off the observed rate by more than 5 points is not a
#: probability to budget with (expected calibration error; Niculescu-Mizil & Caruana 2005
#: call 0.05 good calibration for such data). Lift is judged against what the base rate
#: leaves possible: the share of the gap between the base rate and a perfect top k closed.
CALIBRATION_GAP_OK = 0.05
BRIER_SKILL_MIN = 0.10
LIFT_MIN = 1.5
GAIN_MIN = 0.5


def _precision_problems(prec: float, base: float, k_text: str, evidence: list,
                        avoid: list) -> list:
    """Precision at top k judged against the base rate (lift and the share of the possible
    gain achieved: ``(precision - base) / (1 - base)``)."""
    lift, gain = prec / base, (prec - base) / (1 - base)
    evidence.append(f"precision at {k_text} {prec:.2f} against a base rate of {base:.2f}: "
                    f"{lift:.2f} times a random pick (at most {1 / base:.2f} possible; "
                    f"{gain:.0%} of the possible gain over a random pick)")
    if base >= 0.5:
        avoid.append(f"precision at {k_text} as a measure of skill")
        return [(CARE, f"{base:.0%} of customers churn by this definition, so picking at random "
                       "already finds mostly churners (is the churn window too short for how "
                       "often they buy?)")]
    if lift < 1.1:
        avoid.append(f"precision at {k_text}")
        return [(AVOID, "its top-ranked customers churn no more often than average")]
    if lift < LIFT_MIN or gain < GAIN_MIN / 2:
        avoid.append(f"precision at {k_text}")
        return [(CARE, f"its top-ranked customers churn only {lift:.1f} times as often as "
                       f"average (below {LIFT_MIN:g} is weak targeting)")]
    return []


def churn_verdict(figures: dict) -> Verdict:
    """Verdict on the churn model: ranking skill, lift over the base rate, calibration.

    Examples
    --------
    >>> v = churn_verdict({"churn_best_model": "gbm", "churn_auc": 0.85, "precision_at_k": 1.0,
    ...                    "churn_base_rate": 0.82, "churn_top_k": 0.1, "churn_brier_gbm": 0.11})
    >>> v.status, "precision at top 10%" in v.avoid[0]
    ('use with care', True)
    """
    name = "Churn model"
    if figures.get("churn_skipped") or "churn_auc" not in figures:
        why = figures.get("churn_skipped") or "not run"
        return Verdict(name, NOT_RUN, f"Not fitted: {why}.")
    best = figures.get("churn_best_model", "")
    name = f"Churn model ({MODEL_LABELS_ALL.get(best, best)})" if best else name
    auc = _num(figures.get("churn_auc")) or 0.5
    base = _num(figures.get("churn_base_rate"))
    prec = _num(figures.get("precision_at_k"))
    top_k = _num(figures.get("churn_top_k")) or 0.1
    k_text = f"top {top_k:.0%}" if top_k <= 1 else f"top {top_k:.0f}"
    problems: list[tuple[str, str]] = []
    avoid: list[str] = []
    evidence = [f"ROC AUC on later data {auc:.2f} (0.5 = guessing)"]
    if auc < 0.6:
        problems.append((AVOID, "it ranks customers barely better than chance"))
    elif auc < 0.7:
        problems.append((CARE, "it ranks customers only somewhat better than chance"))
    if prec is not None and base is not None and 0 < base < 1:
        problems += _precision_problems(prec, base, k_text, evidence, avoid)
    brier = _num(figures.get(f"churn_brier_{best}"))
    if brier is not None and base is not None and 0 < base < 1:
        ref = base * (1 - base)
        skill = 1 - brier / ref
        evidence.append(f"Brier score {brier:.3f} against {ref:.3f} for always predicting the "
                        f"base rate (skill {skill:.2f}; below {BRIER_SKILL_MIN:.2f}: no useful "
                        "probabilities)")
        if skill < BRIER_SKILL_MIN:
            problems.append((CARE, "its probabilities are hardly better than the base rate"))
            avoid.append("churn probabilities as probabilities")
    gap = _num(figures.get("churn_calibration_gap"))
    if gap is not None:
        evidence.append(f"calibration: predicted and observed churn differ by {gap:.2f} on "
                        f"average over equal-sized score bins (up to {CALIBRATION_GAP_OK:.2f} "
                        "is calibrated)")
        if gap > CALIBRATION_GAP_OK:
            problems.append((CARE, f"a predicted probability is off the observed churn rate by "
                                   f"{gap:.2f} on average: use the ranking, not the "
                                   "probabilities"))
            avoid.append("churn probabilities as probabilities")
    status = _worst(problems)
    summary = ("Ranks customers by churn risk well and its probabilities are calibrated." if not
               problems else _sentence(problems))
    return Verdict(name, status, summary, evidence, list(dict.fromkeys(avoid)), "analysis")


#: Silhouette bands of Kaufman & Rousseeuw (1990, *Finding Groups in Data*, ch. 2), the
#: usual guidance: (lower bound, band, verdict, what it means for the clusters).
SILHOUETTE_BANDS = (
    (0.70, "strong structure", USABLE, ""),
    (0.50, "reasonable structure", USABLE, ""),
    (0.25, "weak structure", CARE, "the cluster structure is weak (it could be artificial): "
     "the clusters describe customers but are not distinct groups to target separately"),
    (-1.0, "no substantial structure", AVOID, "there is no substantial cluster structure: the "
     "clusters are arbitrary slices of a continuum"),
)


def silhouette_band(sil: float) -> tuple[str, str, str]:
    """The band of a silhouette score: its name, the verdict and what it means.

    Examples
    --------
    >>> silhouette_band(0.29)[:2]
    ('weak structure', 'use with care')
    >>> silhouette_band(0.72)[0], silhouette_band(0.1)[1]
    ('strong structure', 'do not use')
    """
    for low, band, status, meaning in SILHOUETTE_BANDS:
        if sil >= low:
            return band, status, meaning
    return SILHOUETTE_BANDS[-1][1:]


def clustering_verdict(figures: dict) -> Verdict:
    """Verdict on the customer clusters from the segmentation figures.

    Examples
    --------
    >>> clustering_verdict({"silhouette": 0.08, "stability_min_ari": 0.5, "k_chosen": 4,
    ...                     "cluster_sizes": {"0": 50, "1": 50}}).status
    'do not use'
    >>> clustering_verdict({"silhouette": 0.29, "cluster_sizes": {"0": 50, "1": 50}}).status
    'use with care'
    """
    name = "Customer clusters"
    sil = _num(figures.get("silhouette"))
    if sil is None and not figures.get("cluster_sizes"):
        return Verdict(name, NOT_RUN, "No clustering in this run.", stage="segmentation")
    problems: list[tuple[str, str]] = []
    evidence = []
    k = figures.get("k_chosen")
    if k:
        evidence.append(f"{k} clusters ({figures.get('method', 'clustering')})")
    if sil is not None:
        band, status, meaning = silhouette_band(sil)
        evidence.append(f"silhouette {sil:.2f}: {band} (Kaufman & Rousseeuw 1990: above 0.70 "
                        "strong, 0.50–0.70 reasonable, 0.25–0.50 weak, below 0.25 no "
                        "substantial structure)")
        if status != USABLE:
            problems.append((status, meaning))
    ari = _num(figures.get("stability_min_ari"))
    if ari is not None:
        evidence.append(f"stability on resampled data: worst adjusted Rand index {ari:.2f} "
                        "(1 = identical)")
        if ari < 0.6:
            problems.append((CARE, "the clusters change when the data are resampled"))
    sizes = figures.get("cluster_sizes") or {}
    total = sum(sizes.values()) if sizes else 0
    if total:
        small = min(sizes.values()) / total
        evidence.append(f"smallest cluster {small:.1%} of customers")
        if small < 0.02:
            problems.append((CARE, "one cluster holds under 2% of customers"))
    status = _worst(problems)
    avoid = ["cluster labels as distinct groups"] if status == AVOID else []
    strength = silhouette_band(sil)[0].capitalize() if sil is not None else "Stable"
    summary = (f"{strength}, stable clusters." if not problems else
               _sentence(problems))
    return Verdict(name, status, summary, evidence, avoid, "segmentation")


def linkage_verdict(figures: dict) -> Verdict:
    """Verdict on identity linkage from the linkage figures.

    Examples
    --------
    >>> linkage_verdict({"n_customers": 309, "precision": 0.98, "recall": 0.96, "f1": 0.97,
    ...                  "em_converged": True, "max_cluster_size": 4}).status
    'usable'
    """
    name = "Identity linkage"
    why = (figures or {}).get("skipped") or (figures or {}).get("linkage_skipped")
    if not figures or why or "n_customers" not in figures:
        why = why if isinstance(why, str) else None
        return Verdict(name, NOT_RUN, f"Not run{': ' + why if why else ''}.",
                       stage="linkage")
    problems: list[tuple[str, str]] = []
    evidence = []
    if figures.get("em_converged") is False:
        problems.append((AVOID, "the match model's estimation did not converge"))
    p, r, f1 = (_num(figures.get(k)) for k in ("precision", "recall", "f1"))
    if f1 is not None:
        evidence.append(f"against labelled records: precision {p:.3f}, recall {r:.3f}, "
                        f"F1 {f1:.3f}")
        if f1 < 0.85:
            problems.append((AVOID if f1 < 0.7 else CARE,
                             f"only {f1:.0%} F1 against the labelled records"))
    else:
        evidence.append("no labelled records: precision and recall are not measured")
        problems.append((CARE, "its accuracy is not measured on this data: check the review "
                               "sample before relying on merged customers"))
    biggest = figures.get("max_cluster_size")
    if biggest is not None:
        evidence.append(f"largest merged customer: {biggest} records")
        if biggest > 20:
            problems.append((CARE, f"one customer merges {biggest} records (over-merging?)"))
    review = figures.get("n_review_candidates")
    if review:
        evidence.append(f"{review:,} pairs near the threshold to review")
    status = _worst(problems)
    summary = ("Accurate against labelled records." if not problems else
               _sentence(problems))
    return Verdict(name, status, summary, evidence, [], "linkage")


def evidence_figures(clv_table: pd.DataFrame | None = None,
                     churn_calibration: pd.DataFrame | None = None,
                     churn_model: str | None = None, silent_factor: float = 3.0) -> dict:
    """Figures computed from a run's tables that the verdicts need.

    Parameters
    ----------
    clv_table : DataFrame, optional
        The ``clv`` table (``frequency``, ``recency``, ``T``, ``p_alive``).
    churn_calibration : DataFrame, optional
        ``model``, ``predicted``, ``observed`` per score bin.
    churn_model : str, optional
        The model whose calibration is judged (default: all rows).
    silent_factor : float
        A repeat buyer is *lapsed* when her time since the last purchase exceeds this
        many times her average gap between purchases.

    Returns
    -------
    dict
        ``clv_span`` (longest customer history), ``n_lapsed``, ``p_alive_lapsed_mean``,
        ``churn_calibration_gap`` (mean absolute gap), those that can be computed.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"frequency": [4, 4, 0], "recency": [8.0, 8.0, 0.0],
    ...                   "T": [50.0, 9.0, 5.0], "p_alive": [0.99, 0.9, 1.0]})
    >>> evidence_figures(t)
    {'clv_span': 50.0, 'n_lapsed': 1, 'p_alive_lapsed_mean': 0.99}
    """
    out: dict = {}
    if clv_table is not None and len(clv_table) and {"frequency", "recency", "T",
                                                      "p_alive"} <= set(clv_table.columns):
        t = clv_table
        out["clv_span"] = float(t["T"].max())
        f = t["frequency"].astype(float)
        gap = np.where(f > 0, t["recency"].astype(float) / f.where(f > 0, 1.0), np.nan)
        silence = t["T"].astype(float) - t["recency"].astype(float)
        lapsed = (f >= 2) & (silence > silent_factor * gap) & t["p_alive"].notna()
        out["n_lapsed"] = int(lapsed.sum())
        if lapsed.any():
            out["p_alive_lapsed_mean"] = round(float(t.loc[lapsed, "p_alive"].mean()), 4)
    if churn_calibration is not None and len(churn_calibration):
        c = churn_calibration
        if churn_model is not None and "model" in c:
            c = c[c["model"] == churn_model]
        if len(c):
            out["churn_calibration_gap"] = round(float((c["predicted"] - c["observed"])
                                                       .abs().mean()), 4)
    return out


def assess(stages: dict) -> list[Verdict]:
    """Every verdict of a run, from ``summary.json["stages"]`` (missing stages: not run).

    Examples
    --------
    >>> [v.subject for v in assess({})][:2]
    ['Identity linkage', 'Customer clusters']
    """
    link = dict(stages.get("linkage") or {})
    seg = stages.get("segmentation") or {}
    ana = stages.get("analysis") or {}
    out = [linkage_verdict(link), clustering_verdict(seg)]
    models = [m for m in ("bgnbd", "paretonbd") if f"{_SHORT[m]}_params" in ana] or ["bgnbd"]
    main = ana.get("clv_main_model")
    models.sort(key=lambda m: m != main)  # the model behind the CLV table first
    out += [transaction_model_verdict(m, ana) for m in models]
    out += [spend_model_verdict(ana), churn_verdict(ana)]
    return out


def all_usable(verdicts: list[Verdict]) -> bool:
    """Whether no verdict asks for care or advises against use.

    Examples
    --------
    >>> all_usable([Verdict("x", USABLE, "ok"), Verdict("y", NOT_RUN, "-")])
    True
    """
    return not any(v.worse_than(USABLE) for v in verdicts)


def verdict_table(verdicts: list[Verdict]) -> pd.DataFrame:
    """The verdicts as a table for people: model, verdict, what it means, evidence, avoid.

    Examples
    --------
    >>> verdict_table([Verdict("x", CARE, "Check it.", ["a", "b"], ["CLV"])]).columns.tolist()
    ['Model', 'Verdict', 'What it means', 'Evidence', 'Do not use']
    """
    return pd.DataFrame({
        "Model": [v.subject for v in verdicts],
        "Verdict": [v.status for v in verdicts],
        "What it means": [v.summary for v in verdicts],
        "Evidence": ["; ".join(v.evidence) for v in verdicts],
        "Do not use": [", ".join(v.avoid) for v in verdicts],
    })


def caution_note(judged: list[Verdict], stage: str = "analysis") -> str:
    """A warning to print right above figures that a verdict says not to use ("" when none).

    Reports show tables before the verdict section; a reader of one table alone must
    still see that its figures are not to be sent.

    Examples
    --------
    >>> caution_note([Verdict("BG/NBD", AVOID, "Nobody ever stops buying.", [], ["CLV"])])
    '**Do not use:** CLV — BG/NBD: Nobody ever stops buying. (See the verdicts.)'
    >>> caution_note([Verdict("BG/NBD", USABLE, "Fine.")])
    ''
    """
    bad = [v for v in judged if v.stage == stage and v.status == AVOID and v.avoid]
    if not bad:
        return ""
    avoid = list(dict.fromkeys(a for v in bad for a in v.avoid))
    why = " ".join(f"{v.subject}: {v.summary}" for v in bad)
    return f"**Do not use:** {', '.join(avoid)} — {why} (See the verdicts.)"
