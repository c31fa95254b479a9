"""Scan files (HTML reports, notebooks, JSON, CSV) for raw personal data.

Two checks: known raw values (the names, e-mails and phones of the customers
table or of the source files) found in a file, and anything that looks like a
raw e-mail address. Masked values (``m***@example.com``, ``+98 912 *** **67``)
do not match either. Matching is by extraction and set lookup, not by one
search per value, so a scan of many reports against many customers stays fast.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "r.html").write_text("<td>m***@example.com</td><td>Maryam Ahmadi</td>")
>>> hits = scan_paths([d / "r.html"], names=["Maryam Ahmadi"], emails=["maryam@example.com"])
>>> hits[["kind", "count"]].values.tolist()
[['name', 1]]
"""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

import pandas as pd

from .masking import masker_for

__all__ = ["scan_text", "scan_paths", "scan_run", "raw_values_from_customers",
           "REPORT_PATTERNS"]

#: Files scanned by :func:`scan_run` (exports and data tables hold personal data by design).
REPORT_PATTERNS = ("*.html", "*.ipynb", "summary.json", "figures/*.json", "*/*.csv",
                   "*/*.md", "*/*.html")

_EMAIL_FIND = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# Digits joined by at most one separator (space, dash, dot, or a bracket with a space), so
# columns of numbers in a table ("0.5  0.25") are not read as one long number.
_DIGIT_RUN = re.compile(r"\+?\(?\d(?:(?:[ \-.]|\) ?| ?\()?\d){6,}")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")


# Windows exports write Persian with Arabic yeh/kaf; fold both sides so either spelling matches.
_FOLD_PAIRS = (("\u064a", "\u06cc"), ("\u0643", "\u06a9"), ("\u0649", "\u06cc"), ("\u200c", " "))
# A run of the characters an e-mail address is made of; every match of _EMAIL_FIND lies
# inside one, so searching only the runs holding an "@" finds the same addresses without
# trying the pattern at every position of megabytes of report text.
_EMAIL_RUN = re.compile(r"[A-Za-z0-9._%+\-@]+")
_WORD = re.compile(r"\w+")


def _fold(s: str) -> str:
    # Four str.replace calls (each a fast search) instead of str.translate, which maps a
    # non-ASCII table character by character (8x slower on a report).
    for a, b in _FOLD_PAIRS:
        if a in s:
            s = s.replace(a, b)
    return s


def _norm_text(s: str) -> str:
    return _fold(unicodedata.normalize("NFKC", html.unescape(s)))


def _phone_key(value: str) -> str | None:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", str(value)))
    # The last 9 digits identify a number across national and international formats;
    # placeholders such as 0000000000 identify nobody.
    key = digits[-9:]
    return key if len(digits) >= 8 and len(set(key)) >= 3 else None


def _clean(values) -> list[str]:
    out = []
    for v in values if values is not None else []:
        if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
            continue
        s = _fold(unicodedata.normalize("NFKC", str(v))).strip()
        if s:
            out.append(s)
    return sorted(set(out))


class _Needles:
    """The raw values to look for, prepared once for many files (see :func:`scan_text`)."""

    def __init__(self, names=(), emails=(), phones=()):
        self.emails = {e.lower() for e in _clean(emails)}
        self.phone_keys: dict[str, str] = {}
        for p in _clean(phones):
            k = _phone_key(p)
            if k:
                self.phone_keys.setdefault(k, p)
        name_list = _clean(names)
        # A single word ("Rose") or two kanji could be ordinary text: only full names count.
        self.spaced: list[tuple[str, tuple[str, ...]]] = []
        self.cjk: list[str] = []
        for n in name_list:
            if _CJK.search(n):
                if len(n.replace(" ", "")) >= 3:
                    self.cjk.append(n)
            else:
                words = tuple(_WORD.findall(n))
                if len(words) >= 2:
                    self.spaced.append((n, words))
        # Word sequences by their first word: a name is found when its words follow one
        # another in the text (what a set of all the text's n-grams answered, per word).
        self.by_first: dict[str, set[tuple[str, ...]]] = {}
        for _, words in self.spaced:
            self.by_first.setdefault(words[0], set()).add(words)

    def find(self, t: str, *, any_email: bool, ignore_domains) -> list[dict]:
        hits: list[dict] = []
        found_emails = {m.group(0).lower().strip(".")
                        for run in _EMAIL_RUN.findall(t) if "@" in run
                        for m in _EMAIL_FIND.finditer(run)}
        for e in sorted(found_emails):
            known = e in self.emails
            if known or (any_email and e.split("@")[-1] not in ignore_domains):
                hits.append({"kind": "email", "value": masker_for("email")(e), "known": known})
        if self.phone_keys:
            # A run with exactly one dot is a decimal number (0.8549270072), not a phone.
            found = {_phone_key(m.group(0)) for m in _DIGIT_RUN.finditer(t)
                     if m.group(0).count(".") != 1}
            for k in sorted(found & set(self.phone_keys)):
                hits.append({"kind": "phone", "value": masker_for("phone")(self.phone_keys[k]),
                             "known": True})
        if self.spaced:
            words = _WORD.findall(t)
            seen: set[tuple[str, ...]] = set()
            by_first = self.by_first
            for i, w in enumerate(words):
                for seq in by_first.get(w, ()):
                    if tuple(words[i:i + len(seq)]) == seq:
                        seen.add(seq)
            for name, seq in self.spaced:
                if seq in seen:
                    hits.append({"kind": "name", "value": masker_for("full_name")(name),
                                 "known": True})
        # No word boundaries in Japanese: substring search, only in a text that has CJK
        # characters at all (each name holds one), as one pass per name costs seconds.
        for name in self.cjk if _CJK.search(t) else ():
            if name in t:
                hits.append({"kind": "name", "value": masker_for("full_name")(name),
                             "known": True})
        return hits


