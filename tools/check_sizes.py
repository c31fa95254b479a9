"""List modules over 600 lines and functions over 80 lines without a reason comment.

House rule: no module over 600 lines and no function over 80 lines; a function that
must be longer carries a one-line comment saying why right above its ``def`` (above
its decorators, if any). A function's length runs from its ``def`` line to its last
line without its docstring (every public name must carry a numpydoc docstring with an
example: documentation is not what makes a function hard to read). Nested functions count
on their own and inside their parent.

Usage::

    python tools/check_sizes.py [PATH ...]          # default: cdmkit/
    python tools/check_sizes.py cdmkit/segment cdmkit/analyze

Exit status 1 when an offender is found under the paths checked.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "m.py"
>>> _ = p.write_text("def f():\\n" + "    x = 1\\n" * 90)
>>> [o.kind for o in offenders([p])]
['function']
>>> _ = p.write_text("# long: one table of constants\\ndef f():\\n" + "    x = 1\\n" * 90)
>>> offenders([p])
[]
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


@dataclass(frozen=True)
class Offender:
    """A module or function over its limit."""

    path: str
    kind: str  # "module" or "function"
    name: str
    line: int
    lines: int

    def __str__(self) -> str:
        limit = MAX_MODULE_LINES if self.kind == "module" else MAX_FUNCTION_LINES
        what = "lines" if self.kind == "module" else "lines without its docstring"
        return f"{self.path}:{self.line}: {self.kind} {self.name} has {self.lines} {what} " \
               f"(limit {limit})"


def _has_reason(lines: list[str], node) -> bool:
    """Whether the line right above the def (or its first decorator) is a comment."""
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    above = lines[first - 2].strip() if first >= 2 else ""
    return above.startswith("#")


def _length(node) -> int:
    """Lines from ``def`` to the end, the docstring left out."""
    n = node.end_lineno - node.lineno + 1
    first = node.body[0] if node.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
            and isinstance(first.value.value, str):
        n -= first.end_lineno - first.lineno + 1
    return n


def _functions(tree, prefix=""):
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield f"{prefix}{node.name}", node
            yield from _functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")
        else:
            yield from _functions(node, prefix)


def check_file(path: Path) -> list[Offender]:
    """Offenders in one Python file."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    out = []
    if len(lines) > MAX_MODULE_LINES:
        out.append(Offender(str(path), "module", path.stem, 1, len(lines)))
    for name, node in _functions(ast.parse(text, filename=str(path))):
        n = _length(node)
        if n > MAX_FUNCTION_LINES and not _has_reason(lines, node):
            out.append(Offender(str(path), "function", name, node.lineno, n))
    return out


def offenders(paths) -> list[Offender]:
    """Offenders in every ``.py`` file under ``paths`` (files or folders)."""
    files = []
    for p in map(Path, paths):
        files += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    return [o for f in files for o in check_file(f)]


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    found = offenders(args or ["cdmkit"])
    for o in found:
        print(o)
    print(f"{len(found)} offender(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
