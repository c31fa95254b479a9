"""Customer-base models beyond BG/NBD: MBG/NBD, BG/BB, sBG; standard errors, save / load,
the penalizer, analytic gradients, simulators and predictions.

Reference numbers and their sources:

- BG/BB on the donation data (Fader, Hardie & Shang 2010, "Customer-Base Analysis in a
  Discrete-Time Noncontractual Setting", Marketing Science 29(6), table of the 1995 cohort of
  11,104 donors, 6 opportunities): alpha 1.204, beta 0.750, gamma 0.657, delta 2.783.
  The (x, t_x) pattern counts below are that table (also shipped as
  lifetimes/datasets/donations.csv).
- sBG (Fader & Hardie 2007, "How to Project Customer Retention", J. Interactive Marketing
  21(1), tables 1-2): regular cohort alpha 0.704, beta 1.182; high end alpha 0.668,
  beta 3.806.
- Log-likelihoods are checked against the likelihood at the published (rounded) estimates,
  computed here: the fit must be at least as good and within rounding of it.
- lifetimes 0.11.3 (pip-installed in a throw-away venv, run on its bundled CDNOW summary,
  2,357 customers, weeks; numbers copied here, lifetimes is not a dependency):
  BetaGeoFitter().summary se(coef): r 0.01255732, alpha 0.37822146, a 0.18571907, b 0.70534534;
  GammaGammaFitter (repeat buyers) se: p 1.18968705, q 0.29016562, v 4.15999393;
  ModifiedBetaGeoFitter params r 0.52483773, alpha 6.18298848, a 0.89135628, b 1.61400003,
  se r 0.08326395, alpha 0.69559719, a 0.15478532, b 0.53747235,
  probability_of_n_purchases_up_to_time(39, n) for n = 0, 1, 2, 5:
  0.5826055674, 0.1827633740, 0.0868705915, 0.0193757615;
  conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86) 1.2626707787;
  BetaGeoBetaBinomFitter on donations se: alpha 0.06939136, beta 0.02944772,
  gamma 0.05100985, delta 0.32081894;
  BetaGeoFitter(penalizer_coef=0.1) params r 0.230947014, alpha 4.219287524 (weeks;
  29.535012665 on days), a 0.128654740, b 0.267126796;
  BetaGeoFitter.probability_of_n_purchases_up_to_time(39, n), n = 0, 1, 2, 5:
  0.5743072834, 0.1991930613, 0.0853224088, 0.0179383923.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.special import betaln

from cdmkit.analyze import (AnalysisInputError, BetaGeo, BetaGeoBetaBinom, GammaGamma,
                            ModifiedBetaGeo, ParetoNBD, ShiftedBetaGeo, load_model, simulate,
                            simulate_bgbb, simulate_mbgnbd, simulate_paretonbd, simulate_sbg)
from cdmkit.analyze.data import CdnowUnavailable, cdnow_summary

DONATIONS = [(0, 0, 3464), (1, 1, 1091), (1, 2, 277), (1, 3, 129), (1, 4, 78), (1, 5, 119),
             (1, 6, 129), (2, 2, 613), (2, 3, 255), (2, 4, 155), (2, 5, 173), (2, 6, 234),
             (3, 3, 322), (3, 4, 181), (3, 5, 225), (3, 6, 357), (4, 4, 240), (4, 5, 284),
             (4, 6, 512), (5, 5, 335), (5, 6, 728), (6, 6, 1203)]
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


@pytest.fixture(scope="module")
def cdnow():
    try:
        return cdnow_summary()
    except CdnowUnavailable as exc:
        pytest.skip(f"CDNOW data unavailable (lifetimes wheel could not be fetched): {exc}")


@pytest.fixture(scope="module")
def donations():
    x, t, w = map(np.array, zip(*DONATIONS))
    return x, t, np.full(len(x), 6), w


def _sig4(got, want):
    """Equal to 4 significant digits."""
    assert float(f"{got:.4g}") == float(f"{want:.4g}"), (got, want)


# -- published reference estimates -------------------------------------------------------
def test_bgbb_reproduces_published_donation_estimates(donations):
    assert donations[3].sum() == 11104
    m = BetaGeoBetaBinom().fit(*donations[:3], weights=donations[3])
    for k, v in {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}.items():
        assert round(m.params_[k], 3) == v, (k, m.params_[k])
    at_published = float((donations[3] * BetaGeoBetaBinom._loglik_grad(
        [1.204, 0.750, 0.657, 2.783], *map(np.asarray, donations[:3]), grad=False)).sum())
    assert at_published <= m.log_likelihood_ < at_published + 0.5
    assert m.converged_ and m.n_customers_ == 11104


@pytest.mark.parametrize("survivors, alpha, beta", [(REGULAR, 0.704, 1.182),
                                                    (HIGH_END, 0.668, 3.806)])
def test_sbg_reproduces_published_cohort_estimates(survivors, alpha, beta):
    from cdmkit.analyze import survivors_to_durations

    m = ShiftedBetaGeo().fit_survivors(survivors)
    assert round(m.params_["alpha"], 3) == alpha and round(m.params_["beta"], 3) == beta
    t, churned, w = survivors_to_durations(survivors)
    # likelihood written directly: lost in period t: B(a+1, b+t-1)/B(a,b); still active: S(7)
    ll_pub = sum(wi * (betaln(alpha + 1, beta + ti - 1) if ci else betaln(alpha, beta + ti))
                 for ti, ci, wi in zip(t, churned, w)) - w.sum() * betaln(alpha, beta)
    assert ll_pub <= m.log_likelihood_ < ll_pub + 0.05


def test_mbgnbd_reproduces_lifetimes_on_cdnow(cdnow):
    m = ModifiedBetaGeo().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    for k, v in {"r": 0.52483773, "alpha": 6.18298848, "a": 0.89135628, "b": 1.61400003}.items():
        _sig4(m.params_[k], v)
    got = [m.probability_of_purchases(39, n) for n in (0, 1, 2, 5)]
    np.testing.assert_allclose(got, [0.5826055674, 0.1827633740, 0.0868705915, 0.0193757615],
                               rtol=1e-5)
    e = m.conditional_expected_purchases(39, [2], [30.43], [38.86])[0]
    assert e == pytest.approx(1.2626707787, rel=1e-5)


def test_bgnbd_probability_of_purchases_matches_lifetimes(cdnow):
    bg = BetaGeo().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    got = [bg.probability_of_purchases(39, n) for n in (0, 1, 2, 5)]
    np.testing.assert_allclose(got, [0.5743072834, 0.1991930613, 0.0853224088, 0.0179383923],
                               rtol=1e-5)


# -- standard errors ---------------------------------------------------------------------
def _se_close(model, want):
    for k, v in want.items():
        assert model.standard_errors_[k] == pytest.approx(v, rel=0.02), (k, model.standard_errors_)


def test_standard_errors_match_lifetimes_on_cdnow(cdnow, donations):
    bg = BetaGeo().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    _se_close(bg, {"r": 0.01255732, "alpha": 0.37822146, "a": 0.18571907, "b": 0.70534534})
    rep = cdnow[cdnow["frequency"] > 0]
    gg = GammaGamma().fit(rep["frequency"], rep["monetary_value"])
    _se_close(gg, {"p": 1.18968705, "q": 0.29016562, "v": 4.15999393})
    mbg = ModifiedBetaGeo().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    _se_close(mbg, {"r": 0.08326395, "alpha": 0.69559719, "a": 0.15478532, "b": 0.53747235})
    bb = BetaGeoBetaBinom().fit(*donations[:3], weights=donations[3])
    _se_close(bb, {"alpha": 0.06939136, "beta": 0.02944772, "gamma": 0.05100985,
                   "delta": 0.32081894})
    s = bg.summary()
    assert list(s.columns) == ["coef", "se(coef)", "lower 95% bound", "upper 95% bound"]
    assert s.loc["r", "lower 95% bound"] == pytest.approx(bg.params_["r"] - 1.96 * 0.01255732,
                                                          rel=1e-3)
    assert s.attrs["log_likelihood"] == bg.log_likelihood_


def test_standard_errors_shrink_like_one_over_root_n():
    """Doubling every customer halves the information's inverse: SEs fall by sqrt(2)."""
    d = simulate_mbgnbd(3000, r=0.5, alpha=5.0, a=1.0, b=2.0, T=40.0, seed=3)
    one = ModifiedBetaGeo().fit(d["frequency"], d["recency"], d["T"])
    two = ModifiedBetaGeo().fit(np.tile(d["frequency"], 2), np.tile(d["recency"], 2),
                                np.tile(d["T"], 2))
    for k in one.params_:
        assert two.standard_errors_[k] == pytest.approx(one.standard_errors_[k] / math.sqrt(2),
                                                        rel=1e-3)


