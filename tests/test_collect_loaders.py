"""Loaders: every format reads the same rows, and bad input fails with file, row and column."""

from __future__ import annotations

import json
import sqlite3

import duckdb
import pandas as pd
import pytest

from cdmkit.collect import collect_file
from cdmkit.collect.loaders import (CsvLoader, DuckDBLoader, ExcelLoader, JsonLinesLoader,
                                    JsonLoader, ParquetLoader, SqlLoader)
from cdmkit.errors import InputError
from cdmkit.registry import loaders

ROWS = [{"id": "1", "name": "Ann Lee", "city": "Leeds"},
        {"id": "2", "name": "مریم احمدی", "city": "تهران"},
        {"id": "3", "name": "山田 太郎", "city": "東京"}]
EXPECTED = pd.DataFrame(ROWS)


def _as_text(df):
    return df.astype(str).reset_index(drop=True)


def test_builtin_loaders_are_registered():
    for name in ["csv", "tsv", "excel", "parquet", "json", "jsonl", "sql", "duckdb"]:
        assert name in loaders


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_csv_delimiter_is_sniffed(tmp_path, delim):
    p = tmp_path / "c.csv"
    EXPECTED.to_csv(p, sep=delim, index=False)
    loader = CsvLoader()
    df = loader.load(p)
    assert loader.delimiter_ == delim
    pd.testing.assert_frame_equal(_as_text(df), EXPECTED)


def test_csv_quoted_newlines_and_empty_fields(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text('id,note,city\n1,"two\nlines",\n2,"a, b",Kyoto\n', encoding="utf-8")
    df = CsvLoader().load(p)
    assert df["note"].tolist() == ["two\nlines", "a, b"]
    assert df["city"].isna().tolist() == [True, False]


def test_excel_sheet_by_name_and_index(tmp_path):
    p = tmp_path / "w.xlsx"
    with pd.ExcelWriter(p) as w:
        pd.DataFrame({"x": [1]}).to_excel(w, sheet_name="other", index=False)
        EXPECTED.to_excel(w, sheet_name="contacts", index=False)
    by_name = ExcelLoader(sheet="contacts").load(p)
    by_index = ExcelLoader(sheet=1).load(p)
    pd.testing.assert_frame_equal(_as_text(by_name), EXPECTED)
    pd.testing.assert_frame_equal(_as_text(by_index), EXPECTED)
    with pytest.raises(InputError, match="no sheet 'nope'.*contacts"):
        ExcelLoader(sheet="nope").load(p)


def test_parquet_json_jsonl(tmp_path):
    EXPECTED.to_parquet(tmp_path / "c.parquet")
    (tmp_path / "c.json").write_text(json.dumps(ROWS, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False)
                                                for r in ROWS) + "\n", encoding="utf-8")
    for loader, name in [(ParquetLoader(), "c.parquet"), (JsonLoader(), "c.json"),
                         (JsonLinesLoader(), "c.jsonl")]:
        pd.testing.assert_frame_equal(_as_text(loader.load(tmp_path / name)), EXPECTED)


def test_json_nested_objects_are_flattened(tmp_path):
    p = tmp_path / "n.json"
    p.write_text(json.dumps({"items": [{"id": 1, "address": {"city": "Kyoto"}}]}))
    df = JsonLoader().load(p)
    assert df.columns.tolist() == ["id", "address.city"]


def test_jsonl_bad_line_names_the_row(tmp_path):
    p = tmp_path / "e.jsonl"
    p.write_text('{"id": 1}\n{"id": 2}\n{"id": \n')
    with pytest.raises(InputError) as exc:
        JsonLinesLoader(on_bad_rows="error").load(p)
    assert exc.value.row == 3
    loader = JsonLinesLoader()  # by default the line is rejected, the others kept
    assert loader.load(p)["id"].tolist() == [1, 2]
    assert [r for r, _, _ in loader.bad_rows_] == [3]


def test_sqlite_table_and_query(tmp_path):
    p = tmp_path / "crm.db"
    with sqlite3.connect(p) as con:
        pd.DataFrame(ROWS).to_sql("contacts", con, index=False)
    assert _as_text(SqlLoader(table="contacts").load(p)).equals(EXPECTED)
    q = SqlLoader(query="select name from contacts where id = '2'").load(p)
    assert q["name"].tolist() == ["مریم احمدی"]
    with pytest.raises(InputError, match="exactly one of options.query or options.table"):
        SqlLoader(table="contacts", query="select 1").load(p)
    with pytest.raises(InputError, match="query failed"):
        SqlLoader(table="missing_table").load(p)


