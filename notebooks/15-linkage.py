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
# # 15 · Identity resolution
#
# The same person appears in many systems: the webshop, the loyalty cards, the CRM, the
# newsletter. This stage decides which records belong to one real person and gives every person
# **one global customer ID** that stays the same from run to run, plus a **golden record** (the
# best value of each field, with the source it came from) and a **household** grouping
# (relatives sharing a surname, an address, a landline or an e-mail stay different customers).
#
# The method is the Fellegi–Sunter model, as in Splink and recordlinkage: candidate pairs from
# blocking rules, multi-level comparisons of each field, match weights estimated without labels
# by EM, links above a threshold grouped into customers.

# %% tags=["parameters"]
run_dir = None  # run folder, set by cdmkit run; None: interactive use (demo client)
config_path = None  # client YAML or config.resolved.json; None: the demo client

# %%
# %matplotlib inline
from cdmkit.report.context import open_stage

ctx = open_stage("linkage", run_dir, config_path)
ctx

# %% [markdown]
# ## 1. Resolve identities
#
# The customer records come from the collection stage. With no `linkage:` section in the client
# YAML, blocking rules and comparisons are inferred from the canonical columns present; the
# stable IDs live in the customer store (`store.path`, a DuckDB file), so a rerun on the same
# data gives the same IDs, and new records join the customers they belong to. The first run
# trains the linkage model and saves it in the store; later runs score with that saved model
# (section 12), so unrelated new records cannot move existing customers.

# %%
from IPython.display import display

from cdmkit.link import ReviewPanel, example_pairs, pair_records, review_candidates
from cdmkit.link import plots as link_plots
from cdmkit.link.stage import labels_path as client_labels_path, run_stage
from cdmkit.report.figures import figures_table

lk = ctx.config.linkage
labels_path = client_labels_path(ctx.config)
result = run_stage(ctx)
report = result.report
ctx.show(figures_table(report.figures()), n=None, caption="Key figures of the linkage")

# %% [markdown]
# ## 2. Blocking: which pairs are compared at all
#
# Comparing every record with every other is quadratic, so only pairs that agree on the keys of
# at least one blocking rule are scored. `new_pairs` is what a rule adds to the rules above it;
# with ground truth, `recall` is the share of true pairs a rule finds on its own.

# %%
rules = report.rule_counts
ctx.record("pairs_per_rule", dict(zip(rules["rule"], rules["pairs"])))
_ = ctx.show(rules, n=None, caption="Candidate pairs per blocking rule")
display(link_plots.blocking_rules_plot(rules))

# %% [markdown]
# ## 3. What the model learned
#
# For each comparison level, `m` is the chance of that level among true matches and `u` among
# non-matches; the weight `log2(m/u)` is how much the level moves the evidence (in bits). As in
# Splink, EM runs once per blocking rule, ignoring the fields that rule blocks on (there the
# agreement is forced, not evidence). `lambda` is the share of matches among the candidate
# pairs; the prior weight is the chance that two records taken at random match.

# %%
_ = ctx.show(result.params.round(4), n=None, caption="Parameter estimates")
display(link_plots.match_weights_chart(result.params))

# %% [markdown]
# ## 4. Match weights and the threshold
#
# Each pair's match weight is the prior plus the weights of its levels. Pairs right of the
# dashed line (match probability ≥ the threshold) are links.

# %%
display(link_plots.match_weight_histogram(result.pairs, report.threshold_weight))

# %% [markdown]
# ## 5. Customers and cluster sizes
#
# Links are grouped into customers (connected components). A guard splits clusters that are
# too large or too loosely connected — one weak link must not chain different people together;
# those splits are listed as anomalies.

# %%
_ = ctx.show(report.cluster_sizes, n=None, caption="Records per customer")
display(link_plots.cluster_size_plot(report.cluster_sizes))
if len(report.anomalies):
    _ = ctx.show(report.anomalies, caption="Clusters split by the anti-chaining guard")
else:
    print("No cluster needed the anti-chaining guard.")

# %% [markdown]
# ## 6. Why two records were linked
#
# For the strongest link, the pair nearest the threshold and, if any, a pair kept apart only
# because relatives would explain it better (the *household alternative*), the weight each
# comparison contributed (the bars add up to the match weight). Values are masked unless the
# client allows raw personal data.

# %%
examples = example_pairs(result.scored)
for title, k in examples.items():
    _ = ctx.show(pair_records(result.scored, k), caption=f"{title}: the two records")
    table = result.explain(k)
    _ = ctx.show(table.round(3), n=None, caption=f"{title}: weight per comparison")
    display(link_plots.waterfall_plot(table, title=title))
if not examples:
    print("No candidate pairs to explain.")

# %% [markdown]
# ## 7. Households
#
# Different customers who share a surname and an address, a landline or an e-mail get the same
# `household_id`. They are never merged into one customer.

