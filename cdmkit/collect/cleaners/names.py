"""Person names: titles, suffixes, particles, smart case, splitting a full name."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ...registry import cleaners
from ..textnorm import (
    _KEY_DROP,
    _SPACES,
    clean_spaces,
    join_persian_name_suffixes,
    normalize_persian,
    script_of,
    text_key,
)
from .base import Cleaner, _apply_unique, _missing_mask, _nfkc, to_text
from .vector import plain_ascii_mask, to_arrow

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
        # kana folding and diacritics leave ASCII unchanged); single words already in mixed
        # case the shortest (whole column at once).
        plain = self._plain_words(uniq, asc)
        if plain is not None:
            done, keys = plain
            idx = np.flatnonzero(done)
            res[0][idx], res[1][idx], res[2][idx], res[3][idx] = uniq[idx], keys, None, None
            asc &= ~done
        else:
            done = np.zeros(len(uniq), dtype=bool)
        for idx, fn in ((np.flatnonzero(asc), self._clean_ascii),
                        (np.flatnonzero(~asc & ~done), self._clean_one)):
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

    def _plain_words(self, uniq: np.ndarray, asc: np.ndarray):
        """``(mask, keys)`` of the ASCII values :meth:`_clean_ascii` returns as they are.

        One printable word (no white space, no comma at either end) in mixed case (or any
        case without ``fix_case``): no joiners to tighten, no title to split, no case to
        fix; the key is the lower-cased word without ``-'`.,``. ``None`` for short columns.
        """
        if asc.sum() < 1000:
            return None
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = to_arrow(uniq)
        if arr is None:
            return None
        ok = plain_ascii_mask(arr, r"[\x{21}-\x{2b}\x{2d}-\x{7e}]|[\x{21}-\x{2b}\x{2d}-\x{7e}]"
                                   r"[\x{21}-\x{7e}]*[\x{21}-\x{2b}\x{2d}-\x{7e}]")
        if self.fix_case:
            ok &= pc.match_substring_regex(arr, "[A-Z]").fill_null(False) \
                .to_numpy(zero_copy_only=False)
            ok &= pc.match_substring_regex(arr, "[a-z]").fill_null(False) \
                .to_numpy(zero_copy_only=False)
        ok &= asc
        keys = pc.replace_substring_regex(pc.ascii_lower(arr.filter(pa.array(ok))),
                                          "[-'`.,]+", "").to_numpy(zero_copy_only=False)
        keys = np.array([k or None for k in keys], dtype=object)
        return ok, keys

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