# -- penalizer ---------------------------------------------------------------------------
def test_penalizer_matches_lifetimes_and_ignores_the_time_unit(cdnow):
    want = {"r": 0.230947014, "alpha": 4.219287524, "a": 0.128654740, "b": 0.267126796}
    wk = BetaGeo(penalizer=0.1).fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    dy = BetaGeo(penalizer=0.1).fit(cdnow["frequency"], cdnow["recency"] * 7, cdnow["T"] * 7)
    for k, v in want.items():
        assert wk.params_[k] == pytest.approx(v, rel=1e-4), k
        assert dy.params_[k] == pytest.approx(v * (7 if k == "alpha" else 1), rel=1e-4), k
    assert dy.params_["alpha"] == pytest.approx(29.535012665, rel=1e-4)


# -- analytic gradients vs finite differences --------------------------------------------
def _fd_check(fun, params, rows):
    """fun(params, *rows) -> (ll per row, grad per row w.r.t. log-params)."""
    params = np.asarray(params, dtype=float)
    ll, grad = fun(params, *rows)
    total_grad = grad.sum(axis=1)
    h = 1e-6
    for i in range(len(params)):
        up, dn = np.log(params).copy(), np.log(params).copy()
        up[i] += h
        dn[i] -= h
        fd = (fun(np.exp(up), *rows)[0].sum() - fun(np.exp(dn), *rows)[0].sum()) / (2 * h)
        assert total_grad[i] == pytest.approx(fd, rel=1e-5, abs=1e-7), (i, total_grad, fd)
    assert np.all(np.isfinite(ll))


