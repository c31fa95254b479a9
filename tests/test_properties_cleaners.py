"""Property tests for the cleaners: a clean value cleans to itself, fast paths agree with the
general path, E.164 output re-parses to itself, script folding is stable.

Hypothesis runs with the root conftest's ``cdmkit`` profile (derandomised, no deadline).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cdmkit.collect.cleaners import (DateCleaner, EmailCleaner, NameCleaner, PhoneCleaner,
                                     PostcodeCleaner)
from cdmkit.collect.textnorm import (clean_spaces, fold_kana, normalize_digits,
                                     normalize_japanese, normalize_persian, text_key)

# -- strategies ---------------------------------------------------------------------------
LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüøçñßÉ"
PERSIAN = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيكة\u200c"
KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのやまだアイウエオカキクケコヤマダｱｲｳｶｷ"
KANJI = "山田太郎花子鈴木佐藤"
DIGITS = "0123456789۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩０１２３４５６７８９"
SEPARATORS = " \t-'.,\u00a0\u3000"


def _words(alphabet, max_words=3):
    word = st.text(alphabet=alphabet, min_size=1, max_size=8)
    return st.lists(word, min_size=1, max_size=max_words).map(" ".join)


names = st.one_of(
    _words(LATIN), _words(PERSIAN), _words(KANA + KANJI),
    st.tuples(st.sampled_from(["", "Dr ", "MR ", "mrs. ", "خانم ", "آقای "]), _words(LATIN),
              st.sampled_from(["", " Jr", " III", " 様", "-smith", " O'neil"]))
    .map("".join),
    st.text(alphabet=LATIN + PERSIAN + KANA + SEPARATORS, min_size=1, max_size=20),
)


def _clean(cleaner, values, context=None):
    frame = pd.Series(values, dtype=object)
    if context is not None:
        frame = pd.DataFrame({"v": values, "c": context})
    return cleaner.transform_full(frame)


# -- names --------------------------------------------------------------------------------
@given(names)
def test_name_cleaning_is_idempotent(name):
    c = NameCleaner()
    once, x1 = _clean(c, [name])
    assume(once[0] is not None)
    twice, x2 = _clean(c, [once[0]])
    assert twice[0] == once[0]
    assert x2["key"][0] == x1["key"][0]


@given(st.text(alphabet=LATIN[:52] + SEPARATORS[:5] + "0123456789", min_size=1, max_size=24))
def test_ascii_fast_path_matches_the_general_path(name):
    assume(name.isascii())
    c = NameCleaner()
    assert c._clean_ascii(name) == c._clean_one(name)


# -- script folding -----------------------------------------------------------------------
text = st.text(alphabet=LATIN + PERSIAN + KANA + KANJI + DIGITS + SEPARATORS, max_size=24)


@pytest.mark.parametrize("fold", [normalize_digits, clean_spaces, normalize_persian,
                                  normalize_japanese, fold_kana, text_key],
                         ids=lambda f: f.__name__)
@given(s=text)
def test_script_folding_is_idempotent(fold, s):
    once = fold(s)
    assert fold(once) == once


@given(text)
def test_text_key_is_stable_under_spacing_and_case(s):
    assert text_key(s) == text_key(s.upper().replace(" ", "  ")) or not s.isascii()
    assert text_key(s) == text_key(" " + s + " ")


# -- e-mail -------------------------------------------------------------------------------
emails = st.one_of(
    st.emails(),
    st.tuples(st.sampled_from(["", " ", "mailto:", "<", "MAILTO:"]), st.emails(),
              st.sampled_from(["", " ", ">", "\t"])).map("".join),
    st.text(alphabet="abcAB.@-_+ ١٢", min_size=1, max_size=20),
)


@given(emails)
def test_email_cleaning_is_idempotent(value):
    c = EmailCleaner()
    once, x1 = _clean(c, [value])
    assume(once[0] is not None)
    twice, x2 = _clean(c, [once[0]])
    assert twice[0] == once[0]
    assert bool(x2["valid"][0]) == bool(x1["valid"][0])
    again, _ = _clean(c, [x1["std"][0]])  # the RFC form (local part's case kept) too
    assert again[0] == once[0]


@given(st.emails())
def test_generated_addresses_are_valid(value):
    v, x = _clean(EmailCleaner(), [value])
    assert x["valid"][0], value
    assert v[0] == value.rsplit("@", 1)[0].lower() + "@" + value.rsplit("@", 1)[1].lower() \
        or v[0] == x["std"][0].lower()


# -- phones -------------------------------------------------------------------------------
REGIONS = ["GB", "DE", "NL", "FR", "US", "IR", "JP", "IT", "ES"]


@st.composite
def phones(draw):
    """National-format numbers of a region, written the way people write them."""
    import phonenumbers

    region = draw(st.sampled_from(REGIONS))
    kind = draw(st.sampled_from([phonenumbers.PhoneNumberType.MOBILE,
                                 phonenumbers.PhoneNumberType.FIXED_LINE]))
    ex = phonenumbers.example_number_for_type(region, kind)
    nsn = str(ex.national_number)
    # vary the trailing digits of the example number (keeps the area / mobile prefix)
    tail = draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    nsn = nsn[:-3] + tail
    n = phonenumbers.parse("+" + str(ex.country_code) + nsn)
    style = draw(st.sampled_from([phonenumbers.PhoneNumberFormat.NATIONAL,
                                  phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                                  phonenumbers.PhoneNumberFormat.E164]))
    return phonenumbers.format_number(n, style), region


@given(phones())
def test_e164_output_reparses_to_itself(phone_region):
    phone, region = phone_region
    v, x = _clean(PhoneCleaner(region=region), [phone])
    assume(x["valid"][0])
    assert v[0].startswith("+") and v[0][1:].isdigit()
    # read again without a region (it has its country code), and in any other region
    for other in (None, "GB", "JP"):
        again, y = _clean(PhoneCleaner(region=other), [v[0]])
        assert again[0] == v[0] and y["valid"][0] and y["kind"][0] == x["kind"][0]


@given(phones(), st.sampled_from(["", " ", "00"]))
def test_phone_fast_path_matches_the_general_path(phone_region, prefix):
    phone, region = phone_region
    phone = prefix + phone.lstrip("+") if prefix == "00" and phone.startswith("+") else phone
    c = PhoneCleaner()
    fast_v, fast_x = _clean(c, [phone], [region])
    slow = c._clean_one(phone, region)
    assert (fast_v[0], bool(fast_x["valid"][0]), fast_x["kind"][0]) == \
        (slow[0], bool(slow[1]), slow[2])


# -- dates --------------------------------------------------------------------------------
dates = st.dates(min_value=dt.date(1901, 1, 2), max_value=dt.date(2030, 12, 30))
FORMATS = {"iso": ("%Y-%m-%d", None), "dmy": ("%d/%m/%Y", True), "mdy": ("%m/%d/%Y", False),
           "dot": ("%d.%m.%Y", True), "compact": ("%Y%m%d", None)}


@given(dates, st.sampled_from(sorted(FORMATS)))
def test_dates_read_back_and_clean_dates_clean_to_themselves(day, style):
    fmt, dayfirst = FORMATS[style]
    c = DateCleaner(dayfirst=dayfirst, reference_date="2031-01-01")
    v, x = _clean(c.fit(pd.Series([day.strftime(fmt)])), [day.strftime(fmt)])
    assert v[0].date() == day, (day.strftime(fmt), v[0])
    iso = v[0].strftime("%Y-%m-%d")
    again, y = _clean(DateCleaner(reference_date="2031-01-01"), [iso])
    assert again[0] == v[0] and y["flag"][0] == x["flag"][0]


@given(st.lists(dates, min_size=1, max_size=12))
def test_a_column_of_day_first_dates_with_proof_is_read_day_first(days):
    days = days + [dt.date(2001, 12, 25)]       # 25/12 proves day-first
    col = pd.Series([d.strftime("%d/%m/%Y") for d in days])
    c = DateCleaner(reference_date="2031-01-01").fit(col)
    assert c.order_ == "dmy"
    v, _ = c.transform_full(col)
    assert [t.date() for t in v] == days


# -- postcodes ----------------------------------------------------------------------------
def _gb():
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    area = st.sampled_from(["SW1A", "EC1V", "M1", "B33", "CR2", "W1A", "LS11", "DN55"])
    inward = st.tuples(st.integers(0, 9), st.sampled_from(letters), st.sampled_from(letters))
    return st.tuples(area, inward).map(lambda t: f"{t[0]} {t[1][0]}{t[1][1]}{t[1][2]}")


postcodes = st.one_of(
    st.tuples(st.just("GB"), _gb()),
    st.tuples(st.just("NL"), st.tuples(st.integers(1000, 9999), st.sampled_from(
        ["AB", "XY", "KL", "RT"])).map(lambda t: f"{t[0]} {t[1]}")),
    st.tuples(st.just("JP"), st.integers(0, 9_999_999).map(lambda n: f"{n:07d}")
              .map(lambda s: f"{s[:3]}-{s[3:]}")),
    st.tuples(st.just("US"), st.integers(501, 99_950).map(lambda n: f"{n:05d}")),
    st.tuples(st.just("DE"), st.integers(1067, 99_998).map(lambda n: f"{n:05d}")),
)


@given(postcodes, st.sampled_from(["lower", "compact", "spaced", "as-is"]))
def test_postcode_cleaning_is_idempotent(country_code, style):
    country, code = country_code
    written = {"lower": code.lower(), "compact": code.replace(" ", "").replace("-", ""),
               "spaced": f"  {code} ", "as-is": code}[style]
    c = PostcodeCleaner(country=country)
    v, x = _clean(c, [written])
    v2, x2 = _clean(c, [v[0]])
    assert v2[0] == v[0] and x2["valid"][0] == x["valid"][0]
    if x["valid"][0]:
        assert v[0] == code, (written, v[0])
