"""The cleaners' fast paths give exactly what the general (library) path gives.

The phone, name, id and e-mail cleaners take shortcuts for the common case (plain-digit
national numbers checked against libphonenumber's metadata in bulk, ASCII names, ...). The
reference here is the per-value ``_clean_one`` (for phones: ``phonenumbers.parse`` and
``number_type``), applied to every row.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import phonenumbers
import pytest

from cdmkit.collect.cleaners import (EmailCleaner, IdCleaner, NameCleaner, PhoneCleaner,
                                     _apply_unique, _row_codes)


def _reference(cleaner, frame: pd.DataFrame) -> list[list]:
    """Per-row ``_clean_one`` with missing values as the base class treats them."""
    rows = []
    for rec in frame.itertuples(index=False):
        v = rec[0]
        if v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip()):
            v = None
        ctx = [None if (c is None or (isinstance(c, float) and c != c)) else c for c in rec[1:]]
        rows.append(list(cleaner._clean_one(v, *ctx)))
    return rows


def _as_rows(values: pd.Series, extras: dict, names) -> list[list]:
    cols = [values.tolist()] + [[None if x is pd.NA else x for x in extras[n].tolist()]
                                for n in names]
    return [list(r) for r in zip(*cols)]


def _example_numbers(seed: int = 0) -> pd.DataFrame:
    """National-format digits of every region's example numbers, some of them altered."""
    rng = np.random.default_rng(seed)
    T = phonenumbers.PhoneNumberType
    types = [T.FIXED_LINE, T.MOBILE, T.TOLL_FREE, T.PREMIUM_RATE, T.VOIP, T.UAN, T.PAGER,
             T.PERSONAL_NUMBER, T.SHARED_COST, T.VOICEMAIL]
    vals, regs = [], []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for t in types:
            ex = phonenumbers.example_number_for_type(region, t)
            if ex is None:
                continue
            national = re.sub(r"\D", "", phonenumbers.format_number(
                ex, phonenumbers.PhoneNumberFormat.NATIONAL))
            for base in (national, phonenumbers.national_significant_number(ex),
                         str(ex.country_code) + phonenumbers.national_significant_number(ex)):
                for _ in range(3):
                    k = int(rng.integers(0, 4))
                    s = base[:len(base) - k] + "".join(rng.choice(list("0123456789"), k))
                    if rng.random() < 0.15:
                        s = s[:-1]
                    if rng.random() < 0.15:
                        s += "7"
                    vals.append(s)
                    regs.append(region)
    return pd.DataFrame({"phone": vals, "country": regs})


def test_phone_fast_path_matches_phonenumbers_on_example_numbers():
    df = _example_numbers()
    cleaner = PhoneCleaner(region="GB")
    values, extras = cleaner.transform_full(df)
    got = _as_rows(values, extras, ("valid", "kind", "extension"))
    assert got == _reference(cleaner, df)
    # the sample exercises both verdicts and many number types
    valid = extras["valid"].astype(bool)
    assert 0.3 < valid.mean() < 0.95
    assert extras["kind"].nunique() >= 6


def test_phone_fast_path_matches_phonenumbers_on_random_digits():
    rng = np.random.default_rng(1)
    regions = ["GB", "US", "CA", "IR", "JP", "DE", "FR", "NL", "IT", "AR", "BR", "MX", "AU",
               "CN", "IN", "GG", "JE", "RU", "KZ", "VA", None, "", "XX"]
    prefixes = ["", "0", "07", "09", "1", "44", "98", "00", "011", "010", "81", "39", "06"]
    vals, regs = [], []
    for _ in range(6000):
        pre = prefixes[int(rng.integers(len(prefixes)))]
        n = int(rng.integers(0, 16))
        vals.append(pre + "".join(rng.choice(list("0123456789"), n)))
        regs.append(regions[int(rng.integers(len(regions)))])
    vals[:6] = [None, "", "  ", "+447911123456", "07911 123456", "۰۹۱۲۱۲۳۴۵۶۷"]
    df = pd.DataFrame({"phone": vals, "country": regs})
    for cleaner in (PhoneCleaner(region="GB"), PhoneCleaner()):
        values, extras = cleaner.transform_full(df)
        assert _as_rows(values, extras, ("valid", "kind", "extension")) == _reference(cleaner, df)
        # without a country column: the cleaner's own region
        values, extras = cleaner.transform_full(df["phone"])
        assert _as_rows(values, extras, ("valid", "kind", "extension")) == \
            _reference(cleaner, df[["phone"]])