def test_gradients_match_finite_differences():
    from cdmkit.analyze.clv import _ByCount

    x = np.array([0.0, 1, 2, 5, 12, 1])
    t = np.array([0.0, 3.5, 8.0, 20.0, 30.0, 0.5])
    T = np.array([10.0, 30.0, 31.0, 39.0, 39.0, 2.0])
    _fd_check(lambda p, *r: BetaGeo._loglik_grad(p, *r, _ByCount(r[0])),
              [0.4, 5.0, 0.9, 2.5], (x, t, T))
    _fd_check(ModifiedBetaGeo._loglik_grad, [0.5, 6.0, 0.9, 1.6], (x, t, T))
    _fd_check(lambda p, *r: ParetoNBD._loglik_grad(p, *r), [0.55, 10.6, 0.6, 11.7], (x, t, T))
    _fd_check(lambda p, *r: ParetoNBD._loglik_grad(p, *r), [0.8, 3.0, 1.3, 40.0], (x, t, T))
    xs, m = np.array([1.0, 2, 7]), np.array([20.0, 35.5, 14.0])
    _fd_check(lambda p, *r: GammaGamma._loglik_grad(p, *r, _ByCount(r[0])), [6.2, 3.7, 15.4],
              (xs, m))
    xb, tb, nb = np.array([0.0, 1, 3, 6]), np.array([0.0, 4, 5, 6]), np.full(4, 6.0)
    _fd_check(BetaGeoBetaBinom._loglik_grad, [1.2, 0.75, 0.66, 2.8], (xb, tb, nb))
    _fd_check(ShiftedBetaGeo._loglik_grad, [0.7, 1.2],
              (np.array([1.0, 2, 7, 7]), np.array([True, True, True, False])))


