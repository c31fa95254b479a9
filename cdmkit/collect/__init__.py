"""Collection stage: load every source into one customer model, standardise it, catalogue it.

Everyday use::

    from cdmkit.config import load_config
    from cdmkit.collect import collect_sources

    result = collect_sources(load_config("clients/acme.yaml"))
    result.tables["customers"]      # canonical, standardised customer records
    result.rejects                  # every row not kept, with source row, column and reason
    result.source_stats             # rows_in == rows_clean + rows_rejected per source
    result.catalog                  # the data catalogue (PII class, completeness, ...)

Examples
--------
>>> import pandas as pd
>>> from cdmkit.collect import collect_frame
>>> r = collect_frame(pd.DataFrame({"fname": ["MARYAM"], "e-mail": ["M@X.ORG"]}), "customers",
...                   source="crm")
>>> r.tables["customers"][["first_name", "email"]].values.tolist()
[['Maryam', 'm@x.org']]
"""

import lazy_loader as _lazy

# The face is lazy: `import cdmkit.<pkg>` stays cheap (the CLI and `--help` import it);
# each name loads its submodule on first use.
__getattr__, __dir__, _ = _lazy.attach(__name__, submod_attrs={
    'catalog': ['build_catalog', 'detect_content', 'detect_pii_class'],
    'cleaners': ['AddressCleaner', 'BirthDateCleaner', 'BooleanCleaner', 'Cleaner',
                 'ConsentCleaner', 'CountryCleaner', 'DateCleaner', 'DatetimeCleaner',
                 'EmailCleaner', 'GenderCleaner', 'IdCleaner', 'JapaneseCleaner', 'LabelCleaner',
                 'NameCleaner', 'NumberCleaner', 'PersianCleaner', 'PhoneCleaner', 'PlaceCleaner',
                 'PostcodeCleaner', 'TextCleaner', 'UpperCleaner', 'country_code', 'make_cleaner',
                 'split_full_name'],
    'encoding': ['sniff_delimiter', 'sniff_encoding'],
    'loaders': ['CsvLoader', 'DuckDBLoader', 'ExcelLoader', 'JsonLinesLoader', 'JsonLoader',
                'Loader', 'ParquetLoader', 'SqlLoader', 'TsvLoader'],
    'mapping': ['infer_mapping', 'normalize_header', 'read_mapping_file'],
    'pipeline': ['CollectionReport', 'CollectionResult', 'DEFAULT_CLEANERS', 'cleaners_for',
                 'collect_file', 'collect_frame', 'collect_source', 'collect_sources'],
    'stage': ['run_stage'],
    'textnorm': ['fold_kana', 'normalize_digits', 'normalize_japanese', 'normalize_persian',
                 'text_key'],
})

__all__ = [
    "collect_sources", "collect_source", "collect_file", "collect_frame", "CollectionResult",
    "CollectionReport", "DEFAULT_CLEANERS", "cleaners_for", "run_stage",
    "infer_mapping", "normalize_header", "read_mapping_file",
    "build_catalog", "detect_content", "detect_pii_class",
    "sniff_encoding", "sniff_delimiter",
    "Loader", "CsvLoader", "TsvLoader", "ExcelLoader", "ParquetLoader", "JsonLoader",
    "JsonLinesLoader", "SqlLoader", "DuckDBLoader",
    "Cleaner", "TextCleaner", "UpperCleaner", "LabelCleaner", "IdCleaner", "PersianCleaner",
    "JapaneseCleaner", "NameCleaner", "EmailCleaner", "PhoneCleaner", "DateCleaner",
    "BirthDateCleaner", "DatetimeCleaner", "NumberCleaner", "ConsentCleaner", "BooleanCleaner",
    "GenderCleaner", "CountryCleaner", "PostcodeCleaner", "AddressCleaner", "PlaceCleaner",
    "make_cleaner", "split_full_name", "country_code",
    "normalize_persian", "normalize_japanese", "normalize_digits", "fold_kana", "text_key",
]
