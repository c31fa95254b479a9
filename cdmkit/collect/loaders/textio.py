"""Bytes and lines of a text file: containers, encoding scans, physical lines, progress.

What every text loader (delimited text, JSON) needs before it reads records:
compressed and zipped files opened, foreign formats refused, one pass over the
bytes to check them in an encoding, and lines split the way CSV splits them.

Examples
--------
>>> _split_lines("a\\r\\nb\\x0bc\\n")
['a\\r\\n', 'b\\x0bc\\n']
"""

from __future__ import annotations

import codecs
import io
import re
from pathlib import Path

from ...errors import InputError
from ..encoding import sniff_container


def _read_source_bytes(p: Path, head: bytes) -> tuple[bytes | None, str | None]:
    """``(bytes, container)`` of a compressed or zipped file, ``(None, None)`` for plain files.

    Foreign formats (PDF, Parquet, SQLite, images, ...) and archives that are not
    one text file raise an :class:`InputError` saying what the file is.
    """
    import bz2
    import gzip
    import lzma
    import zipfile

    found = sniff_container(head)
    if found is None:
        return None, None
    kind, what = found
    if kind == "foreign":
        raise InputError(p, f"is {what}, not delimited text")
    if kind == "zstd":
        raise InputError(p, "is zstd-compressed; decompress it first (zstd -d)")
    try:
        if kind == "gzip":
            return gzip.decompress(p.read_bytes()), kind
        if kind == "bz2":
            return bz2.decompress(p.read_bytes()), kind
        if kind == "xz":
            return lzma.decompress(p.read_bytes()), kind
        with zipfile.ZipFile(p) as z:
            names = [n for n in z.namelist() if not n.endswith("/")
                     and not n.startswith("__MACOSX/")]
            if "xl/workbook.xml" in names or "[Content_Types].xml" in names:
                raise InputError(p, "is an Excel workbook (or another Office file), not "
                                 "delimited text; use loader: excel")
            if len(names) != 1:
                raise InputError(p, f"is a zip archive of {len(names)} files "
                                 f"({', '.join(names[:5])}{', ...' if len(names) > 5 else ''});"
                                 " give one file")
            return z.read(names[0]), "zip"
    except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(p, f"is {what} but cannot be decompressed: {exc}") from None


class _Scan:
    """One pass over the bytes: validity in an encoding, NUL bytes, quote parity."""

    def __init__(self, blocks, encoding: str, quote: bytes | None):
        dec = codecs.getincrementaldecoder(encoding)("strict")
        self.valid, self.nul, self.quotes = True, False, 0
        wide = encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32"))
        for block in blocks:
            if not wide:
                self.nul = self.nul or b"\x00" in block
                if quote:
                    self.quotes += block.count(quote)
            if self.valid:
                if block.isascii() and not dec.getstate()[0] and not wide:
                    continue  # ASCII is valid in every candidate; no need to decode it
                try:
                    dec.decode(block)
                except UnicodeDecodeError:
                    self.valid = False
        if self.valid:
            try:
                dec.decode(b"", final=True)
            except UnicodeDecodeError:
                self.valid = False


def _blocks(p: Path | None, data: bytes | None, size: int = 1 << 22):
    if data is not None:
        for i in range(0, len(data), size):
            yield data[i:i + size]
        return
    with open(p, "rb") as fh:
        yield from iter(lambda: fh.read(size), b"")


_SURROGATE = re.compile("[\udc80-\udcff]")


#: Characters str.splitlines() also breaks on, which CSV does not.
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _split_lines(text: str) -> list[str]:
    """Physical lines with their ends; only CR, LF and CRLF end a line (as in CSV)."""
    if not _OTHER_BREAKS.search(text):
        return text.splitlines(keepends=True)  # the same lines, much faster
    parts = re.split(r"(\r\n|\r|\n)", text)
    out = [a + b for a, b in zip(parts[0::2], parts[1::2])]
    if parts[-1]:
        out.append(parts[-1])
    return out


def _wide(encoding: str) -> bool:
    return encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32"))


def _looks_binary(head: bytes) -> bool:
    """Control bytes text never holds, in more than 5 % of the (NUL-trimmed) first bytes."""
    body = head.rstrip(b"\x00")
    if len(body) < 64 or _utf16_like(body):
        return False
    n_ctrl = len(body) - len(body.translate(None, _CONTROL))
    return n_ctrl > 0.05 * len(body)


_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 26))


def _utf16_like(b: bytes) -> bool:
    from ..encoding import bom_encoding

    return bool(bom_encoding(b)) or b[0::2].count(0) > 0.3 * len(b) / 2 \
        or b[1::2].count(0) > 0.3 * len(b) / 2


_PREAMBLE = re.compile(rb"[ \t]*(?:\r\n|\r|\n)|sep=.\r?\n")


def _iter_lines(text: str):
    """Lazy :func:`_split_lines`."""
    for m in _LINE.finditer(text):
        if m.group(0):
            yield m.group(0)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


class _CountingReader(io.RawIOBase):
    """File wrapper that advances a progress bar by the bytes read."""

    def __init__(self, raw, bar):
        self._raw, self._bar = raw, bar

    def readable(self):
        return True

    def read(self, n=-1):
        data = self._raw.read(n)
        self._bar.update(len(data))
        return data

    def readinto(self, b):
        n = self._raw.readinto(b)
        self._bar.update(n or 0)
        return n
