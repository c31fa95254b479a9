"""Config of the collection stage (`collection:` section of the client YAML)."""

from __future__ import annotations

from .base import Section

__all__ = ["CollectionConfig"]


class CollectionConfig(Section):
    """Options of the collection stage.

    Examples
    --------
    >>> CollectionConfig().model_dump() == CollectionConfig().model_dump()
    True
    """
