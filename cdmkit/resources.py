"""Locate the notebooks and templates shipped with cdmkit.

In a source checkout (editable install) they are the top-level ``notebooks/``
and ``templates/`` folders; in a wheel they are packed under
``cdmkit/_resources/``.

Examples
--------
>>> notebook_dir().name
'notebooks'
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["notebook_dir", "template_dir", "project_root"]

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PKG.parent / name, _PKG / "_resources" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cdmkit's {name}/ folder is missing from the installation")


def notebook_dir() -> Path:
    """Folder of the built-in stage notebooks."""
    return _find("notebooks")


def template_dir() -> Path:
    """Folder of the client config and report templates.

    Examples
    --------
    >>> (template_dir() / "client.yaml").name
    'client.yaml'
    """
    return _find("templates")


def project_root() -> Path:
    """The source checkout root (where ``clients/`` and ``reports/`` live by default).

    ``CDMKIT_PROJECT_DIR`` overrides it; a wheel install falls back to the
    current directory.

    Examples
    --------
    >>> project_root().is_dir()
    True
    """
    import os

    if os.environ.get("CDMKIT_PROJECT_DIR"):
        return Path(os.environ["CDMKIT_PROJECT_DIR"]).resolve()
    root = _PKG.parent
    return root if (root / "pyproject.toml").is_file() else Path.cwd()
