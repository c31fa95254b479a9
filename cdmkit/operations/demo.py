"""The demo client: generated data and a ready-made config, used by ``cdmkit demo``.

The demo data live in ``data/demo/`` and the config in ``clients/demo.yaml``
of the project (both git-ignored, regenerated on demand), so the notebooks
opened in JupyterLab without parameters show the same client as ``make demo``.

Examples
--------
>>> DEFAULT_DEMO_CUSTOMERS
2000
"""

from __future__ import annotations

import json
from pathlib import Path

from ..resources import project_root

__all__ = ["DEFAULT_DEMO_CUSTOMERS", "ensure_demo_config", "demo_paths"]

#: Persons in the default demo company (each appears in 1-4 source systems).
DEFAULT_DEMO_CUSTOMERS = 2000
DEFAULT_DEMO_SEED = 42


def demo_paths(root: str | Path | None = None) -> tuple[Path, Path]:
    """``(data_dir, config_path)`` of the demo client under ``root``.

    Examples
    --------
    >>> d, c = demo_paths("/p")
    >>> d.as_posix(), c.as_posix()
    ('/p/data/demo', '/p/clients/demo.yaml')
    """
    root = Path(root) if root is not None else project_root()
    return root / "data" / "demo", root / "clients" / "demo.yaml"


def ensure_demo_config(root: str | Path | None = None, n_customers: int = DEFAULT_DEMO_CUSTOMERS,
                       seed: int = DEFAULT_DEMO_SEED, force: bool = False,
                       progress: bool = False) -> Path:
    """Generate the demo data and config unless they exist with the same size and seed.

    Parameters
    ----------
    root : path, optional
        Project folder (default: the source checkout, else the working directory).
    n_customers : int
        Persons in the fictional company.
    seed : int
        Generator seed.
    force : bool
        Regenerate even if present.
    progress : bool
        Show progress bars while generating.

    Returns
    -------
    Path
        The demo client config (``clients/demo.yaml``).

    Examples
    --------
    >>> import tempfile
    >>> p = ensure_demo_config(tempfile.mkdtemp(), n_customers=100)  # doctest: +SKIP
    >>> p.name  # doctest: +SKIP
    'demo.yaml'
    """
    from ..generate import generate_demo

    data_dir, config_path = demo_paths(root)
    stamp = data_dir / ".generated.json"
    wanted = {"n_customers": n_customers, "seed": seed}
    if not force and config_path.is_file() and stamp.is_file():
        if json.loads(stamp.read_text()) == wanted:
            return config_path
    config_path.parent.mkdir(parents=True, exist_ok=True)
    generate_demo(data_dir, n_customers=n_customers, seed=seed, client="demo",
                  config_path=config_path, output_dir="../reports", progress=progress)
    stamp.write_text(json.dumps(wanted))
    return config_path
