"""The catalogue: one row per source column with meaning, owner, PII class, completeness."""

from __future__ import annotations

import pandas as pd

from cdmkit.collect import build_catalog, collect_frame, detect_pii_class


def raw():
    return pd.DataFrame({
        "id": ["1", "2", "3", "4"],
        "Mail": ["ann@x.org", None, "cy@x.org", "ann@x.org"],
        "dob": ["1984-03-07", "1990-01-01", None, None],
        "backup contact": ["+44 7911 123456", "+44 7911 654321", "+44 7911 111222", None],
        "colour": ["red", "red", "blue", None],
    })


def test_catalog_rows_and_values():
    cat = build_catalog(raw(), {"record_id": "id", "email": "Mail", "birth_date": "dob"},
                        source="crm", kind="customers", owner="Sales",
                        definitions={"Mail": "Main e-mail from the sign-up form."},
                        pii={"colour": "sensitive"})
    assert cat.columns.tolist() == ["source", "field", "canonical_field", "definition", "owner",
                                    "dtype", "pii_class", "completeness", "distinct", "example"]
    c = cat.set_index("field")
    assert c.loc["Mail", "definition"] == "Main e-mail from the sign-up form."
    assert c.loc["dob", "definition"] == "Date of birth."
    assert c.loc["Mail", "completeness"] == 0.75 and c.loc["Mail", "distinct"] == 2
    assert c.loc["dob", "completeness"] == 0.5
    assert c.loc["Mail", "pii_class"] == "direct" and c.loc["dob", "pii_class"] == "quasi"
    # Unmapped columns: PII detected from content, or overridden by the YAML.
    assert c.loc["backup contact", "pii_class"] == "direct"
    assert pd.isna(c.loc["backup contact", "canonical_field"])
    assert c.loc["colour", "pii_class"] == "sensitive"
    assert set(cat["owner"]) == {"Sales"}


def test_catalog_examples_are_masked():
    cat = build_catalog(raw(), {"email": "Mail", "birth_date": "dob"}, source="crm",
                        kind="customers").set_index("field")
    assert cat.loc["Mail", "example"] == "a***@x.org"
    assert cat.loc["dob", "example"] == "1984-**-**"
    assert "7911 123456" not in cat.loc["backup contact", "example"]
    assert cat.loc["colour", "example"] == "red"  # not personal: shown as is


def test_content_detection():
    assert detect_pii_class(pd.Series(["a@b.org", "c@d.net"])) == "direct"
    assert detect_pii_class(pd.Series(["0912 345 6789", "+98 21 8888 7777"])) == "direct"
    assert detect_pii_class(pd.Series(["2020-01-01", "2021-05-06"])) == "quasi"
    assert detect_pii_class(pd.Series(["1", "22", "red"])) == "none"


def test_pipeline_catalog_covers_every_source_column():
    res = collect_frame(raw(), "customers", source="crm")
    assert res.catalog["field"].tolist() == raw().columns.tolist()
    assert res.catalog.loc[res.catalog["field"] == "Mail", "canonical_field"].item() == "email"
