"""Values a cleaner could not read: emptied in the clean table, the original kept and flagged.

An analyst must see them, not find out later that "Channel Islands" became an empty country
on 906 lines. Only fields without personal data are listed (their originals are safe to
show); the others stay in the ``<field>_raw`` columns of the run's tables.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"country": ["GB", None, None], "country_raw": [None, "Channel Islands",
...                   "Channel Islands"], "country_valid": [True, False, False]})
>>> blanked_values({"transactions": t}).values.tolist()
[['transactions', 'country', 'Channel Islands', 2]]
"""

from __future__ import annotations

import pandas as pd

__all__ = ["blanked_values"]


def blanked_values(tables: dict, max_values: int = 20) -> pd.DataFrame:
    """Per table and field: originals that cleaning emptied, with their row counts.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Clean canonical tables (``<field>`` and ``<field>_raw`` columns).
    max_values : int
        Most frequent originals listed per field.

    Returns
    -------
    DataFrame
        ``table``, ``field``, ``original``, ``rows`` (personal-data fields left out).

    Examples
    --------
    >>> blanked_values({}).columns.tolist()
    ['table', 'field', 'original', 'rows']
    """
    from ..missing import is_present
    from ..model import FIELDS

    rows = []
    for kind, df in tables.items():
        fields = FIELDS.get(kind, {})
        for name, f in fields.items():
            raw = f"{name}_raw"
            if f.pii != "none" or name not in df or raw not in df:
                continue
            lost = df[name].isna() & is_present(df[raw])
            if not lost.any():
                continue
            counts = df.loc[lost, raw].astype(str).value_counts().head(max_values)
            rows += [(kind, name, v, int(n)) for v, n in counts.items()]
    return pd.DataFrame(rows, columns=["table", "field", "original", "rows"])
