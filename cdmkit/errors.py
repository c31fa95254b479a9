"""Errors cdmkit raises on purpose: each names what the user has to fix.

Examples
--------
>>> str(InputError("a.csv", "bad date", row=3, column="dob"))
'a.csv, row 3, column dob: bad date'
"""

from __future__ import annotations

__all__ = ["CdmkitError", "ConfigError", "InputError", "StageError", "UnknownPluginError"]


class CdmkitError(Exception):
    """Base class of errors meant for the user (shown without a traceback by the CLI)."""


class ConfigError(CdmkitError):
    """A client configuration is invalid; the message names the file and the key.

    Examples
    --------
    >>> str(ConfigError("clients/acme.yaml", "sources.0.kind", "unknown kind 'x'"))
    "clients/acme.yaml: sources.0.kind: unknown kind 'x'"
    """

    def __init__(self, file, key, message):
        self.file, self.key, self.message = str(file), key, message
        super().__init__(f"{self.file}: {key}: {message}" if key else f"{self.file}: {message}")


class InputError(CdmkitError):
    """Unusable input data; names the file and, where known, the row and column.

    Rows are 1-based data row numbers (the header is row 0 for delimited files).

    Examples
    --------
    >>> str(InputError("x.csv", "file is empty"))
    'x.csv: file is empty'
    """

    def __init__(self, file, message, row=None, column=None):
        self.file, self.message, self.row, self.column = str(file), message, row, column
        where = [self.file]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column}")
        super().__init__(", ".join(where) + f": {message}")


class StageError(CdmkitError):
    """A report stage failed; names the notebook, the cell and the error.

    Examples
    --------
    >>> str(StageError("segmentation", "20-segmentation.ipynb", 4, "ValueError: x"))
    'stage segmentation failed in 20-segmentation.ipynb, cell 4: ValueError: x'
    """

    def __init__(self, stage, notebook, cell, error, output_path=None):
        self.stage, self.notebook, self.cell, self.error = stage, str(notebook), cell, error
        self.output_path = output_path
        super().__init__(f"stage {stage} failed in {self.notebook}, cell {cell}: {error}")


class UnknownPluginError(CdmkitError, KeyError):
    """A plugin name is not registered; the message lists the valid names.

    Examples
    --------
    >>> str(UnknownPluginError("loaders", "xls", ["csv", "excel"]))
    "unknown loaders plugin 'xls'; valid names: csv, excel"
    """

    def __init__(self, kind, name, valid):
        self.kind, self.name, self.valid = kind, name, list(valid)
        msg = f"unknown {kind} plugin {name!r}; valid names: {', '.join(self.valid) or '(none)'}"
        self.args = (msg,)

    def __str__(self):
        return self.args[0]
