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

import re
import unicodedata
from datetime import date
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from ..registry import cleaners
from .textnorm import _KEY_DROP, _SPACES
from .textnorm import (clean_spaces, join_persian_name_suffixes, normalize_digits,
                       normalize_japanese, normalize_persian,
                       script_of, strip_diacritics, text_key)

__all__ = [
    "Cleaner", "TextCleaner", "LabelCleaner", "UpperCleaner", "IdCleaner", "PersianCleaner",
    "JapaneseCleaner", "NameCleaner", "EmailCleaner", "PhoneCleaner", "DateCleaner",
    "BirthDateCleaner", "DatetimeCleaner", "NumberCleaner", "ConsentCleaner", "GenderCleaner",
    "CountryCleaner", "PostcodeCleaner", "AddressCleaner", "PlaceCleaner", "to_text",
    "country_code", "make_cleaner",
]


def _missing_mask(s: pd.Series) -> pd.Series:
    m = s.isna()
    if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
        m |= np.array([isinstance(v, str) and not v.strip() for v in s.to_numpy()], dtype=bool)
    return m


def to_text(s: pd.Series) -> pd.Series:
    """Values as text (object dtype, ``None`` for missing); integral floats lose their ``.0``.

    Examples
    --------
    >>> to_text(pd.Series([17850.0, None, 3.5])).tolist()
    ['17850', None, '3.5']
    >>> to_text(pd.Series(["a", 1, pd.Timestamp("2024-01-02")])).tolist()
    ['a', '1', '2024-01-02 00:00:00']
    """
    if pd.api.types.is_float_dtype(s):
        vals = s.to_numpy(dtype=float, na_value=np.nan)
        fin = np.isfinite(vals)
        integral = fin & (np.mod(np.where(fin, vals, 0), 1) == 0) & (np.abs(vals) < 2**53)
        out = np.empty(len(vals), dtype=object)
        out[:] = None
        if integral.any():
            out[integral] = vals[integral].astype(np.int64).astype(str)
        other = fin & ~integral
        if other.any():
            out[other] = [repr(float(v)) for v in vals[other]]
        return pd.Series(out, index=s.index, dtype=object)
    if pd.api.types.is_integer_dtype(s) or pd.api.types.is_bool_dtype(s):
        return s.astype(str).where(s.notna(), None).astype(object)
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.astype(str).where(s.notna(), None).astype(object)
    if (s.dtype == object or isinstance(s.dtype, pd.StringDtype)) and (pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")
                              or all(isinstance(v, str) for v in s.dropna())):
        return s.where(s.notna(), None).astype(object)

    def one(v):
        if isinstance(v, str):
            return v
        if isinstance(v, float):
            if v != v:
                return None
            return str(int(v)) if v.is_integer() and abs(v) < 2**53 else repr(v)
        if isinstance(v, bytes):
            return v.decode("utf-8", errors="replace")
        return str(v)
    return s.map(one, na_action="ignore").where(s.notna(), None).astype(object)


def _row_codes(keys: pd.DataFrame) -> np.ndarray:
    """Codes of the distinct rows of ``keys`` (object columns, ``None`` for missing).

    Rows are equal when the text of every part is equal (``str(v)``, missing as
    ``"\x00"``); codes follow first appearance.
    """
    # Fast route: columns of text only (str(v) is v) are factorised column by column
    # and the codes combined; the text key below gives the same grouping.
    combined = None
    for c in keys.columns:
        col = keys[c]
        if pd.api.types.infer_dtype(col, skipna=True) not in ("string", "empty") \
                or (col == "\x00").any():
            combined = None
            break
        cc, uniq = pd.factorize(col, use_na_sentinel=True)
        cc = np.where(cc < 0, len(uniq), cc).astype(np.int64)  # missing: a value of its own
        if combined is None:
            combined = cc
        else:
            combined, _ = pd.factorize(combined * (len(uniq) + 1) + cc)
            combined = combined.astype(np.int64)
    if combined is not None:
        return pd.factorize(combined)[0]
    # One text key per row ("\x00" for missing parts); codes follow first appearance.
    joined = None
    for c in keys.columns:
        part = keys[c].map(lambda v: "\x00" if v is None else str(v)).astype(str)
        joined = part if joined is None else joined + "\x1f" + part
    return pd.factorize(joined)[0]


def _apply_unique(frame: pd.DataFrame, fn, n_out: int) -> list[pd.Series]:
    """Apply ``fn(*row_values) -> tuple`` once per distinct row of ``frame``."""
    idx = frame.index
    if frame.shape[1] == 1:
        codes, uniques = pd.factorize(frame.iloc[:, 0], use_na_sentinel=True)
        uniq_rows = [(u,) for u in uniques]
    else:
        keys = frame.astype(object).where(frame.notna(), None)
        codes = _row_codes(keys)
        _, first = np.unique(codes, return_index=True)
        uniq_rows = [tuple(r) for r in keys.iloc[first].itertuples(index=False)]
        if frame.iloc[:, 0].isna().any():
            codes = np.where(frame.iloc[:, 0].isna().to_numpy(), -1, codes)
    results = [fn(*r) for r in uniq_rows]
    na_result = fn(*([None] * frame.shape[1]))  # code -1: missing input
    outs = []
    for j in range(n_out):
        vals = np.empty(len(results) + 1, dtype=object)
        vals[:-1] = [r[j] for r in results]
        vals[-1] = na_result[j]
        outs.append(pd.Series(vals[codes], index=idx, dtype=object))
    return outs


class Cleaner(TransformerMixin, BaseEstimator):
    """Base class: cleans one field; subclasses implement :meth:`_clean_one` (or override).

    Class attributes
    ----------------
    uses : tuple of str
        Other canonical fields the cleaner reads (e.g. the phone cleaner reads
        ``country`` to pick the region of national numbers); the pipeline passes
        them, already cleaned, as the extra columns of a DataFrame.
    outputs : tuple of str
        Names of extra outputs (stored as ``<field>_<name>``).

    Examples
    --------
    >>> TextCleaner().fit_transform(pd.Series([" a  b ", None])).tolist()
    ['a b', None]
    """

    uses: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = ()
    #: Format options (``SourceFormats`` fields) this cleaner takes as default parameters.
    format_params: ClassVar[dict[str, str]] = {}

    def fit(self, X, y=None):
        """Learn nothing (most cleaners are stateless); returns ``self``."""
        return self

    def transform(self, X) -> pd.Series:
        """Standardised values of ``X`` (a Series, or a DataFrame with the field first)."""
        return self.transform_full(X)[0]

    def transform_full(self, X) -> tuple[pd.Series, dict[str, pd.Series]]:
        """Standardised values and the extra outputs (``{name: Series}``).

        Examples
        --------
        >>> v, extra = EmailCleaner().transform_full(pd.Series(["bad@", "a@b.org"]))
        >>> extra["valid"].tolist()
        [False, True]
        """
        frame = X.to_frame() if isinstance(X, pd.Series) else X
        first = to_text(frame.iloc[:, 0])
        missing = _missing_mask(first)
        ctx = [frame.iloc[:, i] for i in range(1, frame.shape[1])]
        work = pd.concat([first.where(~missing, None), *ctx], axis=1)
        outs = _apply_unique(work, self._clean_one, 1 + len(self.outputs))
        values = outs[0]
        extras = {}
        for name, s in zip(self.outputs, outs[1:]):
            extras[name] = s.where(~missing, None) if name != "valid" else \
                s.where(~missing, None).astype("boolean")
        return values, extras

    def _clean_one(self, value, *context):  # pragma: no cover - abstract
        raise NotImplementedError


def _nfkc(v: str) -> str:
    return unicodedata.normalize("NFKC", v)


def _base_text(v: str) -> str:
    s = clean_spaces(normalize_persian(_nfkc(v)))
    return s


