"""Which model scores a run (:func:`choose_model`): the saved one, a new one, or a retrain
that first lists every ID it would change (:class:`RetrainPreview`); and
``cdmkit link retrain`` (:func:`retrain_client`)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CdmkitError

from .model_core import DriftCheck, LinkageModel
from .model_store import _copy_store, load_model

__all__ = ["RetrainPreview", "ModelChoice", "preview_retrain", "choose_model", "retrain_client"]


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
