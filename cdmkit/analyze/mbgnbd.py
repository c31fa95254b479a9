"""MBG/NBD: the modified BG/NBD model (Batislam, Denizel & Filiztekin 2007).

As BG/NBD, a customer buys at Poisson rate λ ~ Gamma(r, α) while alive and
drops out with probability p ~ Beta(a, b) after each purchase — but also at
time zero, right after the first purchase. So customers without a repeat
purchase can be dead too (BG/NBD gives them P(alive) = 1), which suits bases
with many one-time buyers. Formulas as lifetimes' ``ModifiedBetaGeoFitter``.

Examples
--------
>>> from cdmkit.analyze.simulate import simulate_mbgnbd
>>> d = simulate_mbgnbd(500, r=0.5, alpha=5.0, a=1.0, b=3.0, T=40.0, seed=0)
>>> m = ModifiedBetaGeo().fit(d["frequency"], d["recency"], d["T"])
>>> bool(m.probability_alive([0], [0], [40])[0] < 1)
True
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from ._checks import check_rft
from ._fitter import BaseFitter, _compress

__all__ = ["ModifiedBetaGeo"]


class ModifiedBetaGeo(BaseFitter):
    """MBG/NBD model of repeat purchasing (Batislam et al. 2007).

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters on the fitting scale (see
        :mod:`cdmkit.analyze._fitter`).
    max_iter : int, default 2000
        Iteration cap of the optimiser.
    tol : float, default 1e-8
        Gradient tolerance of the optimiser.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (time unit of the data), ``a``, ``b``.
    log_likelihood_, converged_, n_iter_, n_customers_, covariance_, standard_errors_
        As for :class:`~cdmkit.analyze.BetaGeo`.

    Examples
    --------
    >>> m = ModifiedBetaGeo().with_params({"r": 0.525, "alpha": 6.18, "a": 0.891, "b": 1.614})
    >>> round(float(m.probability_alive([2], [30.43], [38.86])[0]), 3)
    0.706
    """

    _param_names = ("r", "alpha", "a", "b")
    _scaled_params = ("alpha",)

    @staticmethod
    def _loglik_grad(params, x, t_x, T, grad=True, by=None):
        """Log-likelihood per row and (optionally) its gradient w.r.t. log-parameters.

        Special functions of the purchase count are evaluated once per distinct count
        (``by``, a :class:`~cdmkit.analyze.clv._ByCount` of ``x``).
        """
        from .clv import _ByCount

        r, alpha, a, b = params
        by = by or _ByCount(x)
        u = by.u
        lT, lt = np.log(alpha + T), np.log(alpha + t_x)
        head = by(gammaln(r + u) - gammaln(r) + gammaln(a + b) + gammaln(b + u + 1)
                  - gammaln(b) - gammaln(a + b + u + 1)) + r * np.log(alpha) - (r + x) * lT
        a4 = np.log(a) - np.log(b + x) + (r + x) * (lT - lt)
        ll = head + np.logaddexp(a4, 0.0)
        if not grad:
            return ll
        w = expit(a4)  # weight of 'dropped out after the last purchase'
        d_r = by(digamma(r + u)) - digamma(r) + np.log(alpha) - lT + w * (lT - lt)
        d_alpha = r / alpha - (r + x) / (alpha + T) + w * (r + x) * (1 / (alpha + T)
                                                                     - 1 / (alpha + t_x))
        dab = digamma(a + b) - digamma(a + b + u + 1)
        d_a = by(dab) + w / a
        d_b = by(dab + digamma(b + u + 1) - digamma(b)) - w / (b + x)
        return ll, np.vstack([r * d_r, alpha * d_alpha, a * d_a, b * d_b])

    def fit(self, frequency, recency, T, weights=None):
        """Fit to a frequency / recency / T summary; returns ``self``.

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchases, time of the last purchase and age, per customer.
        weights : array-like, optional
            How many customers each row stands for (default one each).

        Raises
        ------
        AnalysisInputError
            As :meth:`cdmkit.analyze.BetaGeo.fit`.
        """
        x, t_x, TT = check_rft(frequency, recency, T, min_customers=2, need_repeat=True)
        w0 = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
        scale = float(np.max(TT))
        (ux, ut, uT, uw), cnt = _compress(x, t_x / scale, TT / scale, w0)
        w = cnt * uw
        wsum = w.sum()
        from .clv import _ByCount

        by = _ByCount(ux)

        def neg_ll(p):
            return -float((w * self._loglik_grad(p, ux, ut, uT, False, by)).sum()) / wsum

        def neg_ll_grad(p):
            ll, g = self._loglik_grad(p, ux, ut, uT, True, by)
            return -float((w * ll).sum()) / wsum, -(g * w).sum(axis=1) / wsum

        rate = (x.mean() + 1) / TT.mean() * scale
        self.n_customers_ = float(wsum) if weights is not None else len(x)
        self._optimise(neg_ll, [1.0, 1.0 / rate, 1.0, 2.0], scale, neg_ll_grad, wsum)
        self.log_likelihood_ = float((w0 * self.log_likelihood(x, t_x, TT)).sum())
        return self

    def log_likelihood(self, frequency, recency, T):
        """Per-customer log-likelihood at the fitted parameters.

        Examples
        --------
        >>> m = ModifiedBetaGeo().with_params({"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6})
        >>> m.log_likelihood([0, 2], [0, 5], [10, 10]).shape
        (2,)
        """
        x, t_x, TT = check_rft(frequency, recency, T)
        return self._loglik_grad(self._p(), x, t_x, TT, grad=False)

    def expected_purchases(self, t):
        """Expected repeat purchases of a new customer in ``(0, t]``.

        Examples
        --------
        >>> m = ModifiedBetaGeo().with_params({"r": 0.525, "alpha": 6.18, "a": 0.891, "b": 1.614})
        >>> bool(m.expected_purchases(0) == 0)
        True
        """
        r, alpha, a, b = self._p()
        t = np.asarray(t, dtype=float)
        return b / (a - 1) * (1 - hyp2f1(r, b + 1, a + b, t / (alpha + t))
                              * (alpha / (alpha + t)) ** r)

    def probability_alive(self, frequency, recency, T):
        """Probability that each customer is still active at the end of the window.

        Examples
        --------
        >>> m = ModifiedBetaGeo().with_params({"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6})
        >>> p = m.probability_alive([0, 3, 3], [0, 2, 9], [10, 10, 10])
        >>> bool(p[1] < p[2])
        True
        """
        x, t_x, TT = check_rft(frequency, recency, T)
        r, alpha, a, b = self._p()
        return expit(-(np.log(a) - np.log(b + x) + (r + x) * np.log((alpha + TT) / (alpha + t_x))))

    def conditional_expected_purchases(self, t, frequency, recency, T):
        """Expected purchases in the next ``t`` time units given each customer's history.

        Examples
        --------
        >>> m = ModifiedBetaGeo().with_params({"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6})
        >>> e = m.conditional_expected_purchases(10, [0, 3], [0, 9], [10, 10])
        >>> bool(e[1] > e[0] > 0)
        True
        """
        x, t_x, TT = check_rft(frequency, recency, T)
        r, alpha, a, b = self._p()
        t = np.asarray(t, dtype=float)
        hyp = hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + TT + t))
        num = (a + b + x) / (a - 1) * (1 - hyp * ((alpha + TT) / (alpha + t + TT)) ** (r + x))
        return num * self.probability_alive(x, t_x, TT)

    def probability_of_purchases(self, t, n):
        """P(a new customer makes exactly ``n`` repeat purchases in ``(0, t]``).

        She survives her first ``n + 1`` purchase occasions and the Poisson count is
        ``n``, or she drops out right after the ``n``-th and the count reached ``n``.

        Examples
        --------
        >>> m = ModifiedBetaGeo().with_params({"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6})
        >>> round(float(sum(m.probability_of_purchases(20, k) for k in range(200))), 6)
        1.0
        """
        r, alpha, a, b = self._p()
        n = int(n)
        lt = np.log(alpha / (alpha + t))
        lz = np.log(t / (alpha + t)) if t > 0 else -np.inf
        first = (betaln(a, b + n + 1) - betaln(a, b) + gammaln(r + n) - gammaln(r)
                 - gammaln(n + 1) + r * lt + (n * lz if n else 0.0))
        # Dead right after the n-th purchase (or at time zero for n = 0): needs N(t) >= n.
        j = np.arange(n)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = (gammaln(r + j) - gammaln(r) - gammaln(j + 1) + r * lt
                     + np.where(j > 0, j * lz, 0.0))
        cum = np.exp(terms).sum()
        second = np.exp(betaln(a + 1, b + n) - betaln(a, b)) * (1 - cum)
        return float(np.exp(first) + second)