def test_sql_url_from_environment(tmp_path, monkeypatch):
    p = tmp_path / "crm.db"
    with sqlite3.connect(p) as con:
        pd.DataFrame(ROWS).to_sql("contacts", con, index=False)
    monkeypatch.setenv("CRM_URL", f"sqlite:///{p}")
    assert len(SqlLoader(url_env="CRM_URL", table="contacts").load()) == 3
    monkeypatch.delenv("CRM_URL")
    with pytest.raises(InputError, match="CRM_URL"):
        SqlLoader(url_env="CRM_URL", table="contacts").load()


def test_duckdb_table_and_query(tmp_path):
    p = tmp_path / "s.duckdb"
    frame = pd.DataFrame(ROWS)
    with duckdb.connect(str(p)) as con:
        con.execute("create table contacts as select * from frame")
    assert _as_text(DuckDBLoader(table="contacts").load(p)).equals(EXPECTED)
    assert DuckDBLoader(query="select count(*) as n from contacts").load(p)["n"][0] == 3


# -- bad input ----------------------------------------------------------------------------
def test_empty_and_header_only_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header = tmp_path / "header.csv"
    header.write_text("id,name\n")
    with pytest.raises(InputError, match="empty.csv: file is empty"):
        CsvLoader().load(empty)
    # A header without rows is a valid, empty source: 0 rows and one warning, no abort.
    df = CsvLoader().load(header)
    assert df.columns.tolist() == ["id", "name"] and len(df) == 0
    assert df.attrs["warnings"] == [(None, None, "no data rows (only a header)")]


def test_duplicated_header_names_the_column(tmp_path):
    p = tmp_path / "dup.csv"
    p.write_text("id,email,email\n1,a@b.org,c@d.org\n")
    with pytest.raises(InputError) as exc:
        CsvLoader().load(p)
    assert exc.value.column == "email" and "duplicated" in str(exc.value)


def test_ragged_rows_name_the_row(tmp_path):
    p = tmp_path / "ragged.csv"
    p.write_text("id,name,city\n1,Ann,Leeds\n2,Bob,York\n3,Cy\n4,Di,Hull\n")
    with pytest.raises(InputError) as exc:
        CsvLoader(on_bad_rows="error").load(p)
    assert exc.value.row == 3
    assert "2 fields where the header has 3" in str(exc.value)


def test_ragged_rows_can_be_rejected_keeping_row_numbers(tmp_path):
    p = tmp_path / "ragged.csv"
    p.write_text("id,name,city\n1,Ann,Leeds\n2,Bob,York,extra\n3,Cy,Hull\n")
    res = collect_file(p, "customers")  # on_bad_rows: reject is the default
    assert res.table()["source_row"].tolist() == [1, 3]
    assert res.table()["record_id"].tolist() == ["1", "3"]
    assert res.rejects["row"].tolist() == [2]
    st = res.source_stats.iloc[0]
    assert (st.rows_in, st.rows_clean, st.rows_rejected) == (3, 2, 1)


def test_huge_field_rejects_its_row(tmp_path):
    p = tmp_path / "huge.csv"
    p.write_text("id,note\n1,ok\n2," + "x" * 5000 + "\n3,fine\n")
    loader = CsvLoader(max_field_size=1000)
    assert loader.load(p)["id"].tolist() == ["1", "3"]
    [(row, why, column)] = loader.bad_rows_
    assert (row, column) == (2, "note") and "max_field_size" in why
    with pytest.raises(InputError) as exc:
        CsvLoader(max_field_size=1000, on_bad_rows="error").load(p)
    assert (exc.value.row, exc.value.column) == (2, "note")


def test_unbalanced_quote_rejects_its_line_not_the_rest(tmp_path):
    p = tmp_path / "quote.csv"
    p.write_text('id,note\n1,"unclosed\n2,b\n3,c\n')
    loader = CsvLoader()
    assert loader.load(p)["id"].tolist() == ["2", "3"]
    assert [(r, "unbalanced quote" in why) for r, why, _ in loader.bad_rows_] == [(1, True)]


def test_missing_file_and_unknown_option(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        CsvLoader().load(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="unknown option 'sheet'"):
        CsvLoader(sheet=1)
