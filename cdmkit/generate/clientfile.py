"""The client config of the demo company: every source with explicit mapping and formats.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> data = client_config("demo", 42, d, d / "client.yaml")
>>> [s["name"] for s in data["sources"]][:3]
['webshop', 'pos_loyalty', 'crm']
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import yaml

__all__ = ["client_config", "write_config", "SOURCES"]

#: The demo sources: name -> (file, config entries other than name/path).
SOURCES = [
    ("webshop", "webshop_customers.csv", {
        "kind": "customers", "loader": "csv",
        "options": {"encoding": "utf-8", "delimiter": ","},
        "mapping": {"record_id": "account_id", "first_name": "first_name",
                    "last_name": "last_name", "email": "email", "phone": "mobile",
                    "birth_date": "date_of_birth", "gender": "gender", "street": "street",
                    "city": "city",
                    "postcode": "postcode", "country": "country", "created_at": "created_at",
                    "updated_at": "updated_at", "consent_email": "newsletter_opt_in",
                    "consent_email_date": "opt_in_date",
                    "consent_profiling": "profiling_consent"},
        "formats": {"date_format": "%Y-%m-%d", "datetime_format": "%Y-%m-%d %H:%M:%S",
                    "phone_region": "GB", "country": "GB", "currency": "GBP"},
        "owner": "E-commerce team",
        "description": "Webshop customer accounts (self-registered; private e-mail, mobile).",
        "priority": 10}),
    ("pos_loyalty", "pos_loyalty.csv", {
        "kind": "customers", "loader": "csv",
        "options": {"encoding": "utf-8-sig", "delimiter": ";"},
        "mapping": {"record_id": "card_number", "full_name": "Name", "phone": "Phone",
                    "postcode": "Postcode", "birth_date": "Birth date",
                    "created_at": "Member since", "country": "Country"},
        "formats": {"date_format": "%d.%m.%Y", "datetime_format": "%d.%m.%Y", "dayfirst": True,
                    "phone_region": "GB", "country": "GB", "currency": "GBP"},
        "owner": "Retail operations",
        "description": "Loyalty cards issued at the tills of the UK stores and the Tokyo store.",
        "priority": 30}),
    ("crm", "crm_contacts.xlsx", {
        "kind": "customers", "loader": "excel",
        "options": {"sheet": "contacts"},
        "mapping": {"record_id": "ContactID", "first_name": "FirstName",
                    "last_name": "LastName", "email": "Email", "phone": "Phone",
                    "company": "Company", "street": "Address", "city": "City",
                    "postcode": "PostalCode", "country": "Country", "updated_at": "UpdatedAt"},
        "formats": {"phone_region": "GB", "country": "GB"},
        "owner": "Sales (B2B accounts)",
        "description": "CRM contacts kept by the sales team; e-mail is usually the work address.",
        "priority": 40}),
    ("newsletter", "newsletter.jsonl", {
        "kind": "customers", "loader": "jsonl",
        "mapping": {"record_id": "subscriber_id", "email": "email", "first_name": "first_name",
                    "consent_email": "consent", "consent_email_date": "consent_ts",
                    "language": "language"},
        "formats": {"datetime_format": "%Y-%m-%dT%H:%M:%S"},
        "owner": "Marketing",
        "description": "Newsletter subscribers (double opt-in list, may hold family e-mails).",
        "priority": 50}),
    ("pos_tehran", "pos_tehran_branch.csv", {
        "kind": "customers", "loader": "csv",
        "options": {"encoding": "cp1256", "delimiter": ","},
        "mapping": {"record_id": "customer_code", "full_name": "name", "phone": "mobile",
                    "birth_date": "birth_date", "city": "city", "street": "address",
                    "postcode": "postcode"},
        "formats": {"date_format": "%Y/%m/%d", "calendar": "jalali", "phone_region": "IR",
                    "country": "IR", "currency": "GBP"},
        "owner": "Tehran branch",
        "description": "Customer register of the Tehran branch, a Windows export (cp1256, "
                       "Arabic yeh/kaf, Jalali birth dates).",
        "priority": 60}),
    ("web_orders", "webshop_orders.parquet", {
        "kind": "transactions", "loader": "parquet", "customer_source": "webshop",
        "mapping": {"record_id": "line_id", "order_id": "order_id",
                    "customer_ref": "account_id", "timestamp": "ordered_at",
                    "product_id": "product_id", "product_name": "product_name",
                    "category": "category", "quantity": "quantity", "unit_price": "unit_price",
                    "amount": "amount", "currency": "currency", "channel": "channel",
                    "status": "status"},
        "formats": {"currency": "GBP"},
        "owner": "E-commerce team",
        "description": "Web order lines; returns are negative lines with status 'return'."}),
    ("pos_sales", "pos_sales.csv", {
        "kind": "transactions", "loader": "csv", "customer_source": "pos_loyalty",
        "options": {"encoding": "utf-8", "delimiter": ","},
        "mapping": {"record_id": "line_id", "order_id": "receipt_no",
                    "customer_ref": "card_number", "timestamp": "sold_at",
                    "product_id": "sku", "product_name": "description",
                    "category": "category", "quantity": "qty", "unit_price": "price",
                    "amount": "total", "channel": "channel", "status": "type"},
        "formats": {"datetime_format": "%d/%m/%Y %H:%M", "dayfirst": True, "currency": "GBP"},
        "owner": "Retail operations",
        "description": "Till receipt lines of loyalty card holders (UK stores and Tokyo)."}),
    ("tehran_sales", "pos_tehran_sales.csv", {
        "kind": "transactions", "loader": "csv", "customer_source": "pos_tehran",
        "options": {"encoding": "utf-8", "delimiter": ","},
        "mapping": {"record_id": "line_id", "order_id": "receipt_no",
                    "customer_ref": "customer_code", "timestamp": "sold_at",
                    "product_id": "sku", "product_name": "description",
                    "category": "category", "quantity": "qty", "unit_price": "price",
                    "amount": "total", "channel": "channel", "status": "type"},
        "formats": {"datetime_format": "%Y-%m-%d %H:%M:%S", "currency": "GBP"},
        "owner": "Tehran branch",
        "description": "Receipt lines of the Tehran branch (amounts converted to GBP)."}),
    ("web_events", "web_events.jsonl", {
        "kind": "events", "loader": "jsonl", "customer_source": "webshop",
        "mapping": {"record_id": "event_id", "customer_ref": "account_id",
                    "timestamp": "timestamp", "event_type": "event_type", "page": "page",
                    "device": "device", "session_id": "session_id"},
        "formats": {"datetime_format": "%Y-%m-%dT%H:%M:%S"},
        "owner": "Digital analytics",
        "description": "Web behaviour of logged-in webshop customers."}),
    ("support", "support_tickets.csv", {
        "kind": "interactions", "loader": "csv", "customer_source": "webshop",
        "options": {"encoding": "utf-8", "delimiter": ","},
        "mapping": {"record_id": "ticket_id", "customer_ref": "account_ref",
                    "timestamp": "opened", "interaction_type": "type", "channel": "channel",
                    "topic": "topic", "satisfaction": "satisfaction", "resolved": "resolved",
                    "duration_minutes": "duration_min"},
        "formats": {"datetime_format": "%Y-%m-%d %H:%M"},
        "owner": "Customer service",
        "description": "Support desk contacts (calls, tickets, chats, returns, complaints)."}),
]


def _rel(path: Path, base: Path) -> str:
    try:
        return Path(os.path.relpath(Path(path).resolve(), Path(base).resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return Path(path).resolve().as_posix()


def client_config(client: str, seed: int, data_dir, config_path, output_dir: Optional[str] = None,
                  locales: Optional[dict] = None, n_customers: Optional[int] = None,
                  start: Optional[str] = None, end: Optional[str] = None,
                  files: Optional[set] = None) -> dict:
    """The demo client's config as plain data (paths relative to the config's folder).

    Parameters
    ----------
    client : str
        Client name.
    seed : int
        Seed written to the config (the generator's seed).
    data_dir : path
        Folder holding the generated files.
    config_path : path
        Where the YAML will be written.
    output_dir : str, optional
        Report folder; default ``reports`` next to the config.
    locales, n_customers, start, end : optional
        Generator parameters, recorded under ``extra.generator`` for reproducibility.
    files : set of str, optional
        Names of the files actually written; sources of other files are left out
        (default: all sources).

    Returns
    -------
    dict

    Examples
    --------
    >>> import pathlib
    >>> d = client_config("x", 1, pathlib.Path("/tmp/a/data"), pathlib.Path("/tmp/a/x.yaml"))
    >>> d["sources"][0]["path"], d["ground_truth"], d["output_dir"]
    ('data/webshop_customers.csv', 'data/ground_truth.csv', 'reports')
    """
    base = Path(config_path).resolve().parent
    data_dir = Path(data_dir)
    sources = []
    for name, file, entry in SOURCES:
        if files is not None and file not in files:
            continue
        s = {"name": name, "path": _rel(data_dir / file, base)}
        s.update({k: (dict(v) if isinstance(v, dict) else v) for k, v in entry.items()})
        sources.append(s)
    if output_dir is None:
        out = "reports"
    else:
        out = _rel(Path(output_dir), base) if Path(output_dir).is_absolute() else str(output_dir)
    data = {
        "client": client,
        "title": f"{client}: Larkspur & Co. (generated demo data)",
        "seed": int(seed),
        "output_dir": out,
        "ground_truth": _rel(data_dir / "ground_truth.csv", base),
        "sources": sources,
    }
    if end is not None:
        data["reference_date"] = end
    gen = {k: v for k, v in {"n_customers": n_customers, "locales": locales, "start": start,
                              "end": end}.items() if v is not None}
    if gen:
        data["extra"] = {"generator": gen}
    return data


def write_config(data: dict, path) -> Path:
    """Write the config YAML with a short header (UTF-8, keys in a readable order).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_config({"client": "x"}, pathlib.Path(tempfile.mkdtemp()) / "x.yaml")
    >>> p.read_text().splitlines()[-1]
    'client: x'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ("# Client config of the generated demo company (written by `cdmkit generate`).\n"
              "# Paths are relative to this file's folder; see docs/demo-data.md.\n")
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(header + body, encoding="utf-8")
    return path