def scan_text(text: str, *, names=(), emails=(), phones=(), any_email: bool = True,
              ignore_domains=("example.com",)) -> list[dict]:
    """Find raw personal data in ``text``.

    Parameters
    ----------
    text : str
        File content (HTML entities are decoded, Unicode NFKC-normalised).
    names, emails, phones : iterable of str
        Raw values to look for. Names (full names: two words or more, or three
        Japanese/Chinese characters) are matched as whole words (case-sensitive);
        phones by their last nine digits in any formatting; e-mails case-insensitively.
    any_email : bool
        Also report any raw-looking e-mail address, known or not.
    ignore_domains : tuple of str
        Domains whose addresses are not reported by ``any_email`` unless known
        (documentation examples such as ``someone@example.com``).

    Returns
    -------
    list of dict
        ``kind`` (``name``/``email``/``phone``), ``value`` (masked) per hit.

    Examples
    --------
    >>> scan_text("call +98 912 123 4567", phones=["09121234567"])[0]["value"]
    '091 *** **67'
    >>> scan_text("masked: +98 912 *** **67", phones=["09121234567"])
    []
    """
    return _Needles(names, emails, phones).find(_norm_text(text), any_email=any_email,
                                                ignore_domains=ignore_domains)


def scan_paths(paths, *, names=(), emails=(), phones=(), any_email: bool = False) -> pd.DataFrame:
    """Scan files for raw personal data (see :func:`scan_text`).

    Returns
    -------
    DataFrame
        One row per file and kind with hits: ``file``, ``kind``, ``count``,
        ``examples`` (masked).

    Examples
    --------
    >>> scan_paths([]).empty
    True
    """
    rows = []
    needles = _Needles(names, emails, phones)  # once for all the files
    for p in paths:
        p = Path(p)
        try:
            text = p.read_text(encoding="utf-8", errors="replace")
        except (IsADirectoryError, FileNotFoundError):
            continue
        hits = needles.find(_norm_text(text), any_email=any_email,
                            ignore_domains=("example.com",))
        by_kind: dict[str, list[str]] = {}
        for h in hits:
            by_kind.setdefault(h["kind"], []).append(h["value"])
        for kind, vals in sorted(by_kind.items()):
            rows.append({"file": str(p), "kind": kind, "count": len(vals),
                         "examples": ", ".join(vals[:3])})
    return pd.DataFrame(rows, columns=["file", "kind", "count", "examples"])


def raw_values_from_customers(customers: pd.DataFrame) -> dict[str, list[str]]:
    """Raw names, e-mails and phones of a customers table (standardised and ``_raw`` columns).

    Names are full names (``first_name last_name`` in both orders, and
    ``full_name``), so that common words are not mistaken for a person.

    Examples
    --------
    >>> import pandas as pd
    >>> v = raw_values_from_customers(pd.DataFrame({"first_name": ["Ana"], "last_name": ["Lee"],
    ...                                             "email": ["a@x.io"]}))
    >>> v["names"], v["emails"]
    (['Ana Lee', 'Lee Ana'], ['a@x.io'])
    """
    def cols(*names):
        return [c for c in customers.columns if any(c == n or c == f"{n}_raw" for n in names)]

    names: set[str] = set()
    for suffix in ("", "_raw"):
        f, last = f"first_name{suffix}", f"last_name{suffix}"
        if f in customers and last in customers:
            ok = customers[f].notna() & customers[last].notna()
            a = customers.loc[ok, f].astype(str).str.strip()
            b = customers.loc[ok, last].astype(str).str.strip()
            names.update(a + " " + b)
            names.update(b + " " + a)
    for c in cols("full_name"):
        names.update(customers[c].dropna().astype(str))
    emails = set()
    for c in cols("email"):
        emails.update(customers[c].dropna().astype(str))
    phones = set()
    for c in cols("phone"):
        phones.update(customers[c].dropna().astype(str))
    return {"names": _clean(names), "emails": _clean(emails), "phones": _clean(phones)}


def scan_run(run_dir, customers: pd.DataFrame | None = None, *, patterns=REPORT_PATTERNS,
             any_email: bool = True) -> pd.DataFrame:
    """Scan a run folder's reports for the raw values of ``customers``.

    Scans HTML reports, executed notebooks, ``summary.json``, figures and the
    files stages write for people (catalogue CSV, Markdown) — not ``data/``
    (tables) nor ``exports/``, which hold personal data by design.

    Examples
    --------
    >>> import tempfile
    >>> scan_run(tempfile.mkdtemp()).empty
    True
    """
    run_dir = Path(run_dir)
    files = sorted({p for pat in patterns for p in run_dir.glob(pat)
                    if "exports" not in p.parts and p.parent.name != "data" and p.is_file()})
    values = raw_values_from_customers(customers) if customers is not None else \
        {"names": [], "emails": [], "phones": []}
    return scan_paths(files, any_email=any_email, **values)