@cleaners.register("text")
class TextCleaner(Cleaner):
    """Unicode NFKC, Persian letter and digit normalisation, trimmed single spaces.

    Parameters
    ----------
    case : {None, "lower", "upper", "title"}
        Optional case change.

    Examples
    --------
    >>> TextCleaner(case="lower").transform(pd.Series(["  WEB\\tShop "])).tolist()
    ['web shop']
    """

    def __init__(self, case: str | None = None):
        self.case = case

    def _clean_one(self, value, *context):
        if value is None:
            return (None,)
        s = _base_text(value)
        if self.case == "lower":
            s = s.lower()
        elif self.case == "upper":
            s = s.upper()
        elif self.case == "title":
            s = s.title()
        return (s or None,)


@cleaners.register("upper")
class UpperCleaner(TextCleaner):
    """Text in upper case (currency codes, country codes).

    Examples
    --------
    >>> UpperCleaner().transform(pd.Series([" gbp"])).tolist()
    ['GBP']
    """

    def __init__(self, case: str | None = "upper"):
        self.case = case


@cleaners.register("label")
class LabelCleaner(Cleaner):
    """Category labels: lower case, words joined by ``_`` (``Page View`` -> ``page_view``).

    Examples
    --------
    >>> LabelCleaner().transform(pd.Series(["Page View", "page-view"])).tolist()
    ['page_view', 'page_view']
    """

    def _clean_one(self, value, *context):
        if value is None:
            return (None,)
        s = re.sub(r"[\s\-/]+", "_", _base_text(value).lower()).strip("_")
        return (s or None,)


@cleaners.register("id")
class IdCleaner(Cleaner):
    """Keys as text exactly as written: trimmed, single spaces, ASCII digits.

    Leading zeros are kept (``007`` is not ``7``) and so is a written ``3.0``
    (it is not the key ``3``: two records must not collide). Numbers stored as
    floats by a typed source (Parquet, Excel: ``17850.0``) are keys without the
    ``.0``, as :func:`to_text` writes them.

    Examples
    --------
    >>> IdCleaner().transform(pd.Series(["3.0", " 007 ", "۱۲۳", 12.0])).tolist()
    ['3.0', '007', '123', '12']
    """

    def _clean_one(self, value, *context):
        if value is None:
            return (None,)
        if value.isascii():  # NFKC and digit normalisation leave ASCII unchanged
            return (_SPACES.sub(" ", value).strip() or None,)
        return (clean_spaces(normalize_digits(_nfkc(value))) or None,)


@cleaners.register("persian")
class PersianCleaner(Cleaner):
    """Persian normalisation only (see :func:`cdmkit.collect.textnorm.normalize_persian`).

    Examples
    --------
    >>> PersianCleaner().transform(pd.Series(["كريمي"])).tolist() == ["کریمی"]
    True
    """

    def _clean_one(self, value, *context):
        return (None if value is None else clean_spaces(normalize_persian(_nfkc(value))),)


@cleaners.register("japanese")
class JapaneseCleaner(Cleaner):
    """Japanese width normalisation; optional katakana -> hiragana folding.

    Parameters
    ----------
    fold_kana : bool
        Fold katakana to hiragana in the value itself (the name key always folds).

    Examples
    --------
    >>> JapaneseCleaner(fold_kana=True).transform(pd.Series(["ﾔﾏﾀﾞ"])).tolist()
    ['やまだ']
    """

    def __init__(self, fold_kana: bool = False):
        self.fold_kana = fold_kana

    def _clean_one(self, value, *context):
        if value is None:
            return (None,)
        from .textnorm import fold_kana

        s = normalize_japanese(value)
        return (fold_kana(s) if self.fold_kana else s,)


# -- names -----------------------------------------------------------------------------
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "lady", "lord", "rev",
           "herr", "frau", "mme", "mlle", "sra", "srta", "dott", "ing",
           "آقای", "آقا", "خانم", "دکتر", "مهندس", "استاد"}
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "dds", "mba", "jnr", "snr"}
_JA_HONORIFICS = ("様", "さま", "さん", "殿", "氏", "君", "くん", "ちゃん")
_PARTICLES = {"van", "von", "de", "der", "den", "del", "della", "di", "da", "du", "la", "le",
              "dos", "das", "do", "ter", "ten", "bin", "ibn", "al", "el", "zu", "af", "av",
              "y", "e", "'t"}


_NAME_BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e]")
_NAME_JOINERS = re.compile(r"\s*([-’'])\s*")


def _cap_word(w: str) -> str:
    if not w:
        return w
    low = w.lower()
    parts = re.split(r"([-'’])", low)
    out = []
    for p in parts:
        if p in ("-", "'", "’") or not p:
            out.append(p)
            continue
        # title(), not upper(): "ß".upper() is "SS", which would read as a second word case
        if p.startswith("mc") and len(p) > 2:
            out.append("Mc" + p[2:3].title() + p[3:])
        else:
            out.append(p[:1].title() + p[1:])
    return "".join(out)


def smart_case(name: str) -> str:
    """Title-case the words of a Latin name written in one case; particles stay lower case.

    Words already in mixed case (``McDonald``, ``DeVito``) are kept.

    Examples
    --------
    >>> smart_case("ANNE-MARIE VAN DER BERG")
    'Anne-Marie van der Berg'
    >>> smart_case("o'brien mcdonald")
    "O'Brien McDonald"
    >>> smart_case("DeVito")
    'DeVito'
    """
    out = []
    for i, w in enumerate(name.split(" ")):
        up, low = w.upper(), w.lower()
        if up != w and low != w:  # mixed case: kept (tested first: the common case)
            out.append(w)
            continue
        letters = [c for c in w if c.isalpha()]
        if not letters:
            out.append(w)
        elif i > 0 and w.lower() in _PARTICLES:
            out.append(w.lower())
        elif len(letters) == 1 and w.upper() == w:
            out.append(w)
        else:
            out.append(_cap_word(w))
    return " ".join(out)


def _split_title_suffix(s: str) -> tuple[str, str | None, str | None]:
    tokens = s.split(" ")
    title = suffix = None
    if len(tokens) > 1 and tokens[0].rstrip(".").lower() in _TITLES:
        title = tokens.pop(0).rstrip(".")
    if len(tokens) > 1 and tokens[-1].rstrip(".").lower() in _SUFFIXES:
        suffix = tokens.pop().rstrip(".")
        if tokens and tokens[-1].endswith(","):
            tokens[-1] = tokens[-1][:-1]
    joined = " ".join(tokens)
    for h in _JA_HONORIFICS:
        if joined.endswith(h) and len(joined) > len(h):
            joined, suffix = joined[: -len(h)].strip(), suffix or h
            break
    return joined, title, suffix


