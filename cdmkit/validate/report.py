"""The validation stage in one call: scorecard, schemas, linkage and model quality, drift, privacy.

:func:`validate_run` reads whatever tables a run has (stages may be missing:
a check whose table is absent is skipped with a note), and returns a
:class:`ValidationReport` with a pass/fail status, the reasons, and every
table the notebook shows. :meth:`ValidationReport.record` writes the key
figures to ``summary.json`` through the stage context.

Examples
--------
>>> import tempfile, pandas as pd
>>> from cdmkit.config import ClientConfig
>>> from cdmkit.report.context import StageContext
>>> ctx = StageContext("validation", ClientConfig(client="a"), tempfile.mkdtemp())
>>> _ = ctx.write_table("customers", pd.DataFrame({"source": ["s", "s"],
...                                                "record_id": ["1", "1"]}))
>>> rep = validate_run(ctx)
>>> rep.status, rep.failures[0]
('fail', 'unique:customers.source+record_id: 2 of 2 rows fail')
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .drift import DriftReport, compare_runs, previous_run_dir
from .linkage_quality import LinkageQuality, linkage_quality
from .model_quality import collect_model_quality, read_stage_figures
from .rules import builtin_rules, make_rule
from .schemas import validate_tables
from .scorecard import Scorecard, build_scorecard

__all__ = ["ValidationReport", "validate_run", "load_run_tables", "RUN_TABLES"]

#: Tables the validation stage reads when present.
RUN_TABLES = ("customers", "transactions", "events", "interactions", "rejects", "catalog",
              "source_stats", "customer_map", "golden", "pairs", "id_changes", "rfm",
              "segments", "clv", "churn_scores")

# Schema checks that break a hand-over contract (others are warnings).
_KEY_CHECKS = {"column_in_dataframe", "not_nullable", "field_uniqueness",
               "multiple_fields_uniqueness"}


def load_run_tables(ctx, names=RUN_TABLES) -> dict:
    """The tables of ``names`` that exist for the run (absent ones are left out).

    Examples
    --------
    >>> import tempfile
    >>> from cdmkit.config import ClientConfig
    >>> from cdmkit.report.context import StageContext
    >>> load_run_tables(StageContext("v", ClientConfig(client="a"), tempfile.mkdtemp()))
    {}
    """
    return {n: ctx.read_table(n) for n in names if ctx.has_table(n)}


@dataclass
class ValidationReport:
    """Everything the validation notebook shows.

    Examples
    --------
    >>> ValidationReport(tables_present=[]).status
    'pass'
    """

    tables_present: list
    scorecard: Scorecard | None = None
    schema_failures: pd.DataFrame = field(default_factory=pd.DataFrame)
    linkage: LinkageQuality | None = None
    model_quality: pd.DataFrame = field(default_factory=pd.DataFrame)
    drift: DriftReport | None = None
    pii_columns: pd.DataFrame = field(default_factory=pd.DataFrame)
    pii_scan: pd.DataFrame = field(default_factory=pd.DataFrame)
    failures: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def status(self) -> str:
        """``pass`` or ``fail``."""
        return "fail" if self.failures else "pass"

    @property
    def overall_score(self) -> float | None:
        """Overall quality score (0-1) of the scorecard."""
        if self.scorecard is None or self.scorecard.overall != self.scorecard.overall:
            return None
        return float(self.scorecard.overall)

    def schema_summary(self) -> pd.DataFrame:
        """Schema failure cases counted by table, column and check.

        Examples
        --------
        >>> ValidationReport(tables_present=[]).schema_summary().columns.tolist()
        ['table', 'column', 'check', 'cases']
        """
        cols = ["table", "column", "check", "cases"]
        if self.schema_failures.empty:
            return pd.DataFrame(columns=cols)
        return (self.schema_failures.fillna({"column": "-"})
                .groupby(["table", "column", "check"]).size().reset_index(name="cases"))

    @property
    def pii_found(self) -> pd.DataFrame:
        """Columns holding personal data (``pii_class`` other than ``none``, not empty)."""
        if self.pii_columns.empty:
            return self.pii_columns
        p = self.pii_columns
        return p[(p["pii_class"] != "none") & (p["n_values"] > 0)].reset_index(drop=True)

    def summary_markdown(self) -> str:
        """Markdown for the top of the report: PASS/FAIL, score and reasons.

        Examples
        --------
        >>> ValidationReport(tables_present=["customers"]).summary_markdown().splitlines()[0]
        '## Validation: PASS'
        """
        lines = [f"## Validation: {self.status.upper()}", ""]
        score = self.overall_score
        lines.append(f"- Overall quality score: **{score:.3f}**" if score is not None
                     else "- Overall quality score: not available (no table to check)")
        lines.append(f"- Tables checked: {', '.join(self.tables_present) or 'none'}")
        if self.failures:
            lines.append(f"- **{len(self.failures)} failure(s)** — the run does not pass:")
            lines += [f"    - {f}" for f in self.failures[:20]]
        else:
            lines.append("- No failing error rule, threshold or privacy check.")
        if self.warnings:
            lines.append(f"- {len(self.warnings)} warning(s) (lower the score, do not fail "
                         "the run): see below.")
        return "\n".join(lines)

    def figures(self) -> dict:
        """Key figures for ``summary.json``."""
        figs = {"status": self.status, "failures": list(self.failures),
                "n_failures": len(self.failures), "n_warnings": len(self.warnings),
                "warnings": list(self.warnings[:50]), "overall_score": self.overall_score,
                "tables_present": list(self.tables_present)}
        if self.scorecard is not None:
            sc = self.scorecard.figures()
            sc.pop("overall_score", None)
            figs.update(sc)
        figs["schema_failures"] = int(len(self.schema_failures))
        if self.linkage is not None:
            figs.update(self.linkage.figures())
        if not self.model_quality.empty:
            figs["model_quality"] = {f"{r.stage}.{r.figure}": r.value
                                     for r in self.model_quality.itertuples()}
        if self.drift is not None:
            figs.update(self.drift.figures())
        if not self.pii_columns.empty:
            pii = self.pii_found
            figs["pii_columns"] = [f"{r.table}.{r.column}" for r in pii.itertuples()]
            figs["n_pii_columns"] = int(len(pii))
        figs["pii_scan_hits"] = int(self.pii_scan["count"].sum()) if not self.pii_scan.empty \
            else 0
        return figs

    def record(self, ctx) -> None:
        """Record :meth:`figures` through the stage context."""
        for k, v in self.figures().items():
            ctx.record(k, v)


def _reference_date(config, tables) -> str:
    if config.reference_date:
        return str(config.reference_date)[:10]
    return str(pd.Timestamp.now().date())


def _drift(rep: ValidationReport, run_dir, dcfg) -> None:
    """Drift against the previous successful run; its alerts become failures or warnings."""
    prev = previous_run_dir(run_dir)
    rep.drift = compare_runs(run_dir, prev, bins=dcfg.bins, psi_alert=dcfg.psi_alert)
    if prev is None:
        rep.notes.append("no previous run of this client: drift skipped")
    for a in rep.drift.alerts:
        (rep.failures if dcfg.fail_on_alert else rep.warnings).append(f"drift {a}")
    stab = rep.drift.segment_stability
    if stab is not None:
        row = pd.DataFrame([{"stage": "validation", "figure": "segments_kept_since_previous_run",
                             "kind": "segment_stability", "value": stab}])
        rep.model_quality = row if rep.model_quality.empty else \
            pd.concat([rep.model_quality, row], ignore_index=True)


def validate_run(ctx, *, scan_reports: bool | None = None) -> ValidationReport:
    """Run every validation check on the tables of a run.

    Parameters
    ----------
    ctx : StageContext
        The validation stage's context.
    scan_reports : bool, optional
        Scan the run's reports for raw personal data (default ``validation.pii_scan``).

    Returns
    -------
    ValidationReport
    """
    cfg = ctx.config
    vcfg = cfg.validation
    tables = load_run_tables(ctx)
    rep = ValidationReport(tables_present=sorted(tables))
    checkable = {k: v for k, v in tables.items() if k not in ("rejects", "catalog",
                                                              "source_stats")}
    ref = _reference_date(cfg, tables)
    # Rules and scorecard.
    rules = builtin_rules(checkable, reference=ref,
                          freshness_max_age_days=vcfg.freshness_max_age_days) \
        if vcfg.builtin_rules else []
    for spec in vcfg.rules:
        rule = make_rule(spec)
        if rule.type == "freshness" and "reference" not in rule.params:
            rule.params["reference"] = ref
        rules.append(rule)
    rep.scorecard = build_scorecard(rules, checkable, fail_below=vcfg.fail_below,
                                    thresholds=vcfg.thresholds,
                                    max_examples=vcfg.max_examples)
    rep.failures += rep.scorecard.failures
    rep.warnings += rep.scorecard.warnings
    # Schemas at the hand-over boundaries.
    if vcfg.schemas:
        rep.schema_failures = validate_tables(checkable)
        if not rep.schema_failures.empty:
            for (table, check), g in rep.schema_failures.groupby(["table", "check"]):
                cols = ", ".join(sorted(g["column"].dropna().astype(str).unique())[:5])
                msg = f"schema {table}: {check} ({cols}): {len(g)} case(s)"
                (rep.failures if check in _KEY_CHECKS else rep.warnings).append(msg)
    # Linkage quality.
    if "customer_map" in tables:
        truth = None
        if cfg.ground_truth:
            p = cfg.resolve_path(cfg.ground_truth)
            if p is not None and p.exists():
                truth = pd.read_csv(p, dtype=str)
            else:
                rep.notes.append(f"ground truth file {p} not found: no precision/recall")
        rep.linkage = linkage_quality(tables["customer_map"], tables.get("customers"), truth)
    else:
        rep.notes.append("no customer_map table: linkage quality skipped")
    # Model quality from the figures of earlier stages.
    rep.model_quality = collect_model_quality(read_stage_figures(ctx.run_dir), tables)
    if vcfg.drift.enabled:
        _drift(rep, ctx.run_dir, vcfg.drift)
    # Privacy: PII columns by name and content, and a scan of the reports.
    from ..privacy.detect import detect_pii

    parts = []
    for t in ("customers", "golden", "transactions", "events", "interactions"):
        if t in tables:
            d = detect_pii(tables[t], today=pd.Timestamp(ref).date())
            d.insert(0, "table", t)
            parts.append(d)
    if parts:
        rep.pii_columns = pd.DataFrame([r for p in parts for r in p.to_dict("records")],
                                       columns=parts[0].columns)
    if vcfg.pii_scan if scan_reports is None else scan_reports:
        from ..privacy.scan import scan_run

        rep.pii_scan = scan_run(ctx.run_dir, tables.get("customers"), any_email=False)
        if not rep.pii_scan.empty:
            n = int(rep.pii_scan["count"].sum())
            msg = f"privacy: {n} raw personal value(s) found in {rep.pii_scan['file'].nunique()} " \
                  "report file(s)"
            (rep.warnings if cfg.privacy.show_raw_pii else rep.failures).append(msg)
    return rep
