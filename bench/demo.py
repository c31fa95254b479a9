"""Wall time of the whole demo report (`cdmkit demo`), per stage, the way before and now.

Usage: ``python bench/demo.py [--customers 2000] [--repeat 1] [--no-write]``. Each run
generates a fresh company into a temporary folder and runs every stage through
papermill, twice in the same process, alternating:

- **kernel per notebook** (``CDMKIT_KERNEL_PER_NOTEBOOK=1``, the way before): each
  notebook starts its own kernel and imports pandas, scikit-learn, matplotlib and
  cdmkit again; its HTML report is written before the next notebook starts;
- **one kernel** (the default now): one kernel for the run, the namespace reset
  between notebooks; HTML reports written in a worker thread while the next runs.

Per stage: wall time (from the runner's events), the time inside the notebook's cells
(papermill's per-cell durations; the first cells hold the imports), the rest (kernel
start and waiting, reading and writing the notebook) and, measured afterwards one by
one, the HTML export. The machine is shared, so the two ways are compared within one
run and the load average is printed with the figures. Results go to the "demo"
section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import table, write_section  # noqa: E402

STAGES = ["collection", "linkage", "segmentation", "analysis", "validation"]


#: What the profiles showed and what changed (2026-12-05; the machine shared with five other
#: jobs, 1-minute load 10-23, so CPU seconds are the measure: wall time was 3-4x CPU).
PROFILE_NOTES = """**Profiles, before and after (2026-12-05).** Per cell, the kernel's CPU seconds (an \
IPython hook timing each cell with `time.process_time`, all threads) and a py-spy sample of \
the kernel (50 Hz; samples in cells, wall-like under this load):

| where | before | after |
|---|---|---|
| cells, all five notebooks (CPU s) | 23.6 | 21.5 |
| analysis `run_stage` cell (CPU s) | 4.21 | 2.71 |
| time before each notebook's first cell (s, wall, stages 2-5) | 1.68 / 1.47 / 1.38 / 1.51 | 0.64 / 0.41 / 0.85 / 0.29 |
| segmentation clustering alone, in-process (CPU s / wall s) | 8.5 / 30 | 0.8 / 3 |

