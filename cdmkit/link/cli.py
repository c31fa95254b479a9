"""``cdmkit dedupe`` and ``cdmkit link``: identity resolution on files, no configuration.

Examples
--------
>>> import typer
>>> app = typer.Typer()
>>> register(app)
>>> sorted(c.name for c in app.registered_commands)
['dedupe', 'link']
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

__all__ = ["register"]


def _write(df, path: Path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".parquet", ".pq"):
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)


def register(app: typer.Typer) -> None:
    """Add the ``dedupe`` and ``link`` commands to ``app``.

    Examples
    --------
    >>> app = typer.Typer()
    >>> register(app)
    >>> len(app.registered_commands)
    2
    """
    from ..cli import handle_errors

    @app.command("dedupe")
    @handle_errors
    def dedupe_cmd(
        input: Path = typer.Argument(..., help="CSV or Parquet file of records."),
        id_column: Optional[str] = typer.Option(None, "--id-column",
                                                help="Column with each record's key."),
        out: Path = typer.Option(Path("clusters.csv"), "--out",
                                 help="Record-to-cluster file (id, cluster_id)."),
        pairs: Optional[Path] = typer.Option(None, "--pairs", help="Also write scored pairs."),
        threshold: Optional[float] = typer.Option(None, "--threshold",
                                                  help="Match probability threshold."),
        seed: int = typer.Option(42, "--seed", help="Seed of the random steps."),
    ):
        """Find duplicate records in one file (columns recognised by name)."""
        from .pipeline import dedupe

        clusters, scored = dedupe(input, id_column=id_column, threshold=threshold, seed=seed,
                                  return_scored=True)
        _write(clusters, out)
        if pairs is not None:
            _write(_pairs_out(scored, id_column), pairs)
        typer.echo(f"{len(clusters):,} records -> {clusters['cluster_id'].nunique():,} clusters "
                   f"({len(scored.pairs):,} candidate pairs); wrote {out}")

    @app.command("link")
    @handle_errors
    def link_cmd(
        left: Path = typer.Argument(..., help="First CSV or Parquet file."),
        right: Path = typer.Argument(..., help="Second CSV or Parquet file."),
        id_column: Optional[str] = typer.Option(None, "--id-column",
                                                help="Key column (same name in both files)."),
        out: Path = typer.Option(Path("clusters.csv"), "--out",
                                 help="Record-to-cluster file (source, id, cluster_id)."),
        pairs: Optional[Path] = typer.Option(None, "--pairs", help="Also write scored pairs."),
        threshold: Optional[float] = typer.Option(None, "--threshold",
                                                  help="Match probability threshold."),
        seed: int = typer.Option(42, "--seed", help="Seed of the random steps."),
    ):
        """Link the records of two files that describe the same people."""
        from .pipeline import link

        clusters, scored = link(left, right, id_column=id_column, threshold=threshold, seed=seed,
                                names=(Path(left).stem, Path(right).stem), return_scored=True)
        _write(clusters, out)
        if pairs is not None:
            _write(_pairs_out(scored, id_column), pairs)
        n_links = int((scored.match_weight >= scored.threshold_weight).sum())
        typer.echo(f"{len(clusters):,} records, {n_links:,} links -> "
                   f"{clusters['cluster_id'].nunique():,} clusters; wrote {out}")


def _pairs_out(scored, id_column):
    import pandas as pd

    p = scored.pairs_frame()
    name = id_column or "id"
    p = p.rename(columns={"record_id_l": f"{name}_l", "record_id_r": f"{name}_r"})
    one_source = pd.concat([p["source_l"], p["source_r"]]).nunique() <= 1
    if one_source:  # dedupe of one file: the source columns say nothing
        p = p.drop(columns=["source_l", "source_r"])
    return p
