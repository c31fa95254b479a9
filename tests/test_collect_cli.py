"""`cdmkit collect FILE`: outputs, summary line, mapping file, one-line errors."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from cdmkit.cli import app


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_collect_writes_outputs_and_summary(tmp_path):
    p = tmp_path / "people.csv"
    p.write_text("fname,lname,e-mail,mobile,dob,zip\n"
                 "Ann,Lee,Ann@X.org,07911 123456,1984-03-07,sw1a1aa\n"
                 "Ann,Lee,Ann@X.org,07911 123456,1984-03-07,sw1a1aa\n"
                 "Bob,Ray,bob@,07911 654321,1990-01-01,LS1 4AP\n", encoding="utf-8")
    r = run("collect", p, "--kind", "customers", "--out", tmp_path / "out",
            "--phone-region", "GB")
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "rows_in=3 rows_clean=2 rows_rejected=1"
    clean = pd.read_parquet(tmp_path / "out" / "clean.parquet")
    assert clean["email"].tolist() == ["ann@x.org", "bob@"]
    assert clean["email_valid"].tolist() == [True, False]
    assert clean["phone"][0] == "+447911123456"
    rejects = pd.read_csv(tmp_path / "out" / "rejects.csv")
    assert rejects[["row", "reason"]].values.tolist() == [[2, "exact duplicate of row 1"]]
    catalog = pd.read_csv(tmp_path / "out" / "catalog.csv")
    assert catalog["field"].tolist() == ["fname", "lname", "e-mail", "mobile", "dob", "zip"]


def test_mapping_file_overrides_inference(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("Vorname;Kontakt\nAnna;anna@x.de\n", encoding="utf-8")
    m = tmp_path / "map.yaml"
    m.write_text("first_name: Vorname\nemail: Kontakt\n")
    r = run("collect", p, "--kind", "customers", "--out", tmp_path / "o", "--mapping", m)
    assert r.exit_code == 0, r.output
    assert pd.read_parquet(tmp_path / "o" / "clean.parquet")["email"].tolist() == ["anna@x.de"]


def test_encoding_delimiter_and_sheet_options(tmp_path):
    p = tmp_path / "w.csv"
    p.write_bytes("name|city\nZoë|Köln\n".encode("cp1252"))
    r = run("collect", p, "--kind", "customers", "--out", tmp_path / "o",
            "--encoding", "cp1252", "--delimiter", "|")
    assert r.exit_code == 0, r.output
    x = tmp_path / "w.xlsx"
    with pd.ExcelWriter(x) as w:
        pd.DataFrame({"a": [1]}).to_excel(w, sheet_name="first", index=False)
        pd.DataFrame({"email": ["a@b.org"]}).to_excel(w, sheet_name="people", index=False)
    r = run("collect", x, "--kind", "customers", "--out", tmp_path / "o2", "--sheet", "people")
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "rows_in=1 rows_clean=1 rows_rejected=0"


def test_bad_input_is_one_line_and_non_zero(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("id,name,name\n1,Ann,A\n2,Bob,B\n")
    r = CliRunner().invoke(app, ["collect", str(p), "--kind", "customers", "--out",
                                 str(tmp_path / "o")])
    assert r.exit_code != 0
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "bad.csv" in lines[0] and "column name" in lines[0]
    assert "Traceback" not in r.output


def test_bad_rows_go_to_the_rejects_not_the_exit_code(tmp_path):
    p = tmp_path / "ragged.csv"
    p.write_text("id,name\n1,Ann\n2,Bob,extra\n")
    r = CliRunner().invoke(app, ["collect", str(p), "--kind", "customers", "--out",
                                 str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert r.output.strip().splitlines()[-1] == "rows_in=2 rows_clean=1 rows_rejected=1"
    rejects = pd.read_csv(tmp_path / "o" / "rejects.csv")
    assert rejects[["row", "reason"]].values.tolist() == [
        [2, "ragged row: 3 fields where the header has 2"]]


def test_unknown_kind_and_missing_file(tmp_path):
    r = run("collect", tmp_path / "none.csv", "--kind", "customers", "--out", tmp_path / "o")
    assert r.exit_code != 0 and "not found" in r.output
    p = tmp_path / "a.csv"
    p.write_text("a\n1\n")
    r = run("collect", p, "--kind", "buyers", "--out", tmp_path / "o")
    assert r.exit_code != 0 and "unknown kind" in r.output


def test_duckdb_file_with_table(tmp_path):
    import duckdb

    p = tmp_path / "shop.duckdb"
    with duckdb.connect(str(p)) as con:
        con.execute("create table orders as select 1 as id, 7 as customer_id, "
                    "timestamp '2024-01-05 10:00' as order_date, 9.5 as amount")
    r = run("collect", p, "--kind", "transactions", "--out", tmp_path / "o", "--table", "orders")
    assert r.exit_code == 0, r.output
    clean = pd.read_parquet(tmp_path / "o" / "clean.parquet")
    assert clean[["customer_ref", "amount"]].values.tolist() == [["7", 9.5]]


def test_on_bad_rows_error_stops_with_one_line(tmp_path):
    p = tmp_path / "ragged.csv"
    p.write_text("id,name\n1,Ann\n2,Bob,extra\n3,Cy\n")
    r = CliRunner().invoke(app, ["collect", str(p), "--kind", "customers", "--out",
                                 str(tmp_path / "o"), "--on-bad-rows", "error"])
    assert r.exit_code == 1
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "row 2" in lines[0] and "ragged row" in lines[0]
