"""Cross-field and cross-script name evidence (cdmkit.link.crossname) and the cross blocking rule.

Expected values are written by hand from the definitions (consonant skeletons, which
name stands in which e-mail address), not taken from running the code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdmkit.link import score_and_cluster
from cdmkit.link.blocking import cross_token_pairs
from cdmkit.link.comparators import EmailComparator, NameComparator
from cdmkit.link.crossname import EmailNameComparator, add_name_keys, name_script, skeleton
from cdmkit.link.settings import BlockingRule, infer_settings


@pytest.mark.parametrize("latin, other", [
    ("Kamrani", "کامرانی"), ("Ghorbani", "قربانی"), ("Mohammad", "محمد"),
    ("Tehrani", "تهرانی"), ("Mozhgan", "مژگان"), ("Shimizu", "シミズ"), ("kumiko", "くみこ"),
    ("Hosseini", "حسيني"),  # Arabic-keyboard yeh
    ("Rezanejad", "رضا\u200cنژاد"), ("Rezanezhad", "رضانژاد"),  # ژ written j or zh
    ("Qasemi", "قاسمی"),
])
def test_skeleton_is_script_insensitive(latin, other):
    assert skeleton(latin) == skeleton(other) != ""


def test_skeleton_keeps_kanji_and_separates_names():
    assert skeleton("清水") == "清水"
    assert skeleton("Smith") != skeleton("Jones")
    assert name_script(skeleton("清水")) == "H"


def _levels(rows):
    rec = add_name_keys(pd.DataFrame(rows, columns=["first_name", "last_name", "email"]))
    v = rec["_lk_email_name"]
    c = EmailNameComparator("_lk_email_name")
    return c.compare(v.iloc[[0]], v.iloc[[1]]).tolist()[0], c.level_names


def test_email_name_levels():
    full, names = _levels([["Edgar", "Oliver", None], [None, None, "edgar_oliver92@x.com"]])
    assert names[full] == "full_name"
    sur, _ = _levels([["امیر", "صادقی", None], [None, None, "a.sadeghi@chmail.ir"]])
    assert names[sur] == "surname"
    other, _ = _levels([["Edgar", "Oliver", None], [None, None, "zz.brown@x.com"]])
    assert names[other] == "else"
    # both records carry their own full names in one script: the name comparisons decide
    na, _ = _levels([["Ann", "Lee", "ann.lee@x.com"], ["Ann", "Lee", "ann.lee@y.com"]])
    assert na == -1
    # a surname made of the first name (Farhad Farhadi) does not count alone
    weak, _ = _levels([["Farhad", "Farhadi", None], ["فرهاد", None, "farhad_najafi@x.ir"]])
    assert names[weak] == "else"


def test_unsplit_japanese_name_matches_surname_plus_given_name():
    lv, names = _levels([[None, "岡本桃子", None], ["桃子", "岡本", "m.okamoto@x.jp"]])
    assert names[lv] == "full_name"


def test_name_comparator_across_scripts():
    c = NameComparator("first_name", nicknames=True)
    lv = c.compare(pd.Series(["Bahareh", "淳", "Sara"]),
                   pd.Series(["بهاره", "ジュン", "مینا"])).tolist()
    assert lv[0] == 1               # same name in two scripts: close, not different
    assert lv[1] == -1              # kanji vs kana: cannot be compared, so missing
    assert lv[2] == c.else_level    # different names in two scripts


def test_email_shared_address_level():
    c = EmailComparator("email", shared_level=True)
    lv = c.compare(pd.Series(["bryant.family@x.com", "thelees@x.com", "ann.lee@x.com"]),
                   pd.Series(["bryant.family@x.com", "thelees@x.com", "ann.lee@x.com"]))
    names = [c.level_names[k] for k in lv]
    assert names == ["exact_shared_address", "exact_shared_address", "exact"]


def test_cross_token_pairs_pair_only_across_columns():
    # record 0's surname token "lee" is in record 2's e-mail tokens; record 1 shares a
    # surname with 0 but that is not a cross match
    left = pd.Series(["lee", "lee", None, "kim"])
    right = pd.Series([None, None, "ann lee", "kim"])  # record 3 pairs only with itself
    pairs, skipped = cross_token_pairs(left, right)
    assert pairs.tolist() == [[0, 2], [1, 2]] and skipped == 0
    pairs, skipped = cross_token_pairs(left, right, max_block_size=1)
    assert pairs.tolist() == [] and skipped == 3  # "lee": 2 records on the left side


def test_inferred_settings_use_cross_evidence():
    rec = add_name_keys(pd.DataFrame({
        "record_id": list("abcd"), "first_name": ["Edgar", None, "Anna", "Bo"],
        "last_name": ["Oliver", None, "Smith", "Li"],
        "email": [None, "edgar_oliver92@x.com", "anna@y.com", "bo@z.com"]}))
    s = infer_settings(rec)
    assert "email_name" in [c.name for c in s.comparisons]
    assert any(r.on == ("_lk_name_tokens", "_lk_email_tokens") and r.method == "cross"
               for r in s.blocking_rules)


def test_sign_up_record_finds_the_person_named_in_its_email():
    """A newsletter record (first name + e-mail) joins the shop record of the named person,
    not the namesake-free strangers; derived columns never leave the stage."""
    rng = np.random.default_rng(0)
    first = ["Edgar", "Maria", "Tom", "Lucy", "Omar", "Ines", "Paul", "Rita", "Ugo", "Vera"]
    last = ["Oliver", "Stone", "Hardy", "Gray", "Nasser", "Lopez", "Klee", "Moreno", "Bassi",
            "Wolf"]
    shop = pd.DataFrame({
        "source": "shop", "record_id": [f"s{i}" for i in range(10)], "first_name": first,
        "last_name": last,
        "birth_date": [f"19{60 + i}-0{1 + i % 9}-1{i}" for i in range(10)],
        "phone": [f"+4477009{rng.integers(10000, 99999)}" for _ in range(10)],
        "email": [None] * 10})
    news = pd.DataFrame({"source": "news", "record_id": ["n0"], "first_name": ["Edgar"],
                         "email": ["edgar_oliver92@gmail.com"]})
    s = score_and_cluster(pd.concat([shop, news], ignore_index=True))
    # Among eleven records the calibrated prior (two matches in 55 pairs) leaves one
    # name-in-e-mail hit short of a link; the named person must still be the strongest
    # candidate by far, on the strength of the name in the e-mail address.
    mine = np.flatnonzero((s.pairs == 10).any(axis=1))
    best = mine[np.argmax(s.match_weight[mine])]
    assert set(s.pairs[best]) == {0, 10}
    others = np.delete(s.match_weight[mine], np.argmax(s.match_weight[mine]))
    assert (s.match_weight[best] > others + 5).all()
    k = s.names.index("email_name")
    assert s.comparators[k].level_names[s.gamma[best, k]] in ("full_name", "surname")
    cl = s.clusters
    assert len(set(cl[:10])) == 10
    assert not any(c.startswith("_lk_") for c in s.pairs_frame().columns)


def test_common_surname_in_email_is_capped_not_skipped():
    """A surname too common to pair on its own still pairs records whose first name
    agrees with an initial in the address; strangers with other initials do not pair."""
    firsts = ["Adam", "Beth", "Carl", "Dora", "Evan", "Fay", "Gus", "Hana"] * 3
    shop = pd.DataFrame({"first_name": firsts, "last_name": ["Smith"] * len(firsts),
                         "email": [None] * len(firsts)})
    news = pd.DataFrame({"first_name": [None, "Beth", None],
                         "last_name": [None, None, None],
                         "email": ["a.smith@x.com", "thesmiths@y.com", "jo.smith@z.com"]})
    rec = add_name_keys(pd.concat([shop, news], ignore_index=True))
    left, right = rec["_lk_name_tokens"], rec["_lk_email_tokens"]
    n = len(shop)
    # uncapped: every Smith with every address (24 x 3 pairs) -> over a limit of 20
    pairs, skipped = cross_token_pairs(left, right, max_block_size=20)
    got = {(int(i), int(j)) for i, j in pairs}
    adams = {k for k, f in enumerate(firsts) if f == "Adam"}
    beths = {k for k, f in enumerate(firsts) if f == "Beth"}
    assert {(k, n) for k in adams} <= got            # a.smith: the Adams
    assert {(k, n + 1) for k in beths} <= got        # thesmiths, signed up as Beth
    assert not any(j == n + 2 for _, j in got)       # jo.smith: no Jo among the Smiths
    assert len(got) < len(shop) * len(news)


def test_short_surname_pairs_only_with_a_first_name_key():
    rec = add_name_keys(pd.DataFrame({
        "first_name": ["Alex", "Brady", None], "last_name": ["Doyle", "Doyle", None],
        "email": [None, None, "a.doyle@x.com"]}))
    pairs, _ = cross_token_pairs(rec["_lk_name_tokens"], rec["_lk_email_tokens"])
    assert pairs.tolist() == [[0, 2]]


def test_kanji_names_get_readings_from_the_records_addresses():
    """Readings are learned from records carrying a kanji name and an address that spells
    it; a till record with an unsplit kanji name then meets the sign-up's address."""
    rows = [["美加子", "西田", "mikako.nishida@x.jp"], ["康介", "西田", "nishida.kosuke@y.jp"],
            ["康介", "杉本", "kosuke_sugimoto@z.jp"], ["美加子", "杉本", "m.sugimoto@w.jp"],
            ["美加子", "杉本", "mikako.sugi@v.jp"],
            [None, "西田康介", None],                    # till: unsplit, no address
            [None, None, "kosuke.nishida77@docomo.ne.jp"]]  # sign-up: address only
    rec = add_name_keys(pd.DataFrame(rows, columns=["first_name", "last_name", "email"]))
    pairs, _ = cross_token_pairs(rec["_lk_name_tokens"], rec["_lk_email_tokens"])
    assert [5, 6] in pairs.tolist()
    assert skeleton("nishida") in rec["_lk_name_tokens"][5].split()


def test_saved_readings_are_used_not_learned_again():
    """A saved model keeps its kanji readings: new records that would teach another
    reading do not change how existing records are read."""
    from cdmkit.link.pipeline import with_name_keys

    rows = pd.DataFrame({"record_id": list("abcd"), "first_name": ["美加子", "康介", None, None],
                         "last_name": ["西田", "西田", "西田康介", None],
                         "email": ["mikako.nishida@x.jp", "nishida.kosuke@y.jp", None,
                                   "kosuke.nishida@z.jp"]})
    rec, settings = with_name_keys(rows, None, None)
    assert settings.name_readings["surnames"] == {"西田": "nishida"}
    saved = type("Saved", (), {"settings": settings.__class__(
        settings.blocking_rules, settings.comparisons,
        name_readings={"surnames": {}, "given": {}})})()
    rec2, settings2 = with_name_keys(rows, None, None, saved=saved)
    assert settings2.name_readings == {"surnames": {}, "given": {}}
    assert skeleton("nishida") not in (rec2["_lk_name_tokens"][2] or "").split()
    assert skeleton("nishida") in rec["_lk_name_tokens"][2].split()