@cleaners.register("name")
class NameCleaner(Cleaner):
    """Personal names in Latin, Persian/Arabic or Japanese script.

    NFKC, whitespace, Persian letter/diacritic/ZWNJ/digit normalisation,
    Japanese width normalisation; titles (``Dr``, ``خانم``) and suffixes
    (``Jr``, ``III``, Japanese ``様``) split off; a Latin name written all in
    upper or lower case is title-cased with particles (``van der``) kept in
    lower case. Extra outputs: ``key`` (see :func:`~cdmkit.collect.textnorm.text_key`),
    ``title`` and ``suffix``.

    Parameters
    ----------
    split_titles : bool
        Split titles and suffixes off into the ``title``/``suffix`` outputs.
    fix_case : bool
        Title-case single-case Latin names.

    Examples
    --------
    >>> v, x = NameCleaner().transform_full(pd.Series(["MR JOHN SMITH JR", "ﾔﾏﾀﾞ 様"]))
    >>> v.tolist(), x["title"].tolist(), x["suffix"].tolist()
    (['John Smith', 'ヤマダ'], ['MR', None], ['JR', '様'])
    >>> x["key"].tolist()
    ['johnsmith', 'やまだ']
    """

    outputs = ("key", "title", "suffix")

    def __init__(self, split_titles: bool = True, fix_case: bool = True):
        self.split_titles = split_titles
        self.fix_case = fix_case

    def transform_full(self, X):
        if isinstance(X, pd.DataFrame) and X.shape[1] != 1:
            return super().transform_full(X)
        first = to_text(X if isinstance(X, pd.Series) else X.iloc[:, 0])
        missing = _missing_mask(first)
        codes, uniques = pd.factorize(first.where(~missing, None), use_na_sentinel=True)
        uniq = np.asarray(uniques, dtype=object)
        res = [np.empty(len(uniq) + 1, dtype=object) for _ in range(4)]
        asc = np.fromiter((v.isascii() for v in uniq), dtype=bool, count=len(uniq))
        # ASCII names take a shorter road to the same result (NFKC, bidi marks, Persian and
        # kana folding and diacritics leave ASCII unchanged).
        for idx, fn in ((np.flatnonzero(asc), self._clean_ascii),
                        (np.flatnonzero(~asc), self._clean_one)):
            if len(idx):
                out = [fn(v) for v in uniq[idx]]
                for j in range(4):
                    res[j][idx] = [o[j] for o in out]
        for j, v in enumerate(self._clean_one(None)):  # code -1: missing input
            res[j][-1] = v
        index = first.index
        values = pd.Series(res[0][codes], index=index, dtype=object)
        extras = {name: pd.Series(r[codes], index=index, dtype=object).where(~missing, None)
                  for name, r in zip(self.outputs, res[1:])}
        return values, extras

    def _clean_ascii(self, value):
        # _clean_one for an ASCII string, step by step.
        s = _SPACES.sub(" ", value).strip()
        latin = s.lower() != s.upper()  # has an ASCII letter
        if latin and ("-" in s or "'" in s):
            s = _NAME_JOINERS.sub(r"\1", s)
        title = suffix = None
        if self.split_titles and " " in s:
            s, title, suffix = _split_title_suffix(s)
        if self.fix_case and latin:
            s = smart_case(s)
        s = s.strip(" ,")
        if not s:
            return None, None, title, suffix
        return s, _KEY_DROP.sub("", s.lower()) or None, title, suffix

    def _clean_one(self, value, *context):
        if value is None:
            return None, None, None, None
        s = clean_spaces(_NAME_BIDI.sub("", _nfkc(value)))
        script = script_of(s)
        if script == "arabic":
            s = join_persian_name_suffixes(normalize_persian(s))
        s = _NAME_JOINERS.sub(r"\1", s) if script == "latin" else s
        title = suffix = None
        if self.split_titles:
            s, title, suffix = _split_title_suffix(s)
            # A title in another script ("خانم Anne") decided the script above: the name
            # left is read in its own script, as it would be on its own (idempotence).
            rest = script_of(s)
            if rest != script and rest == "latin":
                s = _NAME_JOINERS.sub(r"\1", s)
            script = rest
        if self.fix_case and script == "latin":
            s = smart_case(s)
        s = s.strip(" ,")
        if not s:
            return None, None, title, suffix
        return s, text_key(s) or None, title, suffix


def split_full_name(full: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split whole names into (first name, last name).

    Latin and Persian names: the last token (with particles such as ``van der``
    before it) is the family name, the rest the given names. Japanese names
    written with a space are family name first (``山田 太郎``); without a space
    they cannot be split and go whole to the last name. ``Last, First`` is read as such.

    Examples
    --------
    >>> f, l = split_full_name(pd.Series(["Anne van der Berg", "山田 太郎", "Hilton, Stuart"]))
    >>> f.tolist(), l.tolist()
    (['Anne', '太郎', 'Stuart'], ['van der Berg', '山田', 'Hilton'])
    """
    def one(v):
        if v is None:
            return None, None
        if v.count(",") == 1:  # "Last, First" as directories and POS systems write it
            last, first = (p.strip() for p in v.split(","))
            return first or None, last or None
        tokens = v.split(" ")
        if len(tokens) == 1:
            return None, v
        if script_of(v) == "japanese":
            return " ".join(tokens[1:]), tokens[0]
        i = len(tokens) - 1
        while i > 1 and tokens[i - 1].lower() in _PARTICLES:
            i -= 1
        return " ".join(tokens[:i]), " ".join(tokens[i:])
    first, last = _apply_unique(to_text(full).to_frame(), one, 2)
    return first, last


# -- e-mail ------------------------------------------------------------------------------
_EMAIL_FAST = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


@lru_cache(maxsize=1)
def _special_tlds() -> frozenset:
    import email_validator

    names = getattr(email_validator, "SPECIAL_USE_DOMAIN_NAMES", ["test", "invalid", "local",
                                                                 "localhost", "onion", "arpa"])
    return frozenset(n.rsplit(".", 1)[-1].lower() for n in names)


@cleaners.register("email")
class EmailCleaner(Cleaner):
    """E-mail addresses: trimmed, domain lower-cased, syntax-checked (no DNS look-ups).

    The standardised value is the whole address in lower case, which is what
    matching needs (virtually every mail provider ignores case). The extra
    output ``std`` keeps the local part's case (the RFC form, domain in lower
    case); ``valid`` is ``False`` for addresses that fail
    :mod:`email_validator`'s syntax rules. Invalid addresses are kept (flagged,
    not dropped). Plain ASCII addresses matching a strict pattern skip the
    validator (same verdict, far faster).

    Examples
    --------
    >>> v, x = EmailCleaner().transform_full(pd.Series(["mailto:Ann.Lee@Mail.EXAMPLE.org",
    ...                                                 "no-at.example.org"]))
    >>> v.tolist(), x["std"].tolist(), x["valid"].tolist()
    (['ann.lee@mail.example.org', 'no-at.example.org'], ['Ann.Lee@mail.example.org', \
'no-at.example.org'], [True, False])
    """

    outputs = ("valid", "std")

    def _clean_one(self, value, *context):
        if value is None:
            return None, None, None
        s = (value if value.isascii() else _nfkc(value)).strip().strip("<>").strip()
        if s.lower().startswith("mailto:"):
            s = s[7:]
        s = _SPACES.sub("", s)
        if not s:
            return None, None, None
        local, at, domain = s.rpartition("@")
        if at and _EMAIL_FAST.fullmatch(s) and len(s) <= 254 and len(local) <= 64 \
                and domain.rsplit(".", 1)[-1].lower() not in _special_tlds():
            std = f"{local}@{domain.lower()}"
            return std.lower(), True, std
        import email_validator

        try:
            std = email_validator.validate_email(s, check_deliverability=False).normalized
            return std.lower(), True, std
        except email_validator.EmailNotValidError:
            std = f"{local}@{domain.lower()}" if at else s
            return std.lower(), False, std


# -- phones ------------------------------------------------------------------------------
_PHONE_TYPES = None


def _phone_type_names():
    global _PHONE_TYPES
    if _PHONE_TYPES is None:
        import phonenumbers

        _PHONE_TYPES = {v: k.lower() for k, v in vars(phonenumbers.PhoneNumberType).items()
                        if k.isupper() and isinstance(v, int)}
    return _PHONE_TYPES


# Vectorised fast path for the common case: a national number written as plain ASCII digits.
# It replays, on whole arrays, the steps ``phonenumbers.parse`` + ``number_type`` take for such
# a string (same metadata, same regular expressions, same order of tests); every value whose
# route through the library is not one of the simple ones modelled here (IDD prefix, leading
# country code, national prefix with a transform, ambiguous region) is left to the library.
_PHONE_FAST_INPUT = re.compile(r"[0-9]{2,17}")
#: An extension written after a number: "x123", "ext. 4", "extension 12", "#12", ";ext=5".
_PHONE_EXTENSION = re.compile(r"(?:[;,]?\s*(?:ext(?:ension|n)?\.?|x\.?|#|;\s*ext=|内線|داخلی)"
                              r"\s*[:=]?\s*)(\d{1,7})\s*#?\s*$", re.IGNORECASE)


def _phone_match(values: list, pattern: str | None) -> np.ndarray:
    """``phonenumbers``' ``_match_national_number(v, desc, False)`` for many strings."""
    if not pattern:
        return np.zeros(len(values), dtype=bool)
    fm = re.compile(pattern).fullmatch
    return np.fromiter((fm(v) is not None for v in values), dtype=bool, count=len(values))


