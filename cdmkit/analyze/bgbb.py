"""BG/BB: repeat transactions in discrete time (Fader, Hardie & Shang 2010).

For businesses where a transaction can only happen at fixed opportunities —
a yearly donation campaign, an annual event, a monthly draw. While alive, a
customer transacts at each opportunity with probability p ~ Beta(α, β); before
each opportunity she drops out for good with probability θ ~ Beta(γ, δ).

Each customer is summarised by ``frequency`` x (transactions in the ``n``
opportunities after the first), ``recency`` t_x (the opportunity of the last
transaction, 0 if none) and ``n`` (opportunities observed). Data often come as
counts of (x, t_x, n) patterns: pass them as ``weights``.

Examples
--------
>>> from cdmkit.analyze.simulate import simulate_bgbb
>>> d = simulate_bgbb(2000, alpha=1.2, beta=0.75, gamma=0.66, delta=2.8, n=6, seed=0)
>>> m = BetaGeoBetaBinom().fit(d["frequency"], d["recency"], d["n"])
>>> sorted(m.params_)
['alpha', 'beta', 'delta', 'gamma']
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, gammaln, hyp2f1

from ._checks import AnalysisInputError, as_array
from ._fitter import BaseFitter, _compress

__all__ = ["BetaGeoBetaBinom"]


def _check_xtn(frequency, recency, n):
    x = as_array(frequency, "frequency")
    t = as_array(recency, "recency")
    nn = as_array(n, "n")
    if not (len(x) == len(t) == len(nn)):
        raise AnalysisInputError("frequency, recency and n differ in length")
    for name, v in (("frequency", x), ("recency", t), ("n", nn)):
        if np.any(v < 0) or np.any(v != np.round(v)):
            raise AnalysisInputError(f"{name} must be whole numbers >= 0 (opportunities)")
    if np.any(x > t) or np.any(t > nn) or np.any((x == 0) != (t == 0)):
        raise AnalysisInputError("need 0 <= frequency <= recency <= n, and recency 0 exactly "
                                 "when frequency is 0")
    return x, t, nn


class BetaGeoBetaBinom(BaseFitter):
    """BG/BB model of discrete-time repeat transactions (Fader, Hardie & Shang 2010).

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the (unit-free) parameters, added to the average negative
        log-likelihood per customer.
    max_iter : int, default 2000
        Iteration cap of the optimiser.
    tol : float, default 1e-8
        Gradient tolerance of the optimiser.

    Attributes
    ----------
    params_ : dict
        ``alpha``, ``beta`` (transaction probability), ``gamma``, ``delta`` (drop-out).
    log_likelihood_, converged_, covariance_, standard_errors_, n_customers_
        As for the other models (``n_customers_`` is the sum of the weights).

    Examples
    --------
    >>> m = BetaGeoBetaBinom().with_params({"alpha": 1.204, "beta": 0.750,
    ...                                     "gamma": 0.657, "delta": 2.783})
    >>> round(float(m.expected_purchases(6)), 2)
    2.22
    """

    _param_names = ("alpha", "beta", "gamma", "delta")

    @staticmethod
    def _terms(params, x, t, n):
        """Log of every term of the likelihood sum and the Beta arguments behind each.

        Term 0: alive through all ``n`` opportunities; term i+1: alive at t_x + i,
        dead before opportunity t_x + i + 1 (i = 0 .. n - t_x - 1). Returns
        ``(logs, mask, m_beta, g_plus, d_plus)`` with shape (terms, rows).
        """
        alpha, beta, gamma, delta = params
        k = int(np.max(n - t)) if len(n) else 0
        i = np.arange(k)[:, None]
        m_beta = np.vstack([n - x, t - x + i])        # beta + m  in B(alpha + x, beta + m)
        g_plus = np.vstack([np.zeros_like(x), np.ones((k, len(x)))])
        d_plus = np.vstack([n, t + i])                  # delta + d in B(gamma + g, delta + d)
        mask = np.vstack([np.ones_like(x, dtype=bool), i < (n - t)])
        logs = (betaln(alpha + x, beta + m_beta) - betaln(alpha, beta)
                + betaln(gamma + g_plus, delta + d_plus) - betaln(gamma, delta))
        logs = np.where(mask, logs, -np.inf)
        return logs, mask, m_beta, g_plus, d_plus

    @classmethod
    def _loglik_grad(cls, params, x, t, n, grad=True):
        alpha, beta, gamma, delta = params
        logs, mask, m_beta, g_plus, d_plus = cls._terms(params, x, t, n)
        top = logs.max(axis=0)
        ll = top + np.log(np.exp(logs - top).sum(axis=0))
        if not grad:
            return ll
        w = np.where(mask, np.exp(logs - ll), 0.0)  # each term's share of the likelihood
        ab = digamma(alpha + beta + x + m_beta)
        gd = digamma(gamma + delta + g_plus + d_plus)
        d_alpha = (w * (digamma(alpha + x) - ab)).sum(0) - digamma(alpha) + digamma(alpha + beta)
        d_beta = (w * (digamma(beta + m_beta) - ab)).sum(0) - digamma(beta) + digamma(alpha + beta)
        d_gamma = (w * (digamma(gamma + g_plus) - gd)).sum(0) - digamma(gamma) \
            + digamma(gamma + delta)
        d_delta = (w * (digamma(delta + d_plus) - gd)).sum(0) - digamma(delta) \
            + digamma(gamma + delta)
        return ll, np.vstack([alpha * d_alpha, beta * d_beta, gamma * d_gamma, delta * d_delta])

    def fit(self, frequency, recency, n, weights=None):
        """Fit to (x, t_x, n) per customer or per pattern (with ``weights``); returns ``self``.

        Raises
        ------
        AnalysisInputError
            Values that are not whole numbers, x > t_x or t_x > n, negative
            weights, or fewer than 2 customers.

        Examples
        --------
        >>> BetaGeoBetaBinom().fit([1, 0], [2, 1], [3, 3])
        Traceback (most recent call last):
        ...
        cdmkit.analyze._checks.AnalysisInputError: need 0 <= frequency <= recency <= n, and recency 0 exactly when frequency is 0
        """
        x, t, nn = _check_xtn(frequency, recency, n)
        w0 = np.ones_like(x) if weights is None else as_array(weights, "weights")
        if len(w0) != len(x) or np.any(w0 < 0):
            raise AnalysisInputError("weights must be >= 0, one per row")
        if w0.sum() < 2:
            raise AnalysisInputError("too little data: at least 2 customers needed to fit")
        (ux, ut, un, uw), cnt = _compress(x, t, nn, w0)
        w = cnt * uw
        wsum = w.sum()

        def neg_ll(p):
            return -float((w * self._loglik_grad(p, ux, ut, un, grad=False)).sum()) / wsum

        def neg_ll_grad(p):
            ll, g = self._loglik_grad(p, ux, ut, un)
            return -float((w * ll).sum()) / wsum, -(g * w).sum(axis=1) / wsum

        self.n_customers_ = float(wsum)
        self._optimise(neg_ll, [1.0, 1.0, 1.0, 1.0], 1.0, neg_ll_grad, wsum)
        self.log_likelihood_ = float((w * self._loglik_grad(self._p(), ux, ut, un,
                                                            grad=False)).sum())
        return self

    def log_likelihood(self, frequency, recency, n):
        """Log-likelihood of each row at the fitted parameters.

        Examples
        --------
        >>> m = BetaGeoBetaBinom().with_params({"alpha": 1.2, "beta": 0.75, "gamma": 0.66,
        ...                                     "delta": 2.8})
        >>> m.log_likelihood([0, 3], [0, 5], [6, 6]).shape
        (2,)
        """
        x, t, nn = _check_xtn(frequency, recency, n)
        return self._loglik_grad(self._p(), x, t, nn, grad=False)

    def probability_alive(self, frequency, recency, n):
        """P(alive at opportunity n + 1) given the history (FHS 2010, eq. 11).

        Examples
        --------
        >>> m = BetaGeoBetaBinom().with_params({"alpha": 1.2, "beta": 0.75, "gamma": 0.66,
        ...                                     "delta": 2.8})
        >>> p = m.probability_alive([3, 3], [3, 6], [6, 6])
        >>> bool(p[0] < p[1])
        True
        """
        x, t, nn = _check_xtn(frequency, recency, n)
        alpha, beta, gamma, delta = self._p()
        ll = self._loglik_grad(self._p(), x, t, nn, grad=False)
        return np.exp(betaln(alpha + x, beta + nn - x) - betaln(alpha, beta)
                      + betaln(gamma, delta + nn + 1) - betaln(gamma, delta) - ll)

    def expected_purchases(self, n):
        """Expected transactions of a new customer in the next ``n`` opportunities (eq. 7).

        Examples
        --------
        >>> m = BetaGeoBetaBinom().with_params({"alpha": 1.2, "beta": 0.75, "gamma": 0.66,
        ...                                     "delta": 2.8})
        >>> abs(float(m.expected_purchases(0)))
        0.0
        """
        alpha, beta, gamma, delta = self._p()
        n = np.asarray(n, dtype=float)
        return (alpha / (alpha + beta) * delta / (gamma - 1)
                * (1 - np.exp(gammaln(gamma + delta) - gammaln(gamma + delta + n)
                              + gammaln(1 + delta + n) - gammaln(1 + delta))))

    def conditional_expected_purchases(self, n_star, frequency, recency, n):
        """Expected transactions in the next ``n_star`` opportunities given the history (eq. 13).

        Examples
        --------
        >>> m = BetaGeoBetaBinom().with_params({"alpha": 1.2, "beta": 0.75, "gamma": 0.66,
        ...                                     "delta": 2.8})
        >>> e = m.conditional_expected_purchases(5, [0, 6], [0, 6], [6, 6])
        >>> bool(e[1] > e[0])
        True
        """
        x, t, nn = _check_xtn(frequency, recency, n)
        alpha, beta, gamma, delta = self._p()
        ll = self._loglik_grad(self._p(), x, t, nn, grad=False)
        lead = np.exp(betaln(alpha + x + 1, beta + nn - x) - betaln(alpha, beta) - ll)
        g = (np.exp(gammaln(gamma + delta) - gammaln(1 + delta)) * delta / (gamma - 1)
             * (np.exp(gammaln(1 + delta + nn) - gammaln(gamma + delta + nn))
                - np.exp(gammaln(1 + delta + nn + n_star) - gammaln(gamma + delta + nn + n_star))))
        return lead * g

    def discounted_expected_residual_transactions(self, discount_rate, frequency, recency, n):
        """DERT: expected future transactions, each discounted by (1 + d) per opportunity.

        FHS 2010, eq. 14: B(α+x+1, β+n−x)/B(α,β) · B(γ, δ+n+1)/(B(γ,δ)(1+d)) ·
        ₂F₁(1, δ+n+1; γ+δ+n+1; 1/(1+d)) / L — the transaction at opportunity n+k is
        discounted by (1+d)^k. Times the value per transaction it is the residual CLV
        (e.g. of a donor).

        Examples
        --------
        >>> m = BetaGeoBetaBinom().with_params({"alpha": 1.2, "beta": 0.75, "gamma": 0.66,
        ...                                     "delta": 2.8})
        >>> d = m.discounted_expected_residual_transactions(0.1, [1, 6], [1, 6], [6, 6])
        >>> bool(d[1] > d[0] > 0)
        True
        """
        if discount_rate <= 0:
            raise AnalysisInputError("discount_rate must be > 0")
        x, t, nn = _check_xtn(frequency, recency, n)
        alpha, beta, gamma, delta = self._p()
        ll = self._loglik_grad(self._p(), x, t, nn, grad=False)
        lead = (betaln(alpha + x + 1, beta + nn - x) - betaln(alpha, beta)
                + betaln(gamma, delta + nn + 1) - betaln(gamma, delta) - ll)
        return (np.exp(lead) / (1 + discount_rate)
                * hyp2f1(1.0, delta + nn + 1, gamma + delta + nn + 1, 1 / (1 + discount_rate)))

    def probability_of_purchases(self, n, x):
        """P(a new customer makes exactly ``x`` transactions in ``n`` opportunities) (eq. 8).

        Examples
        --------
        >>> m = BetaGeoBetaBinom().with_params({"alpha": 1.2, "beta": 0.75, "gamma": 0.66,
        ...                                     "delta": 2.8})
        >>> round(sum(m.probability_of_purchases(6, k) for k in range(7)), 10)
        1.0
        """
        alpha, beta, gamma, delta = self._p()
        n, x = int(n), int(x)
        if x > n or x < 0:
            return 0.0

        def lchoose(a, b):
            return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)

        out = np.exp(lchoose(n, x) + betaln(alpha + x, beta + n - x) - betaln(alpha, beta)
                     + betaln(gamma, delta + n) - betaln(gamma, delta))
        i = np.arange(x, n)
        out += np.exp(lchoose(i, x) + betaln(alpha + x, beta + i - x) - betaln(alpha, beta)
                      + betaln(gamma + 1, delta + i) - betaln(gamma, delta)).sum()
        return float(out)
