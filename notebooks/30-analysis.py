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
# # 30 · Analysis
#
# Cohorts and retention, customer lifetime value (BG/NBD, Pareto/NBD, Gamma-Gamma), churn
# prediction and purchase patterns of the client's linked and segmented customer base.

# %% tags=["parameters"]
run_dir = None  # run folder, set by cdmkit run; None: interactive use (demo client)
config_path = None  # client YAML or config.resolved.json; None: the demo client

# %%
# %matplotlib inline
from cdmkit.report.context import open_stage

ctx = open_stage("analysis", run_dir, config_path)
ctx

# %% [markdown]
# This stage turns the customer base into insight that teams can act on:
#
# 1. **Cohorts** — do customers acquired in different months keep buying?
# 2. **Customer lifetime value (CLV)** — probabilistic models of how often each customer will
#    buy, whether she is still "alive", and how much she spends; validated on a holdout period.
# 3. **Churn** — who is likely to stop buying, with models checked on data they did not see.
# 4. **Purchase patterns** — what each segment buys, what is bought together, and when.
#
# Every model here is *validated, not just fitted*: the numbers recorded for the report come
# from data held out from fitting. Customers are identified only by their global ID.

# %%
import pandas as pd
from IPython.display import Markdown, display

from cdmkit import analyze
from cdmkit.analyze import plots
from cdmkit.report import verdicts
from cdmkit.display import PARAM_LABELS, client_currency, figures_frame, money
from cdmkit.segment import describe_scope

cfg = ctx.config.analysis
currency = client_currency(ctx.config)  # every amount carries it (sources' formats.currency)
inp = analyze.load_inputs(ctx)
# One call does the work (cdmkit.analyze.stage.run_stage): every section below shows its part.
result = analyze.run_stage(ctx, inputs=inp)
display(Markdown("**Notes on the inputs**\n\n" + "\n".join(f"- {n}" for n in inp.notes)
                 if inp.notes else "All inputs are present."))
ret = inp.returns
display(Markdown(f"{inp.transactions['customer_id'].nunique():,} customers, "
                 f"{len(inp.transactions):,} purchase lines up to "
                 f"{inp.observation_end.date()}. Returns (rule {ret['rule']}): "
                 f"{inp.returns_removed:,} return or cancellation lines, "
                 f"{money(ret['matched_value'], currency)} netted against the orders they "
                 f"cancel, {money(ret['unmatched_value'], currency)} matching no earlier order "
                 f"left out; {ret['non_product_lines']:,} non-product lines (postage, fees, "
                 "adjustments) kept out of spend and products. " + describe_scope(ret)))

# %% [markdown]
# ## 1 · Cohorts and retention
#
# An **acquisition cohort** is the group of customers whose first purchase fell in the same
# period. Reading a row of the heatmap from left to right shows what share of that cohort
# bought again 1, 2, 3 … periods later. Columns compare cohorts at the same age, so a
# darker column for recent cohorts means acquisition or onboarding improved. Empty cells
# are periods that have not happened yet. **Revenue retention** divides each period's
# revenue by the cohort's first-period revenue: values above 100 % mean the remaining
# customers spend more than the whole cohort did at the start.

# %%
coh = result.cohorts
if coh.note():
    display(Markdown(coh.note()))
plots.plot_retention_heatmap(coh.retention,
                             title=f"Retention by acquisition cohort ({cfg.cohort_freq})");

# %%
if coh.revenue_retention is not None:
    plots.plot_retention_heatmap(coh.revenue_retention, title="Revenue retention", fmt=".2f")
else:
    display(Markdown("_No purchase amounts: revenue retention is not available._"))

# %% [markdown]
# The curves below average all cohorts that are old enough, weighting each by its size
# (the first cohort left out when it is left-censored, as said above).
# With segments from the segmentation stage there is one line per segment: segments whose
# curve stays high are the loyal core; a steep first drop is the one-time-buyer problem.

# %%
plots.plot_cohort_curves(coh.curves);