# -- predictions -------------------------------------------------------------------------
def test_bgbb_predictions_against_brute_force():
    """Probabilities of x in n sum to one and their mean is E[X(n)] (eq. 7 vs eq. 8)."""
    m = BetaGeoBetaBinom().with_params({"alpha": 1.204, "beta": 0.75, "gamma": 0.657,
                                        "delta": 2.783})
    probs = [m.probability_of_purchases(6, k) for k in range(7)]
    assert sum(probs) == pytest.approx(1.0, abs=1e-12)
    assert sum(k * p for k, p in enumerate(probs)) == pytest.approx(m.expected_purchases(6),
                                                                   rel=1e-10)
    # Simulated base agrees with the model's distribution of x
    sim = simulate_bgbb(200_000, alpha=1.204, beta=0.75, gamma=0.657, delta=2.783, n=6, seed=1)
    emp = np.bincount(sim["frequency"].astype(int), minlength=7) / len(sim)
    np.testing.assert_allclose(emp, probs, atol=0.004)
    # Conditional expectation of a brand-new customer (x = t_x = n = 0) is the unconditional one
    assert m.conditional_expected_purchases(5, [0], [0], [0])[0] == pytest.approx(
        m.expected_purchases(5), rel=1e-10)


def test_sbg_curves_and_derl_against_brute_force():
    m = ShiftedBetaGeo().with_params({"alpha": 0.704, "beta": 1.182})
    t = np.arange(1, 30)
    S = m.survival(t)
    np.testing.assert_allclose(S[1:] / S[:-1], m.retention_rate(t[1:]), rtol=1e-12)
    np.testing.assert_allclose(-np.diff(np.append(1.0, S)), m.churn_probability(t), rtol=1e-10)
    # DERL = sum_{t >= n} S(t) / S(n - 1) / (1 + d)^(t - n)
    d, alpha, beta = 0.1, 0.704, 1.182
    for renewals in (0, 3):
        n = renewals + 1
        tt = np.arange(n, 5000)
        brute = np.sum(np.exp(betaln(alpha, beta + tt) - betaln(alpha, beta + n - 1))
                       / (1 + d) ** (tt - n))
        assert m.derl(d, renewals) == pytest.approx(brute, rel=1e-8)
    # simulated cohorts recover the parameters
    surv = simulate_sbg(200_000, alpha=0.704, beta=1.182, periods=12, seed=2)
    fit = ShiftedBetaGeo().fit_survivors(surv)
    assert fit.params_["alpha"] == pytest.approx(0.704, rel=0.05)
    assert fit.params_["beta"] == pytest.approx(1.182, rel=0.05)


@pytest.mark.parametrize("sim, cls, n, true", [
    (simulate_mbgnbd, ModifiedBetaGeo, 30_000, {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6}),
    (simulate_paretonbd, ParetoNBD, 10_000, {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7}),
])
def test_simulators_recover_their_parameters(sim, cls, n, true):
    d = sim(n, **true, T=np.random.default_rng(0).uniform(30, 80, n), seed=4)
    m = cls().fit(d["frequency"], d["recency"], d["T"])
    for k, v in true.items():
        # within two standard errors of the truth (the SEs are part of what is checked)
        assert abs(m.params_[k] - v) < 2.5 * m.standard_errors_[k], (k, m.summary())


def test_simulate_dispatches_on_the_model():
    bb = BetaGeoBetaBinom().with_params({"alpha": 1.2, "beta": 0.75, "gamma": 0.66,
                                         "delta": 2.8})
    assert list(simulate(bb, 50, n=4)["n"].unique()) == [4.0]
    assert len(simulate(ShiftedBetaGeo().with_params({"alpha": 1, "beta": 1}), 10,
                        periods=3)) == 4


