"""What the analysis stage reads from a run: linked transactions, segments, activity.

Examples
--------
>>> import tempfile, pandas as pd
>>> from cdmkit.config import ClientConfig
>>> from cdmkit.stagerun import StageRun
>>> run = StageRun("analysis", ClientConfig(client="a"), tempfile.mkdtemp())
>>> _ = run.write_table("transactions", pd.DataFrame({"customer_ref": ["1", "1", "2"],
...     "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-15"]),
...     "amount": [3.0, 4.0, 5.0]}))
>>> inp = load_inputs(run)
>>> inp.has_amounts, len(inp.transactions), str(inp.observation_end.date())
(True, 3, '2024-02-01')
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..model import GLOBAL_ID

__all__ = ["AnalysisInputs", "load_inputs"]


@dataclass
class AnalysisInputs:
    """Tables the analysis works on, with global customer IDs attached.

    Attributes
    ----------
    transactions : DataFrame
        Purchase lines with ``customer_id``, cleaned by
        :func:`cdmkit.segment.returns.prepare_purchases` with the client's
        ``segmentation`` options (the same spend as the segmentation stage):
        non-product lines out, returns netted against the orders they cancel.
    returns_removed : int
        Return and cancellation lines found (all leave the purchases).
    segments : Series or None
        Customer -> segment name (RFM segment of the segmentation stage).
    events, interactions, customers, customer_map : DataFrame or None
        Optional tables.
    has_amounts : bool
        Whether purchase values are known (else monetary parts are skipped).
    observation_end : Timestamp
        End of the observation window (``reference_date`` or the newest purchase).
    notes : list of str
        What is missing and what is skipped because of it.
    returns : dict
        Report of :func:`~cdmkit.segment.returns.prepare_purchases` (matched and
        unmatched returns, non-product lines by kind).
    """

    transactions: pd.DataFrame
    returns_removed: int
    segments: pd.Series | None
    events: pd.DataFrame | None
    interactions: pd.DataFrame | None
    customers: pd.DataFrame | None
    customer_map: pd.DataFrame | None
    has_amounts: bool
    observation_end: pd.Timestamp
    notes: list = field(default_factory=list)
    returns: dict = field(default_factory=dict)


def load_inputs(ctx) -> AnalysisInputs:
    """Read the tables of a run for the analysis stage (see :class:`AnalysisInputs`)."""
    from ..segment.scope import purchases_in_scope
    from ..segment.stage import _prepare_amount
    from ..model.tables import attach_customer_id

    notes = []
    cmap = ctx.read_table("customer_map") if ctx.has_table("customer_map") else None
    if cmap is None:
        notes.append("no customer_map table (linkage not run): transactions keep the customer "
                     "number of their source (customer_ref); records of a customers source "
                     "count one customer each (source:customer_ref)")

    def activity(name):
        if not ctx.has_table(name):
            notes.append(f"no {name} table: {name} summaries and features are skipped")
            return None
        df = ctx.read_table(name)
        df = df if GLOBAL_ID in df and cmap is None else unlinked(attach_customer_id(df, cmap))
        return df[df[GLOBAL_ID].notna()].reset_index(drop=True)

    def unlinked(df):
        # Without linkage, records of a customers source keep one ID per source record.
        if cmap is None and "customer_source" in df and "customer_ref" in df:
            miss = df[GLOBAL_ID].isna() & df["customer_ref"].notna()
            df.loc[miss, GLOBAL_ID] = (df.loc[miss, "customer_source"].astype(str) + ":"
                                       + df.loc[miss, "customer_ref"].astype(str))
        return df

    tx = ctx.read_table("transactions")
    if GLOBAL_ID not in tx or cmap is not None:
        tx = unlinked(attach_customer_id(tx, cmap))
    tx = tx.copy()
    tx["timestamp"] = pd.to_datetime(tx["timestamp"], errors="coerce")
    if getattr(tx["timestamp"].dt, "tz", None) is not None:
        tx["timestamp"] = tx["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None)
    # The same scope as the segmentation stage: same returns, same customers.
    handled = purchases_in_scope(_prepare_amount(tx), ctx.config.segmentation, GLOBAL_ID)
    tx = handled.transactions.reset_index(drop=True)
    has_amounts = "amount" in tx and pd.to_numeric(tx["amount"], errors="coerce").gt(0).any()
    if not has_amounts:
        notes.append("transactions have no amounts: Gamma-Gamma, CLV in money, revenue "
                     "retention and spend features are skipped")
    ref = ctx.config.reference_date
    end = pd.Timestamp(ref) if ref else (tx["timestamp"].max() if len(tx) else pd.NaT)
    if ref:
        tx = tx[tx["timestamp"] <= end + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)]
    segments = None
    if ctx.has_table("segments"):
        s = ctx.read_table("segments")
        col = "rfm_segment" if "rfm_segment" in s else ("segment" if "segment" in s else None)
        if col:
            segments = s.set_index(GLOBAL_ID)[col].astype(str)
    elif ctx.has_table("rfm"):
        s = ctx.read_table("rfm")
        if "segment" in s:
            segments = s.set_index(GLOBAL_ID)["segment"].astype(str)
    if segments is None:
        notes.append("no segments table (segmentation not run): per-segment views are skipped")
    customers = ctx.read_table("customers") if ctx.has_table("customers") else None
    return AnalysisInputs(tx, int(handled.report["return_lines"]), segments, activity("events"),
                          activity("interactions"), customers, cmap, bool(has_amounts),
                          pd.Timestamp(end).normalize() if pd.notna(end) else end, notes,
                          returns=handled.report)
