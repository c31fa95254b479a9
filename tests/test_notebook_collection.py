"""The collection notebook on the small generated client: tables written, figures consistent."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("notebooks")]


def test_collection_tables_written(demo_run):
    for name in ["customers", "transactions", "rejects", "catalog", "source_stats"]:
        assert (demo_run.run_dir / "data" / f"{name}.parquet").exists(), name
    assert (demo_run.run_dir / "collection" / "catalog.csv").exists()


def test_collection_figures_match_tables(demo_run):
    fig = demo_run.figures("collection")
    stats = demo_run.table("source_stats")
    rejects = demo_run.table("rejects")
    assert fig["rows_balanced"] is True
    assert (stats["rows_in"] == stats["rows_clean"] + stats["rows_rejected"]).all()
    assert fig["rows_in"] == int(stats["rows_in"].sum())
    assert fig["rows_rejected"] == len(rejects)
    per_source = rejects.groupby("source").size()
    for row in stats.itertuples():
        assert per_source.get(row.source, 0) == row.rows_rejected
    customers = demo_run.table("customers")
    assert fig["rows_per_kind"]["customers"] == len(customers)
    assert fig["n_invalid_emails"] == int((customers["email_valid"] == False).sum())  # noqa
    assert fig["n_invalid_phones"] == int((customers["phone_valid"] == False).sum())  # noqa
    assert set(fig["sources"]) == set(stats["source"])


def test_collection_output_is_standardised(demo_run):
    c = demo_run.table("customers")
    valid_phones = c.loc[c["phone_valid"] == True, "phone"]  # noqa: E712
    assert valid_phones.str.fullmatch(r"\+\d{7,15}").all()
    assert c["country"].dropna().str.fullmatch(r"[A-Z]{2}").all()
    assert str(c["birth_date"].dtype).startswith("datetime64")
    assert not c.duplicated(["source", "record_id"]).any()
    # Persian names use Persian letters only after cleaning.
    names = c["first_name"].dropna().astype(str)
    assert not names.str.contains("[\u064a\u0643]").any()


def test_collection_catalog_masks_examples(demo_run):
    cat = demo_run.table("catalog")
    emails = cat[cat["canonical_field"] == "email"]
    assert len(emails) and emails["example"].dropna().str.contains(r"\*\*\*@").all()
    assert set(cat["pii_class"]) <= {"direct", "quasi", "sensitive", "none"}
