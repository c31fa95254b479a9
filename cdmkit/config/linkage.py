"""Config of the linkage stage (`linkage:` section of the client YAML)."""

from __future__ import annotations

from .base import Section

__all__ = ["LinkageConfig"]


class LinkageConfig(Section):
    """Options of the linkage stage.

    Examples
    --------
    >>> LinkageConfig().model_dump() == LinkageConfig().model_dump()
    True
    """
