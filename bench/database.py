"""Customer database: load and incremental-update time and size, DuckDB and PostgreSQL.

For each size a synthetic run of N customers (1.7 records and 3 purchases per customer)
is loaded, then a second run that changes 1 % of the customers (0.5 % new e-mail or
address, 0.3 % new customers, 0.2 % merged into another customer, plus new purchases of
1 % of the customers). The second load should cost in proportion to the change: the
rows written and the growth of the database are reported beside the time.

Usage: ``python bench/database.py [--sizes 10000,100000,1000000] [--no-postgres]``.
Writes the ``database`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_mib, table, write_section  # noqa: E402


def synthetic_run(folder: Path, n: int, seed: int, base: dict | None = None) -> dict:
    """Write the tables of one run; with ``base``, a 1 % change of that run."""
    rng = np.random.default_rng(seed)
    if base is None:
        ids = np.array([f"C{i:08d}" for i in range(1, n + 1)], dtype=object)
        golden = pd.DataFrame({
            "customer_id": ids,
            "first_name": rng.choice(["Anna", "Ali", "Taro", "Maryam", "John", "Yuki"], n),
            "last_name": rng.choice(["Smith", "Ahmadi", "Yamada", "Brown", "Sato"], n),
            "email": [f"user{i}@example.org" for i in range(n)],
            "phone": [f"+4477009{i:05d}"[-13:] for i in range(n)],
            "birth_date": pd.Timestamp("1950-01-01") + pd.to_timedelta(
                rng.integers(0, 20000, n), unit="D"),
            "street": [f"{i % 200} High Street" for i in range(n)],
            "city": rng.choice(["Cardiff", "Tehran", "Osaka", "Leeds"], n),
            "postcode": [f"CF{i % 90} {i % 9}AB" for i in range(n)],
            "country": rng.choice(["GB", "IR", "JP"], n),
            "household_id": [f"H{i // 2:08d}" for i in range(n)],
            "consent_email": rng.random(n) < 0.7,
            "n_records": rng.integers(1, 3, n),
        })
        rec_owner = np.concatenate([np.arange(n), rng.choice(n, int(0.7 * n))])
        cmap = pd.DataFrame({"source": np.where(np.arange(len(rec_owner)) < n, "crm", "shop"),
                             "record_id": [str(i) for i in range(len(rec_owner))],
                             "customer_id": ids[rec_owner],
                             "household_id": golden["household_id"].to_numpy()[rec_owner]})
        n_tx = 3 * n
        owner = rng.integers(0, len(cmap), n_tx)
        tx = pd.DataFrame({
            "source": "orders", "record_id": [f"T{i}" for i in range(n_tx)],
            "customer_source": cmap["source"].to_numpy()[owner],
            "customer_ref": cmap["record_id"].to_numpy()[owner],
            "order_id": [f"O{i // 2}" for i in range(n_tx)],
            "timestamp": pd.Timestamp("2023-01-01") + pd.to_timedelta(
                rng.integers(0, 700 * 86400, n_tx), unit="s"),
            "product_name": rng.choice(["Soap", "Oil", "Tea", "Pen"], n_tx),
            "amount": rng.integers(1, 200, n_tx).astype(float)})
        changes = pd.DataFrame({"run_id": "r1", "event": "new", "customer_id": ids,
                                "other_id": None})
    else:
        golden, cmap, tx = base["golden"].copy(), base["customer_map"].copy(), base["tx"]
        k = max(1, n // 200)            # 0.5 % new e-mail / address
        pick = rng.choice(n, 3 * k, replace=False)
        golden.loc[pick[:k], "email"] = [f"moved{i}@example.net" for i in range(k)]
        golden.loc[pick[k:2 * k], "street"] = "1 New Road"
        m = max(1, n // 500)            # 0.2 % merged into another customer
        merged, into = pick[2 * k:2 * k + m], pick[2 * k + m:2 * k + 2 * m]
        gone = golden["customer_id"].to_numpy()[merged]
        keep = golden["customer_id"].to_numpy()[into]
        cmap.loc[cmap["customer_id"].isin(gone), "customer_id"] = \
            cmap["customer_id"].map(dict(zip(gone, keep)))
        golden = golden[~golden["customer_id"].isin(gone)]
        a = max(1, 3 * n // 1000)       # 0.3 % new customers with a record each
        new_ids = [f"N{i:08d}" for i in range(a)]
        golden = pd.concat([golden, pd.DataFrame({"customer_id": new_ids, "first_name": "Neo",
                                                  "n_records": 1})], ignore_index=True)
        cmap = pd.concat([cmap, pd.DataFrame({"source": "crm", "record_id":
                                              [f"new{i}" for i in range(a)],
                                              "customer_id": new_ids})], ignore_index=True)
        b = max(1, n // 100)            # new purchases of 1 % of the customers
        owner = rng.integers(0, len(cmap), b)
        tx = pd.concat([tx, pd.DataFrame({
            "source": "orders", "record_id": [f"U{i}" for i in range(b)],
            "customer_source": cmap["source"].to_numpy()[owner],
            "customer_ref": cmap["record_id"].to_numpy()[owner],
            "order_id": [f"P{i}" for i in range(b)], "timestamp": pd.Timestamp("2025-01-01"),
            "product_name": "Tea", "amount": 9.0})], ignore_index=True)
        changes = pd.concat([
            pd.DataFrame({"run_id": "r2", "event": "merge", "customer_id": keep,
                          "other_id": gone}),
            pd.DataFrame({"run_id": "r2", "event": "new", "customer_id": new_ids,
                          "other_id": None})], ignore_index=True)
    (folder / "data").mkdir(parents=True)
    golden.to_parquet(folder / "data" / "golden.parquet")
    cmap.to_parquet(folder / "data" / "customer_map.parquet")
    tx.to_parquet(folder / "data" / "transactions.parquet")
    changes.to_parquet(folder / "data" / "id_changes.parquet")
    return {"golden": golden, "customer_map": cmap, "tx": tx}


def _size_mib(db) -> float:
    if db.dialect == "duckdb":
        db.execute("CHECKPOINT")
        return db.path.stat().st_size / 2 ** 20
    q = db.query("SELECT sum(pg_total_relation_size(format('%I.%I', table_schema, table_name)"
                 "::regclass)) AS b FROM information_schema.tables WHERE table_schema = 'cdm'")
    return float(q["b"].iloc[0]) / 2 ** 20


def measure(db, n: int, work: Path) -> dict:
    from cdmkit.database import update_database

    r1, r2 = work / f"r1-{n}", work / f"r2-{n}"
    if not r1.exists():
        base = synthetic_run(r1, n, seed=1)
        synthetic_run(r2, n, seed=2, base=base)
    t0 = time.perf_counter()
    first = update_database(db, r1, run_id="r1", as_of="2026-01-01")
    t_first = time.perf_counter() - t0
    size1 = _size_mib(db)
    t0 = time.perf_counter()
    second = update_database(db, r2, run_id="r2", as_of="2026-01-02")
    t_second = time.perf_counter() - t0
    size2 = _size_mib(db)
    return {"backend": db.dialect, "customers": f"{n:,}", "first load s": t_first,
            "1 % change s": t_second, "update / first": t_second / t_first,
            "customers changed": f"{second.n_new + second.n_changed + second.n_removed:,}",
            "activity rows written": f"{second.n_activity_rows_written:,}",
            "size MiB": size1, "growth MiB": size2 - size1}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    from cdmkit._pgserver import pg_bin, postgres_server
    from cdmkit.database import open_backend

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for n in sizes:
            db = open_backend(path=work / f"store-{n}.duckdb")
            rows.append(measure(db, n, work))
            db.close()
            print(rows[-1], flush=True)
        if not args.no_postgres and pg_bin() is not None:
            (work / "pg").mkdir()
            with postgres_server(work / "pg") as url:
                for n in sizes:
                    db = open_backend(url=url)
                    db.execute("DROP SCHEMA IF EXISTS cdm CASCADE")
                    rows.append(measure(db, n, work))
                    db.close()
                    print(rows[-1], flush=True)
    cols = ["backend", "customers", "first load s", "1 % change s", "update / first",
            "customers changed", "activity rows written", "size MiB", "growth MiB"]
    write_section("database", "## Customer database: incremental updates\n\n"
                  "`bench/database.py`: a synthetic run of N customers (1.7 records and 3 "
                  "purchases each) loaded into an empty database, then a run changing 1 % of "
                  "the customers (0.5 % new e-mail or address, 0.3 % new customers, 0.2 % "
                  "merges, new purchases for 1 %). Only new and changed rows are written; the "
                  "second load still reads every stored row's key and hash once to find them."
                  " Not yet proportional to the change: the update time is 0.3-0.8x the first "
                  "load (the run's tables are read, conformed and hashed in full), and DuckDB's "
                  "file grows by ~30 % for a 1 % change (updates that move merged customers' "
                  "rows touch every row group; PostgreSQL grows by 1 %).\n\n"
                  + table(rows, cols) + f"\n\nPeak memory of the benchmark process: "
                  f"{peak_mib():,.0f} MiB.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
