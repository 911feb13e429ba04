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
year = 2025
report_dir = "."

# %%
from ci_lib.pages.report import NetworkPage

network = NetworkPage.load(report_dir, year)
network.headline()

# %% [markdown]
# ## Equity across the network

# %%
network.equity()

# %% [markdown]
# ### Gaps that widened

# %%
network.widened_gaps()

# %% [markdown]
# ## Gateways reached

# %%
network.gateway_distribution()

# %% [markdown]
# ## Movement since last year

# %%
network.movement()

# %% [markdown]
# ## Pillar strengths across members

# %%
network.pillar_heatmap()

# %% [markdown]
# ## Indicators improving and gaps closing

# %%
network.shares()

# %% [markdown]
# ## Outcomes across the network

# %%
network.outcome_small_multiples()

# %% [markdown]
# ## Members

# %%
network.members_table()