# -- save / load ---------------------------------------------------------------------------
def test_save_load_round_trip(tmp_path, donations):
    d = simulate_mbgnbd(800, r=0.5, alpha=5.0, a=1.0, b=2.0, T=40.0, seed=0)
    models = [BetaGeo().fit(d["frequency"], d["recency"], d["T"]),
              ModifiedBetaGeo(penalizer=0.01).fit(d["frequency"], d["recency"], d["T"]),
              BetaGeoBetaBinom().fit(*donations[:3], weights=donations[3]),
              ShiftedBetaGeo().fit_survivors(REGULAR)]
    for m in models:
        p = m.save(tmp_path / f"{type(m).__name__}.json", time_unit="W", client="demo")
        raw = json.loads(p.read_text())
        assert raw["model"] == type(m).__name__ and raw["format_version"] == 1
        back = load_model(p)
        assert type(back) is type(m) and back.params_ == m.params_
        assert back.get_params() == m.get_params()
        assert back.metadata_ == {"time_unit": "W", "client": "demo"}
        np.testing.assert_allclose(back.covariance_.to_numpy(), m.covariance_.to_numpy(),
                                   rtol=1e-12)
        assert back.summary().equals(m.summary())
    bg, back = models[0], load_model(tmp_path / "BetaGeo.json")
    np.testing.assert_array_equal(back.probability_alive(d["frequency"], d["recency"], d["T"]),
                                  bg.probability_alive(d["frequency"], d["recency"], d["T"]))


def test_load_rejects_foreign_files(tmp_path):
    p = tmp_path / "x.json"
    p.write_text(json.dumps({"format": "cdmkit-clv-model", "format_version": 1,
                             "model": "Pickle"}))
    with pytest.raises(AnalysisInputError, match="unknown model"):
        load_model(p)
    p.write_text("not json")
    with pytest.raises(AnalysisInputError, match="cannot read"):
        load_model(p)
    with pytest.raises(AnalysisInputError, match="not fitted"):
        ShiftedBetaGeo().save(tmp_path / "y.json")


# -- errors ------------------------------------------------------------------------------
@pytest.mark.parametrize("call, message", [
    (lambda: BetaGeoBetaBinom().fit([2], [1], [6]), "frequency <= recency"),
    (lambda: BetaGeoBetaBinom().fit([1.5, 0], [2, 0], [6, 6]), "whole numbers"),
    (lambda: ShiftedBetaGeo().fit([1, 2], [False, False]), "needs churners"),
    (lambda: ShiftedBetaGeo().fit_survivors([100, 120]), "non-increasing"),
    (lambda: ShiftedBetaGeo().with_params({"alpha": 1, "beta": 1}).derl(0.0), "discount_rate"),
])
def test_new_models_reject_unusable_input(call, message):
    with pytest.raises(AnalysisInputError, match=message):
        call()


# -- covariates ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_channels():
    """Channel 1 buys faster (alpha x e^-0.5) and drops out more (a x e^0.4)."""
    import pandas as pd

    from cdmkit.analyze import simulate_bgnbd

    parts = []
    for ch, alpha, a in ((0, 6.0, 0.8), (1, 6.0 * math.exp(-0.5), 0.8 * math.exp(0.4))):
        d = simulate_bgnbd(8000, r=0.5, alpha=alpha, a=a, b=2.5, T=52.0, seed=ch)
        parts.append(d.assign(channel=ch))
    return pd.concat(parts, ignore_index=True)


def test_covariates_recover_channel_effects(two_channels):
    from cdmkit.analyze import BetaGeoCovariates

    d = two_channels
    m = BetaGeoCovariates().fit(d["frequency"], d["recency"], d["T"], d[["channel"]])
    true = {"r": 0.5, "alpha0": 6.0, "a0": 0.8, "b0": 2.5, "purchase_channel": 0.5,
            "dropout_a_channel": 0.4, "dropout_b_channel": 0.0}
    for k, v in true.items():
        assert abs(m.params_[k] - v) < 3 * m.standard_errors_[k], (k, m.summary())
    cp = m.customer_params(d[["channel"]].head(1))
    assert cp["alpha"].iloc[0] == pytest.approx(m.params_["alpha0"])


