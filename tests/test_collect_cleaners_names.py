"""Name cleaning: Latin, Persian and Japanese variants of one name get one key; titles split off."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.base import clone

from cdmkit.collect import NameCleaner, split_full_name, text_key
from cdmkit.collect.textnorm import normalize_persian


def clean(values, **kw):
    v, x = NameCleaner(**kw).transform_full(pd.Series(values, dtype=object))
    return v.tolist(), x


@pytest.mark.parametrize("variants", [
    # Arabic yeh/kaf vs Persian yeh/keheh; teh marbuta vs heh
    ["علي كريمي", "علی کریمی"],
    ["فاطمة", "فاطمه"],
    # diacritics and tatweel
    ["مُحَمَّد", "محمد", "محـــمد"],
    # zero-width non-joiner vs space vs nothing inside compound names
    ["عبد\u200cالله", "عبد الله", "عبدالله"],
    # Japanese: full-width/half-width katakana and hiragana
    ["ヤマダ", "ﾔﾏﾀﾞ", "やまだ"],
    # Latin: case and accents
    ["Zoë Müller", "ZOE MULLER", "zoe muller"],
])
def test_variants_share_one_key(variants):
    _, x = clean(variants)
    assert len(set(x["key"])) == 1, x["key"].tolist()


def test_different_names_keep_different_keys():
    _, x = clean(["علی", "علیرضا", "Anne", "Anna"])
    assert x["key"].nunique() == 4


def test_persian_normalisation_letters_digits_zwnj():
    assert normalize_persian("كيك") == "کیک"
    assert normalize_persian("۱۲۳٤٥") == "12345"
    assert normalize_persian("\u200cعلی\u200c\u200c رضا\u200c") == "علی رضا"
    assert "\u0640" not in normalize_persian("سـلام")


def test_original_kept_beside_clean_value_in_pipeline():
    from cdmkit.collect import collect_frame

    raw = pd.DataFrame({"id": ["1"], "first_name": ["  علي "], "last_name": ["ｽｽﾞｷ"]})
    t = collect_frame(raw, "customers", source="s").tables["customers"]
    assert t["first_name"][0] == "علی" and t["first_name_raw"][0] == "  علي "
    assert t["last_name"][0] == "スズキ" and t["last_name_raw"][0] == "ｽｽﾞｷ"
    assert t["last_name_key"][0] == text_key("すずき")


def test_titles_and_suffixes_are_split_off():
    v, x = clean(["Dr. Jane Smith", "JOHN SMITH JR.", "خانم مریم احمدی", "山田様"])
    assert v == ["Jane Smith", "John Smith", "مریم احمدی", "山田"]
    assert x["title"].tolist() == ["Dr", None, "خانم", None]
    assert x["suffix"].tolist() == [None, "JR", None, "様"]


def test_single_word_title_like_name_is_not_emptied():
    v, _ = clean(["Miss"])
    assert v == ["Miss"]


@pytest.mark.parametrize("raw,expected", [
    ("ANNE-MARIE VAN DER BERG", "Anne-Marie van der Berg"),
    ("o'brien", "O'Brien"),
    ("mcdonald", "McDonald"),
    ("DeVito", "DeVito"),        # mixed case is the customer's own spelling
    ("  José   da  Silva ", "José da Silva"),
])
def test_latin_case_and_particles(raw, expected):
    assert clean([raw])[0] == [expected]


def test_split_full_name_by_script():
    first, last = split_full_name(pd.Series(["Anne van der Berg", "山田 太郎", "مریم احمدی",
                                             "Cher", None], dtype=object))
    assert first.tolist() == ["Anne", "太郎", "مریم", None, None]
    assert last.tolist() == ["van der Berg", "山田", "احمدی", "Cher", None]


def test_cleaner_is_a_sklearn_estimator():
    c = NameCleaner(split_titles=False)
    assert c.get_params() == {"split_titles": False, "fix_case": True}
    c2 = clone(c).set_params(fix_case=False)
    assert c2.fit(pd.Series(["ann"])) is c2
    assert c2.transform(pd.Series(["ann"])).tolist() == ["ann"]


def test_split_last_comma_first():
    first, last = split_full_name(pd.Series(["HILTON, Stuart", "van Dijk, Anna"]))
    assert first.tolist() == ["Stuart", "Anna"] and last.tolist() == ["HILTON", "van Dijk"]


def test_persian_compound_family_names_written_with_a_space():
    """Tills drop the half-space of ``ابراهیم‌پور``: the suffix is not a surname of its own."""
    cleaned = NameCleaner().transform(pd.Series(["سپیده ابراهیم پور", "لادن مراد\u200cنیا",
                                                 "پوریا کریمی", "رضا زاده"], dtype=object))
    first, last = split_full_name(cleaned)
    assert first.tolist() == ["سپیده", "لادن", "پوریا", None]
    assert last.tolist() == ["ابراهیم\u200cپور", "مراد\u200cنیا", "کریمی", "رضا\u200cزاده"]
    # the key of the compound does not depend on the half-space or the space
    keys = NameCleaner().transform_full(pd.Series(["ابراهیم پور", "ابراهیم\u200cپور",
                                                   "ابراهیمپور"], dtype=object))[1]
    assert pd.Series(keys["key"]).nunique() == 1
