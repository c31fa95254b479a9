"""The loader contract: the :class:`Loader` base class and the checks every loader shares.

Examples
--------
>>> import pandas as pd
>>> check_columns(pd.DataFrame(columns=["id", "name"]), "c.csv")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ...errors import InputError

#: Longest accepted text field (characters); longer ones reject their row.
DEFAULT_MAX_FIELD_SIZE = 1_000_000


class Loader:
    """Base class of loaders.

    Parameters
    ----------
    **options
        Loader options from the source's ``options:`` mapping. Unknown options
        are an error naming the valid ones.

    Examples
    --------
    >>> Loader(encoding="utf-8")
    Traceback (most recent call last):
    ...
    cdmkit.errors.InputError: loader: unknown option 'encoding' (valid: progress)
    """

    #: Options this loader understands (besides ``progress``).
    options_allowed: tuple[str, ...] = ()

    def __init__(self, **options: Any):
        allowed = set(self.options_allowed) | {"progress"}
        for key in options:
            if key not in allowed:
                raise InputError(getattr(self, "name", "loader"),
                                 f"unknown option {key!r} (valid: "
                                 f"{', '.join(sorted(allowed))})")
        self.options = dict(options)

    name = "loader"

    def load(self, path=None, *, progress: bool = False) -> pd.DataFrame:  # pragma: no cover
        """Read the source; return its rows in source order."""
        raise NotImplementedError

    # helpers ---------------------------------------------------------------------
    def _path(self, path) -> Path:
        if path is None:
            raise InputError(self.name, "this loader needs a file path ('path:' in the source)")
        p = Path(path)
        if not p.exists():
            raise InputError(p, "file not found")
        if p.is_dir():
            raise InputError(p, "is a folder, not a file")
        return p

    def _progress(self, progress: bool, **kw):
        from tqdm.auto import tqdm

        on = bool(self.options.get("progress", progress))
        return tqdm(disable=not on, leave=False, **kw)


def check_columns(df: pd.DataFrame, file) -> None:
    """Raise if a frame has no columns, duplicated column names, or blank names.

    Examples
    --------
    >>> check_columns(pd.DataFrame([[1, 2]], columns=["a", "a"]), "x.csv")
    Traceback (most recent call last):
    ...
    cdmkit.errors.InputError: x.csv, column a: duplicated column name (columns 1 and 2)
    """
    names = [str(c) for c in df.columns]
    if not names:
        raise InputError(file, "no columns found")
    seen: dict[str, int] = {}
    for i, n in enumerate(names, 1):
        if n in seen:
            raise InputError(file, f"duplicated column name (columns {seen[n]} and {i})",
                             column=n)
        seen[n] = i


def _require_rows(df: pd.DataFrame, file) -> pd.DataFrame:
    """A frame with columns but no rows is a valid, empty source (with a warning)."""
    if len(df.columns) == 0:
        raise InputError(file, "file is empty")
    if len(df) == 0:
        df.attrs.setdefault("warnings", []).append((None, None, "no data rows (only a header)"))
    return df
