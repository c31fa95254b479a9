"""Config of the activation stage (`activation:` section of the client YAML).

Examples
--------
>>> cfg = ActivationConfig.model_validate({"exports": [{"name": "vip", "exporter": "mailchimp",
...                                                      "segments": ["Champions"]}]})
>>> cfg.exports[0].purpose
'email_marketing'
"""

from __future__ import annotations

from typing import Optional

from pydantic import Field, field_validator, model_validator

from .base import Section

__all__ = ["ActivationConfig", "ExportConfig", "DEFAULT_PURPOSES"]

#: Consent column of each purpose (columns of the golden table).
DEFAULT_PURPOSES = {
    "email_marketing": "consent_email",
    "sms_marketing": "consent_sms",
    "profiling": "consent_profiling",
    "advertising": "consent_profiling",
}


class ExportConfig(Section):
    """One audience export.

    Examples
    --------
    >>> ExportConfig(name="all").exporter
    'csv'
    """

    name: str = Field(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                      description="File name stem of the export (exports/<name>.<ext>).")
    exporter: str = Field("csv", description="Exporter plugin: csv, parquet, mailchimp, "
                          "hubspot, salesforce, google_ads_customer_match, ...")
    segments: list[str] = Field(default_factory=list, description="Only customers in these "
                                "segments (RFM segment or cluster label); empty = all.")
    audience: Optional[str] = Field(None, description="Extra filter as a pandas query on the "
                                    "audience table, e.g. 'clv > 100'.")
    purpose: str = Field("email_marketing", description="Purpose of the export; only "
                         "customers whose consent covers it are included (see purposes).")
    pseudonymise: bool = Field(False, description="Replace customer_id by a keyed HMAC-SHA-256 "
                               "pseudonym (key from privacy.pseudonym_key_env).")
    bom: bool = Field(False, description="CSV: write a UTF-8 byte order mark (Excel).")
    fields: list[str] = Field(default_factory=list, description="csv/parquet: columns to "
                              "export (default: customer_id, names, email, phone, segment).")


class ActivationConfig(Section):
    """Options of the activation step (run in the validation notebook).

    Examples
    --------
    >>> ActivationConfig().purposes["email_marketing"]
    'consent_email'
    """

    enabled: bool = Field(True, description="Write the exports in the validation stage.")
    purposes: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_PURPOSES),
                                     description="Purpose: consent column of the golden "
                                     "table that must be true.")
    exports: list[ExportConfig] = Field(
        default_factory=lambda: [ExportConfig(name="newsletter", exporter="mailchimp",
                                              purpose="email_marketing")],
        description="Audience exports written to <run>/validation/exports/.")

    @field_validator("exports")
    @classmethod
    def _unique_names(cls, v):
        names = [e.name for e in v]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"duplicate export name(s): {', '.join(dup)}")
        return v

    @model_validator(mode="after")
    def _known_purposes(self):
        for i, e in enumerate(self.exports):
            if e.purpose not in self.purposes and not e.purpose.startswith("consent_"):
                raise ValueError(f"exports.{i}.purpose: unknown purpose {e.purpose!r} (known: "
                                 f"{', '.join(sorted(self.purposes))}, or a consent_* column)")
        return self