def test_covariates_model_nests_bgnbd(two_channels):
    """With every coefficient at zero the likelihood is BG/NBD's, customer by customer."""
    from cdmkit.analyze import BetaGeoCovariates

    d = two_channels.iloc[::32]
    m = BetaGeoCovariates().fit(d["frequency"], d["recency"], d["T"], d[["channel"]])
    base = {"r": 0.4, "alpha0": 5.0, "a0": 0.9, "b0": 2.5}
    zero = m.with_params({**base, **{k: 0.0 for k in m.params_ if k not in base}})
    bg = BetaGeo().with_params({"r": 0.4, "alpha": 5.0, "a": 0.9, "b": 2.5})
    z = d[["channel"]].to_numpy(float)
    args = (d["frequency"].to_numpy(), d["recency"].to_numpy(), d["T"].to_numpy())
    np.testing.assert_allclose(zero._loglik_grad(zero._p(), *args, z, grad=False),
                               bg.log_likelihood(*args), rtol=1e-12)
    np.testing.assert_allclose(zero.probability_alive(*args, z), bg.probability_alive(*args),
                               rtol=1e-12)
    np.testing.assert_allclose(zero.conditional_expected_purchases(10, *args, z),
                               bg.conditional_expected_purchases(10, *args), rtol=1e-10)
    # analytic gradient, coefficients included, against finite differences
    p = np.array([0.4, 5.0, 0.9, 2.5, 0.3, -0.2, 0.1])
    ll, g = zero._loglik_grad(p, *args, z)
    logm = zero._log_mask()
    for i in range(len(p)):
        up, dn = p.copy(), p.copy()
        h = 1e-6
        if logm[i]:
            up[i] *= math.exp(h)
            dn[i] *= math.exp(-h)
        else:
            up[i] += h
            dn[i] -= h
        fd = (zero._loglik_grad(up, *args, z, grad=False).sum()
              - zero._loglik_grad(dn, *args, z, grad=False).sum()) / (2 * h)
        assert g.sum(axis=1)[i] == pytest.approx(fd, rel=1e-5), i


def test_covariates_model_saves_and_rejects_bad_covariates(tmp_path, two_channels):
    from cdmkit.analyze import BetaGeoCovariates

    d = two_channels.iloc[::8]
    m = BetaGeoCovariates().fit(d["frequency"], d["recency"], d["T"], d[["channel"]])
    back = load_model(m.save(tmp_path / "cov.json"))
    assert back.params_ == m.params_ and list(back.summary().index) == list(m.summary().index)
    np.testing.assert_allclose(back.probability_alive([2], [30.0], [52.0], [[1.0]]),
                               m.probability_alive([2], [30.0], [52.0], [[1.0]]))
    with pytest.raises(AnalysisInputError, match="constant"):
        BetaGeoCovariates().fit(d["frequency"], d["recency"], d["T"], np.ones(len(d)))
    with pytest.raises(AnalysisInputError, match="one row per customer"):
        BetaGeoCovariates().fit(d["frequency"], d["recency"], d["T"], np.ones((3, 1)))


# -- uncertainty of predictions ----------------------------------------------------------------
def test_clv_interval_agrees_with_the_delta_method(cdnow):
    """Bootstrap 95 % half-width of E[purchases in 39 weeks] ~ 1.96 x delta-method SE."""
    from cdmkit.analyze import clv_interval

    bg = BetaGeo().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    cust = ([2], [30.43], [38.86])
    ci = clv_interval(bg, None, *cust, [0.0], horizon=39, step=39, n_draws=2000, seed=1)
    names = list(bg.params_)
    p0 = np.array([bg.params_[k] for k in names])
    grad = np.empty(4)
    for i in range(4):
        up, dn = p0.copy(), p0.copy()
        up[i] *= 1 + 1e-6
        dn[i] *= 1 - 1e-6
        f = lambda p: bg.with_params(dict(zip(names, p))).conditional_expected_purchases(  # noqa
            39, *cust)[0]
        grad[i] = (f(up) - f(dn)) / (2e-6 * p0[i])
    se = math.sqrt(grad @ bg.covariance_.loc[names, names].to_numpy() @ grad)
    assert ci["clv"].iloc[0] == pytest.approx(1.226, abs=0.002)  # FHL 2005's published value
    half = (ci["clv_upper"].iloc[0] - ci["clv_lower"].iloc[0]) / 2
    assert half == pytest.approx(1.96 * se, rel=0.15)
    again = clv_interval(bg, None, *cust, [0.0], horizon=39, step=39, n_draws=2000, seed=1)
    assert again.equals(ci)


