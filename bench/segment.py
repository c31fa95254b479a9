"""Benchmark: RFM and clustering with cdmkit against a plain DuckDB SQL group-by (the floor).

Both tools read the same Parquet file of synthetic transactions (N customers, about
``lines`` lines each) in separate child processes, so wall time and peak memory are
measured per tool. DuckDB computes the same RFM summary (daily periods, lifetimes
semantics) in one SQL group-by; cdmkit's results are checked against it. cdmkit then
builds features and clusters all customers (choosing k by silhouette on a sample,
mini-batch k-means above ``minibatch_above`` customers, stability across seeds).

Usage::

    python bench/segment.py                       # target size: 1,000,000 customers, ~20M lines
    python bench/segment.py --customers 200000    # a size that runs in a few minutes
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import peer_python, run_measured, table, write_section  # noqa: E402

END = "2023-12-31"

DUCKDB_SQL = """
WITH per AS (
    SELECT customer_id, CAST("timestamp" AS DATE) AS d, SUM(amount) AS v,
           MIN("timestamp") AS t_min, MAX("timestamp") AS t_max
    FROM read_parquet('{path}')
    WHERE CAST("timestamp" AS DATE) <= DATE '{end}'
    GROUP BY 1, 2
)
SELECT customer_id,
       COUNT(*) - 1 AS frequency,
       date_diff('day', MIN(d), MAX(d)) AS recency,
       date_diff('day', MIN(d), DATE '{end}') AS "T",
       CASE WHEN COUNT(*) > 1 THEN (SUM(v) - arg_min(v, d)) / (COUNT(*) - 1) ELSE 0 END
           AS monetary_value,
       date_diff('day', MAX(d), DATE '{end}') AS days_since_last,
       COUNT(*) AS n_purchase_days,
       SUM(v) AS total_spend,
       MIN(t_min) AS first_purchase,
       MAX(t_max) AS last_purchase
FROM per
GROUP BY 1
ORDER BY 1
"""


LIFETIMES_SCRIPT = """
import json, sys, time
import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data
tx = pd.read_parquet(sys.argv[1])
t0 = time.perf_counter()
s = summary_data_from_transaction_data(tx, "customer_id", "timestamp", "amount",
                                       observation_period_end=sys.argv[3], freq="D")