def _phone_desc_match(values: list, desc) -> np.ndarray:
    """``phonenumbers``' ``_is_number_matching_desc`` for many strings."""
    if desc is None or not values:
        return np.zeros(len(values), dtype=bool)
    if len(desc.possible_length) == 0:
        return _phone_match(values, desc.national_number_pattern)
    # The length test first: the pattern only for numbers of a possible length.
    lengths = set(desc.possible_length)
    ok = np.fromiter((len(v) in lengths for v in values), dtype=bool, count=len(values))
    idx = np.flatnonzero(ok)
    if len(idx):
        ok[idx] = _phone_match([values[i] for i in idx], desc.national_number_pattern)
    return ok


_PHONE_CASCADE_CACHE: dict = {}


def _phone_cascade(md, length: int):
    """One pattern for the type tests of ``_number_type_helper`` at one number length.

    The alternatives are the descriptions (premium rate ... voicemail, fixed line, mobile)
    that allow ``length``, in the library's order; a full match takes the first alternative
    that matches the whole number, which is the library's first hit. Returns the compiled
    pattern and the type codes of its groups, or ``None`` (patterns with back-references
    cannot be combined).
    """
    key = (id(md), length)
    if key in _PHONE_CASCADE_CACHE:
        return _PHONE_CASCADE_CACHE[key]
    import phonenumbers

    T = phonenumbers.PhoneNumberType
    steps = [(md.premium_rate, T.PREMIUM_RATE), (md.toll_free, T.TOLL_FREE),
             (md.shared_cost, T.SHARED_COST), (md.voip, T.VOIP),
             (md.personal_number, T.PERSONAL_NUMBER), (md.pager, T.PAGER),
             (md.uan, T.UAN), (md.voicemail, T.VOICEMAIL), (md.fixed_line, T.FIXED_LINE)]
    if not md.same_mobile_and_fixed_line_pattern:
        steps.append((md.mobile, T.MOBILE))
    parts, codes = [], {}
    for desc, typ in steps:
        if desc is None or not desc.national_number_pattern:
            continue
        if len(desc.possible_length) > 0 and length not in desc.possible_length:
            continue
        if re.search(r"\\[1-9]|\(\?P", desc.national_number_pattern):
            _PHONE_CASCADE_CACHE[key] = None
            return None
        name = f"t{len(parts)}"
        parts.append(f"(?P<{name}>{desc.national_number_pattern})")
        codes[name] = typ
    try:
        compiled = re.compile("|".join(parts)) if parts else None
    except re.error:
        _PHONE_CASCADE_CACHE[key] = None
        return None
    _PHONE_CASCADE_CACHE[key] = (compiled, codes)
    return compiled, codes


def _phone_types(values: list, md) -> np.ndarray:
    """``phonenumbers``' ``_number_type_helper`` for many national significant numbers."""
    import phonenumbers

    T = phonenumbers.PhoneNumberType
    out = np.full(len(values), T.UNKNOWN, dtype=np.int64)
    todo = np.flatnonzero(_phone_desc_match(values, md.general_desc))
    if not len(todo):
        return out
    by_length: dict[int, list[int]] = {}
    for i in todo:
        by_length.setdefault(len(values[i]), []).append(i)
    fixed = []
    for length, idx in by_length.items():
        cascade = _phone_cascade(md, length)
        if cascade is None:
            out[idx] = _phone_types_stepwise([values[i] for i in idx], md)
            continue
        pattern, codes = cascade
        if pattern is None:
            continue
        fm = pattern.fullmatch
        for i in idx:
            m = fm(values[i])
            if m is not None:
                typ = codes[m.lastgroup]
                if typ == T.FIXED_LINE:
                    fixed.append(i)
                else:
                    out[i] = typ
    if fixed:
        fixed = np.asarray(fixed)
        if md.same_mobile_and_fixed_line_pattern:
            out[fixed] = T.FIXED_LINE_OR_MOBILE
        else:
            both = _phone_desc_match([values[i] for i in fixed], md.mobile)
            out[fixed[both]] = T.FIXED_LINE_OR_MOBILE
            out[fixed[~both]] = T.FIXED_LINE
    return out


def _phone_types_stepwise(values: list, md) -> np.ndarray:
    """:func:`_phone_types` one description at a time (numbers matching the general one)."""
    import phonenumbers

    T = phonenumbers.PhoneNumberType
    out = np.full(len(values), T.UNKNOWN, dtype=np.int64)
    todo = np.arange(len(values))

    def sub(idx):
        return [values[i] for i in idx]

    for desc, typ in ((md.premium_rate, T.PREMIUM_RATE), (md.toll_free, T.TOLL_FREE),
                      (md.shared_cost, T.SHARED_COST), (md.voip, T.VOIP),
                      (md.personal_number, T.PERSONAL_NUMBER), (md.pager, T.PAGER),
                      (md.uan, T.UAN), (md.voicemail, T.VOICEMAIL)):
        if not len(todo):
            return out
        hit = _phone_desc_match(sub(todo), desc)
        out[todo[hit]] = typ
        todo = todo[~hit]
    fixed = _phone_desc_match(sub(todo), md.fixed_line)
    fl, rest = todo[fixed], todo[~fixed]
    if md.same_mobile_and_fixed_line_pattern:
        out[fl] = T.FIXED_LINE_OR_MOBILE
        return out
    both = _phone_desc_match(sub(fl), md.mobile)
    out[fl[both]] = T.FIXED_LINE_OR_MOBILE
    out[fl[~both]] = T.FIXED_LINE
    mob = _phone_desc_match(sub(rest), md.mobile)
    out[rest[mob]] = T.MOBILE
    return out


