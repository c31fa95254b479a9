"""Model verdicts on constructed degenerate and healthy cases, and on real fits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdmkit.report.verdicts import (AVOID, CARE, NOT_RUN, USABLE, all_usable, assess,
                                    churn_verdict, clustering_verdict, evidence_figures,
                                    linkage_verdict, spend_model_verdict,
                                    transaction_model_verdict, verdict_table)

# The Pareto/NBD fit of the issue: "converged" on daily data with the drop-out parameters at a
# boundary, so every top customer had p_alive ≈ 1 while 43 % churned.
DEGENERATE_PARETO = {"paretonbd_params": {"r": 0.55, "alpha": 52.3, "s": 0.0002,
                                          "beta": 130005.0},
                     "paretonbd_converged": True, "clv_main_model": "paretonbd",
                     "time_unit": "D", "clv_span": 373.0, "churn_base_rate": 0.43,
                     "mean_p_alive": 0.998, "n_lapsed": 250, "p_alive_lapsed_mean": 0.997}
HEALTHY_BGNBD = {"bgnbd_params": {"r": 0.24, "alpha": 4.41, "a": 0.79, "b": 2.43},
                 "bgnbd_converged": True, "clv_main_model": "bgnbd", "time_unit": "W",
                 "clv_span": 39.0, "n_lapsed": 170, "p_alive_lapsed_mean": 0.19,
                 "holdout_mae": 0.61, "holdout_naive_mae": 0.83,
                 "holdout_total_error_pct": -3.5}


def test_degenerate_pareto_nbd_is_not_to_be_used_and_says_why():
    v = transaction_model_verdict("paretonbd", DEGENERATE_PARETO)
    assert v.status == AVOID
    assert "s = 0.0002" in v.summary  # the parameter at the edge is named
    assert "nobody ever stops buying" in v.summary
    assert {"P(alive)", "CLV"} <= set(v.avoid)
    assert any("0.997" in e or "1.00" in e for e in v.evidence)


def test_converged_flag_alone_does_not_make_a_fit_usable():
    # Inside the parameter range, but the fitted drop-out is negligible over the data's span.
    f = dict(DEGENERATE_PARETO, paretonbd_params={"r": 0.55, "alpha": 52.3, "s": 0.5,
                                                  "beta": 90000.0}, n_lapsed=0)
    v = transaction_model_verdict("paretonbd", f)
    assert v.status == AVOID and "nobody ever stops buying" in v.summary


def test_p_alive_near_one_for_lapsed_customers_is_flagged_on_its_own():
    f = dict(HEALTHY_BGNBD, p_alive_lapsed_mean=0.96)
    v = transaction_model_verdict("bgnbd", f)
    assert v.status == AVOID and "keep a P(alive) near 1" in v.summary


def test_not_converged_is_not_to_be_used():
    v = transaction_model_verdict("bgnbd", dict(HEALTHY_BGNBD, bgnbd_converged=False))
    assert v.status == AVOID and "did not converge" in v.summary


def test_healthy_bgnbd_is_usable():
    v = transaction_model_verdict("bgnbd", HEALTHY_BGNBD)
    assert v.status == USABLE, v
    assert v.avoid == []
    assert any("naive forecast" in e for e in v.evidence)


def test_holdout_worse_than_naive_or_biased_asks_for_care():
    worse = transaction_model_verdict("bgnbd", dict(HEALTHY_BGNBD, holdout_mae=0.9))
    assert worse.status == CARE and "no better than the naive" in worse.summary
    biased = transaction_model_verdict("bgnbd", dict(HEALTHY_BGNBD, holdout_total_error_pct=-24))
    assert biased.status == CARE and "under-predicts total purchases by 24%" in biased.summary
    assert "CLV total" in biased.avoid


def test_model_not_behind_the_clv_table_is_not_judged_on_the_holdout():
    f = dict(HEALTHY_BGNBD, clv_main_model="paretonbd", holdout_mae=5.0)
    assert transaction_model_verdict("bgnbd", f).status == USABLE


def test_precision_at_k_against_a_high_base_rate_is_not_skill():
    # The case: precision@10 % of 1.0 at an 82 % base rate.
    v = churn_verdict({"churn_best_model": "gbm", "churn_auc": 0.86, "precision_at_k": 1.0,
                       "churn_base_rate": 0.82, "churn_top_k": 0.1, "churn_brier_gbm": 0.10})
    assert v.status == CARE
    assert any("1.22 times a random pick" in e for e in v.evidence)
    assert any("precision at top 10%" in a for a in v.avoid)


def test_churn_model_no_better_than_chance_is_not_to_be_used():
    v = churn_verdict({"churn_best_model": "logistic", "churn_auc": 0.55, "precision_at_k": 0.3,
                       "churn_base_rate": 0.3, "churn_top_k": 0.1})
    assert v.status == AVOID


def test_poorly_calibrated_churn_probabilities_are_flagged():
    healthy = {"churn_best_model": "gbm", "churn_auc": 0.8, "precision_at_k": 0.7,
               "churn_base_rate": 0.3, "churn_top_k": 0.1, "churn_brier_gbm": 0.15,
               "churn_calibration_gap": 0.03}
    assert churn_verdict(healthy).status == USABLE
    bad = churn_verdict(dict(healthy, churn_calibration_gap=0.2))
    assert bad.status == CARE and "churn probabilities as probabilities" in bad.avoid


def test_gamma_gamma_checks():
    ok = {"gg_params": {"p": 6.0, "q": 4.0, "v": 15.0}, "gg_converged": True,
          "spend_frequency_corr": 0.05}
    assert spend_model_verdict(ok).status == USABLE
    assert spend_model_verdict(dict(ok, spend_frequency_corr=0.6)).status == CARE
    assert spend_model_verdict(dict(ok, gg_params={"p": 6.0, "q": 0.7, "v": 15.0})).status \
        == AVOID
    assert spend_model_verdict({}).status == NOT_RUN


def test_clustering_and_linkage_checks():
    assert clustering_verdict({"silhouette": 0.55, "stability_min_ari": 0.95,
                               "cluster_sizes": {"0": 40, "1": 60}}).status == USABLE
    overlap = clustering_verdict({"silhouette": 0.18, "stability_min_ari": 0.95,
                                  "cluster_sizes": {"0": 40, "1": 60}})
    assert overlap.status == AVOID and "slices of a continuum" in overlap.summary
    assert clustering_verdict({"silhouette": 0.5, "stability_min_ari": 0.4,
                               "cluster_sizes": {"0": 1, "1": 99}}).status == CARE
    assert linkage_verdict({"n_customers": 10, "f1": 0.6, "precision": 0.7,
                            "recall": 0.5}).status == AVOID
    unlabelled = linkage_verdict({"n_customers": 10, "em_converged": True})
    assert unlabelled.status == CARE and "not measured" in unlabelled.summary
    assert linkage_verdict({"skipped": "transactions only"}).status == NOT_RUN


def test_all_usable_is_false_when_one_model_is_degenerate():
    verdicts = assess({"analysis": {**HEALTHY_BGNBD, **{k: v for k, v in
                                                         DEGENERATE_PARETO.items()
                                                         if k.startswith("paretonbd")}}})
    assert not all_usable(verdicts)
    table = verdict_table(verdicts)
    assert table.loc[table["Model"].str.startswith("Pareto"), "Verdict"].item() == AVOID
    assert table.loc[table["Model"].str.startswith("BG/NBD"), "Verdict"].item() == USABLE
    assert table["Model"].iloc[2].startswith("BG/NBD")  # the model behind the CLV table first


def test_evidence_figures_from_tables():
    clv = pd.DataFrame({"frequency": [5, 5, 0, 1], "recency": [10.0, 10.0, 0.0, 3.0],
                        "T": [60.0, 11.0, 4.0, 20.0], "p_alive": [0.98, 0.95, 1.0, 0.7]})
    cal = pd.DataFrame({"model": ["gbm", "gbm", "lr"], "predicted": [0.2, 0.8, 0.5],
                        "observed": [0.3, 0.6, 0.5]})
    ev = evidence_figures(clv, cal, churn_model="gbm")
    # Only the first customer is silent for over 3x her usual gap of 2 (50 > 6).
    assert ev == {"clv_span": 60.0, "n_lapsed": 1, "p_alive_lapsed_mean": 0.98,
                  "churn_calibration_gap": 0.15}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_real_fits_healthy_bgnbd_usable_and_no_dropout_pareto_flagged():
    from cdmkit.analyze import BetaGeo, ParetoNBD
    from cdmkit.analyze.simulate import simulate_bgnbd

    df = simulate_bgnbd(1500, r=0.25, alpha=4.0, a=0.8, b=2.5, T=39.0, seed=1)
    bg = BetaGeo().fit(df["frequency"], df["recency"], df["T"])
    table = df.assign(p_alive=bg.probability_alive(df["frequency"], df["recency"], df["T"]))
    figures = {"bgnbd_params": bg.params_, "bgnbd_converged": bg.converged_,
               "clv_main_model": "bgnbd", **evidence_figures(table)}
    assert transaction_model_verdict("bgnbd", figures).status == USABLE

    # Steady buyers who never drop out: the drop-out part of Pareto/NBD is not identified.
    rng = np.random.default_rng(0)
    rates = rng.gamma(2.0, 0.5, 400)
    freq, rec = [], []
    for lam in rates:
        times = np.cumsum(rng.exponential(1 / lam, 200))
        times = times[times < 52]
        freq.append(len(times))
        rec.append(times[-1] if len(times) else 0.0)
    freq, rec, T = np.array(freq), np.array(rec), np.full(len(rates), 52.0)
    pn = ParetoNBD().fit(freq, rec, T)
    table = pd.DataFrame({"frequency": freq, "recency": rec, "T": T,
                          "p_alive": pn.probability_alive(freq, rec, T)})
    figures = {"paretonbd_params": pn.params_, "paretonbd_converged": pn.converged_,
               "clv_main_model": "paretonbd", **evidence_figures(table)}
    assert transaction_model_verdict("paretonbd", figures).status == AVOID


@pytest.mark.slow
@pytest.mark.shared_data
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_online_retail_daily_fits_are_judged_unusable(shared_data):
    """The issue's case on the real UCI Online Retail data: on daily data both transaction
    models "converge" with drop-out at a boundary, and p_alive stays ≈ 1 for lapsed customers."""
    from cdmkit.analyze import BetaGeo, ParetoNBD
    from cdmkit.analyze.validation import clv_summary

    path = shared_data / "online_retail.parquet"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    df = pd.read_parquet(path, columns=["CustomerID", "Quantity", "UnitPrice", "InvoiceDate"])
    df = df[df["CustomerID"].notna() & (df["Quantity"] > 0) & (df["UnitPrice"] > 0)]
    tx = pd.DataFrame({"customer_id": df["CustomerID"].astype(int).astype(str),
                       "timestamp": pd.to_datetime(df["InvoiceDate"]),
                       "amount": df["Quantity"] * df["UnitPrice"]})
    s = clv_summary(tx, "customer_id", "timestamp", "amount", time_unit="D")
    for name, cls in (("paretonbd", ParetoNBD), ("bgnbd", BetaGeo)):
        m = cls().fit(s["frequency"], s["recency"], s["T"])
        table = pd.DataFrame({"frequency": s["frequency"].to_numpy(),
                              "recency": s["recency"].to_numpy(), "T": s["T"].to_numpy(),
                              "p_alive": m.probability_alive(s["frequency"], s["recency"],
                                                             s["T"])})
        figures = {f"{name}_params": m.params_, f"{name}_converged": m.converged_,
                   "clv_main_model": name, "time_unit": "D", **evidence_figures(table)}
        v = transaction_model_verdict(name, figures)
        assert v.status == AVOID, (name, m.params_, v)
        assert "P(alive)" in v.avoid


def test_silhouette_bands_follow_kaufman_rousseeuw():
    """0.29 is weak structure (use with care), cited in the evidence; 0.6 reasonable."""
    sizes = {"0": 40, "1": 60}
    weak = clustering_verdict({"silhouette": 0.29, "stability_min_ari": 0.95,
                               "cluster_sizes": sizes})
    assert weak.status == CARE and "weak" in weak.summary
    assert any("Kaufman & Rousseeuw" in e and "weak structure" in e for e in weak.evidence)
    ok = clustering_verdict({"silhouette": 0.6, "stability_min_ari": 0.95, "cluster_sizes": sizes})
    assert ok.status == USABLE and ok.summary.startswith("Reasonable structure")


def test_churn_calibration_gap_of_nine_points_is_not_fine():
    f = {"churn_best_model": "gbm", "churn_auc": 0.8, "precision_at_k": 0.7,
         "churn_base_rate": 0.3, "churn_top_k": 0.1, "churn_brier_gbm": 0.15,
         "churn_calibration_gap": 0.09}
    v = churn_verdict(f)
    assert v.status == CARE and "churn probabilities as probabilities" in v.avoid


def test_churn_weak_lift_and_no_lift():
    base = {"churn_best_model": "gbm", "churn_auc": 0.8, "churn_base_rate": 0.3,
            "churn_top_k": 0.1, "churn_brier_gbm": 0.15, "churn_calibration_gap": 0.03}
    assert churn_verdict(dict(base, precision_at_k=0.4)).status == CARE  # lift 1.33
    assert churn_verdict(dict(base, precision_at_k=0.31)).status == AVOID  # lift 1.03
    assert churn_verdict(dict(base, precision_at_k=0.75)).status == USABLE
