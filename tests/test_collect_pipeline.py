"""The pipeline: every row accounted for, mapping inferred or explicit, nothing dropped."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cdmkit.collect import collect_file, collect_frame, collect_sources, infer_mapping
from cdmkit.config import config_from_dict
from cdmkit.errors import ConfigError, InputError


def customers_raw():
    return pd.DataFrame({
        "Customer ID": ["c1", "c2", "c3", "c2", "c4", "c5", "c3", None],
        "First Name": ["ann", "Bob", "Cy", "Bob", None, "Eve", "Cy", "Fay"],
        "E-mail": ["Ann@X.org", "bob@", "cy@x.org", "bob@", None, "eve@x.org", "cy@x.org",
                   "fay@x.org"],
        "shoe size": ["38", None, "44", None, None, "39", "44", "40"],
    })


def test_rows_in_equals_clean_plus_rejected_with_reasons():
    res = collect_frame(customers_raw(), "customers", source="crm")
    st = res.source_stats.iloc[0]
    assert st.rows_in == 8
    assert st.rows_in == st.rows_clean + st.rows_rejected
    rj = res.rejects.set_index("row")["reason"].to_dict()
    # row 4 repeats row 2 and row 7 repeats row 3 in every column
    assert rj[4] == "exact duplicate of row 2" and rj[7] == "exact duplicate of row 3"
    assert rj[5].startswith("no identifying field")
    assert rj[8] == "missing record_id"
    assert st.duplicates_removed == 2
    clean_rows = set(res.tables["customers"]["source_row"])
    assert clean_rows | set(rj) == set(range(1, 9)) and not clean_rows & set(rj)


def test_duplicate_record_id_with_different_content_is_rejected():
    raw = pd.DataFrame({"id": ["1", "1"], "email": ["a@x.org", "b@x.org"]})
    res = collect_frame(raw, "customers", source="s")
    assert res.rejects["reason"].tolist() == ["record_id '1' already used by row 1"]


def test_duplicates_can_be_kept():
    raw = pd.DataFrame({"email": ["a@x.org", "a@x.org"]})
    res = collect_frame(raw, "customers", source="s", drop_duplicates=False)
    assert res.tables["customers"]["record_id"].tolist() == ["1", "2"]  # row numbers as IDs


def test_unmapped_columns_are_kept_as_attributes():
    res = collect_frame(customers_raw(), "customers", source="crm")
    t = res.tables["customers"]
    attrs = [json.loads(a) for a in t["attributes"]]
    assert attrs[0] == {"shoe size": "38"} and attrs[1] == {}


def test_mapping_inferred_from_common_names():
    m = infer_mapping(["Customer ID", "First Name", "Last Name", "e-mail", "Mobile", "DOB",
                       "ZIP", "Country", "newsletter"], "customers")
    assert m == {"record_id": "Customer ID", "first_name": "First Name",
                 "last_name": "Last Name", "email": "e-mail", "phone": "Mobile",
                 "birth_date": "DOB", "postcode": "ZIP", "country": "Country",
                 "consent_email": "newsletter"}


def test_explicit_mapping_missing_column_names_it():
    with pytest.raises(InputError) as exc:
        collect_frame(customers_raw(), "customers", source="crm", file="crm.csv",
                      mapping={"email": "Email Address"})
    assert exc.value.column == "Email Address" and "crm.csv" in str(exc.value)


def test_activity_without_required_timestamp_column_is_an_error():
    with pytest.raises(InputError, match="required field 'timestamp'"):
        collect_frame(pd.DataFrame({"order": ["1"], "amount": ["3"]}), "transactions",
                      source="shop")


def test_activity_rows_with_bad_timestamps_are_rejected():
    raw = pd.DataFrame({"id": [str(i) for i in range(1, 7)],
                        "date": ["2024-01-01", None, "2024-01-03", "not a date", "2024-01-05",
                                 "2024-01-06"],
                        "amount": ["1", "2", "3", "4", "5", "6"]})
    res = collect_frame(raw, "transactions", source="shop")
    assert res.rejects.set_index("row")["reason"].to_dict() == {2: "missing timestamp",
                                                                 4: "unreadable timestamp"}
    assert res.tables["transactions"]["amount"].sum() == 1 + 3 + 5 + 6


def test_transactions_amount_customer_ref_and_filters():
    raw = pd.DataFrame({"InvoiceNo": ["1", "1", "2", "3"],
                        "InvoiceDate": ["2011-11-30 10:00", "2011-11-30 10:00",
                                        "2011-12-02 09:00", "2011-11-01 12:00"],
                        "Quantity": [2, 3, 1, -1], "UnitPrice": [1.5, 2.0, 4.0, 4.0],
                        "CustomerID": [17850.0, 17850.0, None, 13047.0]})
    filters = [{"field": "quantity", "op": ">", "value": 0},
               {"field": "customer_ref", "op": "notnull"},
               {"field": "timestamp", "op": "<", "value": "2011-12-01"}]
    res = collect_frame(raw, "transactions", source="shop", filters=filters)
    t = res.tables["transactions"]
    assert t["customer_ref"].tolist() == ["17850", "17850"]
    assert t["amount"].tolist() == [3.0, 6.0]
    assert res.rejects["reason"].tolist() == ["filter: customer_ref notnull",
                                              "filter: quantity > 0"]
    assert res.source_stats.iloc[0].rows_filtered == 2


def test_filter_on_unknown_field_is_a_config_error():
    raw = pd.DataFrame({"date": ["2024-01-01"], "amount": ["1"]})
    with pytest.raises(ConfigError, match="discount"):
        collect_frame(raw, "transactions", source="s",
                      filters=[{"field": "discount", "op": ">", "value": 0}])


def test_mixed_type_numeric_column_is_an_input_error():
    raw = pd.DataFrame({"date": ["2024-01-01"] * 6,
                        "amount": ["1", "two", "three", "four", "five", "six"]})
    with pytest.raises(InputError) as exc:
        collect_frame(raw, "transactions", source="s", file="s.csv")
    assert (exc.value.row, exc.value.column) == (2, "amount")


def _write_client(tmp_path, extra_sources=()):
    (tmp_path / "crm.csv").write_text(
        "id;fname;lname;mail;mobile;country\n"
        "1;Ann;Lee;ann@x.org;07911 123456;UK\n"
        "2;مريم;احمدي;m@x.ir;۰۹۱۲۳۴۵۶۷۸۹;Iran\n", encoding="utf-8")
    (tmp_path / "orders.csv").write_text(
        "id,customer_id,date,amount\n10,1,2024-01-05,9.5\n11,2,2024-02-01,3\n")
    data = {"client": "t", "sources": [
        {"name": "crm", "kind": "customers", "path": "crm.csv",
         "formats": {"phone_region": "GB"}},
        {"name": "orders", "kind": "transactions", "path": "orders.csv"},
        *extra_sources]}
    return config_from_dict(data, base_dir=tmp_path)


def test_collect_sources_end_to_end(tmp_path):
    res = collect_sources(_write_client(tmp_path))
    c = res.tables["customers"]
    assert c["country"].tolist() == ["GB", "IR"]
    # The Iranian number is read in the row's country, not the source's default region.
    assert c["phone"].tolist() == ["+447911123456", "+989123456789"]
    assert c["first_name"].tolist() == ["Ann", "مریم"]
    tx = res.tables["transactions"]
    assert tx["customer_source"].tolist() == ["crm", "crm"]  # the only customers source
    assert tx["customer_ref"].tolist() == ["1", "2"]
    assert set(res.catalog["source"]) == {"crm", "orders"}
    assert (res.source_stats["rows_in"] == res.source_stats["rows_clean"]
            + res.source_stats["rows_rejected"]).all()


def test_customer_source_is_none_when_ambiguous(tmp_path):
    (tmp_path / "web.csv").write_text("id,email\n1,w@x.org\n")
    cfg = _write_client(tmp_path, [{"name": "web", "kind": "customers", "path": "web.csv"}])
    tx = collect_sources(cfg).tables["transactions"]
    assert tx["customer_source"].isna().all()


def test_collection_is_deterministic(tmp_path):
    cfg = _write_client(tmp_path)
    a, b = collect_sources(cfg), collect_sources(cfg)
    for kind in a.tables:
        pd.testing.assert_frame_equal(a.tables[kind], b.tables[kind])
    pd.testing.assert_frame_equal(a.catalog, b.catalog)


def test_collect_file_with_options(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("fname|email\nAnn|ann@x.org\n")
    res = collect_file(p, "customers", delimiter="|")
    assert res.table()["first_name"].tolist() == ["Ann"]
    assert res.source_stats["source"].tolist() == ["x"]


def test_source_default_country_fills_customers_without_country_column():
    raw = pd.DataFrame({"id": ["1"], "name": ["علي كريمي"], "mobile": ["09123456789"],
                        "postcode": ["1193614511"]})
    t = collect_frame(raw, "customers", source="tehran",
                      formats={"country": "IR"}).tables["customers"]
    assert t[["country", "phone", "postcode"]].values.tolist() == \
        [["IR", "+989123456789", "11936-14511"]]
