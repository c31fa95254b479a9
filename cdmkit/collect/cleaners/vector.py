"""Whole-column steps in Arrow's compute kernels, for the values where they equal the per-value code.

The cleaners work per distinct value in Python; on a million distinct e-mails or
IDs that is a million calls. The functions here handle the common, plain case of
a whole column at once (Arrow's C++ string kernels) and return a mask of the
values they handled; the cleaner runs its per-value code on the rest. Every
function gives exactly what the per-value code gives on the values it handles
(``tests/test_collect_fastpaths.py`` checks this against the per-value code).

Examples
--------
>>> import numpy as np
>>> blank_mask(np.array(["a", " ", "", None, "\\u3000"], dtype=object)).tolist()
[False, True, True, False, True]
"""

from __future__ import annotations

import numpy as np

__all__ = ["to_arrow", "blank_mask", "plain_ascii_mask", "fullmatch_many"]

#: Exactly the characters Python's ``str.isspace`` (and so ``str.strip`` and ``re``'s ``\s``)
#: treats as white space, as an RE2 class.
WS = (r"[\x{9}-\x{d}\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
      r"\x{202f}\x{205f}\x{3000}]")


def to_arrow(values: np.ndarray):
    """``values`` (object array of ``str`` and missing) as an Arrow string array, or ``None``.

    ``None`` when the values are not all text (or hold text Arrow cannot encode,
    such as lone surrogates): the caller then takes its per-value road.

    Examples
    --------
    >>> import numpy as np
    >>> to_arrow(np.array(["a", None], dtype=object)).null_count
    1
    >>> to_arrow(np.array(["a", 1], dtype=object)) is None
    True
    """
    import pyarrow as pa

    try:
        return pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError, UnicodeError):
        return None


def blank_mask(values: np.ndarray) -> np.ndarray:
    """``True`` where a value is text with nothing but white space (``not v.strip()``).

    Missing values and values that are not text are ``False``.

    Examples
    --------
    >>> import numpy as np
    >>> blank_mask(np.array([" x ", "\\t", 3], dtype=object)).tolist()
    [False, True, False]
    """
    values = np.asarray(values, dtype=object)
    arr = to_arrow(values) if len(values) > 1000 else None
    if arr is None:
        return np.fromiter((isinstance(v, str) and not v.strip() for v in values),
                           dtype=bool, count=len(values))
    import pyarrow.compute as pc

    m = pc.match_substring_regex(arr, f"^{WS}*$").fill_null(False)
    return m.to_numpy(zero_copy_only=False)


def plain_ascii_mask(arr, pattern: str) -> np.ndarray:
    """``True`` where an Arrow string value fully matches the RE2 ``pattern`` (nulls ``False``).

    Examples
    --------
    >>> import numpy as np
    >>> plain_ascii_mask(to_arrow(np.array(["ab", "a b", None], dtype=object)),
    ...                  "[a-z]+").tolist()
    [True, False, False]
    """
    import pyarrow.compute as pc

    return pc.match_substring_regex(arr, f"^(?:{pattern})$").fill_null(False) \
        .to_numpy(zero_copy_only=False)


def fullmatch_many(values: list, pattern: str) -> np.ndarray | None:
    """``re.fullmatch(pattern, v) is not None`` for many strings, in RE2; ``None`` if RE2 cannot.

    For regular patterns (no back-references or look-arounds) on ASCII text the
    verdicts are those of Python's ``re`` (``\\d`` is ASCII-only in RE2). ``None``
    when RE2 refuses the pattern or the values are not all text.

    Examples
    --------
    >>> fullmatch_many(["0712", "712", "07123"], r"0\\d{3}").tolist()
    [True, False, False]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(values, type=pa.string())
        hit = pc.match_substring_regex(arr, f"^(?:{pattern})$")
    except (pa.ArrowException, TypeError, ValueError, UnicodeError):
        return None
    return hit.fill_null(False).to_numpy(zero_copy_only=False)
