"""The customer database: one single customer view kept up to date across runs.

After every successful run the client's database holds the current golden record of
every customer (with provenance, consent and household), activity summaries, the
latest segment, CLV and churn score, type-2 history of the golden record, every
source record, and the activity tables — all keyed by ``customer_id``. It lives in
the client's DuckDB store by default, or in PostgreSQL when ``database.url_env``
names an environment variable holding the URL. See ``docs/database.md``.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from cdmkit.database import open_backend, update_database, find_customers
>>> run = pathlib.Path(tempfile.mkdtemp()) / "r1"
>>> (run / "data").mkdir(parents=True)
>>> pd.DataFrame({"customer_id": ["C1"], "email": ["ann@x.org"]}).to_parquet(
...     run / "data" / "golden.parquet")
>>> db = open_backend(path=run.parent / "store.duckdb")
>>> update_database(db, run).n_new
1
>>> find_customers(db, "ANN@x.org")
['C1']
>>> db.close()
"""

import lazy_loader as _lazy

__getattr__, __dir__, _ = _lazy.attach(__name__, submod_attrs={
    "backend": ["Backend", "DuckDBBackend", "PostgresBackend", "open_backend"],
    "card": ["customer_card", "find_customers", "format_card"],
    "schema": ["SCHEMA_VERSION", "TABLES", "GOLDEN_FIELDS"],
    "update": ["DatabaseReport", "update_database", "ensure_schema", "schema_version",
               "forget_customers", "build_customers"],
    "client": ["open_client_database", "update_client_database"],
    "compact": ["compact_duckdb", "compact_postgres"],
})

__all__ = ["Backend", "DuckDBBackend", "PostgresBackend", "open_backend", "customer_card",
           "find_customers", "format_card", "SCHEMA_VERSION", "TABLES", "GOLDEN_FIELDS",
           "DatabaseReport", "update_database", "ensure_schema", "schema_version",
           "forget_customers", "build_customers", "open_client_database",
           "update_client_database", "compact_duckdb", "compact_postgres"]
