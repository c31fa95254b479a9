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
# # 20 · Segmentation
#
# From one customer view and its purchases to a few distinct, explainable groups that sales,
# marketing and service can act on: **RFM** segments (recency, frequency, monetary value) with
# the usual names, and **behavioural clusters** on RFM plus tenure, channels, product
# categories, service contacts and web activity. The output is a customer → segment table that
# the analysis, validation and activation stages read.

# %% tags=["parameters"]
run_dir = None  # run folder, set by cdmkit run; None: interactive use (demo client)
config_path = None  # client YAML or config.resolved.json; None: the demo client

# %%
# %matplotlib inline
from cdmkit.report.context import open_stage

ctx = open_stage("segmentation", run_dir, config_path)
ctx

# %% [markdown]
# ## 1. Inputs
#
# Transactions get their global customer ID from the linkage stage's `customer_map`; a client
# with only a shop export (no customers source) uses the shop's own customer number. Golden
# records (consent flags), web events and service interactions are optional: when a table is
# missing, the features and profile columns that need it are skipped.

# %%
from IPython.display import Markdown, display

from cdmkit.report.figures import figures_table
from cdmkit.display import client_currency, figures_frame

currency = client_currency(ctx.config)  # amounts in reports carry it (formats.currency)
from cdmkit.report import verdicts
from cdmkit.segment import load_inputs, plots, run_stage
from cdmkit.segment.widgets import segment_explorer

cfg = ctx.config.segmentation
inputs = load_inputs(ctx)
display(Markdown("\n".join(f"- {n}" for n in inputs.notes) or "All input tables are present."))
_ = ctx.show(figures_table({
    "transaction lines": len(inputs.transactions),
    "events": None if inputs.events is None else len(inputs.events),
    "interactions": None if inputs.interactions is None else len(inputs.interactions),
    "golden records": None if inputs.golden is None else len(inputs.golden)}),
    n=None, caption="Input rows (— = table absent)")

# %% [markdown]
# ## 2. Run the stage
#
# One call does the work, with the options of the `segmentation:` section of the client YAML:
# the returns rule, the RFM summary and scores, the features, the choice of k, the clustering,
# its stability across seeds and the profiles. Same data and config give the same result.

# %%
result = run_stage(ctx, inputs=inputs, progress=run_dir is None)  # bars only when interactive
figures = result.figures()
display(Markdown("\n".join(f"- ⚠ {w}" for w in result.warnings) or "No warnings."))
_ = ctx.show(figures_table({k: figures[k] for k in (
    "n_customers", "n_segments", "k_chosen", "silhouette", "stability_ari", "observation_end",
    "freq")}), n=None, caption="Key figures of the segmentation")

# %% [markdown]
# ## 3. Returns, cancellations and non-product lines
#
# Returns follow an explicit rule (`segmentation.returns`). **net** (the default) matches each
# return to the order lines it cancels (same customer, product and unit price, bought earlier)
# and subtracts it: an order cancelled in full counts no spend, a partial return reduces its
# line. Returns that match no earlier order (bought before the data starts, or at another
# price) are removed and reported (`unmatched_returns`). **drop** removes only the return
# lines, so cancelled orders keep their value; **keep** leaves everything as it is.
# Non-product lines (postage, fees, manual and bad-debt adjustments, samples, vouchers: the
# rules `non_product_codes` and `non_product_patterns`) are not spend and are left out.
# Lines without a customer cannot be segmented and are counted here too.

# %%
from cdmkit.segment import describe_returns, describe_scope

display(Markdown(describe_returns(result.returns, currency) + " "
                 + describe_scope(result.returns)))
_ = ctx.show(figures_frame({k: v for k, v in figures.items()
                           if k.startswith("returns_") and k != "returns_removed"},
                           currency=currency),
             n=None, caption="Returns, cancellations and non-product lines")
_ = ctx.show(result.rejects["reason"].value_counts().rename_axis("reason").reset_index(),
             n=None, caption="Lines left out of spend, by reason")

# %% [markdown]
# ## 4. RFM summary
#
# Two views per customer. The CLV view uses the definitions of the BTYD literature (and of the
# `lifetimes` and `pymc-marketing` libraries): `frequency` = number of *repeat* purchase periods,
# `recency` = time from the first to the last purchase, `T` = time from the first purchase to
# the end of the window (in units of `freq`), `monetary_value` = mean value of the repeat
# purchases. The marketing view: days since the last purchase, number of purchases (orders),
# total spend and tenure.

