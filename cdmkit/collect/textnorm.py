"""Script-aware text normalisation on single strings (used by the cleaners on unique values).

Persian text from Windows systems is written with Arabic letters (``ي``
U+064A, ``ك`` U+0643) where Persian uses ``ی`` U+06CC and ``ک`` U+06A9, with
optional diacritics, tatweel (``ـ``) stretching, irregular zero-width
non-joiners and Persian or Arabic-Indic digits. Japanese text mixes
full-width and half-width forms of Latin letters, digits and katakana, and a
name may be written in kanji, hiragana or katakana.

Examples
--------
>>> normalize_persian("علي كريمي") == "علی کریمی"
True
>>> normalize_digits("۰۹۱۲-٣٤٥")
'0912-345'
>>> normalize_japanese("ﾔﾏﾀﾞ　１２３")
'ヤマダ 123'
>>> fold_kana("ヤマダ")
'やまだ'
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["normalize_digits", "normalize_persian", "normalize_japanese", "fold_kana",
           "strip_diacritics", "script_of", "clean_spaces", "text_key", "PERSIAN_MAP"]

_DIGITS = str.maketrans({**{chr(0x06F0 + i): str(i) for i in range(10)},
                         **{chr(0x0660 + i): str(i) for i in range(10)}})

#: Arabic letter variants mapped to the Persian letters.
PERSIAN_MAP = {
    "\u064a": "\u06cc",  # ARABIC LETTER YEH -> FARSI YEH
    "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
    "\u0643": "\u06a9",  # ARABIC LETTER KAF -> KEHEH
    "\u0629": "\u0647",  # TEH MARBUTA -> HEH
    "\u06c0": "\u0647",  # HEH WITH YEH ABOVE -> HEH
    "\u06d5": "\u0647",  # AE -> HEH
    "\u0640": "",        # TATWEEL
}
_PERSIAN = str.maketrans(PERSIAN_MAP)
# Harakat, superscript alef and Quranic marks.
_ARABIC_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_ZWNJ_RUN = re.compile("[\u200c\u200d]+")
_ZWNJ_AROUND_SPACES = re.compile("\u200c*( +)\u200c*")
_SPACES = re.compile(r"\s+")
# For keys: hamza-carrying alef forms and waw/yeh with hamza fold to their base letters.
_KEY_FOLD = str.maketrans({"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627",
                           "\u0671": "\u0627", "\u0624": "\u0648", "\u0626": "\u06cc",
                           "\u0621": ""})


def normalize_digits(text: str) -> str:
    """Persian (U+06F0..) and Arabic-Indic (U+0660..) digits to ASCII digits.

    Examples
    --------
    >>> normalize_digits("۱۳۶۲/۰۵/۱۴")
    '1362/05/14'
    """
    return text.translate(_DIGITS)


def clean_spaces(text: str) -> str:
    """Trim and collapse whitespace (NFKC has already turned ideographic spaces into spaces).

    Examples
    --------
    >>> clean_spaces("  Anne   Marie ")
    'Anne Marie'
    """
    return _SPACES.sub(" ", text).strip()


def normalize_persian(text: str) -> str:
    """Persian letters, no diacritics or tatweel, tidy zero-width non-joiners, ASCII digits.

    Runs of ZWNJ/ZWJ become one ZWNJ; a ZWNJ next to a space or at either end
    is dropped. Bidirectional control marks are removed.

    Examples
    --------
    >>> normalize_persian("فاطمة") == "فاطمه"
    True
    >>> normalize_persian("مُحَمَّد") == "محمد"
    True
    >>> normalize_persian("علی\u200c\u200c اکبر") == "علی اکبر"
    True
    """
    if text.isascii():  # nothing below changes ASCII text
        return text
    text = _BIDI.sub("", text)
    text = _ARABIC_DIACRITICS.sub("", text).translate(_PERSIAN).translate(_DIGITS)
    text = _ZWNJ_RUN.sub("\u200c", text)
    text = _ZWNJ_AROUND_SPACES.sub(r"\1", text).strip("\u200c")
    return text


#: Suffixes that make Persian family names (-zadeh, -pour, -nejad, -far, -nia, -vand, -lou).
PERSIAN_NAME_SUFFIXES = ("زاده", "پور", "نژاد", "فر", "نیا", "وند", "لو")
_FA_SUFFIX_SPLIT = re.compile("(?<=[^\\s\u200c]) (" + "|".join(PERSIAN_NAME_SUFFIXES) + ")(?= |$)")


def join_persian_name_suffixes(text: str) -> str:
    """Re-attach a family-name suffix written as a word of its own (``رضا زاده``).

    Windows forms and tills often lose the zero-width non-joiner of compound family
    names, leaving a space; the suffix then looks like a surname of its own and a
    full name splits in the wrong place. The suffix is joined back with a ZWNJ.

    Examples
    --------
    >>> join_persian_name_suffixes("سپیده ابراهیم پور") == "سپیده ابراهیم\u200cپور"
    True
    >>> join_persian_name_suffixes("پوریا کریمی") == "پوریا کریمی"
    True
    """
    return _FA_SUFFIX_SPLIT.sub("\u200c\\1", text) if " " in text else text


def normalize_japanese(text: str) -> str:
    """Width normalisation: NFKC (full-width Latin and digits to ASCII, half-width kana to full).

    Examples
    --------
    >>> normalize_japanese("ＴＡＲＯ　ｻﾄｳ")
    'TARO サトウ'
    """
    return clean_spaces(unicodedata.normalize("NFKC", text))


#: Katakana U+30A1..U+30F6 to the hiragana 0x60 code points below.
_KANA_FOLD = {o: o - 0x60 for o in range(0x30A1, 0x30F7)}


def fold_kana(text: str) -> str:
    """Katakana to hiragana (so ヤマダ and やまだ compare equal).

    Examples
    --------
    >>> fold_kana("サトウ ハナコ")
    'さとう はなこ'
    """
    if text.isascii():
        return text
    return text.translate(_KANA_FOLD)


@lru_cache(maxsize=1)
def _ascii_then_mark() -> re.Pattern:
    """An ASCII character followed by a combining mark (``unicodedata.combining`` > 0)."""
    marks = [i for i in range(0x110000) if unicodedata.combining(chr(i))]
    ranges, start, prev = [], marks[0], marks[0]
    for i in marks[1:] + [None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        ranges.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
        if i is not None:
            start = prev = i
    return re.compile("[\x00-\x7f][" + "".join(ranges) + "]")


def strip_diacritics(text: str) -> str:
    """Remove combining marks from Latin letters (é -> e, ü -> u); other scripts unchanged.

    Examples
    --------
    >>> strip_diacritics("Zoë Núñez-Müller")
    'Zoe Nunez-Muller'
    """
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    if _ascii_then_mark().search(decomposed):
        out = []
        for c in decomposed:
            if unicodedata.combining(c) and out and out[-1].isascii():
                continue
            out.append(c)
        decomposed = "".join(out)
    # else no mark follows an ASCII letter: the loop above would drop nothing
    s = unicodedata.normalize("NFC", decomposed)
    return s.replace("ß", "ss").replace("ø", "o").replace("Ø", "O").replace("ł", "l") \
        .replace("Ł", "L").replace("æ", "ae").replace("Æ", "AE").replace("œ", "oe")


def _char_script(c: str) -> str | None:
    """Script a character counts for in :func:`script_of` (``None``: counts for none)."""
    o = ord(c)
    if c.isascii():
        return "latin" if c.isalpha() else None
    if 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0xFB50 <= o <= 0xFDFF \
            or 0xFE70 <= o <= 0xFEFF:
        return "arabic" if c.isalpha() else None
    if 0x3040 <= o <= 0x30FF or 0x4E00 <= o <= 0x9FFF or 0xFF65 <= o <= 0xFF9F \
            or 0x3400 <= o <= 0x4DBF or o == 0x3005:
        return "japanese"
    if c.isalpha():
        return "latin" if 0x00C0 <= o <= 0x024F or 0x1E00 <= o <= 0x1EFF else "other"
    return None


def script_of(text: str) -> str:
    """Dominant script of a string: ``latin``, ``arabic``, ``japanese``, ``other`` or ``none``.

    Examples
    --------
    >>> script_of("مریم"), script_of("山田"), script_of("Ann"), script_of("123")
    ('arabic', 'japanese', 'latin', 'none')
    """
    if text.isascii():  # ASCII letters are exactly the ASCII characters with case
        return "latin" if text.lower() != text.upper() else "none"
    # Each character becomes the letter of its script (or nothing), in C; then four counts.
    letters = text.translate(_SCRIPT_LETTER)
    best, most = "none", 0
    for letter, script in _SCRIPT_ORDER:  # ties go to the first script, as max() would
        k = letters.count(letter)
        if k > most:
            best, most = script, k
    return best


class _ScriptLetters(dict):
    """``str.translate`` table: code point -> one letter per script, filled on first sight."""

    def __missing__(self, o: int):
        script = _char_script(chr(o))
        v = self[o] = None if script is None else _SCRIPT_CODE[script]
        return v


_SCRIPT_ORDER = (("L", "latin"), ("A", "arabic"), ("J", "japanese"), ("O", "other"))
_SCRIPT_CODE = {script: letter for letter, script in _SCRIPT_ORDER}
_SCRIPT_LETTER = _ScriptLetters()


_KEY_DROP = re.compile(r"[\s\u200c\u200d\-'’`.·・,]+")


def text_key(text: str) -> str:
    """Comparison key: script-folded, lower-case, diacritic-free, without spaces and joiners.

    Persian Arabic-letter variants, Japanese width and kana variants, and Latin
    case and accents all collapse to one key, so ``علي``/``علی``,
    ``ヤマダ``/``やまだ``/``ﾔﾏﾀﾞ`` and ``Zoë``/``ZOE`` compare equal.

    Examples
    --------
    >>> text_key("علي") == text_key("علی")
    True
    >>> text_key("ﾔﾏﾀﾞ") == text_key("やまだ")
    True
    >>> text_key("Anne-Marie O'Neil")
    'annemarieoneil'
    """
    if text.isascii():  # NFKC, Persian and kana folding and diacritics leave ASCII unchanged
        return _KEY_DROP.sub("", text.lower())
    s = unicodedata.normalize("NFKC", text)
    s = normalize_persian(s).translate(_KEY_FOLD)
    s = fold_kana(s)
    s = strip_diacritics(s).casefold()
    return _KEY_DROP.sub("", s)
