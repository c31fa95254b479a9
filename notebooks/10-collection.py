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
# # 10 · Collection
#
# Every source system of the client is loaded, mapped onto one customer model, standardised and
# catalogued — and every input row is accounted for: it is either in the clean tables or in the
# rejects table with its source row number and the reason.

# %% tags=["parameters"]
run_dir = None  # run folder, set by cdmkit run; None: interactive use (demo client)
config_path = None  # client YAML or config.resolved.json; None: the demo client

# %%
# %matplotlib inline
from cdmkit.report.context import open_stage

ctx = open_stage("collection", run_dir, config_path)
ctx

# %% [markdown]
# ## 1. Load and standardise every source
#
# Each source names a loader (CSV, Excel, JSON Lines, a SQL database, ...), its kind
# (`customers`, `transactions`, `events`, `interactions`) and a mapping of its columns onto the
# canonical fields (inferred from the column names when the YAML gives none). Columns that map
# to no field are kept as JSON in `attributes`: nothing is dropped.

# %%
from IPython.display import Markdown, display

from cdmkit.collect import run_stage
from cdmkit.collect.plots import (plot_completeness, plot_reject_reasons, plot_source_counts,
                                  reject_summary)
from cdmkit.report.figures import figures_table

result = run_stage(ctx)
figures = result.figures()
_ = ctx.show(figures_table({k: v for k, v in figures.items() if k != "rows_per_kind"}), n=None,
             caption="Key figures of the collection")

# %% [markdown]
# ### How the columns were mapped
#
# Each source column mapped to a canonical field (explicitly in the YAML or inferred from its
# name), and how the file was read. Unmapped columns are in `attributes`.

# %%
import pandas as pd

mapping_table = pd.DataFrame(
    [{"source": s, "canonical_field": f, "source_column": c}
     for s, m in result.report.mappings.items() for f, c in m.items()])
files = pd.DataFrame.from_dict(result.report.files, orient="index")
_ = ctx.show(files.reset_index(names="source"), n=None,
             caption="How each source was read")
_ = ctx.show(mapping_table, n=None, caption="Column mapping")

# %% [markdown]
# ## 2. Rows in, clean and rejected per source
#
# The invariant of this stage: for every source, `rows_in == rows_clean + rows_rejected`.
# Exact duplicate rows (identical in every column to an earlier row of the same source) and rows
# removed by a configured filter are rejected rows too; `duplicates_removed` and `rows_filtered`
# say how many.

# %%
stats = result.source_stats
balanced = bool((stats["rows_in"] == stats["rows_clean"] + stats["rows_rejected"]).all())
ctx.record("rows_balanced", balanced)
_ = ctx.show(stats, n=None, caption="Rows per source")

# %%
display(plot_source_counts(stats))

# %% [markdown]
# ## 3. Why rows were rejected
#
# Each rejected row keeps its source, row number, the column at fault and the reason, so it can
# be fixed at the source. Row numbers are data rows counted from 1 (the header is row 0).

# %%
reasons = reject_summary(result.rejects, top=15)
ctx.record("top_reject_reasons", reasons.to_dict("records"))
if len(result.rejects):
    ctx.show(reasons, n=None, caption="Top reject reasons")
    display(plot_reject_reasons(result.rejects))
    ctx.show(result.rejects, n=10, caption="First rejected rows (values masked)")
else:
    print("No rows were rejected.")
# Kept but flagged while reading: a line decoded in a fallback encoding, an uncertain encoding
if len(result.warnings):
    ctx.show(result.warnings, n=None, caption="Values kept but flagged while reading (check the "
             "source file: the encoding or a line may be damaged)")

# %% [markdown]
# ## 4. Field completeness before and after cleaning
#
# *Before* is the share of filled values in the source column; *after* the share of usable
# standardised values in the clean table. A drop means values that could not be read (for
# example a country name nobody knows); the original stays in `<field>_raw`.

# %%
comp = result.report.completeness
ctx.record("completeness", {f"{r.source}.{r.field}": [r.before, r.after]
                            for r in comp.itertuples() if r.before > 0 or r.after > 0})
