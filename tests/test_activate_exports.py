"""Exporters: layouts, consent filtering, BOM, formula-injection neutralisation."""

from __future__ import annotations

import csv
import hashlib

import pandas as pd
import pytest

from cdmkit.activate import (build_audience, export_audience, filter_by_consent,
                             neutralise_cell, neutralise_formulas)
from cdmkit.config import config_from_dict
from cdmkit.registry import exporters


@pytest.fixture
def golden():
    return pd.DataFrame({
        "customer_id": ["C1", "C2", "C3", "C4", "C5"],
        "first_name": ["=HYPERLINK(\"http://evil\")", "Reza", "Yuki", "Ana", "@SUM(1)"],
        "last_name": ["Ahmadi", "-Karimi", "Tanaka", "Lee", "Smith"],
        "email": ["Maryam.A@Gmail.com ", "reza@mail.test", "yuki@mail.test", None,
                  "s@mail.test"],
        "phone": ["+989121234567", "09121234567", "+819012345678", "+447700900123", None],
        "country": ["IR", "IR", "JP", "GB", "GB"],
        "postcode": ["1234567890", None, "100-0001", "SW1A 1AA", "\tx"],
        "consent_email": [True, True, False, True, None],
        "consent_profiling": ["yes", "no", "1", "true", "0"],
    })


@pytest.fixture
def segments():
    return pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C4", "C5"],
                         "rfm_segment": ["Champions", "At risk", "Champions", "New", "At risk"],
                         "cluster": [0, 1, 0, 2, 1],
                         "cluster_label": ["Loyal", "Sleeping", "Loyal", "New", "Sleeping"]})