# %%
ctx.show(result.rfm[["customer_id", "frequency", "recency", "T", "monetary_value",
                     "days_since_last", "n_purchases", "total_spend", "tenure_days",
                     "r_score", "f_score", "m_score", "segment"]], n=10,
         caption="RFM per customer (first rows)");

# %% [markdown]
# ## 5. RFM segments
#
# Each customer gets a score from 1 to 5 (quintiles) for recency (5 = bought most recently),
# frequency and monetary value. The R and F scores name the segment: *Champions* bought
# recently and often, *Can't lose* bought often but long ago, *Hibernating* neither. When most
# customers bought only once, the frequency quintiles collapse: all one-time buyers share the
# lowest F score and a warning says so.

# %%
display(plots.rfm_heatmap(result.rfm, bins=cfg.bins))

# %%
ctx.show(result.rfm_profile.drop(columns=["description"], errors="ignore").round(3), n=None,
         caption="RFM segment profiles");

# %%
display(plots.segment_size_vs_revenue(result.rfm_profile))

# %% [markdown]
# ## 6. Behavioural clusters
#
# Skewed features (spend, counts) are log-transformed, all features standardised, and the
# number of clusters k is chosen where the silhouette (how much closer customers are to their
# own cluster than to the next) is highest, on a seeded sample for large data.

# %%
if result.selection is not None:
    display(plots.silhouette_curve(result.selection.scores, result.selection.k))
    _ = ctx.show(result.selection.scores.round(3), n=None, caption="Silhouette per k")
else:
    display(Markdown("Too few customers to cluster: everyone is in cluster 0."))

# %% [markdown]
# **Stability.** The clustering is refitted with several seeds; the adjusted Rand index (ARI)
# compares the partitions (1 = identical, 0 = chance agreement). Values near 1 mean the clusters
# are a property of the data, not of the random start.

# %%
if result.stability is not None:
    _ = ctx.show(result.stability.pairwise.round(3), n=None,
                 caption="Adjusted Rand index between seeds")
else:
    display(Markdown("_Stability across seeds was not measured for this run._"))

# %% [markdown]
# **Verdict.** Are the clusters distinct groups or slices of a continuum? The silhouette, the
# stability across seeds and the smallest cluster decide (the same verdict is on the run's
# overview page).

# %%
ctx.show(verdicts.verdict_table([verdicts.clustering_verdict(figures)]), n=None,
         caption="Verdict on the clusters")

# %% [markdown]
# **Profiles.** Standardised feature means per cluster (in standard deviations from the average
# customer), and a generated description from each cluster's medians.

# %%
labels = result.cluster_profile["cluster_label"].to_dict()
if len(result.cluster_zmeans):
    display(plots.cluster_profile_heatmap(result.cluster_zmeans, labels))
ctx.show(result.cluster_profile.round(3), n=None, caption="Cluster profiles");

# %%
if result.selection is not None:
    display(plots.cluster_projection(result.X, result.segments["cluster"].to_numpy(), labels,
                                     random_state=ctx.seed))

# %% [markdown]
# **RFM segments against clusters**: how the rule-based and the learned segments overlap.

# %%
ctx.show(result.segments.groupby(["rfm_segment", "cluster"]).size().unstack(fill_value=0),
         n=None, caption="Customers per RFM segment and cluster");

# %% [markdown]
# ## 7. Explore
#
# For data scientists working in JupyterLab: choose features, k and the method; the cluster
# profile below updates (on a sample of customers). The widget needs a live kernel: the HTML
# report shows the profile of the chosen k instead.

# %%
explorer = segment_explorer(result.features, range(cfg.k_min, cfg.k_max + 1),
                            method=result.method, k=figures["k_chosen"],
                            sample_size=min(cfg.sample_size, 5000), random_state=ctx.seed,
                            interactive=ctx.interactive)
if ctx.interactive:
    display(explorer)
else:  # the static report shows the explorer's table like every other table
    ctx.show(explorer, n=None, caption=f"Cluster profile for k = {figures['k_chosen']} "
             "(standardised means)")

# %% [markdown]
# ## 8. Hand-over
#
# `data/rfm.parquet` (one row per customer: RFM summary, scores, segment) and
# `data/segments.parquet` (`customer_id`, `rfm_segment`, `cluster`, `cluster_label`) are read by
# the analysis, validation and activation stages; the profiles are saved as CSV beside this report.

# %%
ctx.show(result.segments, n=10, caption="Customer → segment (first rows)");
