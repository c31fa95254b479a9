# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: cdmkit (Python 3)
#     language: python
#     name: cdmkit
# ---

# %% [markdown]
# # 40 · Validation and activation
#
# Data quality scorecard, linkage and model quality, drift since the previous run, privacy
# checks and consent-aware audience exports, with a PASS/FAIL verdict.

# %% tags=["parameters"]
run_dir = None  # run folder, set by cdmkit run; None: interactive use (demo client)
config_path = None  # client YAML or config.resolved.json; None: the demo client

# %%
# %matplotlib inline
from cdmkit.report.context import open_stage

ctx = open_stage("validation", run_dir, config_path)
ctx

# %% [markdown]
# Can this customer data be trusted, is it protected, and is it ready for the systems that use
# it? This report checks every table the earlier stages handed over against **quality rules**
# (built-in rules of the customer model plus the client's own, from `validation.rules`),
# scores the data by **dimension** (completeness, validity, uniqueness, consistency,
# timeliness), measures **linkage** and **model** quality, compares with the **previous run**
# (drift), looks for **personal data** where it should not be, and writes the **audience
# exports** — only for customers whose consent covers the export's purpose.
#
# The verdict comes first. A run **fails** when a rule of severity `error` fails, when a
# dimension is below its configured threshold or the overall score below `fail_below`, or
# when raw personal data appears in a report.

# %%
from IPython.display import Markdown, display

from cdmkit import activate
from cdmkit import validate as cv
from cdmkit.report.figures import figures_table
from cdmkit.validate import plots as vplots

report = cv.run_stage(ctx)
exports = activate.run_stage(ctx)  # activation has no notebook of its own: its exports are here
display(Markdown(report.summary_markdown()))

# %% [markdown]
# ## Quality scorecard
#
# Each rule checks some rows of one table; its score is the share of checked rows that pass.
# A dimension's score is the mean of its rules' scores (every rule counts once, however big
# its table), and the overall score is the mean of the dimensions. The red marks are the
# thresholds configured in `validation.thresholds`.

# %%
ctx.show(report.scorecard.by_dimension.round(3), n=None, caption="Score by dimension")
vplots.plot_dimension_scores(report.scorecard.by_dimension)

# %%
vplots.plot_source_scores(report.scorecard.by_source_field)

# %%
_ = ctx.show(report.scorecard.by_rule.round(3), n=None, caption="Every rule")

# %% [markdown]
# ## Failing rules and examples
#
# Rules with failing rows, and a few failing values per rule. Personal values are masked
# (`m***@example.com`) unless `privacy.show_raw_pii` is set for a private, local run.

# %%
failing = report.scorecard.by_rule.query("n_failed > 0 or note != ''")
if failing.empty:
    display(Markdown("Every rule passes on every checked row."))
else:
    ctx.show(failing.round(3), n=None, caption="Rules with failures")
    ctx.show(report.scorecard.examples, n=60, caption="Failing examples (masked)")

# %% [markdown]
# ### Schemas at the stage boundaries
#
# Each canonical table is validated against its pandera schema (key columns present, not
# empty and unique; dates and numbers typed). Missing keys are failures; type problems are
# warnings.

# %%
if report.schema_failures.empty:
    display(Markdown("Every table matches its schema."))
else:
    ctx.show(report.schema_summary(), n=None, caption="Schema failure cases")

# %% [markdown]
# ## Linkage quality
#
# With known identities (`ground_truth` in the client config) the customer IDs are scored
# pairwise: precision is the share of linked record pairs that are the same person, recall
# the share of same-person pairs that were linked. Without labels we look at the cluster
# sizes and at *suspicious* customers whose records disagree on birth date (often a wrong
# merge) or e-mail (often one person's work and private address).

# %%
if report.linkage is None:
    display(Markdown("No `customer_map` table in this run: run the linkage stage first."))
else:
    metrics = report.linkage.metrics_frame()
    ctx.show(figures_table(dict(zip(metrics["metric"], metrics["value"]))), n=None,
             caption="Linkage metrics")
    display(vplots.plot_cluster_sizes(report.linkage.sizes))
    ctx.show(report.linkage.suspicious, n=20, caption="Suspicious customers")

# %% [markdown]
# ## Model quality
#
# Figures the segmentation and analysis stages recorded about their models (CLV holdout
# error, churn AUC and calibration, segment stability), plus range checks of the scores.

# %%
if report.model_quality.empty:
    display(Markdown("No model figures recorded by earlier stages in this run."))
else:
    ctx.show(report.model_quality.round(4), n=None, caption="Model figures")

# %% [markdown]
# ## Drift since the previous run
#
# The previous run is the newest other run of this client. Row counts, customers gained
# and lost, how customers moved between segments, ID changes (merges, splits, new IDs) and
# shifts of key distributions (population stability index: below 0.1 stable, above 0.25 a
# major shift).

# %%
drift = report.drift
if drift is None or drift.previous_run is None:
    display(Markdown("No previous run of this client to compare with (or drift is off)."))
else:
    display(Markdown(f"Compared with run **{drift.previous_run}**."))
    ctx.show(drift.row_counts.round(3), n=None, caption="Rows per table")
    ctx.show(figures_table({"customers": drift.customers, "ID changes": drift.id_changes,
                            "segment stability": drift.segment_stability}),
             n=None, caption="Customers, ID changes and segment stability")
    display(vplots.plot_migration(drift.migration))
    display(vplots.plot_distribution_shift(drift.distributions,
                                           ctx.config.validation.drift.psi_warn,
                                           ctx.config.validation.drift.psi_alert))
    ctx.show(drift.key_figures.round(4), n=40, caption="Key figures: previous and current")

# %% [markdown]
# ## Privacy
#
# Columns holding personal data, found by their name and by their content (e-mails, phones,
# national codes such as the Iranian کد ملی with its check digit, card numbers passing the
# Luhn check, birth dates), and a scan of this run's reports for the raw names, e-mails and
# phones of the customers. Exports and data tables hold personal data by design and are not
# scanned; reports must never show it.

# %%
ctx.show(report.pii_found, n=None, caption="Columns with personal data")
if report.pii_scan.empty:
    display(Markdown("Report scan: **no raw personal values** found in this run's reports."))
else:
    ctx.show(report.pii_scan, n=None, caption="Raw personal values found in reports")

# %% [markdown]
# ## Exports
#
# Audience files for CRM and marketing tools (`activation.exports`), written to
# `validation/exports/` in the run folder. Customers without consent for the export's
# purpose are left out and counted; cells that a spreadsheet would run as a formula are
# neutralised.

# %%
if exports.empty:
    display(Markdown("No exports configured, or no golden table in this run."))
else:
    ctx.show(exports, n=None, caption="Exports written")

# %% [markdown]
# ## Warnings and notes

# %%
display(Markdown("\n".join(f"- {w}" for w in report.warnings + report.notes) or "None."))