# %% [markdown]
# ## 2 · Customer lifetime value
#
# For each customer we know three numbers: **frequency** (repeat purchases), **recency** (time
# from the first to the last purchase) and **T** (time since the first purchase), in
# the time unit set in the config. Two classic models explain them:
#
# - **BG/NBD** (Fader, Hardie & Lee 2005): while alive a customer buys at her own Poisson rate
#   (gamma-distributed across customers, parameters *r*, *α*); after each purchase she may drop
#   out with a probability that varies across customers (beta, parameters *a*, *b*).
# - **Pareto/NBD**: the same purchasing, but dropping out can happen at any time (lifetimes are
#   exponential with gamma-distributed rates *s*, *β*).
# - **MBG/NBD** (`clv_models: [mbgnbd, ...]`): BG/NBD where a customer may also drop out right
#   after her first purchase — better when many customers buy once and never return.
# - **Gamma-Gamma** models spend per purchase (*p*, *q*, *γ*) and shrinks each customer's average
#   towards the population mean — the fewer purchases, the more shrinkage.
#
# The parameters are maximum-likelihood estimates; the same code reproduces the published
# CDNOW estimates in the test suite. **How sure are we?** The second table gives each
# parameter's standard error and 95 % interval, from the curvature of the likelihood at its
# maximum: a flat likelihood (wide interval) means the data hardly pin the parameter down.

# %%
clv = result.clv
ctx.show(clv.params, n=None, labels=PARAM_LABELS, caption="Fitted models (α and β in the "
         f"time unit '{cfg.time_unit}')")
if clv.notes:
    display(Markdown("**Notes from fitting**\n\n" + "\n".join(f"- {n}" for n in clv.notes)))
display(Markdown("_A fit that converged is not yet a fit to use: the verdicts at the end of "
                 "this page check each model against the data and a holdout period._"))
if clv.uncertainty is not None:
    ctx.show(clv.uncertainty, n=None, caption="Parameter estimates with standard errors "
             "and 95 % intervals (on the log scale for positive parameters, so bounds stay "
             "positive)")

# %% [markdown]
# **Who is still a customer?** The probability that a customer is still active depends on how
# often she bought (columns) and how recently (rows) — for a customer who first bought a year
# ago. Frequent buyers who have been silent for a long time are the most likely to be lost:
# their silence is unusual for them.

# %%
if clv.main_model is not None:
    plots.plot_probability_alive_matrix(analyze.probability_alive_matrix(
        clv.models[clv.main_model], max_frequency=int(clv.summary["frequency"].quantile(0.99)) + 1,
        T=float(52 if cfg.time_unit == "W" else 365)),
        title=f"P(alive) after one year ({clv.main_model})");

# %% [markdown]
# ### Does the model predict the future?
#
# We refit the transaction model on the data up to the calibration end, predict each
# customer's purchases in the holdout period that follows, and compare with what actually
# happened. The bar chart groups customers by how often they bought in the calibration period;
# the line chart follows cumulative repeat purchases over calendar time (model left of the
# dotted line is fitted, right of it is a genuine forecast). MAE and RMSE are per customer;
# bias > 0 means the model over-predicts.

# %%
if clv.holdout_by_frequency is not None:
    # The table first: figures are drawn below the cell's other output.
    ctx.show(pd.DataFrame([clv.holdout_errors]), caption="Holdout error metrics (naive: each "
             "customer keeps her past purchase rate)")
    plots.plot_holdout_by_frequency(clv.holdout_by_frequency)
    plots.plot_tracking(clv.tracking)
else:
    display(Markdown("_Holdout check skipped: the history is too short for a holdout period._"))

# %% [markdown]
# ### The CLV table
#
# `p_alive` is the probability that the customer is still active; `expected_purchases` is the
# number of purchases expected over the horizon; `expected_spend` is the Gamma-Gamma expected
# value per purchase; `clv` is the discounted expected spend over the horizon (the discount
# rate is annual and converted to the configured step, so no month length is assumed).
# `clv_lower` – `clv_upper` is a 95 % interval that reflects how precisely the model
# parameters are known (`clv_interval`: the delta method, or a parametric bootstrap that
# recomputes CLV for parameter sets drawn from their estimated uncertainty); it does not
# include the customer's own randomness. The
# table is written to `data/clv.parquet` for the validation and activation stages.