seconds = time.perf_counter() - t0
s.reset_index().to_parquet(sys.argv[2], index=False)
print(json.dumps({"rfm_seconds": seconds, "customers": len(s)}))
"""


def worker_duckdb(path: str, out: str) -> dict:
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect()
    df = con.execute(DUCKDB_SQL.format(path=path, end=END)).df()
    seconds = time.perf_counter() - t0
    df.to_parquet(out, index=False)
    return {"rfm_seconds": seconds, "customers": len(df)}


def worker_cdmkit(path: str, out: str, sample_size: int) -> dict:
    import warnings

    import pandas as pd

    from cdmkit.config import SegmentationConfig
    from cdmkit.segment import (SkewLogScaler, build_customer_features, choose_k,
                                cluster_stability, make_segmenter, rfm_segments, rfm_summary)

    warnings.simplefilter("ignore")
    tx = pd.read_parquet(path)
    res = {}
    t0 = time.perf_counter()
    s = rfm_summary(tx, observation_end=END)
    res["rfm_seconds"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    scored = rfm_segments(s)
    res["scores_seconds"] = time.perf_counter() - t1
    cfg = SegmentationConfig(sample_size=sample_size)
    t2 = time.perf_counter()
    feats = build_customer_features(s, tx, groups=["rfm", "tenure", "channels", "categories"])
    X = SkewLogScaler().fit_transform(feats)
    res["features_seconds"] = time.perf_counter() - t2
    method = "minibatch_kmeans" if len(X) > cfg.minibatch_above else "kmeans"
    t3 = time.perf_counter()
    sel = choose_k(X, range(cfg.k_min, cfg.k_max + 1), method, cfg.sample_size, 0,
                   cfg.min_cluster_share)
    labels = make_segmenter(method, sel.k, random_state=0).fit(X).labels_
    stab = cluster_stability(X, sel.k, method, range(3), cfg.sample_size, 0)
    res["clustering_seconds"] = time.perf_counter() - t3
    res.update(customers=len(s), k=sel.k, silhouette=sel.silhouette, ari=stab.mean_ari,
               method=method, segments=int(scored["segment"].nunique()),
               clusters=int(len(set(labels.tolist()))))
    s.reset_index().to_parquet(out, index=False)
    return res


def compare(a: str, b: str, cols=("frequency", "recency", "T", "monetary_value",
                                    "days_since_last", "total_spend")) -> float:
    """Largest absolute difference between two RFM tables on ``cols`` (0 = identical)."""
    import numpy as np
    import pandas as pd

    x = pd.read_parquet(a).set_index("customer_id").sort_index()
    y = pd.read_parquet(b).set_index("customer_id").sort_index()
    if not x.index.equals(y.index):
        return float("inf")
    return float(max(np.nanmax(np.abs(x[c].to_numpy(float) - y[c].to_numpy(float)))
                     for c in cols))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--lines", type=float, default=20.0, help="mean lines per customer")
    ap.add_argument("--sample-size", type=int, default=10_000)
    ap.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    ap.add_argument("--peer-max-lines", type=float, default=5e6,
                    help="run lifetimes (peer venv) only up to this many lines")
    ap.add_argument("--worker", choices=["duckdb", "cdmkit"], help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker == "duckdb":
        print(json.dumps(worker_duckdb(args.data, args.out)))
        return
    if args.worker == "cdmkit":
        print(json.dumps(worker_cdmkit(args.data, args.out, args.sample_size)))
        return

    from cdmkit.segment.synthetic import simulate_transactions

    tmp = Path(tempfile.mkdtemp(prefix="cdmkit-bench-segment-"))
    data = tmp / "tx.parquet"
    t0 = time.perf_counter()
    tx, _ = simulate_transactions(args.customers, lines_per_customer=args.lines, seed=0,
                                  integer_ids=True)
    n_lines = len(tx)
    tx.to_parquet(data, index=False)
    del tx
    print(f"generated {args.customers:,} customers / {n_lines:,} lines in "
          f"{time.perf_counter() - t0:.1f}s", file=sys.stderr)
    me = [sys.executable, str(Path(__file__).resolve())]
    duck = run_measured(me + ["--worker", "duckdb", "--data", str(data),
                              "--out", str(tmp / "duck.parquet")])
    duck.update(json.loads(duck.pop("stdout").strip().splitlines()[-1]))
    print(f"duckdb: {duck}", file=sys.stderr)
    cdm = run_measured(me + ["--worker", "cdmkit", "--data", str(data),
                             "--out", str(tmp / "cdm.parquet"),
                             "--sample-size", str(args.sample_size)])
    cdm.update(json.loads(cdm.pop("stdout").strip().splitlines()[-1]))
    print(f"cdmkit: {cdm}", file=sys.stderr)
    diff = compare(str(tmp / "cdm.parquet"), str(tmp / "duck.parquet"))
    print(f"largest difference cdmkit vs DuckDB: {diff}", file=sys.stderr)

    peer = None
    if n_lines <= args.peer_max_lines:
        script = tmp / "lifetimes_rfm.py"
        script.write_text(LIFETIMES_SCRIPT, encoding="utf-8")
        py = peer_python(["lifetimes", "pyarrow"])
        peer = run_measured([py, str(script), str(data), str(tmp / "lt.parquet"), END])
        peer.update(json.loads(peer.pop("stdout").strip().splitlines()[-1]))
        peer["diff"] = compare(str(tmp / "cdm.parquet"), str(tmp / "lt.parquet"),
                               ("frequency", "recency", "T", "monetary_value"))
        print(f"lifetimes: {peer}", file=sys.stderr)
    rows = [
        {"tool": "DuckDB SQL group-by (floor)", "step": "RFM summary",
         "seconds": duck["rfm_seconds"], "process s": duck["seconds"],
         "peak MiB": duck["peak_mib"]},
    ]
    if peer is not None:
        rows.append({"tool": "lifetimes `summary_data_from_transaction_data`",
                     "step": "RFM summary (CLV columns only)", "seconds": peer["rfm_seconds"],
                     "process s": peer["seconds"], "peak MiB": peer["peak_mib"]})
    rows += [
        {"tool": "cdmkit `rfm_summary`", "step": "RFM summary",
         "seconds": cdm["rfm_seconds"], "process s": cdm["seconds"], "peak MiB": cdm["peak_mib"]},
        {"tool": "cdmkit `rfm_segments`", "step": "scores + named segments",
         "seconds": cdm["scores_seconds"]},
        {"tool": "cdmkit features", "step": "features + log/scale",
         "seconds": cdm["features_seconds"]},
        {"tool": f"cdmkit {cdm['method']}", "step": "choose k, fit all, stability",
         "seconds": cdm["clustering_seconds"]},
    ]
    md = (f"## Segmentation: RFM and clustering\n\n"
          f"{cdm['customers']:,} customers, {n_lines:,} transaction lines (synthetic, "
          f"`bench/segment.py --customers {args.customers} --lines {args.lines:g}`). "
          f"Each tool runs in its own process reading the same Parquet file; `seconds` is the "
          f"step itself, `process s` and `peak MiB` the whole process (including reading "
          f"the file). DuckDB computes the same lifetimes-style RFM in one SQL group-by; "
          f"largest absolute difference from cdmkit's result: {diff:.2g}"
          + (f"; lifetimes 0.11 (separate venv) on the same file: {peer['diff']:.2g}"
             if peer is not None else "; lifetimes not run at this size") + ". Clustering: "
          f"k = {cdm['k']} chosen by silhouette ({cdm['silhouette']:.3f}) on a "
          f"{args.sample_size:,}-customer sample, stability ARI across 3 seeds "
          f"{cdm['ari']:.3f}.\n\n"
          + table(rows, ["tool", "step", "seconds", "process s", "peak MiB"]))
    print(md)
    if not args.no_write:
        write_section("segmentation", md)


if __name__ == "__main__":
    main()
