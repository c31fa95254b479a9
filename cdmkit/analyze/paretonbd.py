"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987) fitted by maximum likelihood.

While alive a customer buys at her own Poisson rate (gamma across customers, ``r``,
``alpha``); her lifetime is exponential with a gamma-distributed rate (``s``, ``beta``).
Same data, fitting and scaling conventions as :class:`cdmkit.analyze.clv.BetaGeo`.

Examples
--------
>>> from cdmkit.analyze.simulate import simulate_paretonbd
>>> d = simulate_paretonbd(300, r=0.5, alpha=5.0, s=0.5, beta=10.0, T=40.0, seed=0)
>>> sorted(ParetoNBD().fit(d["frequency"], d["recency"], d["T"]).params_)
['alpha', 'beta', 'r', 's']
"""

from __future__ import annotations


import numpy as np
from scipy import integrate
from scipy.special import digamma, expit, gammaln, hyp2f1

from ._checks import check_rft
from ._fitter import BaseFitter, _compress
from .clv import _ByCount, _one_minus_pow_over, _Pairs

__all__ = ["ParetoNBD"]


class ParetoNBD(BaseFitter):
    """Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987).

    While alive, a customer buys at Poisson rate λ ~ Gamma(r, α); her lifetime
    is exponential with rate μ ~ Gamma(s, β). The likelihood follows Fader,
    Hardie & Lee's note (2005), with the Gauss hypergeometric terms combined in
    log space; where ``hyp2f1`` is not finite the integral it stands for is
    computed by quadrature.

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
        ``r``, ``alpha``, ``s``, ``beta`` (``alpha`` and ``beta`` in the data's time unit).
    log_likelihood_, converged_, n_iter_, n_customers_
        As for :class:`BetaGeo`.

    Examples
    --------
    >>> from cdmkit.analyze.simulate import simulate_bgnbd
    >>> d = simulate_bgnbd(500, r=0.5, alpha=5.0, a=1.0, b=3.0, T=40.0, seed=0)
    >>> pn = ParetoNBD().fit(d["frequency"], d["recency"], d["T"])
    >>> sorted(pn.params_)
    ['alpha', 'beta', 'r', 's']
    """

    _param_names = ("r", "alpha", "s", "beta")
    _scaled_params = ("alpha", "beta")

    @staticmethod
    def _log_J(alpha, beta, e1, e2, t_x, T, pairs=None):
        """log ∫_{t_x}^{T} (α+τ)^-e1 (β+τ)^-e2 dτ per row (``e1`` an array, ``e2`` a scalar).

        The tail ∫_τ^∞ is ₂F₁(k, b; k+1; z) / (k (c+τ)^k), k = e1 + e2 - 1, with either
        c = α, b = e2, z = (α-β)/(α+τ) or c = β, b = e1, z = (β-α)/(β+τ). Both hold
        for z < 1; the one with z <= 0 is tried first because scipy evaluates it in
        microseconds, while z near 1 (a huge β next to a small α: no drop-out, an
        unidentified fit) costs milliseconds per row. The other form, then quadrature,
        take over where it is not finite. Zero width (t_x == T) gives -inf.

        ``pairs`` (a :class:`_Pairs` of the rows) evaluates each end point once per
        distinct (purchases, time) pair: about half the ``hyp2f1`` calls on real data.
        """
        k = e1 + e2 - 1.0
        small_alpha = alpha <= beta

        def log_tail(use_alpha, kk, ee, tau):
            base, b2 = (alpha, e2) if use_alpha else (beta, ee)
            z_num = (alpha - beta) if use_alpha else (beta - alpha)
            with np.errstate(all="ignore"):
                return np.log(hyp2f1(kk, b2, kk + 1, z_num / (base + tau))) \
                    - kk * np.log(base + tau)

        def log_diff(use_alpha, rows, dedup=None):
            if dedup is None:
                l1 = log_tail(use_alpha, k[rows], e1[rows], t_x[rows])
                l2 = log_tail(use_alpha, k[rows], e1[rows], T[rows])
            else:
                lo, inv_lo, hi, inv_hi = dedup
                l1 = log_tail(use_alpha, k[lo], e1[lo], t_x[lo])[inv_lo]
                l2 = log_tail(use_alpha, k[hi], e1[hi], T[hi])[inv_hi]
            with np.errstate(all="ignore"):
                # log(e^l1 - e^l2) = l1 + log(1 - e^(l2 - l1))
                return l1 + np.log(-np.expm1(np.minimum(l2 - l1, 0.0))) - np.log(k[rows])

        out = log_diff(small_alpha, slice(None), pairs.index if pairs is not None else None)
        retry = ~np.isfinite(out) & (T > t_x)
        if retry.any():
            out[retry] = log_diff(not small_alpha, retry)
        out[T <= t_x] = -np.inf
        bad = ~np.isfinite(out) & (T > t_x)
        for i in np.flatnonzero(bad):  # rare: hyp2f1 overflow; integrate directly
            ei, lo, hi = e1[i], t_x[i], T[i]

            def f(tau):
                return np.exp(-ei * np.log((alpha + tau) / (alpha + lo))
                              - e2 * np.log((beta + tau) / (beta + lo)))

            val, _ = integrate.quad(f, lo, hi, limit=200)
            out[i] = np.log(val) - ei * np.log(alpha + lo) - e2 * np.log(beta + lo)
        return out

    @classmethod
    def _log_integral(cls, params, x, t_x, T, pairs=None):
        """log of s * ∫_{t_x}^{T} (α+τ)^-(r+x) (β+τ)^-(s+1) dτ (the 'still alive until τ' part)."""
        r, alpha, s, beta = params
        return np.log(s) + cls._log_J(alpha, beta, r + np.asarray(x, dtype=float), s + 1.0,
                                      t_x, T, pairs)

    @classmethod
    def _loglik(cls, params, x, t_x, T, by=None, pairs=None):
        r, alpha, s, beta = params
        by = by or _ByCount(x)
        a1 = by(gammaln(r + by.u) - gammaln(r) + r * np.log(alpha) + s * np.log(beta))
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        return a1 + np.logaddexp(alive, cls._log_integral(params, x, t_x, T, pairs))

    @classmethod
    def _loglik_grad(cls, params, x, t_x, T, by=None, pairs=None):
        """Log-likelihood per row and its gradient w.r.t. log(r, alpha, s, beta) per row.

        Analytic, except the derivatives of the integral term in r and s (they sit
        in the exponents, and scipy has no parameter derivative of ₂F₁): central
        differences, accurate to ~1e-9. Its α and β derivatives are integrals of the
        same family (:meth:`_log_J` with an exponent raised by one).
        """
        r, alpha, s, beta = params
        by = by or _ByCount(x)
        lT_a, lT_b = np.log(alpha + T), np.log(beta + T)
        a1 = by(gammaln(r + by.u) - gammaln(r)) + r * np.log(alpha) + s * np.log(beta)
        alive = -(r + x) * lT_a - s * lT_b
        li = cls._log_integral(params, x, t_x, T, pairs)
        tail = np.logaddexp(alive, li)
        w_li = np.where(np.isfinite(li), np.exp(li - tail), 0.0)
        w_alive = 1.0 - w_li
        # d/d alpha and d/d beta of the integral are integrals of the same family with an
        # exponent raised by one; r and s enter the exponents, so those two are differenced.
        live = w_li > 0
        e1 = r + x
        lj = li - np.log(s)
        with np.errstate(invalid="ignore", over="ignore"):
            d_alpha = -alpha * e1 * np.exp(cls._log_J(alpha, beta, e1 + 1, s + 1.0, t_x, T, pairs) - lj)
            d_beta = -beta * (s + 1) * np.exp(cls._log_J(alpha, beta, e1, s + 2.0, t_x, T, pairs) - lj)
            h = 1e-5  # central differences in log r, log s
            d_r = (cls._log_J(alpha, beta, r * np.exp(h) + x, s + 1.0, t_x, T, pairs)
                   - cls._log_J(alpha, beta, r * np.exp(-h) + x, s + 1.0, t_x, T, pairs)) / (2 * h)
            d_s = 1.0 + (cls._log_J(alpha, beta, e1, s * np.exp(h) + 1.0, t_x, T, pairs)
                         - cls._log_J(alpha, beta, e1, s * np.exp(-h) + 1.0, t_x, T, pairs)) / (2 * h)
        d_li = np.where(live, np.vstack([d_r, d_alpha, d_s, d_beta]), 0.0)
        grad = np.vstack([
            r * (by(digamma(r + by.u)) - digamma(r) + np.log(alpha) - w_alive * lT_a),
            r - w_alive * alpha * (r + x) / (alpha + T),
            s * (np.log(beta) - w_alive * lT_b),
            s - w_alive * beta * s / (beta + T),
        ]) + w_li * d_li
        return a1 + tail, grad

    def fit(self, frequency, recency, T):
        """Fit to a frequency / recency / T summary; returns ``self``.

        Raises
        ------
        AnalysisInputError
            As :meth:`BetaGeo.fit`.

        Examples
        --------
        >>> ParetoNBD().fit([0, 0], [0, 0], [5, 6])
        Traceback (most recent call last):
        ...
        cdmkit.analyze._checks.AnalysisInputError: no repeat buyers: every customer bought once, so purchase rates and dropout cannot be estimated; use a longer observation window
        """
        x, t_x, TT = check_rft(frequency, recency, T, min_customers=2, need_repeat=True)
        scale = float(np.max(TT))  # as lifetimes: the penalty sees ages in units of max(T)
        (ux, ut, uT), w = _compress(x, t_x / scale, TT / scale)
        wsum = w.sum()
        by = _ByCount(ux)
        pairs = _Pairs(ux, ut, uT)

        def neg_ll(p):
            return -float((w * self._loglik(p, ux, ut, uT, by, pairs)).sum()) / wsum

        def neg_ll_grad(p):
            ll, g = self._loglik_grad(p, ux, ut, uT, by, pairs)
            return -float((w * ll).sum()) / wsum, -(g * w).sum(axis=1) / wsum

        rate = (x.mean() + 1) / TT.mean() * scale
        self.n_customers_ = len(x)
        self._optimise(neg_ll, [1.0, 1.0 / rate, 1.0, 1.0], scale, neg_ll_grad, len(x))
        self.log_likelihood_ = float(np.sum(self._loglik(self._p(), x, t_x, TT)))
        return self

    def log_likelihood(self, frequency, recency, T):
        """Per-customer log-likelihood at the fitted parameters.

        Examples
        --------
        >>> pn = ParetoNBD().fit([0, 1, 3], [0, 5, 9], [10, 10, 10])
        >>> pn.log_likelihood([1], [5], [10]).shape
        (1,)
        """
        x, t_x, TT = check_rft(frequency, recency, T)
        return self._loglik(self._p(), x, t_x, TT)

    def expected_purchases(self, t):
        """Expected purchases of a new customer in ``(0, t]`` (unconditional).

        Examples
        --------
        >>> pn = ParetoNBD().fit([0, 1, 3], [0, 5, 9], [10, 10, 10])
        >>> bool(pn.expected_purchases(20) > pn.expected_purchases(10) > 0)
        True
        """
        r, alpha, s, beta = self._p()
        t = np.asarray(t, dtype=float)
        return r * beta / alpha * _one_minus_pow_over(beta / (beta + t), s - 1)

    def probability_alive(self, frequency, recency, T):
        """Probability that each customer is still active at the end of the window.

        Examples
        --------
        >>> pn = ParetoNBD().fit([0, 1, 3], [0, 5, 9], [10, 10, 10])
        >>> bool(pn.probability_alive([3], [2], [10])[0] < pn.probability_alive([3], [9], [10])[0])
        True
        """
        x, t_x, TT = check_rft(frequency, recency, T)
        p = self._p()
        r, alpha, s, beta = p
        log_term = (self._log_integral(p, x, t_x, TT) + (r + x) * np.log(alpha + TT)
                    + s * np.log(beta + TT))
        return expit(-log_term)

    def probability_of_purchases(self, t, n):
        """P(a new customer makes exactly ``n`` repeat purchases in ``(0, t]``).

        Alive through t: NBD(n; t)·(β/(β+t))^s; dead at τ < t: ∫₀ᵗ NBD(n; τ)·s·β^s·(β+τ)^-(s+1) dτ,
        with NBD(n; τ) = Γ(r+n)/(Γ(r) n!)·(α/(α+τ))^r·(τ/(α+τ))^n — a one-dimensional
        integral, computed by adaptive quadrature.

        Examples
        --------
        >>> pn = ParetoNBD().with_params({"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7})
        >>> p = [pn.probability_of_purchases(39, k) for k in range(300)]
        >>> round(sum(p), 6), bool(abs(sum(k * v for k, v in enumerate(p))
        ...                           - pn.expected_purchases(39)) < 1e-6)
        (1.0, True)
        """
        r, alpha, s, beta = self._p()
        n = int(n)
        if n < 0:
            return 0.0
        head = gammaln(r + n) - gammaln(r) - gammaln(n + 1)

        def log_nbd(tau):
            with np.errstate(divide="ignore"):
                return head + r * np.log(alpha / (alpha + tau)) + (
                    n * np.log(tau / (alpha + tau)) if n else 0.0)

        alive = np.exp(log_nbd(t) + s * np.log(beta / (beta + t)))
        dead, _ = integrate.quad(
            lambda tau: np.exp(log_nbd(tau) + np.log(s) + s * np.log(beta)
                               - (s + 1) * np.log(beta + tau)), 0.0, t, limit=200,
            epsabs=1e-13, epsrel=1e-10)
        return float(alive + dead)

    def conditional_expected_purchases(self, t, frequency, recency, T):
        """Expected purchases in the next ``t`` time units given each customer's history.

        Examples
        --------
        >>> pn = ParetoNBD().fit([0, 1, 3], [0, 5, 9], [10, 10, 10])
        >>> e = pn.conditional_expected_purchases(10, [0, 3], [0, 9], [10, 10])
        >>> bool(e[1] > e[0] > 0)
        True
        """
        x, t_x, TT = check_rft(frequency, recency, T)
        r, alpha, s, beta = self._p()
        t = np.asarray(t, dtype=float)
        rate = (r + x) * (beta + TT) / (alpha + TT)
        return rate * _one_minus_pow_over((beta + TT) / (beta + TT + t), s - 1) * \
            self.probability_alive(x, t_x, TT)
