"""Activation: consent-aware audience exports for CRM and marketing tools.

Examples
--------
>>> from cdmkit.activate import neutralise_cell, filter_by_consent
>>> neutralise_cell("=cmd()")
"'=cmd()"
"""

import lazy_loader as _lazy

# The face is lazy: `import cdmkit.<pkg>` stays cheap (the CLI and `--help` import it);
# each name loads its submodule on first use.
__getattr__, __dir__, _ = _lazy.attach(__name__, submod_attrs={
    'consent': ['ConsentReport', 'consent_column', 'filter_by_consent'],
    'exporters': ['CsvExporter', 'DEFAULT_FIELDS', 'ExportResult', 'Exporter',
                  'GoogleAdsCustomerMatchExporter', 'HubspotExporter', 'MailchimpExporter',
                  'ParquetExporter', 'SalesforceExporter', 'build_audience', 'export_audience',
                  'normalise_email_google', 'sha256_hex'],
    'pipeline': ['export_all', 'run_exports'],
    'safety': ['FORMULA_PREFIXES', 'neutralise_cell', 'neutralise_formulas'],
    'stage': ['run_stage'],
})

__all__ = ["ConsentReport", "consent_column", "filter_by_consent",
           "DEFAULT_FIELDS", "CsvExporter", "Exporter", "ExportResult",
           "GoogleAdsCustomerMatchExporter", "HubspotExporter", "MailchimpExporter",
           "ParquetExporter", "SalesforceExporter", "build_audience", "export_audience",
           "normalise_email_google", "sha256_hex", "export_all", "run_exports",
           "FORMULA_PREFIXES", "neutralise_cell", "neutralise_formulas", "run_stage"]
