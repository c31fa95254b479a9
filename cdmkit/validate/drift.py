"""Drift between two runs of the same client.

The previous run is the newest other *successful* run folder of the client (by
the time its ``summary.json`` was written) — the ``latest`` link, scratch
folders without a summary and runs whose summary says a stage failed are
skipped, so a failed run is never the baseline. The comparison covers row counts per table,
null rates per column, new and lost customers, the segment migration matrix,
ID changes (this run's merges, splits and new IDs, and records whose ID
changed), distribution shifts of key numbers (population stability index and
the Kolmogorov-Smirnov statistic), and changes of numeric key figures.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> a, b = rng.normal(size=2000), rng.normal(size=2000)
>>> psi(a, b) < 0.05, psi(a, b + 1) > 0.25
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..runfolder import ClientRuns, RunFolder

__all__ = ["DriftReport", "compare_runs", "previous_run_dir", "psi", "ks_statistic",
           "segment_migration", "DISTRIBUTION_COLUMNS"]

#: table -> numeric columns whose distribution shift is measured.
DISTRIBUTION_COLUMNS = {
    "transactions": ["amount"],
    "rfm": ["frequency", "recency", "monetary_value"],
    "clv": ["clv", "p_alive", "expected_purchases"],
    "churn_scores": ["churn_probability"],
}
_NULL_TABLES = ("customers", "transactions", "events", "interactions", "golden")


def previous_run_dir(run_dir) -> Path | None:
    """The newest successful sibling run folder that is not ``run_dir``.

    A run counts when its ``summary.json`` exists and does not say ``"ok": false``
    (a run with a failed stage has partial tables: comparing with it would report
    drift that is only the failure).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for r in ("r1", "r2"):
    ...     (d / r).mkdir(); _ = (d / r / "summary.json").write_text("{}")
    >>> previous_run_dir(d / "r2").name
    'r1'
    """
    run_dir = Path(run_dir).resolve()
    prev = ClientRuns(run_dir.parent).previous_successful(run_dir)
    return prev.path if prev is not None else None


def psi(expected, actual, bins: int = 10) -> float:
    """Population stability index of ``actual`` against ``expected`` (quantile bins).

    ``PSI = sum((a_i - e_i) * ln(a_i / e_i))`` over bins cut at the quantiles of
    ``expected``; empty bins get a small floor so the log stays finite. Below
    0.1 is usually read as stable, above 0.25 as a major shift.

    Examples
    --------
    >>> psi([1, 2, 3, 4], [1, 2, 3, 4])
    0.0
    """
    e = pd.to_numeric(pd.Series(expected), errors="coerce").dropna().to_numpy(float)
    a = pd.to_numeric(pd.Series(actual), errors="coerce").dropna().to_numpy(float)
    if len(e) == 0 or len(a) == 0:
        return float("nan")
    edges = np.unique(np.quantile(e, np.linspace(0, 1, bins + 1)))
    if len(edges) < 2:
        edges = np.array([e[0] - 0.5, e[0] + 0.5])
    edges[0], edges[-1] = -np.inf, np.inf
    ec = np.histogram(e, edges)[0] / len(e)
    ac = np.histogram(a, edges)[0] / len(a)
    ec, ac = np.clip(ec, 1e-4, None), np.clip(ac, 1e-4, None)
    value = float(np.sum((ac - ec) * np.log(ac / ec)))
    return round(value, 12) if abs(value) > 1e-12 else 0.0


def ks_statistic(expected, actual) -> float:
    """Two-sample Kolmogorov-Smirnov statistic (largest gap between the two CDFs).

    Examples
    --------
    >>> ks_statistic([1, 2, 3], [4, 5, 6])
    1.0
    """
    from scipy.stats import ks_2samp

    e = pd.to_numeric(pd.Series(expected), errors="coerce").dropna()
    a = pd.to_numeric(pd.Series(actual), errors="coerce").dropna()
    if len(e) == 0 or len(a) == 0:
        return float("nan")
    return float(ks_2samp(e, a).statistic)


def segment_migration(prev: pd.DataFrame, curr: pd.DataFrame, column: str | None = None
                      ) -> pd.DataFrame:
    """Customers by previous segment (rows) and current segment (columns).

    Only customers present in both runs count; ``column`` defaults to
    ``rfm_segment``, else ``segment``, else ``cluster_label``.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"customer_id": ["a", "b"], "rfm_segment": ["X", "X"]})
    >>> c = pd.DataFrame({"customer_id": ["a", "b"], "rfm_segment": ["X", "Y"]})
    >>> segment_migration(p, c).values.tolist()
    [[1, 1]]
    """
    if column is None:
        column = next((c for c in ("rfm_segment", "segment", "cluster_label")
                       if c in prev and c in curr), None)
    if column is None:
        return pd.DataFrame()
    m = prev[["customer_id", column]].merge(curr[["customer_id", column]], on="customer_id",
                                            suffixes=("_previous", "_current"))
    return pd.crosstab(m[f"{column}_previous"], m[f"{column}_current"]).rename_axis(
        index="previous", columns="current")


@dataclass
class DriftReport:
    """Differences between a run and the previous run.

    Examples
    --------
    >>> DriftReport(None).figures()["drift_previous_run"] is None
    True
    """

    previous_run: str | None
    row_counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    null_rates: pd.DataFrame = field(default_factory=pd.DataFrame)
    customers: dict = field(default_factory=dict)
    migration: pd.DataFrame = field(default_factory=pd.DataFrame)
    id_changes: dict = field(default_factory=dict)
    distributions: pd.DataFrame = field(default_factory=pd.DataFrame)
    key_figures: pd.DataFrame = field(default_factory=pd.DataFrame)
    alerts: list = field(default_factory=list)

    @property
    def segment_stability(self) -> float | None:
        """Share of customers kept in the same segment (diagonal of the migration matrix)."""
        m = self.migration
        if m is None or m.empty or m.values.sum() == 0:
            return None
        same = sum(m.loc[s, s] for s in m.index if s in m.columns)
        return float(same / m.values.sum())

    def figures(self) -> dict:
        """Drift figures for ``summary.json`` (recorded under ``drift``)."""
        rc = {} if self.row_counts.empty else {
            r.table: {"previous": int(r.rows_previous), "current": int(r.rows_current)}
            for r in self.row_counts.itertuples()}
        dist = {} if self.distributions.empty else {
            f"{r.table}.{r.column}": {"psi": r.psi, "ks": r.ks}
            for r in self.distributions.itertuples()}
        max_null = None if self.null_rates.empty else \
            float(self.null_rates["change"].abs().max())
        return {"drift_previous_run": self.previous_run,
                "drift": {"previous_run": self.previous_run, "row_counts": rc,
                          "customers": self.customers, "id_changes": self.id_changes,
                          "segment_stability": self.segment_stability,
                          "distributions": dist, "max_null_rate_change": max_null,
                          "alerts": list(self.alerts)}}


def _read(d: Path, name: str, columns=None) -> pd.DataFrame | None:
    run = RunFolder(d)
    if not run.has_table(name):
        return None
    try:
        return run.read_table(name, columns=columns)
    except Exception:  # a column missing in an older run
        return run.read_table(name)


def _figures(run: Path) -> dict:
    folder = RunFolder(run)
    if folder.has_summary():
        stages = folder.summary().get("stages") or {}
        if stages:
            return stages
    return folder.stage_figures()


def compare_runs(current, previous, *, bins: int = 10, psi_alert: float = 0.25) -> DriftReport:
    """Compare run folder ``current`` with run folder ``previous``.

    Parameters
    ----------
    current, previous : path
        Run folders (``previous`` may be ``None``: empty report).
    bins : int
        PSI bins.
    psi_alert : float
        PSI above this is listed in ``alerts``.

    Returns
    -------
    DriftReport

    Examples
    --------
    >>> compare_runs("/nonexistent", None).previous_run is None
    True
    """
    if previous is None:
        return DriftReport(None)
    cur, prev = Path(current), Path(previous)
    rep = DriftReport(prev.name)
    rep.row_counts = _row_counts(RunFolder(cur), RunFolder(prev))
    rep.null_rates = _null_rates(cur, prev)
    _customers_and_ids(rep, cur, prev)
    rep.distributions = _distributions(rep, cur, prev, bins, psi_alert)
    rep.key_figures = _key_figures(cur, prev)
    return rep


def _row_counts(cur_run: RunFolder, prev_run: RunFolder) -> pd.DataFrame:
    rows = []
    for n in sorted(set(cur_run.tables()) | set(prev_run.tables())):
        ra, rb = prev_run.table_rows(n), cur_run.table_rows(n)
        rows.append({"table": n, "rows_previous": ra, "rows_current": rb, "change": rb - ra,
                     "change_pct": (rb - ra) / ra if ra else None})
    return pd.DataFrame(rows, columns=["table", "rows_previous", "rows_current", "change",
                                       "change_pct"])


def _null_rates(cur: Path, prev: Path) -> pd.DataFrame:
    """Null rates of the columns present in both runs."""
    nr = []
    for t in _NULL_TABLES:
        a, b = _read(prev, t), _read(cur, t)
        if a is None or b is None:
            continue
        for c in sorted(set(a.columns) & set(b.columns)):
            if c.endswith("_raw"):
                continue
            pa_, pb = float(a[c].isna().mean()) if len(a) else 0.0, \
                float(b[c].isna().mean()) if len(b) else 0.0
            nr.append({"table": t, "column": c, "null_previous": pa_, "null_current": pb,
                       "change": pb - pa_})
    return pd.DataFrame(nr, columns=["table", "column", "null_previous", "null_current",
                                     "change"])


def _customers_and_ids(rep: DriftReport, cur: Path, prev: Path) -> None:
    """New and lost customers, segment migration and ID changes."""
    for t in ("golden", "customer_map"):
        a, b = _read(prev, t, ["customer_id"]), _read(cur, t, ["customer_id"])
        if a is not None and b is not None:
            ia, ib = set(a["customer_id"].dropna().astype(str)), \
                set(b["customer_id"].dropna().astype(str))
            rep.customers = {"previous": len(ia), "current": len(ib), "kept": len(ia & ib),
                             "new": len(ib - ia), "lost": len(ia - ib)}
            break
    a, b = _read(prev, "segments"), _read(cur, "segments")
    if a is not None and b is not None:
        rep.migration = segment_migration(a, b)
    ic = _read(cur, "id_changes")
    if ic is not None and "event" in ic:
        rep.id_changes = {str(k): int(v) for k, v in ic["event"].value_counts().sort_index()
                          .items()}
    a, b = _read(prev, "customer_map"), _read(cur, "customer_map")
    if a is not None and b is not None:
        key = ["source", "record_id"]
        m = a[key + ["customer_id"]].astype(str).merge(b[key + ["customer_id"]].astype(str),
                                                       on=key, suffixes=("_p", "_c"))
        rep.id_changes["records_with_changed_id"] = int((m["customer_id_p"] !=
                                                         m["customer_id_c"]).sum())


def _distributions(rep: DriftReport, cur: Path, prev: Path, bins: int,
                   psi_alert: float) -> pd.DataFrame:
    """PSI and KS of the watched columns; a PSI above ``psi_alert`` becomes an alert."""
    dist = []
    for t, cols in DISTRIBUTION_COLUMNS.items():
        a, b = _read(prev, t), _read(cur, t)
        if a is None or b is None:
            continue
        for c in cols:
            if c in a and c in b:
                p = psi(a[c], b[c], bins)
                dist.append({"table": t, "column": c, "psi": p, "ks": ks_statistic(a[c], b[c]),
                             "mean_previous": float(pd.to_numeric(a[c], errors="coerce").mean()),
                             "mean_current": float(pd.to_numeric(b[c], errors="coerce").mean())})
                if p == p and p > psi_alert:
                    rep.alerts.append(f"{t}.{c}: PSI {p:.3f} above {psi_alert}")
    return pd.DataFrame(dist, columns=["table", "column", "psi", "ks", "mean_previous",
                                       "mean_current"])


def _key_figures(cur: Path, prev: Path) -> pd.DataFrame:
    """Numeric key figures of earlier stages, previous and current."""
    from .model_quality import flatten

    fp, fc = _figures(prev), _figures(cur)
    kf = []
    for stage in sorted(set(fp) & set(fc)):
        if stage == "validation":
            continue
        a, b = flatten(fp[stage]), flatten(fc[stage])
        for k in sorted(set(a) & set(b)):
            va, vb = a[k], b[k]
            if isinstance(va, bool) or isinstance(vb, bool):
                continue
            if isinstance(va, (int, float)) and isinstance(vb, (int, float)):
                kf.append({"stage": stage, "figure": k, "previous": va, "current": vb,
                           "change": vb - va})
    return pd.DataFrame(kf, columns=["stage", "figure", "previous", "current", "change"])
