"""scikit-learn's parameter protocol without importing scikit-learn.

Importing ``sklearn.base`` pulls in ``scipy.stats`` and costs about half a second,
more than the whole linkage of a FEBRL set. The linkage models (Fellegi-Sunter,
level scorers) only need the estimator *protocol* -- constructor arguments stored
unchanged, ``get_params`` / ``set_params``, learned state in ``attr_`` -- which is
all ``sklearn.base.clone`` and the model-selection tools rely on. So
``cdmkit dedupe`` starts fast and the models still clone and grid-search like any
scikit-learn estimator.

Examples
--------
>>> class Model(ParamsMixin):
...     def __init__(self, alpha=1.0, seed=0):
...         self.alpha = alpha
...         self.seed = seed
>>> m = Model(alpha=2.0)
>>> m.get_params()
{'alpha': 2.0, 'seed': 0}
>>> m.set_params(seed=3)
Model(alpha=2.0, seed=3)
"""

from __future__ import annotations

import inspect

__all__ = ["ParamsMixin"]


class ParamsMixin:
    """``get_params`` / ``set_params`` / ``repr`` from the ``__init__`` signature.

    Follows scikit-learn's rules: every ``__init__`` argument is stored as an
    attribute of the same name and not changed; ``**kwargs`` are not allowed.

    Examples
    --------
    >>> from sklearn.base import clone
    >>> class Model(ParamsMixin):
    ...     def __init__(self, k=3):
    ...         self.k = k
    >>> clone(Model(k=5)).k
    5
    """

    @classmethod
    def _get_param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        params = inspect.signature(init).parameters.values()
        for p in params:
            if p.kind == p.VAR_POSITIONAL or p.kind == p.VAR_KEYWORD:
                raise TypeError(f"{cls.__name__}.__init__ must not take *args or **kwargs "
                                "(scikit-learn's estimator convention)")
        return sorted(p.name for p in params if p.name != "self")

    def get_params(self, deep: bool = True) -> dict:
        """Constructor parameters of this estimator (nested estimators with ``deep``).

        Examples
        --------
        >>> class M(ParamsMixin):
        ...     def __init__(self, a=1):
        ...         self.a = a
        >>> M().get_params()
        {'a': 1}
        """
        out = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params):
        """Set constructor parameters (``name__sub`` reaches nested estimators); returns self.

        Examples
        --------
        >>> class M(ParamsMixin):
        ...     def __init__(self, a=1):
        ...         self.a = a
        >>> M().set_params(a=4).a
        4
        """
        valid = self.get_params(deep=True)
        nested: dict[str, dict] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; "
                                 f"valid parameters: {sorted(self._get_param_names())}")
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, sub_params in nested.items():
            valid[name].set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        defaults = {p.name: p.default
                    for p in inspect.signature(type(self).__init__).parameters.values()}
        shown = []
        for name in self._get_param_names():
            value = getattr(self, name)
            default = defaults.get(name, inspect.Parameter.empty)
            try:
                same = value is default or bool(value == default)
            except Exception:  # arrays and the like: always shown
                same = False
            if not same:
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"
