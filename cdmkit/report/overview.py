"""The run overview page: ``index.html`` in every run folder, readable in two minutes.

It ties the stage reports together for someone who will not read them all: the
run's key findings, the verdict on every model (and which figures not to use),
data-quality warnings, suggested next actions and a link to each stage report.
It is one self-contained HTML file (inline style, no script, no external
resource) built from ``summary.json``, ``manifest.json`` and, for the model
checks, the run's ``clv`` table; it shows figures only, never personal data.

Examples
--------
>>> import tempfile, json, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "summary.json").write_text(json.dumps({"client": "acme", "run_id": "r1",
...     "status": {"collection": "ok"}, "ok": True, "stages": {}}))
>>> write_overview(d).name
'index.html'
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from ..runfolder import RunFolder
from ..display import client_currency, format_value, money
from .verdicts import AVOID, CARE, NOT_RUN, USABLE, Verdict, assess, evidence_figures

__all__ = ["write_overview", "write_run_overview", "overview_html", "key_findings",
           "quality_warnings", "next_actions", "run_verdicts"]

_STAGE_TITLES = {"collection": "Collection — sources, cleaning, catalogue",
                 "linkage": "Linkage — who is the same customer",
                 "segmentation": "Segmentation — RFM segments and clusters",
                 "analysis": "Analysis — cohorts, CLV, churn, purchase patterns",
                 "validation": "Validation — data quality, model checks, drift, exports"}
_BADGE = {USABLE: ("#1e7b34", "#e6f4ea"), CARE: ("#8a5a00", "#fff4d6"),
          AVOID: ("#a4161a", "#fde2e1"), NOT_RUN: ("#555", "#eee")}


def _read_json(p: Path) -> dict:
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def run_verdicts(run_dir, summary: dict) -> list[Verdict]:
    """The verdicts of a run, with evidence from its ``clv`` table when the stage recorded none.

    Examples
    --------
    >>> [v.status for v in run_verdicts("/nonexistent", {"stages": {}})][:1]
    ['not run']
    """
    stages = dict(summary.get("stages") or {})
    analysis = dict(stages.get("analysis") or {})
    run = RunFolder(run_dir)
    if analysis and "clv_span" not in analysis and run.has_table("clv"):
        analysis.update(evidence_figures(run.read_table("clv")))
        stages["analysis"] = analysis
    return assess(stages)


def _get(stages: dict, stage: str, key: str):
    return (stages.get(stage) or {}).get(key)


def key_findings(summary: dict, verdicts: list[Verdict], currency: str | None = None) -> list[str]:
    """The run's headline figures as short sentences (figures judged unusable are left out).

    Examples
    --------
    >>> print(key_findings({"stages": {"segmentation": {"total_revenue": 1000.0,
    ...     "top_segment": "Champions", "top_segment_revenue_share": 0.4}}}, [])[0])
    ... # doctest: +NORMALIZE_WHITESPACE
    Revenue of the customers' product purchases, returns netted: ¤1,000.00 (lines without a
    customer, non-product lines and returns that match no order are not included; see the
    segmentation report); the largest share, 40%, comes from the segment "Champions".
    """
    st = summary.get("stages") or {}
    out = []
    n_rec, n_cust = _get(st, "linkage", "n_records"), _get(st, "linkage", "n_customers")
    if n_rec and n_cust:
        out.append(f"{format_value(n_rec)} customer records from "
                   f"{format_value(_get(st, 'linkage', 'n_sources') or '?')} sources are "
                   f"{format_value(n_cust)} distinct customers.")
    elif _get(st, "analysis", "n_customers"):
        out.append(f"{format_value(_get(st, 'analysis', 'n_customers'))} customers with "
                   "purchases.")
    rows_in, rows_rej = _get(st, "collection", "rows_in"), _get(st, "collection", "rows_rejected")
    if rows_in:
        out.append(f"{format_value(rows_in)} input rows read; {format_value(rows_rej or 0)} "
                   "rejected with a reason (see the collection report).")
    rev = _get(st, "segmentation", "total_revenue")
    if rev is not None:
        top, share = (_get(st, "segmentation", "top_segment"),
                      _get(st, "segmentation", "top_segment_revenue_share"))
        # Say what the figure covers: readers compare it with the shop's own total.
        text = (f"Revenue of the customers' product purchases, returns netted: "
                f"{money(rev, currency)} (lines without a customer, non-product lines and "
                "returns that match no order are not included; see the segmentation report)")
        if top and share is not None:
            text += f"; the largest share, {share:.0%}, comes from the segment \"{top}\""
        out.append(text + ".")
    ret = _get(st, "analysis", "retention_period_1")
    if ret is not None:
        first = _get(st, "analysis", "first_cohort")
        holds = ("holds customers who bought before the data start" if _get(
            st, "analysis", "first_cohort_left_censored") else "may hold customers who bought "
            "before the data start")
        why = (f"the first cohort, {first}, is left out: it {holds}" if _get(
            st, "analysis", "first_cohort_excluded") else f"the first cohort is included "
            f"although it {holds}, which can raise this figure")
        out.append(f"{ret:.0%} of new customers buy again in the period after their first "
                   f"purchase ({why}).")
    base = _get(st, "analysis", "churn_base_rate")
    if base is not None:
        out.append(f"{base:.0%} of the customers in the churn test made no purchase in the churn "
                   "window after the cutoff.")
    avoid = {a.lower() for v in verdicts for a in v.avoid}
    clv_total = _get(st, "analysis", "clv_total")
    if clv_total is not None:
        if "clv" in avoid:
            out.append("Customer lifetime value: computed, but not to be used (see the "
                       "verdicts).")
        elif "clv total" in avoid:
            out.append("Customer lifetime value: the total is not to be quoted as a forecast "
                       "(see the verdicts); per-customer values may rank customers.")
        else:
            mean = money(_get(st, "analysis", "clv_mean"), currency)
            out.append("Expected customer lifetime value of the base: "
                       f"{money(clv_total, currency)} (mean {mean} per customer).")
    score = _get(st, "validation", "overall_score")
    if score is not None:
        failed = format_value(_get(st, "validation", "n_rules_failed") or 0)
        rules = format_value(_get(st, "validation", "n_rules") or 0)
        out.append(f"Data-quality score {score:.0%}; {failed} of {rules} rules "
                   "flagged.")
    exported, excluded = (_get(st, "validation", "n_exported"),
                          _get(st, "validation", "n_excluded_consent"))
    if exported is not None:
        out.append(f"{format_value(exported)} customers exported for activation; "
                   f"{format_value(excluded or 0)} left out for lack of consent.")
    if _get(st, "database", "database_n_customers") is not None:
        db = {k: format_value(_get(st, "database", f"database_{k}") or 0)
              for k in ("n_new", "n_changed", "n_removed")}
        out.append(f"Customer database updated ({_get(st, 'database', 'database_backend')}): "
                   f"{db['n_new']} new, {db['n_changed']} changed, {db['n_removed']} merged or "
                   "retired customers; look them up with \"cdmkit customer show\".")
    return out


def quality_warnings(summary: dict) -> list[str]:
    """Data-quality warnings of the run: failed stages, rejects, invalid values, rules, drift.

    Examples
    --------
    >>> quality_warnings({"stages": {"collection": {"n_invalid_emails": 5}}})
    ['5 invalid e-mail addresses.']
    """
    st = summary.get("stages") or {}
    out = []
    if summary.get("error"):
        out.append(f"The run stopped: {summary['error']}")
    for key, what in (("rows_rejected", "input rows rejected"),
                      ("n_invalid_emails", "invalid e-mail addresses"),
                      ("n_invalid_phones", "invalid phone numbers"),
                      ("n_placeholder_dates", "placeholder dates (e.g. 1900-01-01) set empty"),
                      ("n_unparseable_dates", "dates that could not be read"),
                      ("n_ambiguous_dates", "ambiguous day/month dates")):
        n = _get(st, "collection", key)
        if n:
            out.append(f"{format_value(n)} {what}.")
    ret = _get(st, "segmentation", "returns_removed") or _get(st, "analysis", "returns_removed")
    if ret:
        seg = st.get("segmentation") or {}
        matched = (seg.get("returns_matched_lines") or 0) + \
            (seg.get("returns_partly_matched_lines") or 0)
        unmatched = seg.get("returns_unmatched_lines")
        detail = (f": {format_value(matched)} matched to the orders they cancel and netted, "
                  f"{format_value(unmatched)} matching no earlier order left out"
                  if unmatched is not None else "")
        out.append(f"{format_value(ret)} return or cancellation lines of customers{detail} "
                   "(see the segmentation report).")
    scope = {k[len("returns_"):]: v for k, v in (st.get("segmentation") or {}).items()
             if k.startswith("returns_")}
    if scope:
        from ..segment.scope import describe_scope

        if describe_scope(scope):
            out.append(describe_scope(scope))
    for w in (_get(st, "validation", "failures") or []):
        out.append(f"Quality rule failed: {w}")
    for w in (_get(st, "validation", "warnings") or []):
        out.append(f"Quality rule warning: {w}")
    drift = _get(st, "validation", "drift") or {}
    for a in (drift.get("alerts") or []):
        out.append(f"Drift since the last successful run: {a}")
    return out


def next_actions(summary: dict, verdicts: list[Verdict]) -> list[str]:
    """Suggested next steps from the verdicts and warnings, most important first.

    Examples
    --------
    >>> next_actions({"stages": {}}, [Verdict("Churn model", AVOID, "Barely better than chance.",
    ...                                       avoid=["churn probabilities"])])[0]
    'Do not send churn probabilities (Churn model): barely better than chance.'
    """
    st = summary.get("stages") or {}
    out = []
    if summary.get("error"):
        out.append("Fix the failed stage and run again: its report and later stages are "
                   "missing or partial.")
    for v in verdicts:
        reason = v.summary[:1].lower() + v.summary[1:]
        if v.status == AVOID:
            what = ", ".join(v.avoid) or "its figures"
            out.append(f"Do not send {what} ({v.subject}): {reason}")
    for v in verdicts:
        if v.status == CARE:
            reason = v.summary[:1].lower() + v.summary[1:]
            out.append(f"Check {v.subject} before quoting it: {reason}")
    review = _get(st, "linkage", "n_review_candidates")
    if review:
        out.append(f"Review the {format_value(review)} borderline record pairs listed in the "
                   "linkage report; confirmed labels improve the next run.")
    n_fail = len(_get(st, "validation", "failures") or [])
    if n_fail:
        out.append(f"Resolve the {n_fail} failed quality rule(s) in the validation report.")
    excluded = _get(st, "validation", "n_excluded_consent")
    if excluded:
        out.append(f"{format_value(excluded)} customers lack marketing consent: a consent "
                   "campaign would widen the audience.")
    if not out:
        out.append("No action needed: every model is usable and no quality rule failed.")
    return out


def _esc(x) -> str:
    return html.escape(str(x))


def _list(items: list[str], empty: str) -> str:
    if not items:
        return f"<p class='muted'>{_esc(empty)}</p>"
    return "<ul>" + "".join(f"<li>{_esc(i)}</li>" for i in items) + "</ul>"


def _verdict_rows(verdicts: list[Verdict]) -> str:
    rows = []
    for v in verdicts:
        fg, bg = _BADGE[v.status]
        evidence = "".join(f"<li>{_esc(e)}</li>" for e in v.evidence)
        avoid = _esc(", ".join(v.avoid)) if v.avoid else "—"
        rows.append(
            f"<tr><td><strong>{_esc(v.subject)}</strong></td>"
            f"<td><span class='badge' style='color:{fg};background:{bg}'>{_esc(v.status)}"
            f"</span></td><td>{_esc(v.summary)}"
            + (f"<details><summary>Evidence</summary><ul>{evidence}</ul></details>"
               if evidence else "")
            + f"</td><td>{avoid}</td></tr>")
    return "".join(rows)


def _reports(run_dir: Path, summary: dict, manifest: dict) -> str:
    stages = manifest.get("stages") or [{"name": n, "slug": None}
                                        for n in (summary.get("status") or {})]
    status = summary.get("status") or {}
    rows = []
    for s in stages:
        name, slug = s.get("name"), s.get("slug")
        page = f"{slug}.html" if slug else None
        st = status.get(name, "not run")
        title = _STAGE_TITLES.get(name, str(name).capitalize())
        link = (f"<a href='{_esc(page)}'>{_esc(title)}</a>"
                if page and (run_dir / page).is_file() else _esc(title))
        rows.append(f"<tr><td>{link}</td><td>{_esc(st)}</td></tr>")
    return "".join(rows)


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d2a33;
       background: #fafbfc; line-height: 1.45; }
header { background: #1b3a4b; color: white; padding: 1em 1.5em; }
header h1 { margin: 0; font-size: 1.4em; } header p { margin: 0.3em 0 0; color: #cfe0ea; }
main { max-width: 70em; margin: 0 auto; padding: 1em 1.5em 3em; }
section { background: white; border: 1px solid #e1e6ea; border-radius: 6px; padding: 0.6em 1.2em;
          margin: 1em 0; }
h2 { font-size: 1.15em; color: #1b3a4b; margin: 0.5em 0; }
.scroll { overflow: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: 0.95em; }
th, td { text-align: left; vertical-align: top; padding: 0.4em 0.6em;
         border-bottom: 1px solid #eee; }
th { background: #f4f8fb; }
.badge { display: inline-block; padding: 0.1em 0.6em; border-radius: 1em; font-weight: 600;
         white-space: nowrap; }
.muted { color: #666; } details summary { cursor: pointer; color: #2a6f97; }
.status-ok { color: #9be7ae; } .status-failed { color: #ffb3b0; font-weight: 600; }
"""


