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

# %% tags=["parameters"]
community_id = "alder-bay"  # the community: its id in the year's communities.csv and params/<year>/<id>.yml
year = 2025  # the assessment year: params/<year>/ and the data its network.yml names (`data:`)
report_dir = ""  # the year's reports folder; empty: reports/<year> of the project (prepared there if not run yet)

# %%
from ci_lib.pages.report import CommunityPage

page = CommunityPage.load_or_prepare(report_dir, community_id, year)
page.summary_card()

# %% [markdown]
# ## Pillars and gateways

# %%
page.pillar_matrix()

# %% [markdown]
# ## Benchmarks

# %%
page.benchmarks()

# %% [markdown]
# ## Outcomes

# %%
page.outcome_table()

# %%
page.outcomes()

# %% [markdown]
# ## Disparities

# %%
page.disparities()

# %% [markdown]
# ## Data notes

# %%
page.notes()

# %% [markdown]
# ## Earlier years

# %%
page.earlier_years()

# %% [markdown]
# ## Downloads

# %%
page.downloads()

# %%
page.provenance()
