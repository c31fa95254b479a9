"""RFM: the recency-frequency-monetary summary per customer, its scores and named segments.

Two views of the same purchases live side by side:

* the **CLV view**, with the definitions of the BTYD literature and of
  ``lifetimes.utils.summary_data_from_transaction_data`` (also used by
  pymc-marketing): purchase times are floored to periods of ``freq``; several
  purchases in one period count once, with their values summed;
  ``frequency`` = number of *repeat* purchase periods (distinct periods minus one),
  ``recency`` = first to last purchase period, ``T`` = first purchase period to the
  end of the observation window (both in units of ``freq``), ``monetary_value`` =
  mean value of the repeat periods (the first period excluded; 0 when
  ``frequency`` is 0);
* the **marketing view**: ``days_since_last``, ``n_purchases`` (distinct orders
  when an order column is given, else distinct purchase days; only orders or days
  with a line of non-negative value count, so return lines are never purchases),
  ``total_spend`` (net of any negative lines kept),
  ``first_purchase``, ``last_purchase`` and ``tenure_days``.

Scores 1..``bins`` rank customers on recency (reversed: recent = high), on
frequency and on monetary value; the R and F scores name the segment through a
regular-expression map (the widely used Champions ... Hibernating map).

Examples
--------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-05",
...                                                 "2024-01-03"]),
...                    "amount": [10.0, 5.0, 20.0, 7.0]})
>>> s = rfm_summary(tx, observation_end="2024-01-10")
>>> s[["frequency", "recency", "T", "monetary_value"]]  # doctest: +NORMALIZE_WHITESPACE
             frequency  recency     T  monetary_value
customer_id
a                  1.0      4.0   9.0            20.0
b                  0.0      0.0   7.0             0.0
"""

from __future__ import annotations

import re
import warnings
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = [
    "SegmentationWarning",
    "DegenerateScoresWarning",
    "DEFAULT_SEGMENT_MAP",
    "SEGMENT_ORDER",
    "FREQS",
    "rfm_summary",
    "rfm_scores",
    "rfm_segments",
    "assign_segments",
]


class SegmentationWarning(UserWarning):
    """Something in the segmentation deserves a look but does not stop it."""


class DegenerateScoresWarning(SegmentationWarning):
    """Quantile scores could not use every level (for example most customers bought once)."""


#: The widely used RFM segment map on the R and F scores (1-5), as regular expressions on
#: the two-digit ``rf_score`` ("R" then "F"). Every one of the 25 combinations matches
#: exactly one entry.
DEFAULT_SEGMENT_MAP: dict[str, str] = {
    r"[1-2][1-2]": "Hibernating",
    r"[1-2][3-4]": "At risk",
    r"[1-2]5": "Can't lose",
    r"3[1-2]": "About to sleep",
    r"33": "Need attention",
    r"[3-4][4-5]": "Loyal customers",
    r"41": "Promising",
    r"51": "New customers",
    r"[4-5][2-3]": "Potential loyalists",
    r"5[4-5]": "Champions",
}

#: Segments of the default map from best to worst (for tables and plots).
SEGMENT_ORDER = ["Champions", "Loyal customers", "Potential loyalists", "New customers",
                 "Promising", "Need attention", "About to sleep", "At risk", "Can't lose",
                 "Hibernating"]

#: Supported period lengths: days, weeks (Monday to Sunday, as pandas ``W``) and months.
FREQS = ("D", "W", "M")

_EPOCH_WEEKDAY_SHIFT = 3  # 1970-01-01 is a Thursday: +3 days makes weeks start on Monday


def _period_index(days: np.ndarray, ts: pd.Series, freq: str) -> np.ndarray:
    """Integer period number of each day (same ordering as ``pandas.Period`` ordinals)."""
    if freq == "D":
        return days
    if freq == "W":
        return (days + _EPOCH_WEEKDAY_SHIFT) // 7
    year = ts.dt.year.fillna(1970).to_numpy().astype(np.int64)
    month = ts.dt.month.fillna(1).to_numpy().astype(np.int64)
    return year * 12 + month - 1


