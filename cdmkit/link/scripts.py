"""Scripts of names and their consonant skeletons (script-, vowel- and doubling-insensitive).

Shared by the name comparator (:mod:`cdmkit.link.comparators`: names in two scripts
compared by skeleton) and the cross-field name evidence (:mod:`cdmkit.link.crossname`);
neither imports the other.

Examples
--------
>>> name_script("کامرانی"), skeleton("Kamrani"), skeleton("کامرانی")
('P', 'kmrn', 'kmrn')
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from .normalize import _text, name_key

__all__ = ["name_script", "skeleton", "romanise"]

# Persian letters to Latin (consonants; long vowels and alef vanish like Latin vowels).
_FA = {"ب": "b", "پ": "p", "ت": "t", "ث": "s", "ج": "j", "چ": "ch", "ح": "h", "خ": "kh",
       "د": "d", "ذ": "z", "ر": "r", "ز": "z", "ژ": "zh", "س": "s", "ش": "sh", "ص": "s",
       "ض": "z", "ط": "t", "ظ": "z", "ع": "", "غ": "gh", "ف": "f", "ق": "gh", "ک": "k",
       "گ": "g", "ل": "l", "م": "m", "ن": "n", "و": "", "ه": "h", "ی": "", "ا": "", "آ": "",
       "ء": "", "ئ": "", "أ": "", "إ": "", "ؤ": "", "\u200c": ""}
_FA_TABLE = str.maketrans(_FA)
_VOWELS = re.compile(r"[aeiouyvw]")
_DOUBLE = re.compile(r"(.)\1+")
_NOT_LOWER = re.compile(r"[^a-z]")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_JP = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_ARABIC = re.compile(r"[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]")


def name_script(key: str) -> str:
    """Script of a name key: ``H`` kanji, ``K`` kana, ``P`` Persian/Arabic, ``L`` Latin, ``""``.

    Examples
    --------
    >>> [name_script(k) for k in ["清水", "しみず", "کامرانی", "anna", ""]]
    ['H', 'K', 'P', 'L', '']
    """
    if not isinstance(key, str) or not key:
        return ""
    if _KANJI.search(key):
        return "H"
    if _KANA.search(key):
        return "K"
    if _ARABIC.search(key):
        return "P"
    return "L" if re.search(r"[a-z]", key) else ""


def skeleton(value) -> str:
    """Consonant skeleton of a name: script-, vowel- and doubling-insensitive.

    Persian letters and Japanese kana are transliterated to Latin first; other
    scripts (kanji) are kept, so they never equal a Latin skeleton.

    Examples
    --------
    >>> skeleton("Mohammad"), skeleton("محمد"), skeleton("Abbasi"), skeleton("عباسی")
    ('mhmd', 'mhmd', 'bs', 'bs')
    >>> skeleton("清水")
    '清水'
    >>> skeleton("رضانژاد") == skeleton("Rezanejad") == skeleton("Rezanezhad")
    True
    """
    s = romanise(value)
    if not s or _NOT_LOWER.search(s):  # empty, or another script (kanji) kept as it is
        return s
    return _DOUBLE.sub(r"\1", _VOWELS.sub("", s))


def romanise(value) -> str:
    """A name in Latin letters where a letter-by-letter transliteration exists.

    Persian letters (consonants only: short vowels are not written) and Japanese kana
    are transliterated; Latin names lose accents; kanji and other scripts are kept as
    they are. :func:`skeleton` is this without vowels and doubled letters.

    Examples
    --------
    >>> romanise("Ali"), romanise("فریبا"), romanise("ダイキ"), romanise("大輝")
    ('ali', 'frb', 'daiki', '大輝')
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    # name_key's accent stripping would also drop the voicing marks of kana (ズ -> ス),
    # so kana are romanised before it
    s = _text(value).replace(" ", "")
    if _KANA.search(s):
        import jaconv

        s = jaconv.kana2alphabet(jaconv.kata2hira(jaconv.h2z(s, kana=True, ascii=False,
                                                               digit=False)))
    s = name_key(s)
    if not s:
        return ""
    s = s.translate(_FA_TABLE)
    if _NOT_LOWER.search(s):
        s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
        if re.search(r"[^a-z\W\d_]", s):  # other scripts stay as they are
            return s
        s = _NOT_LOWER.sub("", s)
    # transliteration variants of one letter: ژ as zh or j (Nezhad / Nejad), ق as q or gh
    return s.replace("zh", "j").replace("q", "gh")
