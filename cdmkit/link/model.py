"""The saved linkage model: trained once, kept in the customer store, reused by later runs.

A :class:`LinkageModel` holds everything that decides which records are one
person: the settings (blocking rules, comparisons, threshold), the fitted
scorer's state (m, u, lambda, prior, level weights, term-frequency u and any
other fitted ``attr_`` of the Fellegi-Sunter or supervised model), the cdmkit
version, when and by which run it was trained, a fingerprint of the training
data and the figures later runs compare with to detect drift. It saves to
plain JSON (no pickle; numpy arrays round-trip exactly), like Splink's
settings or a fitted scikit-learn estimator, and lives in the customer store
(table ``linkage_models``, one row per version, history kept).

Why: EM refitted on every run lets unrelated new records move the weights, and
so existing customers' IDs. A run therefore scores with the saved model
(:func:`choose_model`); retraining happens on request (``linkage.retrain`` or
``cdmkit link retrain``), or is proposed when the run detects drift, and a
retrain first lists every ID it would change (:class:`RetrainPreview`)
before it is applied (``--apply`` or ``linkage.retrain_apply``).

Examples
--------
>>> import pandas as pd
>>> from cdmkit.link import score_and_cluster
>>> rec = pd.DataFrame({"record_id": ["1", "2", "3"], "first_name": ["Ann", "Ann", "Bo"],
...                     "email": ["a@x.org", "a@x.org", "b@y.org"]})
>>> model = LinkageModel.from_scored(score_and_cluster(rec), run_id="r1")
>>> again = LinkageModel.from_json(model.to_json())
>>> again.to_json() == model.to_json()
True
>>> score_and_cluster(rec, saved=again).clusters.tolist()
[0, 0, 1]
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CdmkitError
from .settings import LinkageSettings

__all__ = ["LinkageModel", "DriftCheck", "RetrainPreview", "ModelChoice", "save_model",
           "load_model", "model_history", "choose_model", "preview_retrain", "retrain_client",
           "data_fingerprint", "encode_value", "decode_value", "MODEL_FORMAT"]

#: Version of the JSON layout (raised when it changes incompatibly).
MODEL_FORMAT = 1

#: Linkage options that do not change the trained model (clustering guards, IDs, review,
#: golden records, households, run control). Every other option does: changing it in the
#: client YAML is reported as drift ("config changed") and proposes a retrain.
_RUN_OPTIONS = frozenset({
    "retrain", "retrain_apply", "retrain_on_drift", "reuse_model", "drift_unseen_share",
    "drift_match_share_tolerance", "progress", "review_band", "review_size", "survivorship",
    "source_priority", "household_rules", "max_household_size", "id_prefix", "id_width",
    "labels_file", "max_pairs", "max_cluster_size", "chain_guard", "min_cluster_density",
    "refine_block_size", "refine_on", "max_block_size"})

#: Most distinct comparison patterns kept for the drift check (the commonest).
_MAX_PATTERNS = 200_000


# -- plain-JSON encoding of fitted state ------------------------------------------------

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


# -- fingerprints and drift ---------------------------------------------------------------

def data_fingerprint(records: pd.DataFrame) -> str:
    """SHA-256 (first 16 hex digits) of the record keys, in order, and the column names.

    Which records a model was trained on (``resolve_identities`` orders them by key).
    Values are not hashed: at millions of records that would cost more than scoring.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"source": ["s", "s"], "record_id": ["1", "2"], "email": ["x", "y"]})
    >>> data_fingerprint(a) == data_fingerprint(a.assign(email=["x", "z"]))
    True
    >>> data_fingerprint(a) == data_fingerprint(a.head(1))
    False
    """
    digest = hashlib.sha256(json.dumps(sorted(map(str, records.columns))).encode())
    for col in ("source", "record_id"):
        if col in records:
            digest.update("\x1f".join(map(str, records[col].tolist())).encode("utf-8",
                                                                              "surrogatepass"))
            digest.update(b"\x1e")
    return digest.hexdigest()[:16]


def _pattern_codes(gamma: np.ndarray, n_levels) -> np.ndarray:
    """One integer per comparison vector (levels -1..L-1 of each comparison)."""
    gamma = np.asarray(gamma)
    if float(np.prod([float(L) + 1 for L in n_levels])) >= 2.0 ** 62:
        # too many comparisons for exact packing: a 64-bit hash of the row
        rows = pd.DataFrame(gamma.astype(np.int8))
        return pd.util.hash_pandas_object(rows, index=False).to_numpy().view(np.int64)
    code = np.zeros(len(gamma), dtype=np.int64)
    for k, L in enumerate(n_levels):
        code = code * (int(L) + 1) + (np.minimum(gamma[:, k].astype(np.int64), L - 1) + 1)
    return code


def _chunks(gamma, size: int = 2_000_000):
    """Row blocks of a (pairs x comparisons) level matrix (bounded temporaries)."""
    for start in range(0, len(gamma), size):
        yield gamma[start:start + size]


def _config_key(config) -> str:
    """Hash of the linkage options that shape the trained model (see ``_RUN_OPTIONS``)."""
    if config is None:
        return ""
    d = {k: v for k, v in config.model_dump(mode="json").items() if k not in _RUN_OPTIONS}
    return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass
class DriftCheck:
    """How far this run's data is from the data the saved model was trained on.

    Attributes
    ----------
    unseen_share : float
        Share of candidate pairs whose comparison pattern (levels of every comparison)
        never occurred among the training pairs: evidence the model has no estimate for.
    match_share, trained_match_share : float
        Share of candidate pairs that are links now and at training.
    match_share_change : float
        Relative change ``match_share / trained_match_share - 1``.
    reasons : list of str
        Why a retrain is proposed (empty: no drift).

    Examples
    --------
    >>> d = DriftCheck(0.001, 0.2, 0.21, -0.05, [])
    >>> d.detected, d.figures()["drift_unseen_share"]
    (False, 0.001)
    """

    unseen_share: float
    match_share: float
    trained_match_share: float
    match_share_change: float
    reasons: list = field(default_factory=list)

    @property
    def detected(self) -> bool:
        """Whether any drift reason was found."""
        return bool(self.reasons)

    def figures(self) -> dict:
        """Figures for ``ctx.record``."""
        return {"drift_unseen_share": self.unseen_share, "drift_match_share": self.match_share,
                "drift_trained_match_share": self.trained_match_share,
                "drift_match_share_change": self.match_share_change,
                "drift_detected": self.detected, "drift_reasons": "; ".join(self.reasons)}


# -- the model ----------------------------------------------------------------------------

@dataclass
class LinkageModel:
    """Trained linkage parameters: settings, fitted scorer state and provenance.

    Build one from a scoring with :meth:`from_scored`; score new records with it through
    ``score_and_cluster(records, saved=model)`` (no EM, no random pairs).

    Attributes
    ----------
    settings : LinkageSettings
        Blocking rules, comparisons, link type and threshold.
    scorer : LevelScorer
        The fitted Fellegi-Sunter (or supervised) model.
    mode : str
        ``unsupervised`` or ``supervised``.
    level_names : list of list of str
        Levels of each comparison when trained (a changed comparator cannot reuse it).
    cdmkit_version, trained_at, run_id : str
        Provenance.
    fingerprint : str
        :func:`data_fingerprint` of the training records.
    config_key : str
        Hash of the model-shaping linkage options it was trained with.
    stats : dict
        Training figures the drift check compares with (records, candidate pairs,
        match share, comparison patterns, review labels).
    version : int, optional
        Version number in the store (``None`` until saved).

    Examples
    --------
    >>> import pandas as pd
    >>> from cdmkit.link import score_and_cluster
    >>> s = score_and_cluster(pd.DataFrame({"record_id": ["1", "2"], "email": ["a@x", "a@x"]}))
    >>> m = LinkageModel.from_scored(s, run_id="r1")
    >>> m.threshold, m.mode, m.stats["n_records"]
    (0.5, 'unsupervised', 2)
    """

    settings: LinkageSettings
    scorer: object
    mode: str
    level_names: list
    cdmkit_version: str
    trained_at: str
    run_id: str
    fingerprint: str
    config_key: str = ""
    stats: dict = field(default_factory=dict)
    version: int | None = None

    @property
    def threshold(self) -> float:
        """Match probability from which a pair is a link."""
        return self.settings.threshold

    @property
    def threshold_weight(self) -> float:
        """The threshold as a match weight (bits)."""
        t = self.threshold
        return float(np.log2(t / (1 - t)))

    @classmethod
    def from_scored(cls, scored, config=None, run_id: str = "run", labels=None):
        """The model a :func:`score_and_cluster` call trained, with its drift baseline.

        Parameters
        ----------
        scored : ScoredLinkage
        config : LinkageConfig, optional
            Options it was trained with (for the "config changed" check).
        run_id : str
        labels : DataFrame, optional
            Review labels it was trained with (their number is remembered).
        """
        from .. import __version__

        n_levels = [len(c.level_names) for c in scored.comparators]
        # in chunks, hashing (not sorting): fast and small at tens of millions of pairs
        parts = [pd.unique(_pattern_codes(g, n_levels)) for g in _chunks(scored.gamma)]
        codes = pd.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)
        if len(codes) > _MAX_PATTERNS:  # keep the commonest
            counts = pd.concat([pd.Series(_pattern_codes(g, n_levels)).value_counts()
                                for g in _chunks(scored.gamma)]).groupby(level=0).sum()
            codes = counts.sort_values(ascending=False, kind="stable").index[:_MAX_PATTERNS]
        codes = np.sort(np.asarray(codes, dtype=np.int64))
        links = int((scored.match_weight >= scored.threshold_weight).sum())
        stats = {"n_records": int(len(scored.records)),
                 "n_candidate_pairs": int(len(scored.pairs)),
                 "n_links": links,
                 "match_share": links / len(scored.pairs) if len(scored.pairs) else 0.0,
                 "n_labels": int(len(labels)) if labels is not None else 0,
                 "patterns": codes.astype(np.int64)}
        return cls(settings=scored.settings, scorer=scored.model, mode=scored.mode,
                   level_names=[list(c.level_names) for c in scored.comparators],
                   cdmkit_version=__version__,
                   trained_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                   run_id=str(run_id), fingerprint=data_fingerprint(scored.records),
                   config_key=_config_key(config), stats=stats)

    # -- checks -----------------------------------------------------------------------
    def incompatibility(self, records: pd.DataFrame) -> str | None:
        """Why this model cannot score ``records`` (missing column, changed levels), or ``None``.

        Examples
        --------
        >>> import pandas as pd
        >>> from cdmkit.link import score_and_cluster
        >>> rec = pd.DataFrame({"record_id": ["1", "2"], "email": ["a@x", "a@x"]})
        >>> m = LinkageModel.from_scored(score_and_cluster(rec))
        >>> m.incompatibility(rec) is None
        True
        >>> m.incompatibility(rec.rename(columns={"email": "mail"}))
        "its comparisons need column(s) 'email', missing from this run's records"
        """
        from .crossname import add_name_keys
        from .pipeline import prepare_records

        cols = set(records.columns)
        needed = {c.column for c in self.settings.comparisons} | \
            {c for r in self.settings.blocking_rules for c in r.columns}
        if any(c.startswith("_lk_") for c in needed - cols):
            cols = set(add_name_keys(prepare_records(records.head(0))).columns) | cols
        missing = sorted(needed - cols)
        if missing:
            return (f"its comparisons need column(s) {', '.join(map(repr, missing))}, missing "
                    "from this run's records")
        for spec, names in zip(self.settings.comparisons, self.level_names):
            now = list(spec.build().level_names)
            if now != list(names):
                return (f"comparison {spec.name!r} now has levels {now}, the model was trained "
                        f"with {list(names)} (cdmkit {self.cdmkit_version})")
        return None

    def check_drift(self, scored, config=None, labels=None) -> DriftCheck:
        """Compare a scoring made with this model against its training figures.

        Drift reasons: the share of candidate pairs with comparison patterns unseen in
        training above ``config.drift_unseen_share``; the match share moved by more
        than ``config.drift_match_share_tolerance`` (relative); the model-shaping
        linkage options changed; the number of review labels changed.
        """
        from ..config.linkage import LinkageConfig

        cfg = config or LinkageConfig()
        n_levels = [len(n) for n in self.level_names]
        seen = np.asarray(self.stats.get("patterns", np.empty(0, np.int64)), dtype=np.int64)
        index = pd.Index(seen)
        n_unseen = sum(int((index.get_indexer(_pattern_codes(g, n_levels)) < 0).sum())
                       for g in _chunks(scored.gamma))
        unseen = n_unseen / len(scored.gamma) if len(scored.gamma) else 0.0
        links = int((scored.match_weight >= scored.threshold_weight).sum())
        share = links / len(scored.pairs) if len(scored.pairs) else 0.0
        base = float(self.stats.get("match_share", 0.0))
        change = share / base - 1 if base > 0 else (0.0 if share == 0 else float("inf"))
        reasons = []
        if unseen > cfg.drift_unseen_share:
            reasons.append(f"{unseen:.1%} of candidate pairs have comparison patterns unseen in "
                           f"training (tolerance {cfg.drift_unseen_share:.1%})")
        if abs(change) > cfg.drift_match_share_tolerance:
            moved = f"{change:+.0%}" if math.isfinite(change) else "none linked in training"
            reasons.append(f"match share of candidate pairs moved from {base:.3%} to "
                           f"{share:.3%} ({moved}; tolerance "
                           f"±{cfg.drift_match_share_tolerance:.0%})")
        if config is not None and self.config_key and _config_key(config) != self.config_key:
            reasons.append("the linkage options that shape the model changed since training")
        n_labels = int(len(labels)) if labels is not None else 0
        if n_labels != int(self.stats.get("n_labels", 0)) and \
                self._labels_train(cfg, labels):
            reasons.append(f"review labels changed ({self.stats.get('n_labels', 0)} at "
                           f"training, {n_labels} now)")
        return DriftCheck(unseen, share, base, float(change), reasons)

    def _labels_train(self, config, labels) -> bool:
        """Whether review labels take part in training (supervised, or auto with enough)."""
        if self.mode == "supervised" or config.mode == "supervised":
            return True
        if config.mode != "auto" or labels is None or not len(labels):
            return False
        y = labels["label"].to_numpy()
        return min(int((y == 1).sum()), int((y == 0).sum())) >= config.min_labels

    # -- JSON ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain data (JSON-ready)."""
        return {"format": MODEL_FORMAT, "version": self.version, "mode": self.mode,
                "cdmkit_version": self.cdmkit_version, "trained_at": self.trained_at,
                "run_id": self.run_id, "fingerprint": self.fingerprint,
                "config_key": self.config_key, "threshold": self.threshold,
                "settings": self.settings.to_dict(), "level_names": self.level_names,
                "scorer": _scorer_to_dict(self.scorer), "stats": encode_value(self.stats)}

    @classmethod
    def from_dict(cls, d: dict) -> "LinkageModel":
        """Rebuild from :meth:`to_dict` output.

        Raises
        ------
        CdmkitError
            When the data was written by a newer, incompatible cdmkit.
        """
        if int(d.get("format", 0)) > MODEL_FORMAT:
            raise CdmkitError(f"saved linkage model has format {d.get('format')}; this cdmkit "
                              f"reads up to {MODEL_FORMAT} (upgrade cdmkit)")
        settings = LinkageSettings.from_dict(d["settings"])
        return cls(settings=settings, scorer=_scorer_from_dict(d["scorer"]), mode=d["mode"],
                   level_names=[list(x) for x in d["level_names"]],
                   cdmkit_version=d["cdmkit_version"], trained_at=d["trained_at"],
                   run_id=d["run_id"], fingerprint=d["fingerprint"],
                   config_key=d.get("config_key", ""), stats=decode_value(d.get("stats", {})),
                   version=d.get("version"))

    def to_json(self, path=None) -> str:
        """JSON text (also written to ``path`` when given)."""
        text = json.dumps(self.to_dict(), indent=1, ensure_ascii=False, allow_nan=False)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, text_or_path) -> "LinkageModel":
        """Rebuild from JSON text or a JSON file."""
        text = str(text_or_path)
        if not text.lstrip().startswith("{"):
            text = Path(text).read_text(encoding="utf-8")
        return cls.from_dict(json.loads(text))

    def summary(self) -> dict:
        """Provenance in one small dict (reports).

        Examples
        --------
        >>> import pandas as pd
        >>> from cdmkit.link import score_and_cluster
        >>> s = score_and_cluster(pd.DataFrame({"record_id": ["1", "2"], "email": ["a", "a"]}))
        >>> sorted(LinkageModel.from_scored(s).summary())[:3]
        ['cdmkit_version', 'fingerprint', 'mode']
        """
        return {"version": self.version, "mode": self.mode, "run_id": self.run_id,
                "trained_at": self.trained_at, "cdmkit_version": self.cdmkit_version,
                "fingerprint": self.fingerprint, "threshold": self.threshold,
                "n_records": self.stats.get("n_records")}

    def __repr__(self):
        return (f"LinkageModel(version={self.version}, mode={self.mode!r}, "
                f"run_id={self.run_id!r}, trained_at={self.trained_at!r})")


