"""Activation: consent-aware audience exports for CRM and marketing tools.

Examples
--------
>>> from cdmkit.activate import neutralise_cell, filter_by_consent
>>> neutralise_cell("=cmd()")
"'=cmd()"
"""

from .consent import ConsentReport, consent_column, filter_by_consent
from .exporters import (DEFAULT_FIELDS, CsvExporter, Exporter, ExportResult,
                        GoogleAdsCustomerMatchExporter, HubspotExporter, MailchimpExporter,
                        ParquetExporter, SalesforceExporter, build_audience, export_audience,
                        normalise_email_google, sha256_hex)
from .pipeline import export_all, run_exports
from .safety import FORMULA_PREFIXES, neutralise_cell, neutralise_formulas

__all__ = ["ConsentReport", "consent_column", "filter_by_consent",
           "DEFAULT_FIELDS", "CsvExporter", "Exporter", "ExportResult",
           "GoogleAdsCustomerMatchExporter", "HubspotExporter", "MailchimpExporter",
           "ParquetExporter", "SalesforceExporter", "build_audience", "export_audience",
           "normalise_email_google", "sha256_hex", "export_all", "run_exports",
           "FORMULA_PREFIXES", "neutralise_cell", "neutralise_formulas"]
