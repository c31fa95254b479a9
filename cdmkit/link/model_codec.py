"""Plain-JSON encoding of a linkage model's fitted state: numpy arrays, NaN and the scorer
(its class, constructor parameters and fitted ``attr_``) round-trip exactly, no pickle."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pandas as pd

from ..errors import CdmkitError


__all__ = ["encode_value", "decode_value"]


def encode_value(value, where: str = "value"):
    """JSON-ready form of a fitted attribute (arrays, numpy scalars, non-finite floats).

    Decoding with :func:`decode_value` gives back the same types and the same bits:
    floats are written with ``repr`` precision, arrays keep their dtype and shape,
    tuples stay tuples.

    Raises
    ------
    TypeError
        For objects that plain JSON cannot hold (naming ``where``).

    Examples
    --------
    >>> import json
    >>> import numpy as np
    >>> v = [np.array([0.1, np.nan], dtype="float32"), (1, None), float("inf")]
    >>> back = decode_value(json.loads(json.dumps(encode_value(v))))
    >>> back[0].dtype, bool(np.isnan(back[0][1])), back[1], back[2]
    (dtype('float32'), True, (1, None), inf)
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufOU":
            raise TypeError(f"{where}: arrays of dtype {value.dtype} cannot be saved as JSON")
        return {"__ndarray__": encode_value(value.ravel().tolist(), where),
                "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, pd.DataFrame):
        return {"__frame__": [[encode_value(c, where), encode_value(value[c].to_numpy(), where)]
                              for c in value.columns],
                "index": encode_value(value.index.to_numpy(), where)}
    if isinstance(value, pd.Series):
        return {"__series__": encode_value(value.to_numpy(), where),
                "index": encode_value(value.index.to_numpy(), where),
                "name": encode_value(value.name, where)}
    if isinstance(value, (set, frozenset)):
        return {"__set__": [encode_value(v, where) for v in sorted(value, key=repr)]}
    if isinstance(value, np.generic):
        return {"__npscalar__": encode_value(value.item(), where), "dtype": value.dtype.str}
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode_value(v, where) for v in value]}
    if isinstance(value, list):
        return [encode_value(v, where) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: encode_value(v, f"{where}.{k}") for k, v in value.items()}
        return {"__items__": [[encode_value(k, where), encode_value(v, where)]
                              for k, v in value.items()]}
    raise TypeError(f"{where}: a {type(value).__name__} cannot be saved as JSON")


def decode_value(data):
    """Inverse of :func:`encode_value`.

    Examples
    --------
    >>> decode_value({"__float__": "nan"}) != decode_value({"__float__": "nan"})
    True
    >>> decode_value({"__ndarray__": [1, 2], "dtype": "<i8", "shape": [2, 1]}).shape
    (2, 1)
    """
    if isinstance(data, list):
        return [decode_value(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__ndarray__" in data:
        flat = [decode_value(v) for v in data["__ndarray__"]]
        if np.dtype(data["dtype"]).kind == "O":  # elements as they are (no string casting)
            out = np.empty(len(flat), dtype=object)
            out[:] = flat
            return out.reshape(data["shape"])
        return np.array(flat, dtype=np.dtype(data["dtype"])).reshape(data["shape"])
    if "__npscalar__" in data:
        return np.dtype(data["dtype"]).type(decode_value(data["__npscalar__"]))
    if "__float__" in data:
        return float(data["__float__"])
    if "__tuple__" in data:
        return tuple(decode_value(v) for v in data["__tuple__"])
    if "__set__" in data:
        return {decode_value(v) for v in data["__set__"]}
    if "__frame__" in data:
        cols = {decode_value(c): decode_value(v) for c, v in data["__frame__"]}
        return pd.DataFrame(cols, index=decode_value(data["index"]))
    if "__series__" in data:
        return pd.Series(decode_value(data["__series__"]), index=decode_value(data["index"]),
                         name=decode_value(data["name"]))
    if "__items__" in data:
        return {decode_value(k): decode_value(v) for k, v in data["__items__"]}
    return {k: decode_value(v) for k, v in data.items()}


def _scorer_to_dict(scorer) -> dict:
    """Class, constructor parameters and every fitted ``attr_`` of a level scorer."""
    cls = type(scorer)
    fitted = {k: encode_value(v, f"{cls.__name__}.{k}") for k, v in sorted(vars(scorer).items())
              if k.endswith("_") and not k.startswith("_")}
    return {"class": f"{cls.__module__}.{cls.__qualname__}",
            "params": encode_value(scorer.get_params(deep=False), cls.__name__),
            "fitted": fitted}


def _scorer_from_dict(d: dict):
    from .fellegi_sunter import LevelScorer

    module, _, name = d["class"].rpartition(".")
    # only cdmkit's own scorers: a JSON file must never name arbitrary code to import
    if not module.startswith("cdmkit."):
        raise CdmkitError(f"saved linkage model names an unknown scorer {d['class']!r}")
    cls = getattr(importlib.import_module(module), name, None)
    if not (isinstance(cls, type) and issubclass(cls, LevelScorer)):
        raise CdmkitError(f"saved linkage model names an unknown scorer {d['class']!r}")
    params = decode_value(d.get("params", {}))
    known = set(cls._get_param_names())
    scorer = cls(**{k: v for k, v in params.items() if k in known})
    for k, v in d.get("fitted", {}).items():
        setattr(scorer, k, decode_value(v))
    return scorer
