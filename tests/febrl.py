"""The FEBRL data sets, loaded as ``recordlinkage.datasets.load_febrl1..4`` load them.

Vendored under ``tests/fixtures/febrl/`` (see its README) so that the linkage tests do not
need recordlinkage, an optional ``[interop]`` extra that caps pandas < 3.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

_DIR = Path(__file__).resolve().parent / "fixtures" / "febrl"


def _load(name: str) -> pd.DataFrame:
    return pd.read_csv(_DIR / f"{name}.csv.gz", index_col="rec_id", sep=",", engine="c",
                       skipinitialspace=True, encoding="utf-8",
                       dtype={"street_number": object, "date_of_birth": object,
                              "soc_sec_id": object, "postcode": object})


def _links(df: pd.DataFrame) -> pd.MultiIndex:
    # Records sharing the number in rec-<n>-... are the same person (lower triangle only).
    keys = df.index.to_series().str.extract(r"rec-(\d+)", expand=True)[0]
    helper = pd.DataFrame({"key": keys.to_numpy(), "index": np.arange(len(df))})
    pairs = helper.merge(helper, on="key")[["index_x", "index_y"]]
    pairs = pairs[pairs["index_x"] > pairs["index_y"]]
    return pd.MultiIndex(levels=[df.index.values, df.index.values],
                         codes=[pairs["index_x"].values, pairs["index_y"].values],
                         names=[None, None], verify_integrity=False)


def _dedupe_set(name: str, return_links: bool):
    df = _load(name)
    return (df, _links(df)) if return_links else df


def load_febrl1(return_links: bool = False):
    """FEBRL 1: 1,000 records, 500 originals with one duplicate each."""
    return _dedupe_set("dataset1", return_links)


def load_febrl2(return_links: bool = False):
    """FEBRL 2: 5,000 records, 4,000 originals and 1,000 duplicates."""
    return _dedupe_set("dataset2", return_links)


def load_febrl3(return_links: bool = False):
    """FEBRL 3: 5,000 records, 2,000 originals and 3,000 duplicates."""
    return _dedupe_set("dataset3", return_links)


def load_febrl4(return_links: bool = False):
    """FEBRL 4: two files of 5,000 records, each of 4a's records duplicated once in 4b."""
    a, b = _load("dataset4a"), _load("dataset4b")
    if return_links:
        links = pd.MultiIndex.from_arrays([[f"rec-{i}-org" for i in range(5000)],
                                           [f"rec-{i}-dup-0" for i in range(5000)]])
        return a, b, links
    return a, b
