"""Small-cell suppression, with complementary suppression where groups add up to the total.

A cell (community x indicator x year x group) from fewer than `min_cell` students is suppressed. When
the groups of a partition (e.g. race) add up to `all` and exactly one of them is suppressed, the one
could be recovered as total minus the others; so the next smallest group is suppressed too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEY = ["community_id", "indicator_id", "year"]


def cell_values(outcomes: pd.DataFrame) -> pd.Series:
    """Percent from counts where given, else the reported value."""
    from_counts = outcomes["numerator"].astype("Float64") / outcomes["denominator"].astype("Float64") * 100
    value = from_counts.where(outcomes["denominator"].fillna(0) > 0, outcomes["value"].astype("Float64"))
    return value.astype(float)


def suppress(outcomes: pd.DataFrame, min_cell: pd.Series, partitions: dict[str, list[str]]) -> pd.DataFrame:
    """Add `raw`, `suppressed`, `suppression` (small_cell | complementary | '') and public `shown` columns.

    `min_cell` is indexed by community_id (per-community rules).
    """
    table = outcomes.copy()
    table["raw"] = cell_values(table)
    threshold = table["community_id"].map(min_cell).astype(float)
    small = (table["denominator"].astype("Float64") < threshold).fillna(False).astype(bool)
    table["suppression"] = np.where(small, "small_cell", "")
    group_partition = {g: name for name, groups in partitions.items() for g in groups}
    table["partition"] = table["group"].map(group_partition)
    part = table[table["partition"].notna() & table["denominator"].notna()].copy()
    if not part.empty:
        keys = [*KEY, "partition"]
        part["primary"] = part["suppression"] == "small_cell"
        count = part.groupby(keys)["primary"].transform("sum")
        candidates = part[(count == 1) & ~part["primary"]].sort_values([*keys, "denominator", "group"])
        extra = candidates.groupby(keys, sort=False).head(1).index
        table.loc[extra, "suppression"] = "complementary"
    table["suppressed"] = table["suppression"] != ""
    table["shown"] = table["raw"].round(1).where(~table["suppressed"])
    return table.drop(columns=["partition"])


def public_table(suppressed: pd.DataFrame) -> pd.DataFrame:
    """What may be published: values rounded to 0.1, suppressed cells blank, no counts."""
    columns = ["community_id", "indicator_id", "group", "year", "shown", "suppressed"]
    out = suppressed[columns].rename(columns={"shown": "value"})
    return out.sort_values(["community_id", "indicator_id", "group", "year"]).reset_index(drop=True)
