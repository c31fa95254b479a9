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

from .catalog import build_catalog, detect_content, detect_pii_class
from .cleaners import (AddressCleaner, BirthDateCleaner, BooleanCleaner, Cleaner, ConsentCleaner,
                       CountryCleaner, DateCleaner, DatetimeCleaner, EmailCleaner, GenderCleaner,
                       IdCleaner, JapaneseCleaner, LabelCleaner, NameCleaner, NumberCleaner,
                       PersianCleaner, PhoneCleaner, PlaceCleaner, PostcodeCleaner, TextCleaner,
                       UpperCleaner, country_code, make_cleaner, split_full_name)
from .encoding import sniff_delimiter, sniff_encoding
from .loaders import (CsvLoader, DuckDBLoader, ExcelLoader, JsonLinesLoader, JsonLoader, Loader,
                      ParquetLoader, SqlLoader, TsvLoader)
from .mapping import infer_mapping, normalize_header, read_mapping_file
from .pipeline import (DEFAULT_CLEANERS, CollectionReport, CollectionResult, cleaners_for,
                       collect_file, collect_frame, collect_source, collect_sources)
from .textnorm import fold_kana, normalize_digits, normalize_japanese, normalize_persian, text_key

__all__ = [
    "collect_sources", "collect_source", "collect_file", "collect_frame", "CollectionResult",
    "CollectionReport", "DEFAULT_CLEANERS", "cleaners_for",
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