# -- the store ------------------------------------------------------------------------------

_SCHEMA = """CREATE TABLE IF NOT EXISTS linkage_models (version INTEGER PRIMARY KEY,
    status VARCHAR, run_id VARCHAR, trained_at VARCHAR, saved_at TIMESTAMP, reason VARCHAR,
    mode VARCHAR, threshold DOUBLE, fingerprint VARCHAR, cdmkit_version VARCHAR,
    model_json VARCHAR)"""


def _connect(store_path, create: bool):
    import duckdb

    path = Path(store_path)
    if not create and not path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute(_SCHEMA).fetchall()
    return con


def save_model(store_path, model: LinkageModel, reason: str = "") -> int:
    """Save ``model`` as the store's new active version; the previous one is kept as history.

    Returns the version number (also set on ``model.version``).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from cdmkit.link import score_and_cluster
    >>> store = pathlib.Path(tempfile.mkdtemp()) / "store.duckdb"
    >>> s = score_and_cluster(pd.DataFrame({"record_id": ["1", "2"], "email": ["a@x", "a@x"]}))
    >>> save_model(store, LinkageModel.from_scored(s, run_id="r1"), "first run")
    1
    >>> save_model(store, LinkageModel.from_scored(s, run_id="r2"), "retrain")
    2
    >>> model_history(store)[["version", "status", "run_id"]].values.tolist()
    [[1, 'superseded', 'r1'], [2, 'active', 'r2']]
    >>> load_model(store).run_id, load_model(store, version=1).run_id
    ('r2', 'r1')
    """
    con = _connect(store_path, create=True)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            version = con.execute("SELECT coalesce(max(version), 0) + 1 FROM "
                                  "linkage_models").fetchall()[0][0]
            model.version = int(version)
            con.execute("UPDATE linkage_models SET status = 'superseded' WHERE status = "
                        "'active'").fetchall()
            con.execute("INSERT INTO linkage_models VALUES (?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, "
                        "?)", [model.version, model.run_id, model.trained_at,
                               datetime.now(timezone.utc).replace(tzinfo=None), reason,
                               model.mode, model.threshold, model.fingerprint,
                               model.cdmkit_version, model.to_json()]).fetchall()
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            model.version = None
            raise
    finally:
        con.close()
    return model.version