# %%
clv_table = result.clv_table
# Judged before it is shown: a reader of this table alone must see what not to send.
caution = verdicts.caution_note(verdicts.assess(
    {"analysis": {**result.clv_figures, **verdicts.evidence_figures(clv_table)}}))
if caution:
    display(Markdown(caution))
_ = ctx.show(clv_table.sort_values(["clv", "expected_purchases", "customer_id"],
                                   ascending=[False, False, True]).round(2),
             n=15, caption=f"Top customers (horizon {cfg.clv_horizon:g} {cfg.time_unit})")

# %%
if clv_table["clv"].notna().any():
    unit = currency or "currency not set (formats.currency)"
    plots.plot_clv_distribution(clv_table["clv"],
                                title=f"Distribution of customer lifetime value ({unit})")
else:
    plots.plot_clv_distribution(clv_table["expected_purchases"],
                                title="Expected purchases over the horizon (no amounts)")

# %%
# Only the branch of the client's business model is shown: a shop's report has no
# subscription section, a subscription business's has it here.
if cfg.business_model == "contractual":
    display(Markdown(
        "### Contractual customers: retention of subscribers\n\n"
        "With `business_model: contractual` customers pay once per period until they cancel, "
        "so churn is *observed*. The **shifted-beta-geometric** model (Fader & Hardie 2007) "
        "gives every subscriber her own churn probability θ per period, beta-distributed "
        "across subscribers. It explains why retention *rises* with tenure — the subscribers "
        "likely to leave leave first — and projects the survival curve beyond the data. For "
        "each active subscriber, `p_renew` is the probability of the next renewal and `derl` "
        "the discounted expected residual lifetime (number of future payments, discounted at "
        "the annual rate); times the mean payment it is her `residual_value`."))
    ret = result.retention
    if ret.model is not None:
        ctx.show(ret.model.summary(bounds="log").round(4), n=None, caption="sBG parameters")
        plots.plot_retention_curve(ret.survival.set_index("period")["observed"].dropna(),
                                   ret.survival.set_index("period")["model"])
        ctx.show(ret.table[~ret.table["churned"]].sort_values("residual_value", ascending=False)
                 .round(2), n=10, caption="Active subscribers with the highest residual value")
    display(Markdown("\n".join(f"- {n}" for n in ret.notes + ([ret.skipped] if ret.skipped
                                                             else []))))

# %% [markdown]
# ## 3 · Churn prediction
#
# In a shop nobody cancels: we call a customer **churned** when she makes no purchase within
# the churn window after a cutoff date. The model learns from one cutoff and is tested on a
# later one (a *time-based split*), exactly as it would be used. Features are computed only
# from data before each cutoff: recency, frequency, spend, tenure, the recent trend, web
# behaviour and service contacts. With contractual data (`churn_mode: flag`) the label is
# an explicit churn flag and the split is a stratified random one.
#
# - **ROC AUC**: the probability that a random churner is ranked above a random stayer
#   (0.5 = guessing, 1 = perfect).
# - **Precision at top k**: the share of real churners among the customers the model flags
#   as most at risk — what a retention campaign would reach.
# - **Calibration**: whether a predicted 30 % really means 30 % churn.
# - **Permutation importance**: how much AUC drops when a feature is shuffled.

# %%
churn = result.churn
if churn.report is not None:
    ctx.show(churn.report.metrics.round(3), n=None, caption="Churn models on the test set")
else:
    display(Markdown(f"_Churn models skipped: {churn.skipped}_"))

# %%
if churn.report is not None:
    plots.plot_calibration(churn.report.calibration)
    plots.plot_importance(churn.report.importance)

# %% [markdown]
# ## 4 · Purchase patterns
#
# What does each segment buy? Shares are of the segment's revenue (or purchase lines when
# there are no amounts). Products are named by their most frequent description; postage,
# fees, adjustments and other non-product lines are not products and are left out.

