"""Audience exporters (plugins of the ``exporters`` registry) and the export pipeline.

An exporter turns the audience table (golden records joined with segments,
RFM, CLV and churn scores) into the field layout a tool imports, and writes it.
Built-ins: ``csv`` (UTF-8, optional BOM for Excel), ``parquet``, ``mailchimp``,
``hubspot``, ``salesforce`` (contact import) and ``google_ads_customer_match``
(e-mail, phone and names normalised and SHA-256 hashed as Google requires;
country and postcode in clear). A plugin subclasses :class:`Exporter` and
overrides :meth:`Exporter.layout`.

Every export goes through the same steps (:func:`export_audience`): segment and
audience filters, the consent filter of its purpose (the excluded count is
reported), optional keyed pseudonymisation of ``customer_id``, the tool's
layout, neutralisation of formula-like CSV cells, and the write.

Examples
--------
>>> import pandas as pd
>>> aud = pd.DataFrame({"customer_id": ["C1"], "email": ["Ana@Example.com "],
...                     "first_name": ["Ana"], "last_name": ["Lee"], "segment": ["Champions"]})
>>> exporters.get("mailchimp")().layout(aud).columns.tolist()
['Email Address', 'First Name', 'Last Name', 'Tags']
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ClassVar

import pandas as pd

from ..registry import exporters
from .consent import filter_by_consent, withhold_shared_values
from .safety import CSV_LINE_END, neutralise_formulas

__all__ = ["Exporter", "CsvExporter", "ParquetExporter", "MailchimpExporter",
           "HubspotExporter", "SalesforceExporter", "GoogleAdsCustomerMatchExporter",
           "ExportResult", "build_audience", "export_audience", "normalise_email_google",
           "sha256_hex", "DEFAULT_FIELDS"]

#: Columns of the generic csv/parquet exports when ``fields`` is empty.
DEFAULT_FIELDS = ["customer_id", "first_name", "last_name", "email", "phone", "segment"]


def _missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name] if name in df else pd.Series(None, index=df.index, dtype=object)


def sha256_hex(values: pd.Series) -> pd.Series:
    """SHA-256 hex digests of text values (missing and empty stay missing).

    Examples
    --------
    >>> import pandas as pd
    >>> sha256_hex(pd.Series(["abc", None]))[0][:16]
    'ba7816bf8f01cfea'
    """
    def h(v):
        if _missing(v) or v == "":
            return None
        return hashlib.sha256(str(v).encode("utf-8")).hexdigest()

    # object dtype built directly: pandas 3 would infer str and turn None into NaN
    return pd.Series([h(v) for v in values], index=values.index, dtype=object)


def normalise_email_google(email) -> str | None:
    """E-mail normalised for Customer Match: trimmed, lower-case, no dots in gmail local parts.

    Examples
    --------
    >>> normalise_email_google(" Jane.Doe@GMail.com ")
    'janedoe@gmail.com'
    >>> normalise_email_google("Jane.Doe@example.com")
    'jane.doe@example.com'
    """
    if _missing(email):
        return None
    s = str(email).strip().lower()
    local, at, domain = s.rpartition("@")
    if not at:
        return s or None
    if domain in ("gmail.com", "googlemail.com"):
        local = local.replace(".", "")
    return f"{local}@{domain}"


def _e164(phone) -> str | None:
    if _missing(phone):
        return None
    s = str(phone).strip()
    digits = re.sub(r"\D", "", s)
    # Only numbers already in international form can be hashed the way Google matches them.
    return f"+{digits}" if s.startswith("+") and 7 <= len(digits) <= 15 else None


class Exporter:
    """Base class of exporters: a field layout and a file format.

    Parameters
    ----------
    fields : list of str, optional
        Columns to export (generic exporters).
    bom : bool
        CSV: write a UTF-8 byte order mark (Excel detects UTF-8 then).

    Examples
    --------
    >>> CsvExporter(bom=True).bom
    True
    """

    name: ClassVar[str] = "base"
    extension: ClassVar[str] = ".csv"

    def __init__(self, fields=None, bom: bool = False):
        self.fields = list(fields or [])
        self.bom = bom

    def layout(self, audience: pd.DataFrame) -> pd.DataFrame:
        """The tool's columns from the audience table."""
        cols = self.fields or [c for c in DEFAULT_FIELDS if c in audience.columns]
        missing = [c for c in cols if c not in audience.columns]
        if missing:
            from ..errors import CdmkitError

            raise CdmkitError(f"export fields not in the audience table: {', '.join(missing)} "
                              f"(available: {', '.join(audience.columns)})")
        return audience[cols].copy()

    def write(self, df: pd.DataFrame, path) -> Path:
        """Write ``df`` to ``path`` (CSV cells neutralised against formula injection).

        Examples
        --------
        >>> import tempfile, pathlib, pandas as pd
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
        >>> _ = CsvExporter(bom=True).write(pd.DataFrame({"a": ["=1"]}), p)
        >>> p.read_bytes()[:3] == b"\\xef\\xbb\\xbf", p.read_bytes()[3:]
        (True, b"a\\r\\n'=1\\r\\n")
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # CRLF line ends: the csv writer then quotes every cell holding \r or \n.
        neutralise_formulas(df).to_csv(path, index=False,
                                       encoding="utf-8-sig" if self.bom else "utf-8",
                                       lineterminator=CSV_LINE_END)
        return path


@exporters.register("csv")
class CsvExporter(Exporter):
    """Generic CSV (UTF-8; ``bom: true`` for Excel) with the chosen ``fields``.

    Examples
    --------
    >>> import pandas as pd
    >>> CsvExporter(fields=["customer_id"]).layout(pd.DataFrame({"customer_id": ["C1"],
    ...                                                          "x": [1]})).columns.tolist()
    ['customer_id']
    """

    name = "csv"


@exporters.register("parquet")
class ParquetExporter(Exporter):
    """Parquet with the chosen ``fields`` (types kept; no formula risk).

    Examples
    --------
    >>> ParquetExporter.extension
    '.parquet'
    """

    name = "parquet"
    extension = ".parquet"

    def write(self, df, path):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        df.to_parquet(path, index=False)
        return path


def _tags(audience: pd.DataFrame) -> pd.Series:
    parts = [c for c in ("segment", "cluster_label") if c in audience]
    if not parts:
        return pd.Series("", index=audience.index)
    tags = audience[parts].astype("string").fillna("")
    # Tags are comma-separated in Mailchimp: keep one label per segment column, no duplicates.
    return tags.apply(lambda r: ",".join(dict.fromkeys(v for v in r if v)), axis=1)


@exporters.register("mailchimp")
class MailchimpExporter(Exporter):
    """Mailchimp audience import: Email Address, First Name, Last Name, Tags.

    Examples
    --------
    >>> import pandas as pd
    >>> out = MailchimpExporter().layout(pd.DataFrame({"email": ["a@b.co"], "segment": ["VIP"],
    ...                                                "cluster_label": ["Big spenders"]}))
    >>> out["Tags"][0]
    'VIP,Big spenders'
    """

    name = "mailchimp"

    def layout(self, audience):
        return pd.DataFrame({"Email Address": _col(audience, "email"),
                             "First Name": _col(audience, "first_name"),
                             "Last Name": _col(audience, "last_name"),
                             "Tags": _tags(audience)}).dropna(subset=["Email Address"])


@exporters.register("hubspot")
class HubspotExporter(Exporter):
    """HubSpot contacts import: Email, First Name, Last Name, Phone Number, Lifecycle Stage.

    The lifecycle stage is ``customer`` for customers with purchases (in the
    RFM table, or with ``frequency`` > 0) and ``subscriber`` otherwise.

    Examples
    --------
    >>> import pandas as pd
    >>> HubspotExporter().layout(pd.DataFrame({"email": ["a@b.co"], "frequency": [2]})
    ...                          )["Lifecycle Stage"].tolist()
    ['customer']
    """

    name = "hubspot"

    def layout(self, audience):
        bought = pd.to_numeric(_col(audience, "frequency"), errors="coerce").fillna(0) > 0
        if "monetary_value" in audience:
            bought |= pd.to_numeric(audience["monetary_value"], errors="coerce").fillna(0) > 0
        return pd.DataFrame({"Email": _col(audience, "email"),
                             "First Name": _col(audience, "first_name"),
                             "Last Name": _col(audience, "last_name"),
                             "Phone Number": _col(audience, "phone"),
                             "Lifecycle Stage": bought.map({True: "customer",
                                                            False: "subscriber"}),
                             "Customer ID": _col(audience, "customer_id"),
                             "Segment": _col(audience, "segment")})


@exporters.register("salesforce")
class SalesforceExporter(Exporter):
    """Salesforce contact import (Data Import Wizard field names).

    Examples
    --------
    >>> SalesforceExporter().layout(__import__("pandas").DataFrame({"last_name": ["Lee"]})
    ...                             ).columns.tolist()[:3]
    ['FirstName', 'LastName', 'Email']
    """

    name = "salesforce"

    def layout(self, audience):
        return pd.DataFrame({"FirstName": _col(audience, "first_name"),
                             "LastName": _col(audience, "last_name"),
                             "Email": _col(audience, "email"),
                             "Phone": _col(audience, "phone"),
                             "MailingPostalCode": _col(audience, "postcode"),
                             "MailingCountry": _col(audience, "country"),
                             "Customer_ID__c": _col(audience, "customer_id"),
                             "Segment__c": _col(audience, "segment")})


@exporters.register("google_ads_customer_match")
class GoogleAdsCustomerMatchExporter(Exporter):
    """Google Ads Customer Match upload: Email, Phone, First Name, Last Name hashed; Country, Zip.

    Before hashing with plain SHA-256 (Google's specification; no key), values
    are trimmed and lower-cased, dots are removed from gmail.com/googlemail.com
    local parts, and phones are in E.164 (``+`` and digits; numbers without a
    country code are left out). Rows with neither e-mail nor phone are dropped.

    Examples
    --------
    >>> import pandas as pd
    >>> out = GoogleAdsCustomerMatchExporter().layout(pd.DataFrame(
    ...     {"email": [" Ana@Example.com"], "phone": ["+98 912 123 4567"], "country": ["IR"]}))
    >>> out["Email"][0] == __import__("hashlib").sha256(b"ana@example.com").hexdigest()
    True
    >>> out["Country"][0]
    'IR'
    """

    name = "google_ads_customer_match"

    def layout(self, audience):
        email = _col(audience, "email").map(normalise_email_google)
        phone = _col(audience, "phone").map(_e164)

        def name(c):
            return _col(audience, c).astype("string").str.strip().str.lower()

        out = pd.DataFrame({"Email": sha256_hex(email), "Phone": sha256_hex(phone),
                            "First Name": sha256_hex(name("first_name")),
                            "Last Name": sha256_hex(name("last_name")),
                            "Country": _col(audience, "country"),
                            "Zip": _col(audience, "postcode")})
        return out[out["Email"].notna() | out["Phone"].notna()]


def build_audience(golden: pd.DataFrame, segments=None, rfm=None, clv=None,
                   churn_scores=None) -> pd.DataFrame:
    """Golden records with segment, RFM, CLV and churn columns, one row per customer.

    ``segment`` is the RFM segment (``rfm_segment``, or ``segment`` of the RFM
    table), else the cluster label.

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"customer_id": ["C1", "C2"], "email": ["a@b.co", None]})
    >>> s = pd.DataFrame({"customer_id": ["C1"], "rfm_segment": ["Champions"],
    ...                   "cluster": [0], "cluster_label": ["Loyal"]})
    >>> build_audience(g, s)[["customer_id", "segment"]].values.tolist()
    [['C1', 'Champions'], ['C2', None]]
    """
    out = golden.copy()
    for extra, cols in ((segments, ["rfm_segment", "cluster", "cluster_label"]),
                        (rfm, ["frequency", "recency", "monetary_value", "segment"]),
                        (clv, ["p_alive", "expected_purchases", "expected_spend", "clv"]),
                        (churn_scores, ["churn_probability"])):
        if extra is None or "customer_id" not in extra:
            continue
        keep = [c for c in cols if c in extra and c not in out]
        if keep:
            out = out.merge(extra[["customer_id"] + keep].drop_duplicates("customer_id"),
                            on="customer_id", how="left")
    if "rfm_segment" in out:
        seg = out["rfm_segment"]
        if "segment" in out:
            seg = seg.fillna(out["segment"])
        out["segment"] = seg
    elif "segment" not in out and "cluster_label" in out:
        out["segment"] = out["cluster_label"]
    if "segment" in out:
        out["segment"] = out["segment"].astype(object).where(out["segment"].notna(), None)
    return out


@dataclass
class ExportResult:
    """Outcome of one export (counts only, no personal data).

    Examples
    --------
    >>> ExportResult("x", "csv", "x.csv", "email_marketing", 10, 8, 5).excluded_consent
    3
    """

    name: str
    exporter: str
    path: str
    purpose: str
    audience: int
    after_filters: int
    rows: int
    consent_column: str = ""
    pseudonymised: bool = False
    note: str = ""

    @property
    def excluded_consent(self) -> int:
        """Customers left out for lack of consent."""
        return self.after_filters - self._consented

    _consented: int = -1

    def __post_init__(self):
        if self._consented < 0:
            self._consented = self.rows

    def to_dict(self) -> dict:
        """Plain dict for tables and ``summary.json``.

        Examples
        --------
        >>> ExportResult("x", "csv", "x.csv", "p", 1, 1, 1).to_dict()["excluded_consent"]
        0
        """
        d = asdict(self)
        d.pop("_consented")
        d["consented"] = self._consented
        d["excluded_consent"] = self.excluded_consent
        return d


def export_audience(audience: pd.DataFrame, spec, out_dir, *, purposes=None, key=None
                    ) -> ExportResult:
    """Filter, consent-check, lay out and write one export.

    Parameters
    ----------
    audience : DataFrame
        From :func:`build_audience`.
    spec : ExportConfig or dict
        ``name``, ``exporter``, ``segments``, ``audience``, ``purpose``,
        ``pseudonymise``, ``bom``, ``fields``.
    out_dir : path
        Folder of the export file (``<name><extension>``).
    purposes : dict, optional
        Purpose -> consent column (default :data:`cdmkit.config.activation.DEFAULT_PURPOSES`).
    key : str, optional
        Pseudonymisation key (required when ``spec.pseudonymise``).

    Returns
    -------
    ExportResult

    Raises
    ------
    CdmkitError
        When pseudonymisation is asked for without a key.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> aud = pd.DataFrame({"customer_id": ["C1", "C2"], "email": ["a@b.co", "c@d.co"],
    ...                     "consent_email": [True, False]})
    >>> r = export_audience(aud, {"name": "n", "exporter": "csv"}, tempfile.mkdtemp())
    >>> r.rows, r.excluded_consent
    (1, 1)
    """
    from ..config.activation import ExportConfig

    spec = spec if isinstance(spec, ExportConfig) else ExportConfig.model_validate(spec)
    df = audience
    if spec.segments:
        wanted = set(spec.segments)
        hit = pd.Series(False, index=df.index)
        for c in ("segment", "rfm_segment", "cluster_label"):
            if c in df:
                hit |= df[c].astype("string").isin(wanted).fillna(False)
        df = df[hit.values]
    if spec.audience:
        df = df.query(spec.audience, engine="python")
    after = len(df)
    df, consent = filter_by_consent(df, spec.purpose, purposes)
    # Consent per value too: nothing shared with someone who did not consent leaves.
    df, withheld = withhold_shared_values(df, audience, spec.purpose, purposes)
    note = consent.note
    if withheld:
        note = "; ".join(filter(None, [note, f"{withheld} values withheld: shared with a "
                                             "customer without consent"]))
    if spec.pseudonymise:
        if not key:
            from ..errors import CdmkitError

            raise CdmkitError(f"export {spec.name!r} asks for pseudonymisation but no key was "
                              "given: set the environment variable named by "
                              "privacy.pseudonym_key_env")
        from ..privacy.pseudonymise import check_key, pseudonymise_frame

        check_key(key)
        df = pseudonymise_frame(df, ["customer_id"], key)
    exporter = exporters.get(spec.exporter)(fields=spec.fields, bom=spec.bom)
    table = exporter.layout(df)
    path = Path(out_dir) / f"{spec.name}{exporter.extension}"
    exporter.write(table, path)
    return ExportResult(spec.name, spec.exporter, str(path), spec.purpose, len(audience), after,
                        len(table), consent.column, spec.pseudonymise, note,
                        _consented=consent.included)
