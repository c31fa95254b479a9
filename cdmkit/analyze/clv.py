"""Customer lifetime value: BG/NBD and Gamma-Gamma fitted by maximum likelihood (Pareto/NBD:
:mod:`cdmkit.analyze.paretonbd`).

The transaction models take the per-customer summary used in the CLV
literature (and by ``cdmkit.segment.rfm_summary``): ``frequency`` = number of
repeat purchases, ``recency`` = time from the first to the last purchase,
``T`` = time from the first purchase to the end of the observation window,
all in one time unit that the user chooses (days, weeks). Parameters with a
time dimension (``alpha``, ``beta``) are in that unit.

Fitting maximises the log-likelihood over the log of the parameters (so they
stay positive) with L-BFGS-B, from scale-aware starting values, on the distinct
(frequency, recency, T) rows weighted by their counts. Times are rescaled
internally (ages divided by ``max(T)``, spend by its mean) so that the optimiser
sees a well-conditioned problem; the reported parameters and log-likelihood are
on the user's scale. An optional L2 penalty (``penalizer``) shrinks the
parameters on that internal scale, as lifetimes does, so it does not depend on
the time unit (exact definition: :mod:`cdmkit.analyze._fitter`). Fits run with
one BLAS thread (:func:`~cdmkit.analyze._fitter.single_thread`).

Examples
--------
>>> from cdmkit.analyze.simulate import simulate_bgnbd
>>> d = simulate_bgnbd(500, r=0.5, alpha=5.0, a=1.0, b=3.0, T=40.0, seed=0)
>>> bg = BetaGeo().fit(d["frequency"], d["recency"], d["T"])
>>> sorted(bg.params_)
['a', 'alpha', 'b', 'r']
>>> bool(bg.converged_)
True
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import optimize
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1
from ._checks import AnalysisInputError, as_array, check_rft, check_spend
from ._fitter import BaseFitter, _compress

__all__ = ["BetaGeo", "GammaGamma", "customer_lifetime_value", "per_step_rate"]


class _ByCount:
    """Terms that depend only on the purchase count, evaluated once per distinct count.

    Counts repeat massively (most customers have 0-5 purchases), so gammaln/betaln
    over the distinct counts and a gather is far cheaper than per customer.
    """

    def __init__(self, x):
        self.u, self.inv = np.unique(x, return_inverse=True)

    def __call__(self, values):
        return values[self.inv]


class _Pairs:
    """Distinct (purchases, t_x) and (purchases, T) pairs of the rows, for Pareto/NBD's integral.

    ``index`` is (rows of the distinct (x, t_x) pairs, inverse map, same for (x, T)).
    """

    def __init__(self, x, t_x, T):
        def distinct(t):
            _, first, inv = np.unique(np.column_stack([x, t]), axis=0, return_index=True,
                                      return_inverse=True)
            return first, inv.ravel()

        self.index = (*distinct(t_x), *distinct(T))


class BetaGeo(BaseFitter):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).

    While alive, a customer buys at Poisson rate λ ~ Gamma(r, α); after each
    purchase she drops out with probability p ~ Beta(a, b).

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters on the fitting scale (0 = plain maximum
        likelihood; definition in :mod:`cdmkit.analyze._fitter`).
    max_iter : int, default 2000
        Iteration cap of the optimiser.
    tol : float, default 1e-8
        Gradient tolerance of the optimiser.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (in the time unit of the data), ``a``, ``b``.
    log_likelihood_ : float
        Log-likelihood of the data at ``params_`` (without the penalty).
    converged_ : bool
        Whether the optimiser reported convergence.
    n_iter_ : int
        Optimiser iterations.
    n_customers_ : int
        Customers fitted.

    Examples
    --------
    >>> from cdmkit.analyze.simulate import simulate_bgnbd
    >>> d = simulate_bgnbd(500, r=0.5, alpha=5.0, a=1.0, b=3.0, T=40.0, seed=0)
    >>> bg = BetaGeo().fit(d["frequency"], d["recency"], d["T"])
    >>> p = bg.probability_alive([0, 5], [0, 30], [40, 38])
    >>> bool(p[0] == 1.0), bool(0 < p[1] <= 1)
    (True, True)
    """

    _param_names = ("r", "alpha", "a", "b")
    _scaled_params = ("alpha",)

    @staticmethod
    def _loglik(params, x, t_x, T, by=None):
        r, alpha, a, b = params
        by = by or _ByCount(x)
        u = by.u
        head = (gammaln(r + u) - gammaln(r) + r * np.log(alpha)
                + betaln(a, b + u) - betaln(a, b))
        with np.errstate(divide="ignore", invalid="ignore"):
            drop = np.where(u > 0, np.log(a) - np.log(b + u - 1), -np.inf)
        rx = by(r + u)
        a3 = -rx * np.log(alpha + T)
        a4 = by(drop) - rx * np.log(alpha + t_x)
        return by(head) + np.logaddexp(a3, a4)

    @staticmethod
    def _loglik_grad(params, x, t_x, T, by):
        """Log-likelihood per row and its gradient w.r.t. log(r, alpha, a, b) per row."""
        r, alpha, a, b = params
        u = by.u
        head = (gammaln(r + u) - gammaln(r) + r * np.log(alpha)
                + betaln(a, b + u) - betaln(a, b))
        with np.errstate(divide="ignore", invalid="ignore"):
            drop = np.where(u > 0, np.log(a) - np.log(b + u - 1), -np.inf)
            inv_b1 = np.where(u > 0, 1.0 / (b + u - 1), 0.0)
        rx = by(r + u)
        lT, lt = np.log(alpha + T), np.log(alpha + t_x)
        a3 = -rx * lT
        a4 = by(drop) - rx * lt
        ll_tail = np.logaddexp(a3, a4)
        w4 = np.exp(a4 - ll_tail)  # weight of the 'dropped out after the last purchase' term
        w3 = 1.0 - w4
        d_r = by(digamma(r + u) - digamma(r) + np.log(alpha)) - w3 * lT - w4 * lt
        d_alpha = r / alpha - rx * (w3 / (alpha + T) + w4 / (alpha + t_x))
        d_a = by(digamma(a + b) - digamma(a + b + u)) + w4 / a
        d_b = by(digamma(b + u) - digamma(a + b + u) - digamma(b) + digamma(a + b)) \
            - w4 * by(inv_b1)
        grad = np.vstack([r * d_r, alpha * d_alpha, a * d_a, b * d_b])
        return by(head) + ll_tail, grad

    def fit(self, frequency, recency, T):
        """Fit to a frequency / recency / T summary; returns ``self``.

        Raises
        ------
        AnalysisInputError
            On NaN or negative values, recency > T, fewer than 2 customers or
            no repeat buyer at all.

        Examples
        --------
        >>> BetaGeo().fit([0], [0], [5])
        Traceback (most recent call last):
        ...
        cdmkit.analyze._checks.AnalysisInputError: too little data: 1 customer(s), at least 2 needed to fit the model
        """
        x, t_x, TT = check_rft(frequency, recency, T, min_customers=2, need_repeat=True)
        scale = float(np.max(TT))  # as lifetimes: the penalty sees ages in units of max(T)
        (ux, ut, uT), w = _compress(x, t_x / scale, TT / scale)
        wsum = w.sum()
        by = _ByCount(ux)

        def neg_ll(p):
            return -float((w * self._loglik(p, ux, ut, uT, by)).sum()) / wsum

        def neg_ll_grad(p):
            ll, g = self._loglik_grad(p, ux, ut, uT, by)
            return -float((w * ll).sum()) / wsum, -(g * w).sum(axis=1) / wsum

        rate = (x.mean() + 1) / TT.mean() * scale  # purchases per scaled unit
        self.n_customers_ = len(x)
        self._optimise(neg_ll, [1.0, 1.0 / rate, 1.0, 2.0], scale, neg_ll_grad, len(x))
        self.log_likelihood_ = float(np.sum(self._loglik(self._p(), x, t_x, TT)))
        return self

    def log_likelihood(self, frequency, recency, T):
        """Per-customer log-likelihood at the fitted parameters.

        Examples
        --------
        >>> bg = BetaGeo().fit([0, 1, 3], [0, 5, 9], [10, 10, 10])
        >>> bool(np.isclose(bg.log_likelihood([0, 1, 3], [0, 5, 9], [10, 10, 10]).sum(),
        ...                 bg.log_likelihood_))
        True
        """
        x, t_x, TT = check_rft(frequency, recency, T)
        return self._loglik(self._p(), x, t_x, TT)

    def expected_purchases(self, t):
        """Expected purchases of a new customer in ``(0, t]`` (unconditional).

        Examples
        --------
        >>> bg = BetaGeo().fit([0, 1, 3], [0, 5, 9], [10, 10, 10])
        >>> bool(bg.expected_purchases(0) == 0)
        True
        """
        r, alpha, a, b = self._p()
        t = np.asarray(t, dtype=float)
        z = t / (alpha + t)
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))

    def conditional_expected_purchases(self, t, frequency, recency, T):
        """Expected purchases in the next ``t`` time units given each customer's history.

        Examples
        --------
        >>> bg = BetaGeo().fit([0, 1, 3], [0, 5, 9], [10, 10, 10])
        >>> e = bg.conditional_expected_purchases(10, [0, 3], [0, 9], [10, 10])
        >>> bool(e[1] > e[0] > 0)
        True
        """
        x, t_x, TT = check_rft(frequency, recency, T)
        r, alpha, a, b = self._p()
        t = np.asarray(t, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = (r + x) * np.log((alpha + TT) / (alpha + TT + t))
            hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + TT + t))
            num = (a + b + x - 1) / (a - 1) * (1 - np.exp(log_ratio) * hyp)
        return num * self.probability_alive(x, t_x, TT)

    def probability_of_purchases(self, t, n):
        """P(a new customer makes exactly ``n`` repeat purchases in ``(0, t]``) (FHL 2005, eq. 8).

        Examples
        --------
        >>> bg = BetaGeo().with_params({"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.43})
        >>> round(float(sum(bg.probability_of_purchases(39, k) for k in range(400))), 6)
        1.0
        """
        r, alpha, a, b = self._p()
        n = int(n)
        lt = np.log(alpha / (alpha + t))
        lz = np.log(t / (alpha + t)) if t > 0 else -np.inf
        first = (betaln(a, b + n) - betaln(a, b) + gammaln(r + n) - gammaln(r) - gammaln(n + 1)
                 + r * lt + (n * lz if n else 0.0))
        if n == 0:
            return float(np.exp(first))
        # Dropped out right after the n-th purchase, which came before t: N(t) >= n.
        j = np.arange(n)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = (gammaln(r + j) - gammaln(r) - gammaln(j + 1) + r * lt
                     + np.where(j > 0, j * lz, 0.0))
        second = np.exp(betaln(a + 1, b + n - 1) - betaln(a, b)) * (1 - np.exp(terms).sum())
        return float(np.exp(first) + second)

    def probability_alive(self, frequency, recency, T):
        """Probability that each customer is still active at the end of the window.

        Customers without a repeat purchase are alive with probability 1 in
        BG/NBD (drop-out only happens right after a purchase).

        Examples
        --------
        >>> bg = BetaGeo().fit([0, 1, 3], [0, 5, 9], [10, 10, 10])
        >>> bool(bg.probability_alive([3], [2], [10])[0] < bg.probability_alive([3], [9], [10])[0])
        True
        """
        x, t_x, TT = check_rft(frequency, recency, T)
        r, alpha, a, b = self._p()
        out = np.ones_like(x)
        rep = x > 0
        log_term = (np.log(a) - np.log(b + x[rep] - 1)
                    + (r + x[rep]) * np.log((alpha + TT[rep]) / (alpha + t_x[rep])))
        out[rep] = expit(-log_term)
        return out