def load_model(store_path, version: int | None = None) -> LinkageModel | None:
    """The active model of the store (or version ``version``); ``None`` when there is none.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> load_model(pathlib.Path(tempfile.mkdtemp()) / "none.duckdb") is None
    True
    """
    if store_path is None:
        return None
    con = _connect(store_path, create=False)
    if con is None:
        return None
    try:
        if version is None:
            rows = con.execute("SELECT version, model_json FROM linkage_models WHERE status = "
                               "'active' ORDER BY version DESC LIMIT 1").fetchall()
        else:
            rows = con.execute("SELECT version, model_json FROM linkage_models WHERE version = ?",
                               [int(version)]).fetchall()
    finally:
        con.close()
    if not rows:
        return None
    model = LinkageModel.from_json(rows[0][1])
    model.version = int(rows[0][0])
    return model


def model_history(store_path) -> pd.DataFrame:
    """Every saved model version: ``version, status, run_id, trained_at, reason, ...``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> model_history(pathlib.Path(tempfile.mkdtemp()) / "none.duckdb").shape[0]
    0
    """
    cols = ["version", "status", "run_id", "trained_at", "saved_at", "reason", "mode",
            "threshold", "fingerprint", "cdmkit_version"]
    con = _connect(store_path, create=False) if store_path is not None else None
    if con is None:
        return pd.DataFrame(columns=cols)
    try:
        return con.execute(f"SELECT {', '.join(cols)} FROM linkage_models ORDER BY "
                           "version").df()
    finally:
        con.close()


