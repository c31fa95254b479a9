"""Consent filtering: only customers whose consent covers an export's purpose.

Each purpose maps to a consent column of the golden table (configurable in
``activation.purposes``; e.g. ``email_marketing: consent_email``). A customer
is included only when that column is true; missing consent is no consent.

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

import pandas as pd

from ..config.activation import DEFAULT_PURPOSES

__all__ = ["ConsentReport", "filter_by_consent", "consent_column"]


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
