"""Optional extras: which libraries each one brings, and one clear line when one is missing.

The core (``pip install cdmkit``) has no Jupyter, plotting, PostgreSQL, SQLAlchemy, Faker,
Spark or recordlinkage. Code that needs them imports them inside functions, or calls
:func:`require` first, so that a missing extra reads "install cdmkit[lab] to run
notebook reports" instead of a traceback.

Examples
--------
>>> EXTRAS["postgres"]
('psycopg',)
>>> extra_for_module("matplotlib.pyplot")
'lab'
>>> extra_for_module("pandas") is None
True
"""

from __future__ import annotations

import importlib.util

from .errors import CdmkitError

__all__ = ["EXTRAS", "MissingExtraError", "extra_for_module", "missing_extra_message", "require"]

# Top-level import names per extra (keep in step with pyproject.toml's optional-dependencies;
# tests/test_packaging.py checks it).
EXTRAS: dict[str, tuple[str, ...]] = {
    "lab": ("papermill", "ipykernel", "nbconvert", "nbformat", "ipywidgets", "matplotlib",
            "seaborn", "jupyterlab", "jupytext", "IPython", "jupyter_client"),
    "postgres": ("psycopg",),
    "sql": ("sqlalchemy",),
    "demo": ("faker",),
    "spark": ("pyspark",),
    "interop": ("recordlinkage",),
}

_PURPOSE = {
    "lab": "to run notebook reports, plots and widgets",
    "postgres": "to use the PostgreSQL customer database",
    "sql": "to read SQL database sources",
    "demo": "to generate the demo company",
    "spark": "to use the Spark engine",
    "interop": "for recordlinkage interop",
}


class MissingExtraError(CdmkitError, ImportError):
    """An optional extra is not installed; the message names the ``pip install`` to run.

    Examples
    --------
    >>> str(MissingExtraError("lab", "papermill"))
    'install cdmkit[lab] to run notebook reports, plots and widgets (missing: papermill)'
    """

    def __init__(self, extra: str, missing: str, purpose: str | None = None):
        self.extra = extra
        super().__init__(f"install cdmkit[{extra}] {purpose or _PURPOSE[extra]} "
                         f"(missing: {missing})")
        self.name = missing


def extra_for_module(name: str) -> str | None:
    """The extra that provides module ``name`` (dotted names allowed), or None for the core.

    Examples
    --------
    >>> extra_for_module("psycopg.rows")
    'postgres'
    """
    top = name.split(".")[0]
    return next((extra for extra, mods in EXTRAS.items() if top in mods), None)


def missing_extra_message(exc: BaseException) -> str | None:
    """One line for a ``ModuleNotFoundError`` of an extra's library, else None.

    Examples
    --------
    >>> missing_extra_message(ModuleNotFoundError("No module named 'papermill'", name="papermill"))
    'install cdmkit[lab] to run notebook reports, plots and widgets (missing: papermill)'
    >>> missing_extra_message(ModuleNotFoundError("x", name="pandas")) is None
    True
    """
    if isinstance(exc, MissingExtraError):
        return str(exc)
    name = getattr(exc, "name", None) or ""
    extra = extra_for_module(name)
    return str(MissingExtraError(extra, name.split(".")[0])) if extra else None


def require(extra: str, purpose: str | None = None, modules: tuple[str, ...] | None = None):
    """Raise :class:`MissingExtraError` unless the libraries of ``extra`` can be imported.

    Checks ``modules`` (default: the extra's essential libraries) without importing them.

    Examples
    --------
    >>> require("lab", modules=("json",))  # present: returns quietly
    >>> try:
    ...     require("lab", modules=("no_such_module_xyz",))
    ... except MissingExtraError as e:
    ...     print(e)
    install cdmkit[lab] to run notebook reports, plots and widgets (missing: no_such_module_xyz)
    """
    for mod in modules if modules is not None else _ESSENTIAL[extra]:
        try:
            found = importlib.util.find_spec(mod) is not None
        except (ImportError, ValueError):  # a broken or blocked install counts as missing
            found = False
        if not found:
            raise MissingExtraError(extra, mod, purpose)


# What `require(extra)` checks by default (jupyterlab/jupytext are only for `make lab`).
_ESSENTIAL: dict[str, tuple[str, ...]] = {
    "lab": ("papermill", "ipykernel", "nbconvert", "nbformat", "matplotlib", "seaborn",
            "ipywidgets"),
    "postgres": ("psycopg",),
    "sql": ("sqlalchemy",),
    "demo": ("faker",),
    "spark": ("pyspark",),
    "interop": ("recordlinkage",),
}
