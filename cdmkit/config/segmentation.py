"""Config of the segmentation stage (`segmentation:` section of the client YAML)."""

from __future__ import annotations

from .base import Section

__all__ = ["SegmentationConfig"]


class SegmentationConfig(Section):
    """Options of the segmentation stage.

    Examples
    --------
    >>> SegmentationConfig().model_dump() == SegmentationConfig().model_dump()
    True
    """
