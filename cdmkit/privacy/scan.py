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
_FOLD = str.maketrans({"\u064a": "\u06cc", "\u0643": "\u06a9", "\u0649": "\u06cc",
                       "\u200c": " "})


def _norm_text(s: str) -> str:
    return unicodedata.normalize("NFKC", html.unescape(s)).translate(_FOLD)


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
        s = unicodedata.normalize("NFKC", str(v)).translate(_FOLD).strip()
        if s:
            out.append(s)
    return sorted(set(out))


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
    t = _norm_text(text)
    hits: list[dict] = []
    email_set = {e.lower() for e in _clean(emails)}
    found_emails = {m.group(0).lower().strip(".") for m in _EMAIL_FIND.finditer(t)}
    for e in sorted(found_emails):
        known = e in email_set
        if known or (any_email and e.split("@")[-1] not in ignore_domains):
            hits.append({"kind": "email", "value": masker_for("email")(e), "known": known})
    phone_keys = {}
    for p in _clean(phones):
        k = _phone_key(p)
        if k:
            phone_keys.setdefault(k, p)
    if phone_keys:
        # A run with exactly one dot is a decimal number (0.8549270072), not a phone.
        found = {_phone_key(m.group(0)) for m in _DIGIT_RUN.finditer(t)
                 if m.group(0).count(".") != 1}
        for k in sorted(found & set(phone_keys)):
            hits.append({"kind": "phone", "value": masker_for("phone")(phone_keys[k]),
                         "known": True})
    name_list = _clean(names)
    if name_list:
        # A single word ("Rose") or two kanji could be ordinary text: only full names count.
        spaced = [n for n in name_list if not _CJK.search(n) and len(re.findall(r"\w+", n)) >= 2]
        cjk = [n for n in name_list if _CJK.search(n) and len(n.replace(" ", "")) >= 3]
        if spaced:
            words = re.findall(r"\w+", t)
            n_max = max(len(re.findall(r"\w+", n)) for n in spaced)
            grams = set()
            for n in range(1, n_max + 1):
                grams.update(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
            for name in spaced:
                if " ".join(re.findall(r"\w+", name)) in grams:
                    hits.append({"kind": "name", "value": masker_for("full_name")(name),
                                 "known": True})
        for name in cjk:  # no word boundaries in Japanese: substring search
            if name in t:
                hits.append({"kind": "name", "value": masker_for("full_name")(name),
                             "known": True})
    return hits


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
    for p in paths:
        p = Path(p)
        try:
            text = p.read_text(encoding="utf-8", errors="replace")
        except (IsADirectoryError, FileNotFoundError):
            continue
        hits = scan_text(text, names=names, emails=emails, phones=phones, any_email=any_email)
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
