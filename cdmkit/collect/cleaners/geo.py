"""Places: countries (ISO codes), postcodes, place names and street addresses."""

from __future__ import annotations

import re
from functools import lru_cache

from ...registry import cleaners
from ..textnorm import (
    clean_spaces,
    normalize_digits,
    normalize_persian,
    script_of,
    strip_diacritics,
    text_key,
)
from .base import Cleaner, _base_text, _nfkc
from .names import _cap_word

_COUNTRY_EXTRA = {
    "uk": "GB", "u.k.": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "northern ireland": "GB", "great britain": "GB", "britain": "GB", "eire": "IE",
    "usa": "US", "u.s.a.": "US", "u.s.": "US", "united states of america": "US",
    "america": "US", "holland": "NL", "the netherlands": "NL", "persia": "IR",
    "iran, islamic republic of": "IR", "islamic republic of iran": "IR", "rsa": "ZA",
    "south korea": "KR", "korea": "KR", "russia": "RU", "czech republic": "CZ",
    "uae": "AE", "ایران": "IR", "日本": "JP", "nippon": "JP", "deutschland": "DE",
}
_ALPHA3 = {"GBR": "GB", "USA": "US", "DEU": "DE", "FRA": "FR", "IRN": "IR", "JPN": "JP",
           "NLD": "NL", "ESP": "ES", "ITA": "IT", "CAN": "CA", "AUS": "AU", "BEL": "BE",
           "CHE": "CH", "AUT": "AT", "SWE": "SE", "NOR": "NO", "DNK": "DK", "FIN": "FI",
           "IRL": "IE", "PRT": "PT", "POL": "PL", "CZE": "CZ", "GRC": "GR", "TUR": "TR",
           "CHN": "CN", "KOR": "KR", "IND": "IN", "BRA": "BR", "MEX": "MX", "ARE": "AE",
           "SAU": "SA", "ZAF": "ZA", "NZL": "NZ", "SGP": "SG", "ISR": "IL", "RUS": "RU",
           "CYP": "CY", "LTU": "LT", "ISL": "IS", "MLT": "MT", "BHR": "BH", "LBN": "LB"}


@lru_cache(maxsize=1)
def _country_table() -> dict[str, str]:
    # CLDR names saved from phonenumbers' geodata (tools/gen_country_names.py): the core
    # depends on phonenumberslite, which lacks that 40 MB of data.
    from ._country_names import NAMES

    table: dict[str, str] = {}
    for code, names in NAMES.items():
        table[code.lower()] = code
        for name in names:
            if name:
                table.setdefault(normalize_persian(_nfkc(name)).lower(), code)
    for k, v in _ALPHA3.items():
        table[k.lower()] = v
    table.update({normalize_persian(k).lower(): v for k, v in _COUNTRY_EXTRA.items()})
    return table


def country_code(name) -> str | None:
    """ISO 3166-1 alpha-2 code of a country name or code, or ``None``.

    Knows English, French, German, Spanish, Persian, Japanese and other names
    (CLDR names, from :mod:`phonenumbers`' data), alpha-3 codes of common countries and
    everyday variants (``UK``, ``EIRE``, ``Holland``).

    Examples
    --------
    >>> country_code("United Kingdom"), country_code("EIRE"), country_code("ایران")
    ('GB', 'IE', 'IR')
    >>> country_code("日本"), country_code("deu"), country_code("Atlantis")
    ('JP', 'DE', None)
    """
    if name is None:
        return None
    s = clean_spaces(normalize_persian(_nfkc(str(name)))).lower().strip(" .")
    table = _country_table()
    if s in table:
        return table[s]
    s2 = re.sub(r"^the ", "", s)
    return table.get(s2) or table.get(strip_diacritics(s2))


@cleaners.register("country")
class CountryCleaner(Cleaner):
    """Country names and codes to ISO 3166-1 alpha-2; unknown ones missing, ``valid=False``.

    Parameters
    ----------
    default : str, optional
        Country assumed for empty values (the source's ``formats.country``).

    Examples
    --------
    >>> import pandas as pd
    >>> CountryCleaner().transform(pd.Series(["Germany", "eire", "Narnia"])).tolist()
    ['DE', 'IE', None]
    >>> CountryCleaner(default="GB").transform(pd.Series(["Japan", None])).tolist()
    ['JP', 'GB']
    """

    outputs = ("valid",)
    format_params = {"default": "country"}

    def __init__(self, default: str | None = None):
        self.default = default

    def _clean_one(self, value, *context):
        if value is None:
            return self.default, None
        c = country_code(value)
        return c, c is not None


_POSTCODES = {
    "GB": (r"([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})", r"\1 \2"),
    "US": (r"(\d{5})(\d{4})?", None),
    "NL": (r"(\d{4})([A-Z]{2})", r"\1 \2"),
    "CA": (r"([A-Z]\d[A-Z])(\d[A-Z]\d)", r"\1 \2"),
    "JP": (r"(\d{3})(\d{4})", r"\1-\2"),
    "IR": (r"(\d{5})(\d{5})", r"\1-\2"),
    "SE": (r"(\d{3})(\d{2})", r"\1 \2"),
    "PL": (r"(\d{2})(\d{3})", r"\1-\2"),
    "PT": (r"(\d{4})(\d{3})", r"\1-\2"),
    "IE": (r"([AC-FHKNPRTV-Y]\d{2}|D6W)([0-9AC-FHKNPRTV-Y]{4})", r"\1 \2"),
    "BR": (r"(\d{5})(\d{3})", r"\1-\2"),
    **{c: (r"(\d{5})", r"\1") for c in ("DE", "FR", "ES", "IT", "FI", "MX", "TR", "SA")},
    **{c: (r"(\d{4})", r"\1") for c in ("AU", "BE", "CH", "AT", "DK", "NO", "NZ", "ZA", "CY")},
}


