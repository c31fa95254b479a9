"""Shared helpers of the benchmarks: timing, peak memory, writing docs/benchmarks.md sections."""

from __future__ import annotations

import os
import platform
import re
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
SHARED_DATA = ROOT.parent / "shared" / "data"

HEADER = """# Benchmarks

Produced by the scripts in `bench/` (`make bench` runs them all); each section is rewritten by
its script. Peer tools run on the same data in the same run. Timings are wall-clock seconds on
the machine named in each section; memory is peak resident set size.
"""


def machine() -> str:
    """One line describing the machine and Python."""
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}")


@contextmanager
def timed(results: dict, key: str):
    """Store the wall time of the block in ``results[key]``."""
    t0 = time.perf_counter()
    yield
    results[key] = time.perf_counter() - t0


def run_measured(cmd: list[str], env=None, cwd=None) -> dict:
    """Run ``cmd`` in a child process; return wall seconds, CPU seconds, peak RSS (MiB), stdout.

    Peak memory is measured per child with ``/usr/bin/time``-free rusage of the
    waited process, so each tool is measured in isolation.
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out = proc.stdout.read()
    err = proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    return {"seconds": wall, "peak_mib": usage.ru_maxrss / 1024, "stdout": out,
            "cpu_s": usage.ru_utime + usage.ru_stime}


def peak_mib() -> float:
    """Peak RSS of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_section(name: str, markdown: str) -> None:
    """Replace (or append) the section ``name`` of docs/benchmarks.md."""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else HEADER
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{begin}\n{markdown.strip()}\n\n_{machine()}; {time.strftime('%Y-%m-%d')}_\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else \
        text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


def table(rows: list[dict], columns: list[str]) -> str:
    """A markdown table of ``rows`` (dicts) with ``columns``."""
    def fmt(v):
        if isinstance(v, float):
            return f"{v:,.3f}" if abs(v) < 10 else f"{v:,.1f}"
        return str(v)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


PEERS_VENV = ROOT / "bench" / ".cache" / "peers-venv"


def peer_python(packages: list[str]) -> str:
    """Python of a separate venv holding the peer tools (Splink, lifetimes, ...).

    Peer tools never enter cdmkit's own environment: they pin other versions of
    shared dependencies. The venv is created on first use from the package registry.
    """
    py = PEERS_VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    missing = []
    for spec in packages:
        name = re.split(r"[<>=!\[ ]", spec, maxsplit=1)[0]
        r = subprocess.run([str(py), "-m", "pip", "show", "-q", name], capture_output=True)
        if r.returncode != 0:
            missing.append(spec)
    if missing:
        subprocess.run([str(py), "-m", "pip", "install", "-q", *missing], check=True)
    return str(py)


if __name__ == "__main__":
    sys.exit("import this module from a benchmark script")
