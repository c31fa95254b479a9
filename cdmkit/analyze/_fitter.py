"""Shared maximum-likelihood machinery of the customer-base models.

Every model (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma, BG/BB, sBG) is a
:class:`BaseFitter`: scikit-learn's estimator rules (``__init__`` stores its
keyword arguments, ``fit`` returns ``self``, learned state ends in ``_``), one
not-fitted guard, one optimiser, standard errors from the Hessian at the
optimum, a ``summary`` table as in lifetimes, and ``save`` / :func:`load_model`
to plain JSON (parameters, their covariance and metadata; never pickle).

The penalizer
-------------
``penalizer`` adds ``penalizer * sum(theta_k ** 2)`` to the *average* negative
log-likelihood per customer (per weighted row), where ``theta`` are the
parameters on the fitting scale: time parameters (``alpha``, ``beta`` of the
continuous-time models) in units of the longest customer age ``max(T)``, money
parameters (Gamma-Gamma ``v``) in units of the mean spend, unit-free ones as
they are. So the penalty does not depend on the time or money unit of the data
(days or weeks give the same fit, scaled), and for BG/NBD, MBG/NBD and BG/BB it
is the penalty of lifetimes 0.11 (which divides times by ``max(T)`` too).
lifetimes' Pareto/NBD divides by the mean weight instead of the sum, so its
penalty is ``n`` times weaker than here; its Gamma-Gamma does not rescale spend.

Examples
--------
>>> from cdmkit.analyze import BetaGeo, simulate_bgnbd
>>> d = simulate_bgnbd(300, r=0.5, alpha=5.0, a=1.0, b=3.0, T=40.0, seed=0)
>>> bg = BetaGeo().fit(d["frequency"], d["recency"], d["T"])
>>> list(bg.summary().columns)
['coef', 'se(coef)', 'lower 95% bound', 'upper 95% bound']
"""

from __future__ import annotations

import json
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from scipy import optimize
from sklearn.base import BaseEstimator

from ._checks import AnalysisInputError

__all__ = ["BaseFitter", "load_model", "single_thread", "FORMAT_VERSION"]

#: Version of the JSON written by :meth:`BaseFitter.save`.
FORMAT_VERSION = 1
_Z95 = 1.959963984540054


