"""Hostile input files: every one loads with every row accounted for and no value changed
unflagged, or fails with one line naming the file (and row and column where known).

The corpus and the expected outcome of each file live in ``tests/fixtures/hostile/corpus.py``
(``python tests/fixtures/hostile/corpus.py OUT`` writes the files and a manifest).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cdmkit.cli import app
from cdmkit.collect import collect_file
from cdmkit.errors import InputError

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "hostile"))
import corpus  # noqa: E402

CASES = corpus.cases()
FIELD_OF = {"id": "record_id"}


def _collect(case, tmp_path):
    p = tmp_path / case.name
    p.write_bytes(case.data)
    return p, collect_file(p, "customers")


@pytest.mark.parametrize("case", [c for c in CASES if c.expect == "error"], ids=lambda c: c.name)
def test_hostile_file_fails_with_one_clear_line(case, tmp_path):
    p = tmp_path / case.name
    p.write_bytes(case.data)
    with pytest.raises(InputError) as exc:
        collect_file(p, "customers")
    msg = str(exc.value)
    assert case.error in msg and case.name in msg and "\n" not in msg
    r = CliRunner().invoke(app, ["collect", str(p), "--kind", "customers", "--out",
                                 str(tmp_path / "out")])
    assert r.exit_code == 1
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and case.error in lines[0]
    assert "Traceback" not in r.output


@pytest.mark.parametrize("case", [c for c in CASES if c.expect == "load"], ids=lambda c: c.name)
def test_hostile_file_loads_every_row_accounted_for(case, tmp_path):
    p, res = _collect(case, tmp_path)
    st = res.source_stats.iloc[0]
    assert st.rows_in == st.rows_clean + st.rows_rejected
    assert (st.rows_clean, st.rows_rejected) == (case.clean, case.rejected), \
        res.rejects[["row", "reason"]].values.tolist()
    assert len(res.rejects) == case.rejected and res.rejects["row"].notna().all()
    for want in case.reasons:
        assert any(want in r for r in res.rejects["reason"]), (want, res.rejects["reason"])
    if case.warn:
        assert any(case.warn in w for w in res.warnings["reason"]), res.warnings
    if case.encoding:
        assert st.encoding == case.encoding
    t = res.table()
    # No value changed: every clean row holds exactly the text the file was written from.
    for rec in t.to_dict("records"):
        intended = case.rows[int(rec["source_row"])]
        for col, text in intended.items():
            field = FIELD_OF.get(col, col)
            got = rec["record_id"] if field == "record_id" else rec[f"{field}_raw"]
            got = None if pd.isna(got) else got  # pandas 3's str dtype: missing is NaN
            assert got == (text or None), (rec["source_row"], col, got, text)
    by_id = t.set_index("record_id", drop=False)
    for (rid, col), value in case.checks.items():
        got = by_id.loc[rid, col]
        assert (None if pd.isna(got) else got) == value, (rid, col, got)
    if case.clean == 0:
        assert len(t) == 0
    # The command line says the same, in one line of counts (warnings go to stderr).
    r = CliRunner().invoke(app, ["collect", str(p), "--kind", "customers", "--out",
                                 str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert f"rows_in={int(st.rows_in)} rows_clean={case.clean} " \
           f"rows_rejected={case.rejected}" in r.output
    assert "Traceback" not in r.output


def test_uncertain_decoding_is_said_in_the_output_and_the_catalogue(tmp_path):
    case = next(c for c in CASES if c.name == "cp1256_one_row.csv")
    _, res = _collect(case, tmp_path)
    st = res.source_stats.iloc[0]
    assert st.encoding == "cp1256" and st.encoding_confidence < 0.5
    assert any("encoding uncertain" in w for w in res.warnings["reason"])
    assert (res.catalog["encoding"] == "cp1256").all()
    assert (res.catalog["encoding_confidence"] < 0.5).all()


def test_rejected_bytes_name_row_and_column(tmp_path):
    case = next(c for c in CASES if c.name == "utf8_even_length_bad_byte.csv")
    _, res = _collect(case, tmp_path)
    [rej] = res.rejects.to_dict("records")
    assert rej["column"] == "last_name" and rej["field"] == "last_name"
    assert rej["row"] == next(r for r, v in enumerate(case.rows, 1) if r not in case.rows)


def test_bad_bytes_can_be_replaced_and_flagged_instead(tmp_path):
    case = next(c for c in CASES if c.name == "utf8_even_length_bad_byte.csv")
    p = tmp_path / case.name
    p.write_bytes(case.data)
    res = collect_file(p, "customers", on_bad_bytes="replace")
    st = res.source_stats.iloc[0]
    assert (st.rows_clean, st.rows_rejected) == (50, 0)
    flagged = res.warnings.dropna(subset=["row"])
    assert flagged[["column", "reason"]].values.tolist() == [
        ["last_name", "bytes that are not valid utf-8 replaced by U+FFFD"]]
    row = int(flagged["row"].iloc[0])
    assert "\ufffd" in res.table().set_index("source_row").loc[row, "last_name_raw"]


def test_nested_parquet_values_become_json_text(tmp_path):
    case = next(c for c in CASES if c.name == "nested_struct_list_map.parquet")
    _, res = _collect(case, tmp_path)
    attrs = [json.loads(a) for a in res.table()["attributes"]]
    assert json.loads(attrs[0]["profile"]) == {"city": "Leeds", "geo": {"lat": 53.8}}
    assert json.loads(attrs[0]["tags"]) == ["a", "b"]
    assert json.loads(attrs[0]["props"]) == {"k": "v"}


def test_manifest_is_written_with_the_files(tmp_path):
    written = corpus.write(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert [m["name"] for m in manifest] == [c.name for c in written]
    assert len(manifest) >= 30
    assert all((tmp_path / m["name"]).stat().st_size == len(c.data)
               for m, c in zip(manifest, written))


# -- properties: what is written is what is read --------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cdmkit.collect.encoding import detect_encoding  # noqa: E402
from cdmkit.collect.loaders import CsvLoader  # noqa: E402

_ALPHABETS = {
    "cp1252": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèàüöäçñáíóúøåßÉÖÜ '-.",
    "cp1256": "علمحسنكريفاطهزبدتپچژگ ",
    "cp932": "田中鈴木佐藤高橋太郎花子東京大阪山本さくらひろしヤマダタロウ ",
    "cp1251": "абвгдежзийклмнопрстуфхцчшщыэюяИванПетровМария ",
}
_SETTINGS = settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


def _write_csv(rows, delim, eol, enc, path):
    import csv
    import io as _io

    buf = _io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delim, lineterminator=eol)
    w.writerow(["id", "name", "city"])
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(enc))


@_SETTINGS
@given(data=st.data(), delim=st.sampled_from([",", ";", "\t", "|"]),
       eol=st.sampled_from(["\n", "\r\n", "\r"]),
       enc=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le"]))
def test_unicode_files_round_trip_exactly(tmp_path, data, delim, eol, enc):
    text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)
    rows = data.draw(st.lists(st.tuples(st.integers(0, 10**6).map(str), text, text),
                              min_size=1, max_size=15))
    p = tmp_path / "u.csv"
    _write_csv(rows, delim, eol, enc, p)
    df = CsvLoader(delimiter=delim).load(p)
    assert df.values.tolist() == [list(r) for r in rows]


@_SETTINGS
@given(data=st.data(), enc=st.sampled_from(sorted(_ALPHABETS)),
       delim=st.sampled_from([",", ";", "\t", "|"]), eol=st.sampled_from(["\n", "\r\n", "\r"]))
def test_legacy_files_are_read_intact_or_flagged_uncertain(tmp_path, data, enc, delim, eol):
    word = st.text(st.sampled_from(_ALPHABETS[enc]), min_size=1, max_size=10).map(str.strip) \
        .filter(bool)
    rows = data.draw(st.lists(st.tuples(st.integers(0, 10**6).map(str), word, word),
                              min_size=1, max_size=30))
    p = tmp_path / "l.csv"
    _write_csv(rows, delim, eol, enc, p)
    loader = CsvLoader()
    df = loader.load(p)
    intact = loader.delimiter_ == delim and df.values.tolist() == [list(r) for r in rows]
    # No silent corruption: a wrong reading is always reported as uncertain.
    assert intact or loader.encoding_confidence_ < 0.5, (loader.encoding_, rows[:3])


@_SETTINGS
@given(lines=st.lists(st.tuples(st.booleans(), st.sampled_from(
    ["José Núñez", "Zoë Müller", "François", "Renée", "Ångström"])), min_size=1, max_size=20))
def test_mixed_utf8_and_cp1252_lines_decode_per_line(lines):
    data = b"id,name\n" + b"".join(f"{i},{t}\n".encode("utf-8" if u else "cp1252")
                                   for i, (u, t) in enumerate(lines))
    guess = detect_encoding(data)
    if all(u for u, _ in lines):
        assert guess.encoding == "utf-8" and not guess.mixed
    elif any(u for u, _ in lines):
        assert guess.encoding == "utf-8" and guess.mixed and guess.fallback == "cp1252"
    else:
        assert guess.encoding == "cp1252"
