"""The linkage model itself: :class:`LinkageModel` (settings, fitted scorer, training
fingerprint and baseline) and its drift check (:class:`DriftCheck`). The face
:mod:`cdmkit.link.model` gathers it with the store and the choice of a run's model."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CdmkitError
from .settings import LinkageSettings

from .model_codec import _scorer_from_dict, _scorer_to_dict, decode_value, encode_value

__all__ = ["LinkageModel", "DriftCheck", "data_fingerprint", "MODEL_FORMAT"]

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


def _pair_patterns(scored):
    """``(gamma, pairs per row or None, candidate pairs, links)`` of a scoring.

    The local engine's scoring holds every candidate pair (one row each); a scoring whose
    pairs stayed on Spark (:class:`cdmkit.engine.SparkScoredLinkage`) holds only the pairs
    inside clusters, and the whole table as counted patterns (``patterns``): the drift
    figures are of all candidate pairs either way.
    """
    pats = getattr(scored, "patterns", None)
    if pats is None:
        links = int((scored.match_weight >= scored.threshold_weight).sum())
        return scored.gamma, None, len(scored.pairs), links
    g = pats[[f"g{k}" for k in range(len(scored.comparators))]].to_numpy(np.int8)
    return g, pats["pairs"].to_numpy(np.int64), int(scored.n_pairs), int(scored.n_links)


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
        gamma, weights, n_pairs, links = _pair_patterns(scored)
        # in chunks, hashing (not sorting): fast and small at tens of millions of pairs
        parts = [pd.unique(_pattern_codes(g, n_levels)) for g in _chunks(gamma)]
        codes = pd.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)
        if len(codes) > _MAX_PATTERNS:  # keep the commonest
            if weights is not None:  # counted patterns: one row per pattern
                counts = pd.Series(weights, index=_pattern_codes(gamma, n_levels))
            else:
                counts = pd.concat([pd.Series(_pattern_codes(g, n_levels)).value_counts()
                                    for g in _chunks(gamma)]).groupby(level=0).sum()
            codes = counts.sort_values(ascending=False, kind="stable").index[:_MAX_PATTERNS]
        codes = np.sort(np.asarray(codes, dtype=np.int64))
        stats = {"n_records": int(len(scored.records)),
                 "n_candidate_pairs": int(n_pairs),
                 "n_links": links,
                 "match_share": links / n_pairs if n_pairs else 0.0,
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
        gamma, weights, n_pairs, links = _pair_patterns(scored)
        if weights is not None:
            n_unseen = int(weights[index.get_indexer(_pattern_codes(gamma, n_levels)) < 0].sum())
        else:
            n_unseen = sum(int((index.get_indexer(_pattern_codes(g, n_levels)) < 0).sum())
                           for g in _chunks(gamma))
        unseen = n_unseen / n_pairs if n_pairs else 0.0
        share = links / n_pairs if n_pairs else 0.0
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