# -- what a retrain would change ---------------------------------------------------------

@dataclass
class RetrainPreview:
    """Dry run of a retrain: the IDs it would change, before anything changes.

    Attributes
    ----------
    records : DataFrame
        ``source, record_id, customer_id`` (in the store now; empty for records new in
        this run), ``id_saved_model`` and ``id_retrained``: every record whose ID
        differs between scoring with the saved model and with the retrained one.
    events : DataFrame
        ``event, customer_id, other_id``: the merges, splits and new IDs the retrained
        model would log that the saved model would not.

    Examples
    --------
    >>> p = RetrainPreview(pd.DataFrame({"customer_id": ["C1", None]}), pd.DataFrame())
    >>> p.n_records, p.n_ids_changed
    (2, 1)
    """

    records: pd.DataFrame
    events: pd.DataFrame

    @property
    def n_records(self) -> int:
        """Records that would get another ID."""
        return int(len(self.records))

    @property
    def n_ids_changed(self) -> int:
        """Existing customer IDs that would lose or gain records."""
        r = self.records
        if not len(r):
            return 0
        ids = set(r["customer_id"].dropna())
        for col in ("id_saved_model", "id_retrained"):
            if col in r:
                ids |= set(r[col].dropna()) & set(r["customer_id"].dropna())
        return len(ids)

    def figures(self) -> dict:
        """Figures for ``ctx.record``."""
        ev = self.events["event"].value_counts().to_dict() if len(self.events) else {}
        return {"retrain_records_moved": self.n_records,
                "retrain_ids_changed": self.n_ids_changed,
                "retrain_merges": int(ev.get("merge", 0)),
                "retrain_splits": int(ev.get("split", 0))}


