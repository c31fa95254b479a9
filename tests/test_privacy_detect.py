"""PII detection: Iranian national code checksum, Luhn, detection by name and by content."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from cdmkit.privacy import classify_column, detect_pii, iran_national_code_valid, luhn_valid


# --- independent generators from the published algorithms --------------------------------

def make_iran_code(nine: str) -> str:
    """Append the check digit (published rule: s = sum(d_i * (10 - i)), i = 0..8; r = s % 11;
    check = r if r < 2 else 11 - r)."""
    s = 0
    for i, ch in enumerate(nine):
        s += int(ch) * (10 - i)
    r = s % 11
    return nine + str(r if r < 2 else 11 - r)


def make_luhn(prefix: str) -> str:
    """Append the Luhn check digit to ``prefix`` (double every second digit from the right
    of the full number, i.e. starting with the last digit of the prefix)."""
    total = 0
    for i, ch in enumerate(reversed(prefix)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return prefix + str((10 - total % 10) % 10)


def test_iran_code_generator_matches_published_example():
    # 0499370899 is the standard worked example of the algorithm.
    assert make_iran_code("049937089") == "0499370899"


def test_iran_national_code_checksum_random_codes():
    rng = random.Random(5)
    for _ in range(300):
        nine = "".join(rng.choice("0123456789") for _ in range(9))
        code = make_iran_code(nine)
        if len(set(code)) == 1:
            continue
        assert iran_national_code_valid(code), code
        wrong = code[:9] + str((int(code[9]) + rng.randint(1, 9)) % 10)
        assert not iran_national_code_valid(wrong), wrong


def test_iran_national_code_edge_cases():
    assert not iran_national_code_valid("1111111111")  # placeholder, checksum ok
    assert not iran_national_code_valid("123456789")  # 9 digits
    assert not iran_national_code_valid("abcdefghij")
    persian = "۰۴۹۹۳۷۰۸۹۹"
    assert iran_national_code_valid(persian)


def test_luhn_known_test_numbers_and_generated():
    for n in ("4111111111111111", "5500 0000 0000 0004", "3400-0000-0000-009",
              "6011000000000004"):
        assert luhn_valid(n), n
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("411111111111")  # too short for a card
    rng = random.Random(3)
    for _ in range(200):
        prefix = "4" + "".join(rng.choice("0123456789") for _ in range(14))
        num = make_luhn(prefix)
        assert luhn_valid(num)
        bad = num[:-1] + str((int(num[-1]) + 1) % 10)
        assert not luhn_valid(bad)


def test_detect_by_content_with_meaningless_names():
    rng = random.Random(1)
    codes = [make_iran_code("".join(rng.choice("0123456789") for _ in range(9)))
             for _ in range(50)]
    cards = [make_luhn("5" + "".join(rng.choice("0123456789") for _ in range(14)))
             for _ in range(50)]
    df = pd.DataFrame({
        "c1": [f"person{i}@mail.test" for i in range(50)],
        "c2": [f"+98 912 {1000000 + i:07d}" for i in range(50)],
        "c3": codes,
        "c4": cards,
        "c5": [f"19{60 + i % 30}-0{1 + i % 9}-1{i % 9}" for i in range(50)],
        "c6": [f"order {i}" for i in range(50)],
        "c7": list(range(50)),
    })
    got = detect_pii(df).set_index("column")
    assert got.loc["c1", "pii_type"] == "email"
    assert got.loc["c2", "pii_type"] == "phone"
    assert got.loc["c3", "pii_type"] == "iran_national_code"
    assert got.loc["c4", "pii_type"] == "card_number"
    assert got.loc["c5", "pii_type"] == "birth_date"
    assert got.loc["c5", "pii_class"] == "quasi"
    assert got.loc["c6", "pii_class"] == "none"
    assert got.loc["c7", "pii_class"] == "none"
    assert (got.loc[["c1", "c2", "c3", "c4"], "pii_class"] == "direct").all()
    assert (got.loc[["c1", "c2", "c3", "c4", "c5"], "by"] == "content").all()
    assert "sampled values" in got.loc["c3", "evidence"]


def test_detect_by_name_even_when_empty():
    got = classify_column("E-Mail Address", pd.Series([None, None], dtype=object))
    assert got["pii_class"] == "direct" and got["by"] == "name"
    got = classify_column("Surname", pd.Series(["Ahmadi"]))
    assert got["pii_type"] == "name"


def test_ten_digit_numbers_failing_checksum_are_not_national_codes():
    # Order numbers with 10 digits: about 1 in 11 passes the checksum by chance, not 80%.
    vals = [f"{4000000000 + 7 * i}" for i in range(200)]
    assert classify_column("ref", pd.Series(vals))["pii_type"] != "iran_national_code"


def test_signup_dates_are_not_birth_dates():
    recent = pd.Series(pd.date_range("2021-01-01", periods=50, freq="7D"))
    assert classify_column("signup", recent)["pii_type"] is None


@pytest.mark.parametrize("value,expected", [("۱۲۳", "123"), ("１２３", "123")])
def test_normalise_digits(value, expected):
    from cdmkit.privacy import normalise_digits

    assert normalise_digits(value) == expected
