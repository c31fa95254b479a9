"""E-mail, phone, consent, gender, country, postcode and address cleaning."""

from __future__ import annotations

import pandas as pd
import pytest

from cdmkit.collect import (AddressCleaner, ConsentCleaner, CountryCleaner, EmailCleaner,
                            GenderCleaner, NumberCleaner, PhoneCleaner, PostcodeCleaner)


def S(*values):
    return pd.Series(list(values), dtype=object)


def test_email_lowercase_and_std_keeps_local_case():
    v, x = EmailCleaner().transform_full(S(" Maryam.Ahmadi@Gmail.COM ", "<a@b.org>"))
    assert v.tolist() == ["maryam.ahmadi@gmail.com", "a@b.org"]
    assert x["std"].tolist() == ["Maryam.Ahmadi@gmail.com", "a@b.org"]
    assert x["valid"].tolist() == [True, True]


@pytest.mark.parametrize("bad", ["no-at-sign.org", "a@b", "two@@x.org", "a..b@x.org",
                                 "x@localhost", "a b@x.org@", "user@example.test"])
def test_invalid_emails_are_flagged_not_dropped(bad):
    v, x = EmailCleaner().transform_full(S(bad))
    assert x["valid"].tolist() == [False]
    assert v[0] is not None


def test_email_fast_path_agrees_with_email_validator():
    import email_validator

    samples = ["ann@x.org", "a.b+c@mail.co.uk", "-x@y.de", "x_@y-z.com", "a@b-.com",
               "a@-b.com", "a@b.c", "1@2.io", "é@x.org", "a@xn--bcher-kva.de"]
    v, x = EmailCleaner().transform_full(S(*samples))
    for s, ok in zip(samples, x["valid"]):
        try:
            email_validator.validate_email(s, check_deliverability=False)
            expected = True
        except email_validator.EmailNotValidError:
            expected = False
        assert bool(ok) == expected, s


def test_phones_to_e164_with_region_and_row_country():
    frame = pd.DataFrame({"phone": ["۰۹۱۲ ۳۴۵ ۶۷۸۹", "090-1234-5678", "07911 123456",
                                    "0044 7911 123456", "+98 21 8888 7777", "12345"],
                          "country": ["IR", "JP", None, None, "IR", None]})
    v, x = PhoneCleaner(region="GB").transform_full(frame)
    assert v.tolist()[:5] == ["+989123456789", "+819012345678", "+447911123456",
                              "+447911123456", "+982188887777"]
    assert x["valid"].tolist() == [True, True, True, True, True, False]
    assert x["kind"][0] == "mobile" and x["kind"][4] == "fixed_line"


def test_full_width_digits_in_japanese_phone():
    assert PhoneCleaner(region="JP").transform(S("０９０－１２３４－５６７８")).tolist() == \
        ["+819012345678"]


@pytest.mark.parametrize("raw,expected", [
    ("yes", True), ("Y", True), ("1", True), ("true", True), ("Opt-in", True),
    ("subscribed", True), ("بله", True), ("はい", True),
    ("no", False), ("0", False), ("FALSE", False), ("opted out", False), ("خیر", False),
    ("いいえ", False), ("maybe", None),
])
def test_consent_to_boolean(raw, expected):
    v, x = ConsentCleaner().transform_full(S(raw))
    assert (None if pd.isna(v[0]) else bool(v[0])) == expected
    assert bool(x["valid"][0]) == (expected is not None)
    assert str(v.dtype) == "boolean"


def test_gender_and_country():
    assert GenderCleaner().transform(S("F", "male", "مرد", "女性", "x", "?")).tolist() == \
        ["female", "male", "male", "female", "other", None]
    v, x = CountryCleaner().transform_full(S("United Kingdom", "EIRE", "Deutschland", "JPN",
                                             "ایران", "日本", "Narnia"))
    assert v.tolist() == ["GB", "IE", "DE", "JP", "IR", "JP", None]
    assert x["valid"].tolist() == [True] * 6 + [False]


@pytest.mark.parametrize("raw,country,expected,valid", [
    ("sw1a1aa", "GB", "SW1A 1AA", True), ("SW1A 1AA", "GB", "SW1A 1AA", True),
    ("1234ab", "NL", "1234 AB", True), ("1000001", "JP", "100-0001", True),
    ("〒１００－０００１", "JP", "100-0001", True), ("1193614511", "IR", "11936-14511", True),
    ("902101234", "US", "90210-1234", True), ("ABC", "DE", "ABC", False),
    ("75001", None, "75001", None),
])
def test_postcodes(raw, country, expected, valid):
    frame = pd.DataFrame({"postcode": [raw], "country": [country]})
    v, x = PostcodeCleaner().transform_full(frame)
    assert v[0] == expected
    assert (None if pd.isna(x["valid"][0]) else bool(x["valid"][0])) == valid


def test_address_abbreviations():
    v, x = AddressCleaner().transform_full(S("12 high st.", "3 ST ALBANS RD", "5 Elm Ave",
                                             "خ. ولیعصر، پ. ۱۲"))
    assert v.tolist()[:3] == ["12 High Street", "3 St Albans Road", "5 Elm Avenue"]
    assert v[3].startswith("خیابان ولیعصر") and "پلاک 12" in v[3]
    assert x["key"][0] == "12highstreet"


def test_numbers():
    v, x = NumberCleaner().transform_full(S("1,234.50", "(7)", "€ 3", "", None, "abc"))
    assert v.tolist()[:3] == [1234.5, -7.0, 3.0]
    assert x["valid"].tolist()[:3] == [True, True, True] and x["valid"][5] == False  # noqa
    assert NumberCleaner(decimal=",").transform(S("1.234,5")).tolist() == [1234.5]


def test_context_cleaners_pair_each_value_with_its_own_row_context():
    # The same national number in different countries, interleaved, with repeats.
    frame = pd.DataFrame({"phone": ["0912 345 6789", "090-1234-5678", "0912 345 6789",
                                    "090-1234-5678", None, "07911 123456"],
                          "country": ["IR", "JP", "IR", "JP", "IR", None]})
    v, x = PhoneCleaner(region="GB").transform_full(frame)
    assert v.tolist() == ["+989123456789", "+819012345678", "+989123456789",
                          "+819012345678", None, "+447911123456"]
    assert x["valid"].tolist()[:4] == [True] * 4 and pd.isna(x["valid"][4])


def test_country_default_fills_missing_values_only():
    v, x = CountryCleaner(default="GB").transform_full(S("Japan", None, "  ", "Narnia"))
    assert v.tolist() == ["JP", "GB", "GB", None]
    assert x["valid"].tolist()[0] is True and x["valid"].tolist()[3] is False
