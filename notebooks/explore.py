# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Explore a published year
#
# Pick a community, an indicator, groups and years: the chart and the table follow, and the network's
# distribution shows where the community stands among the members. Only published values are read
# (`reports/<year>/scores/` and `reports/<year>/data/`): suppressed cells stay blank here too.
# Open it with `ci-assess lab` (or `make lab`). A year not run yet is prepared first, as `ci-assess run`
# prepares it, from `params/<year>/` and the year's data (the same public, suppressed values).

# %% tags=["parameters"]
report_dir = ""  # the year's reports folder; empty: reports/<year> of the project (prepared there if not run yet)
year = 2025  # the assessment year: params/<year>/ and the data its network.yml names (`data:`)
community_id = ""  # optional: the community to start on (default: the first by name)

# %%
from ci_lib.pages.explore import build_widgets, load_or_prepare_year

explorer = load_or_prepare_year(report_dir, year)
explorer.communities()

# %% [markdown]
# ## Explorer

# %%
build_widgets(explorer, community_id or None)

# %% [markdown]
# ## Without widgets
#
# The widgets only call these functions: use them directly for a table to copy or a figure to keep.

# %%
chosen = community_id or explorer.default_community()
indicator = next(iter(explorer.indicators(chosen)))
explorer.table(chosen, indicator)

# %%
explorer.network_distribution(indicator, explorer.compare_year(chosen, indicator), chosen).head(10)