@contextmanager
def single_thread():
    """Limit BLAS / OpenMP thread pools to one thread for the enclosed block.

    The likelihoods are small vector operations: on a busy machine extra BLAS
    threads only wait for cores, which made fits 7-15x slower (issue 16).

    Examples
    --------
    >>> with single_thread():
    ...     pass
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
            _CONTROLLER = False
        else:
            # Scanning the loaded libraries costs ~5 ms; do it once, not per fit.
            _CONTROLLER = ThreadpoolController()
    if not _CONTROLLER:
        yield
        return
    with _CONTROLLER.limit(limits=1):
        yield


_CONTROLLER = None


def _compress(*cols):
    """Distinct rows of ``cols`` (sorted) and how often each occurs (fits weight them).

    A lexsort of the columns: several times faster than ``np.unique(axis=0)``.
    """
    cols = [np.asarray(c, dtype=float) for c in cols]
    order = np.lexsort(cols[::-1])
    srt = [c[order] for c in cols]
    change = np.zeros(len(order), dtype=bool)
    if len(order):
        change[0] = True
        for c in srt:
            change[1:] |= c[1:] != c[:-1]
    starts = np.flatnonzero(change)
    counts = np.diff(np.append(starts, len(order)))
    return [c[starts] for c in srt], counts.astype(float)


class BaseFitter(BaseEstimator):
    """Base of every customer-base model: optimiser, uncertainty, summary, save / load.

    Subclasses set ``_param_names``, ``_scaled_params`` (parameters on the data's
    time or money scale) and call :meth:`_optimise` from ``fit``.

    Attributes
    ----------
    params_ : dict
        Fitted parameters on the user's scale.
    covariance_ : DataFrame
        Covariance of the parameters (delta method from the Hessian of the
        log-parameters at the optimum); NaN where the Hessian is singular.
    standard_errors_ : dict
        Square roots of the diagonal of ``covariance_``.
    log_likelihood_, converged_, n_iter_, n_customers_, optimizer_message_
        Fit diagnostics.
    identified_ : bool
        False when the Hessian is singular or a parameter's standard error is
        more than ten times its value (the data barely pin it down).

    Examples
    --------
    >>> from cdmkit.analyze import BetaGeo
    >>> BetaGeo().summary()
    Traceback (most recent call last):
    ...
    cdmkit.analyze._checks.AnalysisInputError: BetaGeo is not fitted yet: call fit() first
    """

    # Every model takes the same three settings (scikit-learn convention: __init__ only
    # stores them); a subclass with more settings defines its own __init__.
    def __init__(self, penalizer: float = 0.0, max_iter: int = 2000, tol: float = 1e-8):
        self.penalizer = penalizer
        self.max_iter = max_iter
        self.tol = tol

    _param_names: tuple[str, ...] = ()
    _scaled_params: tuple[str, ...] = ()
    # Parameters fitted as they are (regression coefficients); the others are positive
    # and fitted on the log scale.
    _unbounded: tuple[str, ...] = ()

    def _log_mask(self, names=None):
        return np.array([n not in self._unbounded for n in (names or self._param_names)])

    # -- guard ---------------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "params_"):
            raise AnalysisInputError(f"{type(self).__name__} is not fitted yet: call fit() first")

    def _p(self):
        self._check_fitted()
        return [self.params_[n] for n in self._param_names]

    # -- optimisation --------------------------------------------------------------
    def _optimise(self, neg_ll, x0, scale, neg_ll_grad=None, n_obs=None):
        """Minimise the average negative log-likelihood over log-parameters; set attributes.

        ``neg_ll(theta)`` is the average negative log-likelihood at parameters
        ``theta`` on the fitting scale (scaled parameters divided by ``scale``);
        ``neg_ll_grad(theta)`` returns it with its gradient with respect to the
        optimiser's coordinates: ``log(theta)``, or ``theta`` itself for the
        ``_unbounded`` parameters. ``n_obs`` (customers) turns the average into
        the total for the standard errors.
        """
        names = self._param_names
        pen = float(getattr(self, "penalizer", 0.0))
        factor = np.array([scale if n in self._scaled_params else 1.0 for n in names])
        logm = self._log_mask()

        def theta_of(z):
            return np.where(logm, np.exp(np.where(logm, z, 0.0)), z)

        def objective(z):
            with np.errstate(all="ignore"):
                val = neg_ll(theta_of(z))
            if not np.isfinite(val):
                return 1e300
            return val + pen * float(np.sum(theta_of(z) ** 2))

        def objective_grad(z):
            with np.errstate(all="ignore"):
                th = theta_of(z)
                val, grad = neg_ll_grad(th)
            if not (np.isfinite(val) and np.all(np.isfinite(grad))):
                return 1e300, np.zeros_like(z)
            # d(theta^2)/dz = 2 theta * dtheta/dz, dtheta/dz = theta (log) or 1
            return (val + pen * float(np.sum(th ** 2)),
                    grad + 2 * pen * th * np.where(logm, th, 1.0))

        x0 = np.asarray(x0, dtype=float)
        x0 = np.where(logm, np.log(np.where(logm, x0, 1.0)), x0)
        opts = {"maxiter": int(self.max_iter), "ftol": 1e-13, "gtol": float(self.tol)}
        with single_thread():
            if neg_ll_grad is not None:
                res = optimize.minimize(objective_grad, x0, jac=True, method="L-BFGS-B",
                                        options=opts)
            else:
                res = optimize.minimize(objective, x0, method="L-BFGS-B", options=opts)
            converged = bool(res.success)
            if not converged or not np.isfinite(res.fun):
                # Nelder-Mead from the best point so far: slower but robust on flat surfaces.
                res2 = optimize.minimize(objective, res.x if np.isfinite(res.fun) else x0,
                                         method="Nelder-Mead",
                                         options={"maxiter": 400 * len(x0),
                                                  "xatol": 1e-8, "fatol": 1e-12})
                if res2.fun <= res.fun:
                    res = res2
                converged = bool(res2.success)
            hess = self._hessian(objective, objective_grad if neg_ll_grad else None, res.x)
        message = str(res.message)
        theta = theta_of(res.x)
        pos = theta[logm]
        if converged and (np.any(pos > 1e6) or np.any(pos < 1e-8)):
            # The likelihood keeps rising towards a boundary: the data do not identify the
            # model (e.g. identical spend for everyone, or no drop-out at all).
            converged = False
            message = ("parameter estimates diverge: the data do not identify the model "
                       "(too little variation); use penalizer > 0")
        user = theta * factor
        self.params_ = {n: float(v) for n, v in zip(names, user)}
        self.param_names_ = list(names)
        self.converged_ = converged
        self.n_iter_ = int(res.get("nit", 0))
        self.optimizer_message_ = message
        self._set_covariance(hess, user, n_obs)
        if not converged:
            warnings.warn(f"{type(self).__name__}: the optimiser did not converge "
                          f"({message}); check the data or raise penalizer",
                          RuntimeWarning, stacklevel=3)
        elif not self.identified_:
            warnings.warn(f"{type(self).__name__}: the fit is not identified: "
                          f"{self.identification_note_}; treat the parameters with care or "
                          "raise penalizer", RuntimeWarning, stacklevel=3)

    @staticmethod
    def _hessian(objective, objective_grad, x):
        """Hessian of the objective in log-parameters at ``x`` (central differences)."""
        k = len(x)
        h = 1e-5 * np.maximum(1.0, np.abs(x))
        H = np.empty((k, k))
        with np.errstate(all="ignore"):
            if objective_grad is not None:
                for i in range(k):
                    e = np.zeros(k)
                    e[i] = h[i]
                    H[i] = (objective_grad(x + e)[1] - objective_grad(x - e)[1]) / (2 * h[i])
            else:
                h = 1e-4 * np.maximum(1.0, np.abs(x))
                f0 = objective(x)
                for i in range(k):
                    for j in range(i, k):
                        ei, ej = np.zeros(k), np.zeros(k)
                        ei[i], ej[j] = h[i], h[j]
                        if i == j:
                            v = (objective(x + ei) - 2 * f0 + objective(x - ei)) / h[i] ** 2
                        else:
                            v = (objective(x + ei + ej) - objective(x + ei - ej)
                                 - objective(x - ei + ej) + objective(x - ei - ej)) / (4 * h[i] * h[j])
                        H[i, j] = H[j, i] = v
        return (H + H.T) / 2

    def _set_covariance(self, hess_mean, user, n_obs):
        import pandas as pd

        names = list(self._param_names)
        n = float(n_obs or getattr(self, "n_customers_", 1) or 1)
        cov_log = np.full((len(names), len(names)), np.nan)
        note = ""
        if np.all(np.isfinite(hess_mean)):
            try:
                eig = np.linalg.eigvalsh(hess_mean)
                if eig.min() > 1e-10 * max(eig.max(), 1e-300):
                    cov_log = np.linalg.inv(hess_mean) / n
                else:
                    note = "the Hessian at the optimum is singular (a flat direction)"
            except np.linalg.LinAlgError:
                note = "the Hessian at the optimum could not be inverted"
        else:
            note = "the Hessian at the optimum is not finite"
        jac = np.where(self._log_mask(), user, 1.0)  # delta method: d theta = theta d log(theta)
        cov = cov_log * np.outer(jac, jac)
        se = np.sqrt(np.diag(cov))
        if not note:
            # only positive parameters: a covariate coefficient near 0 is a finding, not a flaw
            rel = np.where(self._log_mask(), se / np.abs(user), 0.0)
            if np.any(~np.isfinite(rel)) or np.any(rel > 10):
                worst = names[int(np.nanargmax(np.where(np.isfinite(rel), rel, np.inf)))]
                note = f"the standard error of {worst} is more than ten times its value"
        self._cov_log_ = cov_log  # covariance in the optimiser's coordinates
        self.covariance_ = pd.DataFrame(cov, index=names, columns=names)
        self.standard_errors_ = {k: float(v) for k, v in zip(names, se)}
        self.identified_ = not note
        self.identification_note_ = note

    # -- reporting -----------------------------------------------------------------
    def summary(self, bounds: str = "linear"):
        """Parameters with standard errors and 95 % bounds, as lifetimes' ``summary``.

        ``bounds="linear"`` gives ``coef ± 1.96·se`` (normal approximation; lifetimes'
        choice), which can put the lower bound of a positive parameter below zero.
        ``bounds="log"`` gives ``coef · exp(± 1.96·se / coef)`` for the positive
        parameters: the interval of the log-parameter (delta method) mapped back, so
        bounds stay positive (reports use it); coefficients keep the linear bounds.
        Log-likelihood, convergence and customers are in ``.attrs``.

        Examples
        --------
        >>> from cdmkit.analyze import BetaGeo, simulate_bgnbd
        >>> d = simulate_bgnbd(300, r=0.5, alpha=5.0, a=1.0, b=3.0, T=40.0, seed=0)
        >>> m = BetaGeo().fit(d["frequency"], d["recency"], d["T"])
        >>> s = m.summary()
        >>> s.index[0], sorted(s.attrs)[:2]
        ('r', ['converged', 'identified'])
        >>> bool((m.summary(bounds="log")["lower 95% bound"] > 0).all())
        True
        """
        import pandas as pd

        if bounds not in ("linear", "log"):
            raise ValueError(f"bounds must be 'linear' or 'log', not {bounds!r}")
        self._check_fitted()
        coef = pd.Series(self.params_)
        se = pd.Series(self.standard_errors_)
        lower, upper = coef - _Z95 * se, coef + _Z95 * se
        if bounds == "log":
            pos = pd.Series(self._log_mask(list(coef.index)), index=coef.index) & (coef > 0)
            factor = np.exp(_Z95 * se[pos] / coef[pos])
            lower[pos], upper[pos] = coef[pos] / factor, coef[pos] * factor
        out = pd.DataFrame({"coef": coef, "se(coef)": se,
                            "lower 95% bound": lower, "upper 95% bound": upper})
        out.attrs.update(log_likelihood=self.log_likelihood_, converged=self.converged_,
                         identified=self.identified_, n_customers=self.n_customers_)
        return out

    def sample_params(self, n_draws: int, seed: int = 0) -> list[dict]:
        """Parameter sets drawn from the estimates' sampling distribution.

        Log-parameters are drawn from a normal distribution with the estimated
        covariance (so every draw stays positive): the parametric bootstrap
        behind CLV intervals.

        Examples
        --------
        >>> from cdmkit.analyze import BetaGeo, simulate_bgnbd
        >>> d = simulate_bgnbd(300, r=0.5, alpha=5.0, a=1.0, b=3.0, T=40.0, seed=0)
        >>> draws = BetaGeo().fit(d["frequency"], d["recency"], d["T"]).sample_params(3)
        >>> len(draws), sorted(draws[0])
        (3, ['a', 'alpha', 'b', 'r'])
        """
        self._check_fitted()
        if not np.all(np.isfinite(self._cov_log_)):
            raise AnalysisInputError(f"{type(self).__name__}: no parameter covariance "
                                     f"({self.identification_note_}); intervals are undefined")
        rng = np.random.default_rng(seed)
        logm = self._log_mask()
        p = np.array(self._p())
        mean = np.where(logm, np.log(np.abs(p)), p)
        z = rng.multivariate_normal(mean, self._cov_log_, size=int(n_draws), method="eigh")
        draws = np.where(logm, np.exp(z), z)
        return [dict(zip(self._param_names, map(float, d))) for d in draws]

    def with_params(self, params: dict):
        """A copy of this model with other parameter values (for what-if and bootstrap).

        Examples
        --------
        >>> from cdmkit.analyze import BetaGeo
        >>> BetaGeo().with_params({"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.43}).params_["r"]
        0.24
        """
        from sklearn.base import clone

        new = clone(self)
        for k, v in self.__dict__.items():
            # fitted state, and the parameter layout of models that set it per fit (covariates)
            if (k.endswith("_") and not k.startswith("__")) or k in ("_param_names", "_unbounded"):
                setattr(new, k, v)
        new.params_ = {n: float(params[n]) for n in self._param_names}
        return new

    # -- persistence ---------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-ready description of the fitted model (see :meth:`save`)."""
        import cdmkit

        self._check_fitted()
        return {"format": "cdmkit-clv-model", "format_version": FORMAT_VERSION,
                "model": type(self).__name__, "cdmkit_version": cdmkit.__version__,
                "init": self.get_params(), "params": self.params_,
                "param_names": list(self._param_names), "unbounded": list(self._unbounded),
                "covariance_log": [[None if not np.isfinite(v) else float(v) for v in row]
                                   for row in np.asarray(self._cov_log_)],
                "log_likelihood": self.log_likelihood_, "converged": self.converged_,
                "n_customers": self.n_customers_, "n_iter": self.n_iter_,
                "optimizer_message": self.optimizer_message_,
                "metadata": getattr(self, "metadata_", {})}

    def save(self, path, **metadata) -> Path:
        """Write the fitted model to ``path`` as JSON (parameters, covariance, metadata).

        Keyword arguments are stored as metadata (e.g. ``time_unit="W"``,
        ``calibration_end="2024-06-30"``). Load with :func:`load_model`.

        Examples
        --------
        >>> import tempfile, os
        >>> from cdmkit.analyze import BetaGeo, load_model, simulate_bgnbd
        >>> d = simulate_bgnbd(300, r=0.5, alpha=5.0, a=1.0, b=3.0, T=40.0, seed=0)
        >>> bg = BetaGeo().fit(d["frequency"], d["recency"], d["T"])
        >>> p = bg.save(os.path.join(tempfile.mkdtemp(), "bg.json"), time_unit="W")
        >>> back = load_model(p)
        >>> back.params_ == bg.params_, back.metadata_["time_unit"]
        (True, 'W')
        """
        self._check_fitted()
        if metadata:
            self.metadata_ = {**getattr(self, "metadata_", {}), **metadata}
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2, default=str), encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, d: dict):
        """Rebuild a fitted model from :meth:`to_dict` output."""
        if d.get("format") != "cdmkit-clv-model":
            raise AnalysisInputError("not a cdmkit CLV model file (format field missing)")
        if d.get("format_version", 0) > FORMAT_VERSION:
            raise AnalysisInputError(f"model file format {d['format_version']} is newer than "
                                     f"this cdmkit reads ({FORMAT_VERSION}); upgrade cdmkit")
        import pandas as pd

        m = cls(**d.get("init", {}))
        if d.get("unbounded"):  # models whose parameters depend on the data (covariates)
            m._param_names = tuple(d["param_names"])
            m._unbounded = tuple(d["unbounded"])
        names = list(m._param_names)
        missing = set(names) - set(d["params"])
        if missing:
            raise AnalysisInputError(f"model file lacks parameters {sorted(missing)}")
        cov_log = np.array([[np.nan if v is None else v for v in row]
                            for row in d["covariance_log"]], dtype=float)
        user = np.array([d["params"][n] for n in names], dtype=float)
        m.params_ = {n: float(d["params"][n]) for n in names}
        m.param_names_ = names
        m.log_likelihood_ = d["log_likelihood"]
        m.converged_ = d["converged"]
        m.n_customers_ = d["n_customers"]
        m.n_iter_ = d.get("n_iter", 0)
        m.optimizer_message_ = d.get("optimizer_message", "")
        m.metadata_ = d.get("metadata", {})
        m._cov_log_ = cov_log
        jac = np.where(m._log_mask(), user, 1.0)
        cov = cov_log * np.outer(jac, jac)
        m.covariance_ = pd.DataFrame(cov, index=names, columns=names)
        m.standard_errors_ = {k: float(v) for k, v in zip(names, np.sqrt(np.diag(cov)))}
        m.identified_ = bool(np.all(np.isfinite(cov_log)))
        m.identification_note_ = "" if m.identified_ else "no covariance stored"
        return m


