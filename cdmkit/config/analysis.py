"""Config of the analysis stage (`analysis:` section of the client YAML)."""

from __future__ import annotations

from .base import Section

__all__ = ["AnalysisConfig"]


class AnalysisConfig(Section):
    """Options of the analysis stage.

    Examples
    --------
    >>> AnalysisConfig().model_dump() == AnalysisConfig().model_dump()
    True
    """
