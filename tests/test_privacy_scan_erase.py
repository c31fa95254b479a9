"""Report scanning for raw personal data, and erasure of one customer."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd

from cdmkit.config import config_from_dict
from cdmkit.operations import erase_customer
from cdmkit.privacy import scan_paths, scan_run, scan_text


def test_scan_finds_raw_values_but_not_masked_ones(tmp_path):
    raw = ("<html><td>Maryam Ahmadi</td><td>maryam.ahmadi@mail.test</td>"
           "<td>0912 123 4567</td><td>山田太郎</td></html>")
    masked = ("<html><td>M***** A*****</td><td>m***@mail.test</td>"
              "<td>+98 912 *** **67</td><td>山*** </td></html>")
    (tmp_path / "raw.html").write_text(raw, encoding="utf-8")
    (tmp_path / "masked.html").write_text(masked, encoding="utf-8")
    values = dict(names=["Maryam Ahmadi", "山田太郎"], emails=["maryam.ahmadi@mail.test"],
                  phones=["+989121234567"])
    hits = scan_paths([tmp_path / "raw.html", tmp_path / "masked.html"], **values)
    assert set(hits["file"].map(lambda p: p.rsplit("/", 1)[-1])) == {"raw.html"}
    assert dict(zip(hits["kind"], hits["count"])) == {"email": 1, "name": 2, "phone": 1}
    # Examples in the scan result are masked themselves.
    assert "maryam.ahmadi@" not in hits.to_string()


def test_scan_decodes_html_entities_and_respects_word_boundaries():
    assert scan_text("<td>O&#x27;Brien Sean</td>", names=["O'Brien Sean"])
    assert not scan_text("Markdown Smithfield", names=["Mark Smith"])


def test_scan_run_skips_exports_and_data(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "validation" / "exports").mkdir(parents=True)
    (tmp_path / "validation" / "exports" / "x.csv").write_text("a@b.io\n")
    (tmp_path / "10-collection.html").write_text("nothing here")
    customers = pd.DataFrame({"email": ["a@b.io"], "first_name": ["Ana"], "last_name": ["Lee"]})
    assert scan_run(tmp_path, customers).empty
    (tmp_path / "20-segmentation.html").write_text("<p>Lee Ana bought</p>")
    assert scan_run(tmp_path, customers)["kind"].tolist() == ["name"]


def _make_client(tmp_path):
    cfg = config_from_dict({"client": "acme", "output_dir": str(tmp_path / "reports")},
                           base_dir=tmp_path)
    run = cfg.client_dir / "20260101-000000"
    (run / "data").mkdir(parents=True)
    (run / "validation" / "exports").mkdir(parents=True)
    (run / "summary.json").write_text("{}")
    cfg.client_dir.joinpath("latest").symlink_to(run.name, target_is_directory=True)
    cm = pd.DataFrame({"source": ["crm", "shop", "crm"], "record_id": ["1", "A", "2"],
                       "customer_id": ["C0000001", "C0000001", "C0000002"]})
    cu = pd.DataFrame({"source": ["crm", "shop", "crm"], "record_id": ["1", "A", "2"],
                       "first_name": ["Sara", "Sara", "Reza"],
                       "email": ["sara.k@mail.test", "sara@work.test", "reza@mail.test"],
                       "phone": ["+989121111111", None, "+989122222222"]})
    tx = pd.DataFrame({"customer_source": ["crm", "shop", "crm", "crm"],
                       "customer_ref": ["1", "A", "2", "2"], "amount": [1.0, 2.0, 3.0, 4.0]})
    golden = pd.DataFrame({"customer_id": ["C0000001", "C0000002"],
                           "email": ["sara.k@mail.test", "reza@mail.test"]})
    pairs = pd.DataFrame({"source_l": ["crm"], "record_id_l": ["1"], "source_r": ["shop"],
                          "record_id_r": ["A"], "match_weight": [9.0]})
    for n, df in dict(customer_map=cm, customers=cu, transactions=tx, golden=golden,
                      pairs=pairs).items():
        df.to_parquet(run / "data" / f"{n}.parquet", index=False)
    # A hashed export without IDs (Customer Match) and a plain one with a BOM.
    import hashlib

    h = [hashlib.sha256(e.encode()).hexdigest() for e in ("sara.k@mail.test", "reza@mail.test")]
    pd.DataFrame({"Email": h, "Country": ["IR", "IR"]}).to_csv(
        run / "validation" / "exports" / "gads.csv", index=False)
    pd.DataFrame({"customer_id": ["C0000001", "C0000002"], "email": ["sara.k@mail.test",
                                                                     "reza@mail.test"]}).to_csv(
        run / "validation" / "exports" / "plain.csv", index=False, encoding="utf-8-sig")
    # The store: the linkage ID registry plus a customer table.
    from cdmkit.link.registry_ids import IdRegistry

    reg = IdRegistry(cfg.store_path)
    reg.assign(cm[["source", "record_id"]], np.array([0, 0, 1]), run_id=run.name)
    con = duckdb.connect(str(cfg.store_path))
    con.register("cu", cu)
    con.execute("create table customer_records as select * from cu")
    con.close()
    return cfg, run


def test_erasure_removes_store_rows_outputs_retires_id_and_audits_without_pii(tmp_path):
    cfg, run = _make_client(tmp_path)
    rep = erase_customer(cfg, "C0000001")
    assert rep.retired
    data = run / "data"
    assert pd.read_parquet(data / "customer_map.parquet")["customer_id"].tolist() == ["C0000002"]
    assert pd.read_parquet(data / "customers.parquet")["record_id"].tolist() == ["2"]
    assert pd.read_parquet(data / "transactions.parquet")["customer_ref"].tolist() == ["2", "2"]
    assert pd.read_parquet(data / "golden.parquet")["customer_id"].tolist() == ["C0000002"]
    assert pd.read_parquet(data / "pairs.parquet").empty
    ex = run / "validation" / "exports"
    assert len(pd.read_csv(ex / "gads.csv")) == 1
    assert (ex / "plain.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert pd.read_csv(ex / "plain.csv", encoding="utf-8-sig")["customer_id"].tolist() == \
        ["C0000002"]
    # Store: customer rows gone, registry mappings gone, ID marked retired, never reissued.
    con = duckdb.connect(str(cfg.store_path))
    assert con.execute("select count(*) from customer_records where record_id in ('1','A')"
                       ).fetchone()[0] == 0
    assert con.execute("select count(*) from customer_records").fetchone()[0] == 1
    con.close()
    from cdmkit.link.registry_ids import IdRegistry

    reg = IdRegistry(cfg.store_path)
    assert set(reg.mapping()["customer_id"]) == {"C0000002"}
    status = reg.customers().set_index("customer_id")["status"]
    assert status["C0000001"] == "retired"
    # The erased records are suppressed: the registry refuses them, linkage drops them.
    import pytest

    from cdmkit.errors import CdmkitError
    from cdmkit.link import resolve_identities

    with pytest.raises(CdmkitError, match="erased"):
        reg.assign(pd.DataFrame({"source": ["crm"], "record_id": ["1"]}), np.array([0]),
                   run_id="later")
    cu = pd.DataFrame({"source": ["crm", "shop", "crm"], "record_id": ["1", "A", "2"],
                       "first_name": ["Sara", "Sara", "Reza"],
                       "email": ["sara.k@mail.test", "sara@work.test", "reza@mail.test"]})
    again = resolve_identities(cu, store_path=cfg.store_path, run_id="later")
    assert again.customer_map[["record_id", "customer_id"]].values.tolist() == \
        [["2", "C0000002"]]
    # A new record of the person elsewhere (same e-mail) is suppressed too.
    newcomer = pd.DataFrame({"source": ["newsletter"], "record_id": ["77"],
                             "first_name": ["S."], "email": ["Sara.K@Mail.test "]})
    from cdmkit.privacy.suppression import apply_suppression

    kept, rejects = apply_suppression(newcomer, "customers", cfg.store_path)
    assert kept.empty and rejects["reason"].tolist() == ["erased (suppressed)"]
    assert rejects["value"].isna().all()
    # Audit entry: the ID and counts, no personal values.
    audit = (cfg.client_dir / "erasure_audit.jsonl").read_text(encoding="utf-8")
    entry = json.loads(audit.splitlines()[-1])
    assert entry["customer_id"] == "C0000001" and entry["event"] == "erasure"
    assert entry["rows_removed"] >= 8 and entry["suppressed_identifiers"] >= 4
    for pii in ("Sara", "sara", "mail.test", "work.test", "9121111111"):
        assert pii not in audit


def test_erase_cli(tmp_path):
    from typer.testing import CliRunner

    from cdmkit.cli import app

    cfg, run = _make_client(tmp_path)
    yaml = tmp_path / "acme.yaml"
    yaml.write_text(f"client: acme\noutput_dir: {tmp_path / 'reports'}\n")
    res = CliRunner().invoke(app, ["erase", "--client", str(yaml), "--customer-id", "C0000002"])
    assert res.exit_code == 0, res.output
    assert "erased C0000002" in res.output
    assert pd.read_parquet(run / "data" / "golden.parquet")["customer_id"].tolist() == \
        ["C0000001"]
    res = CliRunner().invoke(app, ["erase", "--client", "nope", "--customer-id", "C1"])
    assert res.exit_code != 0 and "no client 'nope'" in res.output


def test_scan_phone_formats_and_no_false_alarms_on_number_tables():
    phones = ["09121234567", "0000000000"]
    for text in ("(0912) 123-4567", "+98 (912) 123 4567", "0912.123.4567", "+989121234567"):
        assert [h["kind"] for h in scan_text(text, phones=phones)] == ["phone"], text
    table = "7  New customers  5  0.000000  0.000000   0.000000  0.000000  0.121234567"
    assert scan_text(table, phones=phones) == []


def test_scan_text_hostile_text_matches_the_per_position_search():
    """Adjacent addresses, overlapping names and kanji: the prepared scan finds what the
    former scan (pattern at every position, all word n-grams) found, computed with it."""
    from cdmkit.privacy.scan import scan_text

    text = "a@b.cc-x@y.zz and foo..bar@@x.io, Ali Rezaei Ahmadi; 中村花子 ok"
    hits = scan_text(text, names=["Ali Rezaei", "Rezaei Ahmadi", "中村花子", "Rose"],
                     emails=["X@y.zz"], phones=[])
    assert [h["value"] for h in hits] == ["-***@y.zz", "a***@b.cc", "A** R*****",
                                         "R***** A*****", "中***"]
    assert [h["known"] for h in hits] == [False, False, True, True, True]
