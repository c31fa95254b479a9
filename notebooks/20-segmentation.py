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
# Work in progress.

# %% tags=["parameters"]
run_dir = None  # run folder, set by cdmkit run; None: interactive use (demo client)
config_path = None  # client YAML or config.resolved.json; None: the demo client

# %%
# %matplotlib inline
from cdmkit.context import open_stage

ctx = open_stage("segmentation", run_dir, config_path)
ctx
