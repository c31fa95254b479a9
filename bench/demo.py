"""Wall time of the whole demo report (`cdmkit demo`) at the default and other sizes.

Usage: ``python bench/demo.py [--customers 2000 10000]``. Each size generates a fresh
company into a temporary folder, runs every stage through papermill, and records
the time per stage. Results go to the "demo" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_mib, table, write_section  # noqa: E402


def run(n: int) -> dict:
    from cdmkit.generate import generate_demo
    from cdmkit.report.runner import run_client

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        demo = generate_demo(Path(tmp) / "data", n_customers=n, seed=42, client="bench",
                             config_path=Path(tmp) / "clients" / "bench.yaml",
                             output_dir="../reports")
        gen = time.perf_counter() - t0
        times = {}

        def on_event(event, stage, info):
            if event == "done":
                times[stage.name] = info["seconds"]

        t1 = time.perf_counter()
        result = run_client(demo.config_path, on_event=on_event)
        total = time.perf_counter() - t1
        if result.error:
            raise SystemExit(f"demo run failed at {n}: {result.error}")
        return {"persons": n, "records": demo.n_records, "generate_s": gen, "report_s": total,
                **{f"{k}_s": v for k, v in times.items()}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--customers", type=int, nargs="+", default=[2000])
    args = ap.parse_args(argv)
    rows = [run(n) for n in args.customers]
    for r in rows:
        print(r)
    cols = ["persons", "records", "generate_s", "report_s", "collection_s", "linkage_s",
            "segmentation_s", "analysis_s", "validation_s"]
    write_section("demo", "## Demo report (`make demo`)\n\nEnd-to-end time of the four-stage "
                  "report on the generated demo company (default size 2,000 persons), with the "
                  "time of each stage notebook (including kernel start and HTML export). "
                  f"Peak memory of the driver process: {peak_mib():.0f} MiB (stages run in "
                  "their own kernels).\n\n" + table(rows, cols))
    return 0


if __name__ == "__main__":
    sys.exit(main())
