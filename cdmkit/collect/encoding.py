"""Sniffing how a delimited text file is written: its encoding and its delimiter.

Windows exports are the usual trouble: Persian and Arabic text saved as
``cp1256`` (with Arabic yeh and kaf, since cp1256 has no Persian yeh), Western
text as ``cp1252``, Japanese as ``cp932`` (Shift-JIS) or ``EUC-JP``, and
spreadsheet "Unicode text" as UTF-16. A byte-order mark settles it when
present; otherwise strict UTF-8 is tried first (it almost never decodes text
written in another encoding), then :mod:`charset_normalizer` chooses among a
short list of candidate encodings, which keeps it from guessing exotic code
pages on small samples.

Examples
--------
>>> sniff_encoding("مریم,علی".encode("utf-8"))
'utf-8'
>>> sniff_encoding("id,name\\n1,علي\\n2,كريم\\n3,فاطمة\\n".encode("cp1256"))
'cp1256'
>>> sniff_delimiter("a;b;c\\n1;2;3\\n")
';'
"""

from __future__ import annotations

import codecs
import csv
import os

__all__ = ["DEFAULT_ENCODINGS", "DELIMITERS", "sniff_encoding", "sniff_delimiter",
           "read_sample", "bom_encoding"]

#: Encodings considered when a file has no byte-order mark and is not valid UTF-8.
DEFAULT_ENCODINGS = ("utf_8", "utf_16", "cp1252", "cp1256", "cp932", "euc_jp", "latin_1")

#: Delimiters the sniffer may choose.
DELIMITERS = ",;\t|"

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
              "euc_jis_2004": "euc-jp", "windows_1256": "cp1256", "windows_1252": "cp1252"}


def read_sample(path: str | os.PathLike, size: int = 256 * 1024) -> bytes:
    """The first ``size`` bytes of a file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_bytes(b"a,b\\n")
    >>> read_sample(p)
    b'a,b\\n'
    """
    with open(path, "rb") as fh:
        return fh.read(size)


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


def sniff_encoding(sample: bytes, candidates=DEFAULT_ENCODINGS, truncated: bool = False) -> str:
    """Guess the encoding of ``sample`` (bytes from the start of a file).

    Parameters
    ----------
    sample : bytes
        The first bytes of the file (a few hundred KiB is plenty).
    candidates : sequence of str
        Encodings to choose from when there is no BOM and the bytes are not UTF-8.
    truncated : bool
        Whether ``sample`` is cut from a longer file (a split character at its end
        is then allowed).

    Returns
    -------
    str
        A Python codec name (``utf-8``, ``utf-8-sig``, ``utf-16``, ``cp1256``, ...).

    Raises
    ------
    ValueError
        When no candidate decodes the bytes; the caller turns it into an
        :class:`~cdmkit.errors.InputError` naming the file.

    Examples
    --------
    >>> sniff_encoding("名前,住所\\n山田,東京\\n".encode("cp932"))
    'cp932'
    >>> sniff_encoding("a,b\\n1,2\\n".encode("utf-16"))
    'utf-16'
    >>> sniff_encoding("id,name\\n1,Zoë Müller\\n2,François\\n".encode("cp1252"))
    'cp1252'
    """
    bom = bom_encoding(sample)
    if bom:
        return bom
    if not sample:
        return "utf-8"
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    if _valid_utf8(sample, truncated):
        return "utf-8"
    import charset_normalizer

    iso = [c for c in candidates if _CANONICAL.get(c, c) not in ("utf-8",)]
    best = charset_normalizer.from_bytes(sample, cp_isolation=iso or None).best()
    if best is None:
        # charset-normalizer gives up on very mixed bytes; the first candidate
        # that decodes strictly is still better than failing.
        for enc in iso:
            try:
                sample.decode(enc)
                return _CANONICAL.get(enc, enc)
            except (UnicodeDecodeError, LookupError):
                continue
        raise ValueError("cannot tell the text encoding (tried " + ", ".join(candidates) +
                         "); give options.encoding")
    return _CANONICAL.get(best.encoding, best.encoding)


def sniff_delimiter(text: str, delimiters: str = DELIMITERS) -> str:
    """Guess the delimiter of delimited text among ``delimiters``.

    :class:`csv.Sniffer` decides on a sample of whole lines; when it cannot,
    the delimiter found the same number of times (and at least once) on most
    lines wins, and a single-column file falls back to a comma.

    Examples
    --------
    >>> sniff_delimiter("id\\tname\\n1\\tA\\n")
    '\\t'
    >>> sniff_delimiter("id|name\\n1|A, B\\n")
    '|'
    >>> sniff_delimiter("name\\nA\\n")
    ','
    """
    lines = [ln for ln in text.splitlines() if ln.strip()][:200]
    if not lines:
        return ","
    # Quick and reliable: one delimiter with the same non-zero count on (almost) every line.
    scores = {}
    for d in delimiters:
        counts = [ln.count(d) for ln in lines]
        if counts[0] == 0:
            continue
        same = sum(c == counts[0] for c in counts) / len(counts)
        scores[d] = (same, counts[0])
    if scores:
        best = max(scores, key=lambda d: scores[d])
        if scores[best][0] >= 0.9:
            return best
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=delimiters).delimiter
    except csv.Error:
        if scores:
            return max(scores, key=lambda d: scores[d])
        return ","
