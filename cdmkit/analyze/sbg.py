"""Shifted-beta-geometric (sBG) model of contractual churn (Fader & Hardie 2007).

For subscriptions and contracts, where churn is observed: at the end of every
period a customer renews with probability 1 - θ, θ ~ Beta(α, β) across
customers. Heterogeneity makes the aggregate retention rate *rise* with tenure
(the customers likely to leave leave first), which a single churn rate misses.

Fit it to a cohort's survivor counts (:meth:`ShiftedBetaGeo.fit_survivors`:
1000, 631, 468, ... customers still active at the start of periods 0, 1, 2, ...)
or to one row per customer (:meth:`ShiftedBetaGeo.fit`: periods observed and
whether the customer churned). It gives the survival and retention curves and
the discounted expected residual lifetime (DERL, Fader & Hardie 2010): the
expected number of future payments of a customer who has made ``n - 1``
renewals, discounted at rate ``d`` per period — times the margin per period it
is the customer's residual value.

Examples
--------
>>> m = ShiftedBetaGeo().fit_survivors([1000, 631, 468, 382, 326, 289, 262, 241])
>>> round(m.params_["alpha"], 3), round(m.params_["beta"], 3)
(0.704, 1.182)
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, hyp2f1

from ._checks import AnalysisInputError, as_array
from ._fitter import BaseFitter, _compress

__all__ = ["ShiftedBetaGeo", "survivors_to_durations"]


def survivors_to_durations(survivors):
    """Cohort survivor counts as (periods, churned, weight) rows for :meth:`ShiftedBetaGeo.fit`.

    ``survivors[k]`` customers are active at the start of period ``k``
    (``survivors[0]`` is the cohort size). The ``survivors[k-1] - survivors[k]``
    customers lost in period k churned after ``k`` periods; the last count is
    still active (censored) after ``len(survivors) - 1`` periods.

    Examples
    --------
    >>> survivors_to_durations([100, 60, 45])
    (array([1., 2., 2.]), array([ True,  True, False]), array([40., 15., 45.]))
    """
    s = as_array(survivors, "survivors")
    if len(s) < 2 or np.any(np.diff(s) > 0) or np.any(s < 0) or s[0] <= 0:
        raise AnalysisInputError("survivors must be a non-increasing sequence of counts that "
                                 "starts with the cohort size, at least two periods")
    k = len(s) - 1
    periods = np.append(np.arange(1, k + 1, dtype=float), float(k))
    churned = np.append(np.ones(k, dtype=bool), False)
    return periods, churned, np.append(-np.diff(s), s[-1]).astype(float)


class ShiftedBetaGeo(BaseFitter):
    """sBG model of contractual retention (Fader & Hardie 2007).

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on α and β (unit-free), added to the average negative
        log-likelihood per customer.
    max_iter : int, default 2000
        Iteration cap of the optimiser.
    tol : float, default 1e-8
        Gradient tolerance of the optimiser.

    Attributes
    ----------
    params_ : dict
        ``alpha``, ``beta`` of the Beta distribution of the churn probability θ.
    log_likelihood_, converged_, covariance_, standard_errors_, n_customers_
        As for the other models.

    Examples
    --------
    >>> m = ShiftedBetaGeo().with_params({"alpha": 0.704, "beta": 1.182})
    >>> [round(float(v), 3) for v in m.survival([1, 2])]
    [0.627, 0.474]
    """

    _param_names = ("alpha", "beta")

    @staticmethod
    def _loglik_grad(params, t, churned, grad=True):
        """log P(T = t) for churners, log S(t) for the still active; gradient in log-params."""
        alpha, beta = params
        # P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta); S(t) = B(alpha, beta + t) / B
        ga = np.where(churned, alpha + 1, alpha)
        gb = np.where(churned, beta + t - 1, beta + t)
        ll = betaln(ga, gb) - betaln(alpha, beta)
        if not grad:
            return ll
        s = digamma(ga + gb)
        d_alpha = digamma(ga) - s - digamma(alpha) + digamma(alpha + beta)
        d_beta = digamma(gb) - s - digamma(beta) + digamma(alpha + beta)
        return ll, np.vstack([alpha * d_alpha, beta * d_beta])

    def fit(self, periods, churned, weights=None):
        """Fit to one row per customer (or pattern); returns ``self``.

        Parameters
        ----------
        periods : array-like
            Whole periods observed: for a churner, the period in which she left
            (1 = did not renew after the first period); for an active customer,
            the periods she has completed so far.
        churned : array-like of bool
            Whether the customer has left.
        weights : array-like, optional
            Customers each row stands for.

        Raises
        ------
        AnalysisInputError
            Periods below 1 for churners, negative periods or weights, no churner or
            no survivor (the model is not identified then), fewer than 2 customers.
        """
        t = as_array(periods, "periods")
        c = np.asarray(churned, dtype=bool)
        w0 = np.ones_like(t) if weights is None else as_array(weights, "weights")
        if not (len(t) == len(c) == len(w0)):
            raise AnalysisInputError("periods, churned and weights differ in length")
        if np.any(t < 0) or np.any(t != np.round(t)) or np.any(c & (t < 1)) or np.any(w0 < 0):
            raise AnalysisInputError("periods must be whole numbers (>= 1 for churners) and "
                                     "weights >= 0")
        if w0.sum() < 2:
            raise AnalysisInputError("too little data: at least 2 customers needed to fit")
        if not np.any(c & (w0 > 0)) or not np.any(t[w0 > 0] > 0):
            raise AnalysisInputError("the sBG model needs churners and customers observed for "
                                     "at least one period")
        (ut, uc, uw), cnt = _compress(t, c.astype(float), w0)
        uc = uc.astype(bool)
        w = cnt * uw
        wsum = w.sum()

        def neg_ll(p):
            return -float((w * self._loglik_grad(p, ut, uc, grad=False)).sum()) / wsum

        def neg_ll_grad(p):
            ll, g = self._loglik_grad(p, ut, uc)
            return -float((w * ll).sum()) / wsum, -(g * w).sum(axis=1) / wsum

        self.n_customers_ = float(wsum)
        self._optimise(neg_ll, [1.0, 1.0], 1.0, neg_ll_grad, wsum)
        self.log_likelihood_ = float((w * self._loglik_grad(self._p(), ut, uc, grad=False)).sum())
        return self

    def fit_survivors(self, survivors):
        """Fit to a cohort's survivor counts (see :func:`survivors_to_durations`).

        Examples
        --------
        >>> m = ShiftedBetaGeo().fit_survivors([1000, 869, 743, 653, 593, 551, 517, 491])
        >>> round(m.params_["alpha"], 3), round(m.params_["beta"], 3)
        (0.668, 3.806)
        """
        return self.fit(*survivors_to_durations(survivors))

    def churn_probability(self, t):
        """P(T = t): the share of a new cohort lost in period ``t`` (t = 1, 2, ...).

        Examples
        --------
        >>> m = ShiftedBetaGeo().with_params({"alpha": 1.0, "beta": 1.0})
        >>> float(m.churn_probability(1))
        0.5
        """
        alpha, beta = self._p()
        t = np.asarray(t, dtype=float)
        return np.exp(betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta))

    def survival(self, t):
        """S(t): the share of a new cohort still active after ``t`` periods.

        Examples
        --------
        >>> m = ShiftedBetaGeo().with_params({"alpha": 1.0, "beta": 1.0})
        >>> [float(v) for v in m.survival([0, 1, 3])]
        [1.0, 0.5, 0.25]
        """
        alpha, beta = self._p()
        t = np.asarray(t, dtype=float)
        return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))

    def retention_rate(self, t):
        """r(t) = S(t) / S(t - 1) = (β + t - 1) / (α + β + t - 1): renewal rate in period t.

        Rises with t although every customer's own rate is constant (sorting effect).

        Examples
        --------
        >>> m = ShiftedBetaGeo().with_params({"alpha": 0.704, "beta": 1.182})
        >>> r = m.retention_rate([1, 2, 10])
        >>> bool(r[0] < r[1] < r[2])
        True
        """
        alpha, beta = self._p()
        t = np.asarray(t, dtype=float)
        return (beta + t - 1) / (alpha + beta + t - 1)

    def derl(self, discount_rate: float, renewals=0):
        """Discounted expected residual lifetime of a customer with ``renewals`` renewals.

        DERL(d | n - 1 renewals) = (β + n - 1)/(α + β + n - 1) ·
        ₂F₁(1, β + n; α + β + n; 1/(1 + d)) with n = renewals + 1 (Fader & Hardie
        2010, eq. 6): the expected number of payments still to come, counting the
        one about to be made, each discounted by ``(1 + d)`` per period. Multiply by
        the margin per period for the residual value.

        Examples
        --------
        >>> m = ShiftedBetaGeo().with_params({"alpha": 1.0, "beta": 1.0})
        >>> d = [float(v) for v in m.derl(0.1, [0, 4])]
        >>> d[0] < d[1]
        True
        """
        if discount_rate <= 0:
            raise AnalysisInputError("discount_rate must be > 0 (undiscounted lifetimes can be "
                                     "infinite under the sBG model)")
        alpha, beta = self._p()
        n = np.asarray(renewals, dtype=float) + 1
        return ((beta + n - 1) / (alpha + beta + n - 1)
                * hyp2f1(1.0, beta + n, alpha + beta + n, 1.0 / (1.0 + discount_rate)))

    def simulate(self, n_customers: int, periods: int, seed: int = 0):
        """Simulated cohort: survivors per period from θ ~ Beta(α, β) per customer.

        Examples
        --------
        >>> m = ShiftedBetaGeo().with_params({"alpha": 0.7, "beta": 1.2})
        >>> s = m.simulate(1000, 5, seed=1)
        >>> int(s[0]), len(s)
        (1000, 6)
        """
        from .simulate import simulate_sbg

        alpha, beta = self._p()
        return simulate_sbg(n_customers, alpha=alpha, beta=beta, periods=periods, seed=seed)
