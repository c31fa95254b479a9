"""``cdmkit rfm``: RFM summary, scores and segments of a transactions file.

Examples
--------
>>> from typer.testing import CliRunner
>>> from cdmkit.cli import app
>>> "rfm" in CliRunner().invoke(app, ["--help"]).output
True
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Optional

import typer

from ..clitools import handle_errors, read_table_file, write_table_file
from ..errors import InputError

__all__ = ["register"]


def _rfm(
    transactions: Path = typer.Argument(..., help="Transactions file (csv, tsv, parquet, xlsx, "
                                        "jsonl)."),
    customer: str = typer.Option("customer_id", "--customer", help="Customer ID column."),
    date: str = typer.Option("timestamp", "--date", help="Purchase date/time column."),
    value: Optional[str] = typer.Option(None, "--value", help="Line value column (or give "
                                        "--quantity and --price)."),
    quantity: Optional[str] = typer.Option(None, "--quantity", help="Quantity column."),
    price: Optional[str] = typer.Option(None, "--price", help="Unit price column."),
    order: Optional[str] = typer.Option(None, "--order", help="Order/invoice column: "
                                        "n_purchases counts distinct orders."),
    out: Path = typer.Option(Path("rfm.csv"), "--out", "-o", help="Output file (.csv or "
                             ".parquet)."),
    freq: str = typer.Option("D", "--freq", help="Time unit of recency and T: D, W or M."),
    observation_end: Optional[str] = typer.Option(None, "--observation-end",
                                                  help="End of the window (ISO date); "
                                                  "default the newest purchase."),
    bins: int = typer.Option(5, "--bins", help="Score levels (2-9)."),
    returns: str = typer.Option("net", "--returns", help="Returns/cancellations: net "
                                "(subtract each from the order it cancels), drop (remove "
                                "return lines only) or keep."),
    product: Optional[str] = typer.Option(None, "--product", help="Product column: a "
                                          "return must be of the same product as its order."),
    cancel_prefix: Optional[str] = typer.Option("C", "--cancel-prefix", help="Order numbers "
                                                "starting with this are cancellations."),
    sep: str = typer.Option(",", "--sep", help="CSV delimiter."),
):
    """RFM summary (lifetimes columns + marketing view), scores and named segments per customer."""
    import pandas as pd

    from .returns import apply_return_rules
    from .rfm import rfm_segments, rfm_summary

    df = read_table_file(transactions, sep=sep)
    for col in [customer, date] + [c for c in (value, quantity, price, order, product) if c]:
        if col not in df.columns:
            raise InputError(transactions, f"no column {col!r}; columns are "
                             f"{', '.join(map(str, df.columns))}")
    if value is None:
        if not (quantity and price):
            raise InputError(transactions, "give --value, or --quantity and --price")
        value = "_value"
        df[value] = pd.to_numeric(df[quantity], errors="coerce") * \
            pd.to_numeric(df[price], errors="coerce")
    df[value] = pd.to_numeric(df[value], errors="coerce")
    handled = apply_return_rules(df, returns, customer_col=customer, date_col=date,
                                 value_col=value, quantity_col=quantity,
                                 order_col=order, status_col=None,
                                 cancel_prefix=cancel_prefix, product_col=product,
                                 price_col=price)
    with warnings.catch_warnings(record=True) as wl:
        warnings.simplefilter("always")
        summary = rfm_summary(handled.transactions, customer, date, value, freq=freq,
                              observation_end=observation_end, order_col=order)
        try:
            scored = rfm_segments(summary, bins=bins)
        except ValueError as exc:
            raise InputError(transactions, str(exc)) from None
    for w in wl:
        typer.echo(f"warning: {w.message}", err=True)
    out = Path(out)
    table = scored.reset_index()
    write_table_file(table, out)
    rep = handled.report
    typer.echo(f"{len(table):,} customers from {len(handled.transactions):,} lines "
               f"({rep['return_lines']:,} return/cancellation lines, rule {returns}: "
               f"{rep['removed']:,} lines removed); window ends "
               f"{summary.attrs['observation_end']}; wrote {out}")
    for seg, n in scored["segment"].value_counts().items():
        typer.echo(f"  {seg:<20} {n:>8,}")


def register(app: typer.Typer) -> None:
    """Add ``rfm`` to the ``cdmkit`` command.

    Examples
    --------
    >>> import typer
    >>> a = typer.Typer()
    >>> register(a)
    >>> [c.name for c in a.registered_commands]
    ['rfm']
    """
    app.command("rfm")(handle_errors(_rfm))
