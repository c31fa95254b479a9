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

from .model_choice import (ModelChoice, RetrainPreview, choose_model, preview_retrain,
                           retrain_client)
from .model_codec import decode_value, encode_value
from .model_core import MODEL_FORMAT, DriftCheck, LinkageModel, data_fingerprint
from .model_store import load_model, model_history, save_model

__all__ = ["LinkageModel", "DriftCheck", "RetrainPreview", "ModelChoice", "save_model",
           "load_model", "model_history", "choose_model", "preview_retrain", "retrain_client",
           "data_fingerprint", "encode_value", "decode_value", "MODEL_FORMAT"]