def _one_minus_pow_over(base, k):
    """(1 - base**k) / k, stable near k = 0 (limit -log(base))."""
    lb = np.log(base)
    if abs(k) < 1e-10:
        return -lb
    return -np.expm1(k * lb) / k


class GammaGamma(BaseFitter):
    """Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005; Colombo & Jiang 1999).

    A customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ)
    across customers; ``v`` holds γ. Fitted on repeat buyers' average spend
    per repeat transaction; assumes spend is independent of purchase frequency
    (check with :func:`spend_frequency_correlation`).

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters.
    max_iter : int, default 2000
        Iteration cap of the optimiser.
    tol : float, default 1e-8
        Gradient tolerance of the optimiser.

    Attributes
    ----------
    params_ : dict
        ``p``, ``q``, ``v``.
    log_likelihood_, converged_, n_iter_
        As for :class:`BetaGeo`.
    n_customers_ : int
        Repeat buyers used in the fit.

    Examples
    --------
    >>> from cdmkit.analyze.simulate import simulate_spend
    >>> x = np.tile([1, 2, 3, 5], 100)
    >>> gg = GammaGamma().fit(x, simulate_spend(x, p=6.0, q=4.0, v=15.0, seed=0))
    >>> sorted(gg.params_)
    ['p', 'q', 'v']
    >>> GammaGamma().fit([0, 0], [0.0, 0.0])
    Traceback (most recent call last):
    ...
    cdmkit.analyze._checks.AnalysisInputError: no repeat buyers: the Gamma-Gamma model learns spend from repeat purchases, and there are none
    """

    _param_names = ("p", "q", "v")
    _scaled_params = ("v",)  # v is on the money scale: fitted on spend / mean spend

    @staticmethod
    def _loglik(params, x, m, by=None):
        p, q, v = params
        by = by or _ByCount(x)
        pu = p * by.u
        head = gammaln(pu + q) - gammaln(pu) - gammaln(q) + q * np.log(v) + pu * np.log(by.u)
        px = by(pu)
        return by(head) + (px - 1) * np.log(m) - (px + q) * np.log(x * m + v)

    @staticmethod
    def _loglik_grad(params, x, m, by):
        """Log-likelihood per row and its gradient w.r.t. log(p, q, v) per row."""
        p, q, v = params
        u = by.u
        pu = p * u
        head = gammaln(pu + q) - gammaln(pu) - gammaln(q) + q * np.log(v) + pu * np.log(u)
        px = by(pu)
        lm, lxm = np.log(m), np.log(x * m + v)
        ll = by(head) + (px - 1) * lm - (px + q) * lxm
        d_p = by(u * (digamma(pu + q) - digamma(pu) + np.log(u))) + x * (lm - lxm)
        d_q = by(digamma(pu + q) - digamma(q)) + np.log(v) - lxm
        d_v = q / v - (px + q) / (x * m + v)
        return ll, np.vstack([p * d_p, q * d_q, v * d_v])

    def fit(self, frequency, monetary_value):
        """Fit to repeat purchase counts and average repeat spend; returns ``self``.

        Customers with ``frequency == 0`` are ignored (they carry no repeat spend).

        Raises
        ------
        AnalysisInputError
            No repeat buyers, spend <= 0 among repeat buyers, NaN, or fewer than 2
            repeat buyers.
        """
        x, m = check_spend(frequency, monetary_value)
        scale = float(np.mean(m))
        (ux, um), w = _compress(x, m / scale)
        wsum = w.sum()
        by = _ByCount(ux)

        def neg_ll(p):
            return -float((w * self._loglik(p, ux, um, by)).sum()) / wsum

        def neg_ll_grad(p):
            ll, g = self._loglik_grad(p, ux, um, by)
            return -float((w * ll).sum()) / wsum, -(g * w).sum(axis=1) / wsum

        self.n_customers_ = len(x)
        self._optimise(neg_ll, [2.0, 3.0, 2.0], scale, neg_ll_grad, len(x))
        self.log_likelihood_ = float(np.sum(self._loglik(self._p(), x, m)))
        return self

    def conditional_expected_spend(self, frequency, monetary_value):
        """Expected spend per transaction of each customer (population mean for ``frequency`` 0).

        Examples
        --------
        >>> from cdmkit.analyze.simulate import simulate_spend
        >>> x = np.tile([1, 2, 3, 5], 100)
        >>> gg = GammaGamma().fit(x, simulate_spend(x, p=6.0, q=4.0, v=15.0, seed=0))
        >>> e = gg.conditional_expected_spend([0, 4], [0.0, 11.0])
        >>> bool(np.isclose(e[0], gg.expected_spend()))
        True
        """
        x = as_array(frequency, "frequency")
        m = as_array(monetary_value, "monetary_value")
        p, q, v = self._p()
        if q <= 1:
            raise AnalysisInputError(f"GammaGamma: q = {q:.3g} <= 1, so expected spend is "
                                     "infinite; the spend data are too heavy-tailed for this model")
        m = np.where(x > 0, m, 0.0)
        return p * (v + x * m) / (p * x + q - 1)

    def expected_spend(self):
        """Population mean spend per transaction, p·v / (q - 1).

        Examples
        --------
        >>> from cdmkit.analyze.simulate import simulate_spend
        >>> x = np.tile([1, 2, 3, 5], 100)
        >>> gg = GammaGamma().fit(x, simulate_spend(x, p=6.0, q=4.0, v=15.0, seed=0))
        >>> bool(gg.expected_spend() > 0)
        True
        """
        p, q, v = self._p()
        return p * v / (q - 1) if q > 1 else math.inf


