"""Config of the collection stage (`collection:` section of the client YAML)."""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import Field

from .base import Section

__all__ = ["CollectionConfig", "DEFAULT_IDENTITY_FIELDS"]

#: A customers row with none of these fields identifies nobody and is rejected.
DEFAULT_IDENTITY_FIELDS = ["first_name", "last_name", "full_name", "email", "phone",
                           "national_id"]


class CollectionConfig(Section):
    """Options of the collection stage.

    Cleaners per field come from the built-in defaults
    (:data:`cdmkit.collect.pipeline.DEFAULT_CLEANERS`), overridden by
    ``default_cleaners`` here, overridden by a source's own ``cleaners``.

    Examples
    --------
    >>> CollectionConfig().drop_exact_duplicates
    True
    >>> CollectionConfig(default_cleaners={"phone": [{"phone": {"region": "IR"}}]}).keep_raw
    'customers'
    """

    default_cleaners: dict[str, list[Any]] = Field(
        default_factory=dict, description="Canonical field -> list of cleaner names (or "
        "{name: params}) used for every source that does not set its own; overrides the "
        "built-in defaults field by field.")
    drop_exact_duplicates: bool = Field(
        True, description="Remove rows identical in every column to an earlier row of the "
        "same source; they go to the rejects with reason 'exact duplicate of row N' and are "
        "counted in duplicates_removed (and in rows_rejected).")
    reject_duplicate_ids: bool = Field(
        True, description="Reject rows whose record_id was already used by an earlier row "
        "of the same source (record_id must identify a record).")
    identity_fields: list[str] = Field(
        default_factory=lambda: list(DEFAULT_IDENTITY_FIELDS), description="A customers "
        "row with none of these fields filled is rejected ('no identifying field'); [] "
        "disables the rule.")
    split_full_name: bool = Field(
        True, description="Fill first_name/last_name from full_name when a source has only "
        "whole names (family name first for Japanese names).")
    keep_raw: Literal["customers", "all", "none"] = Field(
        "customers", description="Which tables keep the original value beside each "
        "standardised one as <field>_raw.")
    max_invalid_share: float = Field(
        0.5, ge=0, le=1, description="A number, date or yes/no column where more than this "
        "share of the filled values cannot be read is an input error (mixed types or a "
        "wrong mapping), not a list of rejects.")
    on_bad_rows: Literal["error", "reject"] = Field(
        "reject", description="Bad rows in delimited files (more or fewer fields than the "
        "header, an unbalanced quote, an oversized field, a NUL byte, bytes invalid in the "
        "encoding): reject them with their line number and reason, or stop with an error "
        "naming the first.")
    on_bad_bytes: Literal["reject", "replace"] = Field(
        "reject", description="Rows holding bytes that are not valid in the file's encoding: "
        "reject them, or keep them with U+FFFD in place of the bad bytes (and a warning "
        "naming row and column).")
    max_field_size: int = Field(1_000_000, gt=0, description="Longest accepted text field, "
                                "in characters; a longer field rejects its row.")
    chunksize: int = Field(200_000, gt=0, description="Rows per block when streaming large "
                           "files and database results.")
    encodings: list[str] = Field(
        default_factory=lambda: ["utf_8", "utf_16", "cp1252", "cp1256", "cp932", "euc_jp",
                                 "cp1251", "gbk", "big5", "latin_1"],
        description="Candidate encodings scored for files without a BOM that are not "
        "UTF-8 (a source's options.encoding overrides).")
    placeholder_dates: list[str] = Field(
        default_factory=lambda: ["1900-01-01", "1901-01-01", "1800-01-01", "1899-12-30",
                                 "1899-12-31", "0001-01-01", "9999-12-31", "2999-12-31"],
        description="Dates systems write for 'unknown'; flagged as placeholder.")
    reference_date: Optional[str] = Field(
        None, description="ISO date treated as today when flagging future dates and ages "
        "over 120; default: the client's reference_date, else the current date.")
    progress: bool = Field(False, description="Show progress bars while loading and "
                           "cleaning (off in scheduled runs).")
