"""Input checks shared by the analysis models: one clear error instead of a NaN fit."""

from __future__ import annotations

import numpy as np

from ..errors import CdmkitError

__all__ = ["AnalysisInputError", "as_array", "check_rft", "check_spend"]


class AnalysisInputError(CdmkitError, ValueError):
    """Data that an analysis model cannot use (names the problem and the fix).

    Examples
    --------
    >>> str(AnalysisInputError("no repeat buyers"))
    'no repeat buyers'
    """


def as_array(values, name: str) -> np.ndarray:
    """``values`` as a 1-d float array; NaN or infinite values raise.

    Examples
    --------
    >>> as_array([1, 2], "frequency")
    array([1., 2.])
    >>> as_array([1, float("nan")], "recency")
    Traceback (most recent call last):
    ...
    cdmkit.analyze._checks.AnalysisInputError: recency: 1 missing or infinite value(s) (first at position 1); drop or fill them before fitting
    """
    try:
        arr = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise AnalysisInputError(f"{name}: values must be numbers") from None
    bad = ~np.isfinite(arr)
    if bad.any():
        raise AnalysisInputError(f"{name}: {int(bad.sum())} missing or infinite value(s) (first "
                                 f"at position {int(np.argmax(bad))}); drop or fill them before "
                                 "fitting")
    return arr


def check_rft(frequency, recency, T, *, min_customers: int = 1, need_repeat: bool = False):
    """Validate a frequency / recency / T summary and return three float arrays.

    Raises
    ------
    AnalysisInputError
        On NaN, negative values, recency beyond T, repeat purchases with zero
        recency, length mismatch, too few customers or (when ``need_repeat``)
        no repeat buyer at all.

    Examples
    --------
    >>> x, t, T = check_rft([0, 2], [0, 3.5], [4, 5])
    >>> check_rft([1], [5], [4])
    Traceback (most recent call last):
    ...
    cdmkit.analyze._checks.AnalysisInputError: recency is larger than T for 1 customer(s) (first at position 0): recency and T must be measured from the first purchase, in the same unit
    """
    x = as_array(frequency, "frequency")
    t = as_array(recency, "recency")
    TT = as_array(T, "T")
    if not (len(x) == len(t) == len(TT)):
        raise AnalysisInputError(f"frequency, recency and T differ in length ({len(x)}, {len(t)}, "
                                 f"{len(TT)})")
    if len(x) < min_customers:
        raise AnalysisInputError(f"too little data: {len(x)} customer(s), at least "
                                 f"{min_customers} needed to fit the model")
    for name, arr in (("frequency", x), ("recency", t), ("T", TT)):
        if (arr < 0).any():
            raise AnalysisInputError(f"{name} has negative values (first at position "
                                     f"{int(np.argmax(arr < 0))})")
    if (TT <= 0).all():
        raise AnalysisInputError("T is zero for every customer: the observation window must end "
                                 "after the first purchases")
    over = t > TT * (1 + 1e-9) + 1e-12
    if over.any():
        raise AnalysisInputError(f"recency is larger than T for {int(over.sum())} customer(s) "
                                 f"(first at position {int(np.argmax(over))}): recency and T must "
                                 "be measured from the first purchase, in the same unit")
    t = np.minimum(t, TT)
    odd = (x > 0) & (t <= 0)
    if odd.any():
        raise AnalysisInputError(f"{int(odd.sum())} customer(s) have repeat purchases but zero "
                                 f"recency (first at position {int(np.argmax(odd))}); repeat "
                                 "purchases must be later than the first purchase")
    if need_repeat and not (x > 0).any():
        raise AnalysisInputError("no repeat buyers: every customer bought once, so purchase "
                                 "rates and dropout cannot be estimated; use a longer "
                                 "observation window")
    return x, t, TT


def check_spend(frequency, monetary_value, *, min_customers: int = 2):
    """Validate inputs of the Gamma-Gamma spend model; return repeat buyers' arrays.

    Customers without repeat purchases carry no information on spend per
    transaction in this model and are left out; a value of zero or less among
    repeat buyers is an error (the model is for positive spend).

    Examples
    --------
    >>> check_spend([0, 2, 3], [0.0, 10.0, 12.0])[0]
    array([2., 3.])
    >>> check_spend([1, 2], [5.0, -1.0])
    Traceback (most recent call last):
    ...
    cdmkit.analyze._checks.AnalysisInputError: monetary_value must be positive for repeat buyers: 1 value(s) <= 0 (first at position 1); remove returns/refunds or customers with zero spend first
    """
    x = as_array(frequency, "frequency")
    m = as_array(monetary_value, "monetary_value")
    if len(x) != len(m):
        raise AnalysisInputError(f"frequency and monetary_value differ in length ({len(x)}, "
                                 f"{len(m)})")
    rep = x > 0
    if not rep.any():
        raise AnalysisInputError("no repeat buyers: the Gamma-Gamma model learns spend from "
                                 "repeat purchases, and there are none")
    bad = rep & (m <= 0)
    if bad.any():
        raise AnalysisInputError(f"monetary_value must be positive for repeat buyers: "
                                 f"{int(bad.sum())} value(s) <= 0 (first at position "
                                 f"{int(np.argmax(bad))}); remove returns/refunds or customers "
                                 "with zero spend first")
    if rep.sum() < min_customers:
        raise AnalysisInputError(f"too little data: {int(rep.sum())} repeat buyer(s), at least "
                                 f"{min_customers} needed to fit the spend model")
    return x[rep], m[rep]
