"""Config of the validation stage (`validation:` section of the client YAML)."""

from __future__ import annotations

from .base import Section

__all__ = ["ValidationConfig"]


class ValidationConfig(Section):
    """Options of the validation stage.

    Examples
    --------
    >>> ValidationConfig().model_dump() == ValidationConfig().model_dump()
    True
    """