def _phone_fast(values: list, region: str):
    """Clean distinct plain-digit national numbers of one region without calling ``parse``.

    Returns ``(decided, value, valid, kind)`` arrays; where ``decided`` is False the caller
    asks the library (the route through ``parse`` is not a simple one).
    """
    import phonenumbers
    from phonenumbers.phonemetadata import PhoneMetadata
    from phonenumbers.phonenumberutil import ValidationResult, _test_number_length

    n = len(values)
    decided = np.zeros(n, dtype=bool)
    value = np.empty(n, dtype=object)
    valid = np.zeros(n, dtype=bool)
    kind = np.empty(n, dtype=object)
    md = PhoneMetadata.metadata_for_region(region, None) if isinstance(region, str) else None
    if md is None or region not in phonenumbers.SUPPORTED_REGIONS or not n:
        return decided, value, valid, kind
    cc = md.country_code
    # Numbers starting with the region's international prefix or with its country code take
    # other routes through parse().
    ok = np.ones(n, dtype=bool)
    if md.international_prefix:
        idd = re.compile(md.international_prefix).match
        ok &= np.fromiter((idd(v) is None for v in values), dtype=bool, count=n)
    ccs = str(cc)
    ok &= np.fromiter((not v.startswith(ccs) for v in values), dtype=bool, count=n)
    # National prefix (_maybe_strip_national_prefix_carrier_code).
    potential = list(values)
    npp = md.national_prefix_for_parsing
    if npp:
        pm = re.compile(npp).match
        rule = md.national_prefix_transform_rule
        gd_pattern = md.general_desc.national_number_pattern if md.general_desc else None
        strip_idx, strip_rest = [], []
        for i, v in enumerate(values):
            if not ok[i]:
                continue
            m = pm(v)
            if m is None:
                continue
            groups = m.groups()
            if rule:
                if not groups or groups[-1] is not None:
                    ok[i] = False  # a transform applies: leave it to the library
                    continue
            strip_idx.append(i)
            strip_rest.append(v[m.end():])
        if strip_idx:
            orig = [values[i] for i in strip_idx]
            keep = _phone_match(orig, gd_pattern) & ~_phone_match(strip_rest, gd_pattern)
            for i, r, k in zip(strip_idx, strip_rest, keep):
                if not k:
                    potential[i] = r
    # Keep the stripped form only when its length is possible (depends on the length alone).
    length_ok = {}
    nsn = []
    for i, v in enumerate(values):
        p = potential[i]
        if p is not v:
            L = len(p)
            if L not in length_ok:
                length_ok[L] = _test_number_length("0" * L, md) not in (
                    ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
                    ValidationResult.INVALID_LENGTH)
            if not length_ok[L]:
                p = v
        if len(p) < 2:
            ok[i] = False
        nsn.append(p)
    # Region of the number (region_code_for_number) and its type (number_type).
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(cc)
    if not regions:
        return decided, value, valid, kind
    types = np.full(n, -1, dtype=np.int64)
    todo = np.flatnonzero(ok)
    if len(regions) == 1:
        rmd = PhoneMetadata.metadata_for_region_or_calling_code(cc, regions[0])
        if rmd is None:
            return decided, value, valid, kind
        types[todo] = _phone_types([nsn[i] for i in todo], rmd)
    else:
        unknown = phonenumbers.PhoneNumberType.UNKNOWN
        for r in regions:
            if not len(todo):
                break
            rmd = PhoneMetadata.metadata_for_region(r.upper(), None)
            if rmd is None:
                continue
            cand = [nsn[i] for i in todo]
            if rmd.leading_digits is not None:
                lm = re.compile(rmd.leading_digits).match
                hit = np.fromiter((lm(v) is not None for v in cand), dtype=bool, count=len(cand))
                if hit.any():
                    types[todo[hit]] = _phone_types([c for c, h in zip(cand, hit) if h], rmd)
            else:
                t = _phone_types(cand, rmd)
                hit = t != unknown
                types[todo[hit]] = t[hit]
            todo = todo[~hit]
        # Numbers of no region of the code: left to the library.
    names = _phone_type_names()
    unknown = phonenumbers.PhoneNumberType.UNKNOWN
    for i in np.flatnonzero(types >= 0):
        decided[i] = True
        if types[i] == unknown:
            value[i], valid[i], kind[i] = values[i], False, None
        else:
            value[i], valid[i], kind[i] = f"+{cc}{nsn[i]}", True, names.get(int(types[i]))
    return decided, value, valid, kind


@cleaners.register("phone")
class PhoneCleaner(Cleaner):
    """Telephone numbers to E.164 with :mod:`phonenumbers`.

    Numbers without a country code are read in the row's ``country`` (when the
    source has one) or else in ``region`` (the source's ``formats.phone_region``).
    Persian, Arabic-Indic and full-width digits are accepted; ``00`` prefixes
    become ``+``. Invalid numbers keep their best-effort form and get
    ``valid = False``. Extra outputs ``kind``: ``mobile``, ``fixed_line``, ...
    (families share landlines, rarely mobiles), and ``extension``: the digits
    of an extension written after the number (``x123``, ``ext. 4``, ``#12``,
    ``;ext=5``), kept apart instead of dropped.

    Parameters
    ----------
    region : str, optional
        ISO 3166-1 alpha-2 default region.

    Examples
    --------
    >>> v, x = PhoneCleaner(region="GB").transform_full(pd.Series(["07911 123456", "12"]))
    >>> v.tolist(), x["valid"].tolist(), x["kind"].tolist()
    (['+447911123456', '12'], [True, False], ['mobile', None])
    >>> PhoneCleaner().transform(pd.DataFrame({"phone": ["090-1234-5678"], "country": ["JP"]}))\\
    ...     .tolist()
    ['+819012345678']
    >>> v, x = PhoneCleaner(region="GB").transform_full(pd.Series(["020 7946 0018 ext. 4"]))
    >>> v.tolist(), x["extension"].tolist()
    (['+442079460018'], ['4'])
    """

    uses = ("country",)
    outputs = ("valid", "kind", "extension")
    format_params = {"region": "phone_region"}

    def __init__(self, region: str | None = None):
        self.region = region

    def transform_full(self, X):
        frame = X.to_frame() if isinstance(X, pd.Series) else X
        first = to_text(frame.iloc[:, 0])
        missing = _missing_mask(first)
        ctx = [frame.iloc[:, i] for i in range(1, frame.shape[1])]
        work = pd.concat([first.where(~missing, None), *ctx], axis=1)
        n = len(first)
        value = np.empty(n, dtype=object)
        valid = np.empty(n, dtype=object)
        kind = np.empty(n, dtype=object)
        extension = np.full(n, None, dtype=object)
        done = np.zeros(n, dtype=bool)
        # Fast path: plain-digit numbers, grouped by the region they are read in.
        vals = first.to_numpy(dtype=object)
        fast = np.fromiter((isinstance(v, str) and _PHONE_FAST_INPUT.fullmatch(v) is not None
                            and not v.startswith("00") for v in vals), dtype=bool, count=n)
        if fast.any():
            if ctx:
                regions = np.array([c if isinstance(c, str) and c else self.region
                                    for c in ctx[0].to_numpy(dtype=object)], dtype=object)
            else:
                regions = np.full(n, self.region, dtype=object)
            for region in pd.unique(regions[fast]):
                rows = np.flatnonzero(fast & (regions == region) if region is not None
                                      else fast & pd.isna(regions))
                codes, uniques = pd.factorize(vals[rows])
                dec, v_u, ok_u, k_u = _phone_fast(list(uniques), region)
                hit = dec[codes]
                r = rows[hit]
                c = codes[hit]
                value[r], valid[r], kind[r] = v_u[c], ok_u.astype(object)[c], k_u[c]
                done[r] = True
        rest = np.flatnonzero(~done)
        if len(rest):
            outs = _apply_unique(work.iloc[rest], self._clean_one, 4)
            for arr, s in zip((value, valid, kind, extension), outs):
                arr[rest] = s.to_numpy(dtype=object)
        idx = frame.index
        values = pd.Series(value, index=idx, dtype=object)
        extras = {"valid": pd.Series(valid, index=idx, dtype=object).where(~missing, None)
                  .astype("boolean"),
                  "kind": pd.Series(kind, index=idx, dtype=object).where(~missing, None),
                  "extension": pd.Series(extension, index=idx, dtype=object)
                  .where(~missing, None)}
        return values, extras

    def _clean_one(self, value, *context):
        import phonenumbers

        if value is None:
            return None, None, None, None
        s = normalize_digits(_nfkc(value)).strip()
        m = _PHONE_EXTENSION.search(s)
        ext = None
        if m and re.search(r"\d.*\d.*\d", s[:m.start()]):
            s, ext = s[:m.start()].rstrip(" ,;-/"), m.group(1)
        region = (context[0] if context and isinstance(context[0], str) and context[0]
                  else None) or self.region
        digits_only = re.sub(r"[^\d+]", "", s)
        if digits_only.startswith("00"):
            s = "+" + s.lstrip()[2:].lstrip()
        try:
            n = phonenumbers.parse(s, None if s.startswith("+") else (region or None))
        except phonenumbers.NumberParseException:
            return (digits_only or None), False, None, ext
        ext = ext or n.extension or None
        e164 = phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
        # number_type() is UNKNOWN exactly when is_valid_number() is False; one call does both.
        ntype = phonenumbers.number_type(n)
        if ntype == phonenumbers.PhoneNumberType.UNKNOWN:
            return (digits_only or e164), False, None, ext
        return e164, True, _phone_type_names().get(ntype), ext


# -- dates -------------------------------------------------------------------------------
_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
                  r"(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
                  r"\s*(Z|[+-]\d{2}:?\d{2})?")
_XXY = re.compile(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4}|\d{2})"
                  r"(?:[T ,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")