# %%
pat = result.patterns
if pat.top_products is not None:
    ctx.show(pat.top_products.round(3), n=None, caption="Top products per segment")
if pat.top_categories is not None:
    ctx.show(pat.top_categories.round(3), n=None, caption="Top categories per segment")
display(Markdown("\n".join(f"- {n}" for n in pat.notes) if pat.notes
                 else "_Products, categories and baskets are all available._"))

# %% [markdown]
# **Bought together.** For a pair of items A and B, *support* is the share of baskets holding
# both, *confidence* A→B the share of baskets with A that also hold B, and *lift* how much more
# often they occur together than if they were independent (lift 1 = no association). High
# lift with reasonable support is a candidate for bundles and recommendations.

# %%
if pat.pairs is not None and len(pat.pairs):
    ctx.show(pat.pairs.round(3), n=15, caption="Co-purchase pairs by lift")
    plots.plot_lift_pairs(pat.pairs)
else:
    display(Markdown("_No co-purchase pairs above the minimum support._"))

# %% [markdown]
# **Seasonality.** When do customers buy? Peaks guide campaign timing and stock.

# %%
if pat.season.get("coverage_note"):
    display(Markdown(f"⚠ {pat.season['coverage_note']}"))
plots.plot_seasonality(pat.season, title="Purchases by calendar month and by weekday");
ctx.show(pat.season["month"].assign(month=lambda d: d["month"].map(
    lambda m: pd.Timestamp(2000, int(m), 1).month_name())), n=None,
    caption="Month of the year: purchases, years of data behind each month, purchases per "
    "covered month")

# %% [markdown]
# **Behaviour and service contacts per segment.** Average number of web events and service
# interactions per customer of each segment (customers without any count as zero).

# %%
if pat.events_per_segment is not None:
    ctx.show(pat.events_per_segment.reset_index().round(2), n=None, caption="Web events per customer")
else:
    display(Markdown("_No behaviour events for this client._"))
if pat.interactions_per_segment is not None:
    ctx.show(pat.interactions_per_segment.reset_index().round(2), n=None,
             caption="Service interactions per customer")
else:
    display(Markdown("_No service interactions for this client._"))

# %% [markdown]
# ## 5 · Verdicts: which figures to use
#
# Each model is judged on evidence, not on whether its optimiser stopped: parameters at the
# edge of their range, how many customers the fit lets drop out over a period as long as the
# data, p_alive of customers who have been silent for three times their usual gap, the
# holdout error against the naive forecast, precision against the base rate, and calibration.
# **Do not use** means the figures listed must not reach a client; **use with care** means
# they need the caveat shown.

# %%
churn_cal = churn.report.calibration if churn.report is not None else None
churn_best = churn.report.best if churn.report is not None else None
ctx.record(None, **verdicts.evidence_figures(clv_table, churn_cal, churn_best))
judged = [v for v in verdicts.assess({"analysis": ctx.figures()}) if v.stage == "analysis"]
ctx.record("verdicts", [v.to_dict() for v in judged])
ctx.show(verdicts.verdict_table(judged), n=None, caption="Verdict per model")

# %% [markdown]
# ## Summary
#
# The key figures of this page. Every recorded figure (model parameters included) is in the
# run's `summary.json`; the `clv` and `churn_scores` tables feed the validation and activation
# stages.

# %%
summary_keys = ["n_customers", "n_purchase_lines", "observation_end", "returns_removed",
                "retention_period_1", "clv_main_model", "clv_total", "clv_mean",
                "mean_p_alive", "holdout_mae", "holdout_naive_mae", "holdout_total_error_pct",
                "churn_best_model", "churn_auc", "precision_at_k", "churn_base_rate",
                "n_copurchase_pairs", "top_lift_pair", "top_lift", "busiest_weekday"]
figures = ctx.figures()
ctx.show(figures_frame({k: figures[k] for k in summary_keys if k in figures}, currency=currency),
         n=None,
         caption="Key figures of the analysis")
