"""How a text file is written: its container, its encoding and its delimiter.

Windows exports are the usual trouble: Persian and Arabic text saved as
``cp1256`` (with Arabic yeh and kaf, since cp1256 has no Persian yeh), Western
text as ``cp1252``, Russian as ``cp1251``, Japanese as ``cp932`` (Shift-JIS) or
``EUC-JP``, and spreadsheet "Unicode text" as UTF-16, sometimes without a BOM.

Decoding has to prove itself, because a wrong code page gives no error: it
silently turns ``José`` into ``Josأ©``. So:

* a byte-order mark settles it;
* UTF-16/32 without a BOM is recognised by its zero bytes;
* bytes that are valid UTF-8 are UTF-8 (other encodings almost never are);
* otherwise every candidate encoding decodes the whole sample and the text it
  produces is *scored* (:func:`score_text`): letters of one script inside a word,
  common accented letters, common kanji and kana earn points; symbols inside
  words, words mixing scripts, control and private-use characters lose them.
  The best score wins, and the gap to the runner-up is the ``confidence``;
* a file whose lines are mostly UTF-8 but where a few lines are not (a UTF-8
  file with a stray ``cp1252`` byte, or a file appended to by two systems) is
  decoded line by line (:func:`decode_lines`): UTF-8 lines as UTF-8, the others
  in the best-scoring legacy encoding when they read plausibly in it, else they
  are flagged as undecodable. It is never re-decoded as a whole in a legacy code
  page.

Compressed and foreign files are recognised by their first bytes
(:func:`sniff_container`), not by their names.

Examples
--------
>>> sniff_encoding("مریم,علی".encode("utf-8"))
'utf-8'
>>> sniff_encoding("id,name\\n1,علي\\n2,كريم\\n3,فاطمة\\n".encode("cp1256"))
'cp1256'
>>> sniff_delimiter("a;b;c\\n1;2;3\\n")
';'
>>> g = detect_encoding("id,name\\n1,José\\n".encode("utf-8") + b"2,Ren\\xe9\\n")
>>> g.encoding, g.fallback, g.mixed
('utf-8', 'cp1252', True)
"""

from __future__ import annotations

import codecs
import math
import re
from dataclasses import dataclass

# The container and delimiter sniffers and the text score have their own modules; this one
# decides the encoding and stays the face of how a text file is written (it re-exports them).
from .sniff import DELIMITERS, read_sample, sniff_container, sniff_delimiter
from .textscore import score_text

__all__ = ["DEFAULT_ENCODINGS", "DELIMITERS", "EncodingGuess", "sniff_encoding",
           "detect_encoding", "decode_lines", "score_text", "sniff_delimiter",
           "sniff_container", "read_sample", "bom_encoding", "UNCERTAIN_BELOW"]

#: Encodings considered when a file has no byte-order mark and is not valid UTF-8
#: (ties go to the earlier one).
DEFAULT_ENCODINGS = ("utf_8", "utf_16", "cp1252", "cp1256", "cp932", "euc_jp", "cp1251",
                     "gbk", "big5", "latin_1")

#: A decoding choice with a confidence below this is reported as uncertain.
UNCERTAIN_BELOW = 0.5

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]

_CANONICAL = {"utf_8": "utf-8", "utf_16": "utf-16", "cp1252": "cp1252", "cp1256": "cp1256",
              "cp932": "cp932", "euc_jp": "euc-jp", "latin_1": "latin-1", "shift_jis": "cp932",
              "utf_16_le": "utf-16-le", "utf_16_be": "utf-16-be", "ascii": "utf-8",
              "euc_jis_2004": "euc-jp", "windows_1256": "cp1256", "windows_1252": "cp1252",
              "cp1251": "cp1251", "windows_1251": "cp1251", "gbk": "gbk", "gb2312": "gbk",
              "big5": "big5", "euc_kr": "euc-kr", "cp949": "cp949", "utf_8_sig": "utf-8-sig"}


