"""Keyed pseudonymisation: deterministic, key-dependent, and the key never reaches outputs."""

from __future__ import annotations

import hashlib
import hmac
import json

import pandas as pd
import pytest

from cdmkit.config import config_from_dict
from cdmkit.errors import CdmkitError, ConfigError
from cdmkit.privacy import Pseudonymiser, key_from_config, pseudonymise

KEY = "k3y-that-must-not-leak-9f2c-0123456789abcdef"


def test_hmac_matches_the_standard_construction_and_is_deterministic():
    got = pseudonymise(["C0000001", "C0000001", "C0000002"], KEY)
    expected = hmac.new(KEY.encode(), b"C0000001", hashlib.sha256).hexdigest()
    assert got[0] == got[1] == expected
    assert got[2] != got[0]
    assert pseudonymise(["C0000001"], "other-key")[0] != expected
    assert KEY not in repr(Pseudonymiser(KEY))


def test_missing_key_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.delenv("ACME_PSEUDO_KEY", raising=False)
    cfg = config_from_dict({"client": "a", "privacy": {"pseudonym_key_env": "ACME_PSEUDO_KEY"}},
                           base_dir=tmp_path)
    with pytest.raises(ConfigError, match="ACME_PSEUDO_KEY"):
        key_from_config(cfg)


def test_pseudonymised_export_never_contains_the_key(monkeypatch, tmp_path):
    from cdmkit.activate import export_all

    monkeypatch.setenv("ACME_PSEUDO_KEY", KEY)
    cfg = config_from_dict({
        "client": "a", "privacy": {"pseudonym_key_env": "ACME_PSEUDO_KEY"},
        "activation": {"exports": [
            {"name": "p_csv", "exporter": "csv", "pseudonymise": True, "purpose": "profiling"},
            {"name": "p_pq", "exporter": "parquet", "pseudonymise": True,
             "purpose": "profiling"}]}}, base_dir=tmp_path)
    golden = pd.DataFrame({"customer_id": ["C0000001", "C0000002"],
                           "email": ["a@x.io", "b@x.io"], "consent_profiling": [True, True]})
    out = tmp_path / "exports"
    res = export_all(cfg, {"golden": golden}, out)
    assert res["rows"].tolist() == [2, 2]
    csv = pd.read_csv(out / "p_csv.csv", dtype=str)
    expected = hmac.new(KEY.encode(), b"C0000001", hashlib.sha256).hexdigest()
    assert csv["customer_id"].tolist()[0] == expected
    assert "C0000001" not in (out / "p_csv.csv").read_text()
    # The key appears in no file written, nor in the resolved config or the result table.
    (tmp_path / "config.resolved.json").write_text(json.dumps(cfg.resolved()))
    for p in [*out.iterdir(), tmp_path / "config.resolved.json"]:
        assert KEY.encode() not in p.read_bytes(), p
    assert KEY not in res.to_string()


def test_export_asking_for_pseudonyms_without_key_fails_clearly(monkeypatch, tmp_path):
    from cdmkit.activate import export_all

    monkeypatch.delenv("CDMKIT_PSEUDONYM_KEY", raising=False)
    cfg = config_from_dict({"client": "a", "activation": {"exports": [
        {"name": "x", "pseudonymise": True}]}}, base_dir=tmp_path)
    golden = pd.DataFrame({"customer_id": ["C1"], "consent_email": [True]})
    with pytest.raises(CdmkitError, match="CDMKIT_PSEUDONYM_KEY"):
        export_all(cfg, {"golden": golden}, tmp_path)


def test_short_key_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("ACME_PSEUDO_KEY", "x")
    cfg = config_from_dict({"client": "a", "privacy": {"pseudonym_key_env": "ACME_PSEUDO_KEY"}},
                           base_dir=tmp_path)
    with pytest.raises(CdmkitError, match=r"ACME_PSEUDO_KEY is 1 bytes long; use at least 32"):
        key_from_config(cfg)
    from cdmkit.activate.exporters import export_audience

    aud = pd.DataFrame({"customer_id": ["C1"], "consent_profiling": [True]})
    with pytest.raises(CdmkitError, match="at least 32"):
        export_audience(aud, {"name": "p", "pseudonymise": True, "purpose": "profiling"},
                        tmp_path, key="short")