#: Dates systems write when the true date is unknown.
DEFAULT_PLACEHOLDERS = ("1900-01-01", "1901-01-01", "1800-01-01", "1899-12-30", "1899-12-31",
                        "0001-01-01", "9999-12-31", "2999-12-31")


def _jalali_to_gregorian(y, m, d):
    import jdatetime

    try:
        g = jdatetime.date(int(y), int(m), int(d)).togregorian()
        return g.year, g.month, g.day
    except (ValueError, OverflowError):
        return None


@cleaners.register("date")
class DateCleaner(Cleaner):
    """Dates and timestamps: explicit formats, or inference with a day/month ambiguity report.

    Without a ``format``, ISO (``2024-03-07``), compact (``20240307``) and
    day/month/year or month/day/year forms (``/``, ``-``, ``.``) are
    recognised; other text (``7 March 2024``) goes to pandas' parser. The
    day/month order of ``a/b/yyyy`` values is decided by ``dayfirst`` when
    given, else by evidence in the column (a first part above 12 proves
    day-first, a second part above 12 proves month-first), else it defaults to
    day-first; values where the order could not be proven (both parts 12 or
    less and different) are flagged ``ambiguous_order``. ``calendar="jalali"``
    reads Solar Hijri dates (``1362/05/14``) and converts them to Gregorian.

    The ``flag`` output marks ``unparseable`` values (kept as missing),
    ``ambiguous_order``, ``placeholder`` dates (``1900-01-01``, ...),
    ``future`` dates and, for birth dates, ``implausible`` ages (over 120).
    After :meth:`fit`, ``order_`` and ``decided_by_`` describe the decision; after
    :meth:`transform`, ``report_`` holds the counts.

    Parameters
    ----------
    format : str, optional
        ``strftime`` format; values not matching it are ``unparseable``.
    dayfirst : bool, optional
        Order of ambiguous ``a/b/yyyy`` dates.
    calendar : {"gregorian", "jalali"}
    role : {"date", "birth", "datetime"}
        ``datetime`` keeps times; ``birth`` adds the age checks.
    reference_date : str, optional
        "Today" for ``future`` and age checks (default: the current date).
    timezone : str, optional
        Time zone of naive timestamps; timestamps are returned as naive UTC when given.
    placeholders : tuple of str
        Dates flagged as placeholders.

    Examples
    --------
    >>> c = DateCleaner().fit(pd.Series(["25/12/1980", "03/04/1985", "1900-01-01"]))
    >>> c.order_, c.decided_by_
    ('dmy', 'evidence')
    >>> v, x = c.transform_full(pd.Series(["25/12/1980", "03/04/1985", "1900-01-01", "soon"]))
    >>> v.dt.strftime("%Y-%m-%d").tolist()
    ['1980-12-25', '1985-04-03', '1900-01-01', nan]
    >>> x["flag"].tolist()
    [None, None, 'placeholder', 'unparseable']
    >>> DateCleaner(calendar="jalali").transform(pd.Series(["۱۳۶۲/۰۵/۱۴"])).dt.date.tolist()
    [datetime.date(1983, 8, 5)]
    """

    outputs = ("flag",)
    format_params = {"format": "date_format", "dayfirst": "dayfirst", "calendar": "calendar"}

    def __init__(self, format: str | None = None, dayfirst: bool | None = None,
                 calendar: str = "gregorian", role: str = "date",
                 reference_date: str | None = None, timezone: str | None = None,
                 placeholders: tuple = DEFAULT_PLACEHOLDERS):
        self.format = format
        self.dayfirst = dayfirst
        self.calendar = calendar
        self.role = role
        self.reference_date = reference_date
        self.timezone = timezone
        self.placeholders = placeholders

    # -- helpers -----------------------------------------------------------------------
    def _ref(self) -> pd.Timestamp:
        return pd.Timestamp(self.reference_date) if self.reference_date else \
            pd.Timestamp(date.today())

    @staticmethod
    def _prepare(X) -> pd.Series:
        s = X.iloc[:, 0] if isinstance(X, pd.DataFrame) else X
        return s

    @staticmethod
    def _uniques_text(s: pd.Series):
        text = to_text(s)
        codes, uniques = pd.factorize(text, use_na_sentinel=True)
        u = pd.Series(uniques, dtype=object).map(
            lambda v: clean_spaces(normalize_digits(_nfkc(v))))
        return codes, u

    def fit(self, X, y=None):
        """Decide the day/month order from the evidence in ``X``."""
        s = self._prepare(X)
        self.n_evidence_dmy_ = self.n_evidence_mdy_ = 0
        if self.format:
            self.order_, self.decided_by_ = None, "format"
            return self
        if self.dayfirst is not None:
            self.order_, self.decided_by_ = ("dmy" if self.dayfirst else "mdy"), "config"
            return self
        if pd.api.types.is_datetime64_any_dtype(s):
            self.order_, self.decided_by_ = None, "typed"
            return self
        _, u = self._uniques_text(s)
        parts = u.str.extract("^" + _XXY.pattern + "$")
        a = pd.to_numeric(parts[0], errors="coerce")
        b = pd.to_numeric(parts[1], errors="coerce")
        dmy = int(((a > 12) & (b <= 12)).sum())
        mdy = int(((b > 12) & (a <= 12)).sum())
        self.n_evidence_dmy_, self.n_evidence_mdy_ = dmy, mdy
        if dmy and not mdy:
            self.order_, self.decided_by_ = "dmy", "evidence"
        elif mdy and not dmy:
            self.order_, self.decided_by_ = "mdy", "evidence"
        elif dmy and mdy:
            self.order_ = "dmy" if dmy >= mdy else "mdy"
            self.decided_by_ = "conflict"
        else:
            self.order_, self.decided_by_ = "dmy", "default"
        return self

    def transform_full(self, X):
        """Parsed values (``datetime64[ns]``) and the ``flag`` output."""
        if not hasattr(self, "decided_by_"):
            self.fit(X)
        s = self._prepare(X)
        idx = s.index
        keep_time = self.role == "datetime"
        flags_u = None
        if pd.api.types.is_datetime64_any_dtype(s):
            out = s
            if getattr(out.dt, "tz", None) is not None:
                out = out.dt.tz_convert("UTC").dt.tz_localize(None)
            elif self.timezone:
                out = out.dt.tz_localize(self.timezone, ambiguous="NaT", nonexistent="NaT") \
                    .dt.tz_convert("UTC").dt.tz_localize(None)
            out = out.astype("datetime64[ns]")
            present = out.notna()
            flag = pd.Series(None, index=idx, dtype=object)
            n_amb = 0
        else:
            codes, u = self._uniques_text(s)
            vals_u, flags_u = self._parse_uniques(u)
            take = np.where(codes >= 0, codes, len(vals_u))
            vals_arr = np.append(vals_u.to_numpy(dtype="datetime64[ns]"),
                                 np.datetime64("NaT", "ns"))
            out = pd.Series(vals_arr[take], index=idx)
            fl_arr = np.append(flags_u.to_numpy(dtype=object), None)
            flag = pd.Series(fl_arr[take], index=idx, dtype=object)
            present = pd.Series(codes >= 0, index=idx)
            n_amb = int((flag == "ambiguous_order").sum())
        if not keep_time:
            out = out.dt.normalize()
        # Value checks (do not override a parse flag).
        ok = out.notna() & flag.isna()
        ph = pd.to_datetime(pd.Series(list(self.placeholders)), errors="coerce").dropna()
        # pandas 3 keeps 0001-01-01 (second resolution); `out` is ns, where it cannot exist
        ph = ph[ph.between(pd.Timestamp.min, pd.Timestamp.max)]
        ref = self._ref()
        is_ph = out.dt.normalize().isin(ph)
        flag = flag.mask(ok & is_ph, "placeholder")
        ok &= ~is_ph
        if self.role in ("birth", "date"):
            flag = flag.mask(ok & (out > ref), "future")
        if self.role == "birth":
            flag = flag.mask(ok & (out <= ref) & (out < ref - pd.DateOffset(years=120)),
                             "implausible")
        self.report_ = {
            "order": getattr(self, "order_", None), "decided_by": self.decided_by_,
            "n_values": int(present.sum()), "n_parsed": int(out.notna().sum()),
            "n_unparseable": int((flag == "unparseable").sum()),
            "n_ambiguous": n_amb,
            "n_placeholder": int((flag == "placeholder").sum()),
            "n_future": int((flag == "future").sum()),
            "n_implausible": int((flag == "implausible").sum()),
            "n_evidence_dmy": getattr(self, "n_evidence_dmy_", 0),
            "n_evidence_mdy": getattr(self, "n_evidence_mdy_", 0),
        }
        flag = flag.astype(object).where(flag.notna(), None)
        return out.astype("datetime64[ns]"), {"flag": flag}

    def _parse_uniques(self, u: pd.Series):
        n = len(u)
        year = pd.Series(np.nan, index=u.index)
        month, day = year.copy(), year.copy()
        hour, minute, second = year.copy(), year.copy(), year.copy()
        flags = pd.Series(None, index=u.index, dtype=object)
        result = pd.Series(pd.NaT, index=u.index, dtype="datetime64[ns]")
        if n == 0:
            return result, flags
        done = pd.Series(False, index=u.index)
        tz_off = pd.Series(None, index=u.index, dtype=object)
        if self.format and self.calendar != "jalali":
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = pd.to_datetime(u, format=self.format, errors="coerce")
            # Values in another unambiguous form (a date where a timestamp was expected,
            # ISO instead of the format) are still read; the rest are unparseable.
            miss = result.isna()
            if miss.any():
                fmt = self.format
                fb = DateCleaner(dayfirst=fmt.find("%d") < fmt.find("%m") if "%d" in fmt and
                                 "%m" in fmt else self.dayfirst, role=self.role,
                                 calendar=self.calendar)
                fb.fit(u[miss])
                r2, f2 = fb._parse_uniques(u[miss])
                result[miss] = r2
                flags[miss] = f2
            return self._localize(result, tz_off), flags.where(result.notna(), "unparseable")
        # ISO-like y-m-d [time]
        p = u.str.extract("^" + _YMD.pattern + "$")
        m = p[0].notna()
        year[m], month[m], day[m] = (pd.to_numeric(p[i][m]) for i in range(3))
        hour[m], minute[m] = pd.to_numeric(p[3][m]), pd.to_numeric(p[4][m])
        second[m] = pd.to_numeric(p[5][m])
        tz_off[m] = p[7][m]
        done |= m
        # compact yyyymmdd
        p = u.str.extract("^" + _COMPACT.pattern + "$")
        m = p[0].notna() & ~done
        year[m], month[m], day[m] = (pd.to_numeric(p[i][m]) for i in range(3))
        done |= m
        # a/b/y
        p = u.str.extract("^" + _XXY.pattern + "$")
        m = p[0].notna() & ~done
        if m.any():
            a, b = pd.to_numeric(p[0][m]), pd.to_numeric(p[1][m])
            y = pd.to_numeric(p[2][m])
            two = p[2][m].str.len() == 2
            pivot = self._ref().year % 100
            if self.role == "birth":
                y = y.where(~two, np.where(y > pivot, 1900 + y, 2000 + y))
            else:
                y = y.where(~two, np.where(y > pivot + 1, 1900 + y, 2000 + y))
            order = self.order_ or "dmy"
            if self.decided_by_ == "format" and self.format:
                order = "mdy" if self.format.find("%m") < self.format.find("%d") else "dmy"
            dd, mm = (a, b) if order == "dmy" else (b, a)
            # A value proving the other order wins for that value.
            swap = (mm > 12) & (dd <= 12)
            dd, mm = dd.where(~swap, mm), mm.where(~swap, dd)
            year[m], month[m], day[m] = y, mm, dd
            hh = pd.to_numeric(p[3][m])
            ampm = p[6][m].str.lower()
            hh = hh.where(~((ampm == "pm") & (hh < 12)), hh + 12)
            hh = hh.where(~((ampm == "am") & (hh == 12)), 0)
            hour[m], minute[m], second[m] = hh, pd.to_numeric(p[4][m]), pd.to_numeric(p[5][m])
            if self.decided_by_ in ("default", "conflict"):
                amb = (a <= 12) & (b <= 12) & (a != b)
                flags[amb[amb].index] = "ambiguous_order"
            done |= m
        if self.calendar == "jalali":
            jm = done & year.notna()
            conv = [(_jalali_to_gregorian(y_, m_, d_) if y_ < 1700 else (y_, m_, d_))
                    for y_, m_, d_ in zip(year[jm], month[jm], day[jm])]
            year[jm] = [c[0] if c else np.nan for c in conv]
            month[jm] = [c[1] if c else np.nan for c in conv]
            day[jm] = [c[2] if c else np.nan for c in conv]
        parts = pd.DataFrame({"year": year, "month": month, "day": day,
                              "hour": hour.fillna(0), "minute": minute.fillna(0),
                              "second": second.fillna(0)})
        valid = done & parts["year"].between(1, 9999) & parts["month"].between(1, 12) \
            & parts["day"].between(1, 31)
        if valid.any():
            sub = parts[valid].astype("int64")
            # Out-of-bounds years (0001, 9999) are kept as the nearest representable day.
            sub["year"] = sub["year"].clip(1678, 2261)
            result[valid] = pd.to_datetime(sub, errors="coerce")
        # Free text ("7 March 1984", "Mar 7, 1984"): pandas' parser, one value at a time.
        rest = ~done & u.str.contains(r"[A-Za-z]", regex=True)
        if rest.any():
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parsed = pd.to_datetime(u[rest], errors="coerce", format="mixed",
                                        dayfirst=(self.order_ or "dmy") == "dmy")
            if getattr(parsed.dt, "tz", None) is not None:
                parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
            result[rest] = parsed.astype("datetime64[ns]")
        flags = flags.mask(result.isna(), "unparseable")
        return self._localize(result, tz_off), flags

    def _localize(self, result: pd.Series, tz_off: pd.Series) -> pd.Series:
        has_off = tz_off.notna()
        if has_off.any():
            off = tz_off[has_off].str.replace("Z", "+00:00").str.replace(
                r"([+-]\d{2})(\d{2})$", r"\1:\2", regex=True)
            sign = np.where(off.str[0] == "-", -1, 1)
            mins = off.str[1:3].astype(int) * 60 + off.str[-2:].astype(int)
            result[has_off] = result[has_off] - pd.to_timedelta(sign * mins, unit="min")
        if self.timezone:
            naive = ~has_off & result.notna()
            if naive.any():
                loc = result[naive].dt.tz_localize(self.timezone, ambiguous="NaT",
                                                   nonexistent="NaT")
                result[naive] = loc.dt.tz_convert("UTC").dt.tz_localize(None)
        return result