def bom_encoding(sample: bytes) -> str | None:
    """Encoding announced by a byte-order mark, or ``None``.

    Examples
    --------
    >>> bom_encoding(b"\\xef\\xbb\\xbfid,name")
    'utf-8-sig'
    >>> bom_encoding(b"id") is None
    True
    """
    for bom, enc in _BOMS:
        if sample.startswith(bom):
            return enc
    return None


def _utf16_without_bom(sample: bytes) -> str | None:
    # Text of mostly ASCII characters in UTF-16 has a zero byte in every other position.
    if len(sample) < 4:
        return None
    if len(sample) >= 8:
        q = [sample[i::4] for i in range(4)]
        zeros = [b.count(0) / max(len(b), 1) for b in q]
        if zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] > 0.9 and zeros[0] < 0.1:
            return "utf-32-le"
        if zeros[0] > 0.9 and zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] < 0.1:
            return "utf-32-be"
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _valid_utf8(sample: bytes, truncated: bool) -> bool:
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of the sample is not an error.
        return truncated and exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data"


@dataclass
class EncodingGuess:
    """A decoding decision and how sure it is.

    Attributes
    ----------
    encoding : str
        Codec for the file (for a mixed file: for its valid lines).
    confidence : float
        0..1; below :data:`UNCERTAIN_BELOW` the choice is reported as uncertain.
    alternative : str or None
        The runner-up encoding.
    mixed : bool
        Some lines are not in ``encoding``: decode line by line (:func:`decode_lines`).
    fallback : str or None
        Encoding of the lines that are not in ``encoding`` (mixed files).
    method : str
        How it was decided: ``bom``, ``utf-8``, ``zero bytes``, ``scored``, ``given``.

    Examples
    --------
    >>> print(EncodingGuess("cp1252", 0.3, "cp1256").note())  # doctest: +NORMALIZE_WHITESPACE
    encoding uncertain: read as cp1252 (confidence 0.30; next best cp1256); set
    options.encoding if the text looks wrong
    >>> EncodingGuess("utf-8", 1.0).note() is None
    True
    """

    encoding: str
    confidence: float = 1.0
    alternative: str | None = None
    mixed: bool = False
    fallback: str | None = None
    method: str = "scored"

    @property
    def uncertain(self) -> bool:
        """Whether the choice should be reported as uncertain."""
        return self.confidence < UNCERTAIN_BELOW

    def note(self) -> str | None:
        """A one-line warning when the choice is uncertain, else ``None``."""
        if not self.uncertain:
            return None
        alt = f"; next best {self.alternative}" if self.alternative else ""
        return (f"encoding uncertain: read as {self.encoding} (confidence "
                f"{self.confidence:.2f}{alt}); set options.encoding if the text looks wrong")


def _strict(data: bytes, enc: str) -> str | None:
    try:
        return data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


_SCORED_CHARS = 1 << 20


def _rank(data: bytes, candidates) -> list[tuple[float, int, str]]:
    """Candidates that decode ``data`` strictly, best first: ``(per-byte score, -order, enc)``.

    Candidates giving the same text as an earlier one (``latin-1`` and ``cp1252``
    without bytes 0x80-0x9F) are the same decision and listed once.
    """
    ranked, seen = [], set()
    for order, enc in enumerate(candidates):
        name = _CANONICAL.get(enc, enc)
        if name in ("utf-8", "utf-16", "utf-8-sig"):
            continue
        text = _strict(data, name)
        if text is None or text in seen:
            continue
        seen.add(text)
        # Validity is checked on all of it, plausibility on a large part (enough evidence).
        total, n = score_text(text[:_SCORED_CHARS], name)
        ranked.append((total / max(n, 1), -order, name))
    ranked.sort(reverse=True)
    return ranked


def _rank_by_line(data: bytes, candidates) -> list[tuple[float, int, str]]:
    """Like :func:`_rank`, decoding line by line; a line that does not decode costs -5 per
    non-ASCII byte, and an encoding failing on more than 2 % of its lines is out."""
    lines = [ln for ln in data.splitlines() if not ln.isascii()][:20_000]
    ranked = []
    for order, enc in enumerate(candidates):
        name = _CANONICAL.get(enc, enc)
        if name in ("utf-8", "utf-16", "utf-8-sig"):
            continue
        total, n, failed = 0.0, 0, 0
        for line in lines:
            text = _strict(line, name)
            if text is None:
                failed += 1
                k = len(line) - len(line.translate(None, bytes(range(128, 256))))
                total, n = total - 5.0 * k, n + k
                continue
            t, m = score_text(text, name)
            total, n = total + t, n + m
        if failed > max(1, 0.02 * len(lines)):
            continue
        ranked.append((total / max(n, 1), -order, name))
    ranked.sort(reverse=True)
    return ranked


