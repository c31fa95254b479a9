"""BG/NBD with time-invariant covariates (Fader & Hardie 2007, "Incorporating time-invariant
covariates into the Pareto/NBD and BG/NBD models", note 019).

A customer's characteristics z (acquisition channel, region, first-order size —
anything fixed at acquisition) shift the mixing distributions:

    α_i = α0 · exp(-γ1'z_i)     (purchase rate: positive γ1 means more purchases)
    a_i = a0 · exp(γ2'z_i),  b_i = b0 · exp(γ3'z_i)   (drop-out probability)

With all γ = 0 it is the plain BG/NBD. Coefficients are on the scale of the
covariates: centre and scale numeric ones (or use 0/1 dummies) so that α0, a0,
b0 describe the reference customer.

Examples
--------
>>> import numpy as np
>>> from cdmkit.analyze.simulate import simulate_bgnbd
>>> d = simulate_bgnbd(400, r=0.5, alpha=5.0, a=1.0, b=3.0, T=40.0, seed=0)
>>> z = np.random.default_rng(0).integers(0, 2, (400, 1))
>>> m = BetaGeoCovariates().fit(d["frequency"], d["recency"], d["T"], z)
>>> sorted(m.params_)[:3]
['a0', 'alpha0', 'b0']
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from ._checks import AnalysisInputError, check_rft
from ._fitter import BaseFitter

__all__ = ["BetaGeoCovariates"]


def _design(covariates, n):
    import pandas as pd

    if isinstance(covariates, pd.DataFrame):
        names = [str(c) for c in covariates.columns]
        z = covariates.to_numpy(dtype=float)
    else:
        z = np.asarray(covariates, dtype=float)
        if z.ndim == 1:
            z = z[:, None]
        names = [f"z{i}" for i in range(z.shape[1])]
    if z.ndim != 2 or z.shape[0] != n:
        raise AnalysisInputError(f"covariates: need one row per customer ({n}), got shape "
                                 f"{z.shape}")
    if not np.all(np.isfinite(z)):
        raise AnalysisInputError("covariates: missing or infinite values")
    return z, names


class BetaGeoCovariates(BaseFitter):
    """BG/NBD whose α, a and b depend on time-invariant customer covariates.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on all parameters on the fitting scale, coefficients included.
    max_iter : int, default 2000
        Iteration cap of the optimiser.
    tol : float, default 1e-8
        Gradient tolerance of the optimiser.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha0`` (time unit of the data), ``a0``, ``b0``, then
        ``purchase_<name>`` (γ1), ``dropout_a_<name>`` (γ2), ``dropout_b_<name>`` (γ3)
        per covariate.
    covariate_names_ : list of str
    log_likelihood_, converged_, covariance_, standard_errors_, n_customers_
        As for the other models (``summary()`` shows which covariates matter).

    Examples
    --------
    >>> m = BetaGeoCovariates()
    >>> m.get_params()["penalizer"]
    0.0
    """

    _param_names = ("r", "alpha0", "a0", "b0")
    _scaled_params = ("alpha0",)

    def _split(self, params, k):
        p = np.asarray(params, dtype=float)
        return p[0], p[1], p[2], p[3], p[4:4 + k], p[4 + k:4 + 2 * k], p[4 + 2 * k:4 + 3 * k]

    def _row_params(self, params, z):
        r, alpha0, a0, b0, g1, g2, g3 = self._split(params, z.shape[1])
        return r, alpha0 * np.exp(-z @ g1), a0 * np.exp(z @ g2), b0 * np.exp(z @ g3)

    def _loglik_grad(self, params, x, t_x, T, z, grad=True):
        r, alpha, a, b = self._row_params(params, z)
        lT, lt = np.log(alpha + T), np.log(alpha + t_x)
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
        rep = x > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            a4 = np.where(rep, np.log(a) - np.log(b + x - 1) - (r + x) * lt, -np.inf)
        a3 = -(r + x) * lT
        tail = np.logaddexp(a3, a4)
        ll = head + tail
        if not grad:
            return ll
        w4 = np.exp(a4 - tail)
        w3 = 1.0 - w4
        with np.errstate(divide="ignore", invalid="ignore"):
            inv_b1 = np.where(rep, 1.0 / (b + x - 1), 0.0)
        d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w3 * lT - w4 * lt
        d_alpha = r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x))
        d_a = digamma(a + b) - digamma(a + b + x) + w4 / a
        d_b = digamma(b + x) - digamma(a + b + x) - digamma(b) + digamma(a + b) - w4 * inv_b1
        # chain rule: d alpha_i / d log alpha0 = alpha_i, d alpha_i / d gamma1 = -alpha_i z_i
        ga, gA, gB = alpha * d_alpha, a * d_a, b * d_b
        return ll, np.vstack([r * d_r, ga, gA, gB, -(z * ga[:, None]).T, (z * gA[:, None]).T,
                              (z * gB[:, None]).T])

    def fit(self, frequency, recency, T, covariates):
        """Fit to the frequency / recency / T summary and one covariate row per customer.

        Parameters
        ----------
        frequency, recency, T : array-like
            As :meth:`cdmkit.analyze.BetaGeo.fit`.
        covariates : DataFrame or array-like (customers × k)
            Time-invariant covariates; DataFrame column names name the coefficients.

        Raises
        ------
        AnalysisInputError
            As :meth:`cdmkit.analyze.BetaGeo.fit`, or covariates of the wrong shape,
            with missing values, or constant (not identified).
        """
        x, t_x, TT = check_rft(frequency, recency, T, min_customers=2, need_repeat=True)
        z, names = _design(covariates, len(x))
        if np.any(z.std(axis=0) == 0):
            raise AnalysisInputError("covariates: a column is constant, its effect cannot be "
                                     "told apart from the baseline parameters")
        k = z.shape[1]
        self.covariate_names_ = names
        self._param_names = ("r", "alpha0", "a0", "b0", *[f"purchase_{n}" for n in names],
                             *[f"dropout_a_{n}" for n in names],
                             *[f"dropout_b_{n}" for n in names])
        self._unbounded = self._param_names[4:]
        scale = float(np.max(TT))
        ut, uT = t_x / scale, TT / scale
        n = float(len(x))

        def neg_ll(p):
            return -float(self._loglik_grad(p, x, ut, uT, z, grad=False).sum()) / n

        def neg_ll_grad(p):
            ll, g = self._loglik_grad(p, x, ut, uT, z)
            return -float(ll.sum()) / n, -g.sum(axis=1) / n

        rate = (x.mean() + 1) / TT.mean() * scale
        self.n_customers_ = len(x)
        self._optimise(neg_ll, [1.0, 1.0 / rate, 1.0, 2.0] + [0.0] * (3 * k), scale,
                       neg_ll_grad, n)
        self.log_likelihood_ = float(self._loglik_grad(self._p(), x, t_x, TT, z,
                                                       grad=False).sum())
        return self

    def customer_params(self, covariates):
        """Each customer's own ``r``, ``alpha``, ``a``, ``b`` (a DataFrame).

        Examples
        --------
        >>> m = BetaGeoCovariates()
        >>> m._param_names = ("r", "alpha0", "a0", "b0", "purchase_z0", "dropout_a_z0",
        ...                   "dropout_b_z0")
        >>> m._unbounded = m._param_names[4:]
        >>> m = m.with_params(dict(zip(m._param_names, [0.5, 4.0, 1.0, 2.0, 0.5, 0.0, 0.0])))
        >>> m.customer_params([[0.0], [1.0]])["alpha"].round(3).tolist()
        [4.0, 2.426]
        """
        import pandas as pd

        self._check_fitted()
        z, _ = _design(covariates, len(covariates))
        if z.shape[1] * 3 + 4 != len(self._param_names):
            raise AnalysisInputError(f"covariates: the model was fitted with "
                                     f"{(len(self._param_names) - 4) // 3} column(s)")
        r, alpha, a, b = self._row_params(self._p(), z)
        return pd.DataFrame({"r": np.full(len(z), r), "alpha": alpha, "a": a, "b": b})

    def probability_alive(self, frequency, recency, T, covariates):
        """P(alive) of each customer at the end of the window, given her covariates.

        Examples
        --------
        >>> from cdmkit.analyze.simulate import simulate_bgnbd
        >>> d = simulate_bgnbd(300, r=0.5, alpha=5.0, a=1.0, b=3.0, T=40.0, seed=0)
        >>> z = np.random.default_rng(0).normal(size=(300, 1))
        >>> m = BetaGeoCovariates().fit(d["frequency"], d["recency"], d["T"], z)
        >>> bool(m.probability_alive([0], [0], [40], [[0.3]])[0] == 1.0)
        True
        """
        x, t_x, TT = check_rft(frequency, recency, T)
        c = self.customer_params(covariates)
        r, alpha, a, b = c["r"].to_numpy(), c["alpha"].to_numpy(), c["a"].to_numpy(), \
            c["b"].to_numpy()
        out = np.ones_like(x)
        rep = x > 0
        log_term = (np.log(a[rep]) - np.log(b[rep] + x[rep] - 1)
                    + (r[rep] + x[rep]) * np.log((alpha[rep] + TT[rep]) / (alpha[rep] + t_x[rep])))
        out[rep] = expit(-log_term)
        return out

    def conditional_expected_purchases(self, t, frequency, recency, T, covariates):
        """Expected purchases in the next ``t`` time units given history and covariates.

        Examples
        --------
        >>> from cdmkit.analyze.simulate import simulate_bgnbd
        >>> d = simulate_bgnbd(300, r=0.5, alpha=5.0, a=1.0, b=3.0, T=40.0, seed=0)
        >>> z = np.random.default_rng(0).normal(size=(300, 1))
        >>> m = BetaGeoCovariates().fit(d["frequency"], d["recency"], d["T"], z)
        >>> e = m.conditional_expected_purchases(10, [0, 3], [0, 30], [40, 40], [[0.0], [0.0]])
        >>> bool(e[1] > e[0] > 0)
        True
        """
        x, t_x, TT = check_rft(frequency, recency, T)
        c = self.customer_params(covariates)
        r, alpha, a, b = c["r"].to_numpy(), c["alpha"].to_numpy(), c["a"].to_numpy(), \
            c["b"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + TT + t))
            num = (a + b + x - 1) / (a - 1) * (1 - ((alpha + TT) / (alpha + TT + t)) ** (r + x)
                                               * hyp)
        return num * self.probability_alive(x, t_x, TT, covariates)
