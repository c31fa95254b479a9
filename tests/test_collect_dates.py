"""Dates: explicit formats, day/month inference with an ambiguity report, Jalali, flags."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cdmkit.collect import BirthDateCleaner, DateCleaner, DatetimeCleaner, collect_frame
from cdmkit.errors import InputError


def S(*values):
    return pd.Series(list(values), dtype=object)


def days(series):
    return [None if pd.isna(v) else v.date() for v in series]


def test_day_first_proven_by_evidence():
    c = DateCleaner().fit(S("25/12/1980", "03/04/1985", "01.02.1990"))
    assert (c.order_, c.decided_by_) == ("dmy", "evidence")
    v, x = c.transform_full(S("25/12/1980", "03/04/1985", "01.02.1990"))
    assert days(v) == [dt.date(1980, 12, 25), dt.date(1985, 4, 3), dt.date(1990, 2, 1)]
    assert x["flag"].isna().all()


def test_month_first_proven_by_evidence():
    c = DateCleaner().fit(S("12/25/1980", "03/04/1985"))
    assert c.order_ == "mdy"
    assert days(c.transform(S("03/04/1985"))) == [dt.date(1985, 3, 4)]


def test_unproven_order_is_flagged_ambiguous():
    c = DateCleaner()
    v, x = c.fit(S("03/04/1985", "05/05/1990")).transform_full(S("03/04/1985", "05/05/1990"))
    assert c.decided_by_ == "default"
    # 05/05 reads the same either way: not ambiguous.
    assert x["flag"].tolist() == ["ambiguous_order", None]
    assert c.report_["n_ambiguous"] == 1


def test_dayfirst_config_decides():
    c = DateCleaner(dayfirst=False)
    v, x = c.fit_transform(S("03/04/1985")), c.transform_full(S("03/04/1985"))[1]
    assert days(v) == [dt.date(1985, 3, 4)] and x["flag"].isna().all()


def test_explicit_format_and_other_unambiguous_forms():
    v, x = DateCleaner(format="%d.%m.%Y").transform_full(S("07.03.1984", "1984-03-07", "x"))
    assert days(v) == [dt.date(1984, 3, 7), dt.date(1984, 3, 7), None]
    assert x["flag"].tolist() == [None, None, "unparseable"]


def test_jalali_dates_are_converted():
    # 1 Farvardin 1362 = 21 March 1983; 14 Mordad (month 5) is 4*31 + 13 days later.
    v = DateCleaner(calendar="jalali").transform(S("1362/05/14", "۱۳۶۲/۰۱/۰۱", "1362-13-01"))
    assert days(v) == [dt.date(1983, 3, 21) + dt.timedelta(days=4 * 31 + 13),
                       dt.date(1983, 3, 21), None]


def test_birth_date_flags():
    v, x = BirthDateCleaner(reference_date="2024-06-01").transform_full(
        S("1900-01-01", "2030-05-05", "1890-01-01", "1984-03-07", "not a date", None))
    assert x["flag"].tolist() == ["placeholder", "future", "implausible", None, "unparseable",
                                  None]
    assert days(v)[3] == dt.date(1984, 3, 7)


def test_two_digit_years():
    v = BirthDateCleaner(reference_date="2024-01-01", dayfirst=True).transform(
        S("07/03/84", "07/03/05"))
    assert days(v) == [dt.date(1984, 3, 7), dt.date(2005, 3, 7)]


def test_timestamps_keep_time_and_offsets_become_utc():
    v = DatetimeCleaner().transform(S("2011-12-01 08:26:00", "2024-01-01T10:00:00+03:30",
                                      "2024-01-01T10:00:00Z", "7 March 2024"))
    assert v.tolist() == [pd.Timestamp("2011-12-01 08:26"), pd.Timestamp("2024-01-01 06:30"),
                          pd.Timestamp("2024-01-01 10:00"), pd.Timestamp("2024-03-07")]


def test_typed_datetimes_pass_through():
    s = pd.Series(pd.to_datetime(["2011-12-01 08:26", None]))
    v, x = DatetimeCleaner().transform_full(s)
    assert v[0] == pd.Timestamp("2011-12-01 08:26") and pd.isna(v[1])


def test_mostly_unreadable_date_column_is_an_input_error():
    raw = pd.DataFrame({"id": [str(i) for i in range(10)],
                        "email": [f"a{i}@x.org" for i in range(10)],
                        "dob": ["1984-01-01", "1985-01-01"] + ["blue"] * 8})
    with pytest.raises(InputError) as exc:
        collect_frame(raw, "customers", source="crm", file="crm.csv")
    assert exc.value.column == "dob" and exc.value.row == 3


def test_date_report_in_pipeline():
    raw = pd.DataFrame({"id": ["1", "2"], "email": ["a@x.org", "b@x.org"],
                        "dob": ["03/04/1985", "1900-01-01"]})
    rep = collect_frame(raw, "customers", source="crm").report.dates
    row = rep[rep["field"] == "birth_date"].iloc[0]
    assert (row["n_ambiguous"], row["n_placeholder"], row["decided_by"]) == (1, 1, "default")