def per_step_rate(annual_rate: float, step: float, units_per_year: float) -> float:
    """Discount rate per step of ``step`` time units from an annual rate.

    Parameters
    ----------
    annual_rate : float
        Yearly discount rate (0.1 = 10 %).
    step : float
        Length of one cash-flow step in the model's time unit.
    units_per_year : float
        Time units in a year, stated by the caller (365.25 for days, 52.18 for weeks).

    Examples
    --------
    >>> round(per_step_rate(0.1, 1, 1), 4)
    0.1
    >>> round(per_step_rate(0.1, 4, 52.18), 5)
    0.00733
    """
    return (1.0 + annual_rate) ** (step / units_per_year) - 1.0


def customer_lifetime_value(transaction_model, spend_model, frequency, recency, T,
                            monetary_value, *, horizon: float, step: float = 1.0,
                            discount_rate: float = 0.0):
    """Discounted expected value of each customer's purchases over ``horizon``.

    The horizon is cut into steps of ``step`` time units (the model's unit,
    e.g. 4 weeks); the expected purchases in step k times the expected spend
    per purchase is discounted by ``(1 + discount_rate) ** -k``. Nothing is
    assumed about months: the caller states the step and its rate.

    Parameters
    ----------
    transaction_model : BetaGeo or ParetoNBD
        Fitted transaction model.
    spend_model : GammaGamma or None
        Fitted spend model; ``None`` gives expected purchases instead of money.
    frequency, recency, T, monetary_value : array-like
        The customers' summary (same unit as the fitted model).
    horizon : float
        How far ahead, in the model's time unit.
    step : float, default 1.0
        Length of one discounting step in the model's time unit.
    discount_rate : float, default 0.0
        Discount rate per step.

    Returns
    -------
    ndarray
        CLV per customer.

    Examples
    --------
    >>> from cdmkit.analyze.simulate import simulate_bgnbd
    >>> d = simulate_bgnbd(500, r=0.5, alpha=5.0, a=1.0, b=3.0, T=40.0, seed=0)
    >>> bg = BetaGeo().fit(d["frequency"], d["recency"], d["T"])
    >>> from cdmkit.analyze.simulate import simulate_spend
    >>> gg = GammaGamma().fit(np.tile([1, 2, 3, 5], 100),
    ...                       simulate_spend(np.tile([1, 2, 3, 5], 100), p=6, q=4, v=15, seed=0))
    >>> f, r, t, m = [2, 5], [20, 30], [40, 38], [10.0, 11.0]
    >>> v0 = customer_lifetime_value(bg, gg, f, r, t, m, horizon=52, step=4)
    >>> v1 = customer_lifetime_value(bg, gg, f, r, t, m, horizon=52, step=4, discount_rate=0.01)
    >>> bool((v1 < v0).all())
    True
    """
    if horizon <= 0 or step <= 0:
        raise AnalysisInputError("horizon and step must be positive (in the model's time unit)")
    x, t_x, TT = check_rft(frequency, recency, T)
    if spend_model is None:
        spend = np.ones_like(x)
    else:
        spend = spend_model.conditional_expected_spend(x, monetary_value)
    n_steps = int(math.ceil(horizon / step - 1e-12))
    ends = np.minimum(np.arange(1, n_steps + 1) * step, horizon)
    # all steps in one call: the models broadcast t (steps x 1) against the customers
    cum = transaction_model.conditional_expected_purchases(ends[:, None], x, t_x, TT)
    per_step = np.diff(cum, axis=0, prepend=0.0)
    disc = (1.0 + discount_rate) ** -np.arange(1, n_steps + 1, dtype=float)
    return (disc @ per_step) * spend


def spend_frequency_correlation(frequency, monetary_value) -> float:
    """Pearson correlation of repeat frequency and average spend among repeat buyers.

    Gamma-Gamma assumes they are independent; values near 0 support it.

    Examples
    --------
    >>> round(spend_frequency_correlation([1, 2, 3, 0], [10.0, 10.5, 9.5, 0.0]), 2)
    -0.5
    """
    x, m = check_spend(frequency, monetary_value)
    if np.std(x) == 0 or np.std(m) == 0:
        return 0.0
    return float(np.corrcoef(x, m)[0, 1])


__all__ += ["spend_frequency_correlation"]
