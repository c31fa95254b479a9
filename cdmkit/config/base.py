"""Shared base for typed config sections."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Section"]


class Section(BaseModel):
    """Base of every config section: unknown keys are errors (a typo must not pass silently).

    Examples
    --------
    >>> class S(Section):
    ...     k: int = 3
    >>> S().k
    3
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
