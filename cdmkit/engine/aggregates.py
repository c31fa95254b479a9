"""Stage aggregates on Spark: RFM summary, cohort counts, co-purchase pair counts.

Each is a few group-bys and joins over the transaction lines; only the per-customer
(or per-cohort, per-pair) result comes back to the driver as pandas, with the columns,
dtypes and definitions of the local functions (:func:`cdmkit.segment.rfm_summary`,
:func:`cdmkit.analyze.cohorts.cohort_table`, :func:`cdmkit.analyze.patterns.co_purchase`),
so the notebooks and models downstream do not know which engine ran.

Examples
--------
>>> _EPOCH_WEEKDAY_SHIFT
3
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["spark_rfm_summary", "spark_cohort_counts", "spark_co_purchase_counts"]

#: As in the local engine: 1970-01-01 is a Thursday; +3 days starts weeks on Monday.
_EPOCH_WEEKDAY_SHIFT = 3


def _as_spark(spark, data):
    """A Spark DataFrame of ``data`` (pandas frames are sent with Arrow)."""
    if isinstance(data, pd.DataFrame):
        return spark.createDataFrame(data)
    return data


def _period_col(F, ts, days, freq: str):
    if freq == "D":
        return days
    if freq == "W":
        return F.floor((days + _EPOCH_WEEKDAY_SHIFT) / 7).cast("long")
    return (F.year(ts) * 12 + F.month(ts) - 1).cast("long")


def _end_of_window(F, sdf, observation_end):
    """Observation end (naive UTC timestamp) and its day number, as the local engine."""
    if observation_end is None:
        end_ts = sdf.agg(F.max("_ts")).first()[0]
        end_ts = pd.Timestamp(end_ts) if end_ts is not None else pd.Timestamp("1970-01-01")
    else:
        end_ts = pd.Timestamp(observation_end)
        if end_ts.tzinfo is not None:
            end_ts = end_ts.tz_convert("UTC").tz_localize(None)
    return end_ts, int(np.datetime64(end_ts, "D").astype(np.int64))


def _end_period(end_ts, end_day: int, freq: str) -> int:
    if freq == "D":
        return end_day
    if freq == "W":
        return (end_day + _EPOCH_WEEKDAY_SHIFT) // 7
    return end_ts.year * 12 + end_ts.month - 1


# One function: the aggregates are one Spark plan; split, it would be harder to follow.
def spark_rfm_summary(spark, transactions, customer_col: str = "customer_id",
                      date_col: str = "timestamp", value_col: str | None = "amount",
                      freq: str = "D", observation_end=None, order_col: str | None = None
                      ) -> pd.DataFrame:
    """RFM summary per customer computed on Spark (same result as the local engine).

    Parameters
    ----------
    spark : SparkSession
    transactions : pyspark.sql.DataFrame or pandas.DataFrame
        One row per transaction line.
    customer_col, date_col, value_col, freq, observation_end, order_col
        As :func:`cdmkit.segment.rfm_summary`.

    Returns
    -------
    DataFrame
        As :func:`cdmkit.segment.rfm_summary` (indexed by customer, sorted).

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.engine import spark_session
    >>> from cdmkit.config import SparkConfig
    >>> spark = spark_session(SparkConfig(master="local[1]", conf={"spark.ui.enabled": False,
    ...     "spark.sql.shuffle.partitions": 2}))  # doctest: +SKIP
    >>> tx = pd.DataFrame({"c": [1, 1, 2], "d": pd.to_datetime(["2024-01-01", "2024-01-15",
    ...                    "2024-01-08"]), "v": [30.0, 50.0, 20.0]})
    >>> spark_rfm_summary(spark, tx, "c", "d", "v", "W", "2024-01-31")["recency"].tolist()
    ... # doctest: +SKIP
    [2.0, 0.0]
    """
    from pyspark.sql import functions as F

    from ..segment.rfm import FREQS

    if freq not in FREQS:
        raise InputError("transactions", f"unknown freq {freq!r}; use one of {', '.join(FREQS)}")
    sdf = _as_spark(spark, transactions)
    need = [customer_col, date_col] + ([value_col] if value_col else []) + \
        ([order_col] if order_col else [])
    missing = [c for c in need if c not in sdf.columns]
    if missing:
        raise InputError("transactions", f"missing column(s) {', '.join(missing)}; columns are "
                         f"{', '.join(sdf.columns)}")
    value = F.col(value_col).cast("double") if value_col else F.lit(0.0)
    sdf = sdf.select(F.col(customer_col).alias("_c"), F.col(date_col).cast("timestamp")
                     .alias("_ts"), F.when(F.isnan(value) | value.isNull(), 0.0)
                     .otherwise(value).alias("_v"),
                     (F.col(order_col) if order_col else F.lit(None)).alias("_o"))
    sdf = sdf.where(F.col("_c").isNotNull() & F.col("_ts").isNotNull())
    end_ts, end_day = _end_of_window(F, sdf, observation_end)
    end_period = _end_period(end_ts, end_day, freq)
    days = F.datediff(F.to_date("_ts"), F.lit("1970-01-01").cast("date")).cast("long")
    sdf = sdf.withColumn("_d", days).withColumn("_p", _period_col(F, F.col("_ts"), days, freq))
    sdf = sdf.where(F.col("_p") <= end_period)
    per = sdf.groupBy("_c", "_p").agg(F.sum("_v").alias("_pv"))
    first_p = per.groupBy("_c").agg(F.min("_p").alias("_p"))
    per_c = per.groupBy("_c").agg(F.count("*").alias("count"), F.min("_p").alias("pmin"),
                                  F.max("_p").alias("pmax"), F.sum("_pv").alias("vtot"))
    vfirst = per.join(first_p, ["_c", "_p"]).select("_c", F.col("_pv").alias("vfirst"))
    key = F.col("_o") if order_col else F.col("_d")
    buys = sdf.where(F.col("_v") >= 0).groupBy("_c").agg(F.countDistinct(key).alias("n_purch"))
    times = sdf.groupBy("_c").agg(F.min("_ts").alias("first_t"), F.max("_ts").alias("last_t"))
    res = (per_c.join(vfirst, "_c").join(times, "_c").join(buys, "_c", "left")
           .toPandas())
    return _rfm_frame(res, customer_col, freq, end_ts, end_day, end_period, observation_end)


def _rfm_frame(res, customer_col, freq, end_ts, end_day, end_period, observation_end):
    """The local engine's RFM columns from the per-customer aggregates."""
    res = res.sort_values("_c", kind="stable").reset_index(drop=True)
    count = res["count"].to_numpy(np.int64)
    vtot, vfirst = res["vtot"].to_numpy(float), res["vfirst"].to_numpy(float)
    frequency = (count - 1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(count > 1, (vtot - vfirst) / np.maximum(frequency, 1), 0.0)
    first_t = pd.to_datetime(res["first_t"]).to_numpy("datetime64[ns]")
    last_t = pd.to_datetime(res["last_t"]).to_numpy("datetime64[ns]")
    first_day = first_t.astype("datetime64[D]").astype(np.int64)
    last_day = last_t.astype("datetime64[D]").astype(np.int64)
    out = pd.DataFrame({
        "frequency": frequency,
        "recency": (res["pmax"].to_numpy(np.int64) - res["pmin"].to_numpy(np.int64)).astype(float),
        "T": (end_period - res["pmin"].to_numpy(np.int64)).astype(float),
        "monetary_value": monetary.astype(float),
        "days_since_last": (end_day - last_day).astype(np.int64),
        "n_purchases": res["n_purch"].fillna(0).to_numpy().astype(np.int64),
        "total_spend": vtot,
        "first_purchase": first_t,
        "last_purchase": last_t,
        "tenure_days": (end_day - first_day).astype(np.int64),
    }, index=pd.Index(res["_c"].to_numpy(), name=customer_col))
    out.attrs["freq"] = freq
    out.attrs["observation_end"] = str(pd.Timestamp(end_ts).date()) \
        if (observation_end is not None or len(out)) else None
    return out


#: Cohort periods on Spark: pandas period ordinals (months / quarters since 1970).
_COHORT_FREQS = {"M": ("M", 12), "Q": ("Q", 4)}


def spark_cohort_counts(spark, transactions, customer_col: str = "customer_id",
                        date_col: str = "timestamp", value_col: str | None = "amount", *,
                        freq: str = "M", max_periods: int | None = None) -> pd.DataFrame:
    """Cohort table (as :func:`cdmkit.analyze.cohorts.cohort_table`) with Spark group-bys.

    Active customers and revenue per (acquisition cohort, period since acquisition) are
    counted on Spark; the small cohort x period table is finished on the driver.
    Monthly and quarterly cohorts (``freq`` ``M`` or ``Q``).

    Examples
    --------
    >>> spark_cohort_counts(None, None, freq="W")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    cdmkit.errors.InputError: transactions: cohorts on Spark are monthly or quarterly
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    if freq not in _COHORT_FREQS:
        raise InputError("transactions", "cohorts on Spark are monthly or quarterly "
                         "(freq M or Q)")
    sdf = _as_spark(spark, transactions)
    ts = F.col(date_col).cast("timestamp")
    year0 = F.year(ts) - 1970
    pi = year0 * 12 + F.month(ts) - 1 if freq == "M" else year0 * 4 + F.quarter(ts) - 1
    value = F.col(value_col).cast("double") if value_col else F.lit(0.0)
    sdf = sdf.select(F.col(customer_col).alias("c"), pi.cast("long").alias("pi"),
                     F.when(F.isnan(value) | value.isNull(), 0.0).otherwise(value).alias("v"))
    sdf = sdf.where(F.col("c").isNotNull() & F.col("pi").isNotNull())
    sdf = sdf.withColumn("cohort_pi", F.min("pi").over(Window.partitionBy("c")))
    sdf = sdf.withColumn("period", (F.col("pi") - F.col("cohort_pi")).cast("int"))
    last_pi = sdf.agg(F.max("pi")).first()[0]
    if last_pi is None:
        raise InputError("transactions", "no transaction has both a customer and a date")
    if max_periods is not None:
        sdf = sdf.where(F.col("period") <= max_periods)
    out = (sdf.groupBy("cohort_pi", "period")
           .agg(F.countDistinct("c").alias("customers"), F.sum("v").alias("revenue"))
           .toPandas().sort_values(["cohort_pi", "period"], ignore_index=True))
    return _finish_cohorts(out, int(last_pi), freq, max_periods, value_col)


def _finish_cohorts(out, last_pi, freq, max_periods, value_col):
    out["customers"] = out["customers"].astype(np.int64)
    first = out[out["period"] == 0].set_index("cohort_pi")
    out["cohort_size"] = out["cohort_pi"].map(first["customers"])
    out["retention"] = out["customers"] / out["cohort_size"]
    rev0 = out["cohort_pi"].map(first["revenue"]).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["revenue_retention"] = np.where(rev0 > 0, out["revenue"] / rev0, np.nan)
    out["cohort"] = [str(pd.Period(ordinal=int(o), freq=_COHORT_FREQS[freq][0]))
                     for o in out["cohort_pi"]]
    out["observed_periods"] = last_pi - out["cohort_pi"]
    if max_periods is not None:
        out["observed_periods"] = out["observed_periods"].clip(upper=max_periods)
    cols = ["cohort", "period", "customers", "cohort_size", "observed_periods", "retention"]
    if value_col:
        cols += ["revenue", "revenue_retention"]
    return out[cols].reset_index(drop=True)


def spark_co_purchase_counts(spark, transactions, basket_col: str = "order_id",
                             item_col: str = "product_id", *, min_support: float = 0.01,
                             min_pairs: int = 2) -> pd.DataFrame:
    """Baskets holding each pair of frequent items, counted with a Spark self-join.

    Same pairs and measures as :func:`cdmkit.analyze.patterns.co_purchase` (without
    ``max_items`` and names): ``item_a < item_b``, ``pairs``, ``support``,
    ``confidence_ab``, ``confidence_ba``, ``lift``; sorted by lift, then pairs, then items.

    Examples
    --------
    >>> spark_co_purchase_counts.__name__
    'spark_co_purchase_counts'
    """
    from pyspark.sql import functions as F

    sdf = _as_spark(spark, transactions)
    b = (sdf.select(F.col(basket_col).alias("b"), F.col(item_col).alias("i"))
         .dropna().dropDuplicates())
    n_baskets = b.select("b").distinct().count()
    cols = ["item_a", "item_b", "pairs", "support", "confidence_ab", "confidence_ba", "lift"]
    if n_baskets == 0:
        return pd.DataFrame(columns=cols)
    counts = b.groupBy("i").agg(F.count("*").alias("n"))
    frequent = counts.where(F.col("n") / n_baskets >= min_support)
    fb = b.join(frequent.select("i"), "i")
    pairs = (fb.alias("x").join(fb.alias("y"), (F.col("x.b") == F.col("y.b")) &
                                (F.col("x.i") < F.col("y.i")))
             .groupBy(F.col("x.i").alias("item_a"), F.col("y.i").alias("item_b"))
             .agg(F.count("*").alias("pairs")))
    pairs = pairs.where((F.col("pairs") >= min_pairs) & (F.col("pairs") / n_baskets >= min_support))
    na = frequent.select(F.col("i").alias("item_a"), F.col("n").alias("na"))
    nb = frequent.select(F.col("i").alias("item_b"), F.col("n").alias("nb"))
    out = pairs.join(na, "item_a").join(nb, "item_b").toPandas()
    out["pairs"] = out["pairs"].astype(np.int64)
    out["support"] = out["pairs"] / n_baskets
    out["confidence_ab"] = out["pairs"] / out["na"]
    out["confidence_ba"] = out["pairs"] / out["nb"]
    out["lift"] = out["pairs"] * n_baskets / (out["na"].astype(float) * out["nb"])
    out = out.sort_values(["lift", "pairs", "item_a", "item_b"],
                          ascending=[False, False, True, True], ignore_index=True)[cols]
    out.attrs["n_baskets"] = int(n_baskets)
    return out