(Before and after: two demo runs at 07:26 and 07:41 UTC, both at load ~20; the k-means \
change was in both, its own row measured on its own.) Before (py-spy, samples inside cells, top): `KMeans.fit` 651 (of which `_kmeans_single_lloyd`'s \
own time 554: OpenMP thread teams spin-waiting for cores), `print_figure` 741 (matplotlib \
PNGs), `permutation_importance` 297, linkage `choose_model` 367, `scan_run` 169, `detect_pii` \
157, `%reset` 144 (two full garbage collections over ~230,000 module objects). Changes: \
k-means, the choice of k and the stability check in one BLAS/OpenMP thread below 200,000 \
customers (same labels: clustering alone 30 s -> 3 s wall, 8.5 -> 0.8 s CPU under load); \
permutation importance with the churn pipeline's preparation run once \
(`cdmkit/analyze/importance.py`, scikit-learn's scores bit for bit: analysis `run_stage` \
4.6 -> 3.0 s CPU in-process); `gc.freeze()` after the warm-up imports and after each reset \
(a full collection 0.1 s -> 0 s); the final churn scores in one thread. Left: matplotlib's \
PNG rendering (each figure drawn for `tight_layout`, again for the tight bounding box and \
once more to paint, ~20 % of cell time), linkage (owned by the identity work) and the \
privacy scan."""


def _cells(nb_path: Path) -> float:
    """Seconds in the code cells of an executed notebook (papermill's per-cell durations)."""
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    return sum(c["metadata"].get("papermill", {}).get("duration") or 0.0
               for c in nb["cells"] if c["cell_type"] == "code")


def _cpu() -> float:
    """CPU seconds of this process and its waited-for children (the kernels) so far."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), \
        resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def kernel_costs() -> dict:
    """Seconds to start a kernel until it answers, and to import what the notebooks import."""
    import subprocess

    from jupyter_client.blocking import BlockingKernelClient

    from cdmkit.report.kernel import SharedKernel, notebook_imports, warm_up_code
    from cdmkit.report.runner import ensure_kernel
    from cdmkit.report.stages import BUILTIN_STAGES

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        with SharedKernel(ensure_kernel(), tmp) as k:
            kc = BlockingKernelClient()
            kc.load_connection_info(k.km.get_connection_info())
            kc.start_channels()
            kc.wait_for_ready(timeout=120)
            start = time.perf_counter() - t
            kc.stop_channels()
    code = warm_up_code(notebook_imports([s.notebook_path for s in BUILTIN_STAGES]))
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    bare = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return {"kernel_start_s": start, "imports_s": time.perf_counter() - t - bare}


def run(n: int, per_notebook: bool) -> dict:
    from cdmkit.generate import generate_demo
    from cdmkit.report.runner import export_html, run_client

    with tempfile.TemporaryDirectory() as tmp:
        demo = generate_demo(Path(tmp) / "data", n_customers=n, seed=42, client="bench",
                             config_path=Path(tmp) / "clients" / "bench.yaml",
                             output_dir="../reports")
        times = {}

        def on_event(event, stage, info):
            if event == "done":
                times[stage.name] = info["seconds"]
                print(f"  {stage.slug}: {info['seconds']:.1f}s", flush=True)

        os.environ["CDMKIT_KERNEL_PER_NOTEBOOK"] = "1" if per_notebook else "0"
        load = os.getloadavg()[0]
        cpu = _cpu()
        t1 = time.perf_counter()
        try:
            result = run_client(demo.config_path, on_event=on_event)
        finally:
            os.environ.pop("CDMKIT_KERNEL_PER_NOTEBOOK", None)
        total = time.perf_counter() - t1
        cpu = _cpu() - cpu
        if result.error:
            raise SystemExit(f"demo run failed at {n}: {result.error}")
        row = {"way": "kernel per notebook" if per_notebook else "one kernel",
               "persons": n, "load": load, "report_s": total, "cpu_s": cpu}
        for s in STAGES:
            nb = next(result.run_dir.glob(f"*-{s}.ipynb"))
            cells = _cells(nb)
            t = time.perf_counter()
            export_html(nb, Path(tmp) / "x.html")
            row |= {f"{s}_s": times.get(s, float("nan")), f"{s}_cells_s": cells,
                    f"{s}_export_s": time.perf_counter() - t}
        return row


def _stage_rows(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        for s in STAGES:
            wall, cells = r[f"{s}_s"], r[f"{s}_cells_s"]
            out.append({"way": r["way"], "stage": s, "wall s": wall, "in cells s": cells,
                        "kernel/IO s": wall - cells, "HTML export s": r[f"{s}_export_s"]})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=1, help="pairs of runs (before, now)")
    ap.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = ap.parse_args(argv)
    costs = kernel_costs()
    print(costs, flush=True)
    rows = []
    for _ in range(args.repeat):
        for per_notebook in (True, False):
            print("kernel per notebook" if per_notebook else "one kernel", flush=True)
            rows.append(run(args.customers, per_notebook))
            print(f"  report {rows[-1]['report_s']:.1f}s (load {rows[-1]['load']:.1f})")
    before = [r for r in rows if r["way"] == "kernel per notebook"]
    now = [r for r in rows if r["way"] == "one kernel"]
    ratio = min(r["report_s"] for r in now) / min(r["report_s"] for r in before)
    cpu_ratio = min(r["cpu_s"] for r in now) / min(r["cpu_s"] for r in before)
    md = ("## Demo report (`make demo`)\n\n"
          f"End-to-end time of the five-stage report on the generated demo company "
          f"({args.customers:,} persons), the way before (a kernel per notebook, each HTML "
          "report written before the next notebook) and now (one kernel per run with the "
          "namespace reset between notebooks, HTML written in a worker thread), alternating "
          "in one run of `bench/demo.py`. `load` is the 1-minute load average when the run "
          "started: the machine is shared, so compare the two ways within a run; `cpu_s` "
          "(CPU seconds of the driver and its kernels) depends far less on the load.\n\n"
          + table(rows, ["way", "persons", "load", "report_s", "cpu_s"])
          + f"\n\nNow / before (best of each): wall **{ratio:.2f}**, CPU **{cpu_ratio:.2f}**. "
          f"Starting a kernel until it answers takes {costs['kernel_start_s']:.1f} s and "
          f"importing what the five notebooks import {costs['imports_s']:.1f} s (paid once "
          "per run now, once per notebook before). Both ways here already write each "
          "notebook once (not twice per cell) and import jsonschema without its Lark "
          "grammars; before any of this (2026-12-04, quiet, load 0.9) the report took 40.4 s "
          "(stages 7.4 / 6.6 / 5.5 / 9.0 / 9.4 s); on 2026-12-04 (quiet, load 0.7) one kernel "
          "took 25.0 s, 25.6 s CPU.\n\n" + PROFILE_NOTES + "\n\nPer stage (last pair): "
          "`in cells` is the time inside the notebook's cells (papermill's per-cell "
          "durations), `kernel/IO` the rest of the "
          "stage's wall time (kernel start and wait, notebook read and write; before, the "
          "HTML export too), `HTML export` the export measured afterwards on its own.\n\n"
          + table(_stage_rows(rows[-2:]), ["way", "stage", "wall s", "in cells s",
                                           "kernel/IO s", "HTML export s"]))
    if not args.no_write:
        write_section("demo", md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
