"""Property tests for the CLV likelihoods: the analytic gradients the optimiser uses equal
central finite differences of the log-likelihood, for any parameters and customers; the
gradient-free likelihood and the one the gradient comes with agree.

The gradients are the private ``_loglik_grad`` of BetaGeo and GammaGamma (per customer,
with respect to the log-parameters), the functions ``fit`` hands to L-BFGS-B.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cdmkit.analyze.clv import BetaGeo, GammaGamma, _ByCount

log_param = st.floats(np.log(0.05), np.log(20.0))


@st.composite
def rft(draw, n=6):
    """Customers (frequency, recency, T) with 0 <= recency <= T; recency 0 when frequency 0."""
    rows = []
    for _ in range(draw(st.integers(1, n))):
        T = draw(st.floats(1.0, 60.0))
        x = draw(st.integers(0, 12))
        t = 0.0 if x == 0 else draw(st.floats(0.05, 1.0)) * T
        rows.append((float(x), t, T))
    return [np.array(c) for c in zip(*rows)]


def _fd(f, logp, h=1e-6):
    """Central differences of f (a vector per customer) along each log-parameter."""
    cols = []
    for i in range(len(logp)):
        e = np.zeros_like(logp)
        e[i] = h
        cols.append((f(np.exp(logp + e)) - f(np.exp(logp - e))) / (2 * h))
    return np.vstack(cols)


@given(st.tuples(log_param, log_param, log_param, log_param), rft())
def test_bgnbd_gradient_matches_finite_differences(logp, data):
    x, t, T = data
    logp = np.array(logp)
    by = _ByCount(x)
    ll, grad = BetaGeo._loglik_grad(np.exp(logp), x, t, T, by)
    np.testing.assert_allclose(ll, BetaGeo._loglik(np.exp(logp), x, t, T, by), rtol=1e-10,
                               atol=1e-10)
    fd = _fd(lambda p: BetaGeo._loglik(p, x, t, T, by), logp)
    np.testing.assert_allclose(grad, fd, rtol=1e-4, atol=1e-5)


@given(st.tuples(log_param, log_param, log_param),
       st.lists(st.tuples(st.integers(1, 15), st.floats(0.5, 200.0)), min_size=1, max_size=6))
def test_gammagamma_gradient_matches_finite_differences(logp, customers):
    x = np.array([c[0] for c in customers], dtype=float)
    m = np.array([c[1] for c in customers])
    logp = np.array(logp)
    by = _ByCount(x)
    ll, grad = GammaGamma._loglik_grad(np.exp(logp), x, m, by)
    np.testing.assert_allclose(ll, GammaGamma._loglik(np.exp(logp), x, m, by), rtol=1e-10,
                               atol=1e-10)
    fd = _fd(lambda p: GammaGamma._loglik(p, x, m, by), logp)
    np.testing.assert_allclose(grad, fd, rtol=1e-4, atol=1e-5)
