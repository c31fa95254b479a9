"""Property tests for the CSV loader and the collection of a source.

- Round trip: a table written in any supported encoding and delimiter reads back identical
  (values with quotes, delimiters and non-Latin scripts included), with the encoding and the
  delimiter given or sniffed.
- Every input row ends in the clean output or the rejects: ``rows_in == rows_clean +
  rows_rejected`` for generated customer files with duplicates, bad values and ragged rows.
"""

from __future__ import annotations

import csv

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from cdmkit.collect import collect_source
from cdmkit.collect.loaders import CsvLoader
from cdmkit.config import ClientConfig

ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-@+'"
LATIN1 = "éüøçñßÉÀ"
PERSIAN = "ابپتجچخدرزژسشکگلمنوهی"
PERSIAN_1256 = PERSIAN.replace("ی", "ي")   # cp1256 has the Arabic yeh, not the Persian one
KANA = "あいうえおやまだ山田"
SPECIAL = ',;|"\t'

#: encoding -> letters it can write
ENCODINGS = {"utf-8": ASCII + LATIN1 + PERSIAN + KANA,
             "utf-8-sig": ASCII + LATIN1 + PERSIAN + KANA,
             "cp1252": ASCII + LATIN1, "cp1256": ASCII + PERSIAN_1256,
             "utf-16": ASCII + LATIN1 + KANA}
DELIMITERS = [",", ";", "\t", "|"]


@st.composite
def tables(draw):
    encoding = draw(st.sampled_from(sorted(ENCODINGS)))
    delimiter = draw(st.sampled_from(DELIMITERS))
    letters = ENCODINGS[encoding]
    # non-empty values without surrounding spaces (a CSV cell cannot tell "" from missing)
    cell = st.text(alphabet=letters + SPECIAL, min_size=1, max_size=12).map(str.strip).filter(
        bool)
    n_cols = draw(st.integers(1, 4))
    rows = draw(st.lists(st.lists(cell, min_size=n_cols, max_size=n_cols), min_size=1,
                         max_size=15))
    header = [f"col_{i}" for i in range(n_cols)]
    return pd.DataFrame(rows, columns=header), encoding, delimiter


def _write(df, path, encoding, delimiter):
    df.to_csv(path, index=False, sep=delimiter, encoding=encoding, quoting=csv.QUOTE_MINIMAL)


@given(tables(), st.booleans())
def test_csv_round_trip_in_any_encoding_and_delimiter(tmp_path_factory, table, sniff):
    df, encoding, delimiter = table
    path = tmp_path_factory.mktemp("rt") / "t.csv"
    _write(df, path, encoding, delimiter)
    options = {} if sniff and encoding in ("utf-8", "utf-8-sig", "utf-16") else \
        {"encoding": encoding, "delimiter": delimiter}
    got = CsvLoader(**options).load(path)
    assert list(got.columns) == list(df.columns)
    assert got.astype(str).values.tolist() == df.values.tolist(), (encoding, repr(delimiter))


NAMES = ["Ann Lee", "MR JOHN SMITH", "مریم احمدی", "山田 太郎", "anne-marie van der berg"]
EMAILS = ["ann@example.org", "JOHN.SMITH@Mail.com", "broken@", "no-at-sign", ""]
PHONES = ["07911 123456", "+44 20 7946 0958", "12", "0912 345 6789", ""]
DATES = ["1980-12-25", "25/12/1980", "03/04/1985", "1900-01-01", "soon", ""]


@st.composite
def customer_files(draw):
    row = st.tuples(st.sampled_from(NAMES), st.sampled_from(EMAILS), st.sampled_from(PHONES),
                    st.sampled_from(DATES))
    rows = draw(st.lists(row, min_size=1, max_size=25))
    rows = [(str(i),) + r for i, r in enumerate(rows)]
    # exact duplicates and ragged rows at random places
    dupes = draw(st.lists(st.integers(0, len(rows) - 1), max_size=3))
    rows += [rows[i] for i in dupes]
    ragged = draw(st.lists(st.integers(0, len(rows)), max_size=3))
    return rows, sorted(ragged), draw(st.sampled_from(["utf-8", "utf-8-sig"])), \
        draw(st.sampled_from([",", ";"]))


@given(customer_files())
def test_every_generated_row_is_clean_or_rejected(tmp_path_factory, spec):
    rows, ragged, encoding, delimiter = spec
    d = tmp_path_factory.mktemp("rows")
    lines = [delimiter.join(["id", "name", "email", "phone", "birth_date"])]
    body = [delimiter.join(f'"{v}"' for v in r) for r in rows]
    for k, pos in enumerate(ragged):                 # one field short of the header
        body.insert(pos + k, delimiter.join(['"x' + str(k) + '"', '"Ann"']))
    (d / "c.csv").write_text("\n".join(lines + body) + "\n", encoding=encoding)
    cfg = ClientConfig(client="p", base_dir=str(d), sources=[{
        "name": "crm", "kind": "customers", "path": "c.csv",
        "options": {"on_bad_rows": "reject"},
        "mapping": {"record_id": "id", "full_name": "name", "email": "email", "phone": "phone",
                    "birth_date": "birth_date"}}])
    res = collect_source(cfg.sources[0], cfg)
    st_ = res.source_stats.iloc[0]
    assert st_.rows_in == len(body)
    assert st_.rows_in == st_.rows_clean + st_.rows_rejected
    assert st_.rows_clean == len(res.tables["customers"])
    assert st_.rows_rejected == len(res.rejects) >= len(ragged)
    # the duplicates are the only other rejects
    assert st_.rows_rejected == len(ragged) + (len(rows) - len(set(rows)))