def _confidence(ranked, n_high: int) -> float:
    """0..1 from the score gap to the runner-up and the amount of evidence (non-ASCII bytes)."""
    if not ranked:
        return 0.0
    best = ranked[0][0]
    gap = best - ranked[1][0] if len(ranked) > 1 else 1.0
    conf = min(1.0, max(0.0, gap / 0.5)) * (1.0 - math.exp(-n_high / 16.0))
    if best < 0.3:
        conf *= 0.5
    return round(conf, 2)


def _line_kinds(data: bytes):
    """Per line: 0 ASCII, 1 valid UTF-8 with non-ASCII, 2 invalid UTF-8, 3 invalid but with
    valid multi-byte sequences too (a corrupted UTF-8 line)."""
    kinds = []
    for line in data.splitlines():
        if line.isascii():
            kinds.append(0)
            continue
        try:
            line.decode("utf-8")
            kinds.append(1)
        except UnicodeDecodeError:
            kinds.append(3 if _damaged_utf8(line) else 2)
    return kinds


def _damaged_utf8(line: bytes) -> bool:
    """Invalid UTF-8 that still holds UTF-8: valid multi-byte characters, or a multi-byte
    character cut short (a lead byte followed by some of its continuation bytes)."""
    pos = 0
    while True:
        try:
            line[pos:].decode("utf-8")
            break
        except UnicodeDecodeError as exc:
            if exc.end - exc.start > 1:
                return True
            pos += exc.end
    t = line.decode("utf-8", "surrogateescape")
    return any(127 < ord(c) < 0xD800 or ord(c) > 0xDFFF for c in t)


_PLAUSIBLE = 0.5


def _fallback(lines: list[bytes], candidates) -> str | None:
    """The legacy encoding in which most of ``lines`` read plausibly (ties: higher score)."""
    best, best_key = None, (0, 0.0)  # (lines read plausibly, mean score per byte)
    for enc in candidates:
        name = _CANONICAL.get(enc, enc)
        if name in ("utf-8", "utf-16", "utf-8-sig"):
            continue
        n_ok, total, n_bytes = 0, 0.0, 0
        for line in lines:
            text = _strict(line, name)
            if text is None:
                continue
            t, n = score_text(text, name)
            if t / max(n, 1) >= _PLAUSIBLE:
                n_ok += 1
                total, n_bytes = total + t, n_bytes + n
        key = (n_ok, round(total / max(n_bytes, 1), 1))
        if key > best_key:
            best, best_key = name, key
    return best


