"""``cdmkit collect FILE``: load, map, standardise and catalogue one file.

Examples
--------
>>> from typer.testing import CliRunner
>>> from cdmkit.cli import app
>>> CliRunner().invoke(app, ["collect", "--help"]).exit_code
0
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``collect`` command to ``app``.

    Examples
    --------
    >>> import typer
    >>> a = typer.Typer()
    >>> register(a)
    >>> [c.name for c in a.registered_commands]
    ['collect']
    """
    from ..clitools import _STATE, handle_errors
    from ..errors import CdmkitError, InputError

    @app.command("collect")
    @handle_errors
    def collect(
        file: Path = typer.Argument(..., help="The file to load (CSV, TSV, Excel, Parquet, "
                                    "JSON, JSON Lines, DuckDB, SQLite)."),
        kind: str = typer.Option(..., "--kind", "-k", help="customers | transactions | "
                                 "events | interactions"),
        out: Path = typer.Option(..., "--out", "-o", help="Output folder (clean.parquet, "
                                 "rejects.csv, catalog.csv, source_stats.csv)."),
        mapping: Optional[Path] = typer.Option(None, "--mapping", "-m", help="YAML of "
                                               "canonical_field: source column (or a partial "
                                               "source with mapping/formats/filters); "
                                               "inferred from the column names if absent."),
        encoding: Optional[str] = typer.Option(None, "--encoding", help="Text encoding "
                                               "(sniffed if absent)."),
        delimiter: Optional[str] = typer.Option(None, "--delimiter", help="Field delimiter "
                                                "(sniffed if absent)."),
        sheet: Optional[str] = typer.Option(None, "--sheet", help="Excel sheet name or "
                                            "0-based index."),
        loader: Optional[str] = typer.Option(None, "--loader", help="Loader plugin (default: "
                                             "from the file extension)."),
        table: Optional[str] = typer.Option(None, "--table", help="DuckDB/SQLite file: the "
                                            "table to read."),
        query: Optional[str] = typer.Option(None, "--query", help="DuckDB/SQLite file: a "
                                            "SELECT query to read."),
        phone_region: Optional[str] = typer.Option(None, "--phone-region", help="Region of "
                                                   "phone numbers without a country code."),
        on_bad_rows: Optional[str] = typer.Option(None, "--on-bad-rows", help="reject "
                                                  "(default: bad rows go to rejects.csv) | "
                                                  "error (stop at the first)."),
        on_bad_bytes: Optional[str] = typer.Option(None, "--on-bad-bytes", help="reject "
                                                   "(default) | replace (keep the row, bad "
                                                   "bytes as U+FFFD, flagged)."),
        progress: bool = typer.Option(False, "--progress/--no-progress",
                                      help="Show progress bars."),
    ):
        """Load FILE, map it onto the canonical model, standardise it and write the results."""
        from ..config import CollectionConfig
        from .mapping import read_mapping_file
        from .pipeline import collect_file

        _check_choices(on_bad_rows=on_bad_rows, on_bad_bytes=on_bad_bytes)
        spec = read_mapping_file(mapping) if mapping else {}
        options = _loader_options(spec, encoding=encoding, delimiter=delimiter, sheet=sheet,
                                  table=table, query=query)
        formats = dict(spec.get("formats") or {})
        if phone_region:
            formats["phone_region"] = phone_region
        try:
            result = collect_file(file, kind, spec.get("mapping"),
                                  loader=loader or spec.get("loader"), formats=formats,
                                  cleaners=spec.get("cleaners"), filters=spec.get("filters"),
                                  collection=CollectionConfig(**{
                                      k: v for k, v in (("on_bad_rows", on_bad_rows),
                                                        ("on_bad_bytes", on_bad_bytes)) if v}),
                                  progress=progress, **options)
            result.write(out)
        except (CdmkitError, OSError):
            raise
        except (Exception, RecursionError) as exc:  # noqa: BLE001 - one line, never a traceback
            if _STATE["debug"]:
                raise
            raise InputError(file, f"cannot be read ({type(exc).__name__}: "
                             f"{str(exc).splitlines()[0] if str(exc) else ''})") from None
        for w in _warning_lines(result, file):
            typer.echo(w, err=True)
        st = result.source_stats.iloc[0]
        typer.echo(f"rows_in={int(st['rows_in'])} rows_clean={int(st['rows_clean'])} "
                   f"rows_rejected={int(st['rows_rejected'])}")


def _check_choices(**values) -> None:
    """Refuse a value of ``--on-bad-rows`` / ``--on-bad-bytes`` outside its choices.

    Examples
    --------
    >>> _check_choices(on_bad_rows="error", on_bad_bytes=None)
    >>> try:
    ...     _check_choices(on_bad_rows="skip", on_bad_bytes=None)
    ... except typer.BadParameter as exc:
    ...     print(exc.message)
    'skip' is not one of reject, error
    """
    choices = {"on_bad_rows": ("reject", "error"), "on_bad_bytes": ("reject", "replace")}
    for key, value in values.items():
        valid = choices[key]
        if value is not None and value not in valid:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(valid)}",
                                     param_hint="--" + key.replace("_", "-"))


def _loader_options(spec: dict, *, encoding, delimiter, sheet, table, query) -> dict:
    """Loader options: the mapping file's ``options:``, overridden by the command line.

    Examples
    --------
    >>> _loader_options({"options": {"encoding": "cp1256"}}, encoding=None, delimiter="tab",
    ...                 sheet="0", table=None, query=None)
    {'encoding': 'cp1256', 'delimiter': '\\t', 'sheet': 0}
    """
    options = dict(spec.get("options") or {})
    if encoding:
        options["encoding"] = encoding
    if delimiter:
        options["delimiter"] = "\t" if delimiter in ("\\t", "tab") else delimiter
    if sheet is not None:
        options["sheet"] = int(sheet) if sheet.isdigit() else sheet
    if table:
        options["table"] = table
    if query:
        options["query"] = query
    return options


def _warning_lines(result, file, limit: int = 5) -> list[str]:
    """``warning: FILE[, row R][, column C]: reason`` lines (the first few, then a count).

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> w = pd.DataFrame({"source": ["s"], "row": [3], "column": ["name"],
    ...                   "reason": ["line not valid utf-8; decoded as cp1252"]})
    >>> _warning_lines(SimpleNamespace(warnings=w), "a.csv")
    ['warning: a.csv, row 3, column name: line not valid utf-8; decoded as cp1252']
    """
    lines = []
    for r in result.warnings.head(limit).itertuples(index=False):
        where = [str(file)]
        if r.row is not None and r.row == r.row:
            where.append(f"row {int(r.row)}")
        if isinstance(r.column, str):
            where.append(f"column {r.column}")
        lines.append(f"warning: {', '.join(where)}: {r.reason}")
    if len(result.warnings) > limit:
        lines.append(f"warning: {file}: {len(result.warnings) - limit} more warnings in "
                     "warnings.csv")
    return lines