def _registry() -> dict:
    from . import bgbb, clv, mbgnbd, paretonbd, sbg

    classes = [clv.BetaGeo, paretonbd.ParetoNBD, clv.GammaGamma, mbgnbd.ModifiedBetaGeo,
               bgbb.BetaGeoBetaBinom, sbg.ShiftedBetaGeo]
    try:
        from . import covariates
        classes.append(covariates.BetaGeoCovariates)
    except ImportError:  # pragma: no cover
        pass
    return {c.__name__: c for c in classes}


def load_model(path):
    """Load a model written by :meth:`BaseFitter.save` (any cdmkit CLV model).

    Raises
    ------
    AnalysisInputError
        If the file is not a cdmkit model file, names an unknown model or is newer
        than this cdmkit.

    Examples
    --------
    >>> import tempfile, os, json
    >>> p = os.path.join(tempfile.mkdtemp(), "x.json")
    >>> _ = open(p, "w").write(json.dumps({"model": "Nope"}))
    >>> load_model(p)
    Traceback (most recent call last):
    ...
    cdmkit.analyze._checks.AnalysisInputError: not a cdmkit CLV model file (format field missing)
    """
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AnalysisInputError(f"cannot read model file {path}: {exc}") from None
    if not isinstance(d, dict) or d.get("format") != "cdmkit-clv-model":
        raise AnalysisInputError("not a cdmkit CLV model file (format field missing)")
    reg = _registry()
    if d.get("model") not in reg:
        raise AnalysisInputError(f"unknown model {d.get('model')!r} in {path}; known: "
                                 f"{', '.join(sorted(reg))}")
    return reg[d["model"]].from_dict(d)