def detect_encoding(data: bytes, candidates=DEFAULT_ENCODINGS,
                    truncated: bool = False) -> EncodingGuess:
    """Decide how to decode ``data`` (the file, or a large sample of it).

    Parameters
    ----------
    data : bytes
        The bytes to decode.
    candidates : sequence of str
        Legacy encodings to score when the bytes are not UTF-8.
    truncated : bool
        Whether ``data`` is cut from a longer file (a split character at its end
        is then allowed).

    Returns
    -------
    EncodingGuess

    Raises
    ------
    ValueError
        When no candidate decodes the bytes.

    Examples
    --------
    >>> detect_encoding("名前\\n田中\\n".encode("cp932")).encoding
    'cp932'
    >>> detect_encoding("a,b\\n".encode("utf-8")).confidence
    1.0
    """
    bom = bom_encoding(data)
    if bom:
        return EncodingGuess(bom, 1.0, method="bom")
    wide = _utf16_without_bom(data[:1 << 16])
    if wide:
        return EncodingGuess(wide, 0.9, method="zero bytes")
    if not data or data.isascii():
        return EncodingGuess("utf-8", 1.0, method="utf-8")
    if _valid_utf8(data, truncated):
        return _utf8_or_chance(data, candidates, truncated)
    if truncated:
        # Cut at the last line end so no character is split.
        cut = max(data.rfind(b"\n"), data.rfind(b"\r"))
        data = data[:cut + 1] if cut > 0 else data
    n_high = sum(1 for b in data if b > 127) if len(data) < 1 << 16 else \
        len(data) - len(data.translate(None, bytes(range(128, 256))))
    ranked = _rank(data, candidates)
    part = data
    if len(part) > _SCORED_CHARS:
        cut = max(part.rfind(b"\n", 0, _SCORED_CHARS), part.rfind(b"\r", 0, _SCORED_CHARS))
        part = part[:cut + 1] if cut > 0 else part[:_SCORED_CHARS]
    kinds = _line_kinds(part)
    n_utf8_lines = kinds.count(1)
    if n_utf8_lines:
        # Hypothesis "UTF-8 with some lines in another encoding": score it against the
        # best whole-file legacy decoding and keep the better.
        lines = part.splitlines()
        bad = b"\n".join(ln for ln, k in zip(lines, kinds) if k == 2)
        good = b"\n".join(ln for ln, k in zip(lines, kinds) if k == 1)
        g_total, g_n = score_text(good.decode("utf-8"), "utf-8")
        fb = _fallback(bad.split(b"\n"), candidates) if bad else None
        b_total, b_n, n_corrupt = 0.0, 0, kinds.count(3)
        for line in (bad.split(b"\n") if bad else []):
            text = _strict(line, fb) if fb else None
            if text is None:
                n_corrupt += 1
                continue
            t, n = score_text(text, fb)
            b_total, b_n = b_total + t, b_n + n
        mixed_score = (g_total + b_total - 5.0 * n_corrupt) / max(g_n + b_n + n_corrupt, 1)
        if not ranked or mixed_score >= ranked[0][0]:
            conf = 1.0 if n_utf8_lines >= 3 * (kinds.count(2) + kinds.count(3)) else 0.6
            return EncodingGuess("utf-8", conf, ranked[0][2] if ranked else None, mixed=True,
                                 fallback=fb, method="utf-8 by line")
    if not ranked or ranked[0][0] < 0.7:
        # Perhaps a legacy file with a few damaged lines: score line by line, the lines
        # that do not decode counting against their encoding.
        tolerant = _rank_by_line(data, candidates)
        if tolerant and (not ranked or tolerant[0][0] > ranked[0][0] + 0.2):
            score, _, name = tolerant[0]
            return EncodingGuess(name, _confidence(tolerant, n_high), mixed=True,
                                 alternative=tolerant[1][2] if len(tolerant) > 1 else None,
                                 method="scored by line")
    if not ranked:
        raise ValueError("cannot tell the text encoding (tried " + ", ".join(candidates) +
                         "); give options.encoding")
    alt = ranked[1][2] if len(ranked) > 1 else None
    return EncodingGuess(ranked[0][2], _confidence(ranked, n_high), alt, method="scored")


_BEYOND_2_BYTES = re.compile("[\u0080-\u00ff\u0800-\U0010ffff]")


def _utf8_or_chance(data: bytes, candidates, truncated: bool) -> EncodingGuess:
    """Valid UTF-8 is UTF-8, unless it is short and reads as nonsense: a few legacy bytes
    can form valid UTF-8 by chance (cp1256 Persian letters are continuation bytes)."""
    high = len(data) - len(data.translate(None, bytes(range(128, 256))))
    if high > 4096:
        return EncodingGuess("utf-8", 1.0, method="utf-8")
    text = data.decode("utf-8", "ignore")
    if _BEYOND_2_BYTES.search(text):
        # Chance validity makes two-byte sequences beyond Latin-1 (legacy letters are
        # continuation bytes); Latin-1 symbols, emoji and CJK in UTF-8 are no accident.
        return EncodingGuess("utf-8", 1.0, method="utf-8")
    total, n = score_text(text, "utf-8")
    utf8 = total / max(n, 1)
    if utf8 >= 0:
        return EncodingGuess("utf-8", 1.0, method="utf-8")
    if truncated:
        cut = max(data.rfind(b"\n"), data.rfind(b"\r"))
        data = data[:cut + 1] if cut > 0 else data
    ranked = _rank(data, candidates)
    if ranked and ranked[0][0] >= 0.9 and ranked[0][0] > utf8 + 0.8:
        both = ranked[:1] + [(utf8, 0, "utf-8")]
        return EncodingGuess(ranked[0][2], min(0.49, _confidence(both, high)), "utf-8",
                             method="scored (valid UTF-8 by chance)")
    return EncodingGuess("utf-8", 1.0 if utf8 > 0 else 0.4, method="utf-8")