def _as_datetime(values: pd.Series, col: str) -> pd.Series:
    if not pd.api.types.is_datetime64_any_dtype(values):
        try:
            values = pd.to_datetime(values, errors="raise")
        except (ValueError, TypeError) as exc:
            raise InputError("transactions", f"cannot read dates: {exc}", column=col) from None
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values


# Long: one vectorised pass over up to 20M rows sharing its sorted arrays; helpers would copy them.
def rfm_summary(transactions: pd.DataFrame, customer_col: str = "customer_id",
                date_col: str = "timestamp", value_col: str | None = "amount",
                freq: str = "D", observation_end=None, order_col: str | None = None
                ) -> pd.DataFrame:
    """Recency, frequency, T and monetary value per customer, plus the marketing view.

    The CLV columns follow ``lifetimes.utils.summary_data_from_transaction_data``
    exactly: dates are floored to periods of ``freq``, purchases within one period
    count once with their values summed, and transactions after the observation
    end (floored to its period) are ignored. Fully vectorised (group-bys on integer
    codes), so it scales to tens of millions of rows.

    Parameters
    ----------
    transactions : DataFrame
        One row per transaction line.
    customer_col, date_col : str
        Customer key and purchase time columns. Rows without a customer are ignored.
    value_col : str or None
        Purchase value. ``None`` gives zero monetary values.
    freq : {"D", "W", "M"}
        Time unit of ``recency`` and ``T``: days, weeks (Monday-Sunday) or months.
    observation_end : date-like, optional
        End of the observation window; default the newest purchase date.
    order_col : str, optional
        Order/invoice key; when given, ``n_purchases`` counts distinct orders,
        otherwise distinct purchase days.

    Returns
    -------
    DataFrame
        Indexed by customer (sorted), with ``frequency``, ``recency``, ``T``,
        ``monetary_value`` (floats, as in lifetimes) and ``days_since_last``,
        ``n_purchases``, ``total_spend``, ``first_purchase``, ``last_purchase``,
        ``tenure_days``. ``df.attrs`` holds ``freq`` and ``observation_end``.

    Raises
    ------
    InputError
        If a column is missing, dates cannot be read or ``freq`` is unknown.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"cust": [1, 1, 2], "date": ["2024-01-01", "2024-01-15", "2024-01-08"],
    ...                    "value": [30.0, 50.0, 20.0]})
    >>> s = rfm_summary(tx, "cust", "date", "value", freq="W", observation_end="2024-01-31")
    >>> s[["frequency", "recency", "T", "monetary_value", "days_since_last",
    ...    "total_spend"]]  # doctest: +NORMALIZE_WHITESPACE
          frequency  recency    T  monetary_value  days_since_last  total_spend
    cust
    1           1.0      2.0  4.0            50.0               16         80.0
    2           0.0      0.0  3.0             0.0               23         20.0
    """
    if freq not in FREQS:
        raise InputError("transactions", f"unknown freq {freq!r}; use one of {', '.join(FREQS)}")
    need = [customer_col, date_col] + ([value_col] if value_col else []) + \
        ([order_col] if order_col else [])
    missing = [c for c in need if c not in transactions.columns]
    if missing:
        raise InputError("transactions", f"missing column(s) {', '.join(missing)}; columns are "
                         f"{', '.join(map(str, transactions.columns))}")
    ts_all = _as_datetime(transactions[date_col], date_col)
    mask = transactions[customer_col].notna().to_numpy() & ts_all.notna().to_numpy()
    ts_ns = ts_all.to_numpy()
    days_all = ts_ns.astype("datetime64[D]").astype(np.int64)

    if observation_end is None:
        end_ts = ts_all[mask].max() if mask.any() else pd.Timestamp("1970-01-01")
    else:
        end_ts = pd.Timestamp(observation_end)
        if end_ts.tzinfo is not None:
            end_ts = end_ts.tz_convert("UTC").tz_localize(None)
    end_day = np.int64(np.datetime64(end_ts, "D").astype(np.int64))
    end_period = _period_index(np.array([end_day]), pd.Series([end_ts]), freq)[0]

    # Work on plain arrays of the rows inside the window (no frame copies: 20M rows fit).
    period_all = _period_index(days_all, ts_all, freq)
    mask &= period_all <= end_period
    codes, uniques = pd.factorize(transactions[customer_col].to_numpy()[mask], sort=True)
    codes = codes.astype(np.int64)
    days, period, t = days_all[mask], period_all[mask], ts_ns[mask]
    del days_all, period_all
    value = transactions[value_col].to_numpy(dtype=float)[mask] if value_col else \
        np.zeros(len(codes))
    value = np.nan_to_num(value, nan=0.0)
    n_cust = len(uniques)

    def distinct_per_customer(key_values: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Number of distinct ``key_values`` per customer among ``rows`` (sort-based)."""
        k_codes = pd.factorize(key_values[rows])[0].astype(np.int64)
        width = int(k_codes.max(initial=0)) + 1
        pair = np.sort(codes[rows] * width + k_codes)
        first = pair[np.r_[True, pair[1:] != pair[:-1]]] if len(pair) else pair
        return np.bincount(first // width, minlength=n_cust)

    if n_cust:
        # Sort once by (customer, period); every aggregate is then a reduceat over runs.
        # Sorting keeps memory to a few arrays of the input's length (no hash tables).
        p0 = int(period.min())
        span = int(period.max()) - p0 + 1
        key = codes * span + (period - p0)
        order = np.argsort(key, kind="stable")
        key = key[order]
        new_key = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        v = np.add.reduceat(value[order], new_key)       # value per (customer, period)
        kk = key[new_key]
        c, p = kk // span, kk % span + p0
        starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
        count = np.diff(np.r_[starts, len(c)])
        pmin, pmax = p[starts], p[starts + count - 1]
        vtot, vfirst = np.add.reduceat(v, starts), v[starts]
        row_starts = new_key[starts]                      # first sorted row of each customer
        t_sorted = t.astype("datetime64[ns]").view(np.int64)[order]
        first_t = np.minimum.reduceat(t_sorted, row_starts).view("datetime64[ns]")
        last_t = np.maximum.reduceat(t_sorted, row_starts).view("datetime64[ns]")
        del key, order, t_sorted
        # Purchases are orders (or days) with a line of non-negative value: return lines
        # never count as purchases of their own.
        buy = value >= 0
        keys = transactions[order_col].to_numpy()[mask] if order_col else days
        n_purch = distinct_per_customer(keys, buy)
    else:
        pmin = pmax = count = np.zeros(0, dtype=np.int64)
        vtot = vfirst = np.zeros(0)
        first_t = last_t = np.zeros(0, dtype="datetime64[ns]")
        n_purch = np.zeros(0, dtype=np.int64)

    frequency = (count - 1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(count > 1, (vtot - vfirst) / np.maximum(frequency, 1), 0.0)
    first_day = first_t.astype("datetime64[D]").astype(np.int64)
    last_day = last_t.astype("datetime64[D]").astype(np.int64)

    index = pd.Index(uniques, name=customer_col)
    out = pd.DataFrame({
        "frequency": frequency,
        "recency": (pmax - pmin).astype(float),
        "T": (end_period - pmin).astype(float),
        "monetary_value": monetary.astype(float),
        "days_since_last": (end_day - last_day).astype(np.int64),
        "n_purchases": n_purch.astype(np.int64),
        "total_spend": vtot.astype(float),
        "first_purchase": first_t,
        "last_purchase": last_t,
        "tenure_days": (end_day - first_day).astype(np.int64),
    }, index=index)
    out.attrs["freq"] = freq
    out.attrs["observation_end"] = str(pd.Timestamp(end_ts).date()) \
        if (observation_end is not None or n_cust) else None
    return out


def _score(values: pd.Series, bins: int, higher_is_better: bool, ties: str,
           order_key: np.ndarray) -> np.ndarray:
    """Scores 1..bins by rank quantiles; NaN counts as the worst value."""
    v = values.to_numpy(dtype=float)
    v = np.where(np.isnan(v), -np.inf if higher_is_better else np.inf, v)
    if not higher_is_better:
        v = -v
    n = len(v)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if ties == "first":
        # Strict ranks: stable sort on the value, then on the customer order.
        order = np.lexsort((order_key, v))
        rank0 = np.empty(n, dtype=np.int64)
        rank0[order] = np.arange(n)
    else:
        # Tied customers share the score of the lowest position of their tie group,
        # so identical behaviour always gets an identical score.
        rank0 = pd.Series(v).rank(method="min").to_numpy().astype(np.int64) - 1
    return np.minimum(rank0 * bins // n + 1, bins).astype(np.int64)


def _pick(summary: pd.DataFrame, col: str | None, candidates: Iterable[str]) -> str:
    if col is not None:
        if col not in summary.columns:
            raise InputError("rfm summary", f"no column {col!r}")
        return col
    for c in candidates:
        if c in summary.columns:
            return c
    raise InputError("rfm summary", f"needs one of the columns {', '.join(candidates)}")


def rfm_scores(summary: pd.DataFrame, bins: int = 5, ties: str = "min",
               recency_col: str | None = None, frequency_col: str | None = None,
               monetary_col: str | None = None) -> pd.DataFrame:
    """Add ``r_score``, ``f_score``, ``m_score`` (1..bins), ``rf_score`` and ``rfm_score``.

    Scores are equal-frequency quantiles of the customers' ranks; recency is
    reversed (the most recent customers score ``bins``). Ties are deterministic:
    with ``ties="min"`` (default) customers with identical values share the score
    of the lowest position of their group (so when most customers bought once,
    all one-time buyers get F = 1 and the repeat buyers the upper scores); with
    ``ties="first"`` every position gets its own rank, ties broken by the
    customer order (stable sort on the index), giving equal-sized score groups.
    When a score cannot use all levels (quantile edges collapse), a
    :class:`DegenerateScoresWarning` says which.

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`rfm_summary` (or a lifetimes summary).
    bins : int
        Number of score levels, 2..9.
    ties : {"min", "first"}
        Tie handling, see above.
    recency_col, frequency_col, monetary_col : str, optional
        Columns to score. Defaults: ``days_since_last`` (else ``T - recency``),
        ``n_purchases`` (else ``frequency``), ``total_spend`` (else
        ``monetary_value``).

    Returns
    -------
    DataFrame
        A copy of ``summary`` with the score columns.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"days_since_last": [1, 50, 300], "n_purchases": [9, 3, 1],
    ...                   "total_spend": [900.0, 50.0, 10.0]}, index=["a", "b", "c"])
    >>> rfm_scores(s, bins=3)[["r_score", "f_score", "m_score", "rfm_score"]]
       r_score  f_score  m_score rfm_score
    a        3        3        3       333
    b        2        2        2       222
    c        1        1        1       111
    """
    if not 2 <= int(bins) <= 9:
        raise ValueError(f"bins must be between 2 and 9, got {bins}")
    if ties not in ("min", "first"):
        raise ValueError(f"ties must be 'min' or 'first', got {ties!r}")
    out = summary.copy()
    # Stable customer order for tie-breaking, independent of the frame's row order.
    try:
        sorter = np.asarray(out.index.argsort(kind="stable"))
    except TypeError:  # mixed, unorderable IDs: compare them as text
        sorter = np.asarray(out.index.astype(str).argsort(kind="stable"))
    order_key = np.empty(len(out), dtype=np.int64)
    order_key[sorter] = np.arange(len(out))
    if recency_col is None and "days_since_last" not in out and {"T", "recency"} <= set(out):
        rec = out["T"] - out["recency"]
    else:
        rec = out[_pick(out, recency_col, ["days_since_last"])]
    freq = out[_pick(out, frequency_col, ["n_purchases", "frequency"])]
    mon = out[_pick(out, monetary_col, ["total_spend", "monetary_value"])]
    for name, values, better_high in (("r_score", rec, False), ("f_score", freq, True),
                                      ("m_score", mon, True)):
        out[name] = _score(values, int(bins), better_high, ties, order_key)
        if len(out):
            used = np.unique(out[name].to_numpy())
            if len(used) < min(int(bins), len(out)):
                missing = sorted(set(range(1, int(bins) + 1)) - set(used.tolist()))
                warnings.warn(
                    f"{name}: {values.nunique()} distinct value(s) among {len(out)} customers, "
                    f"so quantile edges collapse; score level(s) {missing} are unused "
                    f"(tied customers share a score)", DegenerateScoresWarning, stacklevel=2)
    out["rf_score"] = out["r_score"].astype(str) + out["f_score"].astype(str)
    out["rfm_score"] = out["rf_score"] + out["m_score"].astype(str)
    return out


def assign_segments(rf_score: pd.Series, segment_map: Mapping[str, str] | None = None,
                    bins: int = 5, default: str = "Other") -> pd.Series:
    """Name each ``rf_score`` through a map of regular expressions (first full match wins).

    With the default map and ``bins`` other than 5, scores are first rescaled to
    1..5 (``ceil(score * 5 / bins)``) so the named segments keep their meaning.

    Examples
    --------
    >>> import pandas as pd
    >>> assign_segments(pd.Series(["55", "51", "11", "33"])).tolist()
    ['Champions', 'New customers', 'Hibernating', 'Need attention']
    >>> assign_segments(pd.Series(["21", "12"]), {r"2.": "Recent", r"1.": "Old"}).tolist()
    ['Recent', 'Old']
    """
    rf = rf_score.astype(str)
    if segment_map is None:
        segment_map = DEFAULT_SEGMENT_MAP
        if bins != 5:
            r = np.ceil(rf.str[0].astype(int) * 5 / bins).astype(int).astype(str)
            f = np.ceil(rf.str[1].astype(int) * 5 / bins).astype(int).astype(str)
            rf = r + f
    # Map each distinct code once: at most bins**2 regex tests.
    codes = pd.unique(rf)
    lookup = {}
    compiled = [(re.compile(p), name) for p, name in segment_map.items()]
    for code in codes:
        lookup[code] = next((name for pat, name in compiled if pat.fullmatch(code)), default)
    out = rf.map(lookup)
    unmatched = sorted(c for c, name in lookup.items() if name == default and
                       default not in segment_map.values())
    if unmatched:
        warnings.warn(f"rf_score(s) {unmatched} match no entry of the segment map; "
                      f"labelled {default!r}", SegmentationWarning, stacklevel=2)
    return out


def rfm_segments(summary: pd.DataFrame, bins: int = 5, segment_map: Mapping[str, str] | None
                 = None, ties: str = "min", **score_columns) -> pd.DataFrame:
    """Scores and named segments: :func:`rfm_scores` then :func:`assign_segments`.

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`rfm_summary`.
    bins : int
        Score levels (default quintiles).
    segment_map : dict of str to str, optional
        Regular expression on ``rf_score`` -> segment name; default
        :data:`DEFAULT_SEGMENT_MAP`.
    ties : {"min", "first"}
        Tie handling of the scores.
    **score_columns
        ``recency_col``, ``frequency_col``, ``monetary_col`` for :func:`rfm_scores`.

    Returns
    -------
    DataFrame
        ``summary`` plus ``r_score``, ``f_score``, ``m_score``, ``rf_score``,
        ``rfm_score`` and ``segment``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"days_since_last": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ...                   "n_purchases": [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
    ...                   "total_spend": [10.0] * 10})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     rfm_segments(s)["segment"].tolist()[:3]
    ['Champions', 'Champions', 'Loyal customers']
    """
    scored = rfm_scores(summary, bins=bins, ties=ties, **score_columns)
    scored["segment"] = assign_segments(scored["rf_score"], segment_map, bins=int(bins)).values
    return scored
