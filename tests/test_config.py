"""Client config: safe YAML, typed sections, errors naming file and key, resolved config."""

from __future__ import annotations

import json
import os

import pytest

from cdmkit.config import ClientConfig, config_from_dict, load_config, secret_from_env
from cdmkit.errors import ConfigError


def write(tmp_path, text, name="acme.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_minimal_config_gets_defaults(tmp_path):
    cfg = load_config(write(tmp_path, "client: acme\n"))
    assert cfg.client == "acme"
    assert cfg.stages == ["collection", "linkage", "segmentation", "analysis", "validation"]
    assert cfg.privacy.show_raw_pii is False
    assert cfg.client_dir == (tmp_path / "reports" / "acme").resolve()


def test_relative_paths_resolve_against_the_config_folder(tmp_path, monkeypatch):
    sub = tmp_path / "clients"
    sub.mkdir()
    p = write(sub, "client: acme\nsources:\n  - {name: shop, kind: customers, path: ../d/c.csv}\n")
    monkeypatch.chdir("/")
    cfg = load_config(p)
    assert cfg.resolve_path(cfg.source("shop").path) == (tmp_path / "d" / "c.csv").resolve()


@pytest.mark.parametrize("text, key, words", [
    ("client: acme\nsed: 1\n", "sed", "unknown key"),
    ("client: acme\nseed: many\n", "seed", "integer"),
    ("client: acme\nsources:\n  - {name: a, kind: shoppers, path: x.csv}\n", "sources.0.kind",
     "customers"),
    ("client: acme\nsources:\n  - {name: a, kind: customers}\n", "sources.0", "path"),
    ("client: acme\nprivacy: {show_raw: true}\n", "privacy.show_raw", "unknown key"),
    ("client: 'a b'\n", "client", "pattern"),
    ("client: acme\nsources:\n  - {name: a, kind: customers, path: x}\n"
     "  - {name: a, kind: customers, path: y}\n", "sources", "duplicate source name"),
    ("client: acme\nsources:\n  - {name: t, kind: transactions, path: t.csv, "
     "customer_source: shop}\n", "", "not a customers source"),
])
def test_errors_name_file_and_key(tmp_path, text, key, words):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(p)
    msg = str(info.value)
    assert msg.startswith(str(p)), msg
    assert f": {key}:" in msg if key else True
    assert words in msg


def test_invalid_yaml_names_line(tmp_path):
    with pytest.raises(ConfigError, match=r"line 2"):
        load_config(write(tmp_path, "client: acme\n  bad: [\n"))


def test_yaml_is_read_with_a_safe_loader(tmp_path):
    p = write(tmp_path, "client: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ConfigError):
        load_config(p)


def test_resolved_config_round_trips_and_holds_no_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("CDMKIT_PSEUDONYM_KEY", "very-secret-key-value")
    p = write(tmp_path, "client: acme\nsources:\n  - name: crm\n    kind: customers\n"
                        "    loader: sql\n    options: {url: 'postgresql://u:pw123@h/db', "
                        "table: c}\n")
    cfg = load_config(p)
    out = cfg.save_resolved(tmp_path / "config.resolved.json")
    text = out.read_text()
    assert "pw123" not in text and "very-secret-key-value" not in text
    again = load_config(out)
    assert again.resolved() == cfg.resolved()
    assert json.loads(text)["privacy"]["pseudonym_key_env"] == "CDMKIT_PSEUDONYM_KEY"


def test_secrets_only_from_environment(monkeypatch):
    monkeypatch.delenv("CDMKIT_TEST_SECRET", raising=False)
    with pytest.raises(ConfigError, match="CDMKIT_TEST_SECRET"):
        secret_from_env("CDMKIT_TEST_SECRET", "test key")
    monkeypatch.setenv("CDMKIT_TEST_SECRET", "k")
    assert secret_from_env("CDMKIT_TEST_SECRET", "test key") == "k"


def test_every_stage_has_a_typed_section():
    cfg = ClientConfig(client="x")
    for section in ("collection", "linkage", "segmentation", "analysis", "validation",
                    "activation", "privacy", "store"):
        assert hasattr(type(getattr(cfg, section)), "model_fields")


def test_config_from_dict_rejects_non_mapping():
    with pytest.raises(ConfigError, match="mapping"):
        config_from_dict(["a"], file="x.yaml")


def test_source_loader_guessed_from_extension():
    cfg = config_from_dict({"client": "a", "sources": [
        {"name": "x", "kind": "customers", "path": "a.XLSX"},
        {"name": "y", "kind": "events", "path": "e.ndjson"}]}, file="a.yaml", base_dir=os.getcwd())
    assert [s.resolved_loader() for s in cfg.sources] == ["excel", "jsonl"]
