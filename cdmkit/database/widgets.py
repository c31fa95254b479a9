"""The customer lookup widget for JupyterLab (the same card as ``cdmkit customer show``).

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from cdmkit.config import ClientConfig
>>> from cdmkit.database import open_client_database, update_database
>>> cfg = ClientConfig(client="doc", output_dir=tempfile.mkdtemp())
>>> run = pathlib.Path(tempfile.mkdtemp()) / "r1"
>>> (run / "data").mkdir(parents=True)
>>> pd.DataFrame({"customer_id": ["C1"], "email": ["ann@x.org"]}).to_parquet(
...     run / "data" / "golden.parquet")
>>> db = open_client_database(cfg); _ = update_database(db, run); db.close()
>>> box = customer_lookup(cfg)
>>> print(box.lookup("ann@x.org"))  # doctest: +ELLIPSIS
Customer C1
  contact
    email: a***@x.org
  history
  ...
"""

from __future__ import annotations

__all__ = ["customer_lookup"]


def customer_lookup(config):
    """A text box and a button that show the masked customer card of an ID, e-mail or phone.

    ``config`` is a :class:`cdmkit.config.ClientConfig` or the path of a client YAML.
    The returned widget has a ``lookup(key)`` method (what the button calls), which also
    returns the card's text. Masking follows ``privacy.show_raw_pii``.
    """
    import ipywidgets as w

    from ..config import load_config
    from .card import customer_card, find_customers, format_card
    from .client import open_client_database

    if not hasattr(config, "client"):
        config = load_config(config)
    key = w.Text(placeholder="customer ID, e-mail or phone", description="Customer")
    button = w.Button(description="Look up", icon="search")
    out = w.Output()
    box = w.VBox([w.HBox([key, button]), out])

    def lookup(value: str) -> str:
        db = open_client_database(config, read_only=True)
        try:
            ids = find_customers(db, value)
            text = "\n\n".join(format_card(customer_card(
                db, cid, show_raw=config.privacy.show_raw_pii)) for cid in ids) or \
                "no customer matches"
        finally:
            db.close()
        out.outputs = ()
        out.append_stdout(text + "\n")
        return text

    button.on_click(lambda _: lookup(key.value))
    key.on_submit(lambda _: lookup(key.value)) if hasattr(key, "on_submit") else None
    box.lookup = lookup
    return box
