"""Encodings: Windows and Unicode exports of Persian, Japanese and Western text read back."""

from __future__ import annotations

import pytest

from cdmkit.collect import collect_file, sniff_encoding
from cdmkit.collect.loaders import CsvLoader
from cdmkit.errors import InputError

# cp1256 has no Persian yeh/kaf: Windows exports hold the Arabic letters.
PERSIAN_WIN = "id,name,city\n1,علي كريمي,شيراز\n2,فاطمة رضائي,تهران\n3,مريم احمدي,كرج\n"
JAPANESE = "id,name,city\n1,山田 太郎,東京都\n2,佐藤 花子,大阪府\n3,ｽｽﾞｷ ｹﾝｼﾞ,名古屋市\n"
WESTERN = "id,name,city\n1,Zoë Müller,Köln\n2,François Lefèvre,Besançon\n3,José Núñez,Málaga\n"


@pytest.mark.parametrize("text,encoding", [
    (PERSIAN_WIN, "cp1256"), (JAPANESE, "cp932"), (JAPANESE, "euc-jp"), (WESTERN, "cp1252"),
    (PERSIAN_WIN, "utf-16"), (JAPANESE, "utf-8-sig"), (WESTERN, "utf-8"),
])
def test_encoding_is_sniffed_and_text_read_back(tmp_path, text, encoding):
    p = tmp_path / "f.csv"
    p.write_bytes(text.encode(encoding))
    loader = CsvLoader()
    df = loader.load(p)
    expected = [line.split(",")[1] for line in text.strip().splitlines()[1:]]
    assert df["name"].tolist() == expected
    assert df.columns.tolist() == ["id", "name", "city"]  # no BOM left in the first name


def test_sniff_prefers_cp1256_for_arabic_letters_and_cp1252_for_latin():
    assert sniff_encoding(PERSIAN_WIN.encode("cp1256")) == "cp1256"
    assert sniff_encoding(WESTERN.encode("cp1252")) == "cp1252"
    assert sniff_encoding(JAPANESE.encode("euc-jp")) == "euc-jp"


def test_explicit_encoding_overrides_sniffing(tmp_path):
    p = tmp_path / "f.csv"
    p.write_bytes(WESTERN.encode("cp1252"))
    df = CsvLoader(encoding="latin-1").load(p)
    assert df["name"][0] == "Zoë Müller"  # the same bytes mean the same here
    df = CsvLoader(encoding="cp1253").load(p)  # Greek: 0xEB is lambda
    assert df["name"][0] != "Zoë Müller"  # the override is obeyed, not second-guessed


def test_wrong_explicit_encoding_is_a_clear_error(tmp_path):
    p = tmp_path / "f.csv"
    p.write_bytes(JAPANESE.encode("utf-16"))
    with pytest.raises(InputError) as exc:
        CsvLoader(encoding="utf-8").load(p)
    assert "f.csv" in str(exc.value) and "utf-8" in str(exc.value)
    with pytest.raises(InputError, match="unknown encoding"):
        CsvLoader(encoding="klingon-8").load(p)


def test_windows_persian_export_is_standardised(tmp_path):
    p = tmp_path / "tehran.csv"
    p.write_bytes(PERSIAN_WIN.encode("cp1256"))
    res = collect_file(p, "customers")
    t = res.table()
    # Arabic yeh/kaf/teh marbuta become Persian letters after cleaning.
    assert t["full_name"][0] == "علی کریمی"
    assert t["full_name"][1] == "فاطمه رضائی"
    assert t["first_name"][0] == "علی" and t["last_name"][0] == "کریمی"
    assert t["full_name_raw"][0] == "علي كريمي"