def test_name_ascii_path_matches_general_path():
    rng = np.random.default_rng(2)
    alphabet = list("abcAB -'.,\t") + ["Mc", "van", "DER", "Dr.", "jr", "III", "o'", "x"]
    vals = ["".join(rng.choice(alphabet, int(rng.integers(0, 8)))) for _ in range(5000)]
    vals += ["  dr. ANNE-MARIE van der BERG ", "MR JOHN SMITH JR", "Zoë", "علي", "ﾔﾏﾀﾞ 様",
             None, "", "-", "O ' neil", "smith , jr."]
    s = pd.Series(vals, dtype=object)
    for cleaner in (NameCleaner(), NameCleaner(split_titles=False, fix_case=False)):
        values, extras = cleaner.transform_full(s)
        assert _as_rows(values, extras, cleaner.outputs) == _reference(cleaner, s.to_frame())


@pytest.mark.parametrize("cleaner,values", [
    (IdCleaner(), ["17850.0", " 007 ", "۱۲۳", "a  b", "-12.00", "1.50", "", None, "x.0"]),
    (EmailCleaner(), ["Ann.Lee@Mail.EXAMPLE.org", " a b@c.de ", "mailto:X@Y.COM", "Zoë@ex.de",
                      "bad@", "<a@b.co>", "", None, "ａ@example.com"]),
])
def test_ascii_shortcuts_match_general_path(cleaner, values):
    s = pd.Series(values, dtype=object)
    values_, extras = cleaner.transform_full(s)
    assert _as_rows(values_, extras, cleaner.outputs) == _reference(cleaner, s.to_frame())


def test_row_codes_group_like_text_keys():
    keys = pd.DataFrame({"a": ["x", "y", "x", None, "x", None, "1"],
                         "b": ["GB", "GB", "GB", "GB", None, "GB", "GB"]}, dtype=object)
    text = keys.apply(lambda r: "\x1f".join("\x00" if v is None else str(v) for v in r), axis=1)
    assert list(_row_codes(keys)) == list(pd.factorize(text)[0])
    # non-text parts (1 and "1" share a text key) take the text-key route
    mixed = keys.copy()
    mixed.loc[5, "a"] = 1
    text = mixed.apply(lambda r: "\x1f".join("\x00" if v is None else str(v) for v in r), axis=1)
    assert list(_row_codes(mixed)) == list(pd.factorize(text)[0])
    out = _apply_unique(mixed, lambda a, b: (f"{a}|{b}",), 1)[0].tolist()
    assert out[5] == out[6] == "1|GB"