def test_neutralise_cells():
    for bad in ("=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise_cell(bad) == "'" + bad
    for ok in ("Maryam", "12", "-12.5", "+989121234567", "", "a=b"):
        assert neutralise_cell(ok) == ok
    assert neutralise_cell("-12.5", keep_numbers=False) == "'-12.5"
    df = neutralise_formulas(pd.DataFrame({"a": ["=x", None, "y"], "n": [1, 2, 3]}))
    assert df["a"].tolist()[0] == "'=x" and df["a"].isna().tolist()[1]


def test_consent_filter_reports_excluded(golden):
    kept, rep = filter_by_consent(golden, "email_marketing")
    assert kept["customer_id"].tolist() == ["C1", "C2", "C4"]
    assert (rep.total, rep.included, rep.excluded) == (5, 3, 2)
    kept, rep = filter_by_consent(golden, "profiling")  # text flags
    assert kept["customer_id"].tolist() == ["C1", "C3", "C4"]
    kept, rep = filter_by_consent(golden, "sms_marketing")  # column absent: nobody
    assert kept.empty and rep.excluded == 5 and "nobody" in rep.note


def test_csv_export_is_safe_bom_and_consent_filtered(tmp_path, golden, segments):
    aud = build_audience(golden, segments)
    res = export_audience(aud, {"name": "all", "exporter": "csv", "bom": True,
                                "purpose": "email_marketing"}, tmp_path)
    raw = (tmp_path / "all.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert (res.rows, res.excluded_consent, res.consent_column) == (3, 2, "consent_email")
    rows = list(csv.DictReader((tmp_path / "all.csv").open(encoding="utf-8-sig")))
    assert [r["customer_id"] for r in rows] == ["C1", "C2", "C4"]
    assert rows[0]["first_name"].startswith("'=")
    assert rows[1]["last_name"] == "'-Karimi"
    assert rows[0]["phone"] == "+989121234567"  # a phone number is not a formula
    assert rows[0]["segment"] == "Champions"
    # No cell of the file starts with a formula character.
    for r in rows:
        for v in r.values():
            assert not v.startswith(("=", "+", "-", "@", "\t", "\r")) or \
                v in ("+989121234567", "+447700900123")
    res2 = export_audience(aud, {"name": "nobom", "exporter": "csv"}, tmp_path)
    assert not (tmp_path / "nobom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert res2.rows == 3


def test_segment_and_audience_filters(tmp_path, golden, segments):
    aud = build_audience(golden, segments)
    res = export_audience(aud, {"name": "champs", "exporter": "csv", "segments": ["Champions"],
                                "purpose": "profiling"}, tmp_path)
    assert (res.after_filters, res.rows, res.excluded_consent) == (2, 2, 0)
    res = export_audience(aud, {"name": "ir", "exporter": "parquet",
                                "audience": "country == 'IR'", "purpose": "email_marketing",
                                "fields": ["customer_id", "country"]}, tmp_path)
    out = pd.read_parquet(tmp_path / "ir.parquet")
    assert out.columns.tolist() == ["customer_id", "country"]
    assert out["customer_id"].tolist() == ["C1", "C2"]


def test_tool_layouts(golden, segments):
    aud = build_audience(golden, segments)
    mc = exporters.get("mailchimp")().layout(aud)
    assert mc.columns.tolist() == ["Email Address", "First Name", "Last Name", "Tags"]
    assert mc.set_index("Email Address").loc["yuki@mail.test", "Tags"] == "Champions,Loyal"
    assert len(mc) == 4  # the customer without e-mail cannot be imported
    hs = exporters.get("hubspot")().layout(aud.assign(frequency=[1, 0, 3, 0, 0]))
    assert hs.columns.tolist()[:5] == ["Email", "First Name", "Last Name", "Phone Number",
                                       "Lifecycle Stage"]
    assert hs["Lifecycle Stage"].tolist() == ["customer", "subscriber", "customer",
                                              "subscriber", "subscriber"]
    sf = exporters.get("salesforce")().layout(aud)
    assert {"FirstName", "LastName", "Email", "Phone", "MailingPostalCode"} <= set(sf.columns)


def test_google_customer_match_hashing(golden):
    out = exporters.get("google_ads_customer_match")().layout(golden)
    assert out.columns.tolist() == ["Email", "Phone", "First Name", "Last Name", "Country",
                                    "Zip"]
    sha = lambda s: hashlib.sha256(s.encode()).hexdigest()  # noqa: E731
    row = out.iloc[0]
    # gmail: trimmed, lower-case, dots of the local part removed.
    assert row["Email"] == sha("maryama@gmail.com")
    assert row["Phone"] == sha("+989121234567")
    assert row["Last Name"] == sha("ahmadi")
    assert row["Country"] == "IR"  # not hashed
    assert out.iloc[1]["Phone"] is None  # not in E.164: left out rather than mis-hashed
    assert out.iloc[1]["Email"] == sha("reza@mail.test")
    for v in out[["Email", "Phone", "First Name", "Last Name"]].stack().dropna():
        assert len(v) == 64 and set(v) <= set("0123456789abcdef")


def test_config_rejects_unknown_purpose_and_duplicate_names(tmp_path):
    from cdmkit.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown purpose"):
        config_from_dict({"client": "a", "activation": {"exports": [
            {"name": "x", "purpose": "spam"}]}}, base_dir=tmp_path)
    with pytest.raises(ConfigError, match="duplicate export"):
        config_from_dict({"client": "a", "activation": {"exports": [
            {"name": "x"}, {"name": "x"}]}}, base_dir=tmp_path)


def test_export_cli(tmp_path, golden, segments):
    from typer.testing import CliRunner

    from cdmkit.cli import app

    run = tmp_path / "reports" / "acme" / "r1"
    (run / "data").mkdir(parents=True)
    (run / "summary.json").write_text("{}")
    golden.to_parquet(run / "data" / "golden.parquet")
    segments.to_parquet(run / "data" / "segments.parquet")
    yaml = tmp_path / "acme.yaml"
    yaml.write_text("client: acme\noutput_dir: reports\nactivation:\n  exports:\n"
                    "    - {name: gads, exporter: google_ads_customer_match,\n"
                    "       purpose: advertising}\n")
    res = CliRunner().invoke(app, ["export", "--client", str(yaml)])
    assert res.exit_code == 0, res.output
    assert "gads: 3 rows" in res.output and "2 excluded" in res.output
    assert len(pd.read_csv(run / "validation" / "exports" / "gads.csv")) == 3
