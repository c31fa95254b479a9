"""Write docs/api/: one API reference page per cdmkit package, from the numpydoc docstrings.

Run by `make docs` before `mkdocs build --strict`; the pages are generated, not committed, so
a new or moved module is documented without editing a list. mkdocstrings reads the source
statically (griffe): building the docs needs no runtime dependency of cdmkit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "cdmkit"
OUT = ROOT / "docs" / "api"


def public_modules(package: Path) -> list[str]:
    """Dotted names of the public modules under ``package`` (no ``_private`` parts, no CLIs)."""
    names = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(p.startswith("_") for p in parts) or parts[-1] == "cli" or "__pycache__" in parts:
            continue
        names.append(".".join(parts))
    return names


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    groups: dict[str, list[str]] = {}
    for name in public_modules(PKG):
        parts = name.split(".")
        is_pkg = len(parts) > 1 and (PKG / parts[1]).is_dir()
        groups.setdefault(parts[1] if is_pkg else "cdmkit", []).append(name)
    index = ["# API reference", "",
             "Generated from the numpydoc docstrings of every public module "
             "(`tools/gen_api_docs.py`).", ""]
    for key in sorted(groups, key=lambda k: (k != "cdmkit", k)):
        title = "cdmkit (top level)" if key == "cdmkit" else f"cdmkit.{key}"
        page = [f"# {title}", ""]
        for mod in groups[key]:
            page += [f"::: {mod}", "    options:", "      show_submodules: false", ""]
        (OUT / f"{key}.md").write_text("\n".join(page) + "\n", encoding="utf-8")
        index.append(f"- [{title}]({key}.md): " + ", ".join(f"`{m}`" for m in groups[key]))
    (OUT / "index.md").write_text("\n".join(index) + "\n", encoding="utf-8")
    print(f"docs/api: {sum(map(len, groups.values()))} modules on {len(groups)} pages")


if __name__ == "__main__":
    main()
