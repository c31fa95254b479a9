"""Config of the activation stage (`activation:` section of the client YAML)."""

from __future__ import annotations

from .base import Section

__all__ = ["ActivationConfig"]


class ActivationConfig(Section):
    """Options of the activation stage.

    Examples
    --------
    >>> ActivationConfig().model_dump() == ActivationConfig().model_dump()
    True
    """
