"""Every registered component of every plugin kind follows its contract (cdmkit.testing)."""

from __future__ import annotations

import contextlib
import sqlite3

import duckdb
import pandas as pd
import pytest

from cdmkit import testing
from cdmkit.registry import (cleaners, comparators, exporters, loaders, segmenters, stages,
                             validators)


@pytest.mark.parametrize("name", cleaners.names())
def test_cleaner_contract(name):
    testing.check_cleaner(cleaners.get(name))


@pytest.mark.parametrize("name", comparators.names())
def test_comparator_contract(name):
    testing.check_comparator(comparators.get(name))


@pytest.mark.parametrize("name", segmenters.names())
def test_segmenter_contract(name):
    testing.check_segmenter(segmenters.get(name))


@pytest.mark.parametrize("name", validators.names())
def test_validator_contract(name):
    testing.check_validator(validators.get(name))


@pytest.mark.parametrize("name", exporters.names())
def test_exporter_contract(name, tmp_path):
    testing.check_exporter(exporters.get(name), tmp_path)


SAMPLE = pd.DataFrame({"id": ["1", "2"], "name": ["Ann", "مریم"]})


def _sqlite(p):
    with contextlib.closing(sqlite3.connect(p)) as con:
        SAMPLE.to_sql("contacts", con, index=False)
        con.commit()


def _duckdb(p):
    with duckdb.connect(str(p)) as con:
        con.register("sample", SAMPLE)
        con.execute("create table contacts as select * from sample")


# loader name -> (file name, writer, loader options)
WRITERS = {
    "csv": ("a.csv", lambda p: SAMPLE.to_csv(p, index=False), {}),
    "tsv": ("a.tsv", lambda p: SAMPLE.to_csv(p, index=False, sep="\t"), {}),
    "excel": ("a.xlsx", lambda p: SAMPLE.to_excel(p, index=False), {}),
    "parquet": ("a.parquet", lambda p: SAMPLE.to_parquet(p), {}),
    "json": ("a.json", lambda p: SAMPLE.to_json(p, orient="records", force_ascii=False), {}),
    "jsonl": ("a.jsonl", lambda p: SAMPLE.to_json(p, orient="records", lines=True,
                                                  force_ascii=False), {}),
    "sql": ("a.db", _sqlite, {"table": "contacts"}),
    "duckdb": ("a.duckdb", _duckdb, {"table": "contacts"}),
}


@pytest.mark.parametrize("name", loaders.names())
def test_loader_contract(name, tmp_path):
    assert name in WRITERS, f"add a sample file for the {name} loader to WRITERS"
    filename, write, options = WRITERS[name]
    path = tmp_path / filename
    write(path)
    df = testing.check_loader(loaders.get(name), path, **options)
    assert df.astype(str)["name"].tolist() == ["Ann", "مریم"]


@pytest.mark.parametrize("name", stages.names())
def test_stage_contract(name):
    testing.check_stage(stages.get(name))
