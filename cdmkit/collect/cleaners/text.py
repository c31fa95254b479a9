"""Text-like cleaners: text, labels, IDs, scripts, numbers, yes/no answers, gender."""

from __future__ import annotations

import re

import pandas as pd

from ...registry import cleaners
from ..textnorm import (
    _SPACES,
    clean_spaces,
    normalize_digits,
    normalize_japanese,
    normalize_persian,
)
from .base import Cleaner, _base_text, _missing_mask, _nfkc, to_text
from .vector import plain_ascii_mask, to_arrow


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

    def _fast_column(self, values):
        # Printable ASCII without white space: _clean_one returns the value as it is.
        arr = to_arrow(values)
        if arr is None:
            return None
        done = plain_ascii_mask(arr, r"[\x{21}-\x{7e}]+")
        return done, [values[done]]

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
        from ..textnorm import fold_kana

        s = normalize_japanese(value)
        return (fold_kana(s) if self.fold_kana else s,)


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