if "customers" in result.tables:
    display(plot_completeness(comp, "customers"))
for kind in ("transactions", "events", "interactions"):
    if kind in result.tables:
        display(plot_completeness(comp, kind))

# %% [markdown]
# ## 5. Validity of contact data
#
# E-mails are checked for syntax (no DNS look-ups), phones with Google's libphonenumber and
# stored in E.164 (`+447911123456`). Invalid values are flagged, never silently dropped.

# %%
customers = result.tables.get("customers")
if customers is not None:
    validity = customers.groupby("source").agg(
        records=("record_id", "size"),
        emails=("email", "count"),
        invalid_emails=("email_valid", lambda s: int((s == False).sum())),  # noqa: E712
        phones=("phone", "count"),
        invalid_phones=("phone_valid", lambda s: int((s == False).sum())),  # noqa: E712
    ).reset_index()
    ctx.show(validity, n=None, caption="E-mail and phone validity per customers source")
else:
    print("No customers source: this client has activity data only (customer_ref is the ID).")

# %% [markdown]
# **Values that could not be read.** A value no cleaner recognises (a country such as
# "Channel Islands" that has no ISO code, a number that is not a number) is emptied in the
# clean table, its original kept in `<field>_raw` and the row flagged: nothing is changed
# without a trace. The originals of fields without personal data are listed here.

# %%
from cdmkit.report.blanked import blanked_values

lost = blanked_values(result.tables)
if len(lost):
    ctx.show(lost, n=None, caption="Values emptied by cleaning (originals kept in <field>_raw, "
             "rows flagged)")
else:
    display(Markdown("Every filled value of a field without personal data was read."))

# %% [markdown]
# ## 6. Dates: formats, day/month ambiguity and suspicious values
#
# Without an explicit format, the order of `03/04/1985` is decided by evidence in the column (a
# first part above 12 proves day-first). When no value proves it, the values that could be read
# either way are flagged `ambiguous_order`. Placeholders such as `1900-01-01`, future birth dates
# and ages above 120 are flagged too. Jalali (Solar Hijri) dates are converted to Gregorian.

# %%
dates = result.report.dates
if len(dates):
    ctx.record("ambiguous_dates", {f"{r.source}.{r.field}": int(r.n_ambiguous)
                                   for r in dates.itertuples()})
    ctx.show(dates, n=None, caption="Date fields")
else:
    print("No date fields were mapped.")

# %% [markdown]
# ## 7. The data catalogue
#
# Where every field lives, what it means, who owns it and how sensitive it is. PII classes come
# from the canonical model, from the `pii:` overrides in the YAML, or — for unmapped columns — from
# the content (columns full of e-mails or phone numbers are direct identifiers). Examples are
# masked. The catalogue is saved as `collection/catalog.csv` in the run folder.

# %%
ctx.record("catalog_fields", int(len(result.catalog)))
ctx.record("pii_fields", result.catalog["pii_class"].value_counts().to_dict())
_ = ctx.show(result.catalog, n=None, caption="Data catalogue")

# %% [markdown]
# ## 8. A few standardised records
#
# Originals are kept beside the standardised values (`first_name_raw`). The tables also hold
# linkage keys (`first_name_key`: script-folded, lower-case, without diacritics, so that Persian
# Arabic-letter variants and Japanese width and kana variants compare equal); being readable
# names, they are not shown here. Personal data is masked unless `privacy.show_raw_pii` is set.

# %%
if customers is not None:
    cols = [c for c in ["source", "record_id", "first_name_raw", "first_name", "last_name",
                        "email", "email_valid", "phone", "phone_valid",
                        "birth_date", "birth_date_flag", "country", "postcode"]
            if c in customers]
    sample = customers.groupby("source", sort=False).head(2)[cols]
    ctx.show(sample, n=None, caption="Standardised customer records (masked)")
for kind in ("transactions", "events", "interactions"):
    if kind in result.tables:
        ctx.show(result.tables[kind], n=3, caption=f"{kind} (first rows)")
    else:
        print(f"No {kind} source.")
