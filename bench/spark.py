"""Benchmark the two engines: local (pandas/DuckDB) vs Spark local mode, on the generated company.

For each size the demo company is generated and its customer sources collected once
(cached in ``bench/.cache/spark``); then each engine runs in its own child process:

* linkage: :func:`cdmkit.link.resolve_identities` (local) or
  :func:`cdmkit.engine.spark_resolve_identities` (pairs kept on Spark), on the collected
  customer records, a fresh ID store each;
* RFM summary and monthly cohort table of the web-shop order lines (the raw Parquet file,
  read by pandas or by Spark: the lines never reach the Spark driver).

Measured: wall seconds per step, the driver's peak memory (the Python process) and, for
Spark, the JVM's peak (in local mode the executors run inside the driver JVM) and the peak
of the Python workers it starts for ``mapInPandas``; memory is sampled every 0.2 s
(``/proc/<pid>/status`` VmRSS) and the kernel's own peak (VmHWM) where the process is
still alive at the end. Both engines' clusters and RFM figures are checked to be equal.

Usage::

    python bench/spark.py                      # 30k and 100k persons
    python bench/spark.py --sizes 100000       # one size
    python bench/spark.py --no-write           # print, leave docs/benchmarks.md alone

Writes the ``spark`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, run_measured, table, write_section  # noqa: E402

CACHE = ROOT / "bench" / ".cache" / "spark"
#: Spark settings of the benchmark: two cores, as the machine has.
SPARK_CONF = {"spark.ui.enabled": False, "spark.ui.showConsoleProgress": False,
              "spark.driver.memory": "3g", "spark.sql.adaptive.enabled": True}


def _prepare(n: int) -> Path:
    """Generate the company at ``n`` persons and collect its customer sources (cached)."""
    from cdmkit.collect import collect_sources
    from cdmkit.config import load_config
    from cdmkit.generate import generate_demo

    gen = CACHE / f"generated_{n}"
    out = gen / "customers.parquet"
    if out.exists():
        return gen
    demo = generate_demo(gen / "data", n_customers=n, seed=42, client="bench",
                         config_path=gen / "clients" / "bench.yaml", output_dir="../reports")
    cfg = load_config(demo.config_path)
    names = [src.name for src in cfg.sources_of("customers")]
    collect_sources(cfg, sources=names).tables["customers"].to_parquet(out, index=False)
    return gen


def _rss_kib(pid: int, field: str = "VmRSS") -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _parents() -> dict[int, int]:
    """``{pid: parent pid}`` of every process (children of any thread are found)."""
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    out[int(d)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return out


def _children(pid: int, parents: dict | None = None) -> list[int]:
    parents = _parents() if parents is None else parents
    return [p for p, pp in parents.items() if pp == pid]


def _cpu_seconds(pid: int, waited: bool = True) -> float:
    """CPU seconds of ``pid`` (with its waited-for children when ``waited``)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            f = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(f[11]) + int(f[12]) + ((int(f[13]) + int(f[14])) if waited else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


class _Sampler(threading.Thread):
    """Peak RSS of this process, of its java child, and of the java child's descendants."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = {"driver": 0, "jvm": 0, "workers": 0}
        self.jvm, self.workers = None, []
        self._stop = threading.Event()

    def _sample(self):
        me, parents = os.getpid(), _parents()
        self.peak["driver"] = max(self.peak["driver"], _rss_kib(me))
        for c in _children(me, parents):
            try:
                exe = os.readlink(f"/proc/{c}/exe")
            except OSError:
                continue
            if exe.endswith("/java"):
                self.jvm = c
                self.peak["jvm"] = max(self.peak["jvm"], _rss_kib(c))
                todo, total, tree = _children(c, parents), 0, []
                while todo:
                    p = todo.pop()
                    total += _rss_kib(p)
                    tree.append(p)
                    todo += _children(p, parents)
                self.peak["workers"] = max(self.peak["workers"], total)
                self.workers = tree

    def run(self):
        while not self._stop.wait(0.2):
            self._sample()

    def stop(self) -> dict:
        self._sample()
        self._stop.set()
        if self.jvm:  # the kernel's own peak of the JVM (it is still running)
            self.peak["jvm"] = max(self.peak["jvm"], _rss_kib(self.jvm, "VmHWM"))
        self.peak["driver"] = max(self.peak["driver"], _rss_kib(os.getpid(), "VmHWM"))
        out = {f"peak_{k}_mib": v / 1024 for k, v in self.peak.items()}
        # CPU: this process, the JVM and its Python workers (the daemon waits for them)
        out["cpu_s"] = _cpu_seconds(os.getpid()) + (_cpu_seconds(self.jvm, False)
                                                     if self.jvm else 0.0)
        out["cpu_s"] += sum(_cpu_seconds(p) for p in self.workers)
        return out


# One function: the worker's steps in order, each timed; split, the timing would scatter.
def _worker(engine: str, n: int, out: Path) -> None:  # long: the benchmark's whole child run
    import numpy as np
    import pandas as pd

    from cdmkit.analyze.cohorts import cohort_table
    from cdmkit.config import load_config
    from cdmkit.link import linkage_columns
    from cdmkit.segment import rfm_summary

    sampler = _Sampler()
    sampler.start()
    gen = CACHE / f"generated_{n}"
    cfg = load_config(gen / "clients" / "bench.yaml")
    import pyarrow.parquet as pq

    path = gen / "customers.parquet"
    customers = pd.read_parquet(path, columns=linkage_columns(pq.read_schema(path).names,
                                                              cfg.linkage))
    orders = gen / "data" / "webshop_orders.parquet"
    store = gen / f"store_{engine}.duckdb"
    store.unlink(missing_ok=True)
    res, steps = {"engine": engine, "n": n, "records": len(customers)}, []
    t0 = time.perf_counter()
    if engine == "local":
        from cdmkit.link import resolve_identities

        lk = resolve_identities(customers, cfg.linkage, store, run_id="bench", seed=cfg.seed)
        res["linkage_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        tx = pd.read_parquet(orders, columns=["account_id", "ordered_at", "amount"])
        rfm = rfm_summary(tx, "account_id", "ordered_at", "amount", freq="W")
        coh = cohort_table(tx, "account_id", "ordered_at", "amount", freq="M")
        res["aggregates_s"] = time.perf_counter() - t0
        res["order_lines"] = len(tx)
    else:
        from cdmkit.config import SparkConfig, SourceConfig
        from cdmkit.engine import (StepLog, read_source, spark_cohort_counts,
                                   spark_resolve_identities, spark_rfm_summary, spark_session)

        spark = spark_session(SparkConfig(master="local[2]", partitions=8, conf=SPARK_CONF))
        spark.sparkContext.setLogLevel("ERROR")
        res["session_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        log = StepLog("spark")
        lk = spark_resolve_identities(spark, customers, cfg.linkage, store, log=log,
                                      run_id="bench", seed=cfg.seed)
        res["linkage_s"] = time.perf_counter() - t0
        steps = log.records()
        t0 = time.perf_counter()
        sdf = read_source(spark, SourceConfig(name="orders", kind="transactions",
                                              path=str(orders)))
        sdf = sdf.select("account_id", "ordered_at", "amount").cache()
        res["order_lines"] = sdf.count()
        rfm = spark_rfm_summary(spark, sdf, "account_id", "ordered_at", "amount", freq="W")
        coh = spark_cohort_counts(spark, sdf, "account_id", "ordered_at", "amount", freq="M")
        res["aggregates_s"] = time.perf_counter() - t0
    res.update(sampler.stop())
    res["customers"] = int(lk.customer_map["customer_id"].nunique())
    res["pairs"] = int(lk.report.n_candidate_pairs)
    res["steps"] = steps
    lk.customer_map.to_parquet(out.with_suffix(".map.parquet"), index=False)
    rfm.to_parquet(out.with_suffix(".rfm.parquet"))
    coh.to_parquet(out.with_suffix(".cohorts.parquet"))
    res["rfm_total"] = float(np.asarray(rfm["total_spend"]).sum())
    out.write_text(json.dumps(res, indent=1))


def _same(a: Path, b: Path) -> bool:
    """Whether both engines' customer maps, RFM and cohort tables agree."""
    import pandas as pd

    try:
        for part in (".map.parquet", ".rfm.parquet", ".cohorts.parquet"):
            x, y = pd.read_parquet(a.with_suffix(part)), pd.read_parquet(b.with_suffix(part))
            pd.testing.assert_frame_equal(x, y, check_dtype=False, check_exact=False,
                                          rtol=1e-9)
    except AssertionError as exc:
        print(f"engines differ: {str(exc)[:300]}")
        return False
    return True


def measure(n: int) -> list[dict]:
    """Both engines at ``n`` persons, each in its own child process."""
    t0 = time.perf_counter()
    _prepare(n)
    print(f"{n:,} persons: data ready in {time.perf_counter() - t0:.0f} s", flush=True)
    rows = []
    for engine in ("local", "spark"):
        out = CACHE / f"result_{engine}_{n}.json"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        run = run_measured([sys.executable, __file__, "--worker", engine, str(n), str(out)],
                           env=env)
        r = json.loads(out.read_text())
        r["wall_s"] = run["seconds"]
        rows.append(r)
        print(f"  {engine}: {run['seconds']:.0f} s, driver {r['peak_driver_mib']:.0f} MiB, "
              f"JVM {r['peak_jvm_mib']:.0f} MiB", flush=True)
    rows[0]["same"] = rows[1]["same"] = _same(CACHE / f"result_local_{n}.json",
                                              CACHE / f"result_spark_{n}.json")
    return rows


def _markdown(rows: list[dict]) -> str:
    cols = ["persons", "records", "candidate pairs", "engine", "linkage s", "RFM + cohorts s",
            "process wall s", "CPU s", "driver peak MiB", "JVM peak MiB", "Python workers peak MiB",
            "same result"]
    out = []
    for r in rows:
        out.append({"persons": f"{r['n']:,}", "records": f"{r['records']:,}",
                    "candidate pairs": f"{r['pairs']:,}", "engine": r["engine"],
                    "linkage s": r["linkage_s"], "RFM + cohorts s": r["aggregates_s"],
                    "process wall s": r.get("wall_s", "not kept"),
                    "CPU s": r["cpu_s"] if "cpu_s" in r else "not measured",
                    "driver peak MiB": f"{r['peak_driver_mib']:,.0f}",
                    "JVM peak MiB": f"{r['peak_jvm_mib']:,.0f}" if r["engine"] == "spark"
                    else "—",
                    "Python workers peak MiB": f"{r['peak_workers_mib']:,.0f}"
                    if r["engine"] == "spark" else "—",
                    "same result": {True: "yes", False: "NO"}.get(r.get("same"),
                                                                  "not compared")})
    steps = []
    for r in rows:
        if r["engine"] != "spark":
            continue
        for s in r["steps"]:
            steps.append({"persons": f"{r['n']:,}", "step": s["step"], "engine": s["engine"],
                          "rows": f"{s['rows']:,}" if s["rows"] is not None else "—",
                          "rows to driver": f"{s['rows_to_driver']:,}"
                          if s["rows_to_driver"] is not None else "—",
                          "seconds": s["seconds"]})
    return "\n\n".join([
        "## Spark engine vs local engine (`bench/spark.py`)",
        "The generated company at each size; each engine in its own process, a fresh ID "
        "store each. Linkage: `resolve_identities` (local) or `spark_resolve_identities` "
        "(Spark local mode, `local[2]`, 8 partitions, the candidate pairs kept on Spark). "
        "RFM summary (weekly) and monthly cohort table of the web-shop order lines, read "
        "from the Parquet file by pandas or by Spark. Memory is peak RSS: the driver is the "
        "Python process; in local mode the executors run inside the driver JVM (its peak is "
        "*JVM*) and `mapInPandas` runs in Python workers the JVM starts. *Same result*: "
        "the customer map, RFM and cohort tables of both engines are equal.",
        table(out, cols),
        "Spark steps (the step log the report shows):",
        table(steps, ["persons", "step", "engine", "rows", "rows to driver", "seconds"]),
    ])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[30_000, 100_000])
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--notes", default="", help="a paragraph added under the tables")
    ap.add_argument("--merge", type=Path, help="rows of an earlier run (its last.json) to keep")
    args = ap.parse_args(argv)
    if args.worker:
        engine, n, out = args.worker
        _worker(engine, int(n), Path(out))
        return 0
    CACHE.mkdir(parents=True, exist_ok=True)
    rows = json.loads(args.merge.read_text()) if args.merge else []
    for n in args.sizes:  # the section is written after each size: a long run keeps its start
        rows = [r for r in rows if r["n"] != n] + measure(n)
        rows.sort(key=lambda r: (r["n"], r["engine"]))
        md = _markdown(rows) + (f"\n\n{args.notes}" if args.notes else "")
        (CACHE / "last.json").write_text(json.dumps(rows, indent=1))
        if not args.no_write:
            write_section("spark", md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
