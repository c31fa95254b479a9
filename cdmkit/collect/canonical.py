"""The tables collection writes: the canonical table of a kind and the accounting tables.

Which cleaners each canonical field gets unless a source or the collection config says
otherwise (:data:`DEFAULT_CLEANERS`, :func:`cleaners_for`), the types and the columns of
a kind's canonical table (``<field>``, ``<field>_raw``, ``<field>_<output>`` and
``attributes``), and the columns of the rejects, warnings and per-source counts.

Examples
--------
>>> cleaners_for("phone", "customers")
['phone']
>>> REJECT_COLUMNS
['source', 'row', 'column', 'field', 'reason', 'value']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import CollectionConfig
from ..model import fields_of
from ..registry import cleaners as cleaner_registry

__all__ = ["DEFAULT_CLEANERS", "REJECT_COLUMNS", "STATS_COLUMNS", "WARNING_COLUMNS",
           "cleaners_for"]

#: Built-in cleaners per canonical field (fields not listed get one by their type).
DEFAULT_CLEANERS: dict[str, list] = {
    "record_id": ["id"], "customer_ref": ["id"], "customer_source": ["text"],
    "order_id": ["id"], "product_id": ["id"], "session_id": ["id"], "national_id": ["id"],
    "title": ["text"], "suffix": ["text"],
    "first_name": ["name"], "middle_name": ["name"], "last_name": ["name"],
    "full_name": ["name"],
    "email": ["email"], "phone": ["phone"], "birth_date": ["birth_date"],
    "gender": ["gender"], "street": ["address"], "address_line2": ["address"],
    "city": ["place"], "region": ["place"], "postcode": ["postcode"], "country": ["country"],
    "language": [{"text": {"case": "lower"}}], "currency": ["upper"],
    "consent_email": ["consent"], "consent_sms": ["consent"], "consent_profiling": ["consent"],
    "resolved": ["boolean"], "channel": ["label"], "status": ["label"],
    "event_type": ["label"], "interaction_type": ["label"],
}
_BY_TYPE = {"string": ["text"], "date": ["date"], "datetime": ["datetime"],
            "float": ["number"], "int": ["number"], "bool": ["boolean"]}

REJECT_COLUMNS = ["source", "row", "column", "field", "reason", "value"]
WARNING_COLUMNS = ["source", "row", "column", "reason"]
STATS_COLUMNS = ["source", "kind", "rows_in", "rows_clean", "rows_rejected",
                 "duplicates_removed", "rows_filtered", "rows_warned", "encoding",
                 "encoding_confidence"]

# Extra outputs that fill canonical fields instead of becoming <field>_<output> columns.
_FILLS = {"title", "suffix"}


def cleaners_for(field_name: str, kind: str, source_cleaners: dict | None = None,
                 collection: CollectionConfig | None = None) -> list:
    """Cleaner specs of a field: the source's, else the collection default, else built-in.

    Examples
    --------
    >>> cleaners_for("email", "customers")
    ['email']
    >>> cleaners_for("quantity", "transactions")
    ['number']
    >>> cleaners_for("email", "customers", {"email": ["text"]})
    ['text']
    """
    if source_cleaners and field_name in source_cleaners:
        return list(source_cleaners[field_name])
    if collection is not None and field_name in collection.default_cleaners:
        return list(collection.default_cleaners[field_name])
    if field_name in DEFAULT_CLEANERS:
        return list(DEFAULT_CLEANERS[field_name])
    return list(_BY_TYPE[fields_of(kind)[field_name].dtype])


def _outputs_of(specs) -> list[str]:
    outs: list[str] = []
    for spec in specs:
        name = spec if isinstance(spec, str) else next(iter(spec))
        for o in getattr(cleaner_registry.get(name), "outputs", ()):
            if o not in outs and o not in _FILLS:
                outs.append(o)
    return outs


def _empty_like(dtype: str, index) -> pd.Series:
    if dtype in ("date", "datetime"):
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if dtype in ("float", "int"):
        return pd.Series(np.nan, index=index, dtype="float64")
    if dtype == "bool":
        return pd.Series(pd.NA, index=index, dtype="boolean")
    return pd.Series(None, index=index, dtype=object)


def _coerce(s: pd.Series, dtype: str) -> pd.Series:
    if dtype in ("date", "datetime"):
        if not pd.api.types.is_datetime64_any_dtype(s):
            s = pd.to_datetime(s, errors="coerce")
        return s.astype("datetime64[ns]")
    if dtype in ("float", "int"):
        return pd.to_numeric(s, errors="coerce").astype("float64")
    if dtype == "bool":
        return s.astype("boolean")
    return s.astype(object).where(s.notna(), None)



def _canonical_table(out, extras_cols, raw_cols, attrs, kind, source, rows, keep_raw):
    fields = fields_of(kind)
    idx = out.index
    cols: dict[str, pd.Series] = {
        "source": pd.Series(source, index=idx, dtype=object),
        "record_id": out["record_id"].astype(object),
        "source_row": pd.Series(rows, index=idx, dtype="int64"),
    }
    for name, f in fields.items():
        if name == "record_id":
            continue
        cols[name] = out[name] if name in out else _empty_like(f.dtype, idx)
        if (keep_raw or f"{name}_raw" in raw_cols) and name != "customer_source":
            cols[f"{name}_raw"] = raw_cols.get(f"{name}_raw",
                                               pd.Series(None, index=idx, dtype=object))
        specs = DEFAULT_CLEANERS.get(name) or _BY_TYPE[f.dtype]
        for o in _outputs_of(specs):
            # Validity flags of plain number/boolean fields add little to the tables.
            if o == "valid" and f.dtype in ("float", "int", "bool") and kind != "customers":
                continue
            cname = f"{name}_{o}"
            default = pd.Series(pd.NA, index=idx, dtype="boolean") if o == "valid" else \
                pd.Series(None, index=idx, dtype=object)
            cols[cname] = extras_cols.get(cname, default)
        for cname, s in extras_cols.items():
            if not cname.startswith(name + "_") or cname in cols:
                continue
            if cname.endswith("_valid") and f.dtype in ("float", "int", "bool") \
                    and kind != "customers":
                continue
            if cname[len(name) + 1:] in ("key", "std", "kind", "flag", "valid"):
                cols[cname] = s
    cols["attributes"] = attrs
    return pd.DataFrame(cols, index=idx, copy=False)