def sniff_encoding(sample: bytes, candidates=DEFAULT_ENCODINGS, truncated: bool = False) -> str:
    """Guess the encoding of ``sample`` (bytes from the start of a file).

    The codec name of :func:`detect_encoding`'s decision.

    Parameters
    ----------
    sample : bytes
        The first bytes of the file (a few hundred KiB is plenty).
    candidates : sequence of str
        Encodings to choose from when there is no BOM and the bytes are not UTF-8.
    truncated : bool
        Whether ``sample`` is cut from a longer file.

    Returns
    -------
    str
        A Python codec name (``utf-8``, ``utf-8-sig``, ``utf-16``, ``cp1256``, ...).

    Raises
    ------
    ValueError
        When no candidate decodes the bytes.

    Examples
    --------
    >>> sniff_encoding("名前,住所\\n山田,東京\\n".encode("cp932"))
    'cp932'
    >>> sniff_encoding("a,b\\n1,2\\n".encode("utf-16"))
    'utf-16'
    >>> sniff_encoding("id,name\\n1,Zoë Müller\\n2,François\\n".encode("cp1252"))
    'cp1252'
    """
    return detect_encoding(sample, candidates, truncated).encoding


def decode_lines(data: bytes, guess: EncodingGuess) -> tuple[list[str], dict[int, str]]:
    """Decode a file line by line: its lines (with their line ends) and flags per line.

    Lines that are not valid in ``guess.encoding`` are decoded in
    ``guess.fallback`` when they read plausibly in it (flag ``"decoded as
    <codec>"``); otherwise their bad bytes are kept as surrogate escapes
    (``"\\udcXX"``, flag ``"invalid"``) so the caller can find the column and
    reject or replace them. Flags are keyed by the 0-based line index.

    Examples
    --------
    >>> lines, flags = decode_lines(b"a,b\\r1,Ren\\xe9\\r2,\\xe6\\x9d\\r",
    ...                             EncodingGuess("utf-8", 1.0, mixed=True, fallback="cp1252"))
    >>> lines
    ['a,b\\r', '1,René\\r', '2,\\udce6\\udc9d\\r']
    >>> flags
    {1: 'decoded as cp1252', 2: 'invalid'}
    """
    enc = guess.encoding
    out: list = []
    flags: dict[int, str] = {}
    failed = []
    for i, line in enumerate(data.splitlines(keepends=True)):
        try:
            out.append(line.decode(enc))
        except UnicodeDecodeError:
            out.append(line)
            failed.append(i)
    fallback = guess.fallback
    if failed and fallback is None and enc.startswith("utf-8"):
        # Bad lines beyond the sample the decision was made on: choose their encoding now.
        cands = [out[i].rstrip(b"\r\n") for i in failed]
        fallback = _fallback([c for c in cands if not _damaged_utf8(c)][:20_000],
                             DEFAULT_ENCODINGS)
    for i in failed:
        line = out[i]
        text = None
        if fallback:
            body = line.rstrip(b"\r\n")
            has_utf8 = enc.startswith("utf-8") and _damaged_utf8(body)
            cand = _strict(line, fallback) if not has_utf8 else None
            if cand is not None:
                total, n = score_text(cand, fallback)
                if total / max(n, 1) >= _PLAUSIBLE:
                    text = cand
        if text is not None:
            out[i] = text
            flags[i] = f"decoded as {fallback}"
        else:
            out[i] = line.decode(enc, "surrogateescape")
            flags[i] = "invalid"
    return out, flags

