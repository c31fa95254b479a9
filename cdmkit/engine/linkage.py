"""Linkage's heavy steps on Spark: blocking joins, comparisons, pattern counts, components.

* Index: per blocking rule, each record's block code is computed by the local code
  (:func:`cdmkit.link.blocking.rule_keys`, refinement and block-size limits: linear in
  the records); the pairs - quadratic in the block sizes - come from one Spark
  self-join per rule, then a union and one group-by per pair that keeps it once with
  the first rule that found it (and a bit per rule, for EM sessions).
* Compare: ``mapInPandas`` over the pairs, each partition running the SAME
  :func:`cdmkit.link.compare.compare_pairs` on the encoded columns (broadcast once).
* Pattern counts: one group-by per comparison pattern (the figures EM works on).
* Components: iterative min-label propagation with joins.

Training, scoring, clustering, the ID registry, households and golden records run the
local code on the driver, so a client moving between engines keeps every customer ID.

Examples
--------
>>> _bit_members(np.array([0b01, 0b11, 0b10]), 2)[1].tolist()
[1, 2]
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["SparkLinkageSteps", "spark_index_pairs", "spark_pair_frame", "spark_compare",
           "spark_pattern_counts", "spark_components", "spark_label_propagation",
           "spark_score_and_cluster", "spark_resolve_identities"]


def _partitions(spark, partitions):
    return int(partitions or spark.conf.get("spark.sql.shuffle.partitions"))


def _bit_members(mask: np.ndarray, n_rules: int) -> list[np.ndarray]:
    """Per rule, the rows whose bit ``mask`` carries (pairs the rule generated)."""
    return [np.flatnonzero((mask >> r) & 1) for r in range(n_rules)]


def _rule_blocks(keys, rule, config, n):
    """``(record, block)`` of one exact rule after refinement and the block-size limit.

    The same decisions as :func:`cdmkit.link.blocking.block_pairs` (local, linear).
    """
    from ..link.blocking import refine_codes, rule_keys

    codes = rule_keys(keys, rule.on)
    left_rule = 0
    if config.refine_on and config.refine_block_size is not None:
        refined = refine_codes(keys, codes, config.refine_on, config.refine_block_size,
                               exclude=rule.columns)
        left_rule = int(((codes >= 0) & (refined < 0)).sum())
        codes = refined
    ok = codes >= 0
    skipped = 0
    if config.max_block_size is not None and ok.any():
        sizes = np.bincount(codes[ok])
        big = ok & (sizes[np.maximum(codes, 0)] > config.max_block_size)
        skipped = int(big.sum())
        ok &= ~big
    rec = np.flatnonzero(ok)
    return pd.DataFrame({"rec": rec, "blk": codes[rec]}), skipped + left_rule


def _cross_tokens(keys, rule, config):
    """``(record, token)`` frames of a cross rule, common tokens capped (as locally)."""
    from ..link.blocking import cross_token_frames

    return cross_token_frames(keys[rule.columns[0]], keys[rule.columns[1]],
                              config.max_block_size)


def _all_rule_pairs(spark, keys, rules, config, n, parts):
    """Spark frame ``enc`` (= i * n + j, i < j), ``rule`` of every rule; skipped records.

    Exact rules share one self-join on ``(rule, block)``, cross rules one join on
    ``(rule, token)``; sorted-neighbourhood pairs (linear in n) are made locally.
    """
    from pyspark.sql import functions as F

    from ..link.blocking import block_pairs

    exact, left, right, local, skipped = [], [], [], [], []
    for r_idx, rule in enumerate(rules):
        if rule.method == "sorted_neighbourhood":
            p, skip = block_pairs(keys, rule)
            local.append(pd.DataFrame({"enc": p[:, 0] * n + p[:, 1], "rule": r_idx}))
        elif rule.method == "cross":
            a, b, skip = _cross_tokens(keys, rule, config)
            left.append(a.assign(rule=r_idx))
            right.append(b.assign(rule=r_idx))
        else:
            blocks, skip = _rule_blocks(keys, rule, config, n)
            exact.append(blocks.assign(rule=r_idx))
        skipped.append(skip)
    lo, hi = F.least("l.rec", "r.rec").cast("long"), F.greatest("l.rec", "r.rec").cast("long")
    on = (F.col("l.rule") == F.col("r.rule")) & (F.col("l.blk") == F.col("r.blk"))
    frames = []
    for lft, rgt, cond in ((exact, exact, F.col("l.rec") < F.col("r.rec")),
                           (left, right, F.col("l.rec") != F.col("r.rec"))):
        if not lft:
            continue
        a = spark.createDataFrame(pd.concat(lft, ignore_index=True)).repartition(parts, "blk")
        b = a if rgt is lft else \
            spark.createDataFrame(pd.concat(rgt, ignore_index=True)).repartition(parts, "blk")
        frames.append(a.alias("l").join(b.alias("r"), on).where(cond)
                      .select((lo * n + hi).alias("enc"), F.col("l.rule").alias("rule")))
    if local:
        frames.append(spark.createDataFrame(pd.concat(local, ignore_index=True)))
    return frames, skipped


def spark_pair_frame(spark, keys, settings, config, src, partitions=None):
    """The candidate pairs as a persisted Spark frame, never collected to the driver.

    Parameters
    ----------
    spark : SparkSession
    keys : DataFrame
        Blocking key columns of the records (:func:`cdmkit.link.index._key_columns`).
    settings, config
        Linkage settings (blocking rules, link type) and stage options (block limits,
        ``max_pairs``).
    src : ndarray
        Source code of each record.
    partitions : int, optional

    Returns
    -------
    (DataFrame or None, list of int)
        Frame ``enc`` (= i * n + j, i < j), ``rule_of`` (first rule that found the pair),
        ``mask`` (a bit per rule that found it), persisted; ``None`` when no rule made a
        pair. Then the records each rule skipped.

    Examples
    --------
    >>> spark_pair_frame.__name__  # needs a SparkSession: see tests/test_engine_spark.py
    'spark_pair_frame'
    """
    from pyspark.sql import functions as F

    n, rules, parts = len(keys), settings.blocking_rules, _partitions(spark, partitions)
    if len(rules) > 62:
        raise InputError("linkage", "the Spark engine takes at most 62 blocking rules")
    frames, skipped = _all_rule_pairs(spark, keys, rules, config, n, parts)
    # one bit per rule (2**rule is exact in a double up to 2**62): the EM sessions
    frames = [f.withColumn("bit", F.pow(F.lit(2), F.col("rule")).cast("long")) for f in frames]
    if not frames:
        return None, skipped
    union = frames[0]
    for f in frames[1:]:
        union = union.unionByName(f)
    if settings.link_type != "link_and_dedupe":
        srcs = spark.createDataFrame(pd.DataFrame({"rec": np.arange(n), "s": src}))
        union = (union.withColumn("i", (F.col("enc") / n).cast("long"))
                 .withColumn("j", F.col("enc") % n)
                 .join(F.broadcast(srcs.withColumnRenamed("rec", "i")
                                   .withColumnRenamed("s", "si")), "i")
                 .join(F.broadcast(srcs.withColumnRenamed("rec", "j")
                                   .withColumnRenamed("s", "sj")), "j"))
        same = F.col("si") == F.col("sj")
        union = union.where(~same if settings.link_type == "link_only" else same)
    grouped = union.groupBy("enc").agg(F.min("rule").cast("short").alias("rule_of"),
                                       F.bit_or("bit").alias("mask"))
    grouped = grouped.persist()
    total = grouped.count()
    if config.max_pairs is not None and total > config.max_pairs:
        grouped.unpersist()
        raise InputError("linkage", f"blocking produced more than {config.max_pairs:,} "
                         "candidate pairs; use stricter blocking rules or raise "
                         "linkage.max_pairs")
    return grouped, skipped


# One function: the index step's contract (rule table, sessions) is built in one place.
def spark_index_pairs(spark, records, settings, config, prepared, truth=None, known_ids=None,
                      partitions=None):
    """Index step on Spark: the candidate pairs of :func:`cdmkit.link.index.index_pairs`.

    Parameters
    ----------
    spark : SparkSession
    records, settings, config, prepared, truth, known_ids
        As :func:`cdmkit.link.index.index_pairs`.
    partitions : int, optional
        Partitions of the block and pair frames (default Spark's shuffle partitions).

    Returns
    -------
    CandidatePairs
        Identical to the local step's (pairs, rule table, first rule, sessions).

    Examples
    --------
    >>> spark_index_pairs.__name__  # needs a SparkSession: see tests/test_engine_spark.py
    'spark_index_pairs'
    """
    from ..link.index import CandidatePairs, _add_known_pairs, _key_columns

    keys = _key_columns(records, settings, prepared, config.refine_on)
    n, rules = len(keys), settings.blocking_rules
    src = pd.factorize(records["source"])[0]
    grouped, skipped = spark_pair_frame(spark, keys, settings, config, src, partitions)
    del keys
    if grouped is None:
        found = pd.DataFrame({"enc": np.zeros(0, np.int64), "rule_of": np.zeros(0, np.int16),
                              "mask": np.zeros(0, np.int64)})
    else:
        found = grouped.orderBy("enc").toPandas()
        grouped.unpersist()
    enc = found["enc"].to_numpy(np.int64)
    rule_of = found["rule_of"].to_numpy(np.int16)
    members = _bit_members(found["mask"].to_numpy(np.int64), len(rules))
    rows = []
    for r_idx, rule in enumerate(rules):
        row = {"rule": rule.label, "pairs": len(members[r_idx]),
               "new_pairs": int((rule_of == r_idx).sum()), "skipped_records": skipped[r_idx]}
        if truth is not None:
            t, e = np.asarray(truth), enc[members[r_idx]]
            row["true_pairs_found"] = int((t[e // n] == t[e % n]).sum()) if len(e) else 0
        rows.append(row)
    counts = pd.DataFrame(rows, columns=["rule", "pairs", "new_pairs", "skipped_records"] +
                          ([] if truth is None else ["true_pairs_found"]))
    pairs = np.column_stack([enc // n, enc % n]).astype(np.int64) if len(enc) else \
        np.empty((0, 2), np.int64)
    if known_ids is not None:
        pairs, counts = _add_known_pairs(pairs, counts, known_ids, src, settings.link_type,
                                         config.max_cluster_size, truth)
    return CandidatePairs(pairs, counts, rule_of, members)


def spark_compare(spark, pairs, enc, settings, chunk=None, partitions=None):
    """Compare step on Spark: ``mapInPandas`` running :func:`cdmkit.link.compare.compare_pairs`.

    The encoded columns (codes into distinct prepared values, the comparators) are
    broadcast once; each partition compares its pairs with the same code as the local
    engine. Returns ``(gamma, swapped)`` in the order of ``pairs``.

    Examples
    --------
    >>> spark_compare.__name__  # needs a SparkSession: see tests/test_engine_spark.py
    'spark_compare'
    """
    from ..link.compare import compare_pairs

    gdf = spark_gamma_frame(spark, pairs, enc, settings, chunk, partitions)
    out = gdf.orderBy("k").toPandas()
    names = [f"g{k}" for k in range(len(enc.comparators))]
    if len(out) != len(pairs):  # a lost partition would shift every pair after it
        raise RuntimeError(f"Spark compared {len(out)} of {len(pairs)} pairs")
    if not len(names):
        return compare_pairs(pairs, enc, settings, chunk)
    gamma = np.ascontiguousarray(out[names].to_numpy(np.int8))
    return gamma, out["swapped"].to_numpy(bool)


def spark_gamma_frame(spark, pairs, enc, settings, chunk=None, partitions=None):
    """Spark frame ``k`` (pair number), ``g0..`` (levels), ``swapped`` of ``pairs``.

    Examples
    --------
    >>> spark_gamma_frame.__name__
    'spark_gamma_frame'
    """
    from pyspark.sql import types as T

    from ..link.compare import compare_pairs

    n_cmp = len(enc.comparators)
    bc = spark.sparkContext.broadcast(enc)
    pdf = pd.DataFrame({"k": np.arange(len(pairs), dtype=np.int64),
                        "i": pairs[:, 0].astype(np.int64), "j": pairs[:, 1].astype(np.int64)})
    sdf = spark.createDataFrame(pdf).repartition(_partitions(spark, partitions))
    schema = T.StructType([T.StructField("k", T.LongType())] +
                          [T.StructField(f"g{k}", T.ByteType()) for k in range(n_cmp)] +
                          [T.StructField("swapped", T.BooleanType())])

    def compare_batches(batches):
        e = bc.value
        for b in batches:
            p = np.column_stack([b["i"].to_numpy(np.int64), b["j"].to_numpy(np.int64)])
            g, sw = compare_pairs(p, e, settings, chunk)
            out = pd.DataFrame(g, columns=[f"g{k}" for k in range(n_cmp)])
            out.insert(0, "k", b["k"].to_numpy(np.int64))
            out["swapped"] = sw
            yield out

    return sdf.mapInPandas(compare_batches, schema)


def spark_pattern_counts(gdf, n_comparisons: int) -> pd.DataFrame:
    """Pairs per comparison pattern (one group-by): what EM is fitted on.

    Examples
    --------
    >>> spark_pattern_counts.__name__
    'spark_pattern_counts'
    """
    cols = [f"g{k}" for k in range(n_comparisons)]
    return gdf.groupBy(*cols).count().orderBy(*cols).toPandas()


def spark_label_propagation(edges, max_iter: int = 100, partitions=None):
    """Component label of every record on an edge, as a Spark frame ``v``, ``lab``.

    ``edges`` is a Spark frame ``a``, ``b`` (one row per link, either direction). Every
    record starts with its own number as label; each round a record takes the smallest
    label among itself and its neighbours, until no label changes (rounds: the longest
    shortest path in a component, a handful for customer clusters). Nothing is collected.

    Examples
    --------
    >>> spark_label_propagation.__name__  # needs a SparkSession: see tests
    'spark_label_propagation'
    """
    from pyspark.sql import functions as F

    spark = edges.sparkSession
    parts = _partitions(spark, partitions)
    both = (edges.select("a", "b")
            .unionByName(edges.select(F.col("b").alias("a"), F.col("a").alias("b")))
            .repartition(parts, "a").persist())
    labels = both.select(F.col("a").alias("v")).distinct().withColumn("lab", F.col("v"))
    for _ in range(max_iter):
        prop = (both.join(labels, both["a"] == labels["v"])
                .select(F.col("b").alias("v"), F.col("lab")))
        new = (prop.unionByName(labels).groupBy("v").agg(F.min("lab").alias("lab"))
               .localCheckpoint())  # cut the lineage: one short plan per round
        changed = new.alias("n").join(labels.alias("o"), "v").where(
            F.col("n.lab") < F.col("o.lab")).count()
        labels = new
        if changed == 0:
            break
    else:
        raise RuntimeError(f"components did not settle in {max_iter} rounds")
    both.unpersist()
    return labels


def spark_components(spark, n: int, pairs: np.ndarray, max_iter: int = 100,
                     partitions=None) -> np.ndarray:
    """Connected components of ``n`` records by label propagation (joins on Spark).

    Labels are numbered by the first record of each component, as
    :func:`cdmkit.link.clustering.components`.

    Examples
    --------
    >>> spark_components.__name__
    'spark_components'
    """
    p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    root = np.arange(n, dtype=np.int64)
    if len(p):
        edges = spark.createDataFrame(pd.DataFrame({"a": p[:, 0], "b": p[:, 1]}))
        got = spark_label_propagation(edges, max_iter, partitions).toPandas()
        root[got["v"].to_numpy(np.int64)] = got["lab"].to_numpy(np.int64)
    return pd.factorize(root)[0].astype(np.int64)  # first-seen order = by first record


class SparkLinkageSteps:
    """The index and compare steps on Spark, with their time and partitions logged.

    Parameters
    ----------
    spark : SparkSession
    log : StepLog, optional
    partitions : int, optional

    Examples
    --------
    >>> SparkLinkageSteps(None).engine
    'spark'
    """

    engine = "spark"

    def __init__(self, spark, log=None, partitions=None):
        self.spark, self.log, self.partitions = spark, log, partitions

    def _timed(self, name, fn, *args, **kwargs):
        t0 = time.perf_counter()
        out = fn(self.spark, *args, **kwargs, partitions=self.partitions)
        if self.log is not None:
            self.log.add(name, time.perf_counter() - t0, "spark",
                         _partitions(self.spark, self.partitions))
        return out

    def index_pairs(self, records, settings, config, prepared, truth=None, known_ids=None):
        """:func:`spark_index_pairs` (the local step's signature)."""
        return self._timed("index (blocking joins)", spark_index_pairs, records, settings,
                           config, prepared, truth, known_ids)

    def compare_pairs(self, pairs, enc, settings, chunk=None):
        """:func:`spark_compare` (the local step's signature)."""
        return self._timed("compare (mapInPandas)", spark_compare, pairs, enc, settings, chunk)


def _engine(spark, log, partitions, keep_pairs_on_spark):
    if keep_pairs_on_spark:
        from .pipeline import SparkPipeline

        return SparkPipeline(spark, log, partitions)
    return SparkLinkageSteps(spark, log, partitions)


def spark_score_and_cluster(spark, records, settings=None, config=None, seed: int = 42,
                            log=None, partitions=None, keep_pairs_on_spark: bool = True,
                            **kwargs):
    """:func:`cdmkit.link.score_and_cluster` on Spark.

    With ``keep_pairs_on_spark`` (the default) the whole pipeline runs with the pair
    table on Spark (:func:`cdmkit.engine.pipeline.spark_pipeline_score_and_cluster`);
    otherwise only the index and compare steps run there and the pairs come back.

    Examples
    --------
    >>> spark_score_and_cluster.__name__
    'spark_score_and_cluster'
    """
    from ..link.engines import use_engine
    from ..link.pipeline import score_and_cluster

    with use_engine(_engine(spark, log, partitions, keep_pairs_on_spark)):
        return score_and_cluster(records, settings, config, seed, **kwargs)


def _whole_table_figures(result) -> None:
    """Report figures of all candidate pairs when the result holds only some of them."""
    scored = result.scored
    if getattr(scored, "patterns", None) is None:
        return
    rep = result.report
    rep.n_candidate_pairs = int(scored.n_pairs)
    rep.n_links = int(scored.n_links)
    rep.n_names_swapped = int(scored.n_names_swapped)
    found = getattr(scored, "n_true_pairs_found", None)
    if found is not None and scored.truth is not None and rep.blocking_recall is not None:
        from ..link.evaluate import true_pairs

        total = true_pairs(scored.truth, scored.records["source"],
                           scored.settings.link_type == "link_only")
        rep.blocking_recall = float(found / total) if total else 1.0


def spark_resolve_identities(spark, customers, config=None, store_path=None, log=None,
                             partitions=None, keep_pairs_on_spark: bool = True, **kwargs):
    """:func:`cdmkit.link.resolve_identities` with the heavy steps on Spark.

    The ID registry (keep the older ID, log every change), households and golden
    records are the local engine's code and store: moving a client between engines
    changes no customer ID. With ``keep_pairs_on_spark`` (the default) the candidate
    pairs never come to the driver: ``result.pairs`` holds the pairs inside clusters
    (links and the candidates among linked records), the report counts all of them.

    Examples
    --------
    >>> spark_resolve_identities.__name__
    'spark_resolve_identities'
    """
    from ..link.engines import use_engine
    from ..link.pipeline import resolve_identities

    t0 = time.perf_counter()
    n_before = len(log.records()) if log is not None else 0
    with use_engine(_engine(spark, log, partitions, keep_pairs_on_spark)):
        result = resolve_identities(customers, config, store_path, **kwargs)
    _whole_table_figures(result)
    if log is not None:
        timed = sum(r["seconds"] for r in log.records()[n_before:])
        log.add("IDs, households, golden records (driver)", time.perf_counter() - t0 - timed,
                "local", rows=len(result.customer_map))
    return result