@cleaners.register("birth_date")
class BirthDateCleaner(DateCleaner):
    """:class:`DateCleaner` for dates of birth (``role="birth"``: future and age checks).

    Examples
    --------
    >>> v, x = BirthDateCleaner(reference_date="2024-01-01").transform_full(
    ...     pd.Series(["2030-01-01", "1850-05-05", "1984-03-07"]))
    >>> x["flag"].tolist()
    ['future', 'implausible', None]
    """

    def __init__(self, format: str | None = None, dayfirst: bool | None = None,
                 calendar: str = "gregorian", role: str = "birth",
                 reference_date: str | None = None, timezone: str | None = None,
                 placeholders: tuple = DEFAULT_PLACEHOLDERS):
        super().__init__(format=format, dayfirst=dayfirst, calendar=calendar, role=role,
                         reference_date=reference_date, timezone=timezone,
                         placeholders=placeholders)


@cleaners.register("datetime")
class DatetimeCleaner(DateCleaner):
    """:class:`DateCleaner` keeping the time of day (timestamps).

    Examples
    --------
    >>> DatetimeCleaner().transform(pd.Series(["2011-12-01 08:26"])).tolist()
    [Timestamp('2011-12-01 08:26:00')]
    """

    format_params = {"format": "datetime_format", "dayfirst": "dayfirst",
                     "calendar": "calendar", "timezone": "timezone"}

    def __init__(self, format: str | None = None, dayfirst: bool | None = None,
                 calendar: str = "gregorian", role: str = "datetime",
                 reference_date: str | None = None, timezone: str | None = None,
                 placeholders: tuple = DEFAULT_PLACEHOLDERS):
        super().__init__(format=format, dayfirst=dayfirst, calendar=calendar, role=role,
                         reference_date=reference_date, timezone=timezone,
                         placeholders=placeholders)


