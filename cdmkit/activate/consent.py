"""Consent filtering: only customers whose consent covers an export's purpose.

Each purpose maps to a consent column of the golden table (configurable in
``activation.purposes``; e.g. ``email_marketing: consent_email``). A customer
is included only when that column is true; missing consent is no consent.

Consent is also applied to every exported *value*: an e-mail address, phone
number or postal address that a consenting customer shares with a customer
without consent (a family mailbox, a household landline, the home address of a
household member who opted out) is withheld (:func:`withhold_shared_values`):
exporting it would reach the person who said no.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"customer_id": ["a", "b", "c"], "consent_email": [True, False, None]})
>>> kept, rep = filter_by_consent(df, "email_marketing")
>>> kept["customer_id"].tolist(), rep.excluded
(['a'], 2)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config.activation import DEFAULT_PURPOSES

__all__ = ["ConsentReport", "filter_by_consent", "consent_column", "withhold_shared_values",
           "ADDRESS_FIELDS"]

#: Address columns withheld together when the address is shared with someone without consent.
ADDRESS_FIELDS = ("street", "address_line2", "postcode")


@dataclass(frozen=True)
class ConsentReport:
    """Counts of a consent filter.

    Examples
    --------
    >>> ConsentReport("p", "consent_email", 3, 1).excluded
    2
    """

    purpose: str
    column: str
    total: int
    included: int
    note: str = ""

    @property
    def excluded(self) -> int:
        """Customers left out for lack of consent."""
        return self.total - self.included


def consent_column(purpose: str, purposes: dict | None = None) -> str:
    """The consent column of a purpose (a ``consent_*`` column name is its own column).

    Raises
    ------
    KeyError
        For an unknown purpose, listing the known ones.

    Examples
    --------
    >>> consent_column("profiling"), consent_column("consent_sms")
    ('consent_profiling', 'consent_sms')
    """
    purposes = DEFAULT_PURPOSES if purposes is None else purposes
    if purpose in purposes:
        return purposes[purpose]
    if purpose.startswith("consent_"):
        return purpose
    raise KeyError(f"unknown purpose {purpose!r}; known: {', '.join(sorted(purposes))}")


def _truthy(s: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        return s.fillna(False).astype(bool)
    text = s.astype("string").str.strip().str.lower()
    return text.isin(["true", "1", "yes", "y", "t", "1.0"]).fillna(False).astype(bool)


def filter_by_consent(df: pd.DataFrame, purpose: str, purposes: dict | None = None
                      ) -> tuple[pd.DataFrame, ConsentReport]:
    """Rows of ``df`` whose consent covers ``purpose``, and the counts.

    A missing consent column means nobody has consented (everyone excluded,
    with a note): private by default.

    Examples
    --------
    >>> import pandas as pd
    >>> kept, rep = filter_by_consent(pd.DataFrame({"customer_id": ["a"]}), "profiling")
    >>> len(kept), rep.note
    (0, "column 'consent_profiling' not in the audience: nobody included")
    """
    col = consent_column(purpose, purposes)
    if col not in df.columns:
        return df.iloc[:0].copy(), ConsentReport(purpose, col, len(df), 0,
                                                 f"column {col!r} not in the audience: "
                                                 "nobody included")
    ok = _truthy(df[col])
    kept = df[ok.values].copy()
    return kept, ConsentReport(purpose, col, len(df), len(kept))


def _norm_email(v):
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    s = str(v).strip().casefold()
    return s or None


def _norm_phone(v):
    import re

    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    d = re.sub(r"\D", "", str(v))
    return d[-9:] if len(d) >= 7 else None


def _norm_address(street, postcode):
    import re

    if street is None or street is pd.NA or (isinstance(street, float) and street != street):
        return None
    st = re.sub(r"\W+", "", str(street).casefold())
    pc = "" if postcode is None or postcode is pd.NA or (isinstance(postcode, float)
                                                       and postcode != postcode) \
        else re.sub(r"\W+", "", str(postcode).casefold())
    return f"{st}|{pc}" if st else None


def withhold_shared_values(kept: pd.DataFrame, everyone: pd.DataFrame, purpose: str,
                           purposes: dict | None = None) -> tuple[pd.DataFrame, int]:
    """Blank the values of ``kept`` that a customer without consent shares.

    Parameters
    ----------
    kept : DataFrame
        Consenting customers about to be exported.
    everyone : DataFrame
        The whole audience (consenting or not).
    purpose : str
        The export's purpose (its consent column decides who said no).

    Returns
    -------
    kept : DataFrame
        Copy with shared ``email``, ``phone`` and address values (street, address_line2,
        postcode; also when a member of the same ``household_id`` lacks consent) set to missing.
    withheld : int
        Number of values blanked.

    Examples
    --------
    >>> import pandas as pd
    >>> everyone = pd.DataFrame({"customer_id": ["a", "b"], "household_id": ["H1", "H1"],
    ...                          "email": ["fam@x.org", "FAM@x.org"],
    ...                          "street": ["1 Elm", "1 Elm"], "consent_email": [True, False]})
    >>> kept, _ = filter_by_consent(everyone, "email_marketing")
    >>> out, n = withhold_shared_values(kept, everyone, "email_marketing")
    >>> out[["email", "street"]].values.tolist(), n
    ([[None, None]], 2)
    """
    col = consent_column(purpose, purposes)
    if not len(kept) or not len(everyone):
        return kept, 0
    said_no = everyone[~_truthy(everyone[col]).values] if col in everyone else everyone
    if not len(said_no):
        return kept, 0
    out = kept.copy()
    withheld = 0

    def blank(mask, cols):
        nonlocal withheld
        for c in cols:
            if c in out:
                hit = mask & out[c].notna().to_numpy()
                if hit.any():
                    out[c] = out[c].astype(object)
                    out.loc[hit, c] = None
                    withheld += int(hit.sum())

    for c, norm in (("email", _norm_email), ("phone", _norm_phone)):
        if c in out and c in said_no:
            theirs = set(said_no[c].map(norm).dropna())
            blank(out[c].map(norm).isin(theirs).to_numpy(), [c])
    addr = np.zeros(len(out), dtype=bool)
    if "street" in out and "street" in said_no:
        pc = "postcode" if "postcode" in said_no and "postcode" in out else None

        def keys(df):
            return [_norm_address(s, p) for s, p in
                    zip(df["street"], df[pc] if pc else [None] * len(df))]

        theirs = set(k for k in keys(said_no) if k)
        addr |= np.array([k in theirs for k in keys(out)], dtype=bool)
    if "household_id" in out and "household_id" in said_no:
        addr |= out["household_id"].isin(set(said_no["household_id"].dropna())).to_numpy()
    blank(addr, ADDRESS_FIELDS)
    return out, withheld
