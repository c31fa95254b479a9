"""Config of one data source (``sources:`` list of the client YAML)."""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import Field, model_validator

from .base import Section

__all__ = ["SourceFormats", "SourceConfig", "RowFilter"]

Kind = Literal["customers", "transactions", "events", "interactions"]


class SourceFormats(Section):
    """How values in a source are written.

    Examples
    --------
    >>> SourceFormats(phone_region="IR").phone_region
    'IR'
    """

    date_format: Optional[str] = Field(None, description="strftime format of date columns "
                                       "(e.g. '%d/%m/%Y'); inferred when absent.")
    datetime_format: Optional[str] = Field(None, description="strftime format of timestamps.")
    dayfirst: Optional[bool] = Field(None, description="Read ambiguous dates as day/month.")
    calendar: Literal["gregorian", "jalali"] = Field(
        "gregorian", description="Calendar of date columns (jalali = Solar Hijri).")
    phone_region: Optional[str] = Field(None, description="ISO country used for phone "
                                        "numbers written without a country code.")
    country: Optional[str] = Field(None, description="Default ISO country of addresses.")
    currency: Optional[str] = Field(None, description="ISO 4217 currency of amounts.")
    timezone: Optional[str] = Field(None, description="Time zone of naive timestamps.")
    decimal: str = Field(".", description="Decimal separator of numbers.")


class RowFilter(Section):
    """A declarative row filter: rows failing it go to the rejects with a reason.

    ``op`` is one of ``> >= < <= == != in not_in notnull isnull``; ``value`` is
    compared with the *cleaned* canonical field (dates as ISO strings).

    Examples
    --------
    >>> RowFilter(field="quantity", op=">", value=0).describe()
    'quantity > 0'
    """

    field: str = Field(..., description="Canonical field the filter tests.")
    op: Literal[">", ">=", "<", "<=", "==", "!=", "in", "not_in", "notnull", "isnull"] = \
        Field(..., description="Comparison.")
    value: Any = Field(None, description="Value (a list for in / not_in; unused for "
                       "notnull / isnull).")
    reason: Optional[str] = Field(None, description="Reject reason (default: the filter "
                                  "itself, e.g. 'filter quantity > 0').")

    def describe(self) -> str:
        """The filter as text (``quantity > 0``, ``customer_ref notnull``)."""
        if self.op in ("notnull", "isnull"):
            return f"{self.field} {self.op}"
        return f"{self.field} {self.op} {self.value}"


class SourceConfig(Section):
    """One source system.

    Examples
    --------
    >>> s = SourceConfig(name="shop", kind="customers", path="shop.csv")
    >>> s.resolved_loader()
    'csv'
    """

    name: str = Field(..., description="Unique source name (letters, digits, _).",
                      pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    kind: Kind = Field(..., description="customers | transactions | events | interactions")
    loader: Optional[str] = Field(None, description="Loader plugin (csv, tsv, excel, parquet, "
                                  "json, jsonl, sql, duckdb, ...); from the extension if absent.")
    path: Optional[str] = Field(None, description="File path, relative to the config file.")
    options: dict[str, Any] = Field(default_factory=dict, description="Loader options: "
                                    "encoding, delimiter, sheet, query, table, url_env, chunksize.")
    mapping: Optional[dict[str, str]] = Field(None, description="Canonical field -> source "
                                              "column; inferred from column names if absent.")
    formats: SourceFormats = Field(default_factory=SourceFormats)
    cleaners: dict[str, list[Any]] = Field(default_factory=dict, description="Canonical field "
                                           "-> list of cleaner names (or {name: params}).")
    customer_source: Optional[str] = Field(None, description="For non-customer kinds: the "
                                           "customers source whose keys customer_ref holds.")
    owner: Optional[str] = Field(None, description="Team that owns the source (catalogue).")
    description: Optional[str] = Field(None, description="What the source is (catalogue).")
    definitions: dict[str, str] = Field(default_factory=dict, description="Field -> meaning, "
                                        "overriding the canonical definitions (catalogue).")
    pii: dict[str, Literal["direct", "quasi", "sensitive", "none"]] = Field(
        default_factory=dict, description="Field -> PII class override (catalogue).")
    priority: int = Field(100, description="Survivorship priority (lower wins) for golden "
                          "records.")
    filters: list[RowFilter] = Field(default_factory=list, description="Row filters "
                                     "applied after cleaning (e.g. quantity > 0); failing "
                                     "rows go to the rejects with the filter as reason.")
    drop_duplicates: Optional[bool] = Field(None, description="Remove exact duplicate rows "
                                            "of this source (default: collection."
                                            "drop_exact_duplicates).")

    _EXT = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".xlsx": "excel", ".xls": "excel",
            ".xlsm": "excel", ".parquet": "parquet", ".pq": "parquet", ".json": "json",
            ".jsonl": "jsonl", ".ndjson": "jsonl", ".duckdb": "duckdb", ".db": "sql",
            ".sqlite": "sql", ".sqlite3": "sql"}

    @model_validator(mode="after")
    def _need_location(self):
        if self.path is None and not ({"url", "url_env"} & set(self.options)):
            raise ValueError("a source needs 'path' or options.url / options.url_env")
        return self

    def resolved_loader(self) -> str:
        """Loader name: the explicit one, else guessed from the file extension.

        Examples
        --------
        >>> SourceConfig(name="a", kind="events", path="e.jsonl").resolved_loader()
        'jsonl'
        """
        if self.loader:
            return self.loader
        if self.path is None:
            return "sql"
        from pathlib import PurePath

        return self._EXT.get(PurePath(self.path).suffix.lower(), "csv")
