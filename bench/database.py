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
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_mib, table, write_section  # noqa: E402


# Over 80 lines: the base run and its change are one recipe, easier to check side by side.
def synthetic_run(folder: Path, n: int, seed: int, base: dict | None = None,
                  frac: float = 0.01) -> dict:
    """Write the tables of one run; with ``base``, a change of ``frac`` of that run.

    At ``frac`` f: f/2 of the customers get a new e-mail or address, 3f/10 are new,
    f/5 are merged into another customer, and f of them buy again.
    """
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
        k = max(1, round(n * frac / 4))  # f/2: new e-mail (f/4) or address (f/4)
        m = max(1, round(n * frac / 5))  # f/5 merged into another customer
        pick = rng.choice(len(golden), 2 * k + 2 * m, replace=False)
        golden.loc[pick[:k], "email"] = [f"moved{i}@example.net" for i in range(k)]
        golden.loc[pick[k:2 * k], "street"] = "1 New Road"
        merged, into = pick[2 * k:2 * k + m], pick[2 * k + m:2 * k + 2 * m]
        gone = golden["customer_id"].to_numpy()[merged]
        keep = golden["customer_id"].to_numpy()[into]
        cmap.loc[cmap["customer_id"].isin(gone), "customer_id"] = \
            cmap["customer_id"].map(dict(zip(gone, keep)))
        golden = golden[~golden["customer_id"].isin(gone)]
        a = max(1, round(3 * n * frac / 10))  # 3f/10 new customers with a record each
        new_ids = [f"N{seed}-{i:08d}" for i in range(a)]
        golden = pd.concat([golden, pd.DataFrame({"customer_id": new_ids, "first_name": "Neo",
                                                  "n_records": 1})], ignore_index=True)
        cmap = pd.concat([cmap, pd.DataFrame({"source": "crm", "record_id":
                                              [f"new{seed}-{i}" for i in range(a)],
                                              "customer_id": new_ids})], ignore_index=True)
        b = max(1, round(n * frac))      # new purchases of f of the customers
        owner = rng.integers(0, len(cmap), b)
        tx = pd.concat([tx, pd.DataFrame({
            "source": "orders", "record_id": [f"U{seed}-{i}" for i in range(b)],
            "customer_source": cmap["source"].to_numpy()[owner],
            "customer_ref": cmap["record_id"].to_numpy()[owner],
            "order_id": [f"P{seed}-{i}" for i in range(b)], "timestamp": pd.Timestamp("2025-01-01"),
            "product_name": "Tea", "amount": 9.0})], ignore_index=True)
        changes = pd.concat([
            pd.DataFrame({"run_id": f"r{seed}", "event": "merge", "customer_id": keep,
                          "other_id": gone}),
            pd.DataFrame({"run_id": f"r{seed}", "event": "new", "customer_id": new_ids,
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


def read_floor(run: Path) -> float:
    """Seconds for DuckDB to read every column of the run's Parquet files once and hash each
    row (the fast hash of its text, as the diff does): what any update must at least do
    when runs hand over full tables."""
    import duckdb

    con = duckdb.connect()
    t0 = time.perf_counter()
    for p in sorted((run / "data").glob("*.parquet")):
        src = f"read_parquet('{p}')"
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
        expr = ", chr(31), ".join(f'coalesce(CAST("{c}" AS VARCHAR), chr(1))' for c in cols)
        con.execute(f"SELECT sum(hash(concat({expr})) >> 1) FROM {src}").fetchall()
    con.close()
    return time.perf_counter() - t0


def _copy_db(db, work: Path, name: str):
    """A fresh database holding the first load (file copy / PostgreSQL template)."""
    import shutil

    from cdmkit.database import open_backend

    if db.dialect == "duckdb":
        db.close()
        shutil.copy(work / "base.duckdb", work / f"{name}.duckdb")
        return open_backend(path=work / f"{name}.duckdb")
    db.close()
    admin = open_backend(url=db.url)
    admin.execute(f"DROP DATABASE IF EXISTS {name}")
    admin.execute(f"CREATE DATABASE {name} TEMPLATE base")
    admin.close()
    return open_backend(url=db.url.rsplit("/", 1)[0] + f"/{name}")


def measure(open_base, n: int, work: Path, fracs, chain: int) -> tuple[list, list]:
    """Time the first load, then each change fraction on a copy of it, a no-change rerun,
    and ``chain`` successive 1 % changes (the file size after each)."""
    from cdmkit.database import update_database

    r1 = work / f"r1-{n}"
    base = synthetic_run(r1, n, seed=1) if not r1.exists() else None
    db = open_base()
    t0 = time.perf_counter()
    update_database(db, r1, run_id="r1", as_of="2026-01-01")
    t_first = time.perf_counter() - t0
    size1 = _size_mib(db)
    rows, sizes = [], []
    for i, f in enumerate(fracs):
        run = work / f"r2-{n}-{f}"
        if not run.exists():
            synthetic_run(run, n, seed=10 + i, base=base, frac=f)
        db = _copy_db(db, work, f"f{i}")
        t0 = time.perf_counter()
        rep = update_database(db, run, run_id="r2", as_of="2026-01-02")
        t_upd = time.perf_counter() - t0
        size2 = _size_mib(db)
        floor = read_floor(run)
        t0 = time.perf_counter()
        again = update_database(db, run, run_id="r2-again", as_of="2026-01-03")
        t_again = time.perf_counter() - t0
        rows.append({"backend": db.dialect, "customers": f"{n:,}", "change": f"{100 * f:g} %",
                     "first load s": t_first, "update s": t_upd,
                     "update / first": t_upd / t_first, "read+hash floor s": floor,
                     "update / floor": t_upd / floor, "no-change rerun s": t_again,
                     "customers changed": f"{rep.n_new + rep.n_changed + rep.n_removed:,}",
                     "activity rows written": f"{rep.n_activity_rows_written:,}",
                     "rows written on rerun": again.n_new + again.n_changed
                     + again.n_activity_rows_written,
                     "size MiB": size1, "growth MiB": size2 - size1,
                     "growth on rerun MiB": _size_mib(db) - size2,
                     "load": os.getloadavg()[0]})
        print(rows[-1], flush=True)
    if chain:
        db = _copy_db(db, work, "chain")
        prev = base
        for k in range(1, chain + 1):
            run = work / f"chain-{n}-{k}"
            if not run.exists():
                prev = synthetic_run(run, n, seed=100 + k, base=prev, frac=0.01)
            t0 = time.perf_counter()
            update_database(db, run, run_id=f"c{k}", as_of=f"2026-02-{k:02d}")
            sizes.append({"backend": db.dialect, "customers": f"{n:,}",
                          "after update": k, "update s": time.perf_counter() - t0,
                          "size MiB": _size_mib(db), "growth vs first load MiB":
                          _size_mib(db) - size1})
            print(sizes[-1], flush=True)
    db.close()
    return rows, sizes


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000")
    ap.add_argument("--fracs", default="0.001,0.01,0.1")
    ap.add_argument("--chain", type=int, default=4, help="successive 1 %% updates")
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--merge", help="JSON rows of an earlier run to show beside this one's")
    ap.add_argument("--render", help="only write the section from these JSON files "
                    "(comma-separated), measuring nothing")
    args = ap.parse_args(argv)
    if args.render:
        return render(args.render.split(","))
    sizes = [int(s) for s in args.sizes.split(",")]
    fracs = [float(f) for f in args.fracs.split(",")]
    from cdmkit._pgserver import pg_bin, postgres_server
    from cdmkit.database import open_backend

    rows, chain = [], []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for n in sizes:
            r, c = measure(lambda: open_backend(path=work / "base.duckdb"), n, work, fracs,
                           args.chain)
            rows += r
            chain += c
            for p in work.glob("*.duckdb*"):
                p.unlink()
        if not args.no_postgres and pg_bin() is not None:
            (work / "pg").mkdir()
            with postgres_server(work / "pg") as url:
                for n in sizes:
                    admin = open_backend(url=url)
                    admin.execute("DROP DATABASE IF EXISTS base")
                    admin.execute("CREATE DATABASE base")
                    admin.close()
                    base_url = url.rsplit("/", 1)[0] + "/base"
                    r, c = measure(lambda u=base_url: open_backend(url=u), n, work, fracs,
                                   args.chain)
                    rows += r
                    chain += c
    import json

    if args.merge:
        old = json.loads(Path(args.merge).read_text())
        rows, chain = old["rows"] + rows, old["chain"] + chain
    Path(tempfile.gettempdir(), "cdmkit-bench-database.json").write_text(
        json.dumps({"rows": rows, "chain": chain, "peak_mib": peak_mib()}))
    write(rows, chain, peak_mib())
    return 0


def render(files: list[str]) -> int:
    """Write the section from the JSON of earlier runs (sizes measured separately)."""
    import json

    rows, chain, peak = [], [], 0.0
    for f in files:
        d = json.loads(Path(f).read_text())
        rows, chain, peak = rows + d["rows"], chain + d["chain"], max(peak, d.get("peak_mib", 0))
    order = {"duckdb": 0, "postgres": 1}
    key = lambda r: (order[r["backend"]], int(r["customers"].replace(",", "")))  # noqa: E731
    write(sorted(rows, key=key), sorted(chain, key=key), peak)
    return 0


def write(rows: list, chain: list, peak: float) -> None:
    cols = ["backend", "customers", "change", "first load s", "update s", "update / first",
            "read+hash floor s", "update / floor", "no-change rerun s", "customers changed",
            "activity rows written",
            "rows written on rerun", "size MiB", "growth MiB", "growth on rerun MiB", "load"]
    for r in rows:
        r.setdefault("load", "")
    write_section("database", _PROSE + "\n\n" + table(rows, cols)
                  + "\n\n**Successive 1 % updates** (the same database, one change after "
                  "another; DuckDB reuses the blocks an update freed):\n\n"
                  + table(chain, ["backend", "customers", "after update", "update s",
                                  "size MiB", "growth vs first load MiB"])
                  + f"\n\nPeak memory of the benchmark process: {peak:,.0f} MiB.")


_PROSE = """## Customer database: incremental updates

`bench/database.py`: a synthetic run of N customers (1.7 records and 3 purchases each) is
loaded into an empty database; then, on a copy of that database, a run changing a fraction
f of the customers (f/2 new e-mail or address, 3f/10 new customers, f/5 merges, new
purchases for f), then the same run again (nothing changed). The run's Parquet files are
read by DuckDB, the customer view is assembled in SQL, every row gets a fast hash
(`hash()` of its text) joined on the key with the stored one; only rows whose fast hash
differs get the MD5 row hash that decides, and only new and changed rows are written
(DuckDB: delete by key + append, no primary-key index; PostgreSQL: `COPY` + upsert).
Runs hand over full tables, not deltas, so every row of the new run is read and hashed once:
**read+hash floor** is DuckDB reading every column of the run's files and fast-hashing
each row, the least any update must do; `update / floor` says how far above it an update
is. `load` is the machine's 1-minute load average when the row was measured: timings come
from a shared 2-core machine with other jobs running (a load of 2 is a busy machine, 15 an
overloaded one), so compare rows of similar load only; the sizes and row counts do not
depend on it."""


if __name__ == "__main__":
    sys.exit(main())
