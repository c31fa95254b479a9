"""Built-in cleaners: small scikit-learn-style transformers that standardise one field.

A cleaner takes a column of source values and returns the standardised values;
:meth:`Cleaner.transform_full` also returns *extra outputs* such as a validity
flag (``valid``), a comparison key (``key``) or a date flag (``flag``), which
the collection pipeline stores as ``<field>_<output>`` (``email_valid``,
``first_name_key``, ``birth_date_flag``). Cleaners work on the distinct values
of a column, so a million rows with fifty thousand distinct surnames cost fifty
thousand calls, and they are registered in :data:`cdmkit.registry.cleaners`
under the names used in the client YAML::

    cleaners:
      phone: [{phone: {region: IR}}]
      first_name: [persian, name]

Examples
--------
>>> import pandas as pd
>>> NameCleaner().transform(pd.Series(["  dr. ANNE-MARIE van der BERG ", "علي"])).tolist()
['Anne-Marie van der Berg', 'علی']
>>> EmailCleaner().transform(pd.Series(["Maryam.Ahmadi@Example.COM "])).tolist()
['maryam.ahmadi@example.com']
>>> PhoneCleaner(region="IR").transform(pd.Series(["۰۹۱۲ ۱۲۳ ۴۵۶۷"])).tolist()
['+989121234567']
"""

from __future__ import annotations

import inspect
from typing import Any

from ...registry import cleaners

# The package face: every cleaner and helper stays importable as cdmkit.collect.cleaners.<name>
# (the pipeline, the tests and plugins import from here); importing the modules registers them.
from .base import Cleaner, _apply_unique, _missing_mask, _row_codes, to_text  # noqa: F401
from .contact import EmailCleaner, PhoneCleaner, _phone_fast, _special_tlds  # noqa: F401
from .dates import DEFAULT_PLACEHOLDERS, BirthDateCleaner, DateCleaner, DatetimeCleaner  # noqa: F401
from .geo import AddressCleaner, CountryCleaner, PlaceCleaner, PostcodeCleaner, country_code
from .names import NameCleaner, smart_case, split_full_name  # noqa: F401
from .text import (
    BooleanCleaner,
    ConsentCleaner,
    GenderCleaner,
    IdCleaner,
    JapaneseCleaner,
    LabelCleaner,
    NumberCleaner,
    PersianCleaner,
    TextCleaner,
    UpperCleaner,
)

__all__ = [
    "Cleaner", "TextCleaner", "LabelCleaner", "UpperCleaner", "IdCleaner", "PersianCleaner",
    "JapaneseCleaner", "NameCleaner", "EmailCleaner", "PhoneCleaner", "DateCleaner",
    "BirthDateCleaner", "DatetimeCleaner", "NumberCleaner", "ConsentCleaner", "GenderCleaner",
    "CountryCleaner", "PostcodeCleaner", "AddressCleaner", "PlaceCleaner", "to_text",
    "country_code", "make_cleaner", "BooleanCleaner", "split_full_name",
]


def make_cleaner(spec, formats: dict | None = None, defaults: dict | None = None) -> Cleaner:
    """Build a cleaner from a YAML spec: a name, or ``{name: {param: value}}``.

    Parameters the spec does not set are taken from the source's ``formats``
    (e.g. the phone region) through the cleaner's ``format_params``, then from
    ``defaults``.

    Examples
    --------
    >>> make_cleaner({"phone": {"region": "JP"}}).region
    'JP'
    >>> make_cleaner("phone", formats={"phone_region": "IR"}).region
    'IR'
    >>> make_cleaner("fonetic")
    Traceback (most recent call last):
    ...
    cdmkit.errors.UnknownPluginError: unknown cleaners plugin 'fonetic'; valid names: ...
    """
    if isinstance(spec, str):
        name, params = spec, {}
    elif isinstance(spec, dict) and len(spec) == 1:
        name, params = next(iter(spec.items()))
        params = dict(params or {})
    else:
        raise ValueError(f"a cleaner is a name or {{name: {{param: value}}}}, not {spec!r}")
    cls = cleaners.get(name)
    merged: dict[str, Any] = {}
    accepted = set(inspect.signature(cls).parameters)
    for k, v in (defaults or {}).items():
        if k in accepted:
            merged[k] = v
    for param, fmt in getattr(cls, "format_params", {}).items():
        if formats and formats.get(fmt) is not None:
            merged[param] = formats[fmt]
    merged.update(params)
    try:
        return cls(**merged)
    except TypeError as exc:
        raise ValueError(f"cleaner {name!r}: {exc}") from None
