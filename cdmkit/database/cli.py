"""``cdmkit customer show``, ``cdmkit sql`` and ``cdmkit db compact``: the customer database.

Examples
--------
>>> from typer.testing import CliRunner
>>> from cdmkit.cli import app
>>> CliRunner().invoke(app, ["customer", "--help"]).exit_code
0
"""

from __future__ import annotations

import typer

from ..clitools import handle_errors

__all__ = ["register"]


# long: the commands are closures registered on one app; each is short
def register(app: typer.Typer) -> None:
    """Add ``customer show``, ``sql`` and ``db compact`` to the ``cdmkit`` app."""
    customer = typer.Typer(help="Look customers up in the customer database.",
                           no_args_is_help=True)
    app.add_typer(customer, name="customer")

    @customer.command("show")
    @handle_errors
    def show(
        key: str = typer.Argument(..., help="Customer ID, e-mail address or phone number."),
        client: str = typer.Option(..., "--client", help="Client YAML or client name "
                                   "(clients/<name>.yaml)."),
        raw: bool = typer.Option(False, "--raw", help="Show raw personal data (only when the "
                                 "client config allows it: privacy.show_raw_pii)."),
    ):
        """Print the customer card: identity, contact, consent, household, records, value,
        last purchases and contacts, history (personal data masked)."""
        from ..errors import CdmkitError
        from ..clitools import resolve_client
        from .card import customer_card, find_customers, format_card
        from .client import open_client_database

        config = resolve_client(client)
        if raw and not config.privacy.show_raw_pii:
            raise CdmkitError("--raw needs privacy.show_raw_pii: true in the client config")
        db = open_client_database(config, read_only=True)
        try:
            ids = find_customers(db, key)
            if not ids:
                raise CdmkitError(f"no customer matches {_mask_key(key)!r}")
            if len(ids) > 1:
                typer.echo(f"{len(ids)} customers match; showing each:")
            for cid in ids:
                typer.echo(format_card(customer_card(db, cid, show_raw=raw)))
        finally:
            db.close()

    dbapp = typer.Typer(help="Maintain the customer database.", no_args_is_help=True)
    app.add_typer(dbapp, name="db")

    @dbapp.command("compact")
    @handle_errors
    def compact(
        client: str = typer.Option(..., "--client", help="Client YAML or client name."),
        full: bool = typer.Option(False, "--full", help="PostgreSQL: VACUUM FULL (gives the "
                                  "space back to the system, locks each table meanwhile)."),
    ):
        """Give back the space updates freed: DuckDB store rewritten into a fresh file and
        swapped in atomically; PostgreSQL VACUUM. Holds the client's lock (no run meanwhile)."""
        from ..clitools import resolve_client
        from ..runlock import client_lock
        from .compact import compact_duckdb, compact_postgres
        from .client import open_client_database

        config = resolve_client(client)
        with client_lock(config.client_dir, f"cdmkit db compact {config.client}"):
            if config.database.url_env:
                db = open_client_database(config)
                try:
                    rep = compact_postgres(db, full=full)
                finally:
                    db.close()
            else:
                rep = compact_duckdb(config.store_path)
        mib = 2 ** 20
        typer.echo(f"compacted {rep['tables']} tables: {rep['bytes_before'] / mib:,.1f} MiB -> "
                   f"{rep['bytes_after'] / mib:,.1f} MiB")

    @app.command("sql")
    @handle_errors
    def sql(
        query: str = typer.Argument(..., help="A read-only SQL query (tables in schema cdm)."),
        client: str = typer.Option(..., "--client", help="Client YAML or client name."),
        limit: int = typer.Option(50, "--limit", help="Rows to print at most."),
        csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
    ):
        """Run a read-only query against the client's customer database."""
        from ..errors import CdmkitError
        from ..clitools import resolve_client
        from .client import open_client_database

        config = resolve_client(client)
        db = open_client_database(config, read_only=True)
        try:
            try:
                df = db.query(query)
            except Exception as exc:  # the database's own message, one line
                msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise CdmkitError(f"query failed: {msg}") from None
        finally:
            db.close()
        if csv:
            typer.echo(df.to_csv(index=False), nl=False)
            return
        typer.echo(df.head(limit).to_string(index=False) if len(df) else "(no rows)")
        if len(df) > limit:
            typer.echo(f"... {len(df) - limit} more rows (--limit)")


def _mask_key(key: str) -> str:
    # The key is personal data too: echo only its shape.
    from ..privacy.masking import mask_email, mask_phone

    return mask_email(key) if "@" in key else (key if key[:1].isalpha() else mask_phone(key))