# %%
hh_sizes = result.customer_map.drop_duplicates("customer_id").groupby("household_id").size()
ctx.record("n_multi_person_households", int((hh_sizes > 1).sum()))
hh_table = hh_sizes.value_counts().sort_index().rename_axis("customers in household")
_ = ctx.show(hh_table.reset_index(name="households"), n=None, caption="Household sizes")

# %% [markdown]
# ## 8. Golden records
#
# One row per customer: each field's value is chosen by a survivorship rule (most recent, most
# frequent, most complete or source priority), and `<field>_source` / `<field>_record` say
# where it came from.

# %%
_ = ctx.show(result.golden, n=10, caption="Golden records (first 10)")

# %% [markdown]
# ## 9. ID changes in this run
#
# `new`: a customer seen for the first time; `merge`: two existing customers turned out to be
# one person — the older ID stays and the other becomes its alias; `split`: records of one ID
# now belong to different people, so some get a new ID. IDs are never reused.

# %%
changes = result.id_changes
events = changes["event"].value_counts().rename_axis("event").reset_index(name="ids")
_ = ctx.show(events, n=None, caption="ID changes since the last run")
_ = ctx.show(changes[changes["event"] != "new"], caption="Merges and splits")

# %% [markdown]
# ## 10. Quality against ground truth
#
# When the client provides known identities (`ground_truth`), pairwise precision (linked pairs
# that are truly one person), recall (true pairs found) and F1, and the same for households.

# %%
if report.scores is None:
    print("No ground truth configured: linkage quality is not measured.")
else:
    scores = {"linkage": report.scores, "blocking_recall": report.blocking_recall}
    if report.household_scores:
        scores["households"] = report.household_scores
    ctx.show(figures_table(scores), n=None, caption="Pairwise quality against ground truth")

# %% [markdown]
# ## 11. Clerical review
#
# The pairs the model is least sure about, side by side. Click *Match* or *Non-match*: labels are
# saved to the labels file, and once it holds enough of both kinds (`linkage.min_labels`), a
# retrain scores pairs with a supervised model trained on them (`linkage.mode: auto`): the next
# run proposes it and lists the IDs it would change; `cdmkit link retrain --client <client>
# --apply` (or `linkage.retrain_apply: true`) applies it.

# %%
to_review = review_candidates(result.scored, lk.review_band, lk.review_size)
ctx.record("n_review_candidates", int(len(to_review)))
ReviewPanel(result.scored, labels_path, candidates=to_review, show_raw=ctx.show_raw_pii,
            interactive=ctx.interactive)

# %% [markdown]
# ## 12. The linkage model: trained once, reused
#
# The blocking rules, comparisons, m and u probabilities, λ and threshold form one saved model
# (`linkage_models` in the customer store, every version kept; `linkage_model.json` beside this
# report). A run scores with the saved model without refitting EM, so a batch of unrelated
# records cannot shift the weights and move existing customers; new evidence can still merge or
# split customers, and every such change is logged. A retrain happens on request
# (`cdmkit link retrain --client <client>`, or `linkage.retrain: true`) or is proposed when the
# data drifted from the training data: first as a dry run listing every ID it would change.

# %%
from cdmkit.link import model_history

choice = result.choice
_ = ctx.show(figures_table(choice.figures()), n=None, caption="Model that scored this run")
_ = ctx.show(model_history(ctx.config.store_path), n=None, caption="Saved model versions")
if result.retrain_preview is not None:
    preview = result.retrain_preview
    _ = ctx.show(preview.records, caption="Records whose ID a retrain would change "
                 "(dry run: nothing changed)" if choice.retrain_pending else
                 "Records whose ID the retrain changed")
    _ = ctx.show(preview.events, caption="ID events of the retrain")
else:
    print("No retrain requested or proposed: the saved model scored this run as it is.")

# %% [markdown]
# ## 13. Threshold explorer
#
# How the number of links and customers — and, when labels exist (ground truth, or the
# clerical-review labels), the precision and recall of the links — change with the match
# threshold. In JupyterLab a slider moves the threshold; the report shows the table over a grid
# of thresholds and its plot. Customers here are connected components of the links, before the
# anti-chaining guard. Change the threshold in `linkage.threshold` (it retrains: a dry run
# first).

# %%
from cdmkit.link import ThresholdExplorer, load_labels

explorer = ThresholdExplorer(result.scored, labels=load_labels(labels_path),
                             interactive=ctx.interactive)
if "f1" in explorer.table:
    best = explorer.table.loc[explorer.table["f1"].idxmax()]
    ctx.record("threshold_best_f1", {"threshold": float(best["threshold"]),
                                     "f1": float(best["f1"]), "labels": explorer.label_kind})
explorer
