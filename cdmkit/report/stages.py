"""Report stages: a stage is a parameterised notebook run by papermill.

Built-in stages register here, through the same registry as plugin stages
(entry-point group ``cdmkit.stages``). A plugin stage is a :class:`Stage`
whose notebook lives inside the plugin package.

Examples
--------
>>> from cdmkit.registry import stages
>>> [stages.get(n).slug for n in ("collection", "validation")]
['10-collection', '40-validation']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..registry import stages as _registry
from ..resources import notebook_dir

__all__ = ["Stage", "BUILTIN_STAGES", "resolve_stages", "skip_reason"]


@dataclass(frozen=True)
class Stage:
    """A report stage.

    Parameters
    ----------
    name : str
        Name used in configs and on the command line (``--stages``).
    notebook : str or Path
        The parameterised notebook that implements it.
    order : int
        Position in the report (10, 20, ...); also the folder prefix.
    description : str
        One line shown by ``cdmkit plugins``.
    requires : tuple of str
        Stages whose outputs this one reads.

    Examples
    --------
    >>> Stage("extra", "x.ipynb", 50, "An extra stage").slug
    '50-extra'
    """

    name: str
    notebook: str | Path
    order: int
    description: str = ""
    requires: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        """Folder and file prefix of the stage's outputs, e.g. ``20-segmentation``."""
        return f"{self.order:02d}-{self.name}"

    @property
    def notebook_path(self) -> Path:
        """Absolute path of the notebook."""
        return Path(self.notebook).resolve()


def _builtin(name, order, description, requires=()):
    stage = Stage(name, notebook_dir() / f"{order:02d}-{name}.ipynb", order, description,
                  tuple(requires))
    _registry.register(name, stage)
    return stage


BUILTIN_STAGES = [
    _builtin("collection", 10, "Load, map, standardise and catalogue every source."),
    _builtin("linkage", 15, "Resolve identities: stable global customer IDs and golden records.",
             ["collection"]),
    _builtin("segmentation", 20, "RFM scores and segments, behavioural clusters with profiles.",
             ["linkage"]),
    _builtin("analysis", 30, "Cohorts, customer lifetime value, churn and purchase patterns.",
             ["segmentation"]),
    _builtin("validation", 40, "Quality scorecard, linkage and model quality, drift, privacy, "
             "consent-aware exports.", ["segmentation"]),
]


def resolve_stages(names) -> list[Stage]:
    """Stage objects for ``names``, sorted by their order.

    Raises
    ------
    cdmkit.errors.UnknownPluginError
        For an unknown stage name (listing the valid ones).

    Examples
    --------
    >>> [s.name for s in resolve_stages(["segmentation", "collection"])]
    ['collection', 'segmentation']
    """
    found = [_registry.get(n) for n in names]
    return sorted(found, key=lambda s: (s.order, s.name))


def skip_reason(stage: Stage, config) -> str | None:
    """Why ``stage`` has nothing to do for this client (``None``: it runs).

    Linkage needs customer records: a transactions-only client (a shop export with
    a customer column and no customers source) skips it, and later stages use the
    customer number of the transactions (``customer_ref``) as the customer ID.
    Stages run on the collection's tables of the same run only when collection is
    run too, so the check looks at the configured sources.

    Examples
    --------
    >>> from cdmkit.config import ClientConfig
    >>> cfg = ClientConfig(client="shop", sources=[{"name": "shop", "kind": "transactions",
    ...                                               "path": "orders.csv"}])
    >>> skip_reason(_registry.get("linkage"), cfg)[:21]
    'no customers source: '
    >>> skip_reason(_registry.get("segmentation"), cfg) is None
    True
    """
    if stage.name == "linkage" and config.sources and \
            not any(src.kind == "customers" for src in config.sources):
        return ("no customers source: identity resolution is not needed; each transaction's "
                "customer number (customer_ref) is its customer ID")
    return None