def _copy_store(store_path, dest: Path) -> Path:
    target = dest / "store.duckdb"
    src = Path(store_path) if store_path is not None else None
    if src is not None and src.exists():
        shutil.copy2(src, target)
        wal = src.with_name(src.name + ".wal")
        if wal.exists():
            shutil.copy2(wal, target.with_name(target.name + ".wal"))
    return target


def preview_retrain(store_path, keys: pd.DataFrame, saved_clusters, retrained_clusters,
                    run_id: str = "retrain", prefix: str = "C", width: int = 7) -> RetrainPreview:
    """What the ID registry would do with the retrained clusters instead of the saved model's.

    Both assignments run on throw-away copies of the store, so nothing changes.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> keys = pd.DataFrame({"source": ["s", "s", "s"], "record_id": ["1", "2", "3"]})
    >>> p = preview_retrain(None, keys, np.array([0, 0, 1]), np.array([0, 1, 1]))
    >>> p.records[["record_id", "id_saved_model", "id_retrained"]].values.tolist()
    [['2', 'C0000001', 'C0000002']]
    """
    from .registry_ids import IdRegistry

    keys = keys[["source", "record_id"]].astype(str).reset_index(drop=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = {}
        for name, clusters in (("saved", saved_clusters), ("retrained", retrained_clusters)):
            d = Path(tmp) / name
            d.mkdir()
            reg = IdRegistry(_copy_store(store_path, d), prefix, width)
            before = reg.mapping() if name == "saved" else None
            ids, changes = reg.assign(keys, np.asarray(clusters), run_id)
            out[name] = (np.asarray(ids, dtype=object), changes, before)
    ids_saved, ch_saved, before = out["saved"]
    ids_new, ch_new, _ = out["retrained"]
    table = keys.merge(before, on=["source", "record_id"], how="left")
    table["id_saved_model"], table["id_retrained"] = ids_saved, ids_new
    table = table[table["id_saved_model"] != table["id_retrained"]].reset_index(drop=True)
    cols = ["event", "customer_id", "other_id"]
    seen = set(map(tuple, ch_saved[cols].astype(str).values.tolist()))
    ev = ch_new[cols]
    ev = ev[[tuple(r) not in seen for r in ev.astype(str).values.tolist()]]
    return RetrainPreview(table, ev.reset_index(drop=True))


# -- choosing the model of a run ------------------------------------------------------------

def _known_ids(store_path, records: pd.DataFrame, config) -> np.ndarray:
    """Customer ID of each record in the store now (``None`` for records new to it)."""
    from .registry_ids import IdRegistry

    mapping = IdRegistry(store_path, config.id_prefix, config.id_width).mapping()
    keys = records[["source", "record_id"]].astype(str)
    ids = keys.merge(mapping, on=["source", "record_id"], how="left")["customer_id"]
    return ids.astype(object).where(ids.notna(), None).to_numpy()


@dataclass
class ModelChoice:
    """Which model scored a run, and why.

    Attributes
    ----------
    scored : ScoredLinkage
        The scoring whose clusters get IDs in this run.
    model : LinkageModel
        The model behind it.
    action : str
        ``trained`` (no saved model), ``reused`` (saved model, no EM) or ``retrained``.
    save_reason : str or None
        Set when ``model`` is new and must be saved once the IDs are assigned.
    drift : DriftCheck or None
        Drift of this run's data from the saved model's training data.
    preview : RetrainPreview or None
        The IDs a retrain would change (computed when a retrain was requested or
        proposed).
    retrain_pending : bool
        A retrain was requested or proposed but not applied (dry run).
    reason : str
        Why the model was (re)trained or a retrain proposed.

    Examples
    --------
    >>> ModelChoice(None, None, "reused").figures()["model_action"]
    'reused'
    """

    scored: object
    model: LinkageModel | None
    action: str
    save_reason: str | None = None
    drift: DriftCheck | None = None
    preview: RetrainPreview | None = None
    retrain_pending: bool = False
    reason: str = ""
    retrained: object = None

    def figures(self) -> dict:
        """Which model version scored the run, whether it was trained or reused, drift."""
        m = self.model
        out = {"model_action": self.action,
               "model_version": None if m is None else m.version,
               "model_trained_run": None if m is None else m.run_id,
               "retrain_pending": bool(self.retrain_pending),
               "model_reason": self.reason}
        if self.drift is not None:
            out.update(self.drift.figures())
        if self.preview is not None:
            out.update(self.preview.figures())
        return out


def choose_model(records: pd.DataFrame, config=None, store_path=None, run_id: str = "run",
                 seed: int = 42, truth=None, labels=None, progress=None,
                 retrain: bool | None = None, apply: bool | None = None,
                 dry_run: bool = False) -> ModelChoice:
    """Score ``records`` with the store's saved model, or train one (see the module notes).

    * No saved model (or ``linkage.reuse_model: false``): train (EM); the model is saved
      after the IDs are assigned (``save_reason``).
    * A saved model: score with it (no EM) and check drift. A retrain happens when
      requested (``retrain`` / ``linkage.retrain``) or, with ``linkage.retrain_on_drift``,
      when drift is found: the retrained model scores the same records, and a
      :class:`RetrainPreview` lists every ID that would change. Only with ``apply`` /
      ``linkage.retrain_apply`` does the retrained model replace the saved one;
      otherwise the run keeps the saved model's result (a dry run).

    Parameters
    ----------
    records : DataFrame
        Records in key order (as :func:`resolve_identities` prepares them).
    store_path : str or Path, optional
        Customer store; ``None``: always train, nothing saved or loaded.
    retrain, apply : bool, optional
        Override ``config.retrain`` / ``config.retrain_apply``.
    dry_run : bool
        The caller assigns no IDs (``cdmkit link retrain`` without ``--apply``): a saved
        model that cannot score the records is then compared through the IDs in the store
        (action ``incompatible``) instead of stopping.

    Raises
    ------
    CdmkitError
        When the saved model cannot score these records (a compared column is missing
        or a comparator changed its levels) and applying a retrain is not allowed.
    """
    from ..config.linkage import LinkageConfig
    from .pipeline import score_and_cluster

    config = config or LinkageConfig()
    retrain = config.retrain if retrain is None else bool(retrain)
    apply = config.retrain_apply if apply is None else bool(apply)

    def train():
        scored = score_and_cluster(records, None, config, seed, truth, labels, progress)
        model = LinkageModel.from_scored(scored, config, run_id, labels)
        model.to_dict()  # a fitted attribute JSON cannot hold fails here, before any ID moves
        return scored, model

    saved = load_model(store_path) if store_path is not None and config.reuse_model else None
    if saved is None:
        scored, model = train()
        why = "first run" if store_path is not None else "no store"
        if store_path is not None and not config.reuse_model:
            why = "reuse_model is off"
        return ModelChoice(scored, model, "trained", why, reason=why)

    broken = saved.incompatibility(records)
    if broken is not None:
        why = f"the saved model (version {saved.version}) cannot score this run: {broken}"
        if not (apply or dry_run):
            raise CdmkitError(f"{why}. Review what a retrain changes with `cdmkit link retrain "
                              "--client <client>`, then apply it with --apply (or set "
                              "linkage.retrain_apply: true)")
        scored, model = train()
        if apply:
            return ModelChoice(scored, model, "retrained", why, reason=why)
        # the saved model cannot say what it would do: compare with the IDs stored now
        known = pd.Series(_known_ids(store_path, records, config), dtype=object)
        codes = pd.factorize(known, use_na_sentinel=True)[0]
        alone = codes < 0
        codes[alone] = codes.max(initial=-1) + 1 + np.arange(int(alone.sum()))
        preview = preview_retrain(store_path, records[["source", "record_id"]], codes,
                                  scored.clusters, run_id, config.id_prefix, config.id_width)
        return ModelChoice(scored, saved, "incompatible", None, None, preview,
                           retrain_pending=True, reason=why, retrained=model)

    known = _known_ids(store_path, records, config)
    scored = score_and_cluster(records, None, config, seed, truth, None, progress, saved=saved,
                               known_ids=known)
    drift = saved.check_drift(scored, config, labels)
    reasons = (["retrain requested"] if retrain else []) + \
        (drift.reasons if config.retrain_on_drift else [])
    if not reasons:
        return ModelChoice(scored, saved, "reused", None, drift,
                           reason="; ".join(drift.reasons))
    new_scored, new_model = train()
    preview = preview_retrain(store_path, records[["source", "record_id"]], scored.clusters,
                              new_scored.clusters, run_id, config.id_prefix, config.id_width)
    why = "; ".join(reasons)
    if apply:
        return ModelChoice(new_scored, new_model, "retrained", why, drift, preview,
                           reason=why)
    return ModelChoice(scored, saved, "reused", None, drift, preview, retrain_pending=True,
                       reason=why, retrained=new_model)


# -- `cdmkit link retrain` ------------------------------------------------------------------

def retrain_client(config, run_dir=None, apply: bool = False, run_id: str | None = None):
    """Retrain a client's linkage model on the customers of its latest run (or ``run_dir``).

    Without ``apply`` it is a dry run: the saved model is read from the customer store and
    the IDs each model would give are worked out on throw-away copies of it; the returned
    :class:`ModelChoice` carries the :class:`RetrainPreview` of every ID the retrained
    model would change, and nothing is written to the store. With ``apply``
    the retrained model becomes the store's active version and the ID changes are made
    and logged (``id_changes``) under ``run_id`` (default ``retrain-<UTC time>``).

    Returns
    -------
    (ModelChoice, Path)
        The choice and the run folder whose customers were used.

    Raises
    ------
    CdmkitError
        When the client has no run with a ``customers`` table.
    """
    from ..runfolder import ClientRuns, RunFolder
    from .evaluate import load_ground_truth
    from .pipeline import (key_ordered_records, linkage_columns, resolve_identities,
                           source_priority_of)
    from .supervised import load_labels

    folder = RunFolder(run_dir) if run_dir else ClientRuns.of(config).latest()
    if folder is None or not folder.exists():
        raise CdmkitError(f"no run of client {config.client!r}: run `cdmkit run` first")
    run = folder.path
    lk = config.linkage
    customers = folder.read_table("customers",
                                  columns=linkage_columns(folder.table_columns("customers"), lk))
    labels = config.resolve_path(lk.labels_file) if lk.labels_file else \
        config.client_dir / "linkage_labels.csv"
    truth_path = config.resolve_path(config.ground_truth) if config.ground_truth else None
    truth = load_ground_truth(truth_path) if truth_path is not None and truth_path.exists() \
        else None
    run_id = run_id or "retrain-" + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    opts = dict(run_id=run_id, seed=config.seed, ground_truth=truth, labels_file=labels,
                source_priority=source_priority_of(config), retrain=True, apply_retrain=apply)
    if apply:
        res = resolve_identities(customers, lk, store_path=config.store_path, **opts)
        return res.choice, Path(run)
    # a dry run: the saved model is read, the IDs each model would give are worked out on
    # throw-away copies of the store; nothing is written
    records = key_ordered_records(customers, lk)
    choice = choose_model(records, lk, config.store_path, run_id, config.seed, None,
                          load_labels(labels), None, retrain=True, apply=False, dry_run=True)
    return choice, Path(run)
