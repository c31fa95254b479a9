"""Secrets never shown, spreadsheet-safe exports, bounded YAML, confined paths, consent per value."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest

from cdmkit.activate.exporters import CsvExporter, export_audience
from cdmkit.activate.safety import neutralise_cell
from cdmkit.config import load_config
from cdmkit.errors import CdmkitError, ConfigError
from cdmkit.privacy.secrets import redact_secrets

PASSWORD = "Sup3r-s3cret"

URLS = [
    f"postgresql://ana:{PASSWORD}@db.local:5432/crm",
    f"postgresql://ana:{PASSWORD}@x@db.local/crm",               # '@' in the password
    f"postgresql://:{PASSWORD}@db.local/crm",                    # no user name
    f"postgresql://db.local/crm?user=ana&password={PASSWORD}",   # query parameter
    f"postgresql://db.local/crm?sslmode=require&PASSWORD={PASSWORD}&x=1",
    f"mssql+pyodbc://ana:{PASSWORD}/x@dsn",                      # '/' in the password
    f"host=db.local user=ana password={PASSWORD} dbname=crm",    # libpq key=value
    f"host=db.local password='{PASSWORD} x' dbname=crm",         # quoted value
    f"Server=db;Uid=ana;Pwd={{{PASSWORD};x}};Database=crm",      # ODBC braces
    f"Driver={{PostgreSQL}};Server=db;Password=\"{PASSWORD}\";",
]


@pytest.mark.parametrize("url", URLS)
def test_every_connection_string_form_is_redacted(url):
    out = redact_secrets(url)
    assert PASSWORD not in out and "***" in out
    assert "db" in out  # the rest stays readable


def test_redaction_leaves_ordinary_text_alone():
    for text in ("see ana@example.com", "sqlite:////tmp/crm.db", "s3://bucket/key.csv",
                 "https://shop.example/?email=a@b.co", "a=1 b=2"):
        assert redact_secrets(text) == text


def test_inline_url_never_reaches_config_resolved_summary_or_terminal(tmp_path):
    url = f"postgresql://ana:{PASSWORD}@x@127.0.0.1:1/crm?password={PASSWORD}"
    p = tmp_path / "c.yaml"
    p.write_text("client: acme\nsources:\n  - name: crm\n    kind: customers\n    loader: sql\n"
                 f"    options: {{url: '{url}', table: c}}\n"
                 f"extra: {{note: 'host=db password={PASSWORD}'}}\n")
    cfg = load_config(p)
    text = cfg.save_resolved(tmp_path / "config.resolved.json").read_text()
    assert PASSWORD not in text
    from cdmkit.collect import collect_sources

    with pytest.raises(CdmkitError) as err:  # the loader names the source without the password
        collect_sources(cfg)
    assert PASSWORD not in str(err.value)
    from cdmkit.report.runner import _write_summary

    run = tmp_path / "run"
    (run / "figures").mkdir(parents=True)
    (run / "figures" / "collection.json").write_text(json.dumps({"files": {"crm": url}}))
    summary = _write_summary(run, cfg, "r1", {"collection": "ok"}, 0.0, None)
    assert PASSWORD not in (run / "summary.json").read_text() and PASSWORD not in str(summary)


def test_terminal_errors_are_redacted(capsys):
    from cdmkit.clitools import fail

    with pytest.raises(SystemExit):
        fail(f"cannot connect to postgresql://u:{PASSWORD}@h/db")
    assert PASSWORD not in capsys.readouterr().err


def test_executed_notebook_is_redacted(tmp_path):
    from cdmkit.report.runner import _redact_notebook

    nb = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "error", "traceback": [
        f"OperationalError: postgresql://u:{PASSWORD}@h/db"]}]}], "metadata": {},
          "nbformat": 4, "nbformat_minor": 5}
    p = tmp_path / "10-collection.ipynb"
    p.write_text(json.dumps(nb))
    _redact_notebook(p)
    assert PASSWORD not in p.read_text() and json.loads(p.read_text())["nbformat"] == 4


DANGEROUS = ["=1+1", "+1+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1+1", "\n=1+1", " =1+1",
             "\u00a0=1", "\u3000=1", "＝1+1", "＋1", "－1", "＠SUM(A1)", "  ＠x", "\r\n=HYPERLINK(1)"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_cells_are_neutralised_and_the_csv_stays_one_row_per_record(tmp_path, value):
    assert neutralise_cell(value).startswith("'")
    p = tmp_path / "x.csv"
    CsvExporter().write(pd.DataFrame({"name": [value, "Ana"], "n": [1, 2]}), p)
    rows = list(csv.reader(io.StringIO(p.read_bytes().decode("utf-8"), newline="")))
    assert rows == [["name", "n"], ["'" + value, "1"], ["Ana", "2"]]
    # a line break inside a value is always inside quotes: the row cannot break
    text = p.read_bytes().decode("utf-8")
    if "\r" in value or "\n" in value:
        assert f'"\'{value}"' in text.replace("\r\n", "\n") or f'"\'{value}"' in text


def test_numbers_and_phones_stay_numbers():
    for v in ("-12.5", "+989121234567", "42", "Ana", "a=b", "x-1"):
        assert neutralise_cell(v) == v


def test_yaml_alias_bomb_under_extra_is_refused(tmp_path):
    lines = ["client: acme", "extra:", "  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    prev = "a"
    for name in "bcdefghi":
        lines.append(f"  {name}: &{name} [{', '.join(['*' + prev] * 9)}]")
        prev = name
    p = tmp_path / "bomb.yaml"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match="alias bomb"):
        load_config(p)
    small = tmp_path / "ok.yaml"
    small.write_text("client: acme\nextra:\n  a: &a {k: 1}\n  b: *a\n")
    assert load_config(small).extra["b"] == {"k": 1}


def test_oversized_config_is_refused(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_text("client: acme\nextra:\n  blob: '" + "x" * 3_000_000 + "'\n")
    with pytest.raises(ConfigError, match="at most"):
        load_config(p)


def test_paths_can_be_confined_to_the_client_folder(tmp_path):
    root = tmp_path / "client"
    (root / "data").mkdir(parents=True)
    (root / "data" / "c.csv").write_text("id\n1\n")
    outside = tmp_path / "secret.csv"
    outside.write_text("id\n1\n")
    (root / "data" / "link.csv").symlink_to(outside)

    def cfg(path, confine=True):
        p = root / "c.yaml"
        p.write_text(f"client: acme\npaths: {{confine: {str(confine).lower()}}}\n"
                     f"sources:\n  - {{name: crm, kind: customers, path: '{path}'}}\n")
        return load_config(p)

    assert cfg("data/c.csv").sources[0].path == "data/c.csv"
    for bad in ("../secret.csv", str(outside), "data/link.csv", "data/../../secret.csv"):
        with pytest.raises(ConfigError, match="outside .* \\(paths.confine is on\\)"):
            cfg(bad)
        cfg(bad, confine=False)  # off by default: anything goes
    p = root / "o.yaml"
    p.write_text("client: acme\npaths: {confine: true}\noutput_dir: /tmp/elsewhere\n")
    with pytest.raises(ConfigError, match="output_dir"):
        load_config(p)


def test_address_shared_with_an_opted_out_household_member_is_not_exported(tmp_path):
    aud = pd.DataFrame({
        "customer_id": ["C1", "C2", "C3"], "household_id": ["H1", "H1", "H3"],
        "first_name": ["Ana", "Ben", "Cy"],
        "email": ["ana@x.org", "family@x.org", "cy@x.org"],
        "phone": ["+441111111111", "+44 111 111 1111", "+443333333333"],
        "street": ["1 Elm Road", "1 Elm road", "9 Oak St"], "postcode": ["AB1 2CD"] * 2 + ["Z"],
        "consent_email": [True, False, True]})
    res = export_audience(aud, {"name": "n", "exporter": "csv",
                                "fields": ["customer_id", "email", "phone", "street",
                                           "postcode"]}, tmp_path)
    out = pd.read_csv(tmp_path / "n.csv", dtype=str, keep_default_na=False)
    assert out["customer_id"].tolist() == ["C1", "C3"]
    ana = out.set_index("customer_id").loc["C1"]
    # Ben opted out: his household's address and the shared phone do not leave
    assert ana["street"] == "" and ana["postcode"] == "" and ana["phone"] == ""
    assert ana["email"] == "ana@x.org"
    cy = out.set_index("customer_id").loc["C3"]
    assert cy["street"] == "9 Oak St" and cy["phone"] == "+443333333333"
    assert "withheld" in res.note
    assert "1 Elm" not in (tmp_path / "n.csv").read_text()
