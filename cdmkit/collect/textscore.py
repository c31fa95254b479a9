"""How plausible a decoded text is: the score that decides between candidate encodings.

A wrong code page gives no error, only unlikely text: :func:`score_text` rewards
letters of one script inside a word, common accented letters, kanji and kana,
and penalises symbols inside words, words mixing scripts, control and private-use
characters. :mod:`cdmkit.collect.encoding` ranks the candidates by it.

Examples
--------
>>> score_text("José")[0] > score_text("Josأ©")[0]
True
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

__all__ = ["score_text"]

_COMMON_PUNCT = set("’‘“”–—…€£°«»¿¡ºª§·•№　、。・「」『』（）ー〜")
_COMMON_LATIN = set("éèàüöäçñáíóúâêîôûëïßøåæãõÉÈÀÜÖÄÇÑÁÍÓÚÂÊÎÔÛËÏÅØÆŒœŠšŽžıİğĞşŞłŁ")
_CYR_RARE = set("ЂЃЅІЇЈЉЊЋЌЎЏђѓѕіїјљњћќўџҐґЄєЪ")
_CYR_VOWELS = set("аеёиоуыэюяіїєАЕЁИОУЫЭЮЯІЇЄ")
_WORD = re.compile(r"[^\W\d_]+")
_HW_VOICED = set("ｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎｳ")
_HW_SEMI = set("ﾊﾋﾌﾍﾎ")


@lru_cache(maxsize=65536)
def _char_info(c: str) -> tuple[str, float]:
    """``(script, weight)`` of one non-ASCII character: how plausible it is in a name or text."""
    o = ord(c)
    if c == "\ufffd" or 0xD800 <= o <= 0xDFFF:
        return "bad", -5.0
    cat = unicodedata.category(c)
    if cat in ("Cc", "Co", "Cn", "Cs"):
        return "bad", -3.0
    if 0x3041 <= o <= 0x30FF:
        return "han", 1.0  # kana mix with kanji inside Japanese words
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
        return "han", 1.0 if _common_han(c) else 0.25
    if 0xFF66 <= o <= 0xFF9F:
        return "hwkana", 0.8
    if 0xAC00 <= o <= 0xD7A3:
        return "hangul", 1.0
    if 0x0600 <= o <= 0x06FF or 0xFB50 <= o <= 0xFEFF:
        if cat == "Mn":
            return "arabic", 0.3
        return "arabic", 1.0 if 0x0621 <= o <= 0x064A or o in (0x067E, 0x0686, 0x0698,
                                                                   0x06A9, 0x06AF, 0x06CC) \
            else 0.2
    if 0x0400 <= o <= 0x04FF:
        return "cyrillic", 0.3 if c in _CYR_RARE else 1.0
    if 0x0370 <= o <= 0x03FF:
        return "greek", 1.0 if 0x0391 <= o <= 0x03C9 else 0.3
    if 0x0590 <= o <= 0x05FF:
        return "hebrew", 1.0 if 0x05D0 <= o <= 0x05EA else 0.2
    if cat.startswith("L") and o < 0x0250:
        if c in _COMMON_LATIN:
            return "latin", 1.0
        return "latin", 0.6 if c.islower() else 0.4
    if 0xFF01 <= o <= 0xFF5E or 0x3000 <= o <= 0x303F:
        return "fullwidth", 0.5
    if c in _COMMON_PUNCT:
        return "punct", 0.3
    if cat.startswith("L"):
        return "other", 0.2
    if cat == "Mn":
        return "mark", -0.5
    return "symbol", -1.0


@lru_cache(maxsize=65536)
def _common_han(c: str) -> bool:
    """A Han character in the first (frequent) level of JIS X 0208 or GB 2312."""
    for enc, lo, hi in (("cp932", 0x889F, 0x9872), ("gb2312", 0xB0A1, 0xD7F9)):
        try:
            b = c.encode(enc)
        except UnicodeEncodeError:
            continue
        if len(b) == 2 and lo <= int.from_bytes(b, "big") <= hi:
            return True
    return False


@lru_cache(maxsize=65536)
def _byte_len(c: str, encoding: str) -> int:
    try:
        return len(c.encode(encoding))
    except (UnicodeEncodeError, LookupError):
        return 1


def _word_score(word: str, encoding: str) -> float:
    infos = [(c, _char_info(c)) for c in word if ord(c) > 127]
    if not infos:
        return 0.0
    scripts = {s for _, (s, _) in infos}
    if any(ord(c) < 128 for c in word):
        scripts.add("latin")
    total = 0.0
    if len(scripts) > 1 or "bad" in scripts or "symbol" in scripts:
        # Scripts mixed inside one word: the signature of a wrong code page.
        return -sum(_byte_len(c, encoding) for c, _ in infos)
    script = next(iter(scripts))
    all_high = len(infos) == len(word)
    if script in ("latin", "cyrillic", "greek") and len(word) > 1:
        rest = word[1:]
        if not (rest.islower() or word.isupper()):
            # "ЭЗШгЙ", "JosÃ©": case changing inside a word is what wrong code pages do.
            return -0.5 * sum(_byte_len(c, encoding) for c, _ in infos)
        if script == "cyrillic" and len(word) > 2 and not any(c in _CYR_VOWELS for c in word):
            return -0.5 * sum(_byte_len(c, encoding) for c, _ in infos)
    prev = ""
    for i, c in enumerate(word):
        if ord(c) < 128:
            prev = c
            continue
        w = _char_info(c)[1]
        if script == "latin":
            if len(word) == 1:
                w *= 0.2  # a lone accented letter proves little
            elif i > 0 and word[i - 1].islower() and c.isupper():
                w = -1.0  # "JosÃ": a capital after a small letter
            elif all_high and len(word) > 1:
                w *= 0.3  # a Latin word of accented letters only: "Úáí"
        elif script == "hwkana":
            if len(word) == 1:
                w *= 0.2
            elif c not in "ﾞﾟ":
                # Half-width katakana words (names in legacy Japanese systems); voicing and
                # long-vowel marks are what random EUC-JP bytes read as katakana lack.
                w = 1.0 if any(m in word for m in "ﾞﾟｰ") else 0.85
            else:
                w = 1.0 if prev and (prev in _HW_VOICED if c == "ﾞ" else prev in _HW_SEMI) \
                    else -1.0
        elif script == "han" and 0x3041 <= ord(c) <= 0x30FF and encoding in ("gbk", "big5"):
            w = 0.3  # kana in Chinese text: more likely Japanese in a Chinese code page
        elif len(word) == 1 and script not in ("han", "hangul"):
            w *= 0.2  # an isolated letter of an alphabet
        total += w * _byte_len(c, encoding)
        prev = c
    return total


def score_text(text: str, encoding: str = "utf-8") -> tuple[float, int]:
    """Plausibility of decoded text: ``(total score, bytes of non-ASCII characters)``.

    Each non-ASCII character scores about +1 per byte when it is a common letter
    inside a word of one script, and about -1 (symbols, mixed scripts) to -5
    (replacement characters) per byte when it looks like a wrong decoding.

    Examples
    --------
    >>> b = "Núñez, Zoë".encode("cp1252")
    >>> score_text(b.decode("cp1252"), "cp1252")[0] > score_text(b.decode("cp1256"), "cp1256")[0]
    True
    """
    total, n_bytes = 0.0, 0
    for word, k in Counter(_WORD.findall(text)).items():
        if word.isascii():
            continue
        total += k * _word_score(word, encoding)
    for c, k in Counter(text).items():
        o = ord(c)
        if o < 128:
            if o < 32 and c not in "\t\r\n":
                total -= 3.0 * k
                n_bytes += k
            continue
        nb = _byte_len(c, encoding) * k
        n_bytes += nb
        if not c.isalpha():
            total += _char_info(c)[1] * nb
    return total, n_bytes
