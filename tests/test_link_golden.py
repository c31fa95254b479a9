"""Golden records: survivorship rules per field and provenance of every value."""

from __future__ import annotations

import pandas as pd

from cdmkit.link import golden_records


def _records():
    return pd.DataFrame({
        "source": ["crm", "shop", "shop", "news"],
        "record_id": ["c1", "s1", "s2", "n1"],
        "first_name": ["Ann", "Anne", "ann", None],
        "email": ["old@x.org", "new@x.org", None, "news@x.org"],
        "street": ["1 Long Road", "1 Long Rd", None, None],
        "consent_email": [True, None, None, False],
        "consent_email_date": pd.to_datetime(["2021-01-01", None, None, "2022-06-01"]),
        "updated_at": pd.to_datetime(["2020-01-01", "2023-05-01", "2021-01-01", "2019-01-01"]),
    })


def test_default_rules_and_provenance():
    g = golden_records(_records(), ["C1"] * 4).set_index("customer_id").loc["C1"]
    # most frequent first name, compared case-insensitively: "Ann"/"ann" (2) beat "Anne" (1);
    # the tie between the two spellings goes to the most recent record (s2, 2021 > c1, 2020)
    got = (g["first_name"], g["first_name_source"], g["first_name_record"])
    assert got == ("ann", "shop", "s2")
    # most recent e-mail (s1 updated 2023)
    assert (g["email"], g["email_source"], g["email_record"]) == ("new@x.org", "shop", "s1")
    # consent: the most recent statement by its consent date wins (withdrawn in 2022)
    assert not pd.isna(g["consent_email"]) and not bool(g["consent_email"])
    assert g["consent_email_record"] == "n1"
    assert g["n_records"] == 4 and g["sources"] == "crm,news,shop"


def test_configured_rules_source_priority_and_most_complete():
    g = golden_records(_records(), ["C1"] * 4,
                       rules={"email": "source_priority", "street": "most_complete"},
                       source_priority=["crm", "shop"]).iloc[0]
    assert (g["email"], g["email_record"]) == ("old@x.org", "c1")
    assert (g["street"], g["street_record"]) == ("1 Long Road", "c1")


def test_one_row_per_customer_and_missing_values_never_win():
    rec = _records()
    g = golden_records(rec, ["C1", "C2", "C2", "C3"])
    assert g["customer_id"].tolist() == ["C1", "C2", "C3"]
    c3 = g.set_index("customer_id").loc["C3"]
    assert pd.isna(c3["first_name"]) and pd.isna(c3["first_name_source"])
    assert c3["email"] == "news@x.org"


def test_undated_consent_conflict_is_conservative():
    rec = pd.DataFrame({"source": ["a", "b"], "record_id": ["1", "2"],
                        "consent_sms": [True, False]})
    assert not bool(golden_records(rec, ["C1", "C1"]).iloc[0]["consent_sms"])
