"""The analysis stage's steps as functions of (inputs, config); ``stage.run_stage`` chains them.

Each ``run_*`` function returns a small result dataclass. When the data cannot
support a section (no amounts, too short a history, no repeat buyers), the
result says why in ``notes`` / ``skipped`` instead of raising, so the notebook
degrades gracefully and the report explains what is missing. The inputs are read
by :func:`cdmkit.analyze.inputs.load_inputs`.

Examples
--------
>>> import pandas as pd
>>> from cdmkit.config import AnalysisConfig
>>> from cdmkit.analyze.inputs import AnalysisInputs
>>> tx = pd.DataFrame({"customer_id": ["1", "1", "2"], "amount": [3.0, 4.0, 5.0],
...     "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-15"])})
>>> inp = AnalysisInputs(tx, 0, None, None, None, None, None, True, pd.Timestamp("2024-02-01"))
>>> run_cohorts(inp, AnalysisConfig()).retention.shape[0] >= 1
True
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config.engine import run_step
from ..model import GLOBAL_ID
from ._checks import AnalysisInputError
from .churn import ChurnReport, churn_features, fit_churn, time_split
from .clv import (BetaGeo, GammaGamma, customer_lifetime_value, per_step_rate,
                  spend_frequency_correlation)
from .cohorts import (cohort_curves, cohort_table, first_cohort_check, retention_matrix,
                      revenue_retention_matrix)
from .inputs import AnalysisInputs
from .mbgnbd import ModifiedBetaGeo
from .paretonbd import ParetoNBD
from .patterns import (activity_per_customer, activity_per_segment, co_purchase,
                       product_names, seasonality, top_items)
from .predict import clv_interval
from .validation import (UNIT_DAYS, UNITS_PER_YEAR, calibration_holdout, clv_summary,
                         holdout_by_frequency, holdout_errors, naive_holdout_errors, tracking)

__all__ = ["CohortResult", "run_cohorts", "CLVResult", "run_clv", "ChurnResult", "run_churn",
           "PatternResult", "run_patterns"]

_MODEL_CLASSES = {"bgnbd": BetaGeo, "paretonbd": ParetoNBD, "mbgnbd": ModifiedBetaGeo}


def _value_col(inp):
    return "amount" if inp.has_amounts else None


# -- cohorts ---------------------------------------------------------------------------
@dataclass
class CohortResult:
    """Cohort tables: long ``table``, ``retention`` and ``revenue_retention`` matrices,
    retention ``curves`` per segment (or overall)."""

    table: pd.DataFrame
    retention: pd.DataFrame
    revenue_retention: pd.DataFrame | None
    curves: pd.DataFrame
    n_cohorts: int
    overall: pd.DataFrame | None = None
    first_cohort: dict = field(default_factory=dict)
    first_excluded: bool = False

    def figures(self) -> dict:
        """Key figures: cohorts, overall retention in periods 1 and 3, the first cohort."""
        ov = self.overall.set_index("period")["retention"] if self.overall is not None else {}
        fc = self.first_cohort
        return {"n_cohorts": self.n_cohorts,
                "retention_period_1": float(ov[1]) if 1 in ov else None,
                "retention_period_3": float(ov[3]) if 3 in ov else None,
                "first_cohort": fc.get("cohort"), "first_cohort_size_ratio": fc.get("size_ratio"),
                "first_cohort_left_censored": fc.get("left_censored"),
                "first_cohort_excluded": self.first_excluded}

    def note(self) -> str:
        """What the first cohort is and whether the curves leave it out, in words."""
        fc = self.first_cohort
        if not fc.get("cohort") or self.n_cohorts < 2:
            return ""
        ratio = fc.get("size_ratio")
        size = (f" It holds {fc['size']:,} customers, {ratio:.1f} times the median of the "
                "cohorts after it" if ratio is not None else "")
        verdict = (", so it clearly includes customers acquired earlier." if fc.get(
            "left_censored") else ".") if size else ""
        use = ("It is left out of the average retention curves and of the retention figures "
               "(`cohort_exclude_first`)." if self.first_excluded else
               "It is included in the average retention curves (`cohort_exclude_first: "
               "false`), which raises them.")
        state = "is left-censored" if fc.get("left_censored") else "may be left-censored"
        return (f"**The first cohort ({fc['cohort']}\\*) {state}:** the data start in that "
                "period, so it holds every customer who bought then — customers acquired "
                "before the data start as well as new ones — and then retains like a cohort "
                f"of old customers.{size}{verdict} " + use)


def run_cohorts(inp: AnalysisInputs, cfg) -> CohortResult:
    """Acquisition cohorts of ``cfg.cohort_freq`` up to ``cfg.cohort_max_periods``.

    Examples
    --------
    >>> from cdmkit.config import AnalysisConfig
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "timestamp": pd.to_datetime(
    ...     ["2024-01-01", "2024-02-01", "2024-02-03"]), "amount": [1.0, 2.0, 3.0]})
    >>> inp = AnalysisInputs(tx, 0, None, None, None, None, None, True, pd.Timestamp("2024-02-03"))
    >>> run_cohorts(inp, AnalysisConfig()).n_cohorts
    2
    """
    vc = _value_col(inp)
    t = run_step("cohorts", cohort_table, inp.transactions, GLOBAL_ID, "timestamp", vc,
                 freq=cfg.cohort_freq, max_periods=cfg.cohort_max_periods)
    first = first_cohort_check(t)
    # The first cohort mixes in customers from before the data (left-censored): out of the
    # average curves unless it is the only one or the config keeps it.
    drop = bool(getattr(cfg, "cohort_exclude_first", True)) and t["cohort"].nunique() > 1
    keep = (lambda d: d[d["cohort"] != first["cohort"]]) if drop else (lambda d: d)
    if inp.segments is not None:
        grouped = cohort_table(inp.transactions, GLOBAL_ID, "timestamp", None,
                               freq=cfg.cohort_freq, max_periods=cfg.cohort_max_periods,
                               groups=inp.segments)
        curves = cohort_curves(keep(grouped))
    else:
        curves = cohort_curves(keep(t))

    def marked(m):  # the first cohort's row is starred in every matrix
        return m.rename(index={first["cohort"]: f"{first['cohort']}*"}) if len(m) > 1 else m

    return CohortResult(t, marked(retention_matrix(t)),
                        marked(revenue_retention_matrix(t)) if vc else None, curves,
                        int(t["cohort"].nunique()), cohort_curves(keep(t)), first, drop)


# -- CLV ---------------------------------------------------------------------------------
@dataclass
class CLVResult:
    """Fitted CLV models, the per-customer CLV table and the holdout check.

    Attributes
    ----------
    summary : DataFrame
        frequency / recency / T / monetary_value per customer (``time_unit``).
    models : dict
        ``bgnbd``, ``paretonbd``, ``gammagamma`` -> fitted model (those that fitted).
    params : DataFrame
        One row per model: parameters, log-likelihood, convergence.
    table : DataFrame or None
        ``customer_id``, ``frequency``, ``recency``, ``T``, ``p_alive``,
        ``expected_purchases``, ``expected_spend``, ``clv``, ``clv_lower``,
        ``clv_upper`` (95 % interval from the parameters' uncertainty).
    uncertainty : DataFrame or None
        Per model and parameter: estimate, standard error, 95 % bounds.
    holdout_by_frequency, tracking : DataFrame or None
        Holdout check of the main transaction model.
    holdout_errors : dict or None
        MAE, RMSE, bias, totals.
    main_model : str or None
        The transaction model used for the table (first of ``clv_models`` that fitted).
    spend_correlation : float or None
        Correlation of frequency and spend among repeat buyers (Gamma-Gamma assumes ~0).
    notes : list of str
    """

    summary: pd.DataFrame
    models: dict
    params: pd.DataFrame
    table: pd.DataFrame | None
    holdout_by_frequency: pd.DataFrame | None = None
    holdout_errors: dict | None = None
    tracking: pd.DataFrame | None = None
    main_model: str | None = None
    spend_correlation: float | None = None
    calibration_end: str | None = None
    notes: list = field(default_factory=list)
    uncertainty: pd.DataFrame | None = None

    def figures(self) -> dict:
        """Key figures: parameters, log-likelihoods, convergence, holdout errors, CLV totals."""
        out = {"clv_main_model": self.main_model, "clv_customers": int(len(self.summary)),
               "repeat_buyers": int((self.summary["frequency"] > 0).sum())}
        short = {"bgnbd": "bgnbd", "paretonbd": "paretonbd", "mbgnbd": "mbgnbd",
                 "gammagamma": "gg"}
        for name, m in self.models.items():
            out[f"{short[name]}_params"] = dict(m.params_)
            out[f"{short[name]}_se"] = dict(m.standard_errors_)
            out[f"{short[name]}_loglik"] = m.log_likelihood_
            out[f"{short[name]}_converged"] = m.converged_
            out[f"{short[name]}_identified"] = m.identified_
        if self.holdout_errors:
            out.update({f"holdout_{k}": v for k, v in self.holdout_errors.items()})
            out["calibration_end"] = self.calibration_end
        if self.table is not None:
            out["expected_purchases_total"] = float(self.table["expected_purchases"].sum())
            out["mean_p_alive"] = float(self.table["p_alive"].mean())
            if self.table["clv"].notna().any():
                out["clv_total"] = float(self.table["clv"].sum())
                out["clv_mean"] = float(self.table["clv"].mean())
            pos = self.table["clv_lower"].notna() & (self.table["clv"] > 0)
            if pos.any():
                # how precisely a typical customer's CLV is known (the bounds of the total are
                # not the sum of the customers' bounds, so no total interval is reported)
                t = self.table[pos]
                out["clv_interval_median_rel_width"] = float(
                    ((t["clv_upper"] - t["clv_lower"]) / t["clv"]).median())
        if self.spend_correlation is not None:
            out["spend_frequency_corr"] = self.spend_correlation
        return out

    def output_table(self) -> pd.DataFrame:
        """The ``clv`` table handed to later stages (empty with its columns when skipped)."""
        cols = [GLOBAL_ID, "frequency", "recency", "T", "p_alive", "expected_purchases",
                "expected_spend", "clv", "clv_lower", "clv_upper"]
        if self.table is None:
            return pd.DataFrame({c: pd.Series(dtype=object if c == GLOBAL_ID else float)
                                 for c in cols})
        return self.table[cols].reset_index(drop=True)


def _fit(name, cls, penalizer, *args, notes):
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            m = cls(penalizer=penalizer).fit(*args)
        for w in caught:
            if "did not converge" in str(w.message) or "not identified" in str(w.message):
                notes.append(f"{name}: {w.message}")
        return m
    except AnalysisInputError as exc:
        notes.append(f"{name} not fitted: {exc}")
        return None


def run_clv(inp: AnalysisInputs, cfg) -> CLVResult:
    """Fit the configured CLV models, build the CLV table and check on a holdout period.

    Examples
    --------
    >>> from cdmkit.config import AnalysisConfig
    >>> rng = np.random.default_rng(0)
    >>> days = pd.to_datetime("2023-01-01") + pd.to_timedelta(rng.integers(0, 360, 400), "D")
    >>> tx = pd.DataFrame({"customer_id": rng.integers(0, 60, 400).astype(str),
    ...                    "timestamp": days, "amount": rng.gamma(4, 5, 400)})
    >>> inp = AnalysisInputs(tx, 0, None, None, None, None, None, True, days.max().normalize())
    >>> res = run_clv(inp, AnalysisConfig(clv_models=["bgnbd", "gammagamma"]))
    >>> sorted(res.models), res.table.shape[0]
    (['bgnbd', 'gammagamma'], 60)
    """
    notes = []
    vc = _value_col(inp)
    unit = cfg.time_unit
    summ = clv_summary(inp.transactions, GLOBAL_ID, "timestamp", vc, time_unit=unit,
                       observation_end=inp.observation_end)
    x, t, T = summ["frequency"], summ["recency"], summ["T"]
    models, rows = {}, []
    for name in cfg.clv_models:
        if name in _MODEL_CLASSES:
            m = _fit(name, _MODEL_CLASSES[name], cfg.penalizer, x, t, T, notes=notes)
        elif vc is None:
            notes.append("gammagamma skipped: transactions have no amounts")
            m = None
        else:
            rep = (x > 0) & (summ["monetary_value"] > 0)
            dropped = int(((x > 0) & ~rep).sum())
            if dropped:
                notes.append(f"gammagamma: {dropped} repeat buyer(s) with zero or negative "
                             "average spend left out")
            m = _fit(name, GammaGamma, cfg.penalizer, x[rep], summ["monetary_value"][rep],
                     notes=notes)
        if m is not None:
            models[name] = m
            rows.append({"model": name, **m.params_, "log_likelihood": m.log_likelihood_,
                         "converged": m.converged_, "n_customers": m.n_customers_})
    params = pd.DataFrame(rows)
    main = next((n for n in cfg.clv_models if n in _MODEL_CLASSES and n in models), None)
    res = CLVResult(summ, models, params, None, main_model=main, notes=notes)
    if models:
        # Positive parameters get log-scale bounds (never below zero).
        res.uncertainty = pd.concat([m.summary(bounds="log").rename_axis("parameter")
                                     .reset_index()
                                     .assign(model=n) for n, m in models.items()],
                                    ignore_index=True)[["model", "parameter", "coef", "se(coef)",
                                                        "lower 95% bound", "upper 95% bound"]]
    if main is None:
        notes.append("no transaction model could be fitted: CLV table skipped")
        return res
    tm = models[main]
    gg = models.get("gammagamma")
    if gg is not None:
        res.spend_correlation = spend_frequency_correlation(
            x[(x > 0) & (summ["monetary_value"] > 0)],
            summ["monetary_value"][(x > 0) & (summ["monetary_value"] > 0)])
    table = pd.DataFrame({GLOBAL_ID: summ.index.astype(str), "frequency": x.to_numpy(),
                          "recency": t.to_numpy(), "T": T.to_numpy()})
    table["p_alive"] = tm.probability_alive(x, t, T)
    table["expected_purchases"] = tm.conditional_expected_purchases(cfg.clv_horizon, x, t, T)
    if gg is not None and gg.params_["q"] > 1:
        m_val = summ["monetary_value"].clip(lower=0).to_numpy()
        table["expected_spend"] = gg.conditional_expected_spend(x, m_val)
        rate = per_step_rate(cfg.discount_rate, cfg.clv_step, UNITS_PER_YEAR[unit])
        table["clv"] = customer_lifetime_value(tm, gg, x, t, T, m_val, horizon=cfg.clv_horizon,
                                               step=cfg.clv_step, discount_rate=rate)
        table["clv_lower"] = table["clv_upper"] = np.nan
        want_ci = cfg.clv_interval != "none"
        if want_ci and tm.identified_ and gg.identified_:
            ci = clv_interval(tm, gg, x, t, T, m_val, horizon=cfg.clv_horizon, step=cfg.clv_step,
                              discount_rate=rate, method=cfg.clv_interval,
                              n_draws=cfg.clv_interval_draws, seed=0)
            table["clv_lower"] = ci["clv_lower"].to_numpy()
            table["clv_upper"] = ci["clv_upper"].to_numpy()
        elif want_ci:
            notes.append("CLV intervals skipped: a model's parameters are not identified, so "
                         "their uncertainty is not defined")
    else:
        table["expected_spend"] = np.nan
        table["clv"] = np.nan
        table["clv_lower"] = table["clv_upper"] = np.nan
    res.table = table
    _holdout_check(res, inp, cfg, type(tm))
    return res


def _holdout_check(res: CLVResult, inp: AnalysisInputs, cfg, model_class) -> None:
    """Refit the main model on the calibration period only and score it on the holdout."""
    unit, notes = cfg.time_unit, res.notes
    cal_end = inp.observation_end - pd.Timedelta(days=cfg.holdout * UNIT_DAYS[unit])
    try:
        ch = calibration_holdout(inp.transactions, GLOBAL_ID, "timestamp", None,
                                 calibration_end=cal_end, observation_end=inp.observation_end,
                                 time_unit=unit)
        cal_model = _fit(f"{res.main_model} (calibration period)", model_class, cfg.penalizer,
                         ch["frequency_cal"], ch["recency_cal"], ch["T_cal"], notes=notes)
        if cal_model is None:
            return
        res.holdout_by_frequency = holdout_by_frequency(cal_model, ch, cfg.frequency_buckets)
        res.holdout_errors = {**holdout_errors(cal_model, ch), **naive_holdout_errors(ch)}
        res.tracking = tracking(cal_model, inp.transactions, GLOBAL_ID, "timestamp",
                                calibration_end=cal_end, observation_end=inp.observation_end,
                                time_unit=unit)
        res.calibration_end = str(cal_end.date())
    except AnalysisInputError as exc:
        notes.append(f"holdout check skipped: {exc}")


# -- churn -------------------------------------------------------------------------------
@dataclass
class ChurnResult:
    """Churn models, their evaluation and every customer's current churn score.

    ``report`` is None (and ``skipped`` says why) when churn cannot be modelled.
    ``scores`` holds ``customer_id``, ``churn_probability`` (best model, features
    at the observation end).
    """

    mode: str
    report: ChurnReport | None
    scores: pd.DataFrame | None
    skipped: str | None = None
    cutoffs: dict = field(default_factory=dict)

    def figures(self) -> dict:
        """Key figures: AUC, precision at k and Brier score per model, best model."""
        if self.report is None:
            return {"churn_mode": self.mode, "churn_skipped": self.skipped}
        out = {"churn_mode": self.mode, "churn_best_model": self.report.best,
               "churn_base_rate": float(self.report.metrics["base_rate"].iloc[0]),
               "churn_n_test": int(self.report.metrics["n_test"].iloc[0]),
               "churn_top_k": self.report.top_k, **self.cutoffs}
        for row in self.report.metrics.itertuples():
            out[f"churn_auc_{row.model}"] = row.auc
            out[f"precision_at_k_{row.model}"] = row.precision_at_k
            out[f"churn_brier_{row.model}"] = row.brier
        best = self.report.metrics.set_index("model").loc[self.report.best]
        out["churn_auc"] = float(best["auc"])
        out["precision_at_k"] = float(best["precision_at_k"])
        return out

    def output_table(self) -> pd.DataFrame:
        """The ``churn_scores`` table (empty with its columns when churn was skipped)."""
        if self.scores is None:
            return pd.DataFrame({GLOBAL_ID: pd.Series(dtype=object),
                                 "churn_probability": pd.Series(dtype=float),
                                 "model": pd.Series(dtype=object)})
        return self.scores.reset_index(drop=True)


def _flag_labels(inp: AnalysisInputs, col: str) -> pd.Series:
    """Churn flag per global customer from the customers table (column or ``attributes``)."""
    from ..model.tables import attach_customer_id
    from .churn import flag_frame

    c = inp.customers
    if c is None:
        raise AnalysisInputError("churn_mode is flag but there is no customers table")
    if col in c:
        flag = c[col]
    elif "attributes" in c:
        flag = c["attributes"].map(lambda a: (json.loads(a) if isinstance(a, str) and a else
                                              (a or {})).get(col))
    else:
        raise AnalysisInputError(f"churn flag column {col!r} not found in the customers table")
    df = pd.DataFrame({"customer_source": c["source"].astype(str),
                       "customer_ref": c["record_id"].astype(str), col: flag})
    df = attach_customer_id(df, inp.customer_map) if inp.customer_map is not None else \
        df.assign(**{GLOBAL_ID: df["customer_ref"]})
    df = df[df[GLOBAL_ID].notna() & df[col].notna()]
    _, y = flag_frame(df[[col]], col)
    return y.groupby(df[GLOBAL_ID].astype(str).to_numpy()).max()


def run_churn(inp: AnalysisInputs, cfg, seed: int = 0) -> ChurnResult:
    """Churn labels, features, models and scores as configured (see :mod:`.churn`)."""
    vc = _value_col(inp)
    tx = inp.transactions.assign(**{GLOBAL_ID: inp.transactions[GLOBAL_ID].astype(str)})
    ev = inp.events.assign(**{GLOBAL_ID: inp.events[GLOBAL_ID].astype(str)}) \
        if inp.events is not None else None
    it = inp.interactions.assign(**{GLOBAL_ID: inp.interactions[GLOBAL_ID].astype(str)}) \
        if inp.interactions is not None else None
    try:
        if cfg.churn_mode == "inactivity":
            X_tr, y_tr, X_te, y_te = time_split(
                tx, GLOBAL_ID, "timestamp", vc, window_days=cfg.churn_window,
                observation_end=inp.observation_end, events=ev, interactions=it,
                min_customers=cfg.min_churn_customers)
            cutoffs = dict(X_te.attrs)
        else:
            from sklearn.model_selection import train_test_split

            if not cfg.churn_flag_column:
                raise AnalysisInputError("churn_mode is flag: set analysis.churn_flag_column")
            y = _flag_labels(inp, cfg.churn_flag_column)
            X = churn_features(tx, GLOBAL_ID, "timestamp", vc, cutoff=inp.observation_end,
                               events=ev, interactions=it)
            y = y.reindex(X.index).dropna().astype(int)
            X = X.loc[y.index]
            if len(y) < cfg.min_churn_customers or y.nunique() < 2:
                raise AnalysisInputError(f"{len(y)} customers with a churn flag and "
                                         f"transactions; need {cfg.min_churn_customers} and "
                                         "both classes")
            X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=cfg.test_size,
                                                      stratify=y, random_state=seed)
            cutoffs = {}
        report = fit_churn(X_tr, y_tr, X_te, y_te, models=cfg.churn_models, top_k=cfg.top_k,
                           C=cfg.churn_C, random_state=seed)
    except AnalysisInputError as exc:
        return ChurnResult(cfg.churn_mode, None, None, skipped=str(exc))
    best = report.models[report.best]
    X_now = churn_features(tx, GLOBAL_ID, "timestamp", vc, cutoff=inp.observation_end,
                           events=ev, interactions=it).reindex(columns=X_tr.columns)
    for c in X_now.columns:
        if not pd.api.types.is_numeric_dtype(X_tr[c]):
            X_now[c] = X_now[c].astype(object).where(X_now[c].notna(), None).astype(str)
    from ._fitter import single_thread

    with single_thread():  # per-row scores: threads change nothing but the wait on a busy machine
        proba = best.predict_proba(X_now)[:, 1]
    scores = pd.DataFrame({GLOBAL_ID: X_now.index.astype(str), "churn_probability": proba,
                           "model": report.best})
    return ChurnResult(cfg.churn_mode, report, scores, cutoffs=cutoffs)


# -- patterns ----------------------------------------------------------------------------
@dataclass
class PatternResult:
    """Top products/categories per segment, co-purchase pairs, seasonality, activity."""

    top_products: pd.DataFrame | None
    top_categories: pd.DataFrame | None
    pairs: pd.DataFrame | None
    season: dict
    events_per_segment: pd.DataFrame | None
    interactions_per_segment: pd.DataFrame | None
    events_per_customer: pd.DataFrame | None = None
    interactions_per_customer: pd.DataFrame | None = None
    notes: list = field(default_factory=list)
    non_product: dict | None = None

    def figures(self) -> dict:
        """Key figures: co-purchase pairs (items paired and capped) and the top-lift pair,
        busiest month and weekday, non-product lines kept out of the product tables."""
        out = {}
        if self.pairs is not None:
            out["n_copurchase_pairs"] = int(len(self.pairs))
            out["copurchase_items_frequent"] = int(self.pairs.attrs.get("items_frequent", 0))
            out["copurchase_items_capped"] = int(self.pairs.attrs.get("items_capped", 0))
            if len(self.pairs):
                top = self.pairs.iloc[0]
                out["top_lift_pair"] = [str(top["item_a"]), str(top["item_b"])]
                if "name_a" in self.pairs:
                    out["top_lift_pair_names"] = [str(top["name_a"]), str(top["name_b"])]
                out["top_lift"] = float(top["lift"])
        if self.non_product is not None:
            out["non_product_lines_excluded"] = int(sum(self.non_product.values()))
        m, w = self.season["month"], self.season["weekday"]
        if m["purchases"].sum():
            # Per covered month: a month of the year seen in two years is not twice as busy.
            out["busiest_month"] = int(m.loc[m["per_year"].idxmax(), "month"])
            ym = self.season.get("year_month")
            if ym is not None and len(ym):
                out["busiest_year_month"] = str(ym.loc[ym["purchases"].idxmax(), "year_month"])
            if self.season.get("coverage_note"):
                out["season_coverage_note"] = self.season["coverage_note"]
            out["busiest_weekday"] = str(w.loc[w["purchases"].idxmax(), "weekday"])
        if self.top_products is not None and len(self.top_products):
            out["n_segments_with_top_products"] = int(self.top_products["segment"].nunique())
        return out


def run_patterns(inp: AnalysisInputs, cfg) -> PatternResult:
    """Purchase patterns and activity summaries (sections without data are noted)."""
    notes = []
    tx = inp.transactions
    vc = _value_col(inp)
    seg = inp.segments

    def has(col):
        return col in tx and tx[col].notna().any()

    names = product_names(tx) if has("product_id") and has("product_name") else None
    if has("product_id") and names is None:
        notes.append("no product names (map a description column to product_name): products "
                     "are shown by code")
    top_p = top_items(tx, "product_id", segments=seg, customer_col=GLOBAL_ID, value_col=vc,
                      n=cfg.top_n, names=names) if has("product_id") else None
    top_c = top_items(tx, "category", segments=seg, customer_col=GLOBAL_ID, value_col=vc,
                      n=cfg.top_n) if has("category") else None
    if top_p is None and top_c is None:
        notes.append("no product_id or category in transactions: top items skipped")
    pairs = None
    if has("order_id") and (has("product_id") or has("category")):
        item = "product_id" if has("product_id") else "category"
        pairs = co_purchase(tx, "order_id", item, min_support=cfg.pattern_min_support,
                            max_items=cfg.pattern_max_items,
                            names=names if item == "product_id" else None)
        if pairs.attrs.get("items_capped"):
            notes.append(f"co-purchase: {pairs.attrs['items_capped']:,} of "
                         f"{pairs.attrs['items_frequent']:,} items reaching the minimum support "
                         f"were left out (analysis.pattern_max_items = {cfg.pattern_max_items})")
    else:
        notes.append("no order_id with products in transactions: co-purchase pairs skipped")
    season = seasonality(tx, "timestamp", vc, "order_id" if has("order_id") else None)
    all_seg = seg if seg is not None else \
        pd.Series("all", index=pd.Index(tx[GLOBAL_ID].astype(str).unique()))
    all_seg.index = all_seg.index.astype(str)
    res = PatternResult(top_p, top_c, pairs, season, None, None, notes=notes,
                        non_product=inp.returns.get("non_product_by_kind"))
    for df, col, attr in ((inp.events, "event_type", "events"),
                          (inp.interactions, "interaction_type", "interactions")):
        if df is None or df.empty or col not in df:
            continue
        pc = activity_per_customer(df.assign(**{GLOBAL_ID: df[GLOBAL_ID].astype(str)}), col)
        setattr(res, f"{attr}_per_customer", pc)
        setattr(res, f"{attr}_per_segment", activity_per_segment(pc, all_seg))
    return res
