"""Run every benchmark in bench/ (each rewrites its own section of docs/benchmarks.md).

Usage: ``python bench/run_all.py``; each script runs at its default sizes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    scripts = sorted(p for p in HERE.glob("*.py") if not p.name.startswith(("_", "run_all")))
    failed = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        cmd = [sys.executable, str(script), *argv]
        if subprocess.run(cmd).returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
