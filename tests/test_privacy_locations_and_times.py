"""Postcodes and cities masked like other personal fields; event times are not birth dates."""

from __future__ import annotations

import json

import pandas as pd

from cdmkit.collect.catalog import detect_pii_class
from cdmkit.privacy import mask_frame
from cdmkit.privacy.detect import classify_column, detect_pii
from cdmkit.privacy.masking import mask_attributes


def test_postcodes_and_cities_are_masked_by_default_in_every_variant():
    df = pd.DataFrame({"postcode": ["CF3 7TH"], "city_raw": ["Cardiff"], "postcode_l": ["W1A 1AA"],
                       "city_r": ["London"], "amount": [3.5]})
    out = mask_frame(df)
    text = out.to_string()
    for raw in ("CF3 7TH", "Cardiff", "W1A 1AA", "London"):
        assert raw not in text
    assert out["amount"].tolist() == [3.5]
    assert mask_frame(df, show_raw=True).equals(df)  # privacy.show_raw_pii: true shows them
    attrs = json.loads(mask_attributes(json.dumps({"zip": "CF3 7TH", "tier": "gold"})))
    assert attrs == {"zip": "C***", "tier": "gold"}


def test_invoice_timestamps_are_not_birth_dates():
    # Online Retail's InvoiceDate: times of day, one year of data.
    times = pd.Series(pd.date_range("2010-12-01 08:26", periods=400, freq="21h"))
    for name in ("InvoiceDate", "col_7", "when"):
        assert classify_column(name, times)["pii_type"] != "birth_date", name
        assert classify_column(name, times.dt.strftime("%Y-%m-%d %H:%M"))["pii_type"] \
            != "birth_date", name
    assert detect_pii_class(times, "InvoiceDate") == "none"
    # Whole days within one year, named as an order date: not a birth date either.
    days = pd.Series(pd.date_range("2011-01-01", periods=300, freq="D"))
    assert detect_pii_class(days, "order_date") == "none"


def test_real_birth_dates_are_still_found():
    dob = pd.Series(pd.to_datetime(["1980-01-02", "1975-05-06", "1990-12-12", "1968-03-03",
                                    "1959-07-21"] * 8))
    assert classify_column("dob", dob)["pii_type"] == "birth_date"
    assert classify_column("col_3", dob)["pii_type"] == "birth_date"  # by content alone
    assert detect_pii_class(dob, "col_3") == "quasi"
    assert detect_pii(pd.DataFrame({"geburtsdatum": dob.dt.strftime("%Y-%m-%d")}))[
        "pii_type"].iloc[0] == "birth_date"
