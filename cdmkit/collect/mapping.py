"""Mapping source columns onto the canonical fields of a kind.

A mapping is ``{canonical field: source column}``. When a source gives none,
it is inferred from the column names: names are compared after lower-casing
and removing spaces, dashes, dots and underscores (``First Name``,
``first_name`` and ``FirstName`` are all ``firstname``), first against the
canonical field names, then against each field's aliases in
:mod:`cdmkit.model`. Each column maps to at most one field and each field to at
most one column; columns left over are kept as JSON in the ``attributes``
column, so nothing is dropped.

Examples
--------
>>> infer_mapping(["Cust ID", "fname", "Surname", "E-mail", "mobile", "dob", "zip", "shoe size"],
...               "customers")
{'record_id': 'Cust ID', 'first_name': 'fname', 'last_name': 'Surname', 'email': 'E-mail', \
'phone': 'mobile', 'birth_date': 'dob', 'postcode': 'zip'}
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from ..errors import ConfigError, InputError
from ..model import fields_of

__all__ = ["normalize_header", "infer_mapping", "check_mapping", "attributes_json",
           "read_mapping_file"]


def normalize_header(name) -> str:
    """Column name in comparison form: lower case without spaces, dashes, dots, underscores.

    Examples
    --------
    >>> normalize_header(" E-Mail_Address ")
    'emailaddress'
    """
    return re.sub(r"[\s\-_.]+", "", str(name)).lower()


def infer_mapping(columns, kind: str) -> dict[str, str]:
    """Guess ``{canonical field: column}`` from column names.

    Exact canonical names win over aliases; among aliases, the earlier alias in
    the model's list wins, then the earlier column.

    Parameters
    ----------
    columns : iterable of str
        Source column names.
    kind : str
        Source kind.

    Examples
    --------
    >>> infer_mapping(["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice",
    ...                "CustomerID"], "transactions")
    {'customer_ref': 'CustomerID', 'order_id': 'InvoiceNo', 'timestamp': 'InvoiceDate', \
'product_id': 'StockCode', 'quantity': 'Quantity', 'unit_price': 'UnitPrice'}
    """
    fields = fields_of(kind)
    cols = [str(c) for c in columns]
    norm = {c: normalize_header(c) for c in cols}
    taken: set[str] = set()
    mapping: dict[str, str] = {}
    # Pass 1: exact canonical names.
    for name in fields:
        for c in cols:
            if c not in taken and norm[c] == normalize_header(name):
                mapping[name] = c
                taken.add(c)
                break
    # Pass 2: aliases, best alias rank first across all fields.
    candidates = []
    for order, (name, f) in enumerate(fields.items()):
        if name in mapping:
            continue
        for rank, alias in enumerate(f.aliases):
            a = normalize_header(alias)
            for pos, c in enumerate(cols):
                if norm[c] == a:
                    candidates.append((rank, pos, order, name, c))
    for _, _, _, name, c in sorted(candidates):
        if name not in mapping and c not in taken:
            mapping[name] = c
            taken.add(c)
    return {name: mapping[name] for name in fields if name in mapping}


def check_mapping(mapping: dict, columns, kind: str, file) -> dict[str, str]:
    """Validate an explicit mapping against the kind's fields and the source's columns.

    Raises
    ------
    InputError
        For a mapped column that does not exist (naming the column and listing
        the ones that do), or an unknown canonical field.

    Examples
    --------
    >>> check_mapping({"email": "Mail"}, ["id", "mail"], "customers", "crm.csv")
    Traceback (most recent call last):
    ...
    cdmkit.errors.InputError: crm.csv, column Mail: mapped column (for email) not found; \
columns are: id, mail (did you mean 'mail'?)
    """
    fields = fields_of(kind)
    cols = [str(c) for c in columns]
    out = {}
    for field, col in mapping.items():
        if field not in fields:
            raise InputError(file, f"mapping names unknown {kind} field {field!r}; valid: "
                             f"{', '.join(fields)}")
        if col is None:
            continue
        col = str(col)
        if col not in cols:
            near = [c for c in cols if normalize_header(c) == normalize_header(col)]
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise InputError(file, f"mapped column (for {field}) not found; columns are: "
                             f"{', '.join(cols)}{hint}", column=col)
        out[field] = col
    dup = pd.Series(list(out.values()))
    if dup.duplicated().any():
        col = dup[dup.duplicated()].iloc[0]
        both = [f for f, c in out.items() if c == col]
        raise InputError(file, f"column mapped to two fields ({', '.join(both)})", column=col)
    return out


def attributes_json(df: pd.DataFrame) -> pd.Series:
    """One JSON object per row of the (unmapped) columns of ``df``; missing values left out.

    Examples
    --------
    >>> attributes_json(pd.DataFrame({"shoe": ["42", None], "vip": [None, "ja"]})).tolist()
    ['{"shoe":"42"}', '{"vip":"ja"}']
    >>> attributes_json(pd.DataFrame(index=[0, 1])).tolist()
    ['{}', '{}']
    """
    if df.shape[1] == 0:
        return pd.Series("{}", index=df.index, dtype=object)
    from .cleaners import to_text

    text = pd.DataFrame({str(c): to_text(df[c]) for c in df.columns}, index=df.index)
    lines = text.to_json(orient="records", lines=True, force_ascii=False)
    out = [re.sub(r'"[^"\\]*(?:\\.[^"\\]*)*":null,?', "", ln).replace(",}", "}")
           for ln in lines.splitlines()]
    return pd.Series(out, index=df.index, dtype=object)


def read_mapping_file(path) -> dict:
    """Read a mapping YAML: either ``{field: column}`` or a partial source (``mapping:``,
    ``formats:``, ``cleaners:``, ``filters:``, ...).

    Returns
    -------
    dict
        Source settings, always with a ``mapping`` key.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.yaml"
    >>> _ = p.write_text("first_name: Vorname\\nemail: Mail\\n")
    >>> read_mapping_file(p)
    {'mapping': {'first_name': 'Vorname', 'email': 'Mail'}}
    """
    import yaml

    p = Path(path)
    if not p.is_file():
        raise ConfigError(p, "", "file not found")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(p, "", f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(p, "", "expected a mapping of canonical field: source column")
    source_keys = {"mapping", "formats", "cleaners", "filters", "options", "kind", "loader",
                   "customer_source", "owner", "description", "definitions", "pii", "name",
                   "drop_duplicates"}
    if "mapping" in data and set(data) <= source_keys:
        return dict(data)
    bad = [k for k, v in data.items() if not isinstance(v, str)]
    if bad:
        raise ConfigError(p, bad[0], "expected 'canonical_field: source column' pairs "
                          f"(got {json.dumps(data[bad[0]], default=str)})")
    return {"mapping": dict(data)}
