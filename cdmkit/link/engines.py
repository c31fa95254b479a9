"""The engine running the linkage's heavy steps (index and compare) in this context.

The linkage pipeline (``cdmkit.link.pipeline``) asks :func:`linkage_steps` for its index and compare functions:
the local ones unless an engine was put in place with :func:`use_engine`. Everything
else (training, scoring, clustering, IDs, households, golden records) is the same
local code whichever engine ran the heavy steps.

Examples
--------
>>> from cdmkit.link.index import index_pairs
>>> linkage_steps()[0] is index_pairs
True
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

__all__ = ["use_engine", "linkage_steps", "linkage_pipeline"]

_STEPS = contextvars.ContextVar("cdmkit_linkage_steps", default=None)


@contextmanager
def use_engine(steps):
    """Run the linkage's index and compare steps with ``steps`` inside the block.

    Parameters
    ----------
    steps : object
        With ``index_pairs`` and ``compare_pairs`` methods of the local functions'
        signatures (:class:`cdmkit.engine.linkage.SparkLinkageSteps`).

    Examples
    --------
    >>> class Mine:
    ...     index_pairs = compare_pairs = staticmethod(print)
    >>> with use_engine(Mine()):
    ...     linkage_steps()[0] is print
    True
    """
    token = _STEPS.set(steps)
    try:
        yield steps
    finally:
        _STEPS.reset(token)


def linkage_steps():
    """``(index_pairs, compare_pairs)`` of the engine in use (local by default)."""
    steps = _STEPS.get()
    if steps is None:
        from .compare import compare_pairs
        from .index import index_pairs

        return index_pairs, compare_pairs
    return steps.index_pairs, steps.compare_pairs


def linkage_pipeline():
    """The engine's whole ``score_and_cluster`` (pairs kept off the driver), or ``None``.

    An engine whose steps object has a ``score_and_cluster`` method (the Spark engine's
    :class:`cdmkit.engine.linkage.SparkLinkageSteps` with ``native=True``) runs the
    whole pipeline itself; otherwise the local pipeline runs with :func:`linkage_steps`.

    Examples
    --------
    >>> linkage_pipeline() is None
    True
    """
    steps = _STEPS.get()
    return getattr(steps, "score_and_cluster", None) if steps is not None else None
