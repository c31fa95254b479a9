"""pandera schemas of the canonical tables, checked where a stage hands data over.

Schemas are built from :mod:`cdmkit.model` (canonical fields and types) plus
the keys of the linkage and segmentation tables. Columns other than the keys
are optional (a source need not have every field); extra columns are allowed
(``<field>_raw`` originals, attributes). Validation is lazy: every failure is
collected into one failure-cases table instead of stopping at the first.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"customer_id": ["C1", "C1"], "rfm_segment": ["A", "B"]})
>>> validate_table("segments", df)[["column", "check"]].drop_duplicates().values.tolist()
[['customer_id', 'field_uniqueness']]
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from ..model import FIELDS
from ..privacy.masking import masker_for

__all__ = ["SCHEMAS", "schema_for", "validate_table", "validate_tables"]


def _is_datetime(s: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(s) or s.isna().all()


def _is_number(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) or s.isna().all()


def _column(dtype: str, *, required=False, nullable=True, unique=False) -> pa.Column:
    checks = []
    if dtype in ("date", "datetime"):
        checks.append(pa.Check(_is_datetime, element_wise=False, name="is_datetime",
                               error=f"expected {dtype} values"))
    elif dtype in ("float", "int"):
        checks.append(pa.Check(_is_number, element_wise=False, name="is_number",
                               error="expected numbers"))
    return pa.Column(None, checks=checks, required=required, nullable=nullable, unique=unique)


def _canonical(kind: str, keys=("source",)) -> pa.DataFrameSchema:
    cols = {}
    for name, f in FIELDS[kind].items():
        # Dates of birth may stay text when a source's format is ambiguous; keep them lenient.
        dtype = "string" if name == "birth_date" else f.dtype
        cols[name] = _column(dtype)
    for k in keys:
        cols[k] = pa.Column(None, required=True, nullable=False)
    if kind == "customers":
        cols["record_id"] = pa.Column(None, required=True, nullable=False)
        unique = ["source", "record_id"]
    else:
        unique = None
    cols["timestamp"] = _column("datetime", required=kind != "customers", nullable=True) \
        if kind != "customers" else cols.get("timestamp", _column("datetime"))
    if kind == "customers":
        cols.pop("timestamp", None)
    return pa.DataFrameSchema(cols, unique=unique, strict=False, name=kind)


def _keyed(name: str, key: str, extra: dict | None = None) -> pa.DataFrameSchema:
    cols = {key: pa.Column(None, required=True, nullable=False, unique=True)}
    cols.update(extra or {})
    return pa.DataFrameSchema(cols, strict=False, name=name)


#: Schema per table name.
SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "customers": _canonical("customers"),
    "transactions": _canonical("transactions"),
    "events": _canonical("events"),
    "interactions": _canonical("interactions"),
    "customer_map": pa.DataFrameSchema(
        {"source": pa.Column(None, nullable=False), "record_id": pa.Column(None, nullable=False),
         "customer_id": pa.Column(None, nullable=False)},
        unique=["source", "record_id"], strict=False, name="customer_map"),
    "golden": _keyed("golden", "customer_id"),
    "segments": _keyed("segments", "customer_id"),
    "rfm": _keyed("rfm", "customer_id", {
        "frequency": _column("float"), "recency": _column("float"),
        "monetary_value": _column("float")}),
    "clv": _keyed("clv", "customer_id", {
        "p_alive": pa.Column(None, pa.Check.in_range(0, 1), nullable=True, required=False),
        "clv": _column("float")}),
    "churn_scores": _keyed("churn_scores", "customer_id", {
        "churn_probability": pa.Column(None, pa.Check.in_range(0, 1), nullable=True)}),
    "pairs": pa.DataFrameSchema(
        {c: pa.Column(None, nullable=False) for c in
         ("source_l", "record_id_l", "source_r", "record_id_r")} |
        {"match_probability": pa.Column(None, pa.Check.in_range(0, 1), nullable=True,
                                        required=False)},
        strict=False, name="pairs"),
}


def schema_for(name: str) -> pa.DataFrameSchema | None:
    """The schema of table ``name`` (``None`` for tables without one).

    Examples
    --------
    >>> schema_for("golden").name
    'golden'
    """
    return SCHEMAS.get(name)


_FAILURE_COLUMNS = ["table", "schema_context", "column", "check", "check_number",
                    "failure_case", "index"]


def validate_table(name: str, df: pd.DataFrame, *, mask: bool = True) -> pd.DataFrame:
    """Validate ``df`` against the schema of table ``name``; return the failure cases.

    Parameters
    ----------
    name : str
        Table name (``customers``, ``transactions``, ``customer_map``, ``golden``, ...).
    df : DataFrame
    mask : bool
        Mask failing values of personal-data columns.

    Returns
    -------
    DataFrame
        ``table``, ``schema_context``, ``column``, ``check``, ``check_number``,
        ``failure_case``, ``index``; empty when the table is valid or has no schema.

    Examples
    --------
    >>> import pandas as pd
    >>> validate_table("golden", pd.DataFrame({"customer_id": ["C1", "C2"]})).empty
    True
    >>> fc = validate_table("customer_map", pd.DataFrame({"source": ["a"]}))
    >>> fc[["check", "failure_case"]].values.tolist()
    [['column_in_dataframe', 'record_id'], ['column_in_dataframe', 'customer_id']]
    """
    schema = schema_for(name)
    if schema is None:
        return pd.DataFrame(columns=_FAILURE_COLUMNS)
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases.copy()
        fc.insert(0, "table", name)
        fc = fc.reindex(columns=_FAILURE_COLUMNS)
        fc["check"] = fc["check"].astype(str)
        fc["failure_case"] = fc["failure_case"].astype(object)
        if mask:
            for col, fn in {c: masker_for(c) for c in fc["column"].dropna().unique()}.items():
                if fn is not None:
                    sel = fc["column"] == col
                    fc.loc[sel, "failure_case"] = fc.loc[sel, "failure_case"].map(
                        lambda v: fn(v) if v is not None and v == v else v)
        return fc.reset_index(drop=True)
    return pd.DataFrame(columns=_FAILURE_COLUMNS)


def validate_tables(tables: dict) -> pd.DataFrame:
    """Failure cases of every table in ``tables`` that has a schema.

    Examples
    --------
    >>> import pandas as pd
    >>> validate_tables({"golden": pd.DataFrame({"customer_id": ["C1", None]})})["table"].tolist()
    ['golden']
    """
    parts = [validate_table(n, df) for n, df in tables.items() if df is not None]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=_FAILURE_COLUMNS)
    return pd.concat(parts, ignore_index=True)
