"""``cdmkit dedupe`` and ``cdmkit link``: identity resolution on files, no configuration.

``cdmkit link retrain --client X`` retrains a client's saved linkage model instead: a dry
run listing every customer ID the retrained model would change, applied with ``--apply``.

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
    from ..clitools import handle_errors

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
        left: str = typer.Argument(..., help="First CSV or Parquet file, or `retrain`."),
        right: Optional[Path] = typer.Argument(None, help="Second CSV or Parquet file."),
        id_column: Optional[str] = typer.Option(None, "--id-column",
                                                help="Key column (same name in both files)."),
        out: Path = typer.Option(Path("clusters.csv"), "--out",
                                 help="Record-to-cluster file (source, id, cluster_id)."),
        pairs: Optional[Path] = typer.Option(None, "--pairs", help="Also write scored pairs."),
        threshold: Optional[float] = typer.Option(None, "--threshold",
                                                  help="Match probability threshold."),
        seed: int = typer.Option(42, "--seed", help="Seed of the random steps."),
        client: Optional[str] = typer.Option(None, "--client", help="retrain: client YAML or "
                                             "client name (clients/<name>.yaml)."),
        apply: bool = typer.Option(False, "--apply", help="retrain: make the listed ID "
                                   "changes and keep the retrained model (default: dry run)."),
        run_dir: Optional[Path] = typer.Option(None, "--run", help="retrain: run folder whose "
                                               "customers are used (default: latest run)."),
    ):
        """Link the records of two files that describe the same people.

        `cdmkit link retrain --client X [--apply]` retrains the client's saved linkage
        model on its latest run's customers instead: first a dry run listing every
        customer ID that would change, then, with --apply, the change itself (logged).
        """
        from ..errors import CdmkitError
        from .pipeline import link

        if left == "retrain" and right is None:
            if not client:
                raise CdmkitError("cdmkit link retrain needs --client (client YAML or name)")
            _retrain(client, apply, run_dir)
            return
        if right is None:
            raise CdmkitError("cdmkit link needs two files (or: cdmkit link retrain --client X)")
        left = Path(left)
        clusters, scored = link(left, right, id_column=id_column, threshold=threshold, seed=seed,
                                names=(Path(left).stem, Path(right).stem), return_scored=True)
        _write(clusters, out)
        if pairs is not None:
            _write(_pairs_out(scored, id_column), pairs)
        n_links = int((scored.match_weight >= scored.threshold_weight).sum())
        typer.echo(f"{len(clusters):,} records, {n_links:,} links -> "
                   f"{clusters['cluster_id'].nunique():,} clusters; wrote {out}")


def _retrain(client: str, apply: bool, run_dir) -> None:
    from ..clitools import resolve_client
    from .model import retrain_client

    config = resolve_client(client)
    choice, run = retrain_client(config, run_dir=run_dir, apply=apply)
    prev = choice.preview
    if prev is None:  # no saved model: this was the first training
        verb = "trained and saved" if apply else "would be trained"
        typer.echo(f"no saved linkage model in {config.store_path}: a first model {verb} "
                   f"on the {choice.model.stats.get('n_records', 0):,} records of {run.name}")
        return
    if apply:
        typer.echo(f"retrained on the customers of run {run.name}: model version "
                   f"{choice.model.version} is now active ({choice.reason})")
    else:
        typer.echo(f"saved model: version {choice.model.version} (trained in run "
                   f"{choice.model.run_id}, {choice.model.trained_at}); dry run of a retrain "
                   f"on the customers of run {run.name}")
    if choice.reason:
        typer.echo(f"why: {choice.reason}")
    ev = prev.events["event"].value_counts().to_dict() if len(prev.events) else {}
    typer.echo(f"{'changed' if apply else 'would change'}: {prev.n_records:,} records, "
               f"{prev.n_ids_changed:,} existing customer IDs ({ev.get('merge', 0)} merges, "
               f"{ev.get('split', 0)} splits, {ev.get('new', 0)} new IDs)")
    out = run / "linkage" / ("retrain_applied.csv" if apply else "retrain_dry_run.csv")
    if prev.n_records:
        out.parent.mkdir(parents=True, exist_ok=True)
        prev.records.to_csv(out, index=False)
        typer.echo(prev.records.head(20).to_string(index=False))
        typer.echo(f"every record: {out}")
    if not apply:
        typer.echo(f"dry run: nothing changed. Apply with: cdmkit link retrain --client "
                   f"{client} --apply")


def _pairs_out(scored, id_column):
    import pandas as pd

    p = scored.pairs_frame()
    name = id_column or "id"
    p = p.rename(columns={"record_id_l": f"{name}_l", "record_id_r": f"{name}_r"})
    one_source = pd.concat([p["source_l"], p["source_r"]]).nunique() <= 1
    if one_source:  # dedupe of one file: the source columns say nothing
        p = p.drop(columns=["source_l", "source_r"])
    return p