def _steps_section(run_dir: Path) -> str:
    """Where each heavy step ran (``steps.json``): engine, partitions, rows, seconds."""
    from ..engine.steps import steps_html

    return steps_html(RunFolder(run_dir).read_steps())


def overview_html(run_dir, summary: dict, manifest: dict | None = None,
                  verdicts: list[Verdict] | None = None) -> str:
    """The overview page as one self-contained HTML string.

    Examples
    --------
    >>> "<script" in overview_html("/x", {"client": "a", "run_id": "r", "stages": {}})
    False
    """
    run_dir = Path(run_dir)
    manifest = manifest or {}
    verdicts = verdicts if verdicts is not None else run_verdicts(run_dir, summary)
    currency = client_currency(_read_json(run_dir / "config.resolved.json"))
    ok = summary.get("ok")
    state = ("<span class='status-ok'>all stages succeeded</span>" if ok else
             "<span class='status-failed'>a stage failed — figures are partial</span>")
    avoid = [f"{a} — {v.subject}" for v in verdicts for a in v.avoid]
    judged = [v for v in verdicts if v.status != NOT_RUN]
    if not judged:
        headline = "No model was fitted in this run."
    elif all(v.status == USABLE for v in judged):
        headline = "Every fitted model passed its checks."
    else:
        n_bad = sum(v.status == AVOID for v in judged)
        n_care = sum(v.status == CARE for v in judged)
        said = ([f"{n_bad} of {len(judged)} should not be used"] if n_bad else []) + \
            ([f"{n_care} of {len(judged)} need care"] if n_care else [])
        headline = f"Of the fitted models, {' and '.join(said)}: read the verdicts before " \
                   "sending any figure."
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{_esc(summary.get('client', ''))} · run {_esc(summary.get('run_id', ''))}"
        "</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<header><h1>{_esc(summary.get('client', 'cdmkit'))} — run overview</h1>"
        f"<p>Run {_esc(summary.get('run_id', ''))} · started "
        f"{_esc(summary.get('started') or '—')}"
        f" · cdmkit {_esc(summary.get('cdmkit_version') or '—')} · {state}</p></header><main>",
        "<section><h2>Key findings</h2>",
        _list(key_findings(summary, verdicts, currency), "No figures were recorded."),
        "</section>",
        f"<section><h2>Model verdicts</h2><p>{_esc(headline)}</p><div class='scroll'><table>"
        "<thead><tr><th>Model</th><th>Verdict</th><th>What it means</th><th>Do not use</th>"
        f"</tr></thead><tbody>{_verdict_rows(verdicts)}</tbody></table></div>",
        "<h2>Figures not to use</h2>",
        _list(avoid, "None: every figure of the fitted models can be used."),
        "</section>",
        "<section><h2>Suggested next actions</h2>",
        _list(next_actions(summary, verdicts), ""),
        "</section>",
        "<section><h2>Data-quality warnings</h2>",
        _list(quality_warnings(summary), "No data-quality warnings."),
        "</section>",
        _steps_section(run_dir),
        "<section><h2>Stage reports</h2><div class='scroll'><table><thead><tr><th>Report</th>"
        f"<th>Status</th></tr></thead><tbody>{_reports(run_dir, summary, manifest)}</tbody>"
        "</table></div><p class='muted'>Each report explains its methods and shows its tables "
        "with personal data masked. Files: <code>summary.json</code> (all recorded figures), "
        "<code>manifest.json</code> (inputs and versions).</p></section>",
        "</main></body></html>",
    ]
    return "\n".join(parts)


def write_overview(run_dir, summary: dict | None = None) -> Path:
    """Write ``index.html`` in ``run_dir`` (from its ``summary.json`` unless given) and return it.

    Examples
    --------
    >>> write_overview("/nonexistent")  # doctest: +SKIP
    """
    run_dir = Path(run_dir)
    run = RunFolder(run_dir)
    if summary is None:
        summary = _read_json(run.summary_path)
    manifest = _read_json(run.manifest_path)
    page = run_dir / "index.html"
    page.write_text(overview_html(run_dir, summary, manifest), encoding="utf-8")
    return page


def write_run_overview(run_dir, summary: dict) -> Path | None:
    """:func:`write_overview` for the runner: a failure warns instead of failing the run.

    The stage reports and ``summary.json`` are complete without the overview page.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     page = write_run_overview("/nonexistent/run", {})
    >>> page is None, "index.html not written" in str(caught[0].message)
    (True, True)
    """
    import warnings

    try:
        return write_overview(run_dir, summary)
    except Exception as exc:  # noqa: BLE001 - reported, never fatal
        warnings.warn(f"run overview index.html not written: {type(exc).__name__}: {exc}",
                      RuntimeWarning, stacklevel=2)
        return None
