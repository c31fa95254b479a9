"""Example cdmkit plugin: a fixed-width loader and an extra report stage.

Mainframe and old POS systems export fixed-width text files; this loader reads
them with ``pandas.read_fwf``. The stage adds a short report counting customer
records per source.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cdmkit.collect.loaders import Loader
from cdmkit.errors import InputError
from cdmkit.report.stages import Stage

__all__ = ["FixedWidthLoader", "STAGE"]


class FixedWidthLoader(Loader):
    """Read a fixed-width text file; options ``widths`` (list of ints) and ``encoding``."""

    name = "fixedwidth"
    options_allowed = ("widths", "encoding")

    def load(self, path=None, *, progress: bool = False) -> pd.DataFrame:
        p = self._path(path)
        widths = self.options.get("widths")
        if not widths:
            raise InputError(p, "the fixedwidth loader needs options.widths")
        return pd.read_fwf(p, widths=widths, dtype=str,
                           encoding=self.options.get("encoding", "utf-8"))


STAGE = Stage(
    name="source_overview",
    notebook=Path(__file__).with_name("source_overview.ipynb"),
    order=45,
    description="Example plugin stage: customer records per source.",
    requires=("collection",),
)