def _hostile_column(rng, n: int, pieces: list[str]) -> pd.Series:
    """Random text from ``pieces`` and every kind of white space Python knows, some missing."""
    ws = [c for c in map(chr, range(0x3001)) if c.isspace()] + ["\u200b", "\x7f", "\ufeff"]
    alphabet = pieces + ws
    vals = ["".join(rng.choice(alphabet, int(rng.integers(0, 6)))) for _ in range(n)]
    for i in rng.integers(0, n, n // 20):
        vals[i] = None
    return pd.Series(vals, dtype=object)


def test_blank_mask_is_python_strip_on_every_white_space():
    from cdmkit.collect.cleaners.vector import blank_mask

    s = _hostile_column(np.random.default_rng(5), 5000, ["a", "é", "", "0"])
    vals = s.to_numpy()
    want = [isinstance(v, str) and not v.strip() for v in vals]
    assert blank_mask(vals).tolist() == want
    assert 0 < sum(want) < len(want)
    # not all text (a typed column): the per-value road, same answer
    mixed = np.array(list(vals[:2000]) + [3, 4.5], dtype=object)
    assert blank_mask(mixed).tolist() == [isinstance(v, str) and not v.strip() for v in mixed]


@pytest.mark.parametrize("cleaner,pieces", [
    (EmailCleaner(), ["ann", ".", "Lee", "@", "Mail", "EXAMPLE", "org", "com", "test", "x-y",
                      "mailto:", "<", ">", "é", "ａ", "+tag", "..", "_", "'", "1", "a" * 70,
                      "localhost", "invalid", "b" * 60]),
    (IdCleaner(), ["17850", ".0", "007", "۱۲۳", "-", "x", "A", "~", "é", "\x7f", "12"]),
])
def test_whole_column_roads_match_per_value_path(cleaner, pieces):
    # Over 1,000 rows, so the Arrow road (cleaners.vector) is taken for the plain values.
    rng = np.random.default_rng(6)
    s = _hostile_column(rng, 4000, pieces)
    # plain values too, so that most rows take the whole-column road
    plain = ["".join(rng.choice(pieces[:6], 5)) for _ in range(3000)]
    if isinstance(cleaner, EmailCleaner):
        plain = [f"user.{i}@Example.{t}" for i, t in
                 zip(range(3000), rng.choice(["COM", "org", "test", "Invalid", "c"], 3000))]
    s = pd.concat([s, pd.Series(plain, dtype=object)], ignore_index=True)
    values_, extras = cleaner.transform_full(s)
    assert _as_rows(values_, extras, cleaner.outputs) == _reference(cleaner, s.to_frame())
    done, _ = cleaner._fast_column(s.where(s.str.strip().astype(bool), None).to_numpy())
    assert done.sum() > 1000  # the road was taken


def test_phone_pattern_tests_in_re2_match_phonenumbers(monkeypatch):
    # Every metadata pattern test through Arrow's RE2 (normally only for 256+ values):
    # the verdicts are still those of phonenumbers on every region's example numbers.
    from cdmkit.collect.cleaners import contact

    monkeypatch.setattr(contact, "_ARROW_MIN_VALUES", 0)
    test_phone_fast_path_matches_phonenumbers_on_example_numbers()
    test_phone_fast_path_matches_phonenumbers_on_random_digits()


def test_fullmatch_many_is_python_fullmatch():
    from cdmkit.collect.cleaners.vector import fullmatch_many

    rng = np.random.default_rng(8)
    vals = ["".join(rng.choice(list("0123456789"), int(rng.integers(0, 12)))) for _ in range(3000)]
    for pattern in (r"0\d{9}", r"(?:7[1-57-9]|8[0-5])\d{7}|1\d{3}", r"[2-9]\d{2,4}", r"\d*"):
        want = [re.fullmatch(pattern, v) is not None for v in vals]
        assert fullmatch_many(vals, pattern).tolist() == want
    assert fullmatch_many(vals, r"(\d)\1") is None  # a back-reference: RE2 declines


def test_name_plain_words_road_matches_general_path():
    # Over 1,000 distinct ASCII names: single mixed-case words go through Arrow at once.
    rng = np.random.default_rng(9)
    alphabet = list("abcABZ-'.,`~!7 \t") + ["Mc", "van", "Dr", "JR", "III", "O'", "x", "ß"]
    vals = ["".join(rng.choice(alphabet, int(rng.integers(1, 7)))) for _ in range(6000)]
    vals += [f"Smith-{i}" for i in range(2000)] + [",Ann", "Ann,", "ANN", "ann", "A", "a", ","]
    s = pd.Series(vals, dtype=object)
    for cleaner in (NameCleaner(), NameCleaner(split_titles=False, fix_case=False)):
        values, extras = cleaner.transform_full(s)
        assert _as_rows(values, extras, cleaner.outputs) == _reference(cleaner, s.to_frame())
        uniq = np.asarray(pd.unique(s), dtype=object)
        asc = np.array([v.isascii() for v in uniq])
        done, _ = cleaner._plain_words(uniq, asc)
        assert done.sum() > 2000


@pytest.mark.parametrize("typed", [False, True])
def test_exact_duplicates_by_row_codes_match_row_hashes(typed):
    # The pipeline finds exact duplicates by factorising columns (_same_row_codes): the
    # same rows as hashing whole rows (pandas' hash_pandas_object), with no collisions.
    from cdmkit.collect.pipeline import _same_row_codes

    rng = np.random.default_rng(10)
    n = 5000
    raw = pd.DataFrame({
        "a": rng.choice(np.array(["x", "y", "", None, "None", "\x00"], dtype=object), n),
        "b": rng.choice(np.array(["1", "2", None, np.nan], dtype=object), n),
        "c": rng.choice(np.array(["p", "q"], dtype=object), n),
    })
    if typed:
        raw["d"] = rng.choice([1.5, 2.0, np.nan], n)
        raw["e"] = rng.integers(0, 3, n)
        raw["f"] = pd.to_datetime(rng.choice(["2024-01-01", "2024-01-02", None], n))
    codes = _same_row_codes(raw)
    _, first_of_code = np.unique(codes, return_index=True)
    dup = first_of_code[codes] != np.arange(n)
    h = pd.util.hash_pandas_object(raw, index=False)
    assert dup.tolist() == h.duplicated(keep="first").tolist()
    assert 0 < dup.sum() < n


def _present_per_value(s: pd.Series) -> list[bool]:
    from cdmkit.missing import MISSING_TEXT

    return [not (v is None or (isinstance(v, float) and v != v) or v is pd.NA
                 or (isinstance(v, str) and v.strip().lower() in MISSING_TEXT)) for v in s]


@pytest.mark.parametrize("pieces", [
    ["nan", "NaN", "N", "a", "/", "#", "<", ">", "NULL", "none", "Nil", "undefined", "NaT",
     "\u212a", "\u0130", "é", "ａ", "x", "0"],
    ["\u212a", "nil", "İ", "K", "ŉ", "ß", "Σ", "ﬀ"],
])
def test_is_present_arrow_road_matches_per_value_rule(pieces):
    """Over 10,000 rows is_present takes Arrow's road; every value judged as the per-value
    rule judges it (missing words in any case, every white space, Kelvin sign, non-ASCII)."""
    from cdmkit.missing import is_present

    s = _hostile_column(np.random.default_rng(8), 30_000, pieces)
    got = is_present(s)
    want = _present_per_value(s)
    assert got.tolist() == want and got.index.equals(s.index)
    assert 0 < sum(want) < len(want) - 2000  # missing words, blanks and None all occur
    # pandas' text dtype, and an index of its own
    t = s.astype("string").set_axis(np.arange(len(s)) * 3)
    assert is_present(t).tolist() == want and is_present(t).index.equals(t.index)
    # not all text: the per-value road, same rule
    mixed = pd.Series(list(s[:12_000]) + [3, 4.5, float("nan")], dtype=object)
    assert is_present(mixed).tolist() == _present_per_value(mixed)


def test_kelvin_sign_is_the_only_non_ascii_character_lowering_to_ascii():
    """is_present's Arrow road relies on it: any other non-ASCII text stays non-ASCII in
    lower case, so it is never a missing-value word."""
    from cdmkit.missing import _KELVIN

    assert [chr(c) for c in range(128, 0x110000)
            if chr(c).lower().isascii()] == [_KELVIN]
