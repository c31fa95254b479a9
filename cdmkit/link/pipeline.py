"""Identity resolution as composable steps: encode -> index -> compare -> train -> score -> cluster.

:func:`score_and_cluster` composes the linkage steps on a frame of records;
:func:`resolve_identities` is the stage entry point that adds stable global IDs from
the customer store, households and golden records; :func:`dedupe` and :func:`link`
are the one-call APIs behind ``cdmkit dedupe`` and ``cdmkit link``.

The steps (pure functions of their arguments: no module state, no randomness but the
``seed`` given; positions are row numbers of the prepared, key-ordered records):

======== ============================================ =============================================
step     function                                     input -> output
======== ============================================ =============================================
encode   :func:`cdmkit.link.compare.encode_columns`   records, settings -> ``EncodedColumns`` (per
                                                      comparison int64 codes into distinct
                                                      normalised values)
index    :func:`cdmkit.link.index.index_pairs`        records, settings -> ``CandidatePairs``:
                                                      ``(n_pairs, 2)`` int64 positions ``i < j``,
                                                      sorted, unique; rule per pair; per-rule
                                                      sessions (blocking as equi-joins)
compare  :func:`cdmkit.link.compare.compare_pairs`    pairs, encoding -> ``gamma`` ``(n_pairs,
                                                      n_comparisons)`` int8 levels (0 strongest,
                                                      ``-1`` missing); chunked, partition-safe
train    :func:`cdmkit.link.train.train_model`        gamma counted as patterns
                                                      (:func:`~cdmkit.link.train.training_patterns`:
                                                      pattern -> count), u from value counts
                                                      (:func:`~cdmkit.link.train.estimate_u`) ->
                                                      fitted scorer (m, u, lambda), which
                                                      :class:`~cdmkit.link.model.LinkageModel`
                                                      saves and later runs reuse
score    :func:`cdmkit.link.score.score_pairs`        scorer, gamma, term frequencies -> match
                                                      weight (bits) per pair; ``probability``
cluster  :func:`cdmkit.link.clustering.               pairs, weights -> cluster label per record
         cluster_records`                             (connected components with the guards)
======== ============================================ =============================================

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"id": ["1", "2", "3", "4"],
...                    "first_name": ["Anna", "Ana", "Bert", "Carl"],
...                    "last_name": ["Smith", "Smith", "Jones", "Brown"],
...                    "birth_date": ["1980-02-03", "1980-02-03", "1975-01-01", "1990-09-09"]})
>>> dedupe(df, id_column="id")["cluster_id"].tolist()
[0, 0, 1, 2]
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from ..errors import InputError
from .clustering import _sparse_best_link, cluster_records  # noqa: F401 (re-exported)
from .compare import COMPARE_CHUNK, compare_pairs, encode_columns, term_frequencies
from .crossname import add_name_keys, learn_name_readings
from .evaluate import truth_for
from .index import _refine_columns, index_pairs
from .results import LinkageReport, LinkageResult, ScoredLinkage, linkage_report
from .score import attach_family_rules, probability, score_pairs  # noqa: F401
from .settings import LinkageSettings, canonicalize_columns, infer_settings
from .supervised import load_labels
from .train import (_label_pairs, _training_patterns, deterministic_matches,  # noqa: F401
                    estimate_u, train_model, without_matches)

__all__ = ["ScoredLinkage", "LinkageReport", "LinkageResult", "score_and_cluster",
           "resolve_identities", "dedupe", "link", "prepare_records", "source_priority_of",
           "linkage_columns", "estimate_u", "deterministic_matches", "without_matches"]

#: Candidate pairs compared per chunk (the composition passes it to every step).
_COMPARE_CHUNK = COMPARE_CHUNK


def _scored_columns(records, settings, config) -> list[str]:
    """Columns linkage reads (keys, compared and blocking columns, name keys), in order."""
    used = {"source", "record_id"} | {c.column for c in settings.comparisons}
    used |= {c for r in settings.blocking_rules for c in r.columns}
    used |= set(_refine_columns(config.refine_on))
    return [c for c in records.columns if c in used or str(c).startswith("_lk_")]


def _progress_enabled(progress) -> bool:
    if progress is not None:
        return bool(progress)
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def prepare_records(df: pd.DataFrame, source: str = "input") -> pd.DataFrame:
    """Records with string ``source`` and ``record_id`` and a fresh 0..n-1 index.

    Raises
    ------
    InputError
        If ``record_id`` is missing, empty, or repeated within a source.

    Examples
    --------
    >>> prepare_records(pd.DataFrame({"record_id": [1, 2]}))["source"].tolist()
    ['input', 'input']
    """
    # a shallow copy: columns are replaced below, never written into, so the caller's
    # frame stays as it was without copying every column of a million records
    rec = df.copy(deep=False)
    rec.index = pd.RangeIndex(len(rec))
    if "record_id" not in rec:
        raise InputError("customers", "no record_id column (the key of each record)")
    if "source" not in rec:
        rec["source"] = source
    rec["source"] = rec["source"].astype(str)
    ids = rec["record_id"]
    bad = ids.isna() | (ids.astype(str).str.strip() == "")
    if bad.any():
        raise InputError("customers", "record_id is empty", row=int(np.flatnonzero(bad)[0]) + 1,
                         column="record_id")
    rec["record_id"] = ids.astype(str)
    dup = rec.duplicated(["source", "record_id"])
    if dup.any():
        r = int(np.flatnonzero(dup)[0])
        raise InputError("customers", f"record_id {rec['record_id'][r]!r} appears more than "
                         f"once in source {rec['source'][r]!r}", row=r + 1, column="record_id")
    return rec


def score_and_cluster(records: pd.DataFrame, settings: LinkageSettings | None = None,
                      config=None, seed: int = 42, truth=None, labels=None,
                      progress=None, saved=None, known_ids=None) -> ScoredLinkage:
    """Block, compare, score (EM or supervised) and cluster records.

    The composition of this module's steps: encode, index, compare, train, score, cluster.

    Parameters
    ----------
    records : DataFrame
        Records with ``source``, ``record_id`` and canonical columns.
    settings : LinkageSettings, optional
        Default: inferred from the columns (:func:`infer_settings`).
    config : LinkageConfig, optional
        Stage options (EM, guard, block limits, mode).
    seed : int
        Seed of the random pairs used for u.
    truth : array-like, optional
        True entity per record: adds blocking recall per rule; used for training
        only when ``config.mode == "supervised"`` and no review labels exist.
    labels : DataFrame, optional
        Review labels (see :func:`cdmkit.link.supervised.load_labels`).
    progress : bool, optional
        Progress bar (default: when interactive).
    saved : LinkageModel, optional
        A trained model (:mod:`cdmkit.link.model`): its settings and fitted scorer score
        the records as they are (no EM, no random pairs, ``settings`` and ``labels``
        ignored).
    known_ids : array-like, optional
        Customer ID each record already has in the store (``None`` for new records).
        With ``saved``, records of one known customer are always compared (whatever this
        run's blocking proposes), and a sparse record keeps its link to its customer (see
        :func:`cdmkit.link.clustering.cluster_records`).

    Returns
    -------
    ScoredLinkage

    Examples
    --------
    >>> import pandas as pd
    >>> rec = pd.DataFrame({"record_id": ["1", "2", "3"], "first_name": ["Ann", "Ann", "Bo"],
    ...                     "email": ["a@x.org", "a@x.org", "b@y.org"]})
    >>> score_and_cluster(rec).clusters.tolist()
    [0, 0, 1]
    """
    from tqdm.auto import tqdm

    from ..config.linkage import LinkageConfig
    from .engines import linkage_pipeline  # engine hook: the whole pipeline (cdmkit.engine)

    engine_run = linkage_pipeline()
    if engine_run is not None:
        return engine_run(records, settings, config, seed, truth, labels, progress, saved,
                          known_ids)
    config = config or LinkageConfig()
    records, settings = with_name_keys(records, settings, config, saved)
    records = records[_scored_columns(records, settings, config)]
    chunk = _COMPARE_CHUNK
    bar = tqdm(total=5, desc="linkage", disable=not _progress_enabled(progress), leave=False)
    enc = encode_columns(records, settings)
    bar.update()
    from .engines import linkage_steps  # engine hook: local or Spark (cdmkit.engine)

    index_step, compare_step = linkage_steps()
    cand = index_step(records, settings, config, enc.prepared, truth,
                      known_ids if saved is not None else None)
    bar.update()
    gamma, swapped = compare_step(cand.pairs, enc, settings, chunk)
    tf, tf_on = term_frequencies(records, settings, enc, cand.pairs, gamma)
    bar.update()
    model, mode = train_model(records, settings, config, enc, cand, gamma, tf, tf_on, seed,
                              truth, labels, saved, chunk)
    cand.members = None  # the sessions' pair lists are large and no longer needed
    attach_family_rules(model, settings, enc.comparators, config)
    weight = score_pairs(model, gamma, tf)
    bar.update()
    clusters, anomalies, tw = cluster_records(len(records), cand.pairs, weight, enc.codes,
                                              settings, config, model.family_hits(gamma) >= 0,
                                              known_ids)
    bar.update()
    bar.close()
    return ScoredLinkage(records, settings, enc.comparators, cand.pairs, gamma, tf, model, weight,
                         cand.rule_counts, clusters, anomalies, tw, mode,
                         None if truth is None else np.asarray(truth), swapped)


def with_name_keys(records, settings, config, saved=None):
    """Prepared records with the derived name keys, and the settings (inferred if ``None``).

    Kanji readings (:func:`cdmkit.link.crossname.learn_name_readings`) are the saved
    model's or the given settings', else learned from the records and kept in the
    returned settings: read again from new data, they could change how an existing
    customer's records compare.

    Examples
    --------
    >>> rec, s = with_name_keys(pd.DataFrame({"record_id": ["1"], "email": ["a@x.org"]}),
    ...                         None, None)
    >>> s.name_readings
    {'surnames': {}, 'given': {}}
    """
    records = prepare_records(records)
    if saved is not None:
        settings = saved.settings
    if settings is not None and (settings.name_readings or saved is not None):
        readings = settings.name_readings
    else:
        readings = learn_name_readings(records)
    records = add_name_keys(records, readings)
    settings = settings or infer_settings(records, config)
    if saved is None and settings.name_readings != readings:
        settings = dataclasses.replace(settings, name_readings=readings)
    return records, settings


#: Column suffixes of the collection stage's lineage and quality columns (raw value, parse
#: flag, validity, match key): linkage and golden records never read them.
_LINEAGE_SUFFIXES = ("_raw", "_flag", "_valid", "_key")


def _config_strings(obj) -> set:
    if isinstance(obj, str):
        return {obj}
    if isinstance(obj, dict):
        return set().union(*map(_config_strings, obj.keys()), *map(_config_strings, obj.values()))
    if isinstance(obj, (list, tuple, set)):
        return set().union(*map(_config_strings, obj)) if obj else set()
    return set()


def linkage_columns(customers, config=None):
    """The columns identity resolution uses: all but the collection's lineage columns.

    ``*_raw``, ``*_flag``, ``*_valid`` and ``*_key`` columns (kept by the collection
    stage for lineage and quality) are dropped unless the linkage config names them;
    at a million records they are more than half the memory of the ``customers`` table.

    Parameters
    ----------
    customers : DataFrame or list of str
        The table, or only its column names (to read no more than needed).
    config : LinkageConfig, optional

    Returns
    -------
    DataFrame or list of str
        Like ``customers``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame(columns=["record_id", "email", "email_raw", "email_valid"])
    >>> linkage_columns(df).columns.tolist()
    ['record_id', 'email']
    >>> linkage_columns(["record_id", "phone", "phone_raw"])
    ['record_id', 'phone']
    """
    named = set()
    if config is not None:
        named = {x.split("[")[0] for x in _config_strings(config.model_dump())}
    names = list(customers.columns) if isinstance(customers, pd.DataFrame) else list(customers)
    keep = [c for c in names if not str(c).endswith(_LINEAGE_SUFFIXES) or c in named]
    if not isinstance(customers, pd.DataFrame):
        return keep
    return customers[keep] if len(keep) < customers.shape[1] else customers


def key_ordered_records(customers: pd.DataFrame, config=None) -> pd.DataFrame:
    """The records :func:`resolve_identities` links: linkage columns, in key order.

    Key order makes every result independent of the input row order (random pairs
    included).

    Examples
    --------
    >>> import pandas as pd
    >>> key_ordered_records(pd.DataFrame({"record_id": ["b", "a"]}))["record_id"].tolist()
    ['a', 'b']
    """
    records = prepare_records(linkage_columns(customers, config))
    records = records.sort_values(["source", "record_id"], kind="stable")
    records.index = pd.RangeIndex(len(records))  # (reset_index would copy every column)
    return records


def _truth_of(records, ground_truth):
    """True person and household per record (``None`` without ground truth)."""
    if ground_truth is None or not len(ground_truth):
        return None, None
    hh = (truth_for(records, ground_truth, "household_id") if "household_id" in ground_truth
          else None)
    return truth_for(records, ground_truth, "person_id"), hh


def _assign_ids(records, choice, config, store_path, run_id):
    """Stable customer IDs of the run's clusters (the store's ID registry, or a throw-away
    one), and the new model saved once its IDs are in the store."""
    import tempfile
    from pathlib import Path

    from .model import save_model
    from .registry_ids import IdRegistry

    tmp = None
    if store_path is None:
        tmp = tempfile.TemporaryDirectory()
        store_path = Path(tmp.name) / "store.duckdb"
    registry = IdRegistry(store_path, config.id_prefix, config.id_width)
    ids, changes = registry.assign(records[["source", "record_id"]], choice.scored.clusters,
                                   run_id)
    if tmp is not None:
        tmp.cleanup()
    elif choice.save_reason:  # a new model is kept once its IDs are in the store
        save_model(store_path, choice.model, choice.save_reason)
    return ids, changes


# over 80 lines only by its docstring (the stage entry point's eleven parameters)
def resolve_identities(customers: pd.DataFrame, config=None, store_path=None,
                       run_id: str = "run", seed: int = 42, ground_truth=None,
                       progress=None, labels_file=None, source_priority=None,
                       retrain: bool | None = None, apply_retrain: bool | None = None
                       ) -> LinkageResult:
    """Resolve identities: global customer IDs, households and golden records.

    Parameters
    ----------
    customers : DataFrame
        The collection stage's ``customers`` table (``source``, ``record_id``, canonical fields).
    config : LinkageConfig, optional
        The ``linkage:`` section of the client config.
    store_path : str or Path, optional
        DuckDB customer store holding the ID registry and the saved linkage model (IDs
        persist across runs; later runs score with the saved model, see
        :func:`cdmkit.link.model.choose_model`). ``None`` uses a throw-away store (IDs
        valid for this call only; the model is trained and not kept).
    run_id : str
        Logged with every ID change.
    seed : int
        Seed of every random step.
    ground_truth : DataFrame, optional
        ``source, record_id, person_id[, household_id]``; adds evaluation figures.
    progress : bool, optional
        Progress bars.
    labels_file : str or Path, optional
        Clerical-review labels (default ``config.labels_file``).
    source_priority : list of str, optional
        Sources by trust for golden records when ``config.source_priority`` is empty
        (see :func:`source_priority_of`).
    retrain, apply_retrain : bool, optional
        Retrain the saved model / apply the retrain (default ``config.retrain`` and
        ``config.retrain_apply``); without applying, a retrain is a dry run listed in
        ``result.retrain_preview``.

    Returns
    -------
    LinkageResult
        Tables in ``(source, record_id)`` order, whatever the input order.

    Examples
    --------
    >>> import pandas as pd
    >>> cust = pd.DataFrame({"source": ["crm", "shop", "shop"], "record_id": ["1", "a", "b"],
    ...                      "first_name": ["Anna", "Anna", "Ben"],
    ...                      "last_name": ["Smith", "Smith", "Stone"],
    ...                      "email": ["anna@x.org", "anna@x.org", "ben@y.org"]})
    >>> res = resolve_identities(cust, run_id="r1")
    >>> res.customer_map["customer_id"].tolist()
    ['C0000001', 'C0000001', 'C0000002']
    >>> res.golden.shape[0], res.id_changes["event"].tolist()
    (2, ['new', 'new'])
    """
    from ..config.linkage import LinkageConfig
    from .golden import golden_records
    from .households import assign_households
    from .model import choose_model

    config = config or LinkageConfig()
    if store_path is not None:
        from ..privacy.suppression import apply_suppression

        # Erased people (the store's suppression list) get no ID, whatever the input.
        customers, _ = apply_suppression(customers, "customers", store_path)
    records = key_ordered_records(customers, config)
    truth, hh_truth = _truth_of(records, ground_truth)
    labels = load_labels(labels_file or config.labels_file)
    choice = choose_model(records, config, store_path, run_id, seed, truth, labels, progress,
                          retrain, apply_retrain)
    scored = choice.scored

    ids, changes = _assign_ids(records, choice, config, store_path, run_id)
    households = assign_households(records, ids, config.household_rules,
                                   config.max_household_size)
    customer_map = pd.DataFrame({"source": records["source"], "record_id": records["record_id"],
                                 "customer_id": ids, "household_id": households})
    golden = golden_records(records, ids, config.survivorship,
                            config.source_priority or source_priority, households)

    report = linkage_report(records, scored, ids, households, changes, choice, truth,
                            hh_truth)
    return LinkageResult(customer_map, golden, scored.pairs_frame(), changes, scored.params(),
                         report, scored, choice)


def source_priority_of(client_config) -> list[str]:
    """Customer sources of a client config ordered by their ``priority`` (lower = more trusted).

    Examples
    --------
    >>> from cdmkit.config import ClientConfig
    >>> source_priority_of(ClientConfig(client="a"))
    []
    """
    srcs = client_config.sources_of("customers")
    return [s.name for s in sorted(srcs, key=lambda s: (getattr(s, "priority", 100), s.name))]


def _as_frame(data) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    from pathlib import Path

    p = Path(data)
    if not p.exists():
        raise InputError(p, "file not found")
    if p.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(p)
    df = pd.read_csv(p, dtype=str, keep_default_na=True, skipinitialspace=True)
    if df.empty:
        raise InputError(p, "file has no data rows")
    return df


def _simple_config(config, threshold, link_type):
    from ..config.linkage import LinkageConfig

    config = config or LinkageConfig()
    upd = {"link_type": link_type}
    if threshold is not None:
        upd["threshold"] = threshold
    return config.model_copy(update=upd)


def dedupe(data, id_column: str | None = None, config=None, threshold: float | None = None,
           seed: int = 42, progress=None, return_scored: bool = False):
    """Deduplicate one table with recognisable column names (zero configuration).

    Parameters
    ----------
    data : DataFrame or path
        Records (CSV or Parquet path, or a frame).
    id_column : str, optional
        Column holding each record's key (default: a recognisable ID column, else row number).
    config : LinkageConfig, optional
        Overrides (blocking rules, comparisons, ...).
    threshold : float, optional
        Match probability threshold.
    seed : int
    progress : bool, optional
    return_scored : bool
        Also return the :class:`ScoredLinkage` (pairs, parameters).

    Returns
    -------
    DataFrame
        ``<id_column>`` (or ``id``) and ``cluster_id``, in input order.

    Examples
    --------
    >>> import pandas as pd
    >>> dedupe(pd.DataFrame({"E-mail": ["a@x.org", "A@x.org", "b@y.org"]})).values.tolist()
    [['0', 0], ['1', 0], ['2', 1]]
    """
    df = _as_frame(data)
    id_name = id_column or "id"
    rec = canonicalize_columns(df, id_column=id_column)
    if "record_id" not in rec:
        rec["record_id"] = np.arange(len(rec)).astype(str)
    rec["source"] = "input"
    cfg = _simple_config(config, threshold, "dedupe_only")
    scored = score_and_cluster(rec, None, cfg, seed, progress=progress)
    out = pd.DataFrame({id_name: df[id_column].to_numpy() if id_column else rec["record_id"],
                        "cluster_id": scored.clusters})
    return (out, scored) if return_scored else out


def link(left, right, id_column: str | None = None, config=None, threshold: float | None = None,
         seed: int = 42, progress=None, names=("left", "right"), return_scored: bool = False):
    """Link two tables (pairs across them only) with zero configuration.

    Returns
    -------
    DataFrame
        ``source`` (``left``/``right``), ``<id_column>`` (or ``id``) and ``cluster_id``.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"id": ["a1", "a2"], "surname": ["Lee", "Kim"], "given_name": ["Jo", "Al"],
    ...                   "dob": ["19800101", "19700101"]})
    >>> b = pd.DataFrame({"id": ["b1"], "surname": ["Lee"], "given_name": ["Joe"],
    ...                   "dob": ["19800101"]})
    >>> link(a, b, id_column="id")["cluster_id"].tolist()
    [0, 1, 0]
    """
    l, r = _as_frame(left), _as_frame(right)
    parts = []
    for name, df in zip(names, (l, r)):
        rec = canonicalize_columns(df, id_column=id_column)
        if "record_id" not in rec:
            rec["record_id"] = np.arange(len(rec)).astype(str)
        rec["source"] = name
        parts.append(rec)
    rec = pd.concat(parts, ignore_index=True)
    cfg = _simple_config(config, threshold, "link_only")
    scored = score_and_cluster(rec, None, cfg, seed, progress=progress)
    out = pd.DataFrame({"source": rec["source"], id_column or "id": rec["record_id"],
                        "cluster_id": scored.clusters})
    return (out, scored) if return_scored else out
