"""Combined groups (params `combined_groups:`, such as `students_of_color`): counts summed from their members.

Computed here, in scoring, just before suppression, because that is the one place that has all it needs:
each community's own `min_cell` (a member under the small-cell rule must not feed a published sum), the
params that define the groups (network-wide or one community's), and the suppression that must then treat
the new cell like any other. The loaded outcomes stay the data as reported (validation counts, hashes).

A combined cell exists for a (community, indicator, year) only where EVERY member has counts: no member
missing, none suppressed or not available at the source, none under the small-cell rule. Whether it is
published is decided by `ci_lib.scoring.suppression.suppress`: only beside all its members.
"""

from __future__ import annotations

import pandas as pd

CELL = ["community_id", "indicator_id", "year"]


def with_combined_groups(outcomes: pd.DataFrame, definitions: dict[str, dict[str, list[str]]],
                         min_cell: pd.Series) -> pd.DataFrame:
    """`outcomes` plus one row per combined group and (community, indicator, year) whose members all have
    counts of at least min_cell students: numerator and denominator the members' sums, no value.

    `definitions` is {community_id: {combined group: members}}; `min_cell` is indexed by community_id.
    The rows come after the given ones (the table is unchanged when no combined group is computed).
    """
    wanted = pd.DataFrame([(cid, combined, member, len(members)) for cid, groups in definitions.items()
                           for combined, members in groups.items() for member in members],
                          columns=["community_id", "combined", "group", "members"])
    if wanted.empty:
        return outcomes
    status = outcomes["source_status"].fillna("") if "source_status" in outcomes.columns else ""
    usable = outcomes[outcomes["numerator"].notna() & outcomes["denominator"].notna() & (status == "")
                      & (outcomes["denominator"].astype(float)
                         >= outcomes["community_id"].map(min_cell).astype(float))]
    parts = usable[[*CELL, "group", "numerator", "denominator"]].merge(wanted, on=["community_id", "group"])
    sums = parts.groupby([*CELL, "combined"], sort=True).agg(
        found=("group", "size"), members=("members", "first"), numerator=("numerator", "sum"),
        denominator=("denominator", "sum")).reset_index()
    sums = sums[sums["found"] == sums["members"]]
    if sums.empty:
        return outcomes
    rows = sums.rename(columns={"group": "found_group", "combined": "group"}).reindex(columns=outcomes.columns)
    if "source_status" in rows.columns:
        rows["source_status"] = ""
    out = pd.concat([outcomes, rows], ignore_index=True)
    return out.astype({column: outcomes[column].dtype for column in outcomes.columns})