@cleaners.register("postcode")
class PostcodeCleaner(Cleaner):
    """Postcodes in their national format (``sw1a1aa`` -> ``SW1A 1AA`` for GB).

    The country comes from the row's ``country`` when present, else from
    ``country`` (the source's ``formats.country``). Codes not matching the
    country's pattern get ``valid=False``; countries without a known pattern are
    upper-cased and get no verdict.

    Examples
    --------
    >>> import pandas as pd
    >>> PostcodeCleaner(country="GB").transform_full(pd.Series(["sw1a1aa", "12345"]))[1]["valid"]\\
    ...     .tolist()
    [True, False]
    >>> PostcodeCleaner().transform(pd.DataFrame({"p": ["〒１００－０００１", "1234ab"],
    ...                                           "c": ["JP", "NL"]})).tolist()
    ['100-0001', '1234 AB']
    """

    uses = ("country",)
    outputs = ("valid",)
    format_params = {"country": "country"}

    def __init__(self, country: str | None = None):
        self.country = country

    def _clean_one(self, value, *context):
        if value is None:
            return None, None
        s = normalize_digits(_nfkc(value)).upper().replace("〒", "").strip()
        country = (context[0] if context and isinstance(context[0], str) and context[0]
                   else None) or self.country
        rule = _POSTCODES.get((country or "").upper())
        if rule is None:
            return (clean_spaces(s) or None), None
        compact = re.sub(r"[\s\-]", "", s)
        m = re.fullmatch(rule[0], compact)
        if not m:
            return clean_spaces(s) or None, False
        if country.upper() == "US":
            return (m.group(1) + (f"-{m.group(2)}" if m.group(2) else "")), True
        return m.expand(rule[1]), True


_ABBREV = {"st": "Street", "rd": "Road", "ave": "Avenue", "av": "Avenue", "blvd": "Boulevard",
           "ln": "Lane", "dr": "Drive", "ct": "Court", "pl": "Place", "sq": "Square",
           "hwy": "Highway", "pkwy": "Parkway", "cres": "Crescent", "gdns": "Gardens",
           "tce": "Terrace", "cl": "Close", "apt": "Apartment", "ste": "Suite", "fl": "Floor",
           "bldg": "Building", "mt": "Mount"}
# Words that are abbreviations only at the end of a street line ("St Albans Rd" keeps "St").
_END_ONLY = {"st", "dr", "ct", "pl", "cl", "mt"}
_FA_ABBREV = {"خ": "خیابان", "ک": "کوچه", "پ": "پلاک", "بل": "بلوار", "ط": "طبقه"}


def _cap_address_word(w: str) -> str:
    if re.match(r"^\d", w):
        return w.lower()
    return _cap_word(w)


@cleaners.register("place")
class PlaceCleaner(Cleaner):
    """City and region names: NFKC, spaces, script normalisation, Latin title case.

    Examples
    --------
    >>> import pandas as pd
    >>> PlaceCleaner().transform(pd.Series(["  NEW   YORK", "tehran"])).tolist()
    ['New York', 'Tehran']
    """

    outputs = ("key",)

    def _clean_one(self, value, *context):
        if value is None:
            return None, None
        s = _base_text(value)
        if script_of(s) == "latin" and (s.isupper() or s.islower()):
            s = " ".join(_cap_address_word(w) for w in s.split(" "))
        return (s or None), (text_key(s) or None)


@cleaners.register("address")
class AddressCleaner(Cleaner):
    """Street lines: NFKC, spaces, case, and common abbreviations written out.

    English abbreviations (``Rd`` -> ``Road``; ``St``/``Dr`` only at the end of
    the line, since ``St Albans`` is a saint) and Persian ones (``خ.`` ->
    ``خیابان``) are expanded; Persian letters and digits are normalised; a Latin
    line in one case is title-cased. Output ``key`` is the lower-case,
    diacritic-free comparison key.

    Parameters
    ----------
    expand_abbreviations : bool

    Examples
    --------
    >>> import pandas as pd
    >>> AddressCleaner().transform(pd.Series(["12 high st.", "3 ST ALBANS RD"])).tolist()
    ['12 High Street', '3 St Albans Road']
    """

    outputs = ("key",)

    def __init__(self, expand_abbreviations: bool = True):
        self.expand_abbreviations = expand_abbreviations

    def _clean_one(self, value, *context):
        if value is None:
            return None, None
        s = _base_text(value)
        script = script_of(s)
        if script == "arabic" and self.expand_abbreviations:
            s = re.sub(r"(^|\s)(" + "|".join(_FA_ABBREV) + r")\.\s*",
                       lambda m: m.group(1) + _FA_ABBREV[m.group(2)] + " ", s).strip()
        if script == "latin":
            tokens = s.split(" ")
            one_case = s.isupper() or s.islower()
            out = []
            for i, t in enumerate(tokens):
                core = t.rstrip(".,").lower()
                trail = t[len(t.rstrip(".,")):].replace(".", "")
                last = i == len(tokens) - 1 or t.endswith(",")
                if self.expand_abbreviations and core in _ABBREV and i > 0 and \
                        (core not in _END_ONLY or last):
                    out.append(_ABBREV[core] + trail)
                elif one_case:
                    out.append(_cap_address_word(t))
                else:
                    out.append(t)
            s = " ".join(out)
        return (s or None), (text_key(s) or None)