def test_probability_alive_matrix_and_tracking_helpers():
    from cdmkit.analyze import expected_cumulative_transactions, probability_alive_matrix

    bg = BetaGeo().with_params({"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.43})
    m = probability_alive_matrix(bg, max_frequency=5, T=39, n_recency=14)
    assert m.shape == (14, 6) and (m[0] == 1.0).all()
    col = m[5].dropna().to_numpy()
    assert np.all(np.diff(col) > 0)  # a later last purchase: more likely alive
    assert m.loc[39.0, 5] == pytest.approx(bg.probability_alive([5], [39], [39])[0])
    bb = BetaGeoBetaBinom().with_params({"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8})
    mb = probability_alive_matrix(bb, max_frequency=6)
    assert mb.shape == (7, 7) and np.isnan(mb.loc[2.0, 3]) and not np.isnan(mb.loc[6.0, 3])
    e = expected_cumulative_transactions(bg, [10.0, 0.0, -5.0], horizon=8, step=1)
    want = (bg.expected_purchases(18) - bg.expected_purchases(10) + bg.expected_purchases(8)
            + bg.expected_purchases(3))
    assert e["expected"].iloc[-1] == pytest.approx(want) and e["expected"].iloc[0] == 0


def test_delta_method_interval_agrees_with_the_bootstrap(cdnow):
    from cdmkit.analyze import clv_interval

    rep = cdnow[cdnow["frequency"] > 0]
    bg = BetaGeo().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    gg = GammaGamma().fit(rep["frequency"], rep["monetary_value"])
    c = cdnow.iloc[:40]
    args = (bg, gg, c["frequency"], c["recency"], c["T"], c["monetary_value"])
    kw = dict(horizon=52, step=4, discount_rate=0.01)
    boot = clv_interval(*args, **kw, n_draws=1500, seed=3)
    delta = clv_interval(*args, **kw, method="delta")
    np.testing.assert_allclose(delta["clv"], boot["clv"])
    width_b = boot["clv_upper"] - boot["clv_lower"]
    width_d = delta["clv_upper"] - delta["clv_lower"]
    assert np.median(width_d / width_b) == pytest.approx(1.0, abs=0.12)
    with pytest.raises(AnalysisInputError, match="method"):
        clv_interval(*args, **kw, method="jackknife")


def test_paretonbd_probability_of_purchases_matches_simulation():
    pn = ParetoNBD().with_params({"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7})
    sim = simulate_paretonbd(200_000, r=0.55, alpha=10.6, s=0.6, beta=11.7, T=39.0, seed=5)
    emp = np.bincount(sim["frequency"].astype(int), minlength=6)[:6] / len(sim)
    np.testing.assert_allclose([pn.probability_of_purchases(39, k) for k in range(6)], emp,
                               atol=0.004)


def test_bgbb_dert_is_the_discounted_sum_of_expected_transactions():
    m = BetaGeoBetaBinom().with_params({"alpha": 1.204, "beta": 0.75, "gamma": 0.657,
                                        "delta": 2.783})
    hist = ([0, 2, 6], [0, 3, 6], [6, 6, 6])
    d = 0.1
    cum = np.array([m.conditional_expected_purchases(k, *hist) for k in range(0, 600)])
    brute = (np.diff(cum, axis=0) / (1 + d) ** np.arange(1, 600)[:, None]).sum(axis=0)
    np.testing.assert_allclose(m.discounted_expected_residual_transactions(d, *hist), brute,
                               rtol=1e-8)