# -- numbers, booleans, categories --------------------------------------------------------
@cleaners.register("number")
class NumberCleaner(Cleaner):
    """Numbers from text: thousands separators, currency signs, ``(12.50)`` negatives.

    Output ``valid`` is ``False`` where a value is present but not a number.

    Parameters
    ----------
    decimal : str
        Decimal separator of the source (``.`` or ``,``).

    Examples
    --------
    >>> v, x = NumberCleaner().transform_full(pd.Series(["1,234.50", "(3)", "£7", "n/a"]))
    >>> v.tolist()[:3], x["valid"].tolist()
    ([1234.5, -3.0, 7.0], [True, True, True, False])
    >>> NumberCleaner(decimal=",").transform(pd.Series(["1.234,5"])).tolist()
    [1234.5]
    """

    outputs = ("valid",)
    format_params = {"decimal": "decimal"}

    def __init__(self, decimal: str = "."):
        self.decimal = decimal

    def transform_full(self, X):
        """Parsed floats and the ``valid`` output (vectorised)."""
        s = X.iloc[:, 0] if isinstance(X, pd.DataFrame) else X
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out = s.astype("float64")
            return out, {"valid": pd.Series(pd.NA, index=s.index, dtype="boolean")
                         .mask(out.notna(), True)}
        text = to_text(s)
        present = ~_missing_mask(text)
        t = text.where(present).astype(object)
        t = t.map(lambda v: normalize_digits(_nfkc(v)), na_action="ignore").astype("string")
        t = t.str.replace(r"[\s\u00a0\u202f'’]", "", regex=True)
        neg = t.str.match(r"^\(.*\)$").fillna(False)
        t = t.str.replace(r"^\((.*)\)$", r"\1", regex=True)
        t = t.str.replace(r"^[^\d\-+.,]+|[^\d.,]+$", "", regex=True)
        if self.decimal == ",":
            t = t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        else:
            t = t.str.replace(",", "", regex=False)
        out = pd.to_numeric(t, errors="coerce").astype("float64")
        out = out.where(~neg, -out)
        valid = pd.Series(pd.NA, index=s.index, dtype="boolean")
        valid[present.to_numpy()] = out[present.to_numpy()].notna().to_numpy()
        return out, {"valid": valid}


_TRUE = {"yes", "y", "true", "t", "1", "on", "optin", "opt-in", "opted in", "optedin",
         "subscribed", "subscribe", "agree", "agreed", "consent", "granted", "accepted", "x",
         "ja", "oui", "si", "sí", "بله", "بلی", "آره", "اره", "موافق", "はい", "同意", "済", "有",
         "✓", "✔"}
_FALSE = {"no", "n", "false", "f", "0", "off", "optout", "opt-out", "opted out", "optedout",
          "unsubscribed", "unsubscribe", "declined", "refused", "withdrawn", "denied", "nein",
          "non", "خیر", "نه", "مخالف", "いいえ", "拒否", "無", "不同意"}


@cleaners.register("consent")
class ConsentCleaner(Cleaner):
    """Yes/no answers (consents, flags) to booleans; unknown ones missing, ``valid=False``.

    Understands yes/no, y/n, true/false, 1/0, on/off, opt-in/opt-out,
    subscribed/unsubscribed, and Persian (بله/خیر) and Japanese (はい/いいえ) answers.

    Examples
    --------
    >>> v, x = ConsentCleaner().transform_full(pd.Series(["Opt-in", "N", "بله", "maybe", None]))
    >>> v.tolist(), x["valid"].tolist()
    ([True, False, True, <NA>, <NA>], [True, True, True, False, <NA>])
    """

    outputs = ("valid",)

    def _clean_one(self, value, *context):
        if value is None:
            return None, None
        s = normalize_persian(_nfkc(value)).strip().lower().rstrip(".")
        s = re.sub(r"[\s_]+", " ", s)
        if s in _TRUE or s.replace(" ", "") in _TRUE:
            return True, True
        if s in _FALSE or s.replace(" ", "") in _FALSE:
            return False, True
        try:
            f = float(s)
            if f in (0.0, 1.0):
                return bool(f), True
        except ValueError:
            pass
        return None, False

    def transform_full(self, X):
        """Booleans (pandas ``boolean`` dtype) and ``valid``."""
        s = X.iloc[:, 0] if isinstance(X, pd.DataFrame) else X
        if pd.api.types.is_bool_dtype(s):
            b = s.astype("boolean")
            return b, {"valid": b.notna().astype("boolean").mask(b.isna())}
        v, x = super().transform_full(X)
        return v.astype("boolean"), x


@cleaners.register("boolean")
class BooleanCleaner(ConsentCleaner):
    """Alias of :class:`ConsentCleaner` for yes/no fields that are not consents.

    Examples
    --------
    >>> BooleanCleaner().transform(pd.Series(["true", "0"])).tolist()
    [True, False]
    """


_GENDER = {"female": {"f", "female", "woman", "w", "frau", "femme", "weiblich", "mujer", "زن",
                      "خانم", "مونث", "女", "女性", "おんな"},
           "male": {"m", "male", "man", "mann", "homme", "männlich", "hombre", "مرد", "آقا",
                    "مذکر", "男", "男性", "おとこ"},
           "other": {"x", "other", "diverse", "d", "nonbinary", "non-binary", "nb", "divers"}}
_GENDER_LOOKUP = {v: k for k, vals in _GENDER.items() for v in vals}


@cleaners.register("gender")
class GenderCleaner(Cleaner):
    """Gender answers to ``female``/``male``/``other``; unknown answers missing, ``valid=False``.

    Examples
    --------
    >>> GenderCleaner().transform(pd.Series(["F", "Male", "زن", "男性", "?"])).tolist()
    ['female', 'male', 'female', 'male', None]
    """

    outputs = ("valid",)

    def _clean_one(self, value, *context):
        if value is None:
            return None, None
        s = normalize_persian(_nfkc(value)).strip().lower().rstrip(".")
        g = _GENDER_LOOKUP.get(s)
        return g, g is not None


# -- countries, postcodes, addresses ---------------------------------------------------
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
    from phonenumbers.geodata.locale import LOCALE_DATA

    table: dict[str, str] = {}
    for code, names in LOCALE_DATA.items():
        if len(code) != 2:
            continue
        table[code.lower()] = code
        for lang in ("en", "fr", "de", "es", "it", "nl", "pt", "fa", "ja", "ar", "ru"):
            name = names.get(lang)
            while isinstance(name, str) and name.startswith("*"):
                name = names.get(name[1:])
            if name:
                table.setdefault(normalize_persian(_nfkc(name)).lower(), code)
    for k, v in _ALPHA3.items():
        table[k.lower()] = v
    table.update({normalize_persian(k).lower(): v for k, v in _COUNTRY_EXTRA.items()})
    return table


def country_code(name) -> str | None:
    """ISO 3166-1 alpha-2 code of a country name or code, or ``None``.

    Knows English, French, German, Spanish, Persian, Japanese and other names
    (from :mod:`phonenumbers`' data), alpha-3 codes of common countries and
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
    import inspect

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
