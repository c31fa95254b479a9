"""Install size and time: `pip install cdmkit` (core), with [lab], and the 0.1.0 dependency set.

Builds the wheel of this checkout, then for each variant creates a clean venv and times
``pip install --no-cache-dir <wheel>[extras]`` (downloads included: that is what a fresh machine
pays), measures the venv on disk, and checks that it works: the core imports and answers
``cdmkit --version``; the [lab] venv runs ``cdmkit demo`` on a small company from a scratch folder.
The "0.1.0 set" installs what every ``pip install cdmkit`` used to pull in (the core and
[lab], [postgres], [sql], [interop], jellyfish and the full phonenumbers) as the comparison.

Usage: ``python bench/install.py [--no-demo] [--keep DIR]``; writes the "Install" section of
docs/benchmarks.md. Goals (issues 15 and 16): core < 600 MB and <= 90 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, table, write_section  # noqa: E402

VARIANTS = [
    ("core", ""),
    ("core + [lab]", "[lab]"),
    ("0.1.0 set (core, lab, postgres, sql, interop, jellyfish, phonenumbers)",
     "[lab,postgres,sql,interop]"),
]


def _du_mib(path: Path, suffix: str = "") -> float:
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            p = Path(root, f)
            if not p.is_symlink() and f.endswith(suffix):
                total += p.stat().st_size
    return total / 2**20


def build_wheel(out: Path) -> Path:
    """The wheel of this checkout (no build isolation when hatchling is at hand)."""
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)]
    subprocess.run(cmd, check=True)
    return next(out.glob("cdmkit-*.whl"))


def install(wheel: Path, extras: str, venv: Path, more: list[str]) -> dict:
    """Time a clean ``pip install --no-cache-dir`` into a new venv; size the venv."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    base = _du_mib(venv)
    t0 = time.perf_counter()
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-cache-dir",
                    "--disable-pip-version-check", f"{wheel}{extras}", *more], check=True)
    seconds = time.perf_counter() - t0
    n = subprocess.run([str(py), "-m", "pip", "list", "--format=freeze"], capture_output=True,
                       text=True, check=True).stdout.count("\n")
    return {"seconds": seconds, "venv_mib": _du_mib(venv), "empty_venv_mib": base, "packages": n,
            "pyc_mib": _du_mib(venv, ".pyc")}


def check_core(venv: Path) -> str:
    """The core venv imports cdmkit, answers --version and lists its commands."""
    out = subprocess.run([str(venv / "bin" / "cdmkit"), "--version"], capture_output=True,
                         text=True, cwd=tempfile.gettempdir())
    assert out.returncode == 0, out.stderr
    helped = subprocess.run([str(venv / "bin" / "cdmkit"), "--help"], capture_output=True,
                            text=True, cwd=tempfile.gettempdir())
    assert helped.returncode == 0 and "collect" in helped.stdout, helped.stderr
    missing = subprocess.run([str(venv / "bin" / "cdmkit"), "demo"], capture_output=True,
                             text=True, cwd=tempfile.gettempdir())
    assert missing.returncode == 1 and "cdmkit[lab]" in missing.stderr, missing.stderr
    return f"`{out.stdout.strip()}`; `cdmkit demo` says: `{missing.stderr.strip()}`"


def check_demo(venv: Path, customers: int) -> str:
    """`cdmkit demo` of the installed wheel, in a scratch folder (no source checkout)."""
    work = Path(tempfile.mkdtemp(prefix="cdmkit-install-demo-"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["CDMKIT_PROJECT_DIR"] = str(work)
    t0 = time.perf_counter()
    r = subprocess.run([str(venv / "bin" / "cdmkit"), "demo", "--customers", str(customers)],
                       capture_output=True, text=True, cwd=work, env=env)
    seconds = time.perf_counter() - t0
    htmls = sorted(p.name for p in work.glob("reports/demo/latest/*.html"))
    shutil.rmtree(work, ignore_errors=True)
    if r.returncode != 0:
        return f"FAILED (exit {r.returncode}): {r.stderr.strip().splitlines()[-1:]}"
    return f"works: {len(htmls)} HTML reports in {seconds:.0f} s ({customers} persons)"


def _write(rows: list[dict], notes: list[str]) -> None:
    core = rows[0]
    verdict = ("meets" if core["venv MB"] < 600 and core["wall s"] <= 90 else "misses")
    md = "\n".join([
        "## Install (`bench/install.py`)",
        "",
        "A clean venv per line, `pip install --no-cache-dir <wheel>[extras]` with every download "
        "(the registry's speed and the machine's load are part of the wall time; sizes are "
        "stable, times vary run to run). MB = MiB on disk, the empty venv (pip) included.",
        "",
        table(rows, ["install", "wall s", "venv MB", "of which .pyc MB", "empty venv MB",
                     "packages"]),
        "",
        *notes,
        "",
        f"The core {verdict} the goals (< 600 MB, <= 90 s): {core['venv MB']:.0f} MB in "
        f"{core['wall s']:.0f} s ({core['venv MB'] - core['of which .pyc MB']:.0f} MB without "
        "the bytecode pip compiles at install). What is left of the size is pandas/numpy/scipy/scikit-learn, "
        "pyarrow and duckdb, which the stages use; Jupyter, plotting and the database drivers "
        "come only with the extras.",
    ])
    write_section("install", md)
    print(md, flush=True)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-demo", action="store_true", help="skip the cdmkit demo check")
    ap.add_argument("--customers", type=int, default=300)
    ap.add_argument("--keep", type=Path, help="keep the venvs under this folder")
    args, _ = ap.parse_known_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="cdmkit-install-"))
    work.mkdir(parents=True, exist_ok=True)
    wheel = build_wheel(work / "wheel")
    rows, notes = [], []
    for label, extras in VARIANTS:
        venv = work / f"venv-{len(rows)}"
        more = ["jellyfish>=1.0", "phonenumbers>=8.13"] if "jellyfish" in label else []
        res = install(wheel, extras, venv, more)
        rows.append({"install": label, "wall s": res["seconds"], "venv MB": res["venv_mib"],
                     "of which .pyc MB": res["pyc_mib"], "empty venv MB": res["empty_venv_mib"],
                     "packages": res["packages"]})
        print(rows[-1], flush=True)
        if extras == "":
            notes.append(f"- core: {check_core(venv)}")
        if extras == "[lab]" and not args.no_demo:
            notes.append(f"- core + [lab]: `cdmkit demo` {check_demo(venv, args.customers)}")
        if not args.keep:
            shutil.rmtree(venv, ignore_errors=True)
        _write(rows, notes)  # after each line: a slow registry still leaves figures behind
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
