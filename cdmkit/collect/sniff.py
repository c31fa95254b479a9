"""What a file is before it is decoded, and how its text separates fields.

Its container comes from its first bytes, not its name (:func:`sniff_container`:
compressed, zipped, or a foreign format such as a PDF or a Parquet file); its
delimiter from the decoded text (:func:`sniff_delimiter`). The encoding in
between is :mod:`cdmkit.collect.encoding`'s business, which re-exports these.

Examples
--------
>>> sniff_container(b"%PDF-1.7 ...")
('foreign', 'a PDF document')
>>> sniff_delimiter("a;b;c\\n1;2;3\\n")
';'
"""

from __future__ import annotations

import csv
import os
import re

__all__ = ["DELIMITERS", "sniff_container", "read_sample", "sniff_delimiter"]

#: Delimiters the sniffer may choose.
DELIMITERS = ",;\t|"

# -- containers ---------------------------------------------------------------------------
_COMPRESSED = [(b"\x1f\x8b", "gzip"), (b"\xfd7zXZ\x00", "xz"), (b"(\xb5/\xfd", "zstd")]
_FOREIGN = [
    (b"%PDF", "a PDF document"), (b"PAR1", "a Parquet file (use loader: parquet)"),
    (b"SQLite format 3\x00", "a SQLite database (use loader: sql)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel .xls / OLE2 document (save it as "
     ".xlsx or CSV)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"), (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"), (b"ARROW1", "an Arrow IPC file"),
    (b"\x7fELF", "an executable"), (b"MZ\x90\x00", "a Windows executable"),
]


def sniff_container(head: bytes) -> tuple[str, str] | None:
    """What the first bytes of a file say it is, when it is not plain text.

    Returns ``(kind, description)`` with ``kind`` one of ``gzip``, ``bz2``,
    ``xz``, ``zstd``, ``zip`` or ``foreign``; ``None`` for (possibly) text.

    Examples
    --------
    >>> import gzip
    >>> sniff_container(gzip.compress(b"a,b\\n"))[0]
    'gzip'
    >>> sniff_container(b"%PDF-1.7 ...")
    ('foreign', 'a PDF document')
    >>> sniff_container(b"id,name\\n") is None
    True
    """
    for magic, kind in _COMPRESSED:
        if head.startswith(magic):
            return kind, f"{kind}-compressed"
    if re.match(rb"BZh[1-9]1AY&SY", head):
        return "bz2", "bz2-compressed"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip", "a zip archive"
    if len(head) >= 12 and head[8:12] == b"DUCK":
        return "foreign", "a DuckDB database (use loader: duckdb)"
    for magic, what in _FOREIGN:
        if head.startswith(magic):
            return "foreign", what
    return None


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
    lines = [ln for ln in re.split(r"\r\n|\r|\n", text) if ln.strip()][:200]
    if not lines:
        return ","
    if len(lines[0]) > 100_000:
        lines = lines[:1]  # a huge header: no need to look further
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
