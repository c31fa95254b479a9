"""The linkage pipeline with the pair table kept on Spark (driver memory flat in the pairs).

The local pipeline (:func:`cdmkit.link.score_and_cluster`) holds every candidate pair,
its comparison levels and its weight in driver memory. Here they stay in Spark frames:

* index: one Spark frame of pairs (blocking joins, union, dedupe), never collected;
* compare: ``mapInPandas`` running :func:`cdmkit.link.compare.compare_pairs` (persisted);
* train: EM on comparison-pattern counts - one group-by for the candidates (each pair
  with the fields its own rule forces set missing), one for the rules' sessions, one for
  the raw patterns; the same :class:`~cdmkit.link.fellegi_sunter.FellegiSunter` fit on
  the driver on those small tables. The u correction's expected matches per level are
  summed per partition;
* score: ``mapInPandas`` with the fitted model broadcast (the same ``match_weight``, term
  frequencies looked up per pair from per-record tables);
* cluster: connected components of the links by label propagation on Spark; only the
  pairs inside a component (the links and the candidates among linked records) come to
  the driver, where the local guard (:func:`cdmkit.link.clustering.cluster_records`) runs
  on them. Pairs between components never matter to the guard: its rounds only split
  components, so the clusters are exactly the local engine's.

What comes back to the driver: the records' encodings (linear in records), pattern
tables (at most a few thousand rows), per-level sums, and the pairs inside components
(linear in records: every record has a handful of links). Each step logs the rows it
returned (:class:`~cdmkit.engine.steps.StepLog` ``rows``).

Examples
--------
>>> _masked_levels.__name__
'_masked_levels'
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..link.results import ScoredLinkage
from .linkage import SparkLinkageSteps, _partitions, spark_label_propagation, spark_pair_frame

__all__ = ["SparkPipeline", "SparkScoredLinkage", "spark_pipeline_score_and_cluster"]


@dataclass
class SparkScoredLinkage(ScoredLinkage):
    """A :class:`~cdmkit.link.results.ScoredLinkage` whose pair arrays are the pairs
    inside components (the links and the candidates among linked records), with the
    whole pair table's figures counted on Spark.

    ``pairs``, ``gamma``, ``match_weight`` hold the pairs that decide the clusters;
    ``n_pairs``, ``n_links``, ``n_names_swapped``, ``patterns`` (pairs and links per
    comparison pattern) and, with ground truth, ``n_true_pairs_found`` describe all
    candidate pairs.

    Examples
    --------
    >>> SparkScoredLinkage.__dataclass_fields__["n_pairs"].default
    0
    """

    n_pairs: int = 0
    n_links: int = 0
    n_names_swapped: int = 0
    patterns: pd.DataFrame | None = None
    n_true_pairs_found: int | None = None


def _g(K):
    return [f"g{k}" for k in range(K)]


def _pair_tf(rec_freq, pairs, gamma):
    """Term frequencies of ``pairs`` from per-record tables (as the local step)."""
    from ..link.fellegi_sunter import PairFrequencies

    tf = PairFrequencies(len(pairs), gamma.shape[1])
    for k, by_level in rec_freq.items():
        tf.set_record_frequencies(k, by_level, pairs, gamma)
    return tf


def _record_frequencies(records, settings, enc):
    """Per comparison with term-frequency adjustment, ``{level: frequency per record}``."""
    from ..link.compare import term_frequencies

    K = len(enc.comparators)
    tf, tf_on = term_frequencies(records, settings, enc, np.empty((0, 2), np.int64),
                                 np.empty((0, K), np.int8))
    return tf.record_frequencies, tf_on


def _compared_frame(pf, n, enc, settings, chunk, truth=None):
    """Spark frame ``i, j, rule_of, mask, g0.., swapped[, same]`` (mapInPandas compare)."""
    from pyspark.sql import types as T

    from ..link.compare import compare_pairs

    K = len(enc.comparators)
    bc = pf.sparkSession.sparkContext.broadcast(
        (enc, None if truth is None else pd.factorize(np.asarray(truth, dtype=object))[0]))
    fields = [T.StructField("i", T.LongType()), T.StructField("j", T.LongType()),
              T.StructField("rule_of", T.ShortType()), T.StructField("mask", T.LongType())]
    fields += [T.StructField(c, T.ByteType()) for c in _g(K)]
    fields += [T.StructField("swapped", T.BooleanType())]
    if truth is not None:
        fields.append(T.StructField("same", T.BooleanType()))

    def compare(batches):
        e, t = bc.value
        for b in batches:
            code = b["enc"].to_numpy(np.int64)
            p = np.column_stack([code // n, code % n])
            g, sw = compare_pairs(p, e, settings, chunk)
            out = pd.DataFrame(np.asarray(g, dtype=np.int8).reshape(len(p), K), columns=_g(K))
            out.insert(0, "mask", b["mask"].to_numpy(np.int64))
            out.insert(0, "rule_of", b["rule_of"].to_numpy(np.int16))
            out.insert(0, "j", p[:, 1])
            out.insert(0, "i", p[:, 0])
            out["swapped"] = np.asarray(sw, dtype=bool)
            if t is not None:
                out["same"] = (t[p[:, 0]] == t[p[:, 1]]) & (t[p[:, 0]] >= 0)
            yield out

    return pf.mapInPandas(compare, T.StructType(fields))


def _masked_levels(K, blocked, rule):
    """Level columns with the comparisons ``rule`` forces set missing (-1)."""
    from pyspark.sql import functions as F

    out = []
    for k in range(K):
        c = F.col(f"g{k}")
        if isinstance(rule, int):
            c = F.lit(-1).cast("byte") if k in blocked[rule] else c
        else:  # per pair: its own first rule
            rules = [r for r, cols in enumerate(blocked) if k in cols]
            if rules:
                c = F.when(F.col("rule_of").isin(rules), F.lit(-1).cast("byte")).otherwise(c)
        out.append(c.alias(f"g{k}"))
    return out


def _as_patterns(pdf, K):
    """``(patterns, counts)`` in :func:`~cdmkit.link.fellegi_sunter.merge_patterns` order."""
    from ..link.fellegi_sunter import merge_patterns

    pats = pdf[_g(K)].to_numpy(np.int8).reshape(len(pdf), K)
    return merge_patterns([(pats, pdf["count"].to_numpy(np.int64))], K)


class _Returned:
    """Rows the Spark steps brought to the driver (for the step log)."""

    def __init__(self):
        self.rows = 0

    def __call__(self, pdf):
        self.rows += len(pdf)
        return pdf


def _training_data(G, settings, config, K, n_pairs, sources, got):
    """``(train, sessions, candidate_share, raw patterns)`` counted by Spark group-bys."""
    from ..link.index import n_possible_pairs
    from ..link.train import blocked_comparisons

    raw = _as_patterns(got(G.groupBy(*_g(K)).count().toPandas()), K)
    if config.em_training != "sessions":
        return raw, None, None, raw
    blocked = blocked_comparisons(settings)
    train = _as_patterns(got(G.select(*_masked_levels(K, blocked, None))
                             .groupBy(*_g(K)).count().toPandas()), K)
    from pyspark.sql import functions as F

    per_rule = None
    for r in range(len(blocked)):
        f = (G.where(F.shiftright("mask", r).bitwiseAND(1) == 1)
             .select(F.lit(r).alias("r"), *_masked_levels(K, blocked, r)))
        per_rule = f if per_rule is None else per_rule.unionByName(f)
    counted = got(per_rule.groupBy("r", *_g(K)).count().toPandas()) if per_rule is not None \
        else pd.DataFrame(columns=["r", *_g(K), "count"])
    sessions = [_as_patterns(counted[counted["r"] == r], K) for r in range(len(blocked))]
    n_possible = n_possible_pairs(sources, settings.link_type)
    return train, sessions, (n_pairs / n_possible if n_possible else None), raw


def _expected_matches(G, model, rec_freq, n_levels, got):
    """Per comparison, the matches EM expects at each level (summed per partition)."""
    from pyspark.sql import types as T

    from ..link.score import probability

    K = len(n_levels)
    bc = G.sparkSession.sparkContext.broadcast((model, rec_freq))
    schema = T.StructType([T.StructField("k", T.IntegerType()),
                           T.StructField("level", T.IntegerType()),
                           T.StructField("e", T.DoubleType())])

    def expect(batches):
        m, rf = bc.value
        for b in batches:
            g = b[_g(K)].to_numpy(np.int8).reshape(len(b), K)
            p = np.column_stack([b["i"].to_numpy(np.int64), b["j"].to_numpy(np.int64)])
            prob = probability(m.match_weight(g, _pair_tf(rf, p, g)))
            rows = [(k, lv, float(e)) for k, L in enumerate(n_levels) for lv, e in enumerate(
                np.bincount(np.maximum(g[:, k], 0), weights=prob * (g[:, k] >= 0),
                            minlength=L)[:L])]
            yield pd.DataFrame(rows, columns=["k", "level", "e"])

    sums = got(G.mapInPandas(expect, schema).groupBy("k", "level").sum("e").toPandas())
    out = [np.zeros(L) for L in n_levels]
    for k, lv, e in sums.itertuples(index=False):
        out[int(k)][int(lv)] = e
    return out


# long: the local train_unsupervised, step for step, on pattern counts instead of pairs
def _train_on_patterns(records, settings, config, enc, G, n_pairs, rec_freq, tf_on, seed, chunk,
                       got):
    """Fellegi-Sunter by EM, fed from Spark pattern counts: the local
    :func:`cdmkit.link.train.train_unsupervised` with the same fit calls."""
    from functools import partial

    from ..link import train as tr
    from ..link.compare import compare_pairs
    from ..link.index import n_possible_pairs, random_pairs

    comparators, codes = enc.comparators, enc.codes
    n_levels = [len(c.level_names) for c in comparators]
    K = len(n_levels)
    sources = records["source"]
    rng = np.random.default_rng(seed)
    model = tr.FellegiSunter(max_iter=config.em_max_iter, tol=config.em_tol,
                             fix_u=tr._fix_u(config, len(records)), u_from=config.em_u_from)
    if model.fix_u:
        u_fixed, u_gamma = tr.estimate_u(comparators, enc.uniques, codes, sources,
                                         settings.link_type, rng, enc.swap,
                                         config.u_sample_size, config.u_min_hits,
                                         config.u_max_sample_size, settings), None
    else:
        src = pd.factorize(sources)[0]
        rp = random_pairs(len(records), config.u_sample_size, rng, src, settings.link_type)
        u_fixed, u_gamma = None, compare_pairs(rp, enc, settings, chunk)[0]
    train, sessions, share, raw = _training_data(G, settings, config, K, n_pairs, sources, got)
    n_possible = n_possible_pairs(sources, settings.link_type)
    # pairs meeting a deterministic rule: the rule holds per pattern, counted by pattern
    hits = int(sum(c for p, c in zip(*raw)
                   if tr.deterministic_matches(p[None, :], settings, comparators)))
    fit = partial(model.fit, train, u_gamma, n_levels, tf_exact=tf_on, sessions=sessions,
                  candidate_share=share, names=[s.name for s in settings.comparisons],
                  session_names=[r.label for r in settings.blocking_rules],
                  m_prior=[c.m_prior() for c in comparators],
                  u_prior=[c.u_prior() for c in comparators],
                  shared=[s.column in tr.SHARED_FIELDS for s in settings.comparisons]
                  if config.household_class else None,
                  personal=[s.column in tr.PERSONAL_FIELDS for s in settings.comparisons],
                  lambda_deterministic=tr.deterministic_lambda(hits, n_possible,
                                                               config.deterministic_recall),
                  deterministic_recall=config.deterministic_recall)
    fit(u=u_fixed)
    if u_fixed is not None:
        expected = _expected_matches(G, model, rec_freq, n_levels, got)
        n_present = [n_possible_pairs(sources[codes[k] >= 0], settings.link_type)
                     for k in range(len(codes))]
        fit(u=tr.without_matches(u_fixed, n_present, expected))
    return model


def _scored_frame(G, model, rec_freq, K):
    """``G`` with ``w`` (match weight) and ``cl`` (a family rule separates the pair)."""
    from pyspark.sql import types as T

    bc = G.sparkSession.sparkContext.broadcast((model, rec_freq))
    schema = T.StructType(G.schema.fields + [T.StructField("w", T.DoubleType()),
                                             T.StructField("cl", T.BooleanType())])

    def score(batches):
        m, rf = bc.value
        for b in batches:
            g = b[_g(K)].to_numpy(np.int8).reshape(len(b), K)
            p = np.column_stack([b["i"].to_numpy(np.int64), b["j"].to_numpy(np.int64)])
            b = b.copy()
            b["w"] = m.match_weight(g, _pair_tf(rf, p, g))
            b["cl"] = m.family_hits(g) >= 0
            yield b

    return G.mapInPandas(score, schema)


def _inside_pairs(S, tw, partitions, got):
    """Pairs of ``S`` whose records share a component of the links (``w >= tw``)."""
    from pyspark.sql import functions as F

    links = S.where(F.col("w") >= tw).select(F.col("i").alias("a"), F.col("j").alias("b"))
    labels = spark_label_propagation(links, partitions=partitions)
    li = labels.select(F.col("v").alias("i"), F.col("lab").alias("li"))
    lj = labels.select(F.col("v").alias("j"), F.col("lab").alias("lj"))
    inside = S.join(li, "i").join(lj, "j").where(F.col("li") == F.col("lj"))
    return got(inside.drop("li", "lj").orderBy("i", "j").toPandas())


def _rule_table(G, rules, skipped, truth, got):
    """Pairs, new pairs and skipped records per rule (one aggregation on Spark)."""
    from pyspark.sql import functions as F

    aggs = []
    for r in range(len(rules)):
        bit = F.shiftright("mask", r).bitwiseAND(1)
        aggs += [F.sum(bit).alias(f"p{r}"),
                 F.sum((F.col("rule_of") == r).cast("long")).alias(f"n{r}")]
        if truth is not None:
            aggs.append(F.sum(bit * F.col("same").cast("long")).alias(f"t{r}"))
    if truth is not None:  # true pairs among all candidates: the blocking recall
        aggs.append(F.sum(F.col("same").cast("long")).alias("t_all"))
    got_row = got(G.agg(*aggs).toPandas()).iloc[0] if aggs else {}
    rows = []
    for r, rule in enumerate(rules):
        row = {"rule": rule.label, "pairs": int(got_row[f"p{r}"] or 0),
               "new_pairs": int(got_row[f"n{r}"] or 0), "skipped_records": skipped[r]}
        if truth is not None:
            row["true_pairs_found"] = int(got_row[f"t{r}"] or 0)
        rows.append(row)
    found = int(got_row["t_all"] or 0) if truth is not None else None
    return pd.DataFrame(rows, columns=["rule", "pairs", "new_pairs", "skipped_records"] +
                        ([] if truth is None else ["true_pairs_found"])), found


def _with_known_pairs(spark, pf, counts, known_ids, src, settings, config, n, truth):
    """Add the pairs of records that share a known customer ID (as the local index step)."""
    from pyspark.sql import functions as F

    from ..link.index import _add_known_pairs

    known, counts = _add_known_pairs(np.empty((0, 2), np.int64), counts, known_ids, src,
                                     settings.link_type, config.max_cluster_size, truth)
    if not len(known):
        return pf, counts
    kf = spark.createDataFrame(pd.DataFrame({
        "enc": known[:, 0] * n + known[:, 1],
        "rule_of": np.full(len(known), len(settings.blocking_rules), np.int16),
        "mask": np.zeros(len(known), np.int64)}))
    if pf is None:
        new, out = len(known), kf.persist()
    else:
        fresh = kf.join(pf.select("enc"), "enc", "left_anti").persist()
        new = fresh.count()
        out = pf.unionByName(fresh.select(*pf.columns)).persist()
    counts.loc[counts.index[-1], "new_pairs"] = int(new)
    return out, counts


# long: the local score_and_cluster's composition, each step a Spark job
def spark_pipeline_score_and_cluster(spark, records, settings=None, config=None, seed: int = 42,
                                     truth=None, labels=None, progress=None, saved=None,
                                     known_ids=None, log=None, partitions=None):
    """:func:`cdmkit.link.score_and_cluster` with the pair table kept on Spark.

    The same parameters as the local function, plus the session, a
    :class:`~cdmkit.engine.steps.StepLog` and the partitions. Supervised training
    (labelled pairs compared on the driver) runs the index and compare steps on Spark
    and the rest locally (:class:`~cdmkit.engine.linkage.SparkLinkageSteps`).

    Returns
    -------
    SparkScoredLinkage
        The clusters, model and anomalies of the local engine; the pair arrays hold the
        pairs inside components only, the whole table's figures are in ``n_pairs``,
        ``n_links`` and ``patterns``.

    Examples
    --------
    >>> spark_pipeline_score_and_cluster.__name__  # needs a SparkSession: see tests
    'spark_pipeline_score_and_cluster'
    """
    from ..config.linkage import LinkageConfig
    from ..link.clustering import cluster_records
    from ..link.compare import COMPARE_CHUNK, encode_columns
    from ..link.engines import use_engine
    from ..link.index import _key_columns
    from ..link.pipeline import _scored_columns, score_and_cluster, with_name_keys
    from ..link.score import attach_family_rules
    from ..link.train import choose_mode, label_pairs

    config = config or LinkageConfig()
    records, settings = with_name_keys(records, settings, config, saved)
    mode = choose_mode(config, saved, label_pairs(records, labels)[1])
    if mode == "supervised" and saved is None:  # labelled pairs: the driver's path
        with use_engine(SparkLinkageSteps(spark, log, partitions)):
            return score_and_cluster(records, settings, config, seed, truth, labels, progress,
                                     saved, known_ids)
    records = records[_scored_columns(records, settings, config)]
    parts, n, K = _partitions(spark, partitions), len(records), len(settings.comparisons)
    truth = None if truth is None else np.asarray(truth)
    got, t0, cached = _Returned(), time.perf_counter(), []

    def done(step, rows, engine="spark"):
        nonlocal t0
        if log is not None:
            log.add(step, time.perf_counter() - t0, engine, parts if engine == "spark" else None,
                    rows, got.rows if engine == "spark" else None)
        got.rows, t0 = 0, time.perf_counter()

    enc = encode_columns(records, settings)
    rec_freq, tf_on = _record_frequencies(records, settings, enc)
    done("encode records (driver)", n, "local")
    src = pd.factorize(records["source"])[0]
    keys = _key_columns(records, settings, enc.prepared, config.refine_on)
    pf, skipped = spark_pair_frame(spark, keys, settings, config, src, partitions)
    del keys
    try:
        if pf is None:
            pf = spark.createDataFrame(pd.DataFrame({"enc": np.zeros(0, np.int64),
                                                     "rule_of": np.zeros(0, np.int16),
                                                     "mask": np.zeros(0, np.int64)}))
        cached.append(pf)
        if saved is not None and known_ids is not None:
            empty = pd.DataFrame(columns=["rule", "pairs", "new_pairs", "skipped_records"] +
                                 ([] if truth is None else ["true_pairs_found"]))
            pf, extra = _with_known_pairs(spark, pf, empty, known_ids, src, settings, config,
                                          n, truth)
            cached.append(pf)
        G = _compared_frame(pf, n, enc, settings, COMPARE_CHUNK, truth).persist()
        cached.append(G)
        n_pairs = G.count()
        counts, found = _rule_table(G, settings.blocking_rules, skipped, truth, got)
        if saved is not None and known_ids is not None:
            counts = pd.concat([counts, extra], ignore_index=True)
        done("index + compare (joins, mapInPandas)", n_pairs)
        if saved is not None:
            model = saved.scorer
        else:
            model = _train_on_patterns(records, settings, config, enc, G, n_pairs, rec_freq,
                                       tf_on, seed, COMPARE_CHUNK, got)
        attach_family_rules(model, settings, enc.comparators, config)
        done("train (EM on pattern counts)", n_pairs)
        S = _scored_frame(G, model, rec_freq, K).persist()
        cached.append(S)
        t = settings.threshold
        tw = float(np.log2(t / (1 - t)))
        from pyspark.sql import functions as F

        patterns = got(S.groupBy(*_g(K)).agg(
            F.count("*").alias("pairs"), F.sum((F.col("w") >= tw).cast("long")).alias("links"),
            F.sum(F.col("swapped").cast("long")).alias("swapped")).orderBy(*_g(K)).toPandas())
        done("score (mapInPandas) + pattern table", n_pairs)
        inside = _inside_pairs(S, tw, partitions, got)
    finally:
        for frame in cached:
            frame.unpersist()
    pairs = inside[["i", "j"]].to_numpy(np.int64).reshape(-1, 2)
    gamma = np.ascontiguousarray(inside[_g(K)].to_numpy(np.int8).reshape(len(inside), K))
    weight = inside["w"].to_numpy(float)
    clusters, anomalies, tw = cluster_records(n, pairs, weight, enc.codes, settings, config,
                                              inside["cl"].to_numpy(bool), known_ids)
    done("cluster (label propagation; guard on the pairs inside components)", n_pairs)
    return SparkScoredLinkage(
        records, settings, enc.comparators, pairs, gamma, _pair_tf(rec_freq, pairs, gamma),
        model, weight, counts, clusters, anomalies, tw, mode, truth,
        inside["swapped"].to_numpy(bool), n_pairs=int(n_pairs),
        n_links=int(patterns["links"].sum()), n_names_swapped=int(patterns["swapped"].sum()),
        patterns=patterns, n_true_pairs_found=found)


class SparkPipeline(SparkLinkageSteps):
    """The Spark engine running the whole linkage pipeline (pairs never on the driver).

    Put in place with :func:`cdmkit.link.engines.use_engine`: the local
    ``score_and_cluster`` hands over to :func:`spark_pipeline_score_and_cluster`.

    Examples
    --------
    >>> SparkPipeline(None).engine
    'spark'
    """

    def score_and_cluster(self, records, settings=None, config=None, seed=42, truth=None,
                          labels=None, progress=None, saved=None, known_ids=None):
        """:func:`spark_pipeline_score_and_cluster` with this engine's session and log."""
        return spark_pipeline_score_and_cluster(self.spark, records, settings, config, seed,
                                                truth, labels, progress, saved, known_ids,
                                                self.log, self.partitions)
