"""Helpers on the canonical tables shared by several stages.

Examples
--------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_source": ["shop", "shop"], "customer_ref": ["1", "9"],
...                    "amount": [5.0, 7.0]})
>>> cmap = pd.DataFrame({"source": ["shop"], "record_id": ["1"], "customer_id": ["C000001"]})
>>> attach_customer_id(tx, cmap)["customer_id"].tolist()
['C000001', None]
"""

from __future__ import annotations

import pandas as pd

from . import GLOBAL_ID

__all__ = ["attach_customer_id"]


def attach_customer_id(df: pd.DataFrame, customer_map: pd.DataFrame | None) -> pd.DataFrame:
    """Add the global ``customer_id`` to an activity table (transactions, events, interactions).

    Rows are matched on ``(customer_source, customer_ref)`` against the
    ``(source, record_id)`` of ``customer_map``. Rows whose ``customer_source``
    is missing (a source with no customers source, such as a shop export keyed
    by its own customer number) use ``customer_ref`` itself as the ID. Rows whose
    reference matches no customer record get ``None`` (orphans, reported by the
    validation stage's referential-integrity rule), never a made-up ID.

    Parameters
    ----------
    df : DataFrame
        Activity table with ``customer_ref`` and optionally ``customer_source``.
    customer_map : DataFrame or None
        ``source``, ``record_id``, ``customer_id`` from the linkage stage.

    Returns
    -------
    DataFrame
        A copy of ``df`` with a ``customer_id`` column (object dtype), same row order.

    Examples
    --------
    >>> import pandas as pd
    >>> attach_customer_id(pd.DataFrame({"customer_ref": ["17850"]}), None)["customer_id"][0]
    '17850'
    """
    out = df.copy()
    ref = out["customer_ref"].astype("string") if "customer_ref" in out else \
        pd.Series(pd.NA, index=out.index, dtype="string")
    src = out["customer_source"].astype("string") if "customer_source" in out else \
        pd.Series(pd.NA, index=out.index, dtype="string")
    ids = pd.Series(None, index=out.index, dtype=object)
    own = src.isna() & ref.notna()
    ids[own] = ref[own].astype(object)
    if customer_map is not None and len(customer_map) and (~own).any():
        keys = pd.MultiIndex.from_arrays([customer_map["source"].astype(str),
                                          customer_map["record_id"].astype(str)])
        lookup = pd.Series(customer_map[GLOBAL_ID].astype(object).values, index=keys)
        lookup = lookup[~lookup.index.duplicated()]
        probe = pd.MultiIndex.from_arrays([src[~own].fillna("").astype(str),
                                           ref[~own].fillna("").astype(str)])
        ids[~own] = lookup.reindex(probe).values
    out[GLOBAL_ID] = ids.where(ids.notna(), None)
    return out
