"""Small-cell suppression that holds by construction where groups add up to a total.

A cell (community x indicator x year x group) from fewer than `min_cell` students is suppressed. The
groups of a partition (race/ethnicity, income, gender, ... and, within `female` and `male`, the
gender x race intersections) add up to their total, so a reader who knows the group sizes (enrolment
is public) can compute the blank groups' combined result as the total minus the shown groups. The rule
(`suppress`, worded for readers by `suppression_rule_text`) makes every such remainder hold 0 or at least
`min_cell` students; `exposures` is the independent check the audit and the tests run.

Published values are percents (no counts), and a change or a gap is published only when every cell it is
computed from is shown, so a year's blank cannot be derived from other years (tests/test_suppression.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

KEY = ["community_id", "indicator_id", "year"]


def suppression_rule_text(min_cell: int) -> str:
    """The rule in readers' words, for the Methods page: the one place it is worded."""
    return (f"a value from fewer than {min_cell} students is not shown, not downloadable and not used in any "
            "change, trend or gap. Where groups add up to a total (all students by race/ethnicity, income or "
            "gender, for instance), the total minus the shown groups gives the blank groups' combined result, so "
            "further groups are blanked, smallest first, until the students behind the blanks of each such total "
            f"number none or at least {min_cell} (where they cannot, the total is blanked as well). No result of "
            f"fewer than {min_cell} students, alone or combined, can be worked out from what is published.")


def cell_values(outcomes: pd.DataFrame) -> pd.Series:
    """Percent from counts where given, else the reported value."""
    from_counts = outcomes["numerator"].astype("Float64") / outcomes["denominator"].astype("Float64") * 100
    value = from_counts.where(outcomes["denominator"].fillna(0) > 0, outcomes["value"].astype("Float64"))
    return value.astype(float)


def partition_layout(partitions: dict[str, list[str]], totals: dict[str, str] | None = None
                     ) -> dict[str, tuple[str, list[str]]]:
    """{name: (total group, member groups)}, with the crossings the intersections imply.

    When the members of a partition whose total is `female` are named `female_<x>` and those of the one
    whose total is `male` are `male_<x>`, and `female`/`male` are the members of one partition, then
    `female_<x>` and `male_<x>` add up to `<x>`: that partition (`<x>_by_gender`) is added, because
    `<x>` minus a shown `male_<x>` would otherwise give a blank `female_<x>`.
    """
    totals = totals or {}
    layout = {name: (totals.get(name, "all"), list(groups)) for name, groups in partitions.items()}
    by_total = {total: members for total, members in layout.values()}
    for parent, (_, sides) in list(layout.items()):
        if len(sides) < 2 or not all(side in by_total for side in sides):
            continue
        inner = [{m.removeprefix(f"{side}_"): m for m in by_total[side] if m.startswith(f"{side}_")} for side in sides]
        for base in sorted(set.intersection(*[set(i) for i in inner])):
            layout.setdefault(f"{base}_by_{parent}", (base, [i[base] for i in inner]))
    return layout


@dataclass
class Slots:
    """Every (community, indicator, year, partition) of a table whose total row exists, as flat arrays.

    `member_*` arrays have one entry per (member cell, slot), sorted by slot, then size, then group id
    (the order complementary cells are chosen in); `slot_*` arrays one entry per slot.
    """

    member_pos: np.ndarray
    member_slot: np.ndarray
    member_den: np.ndarray
    slot_total_pos: np.ndarray
    slot_threshold: np.ndarray
    slot_unlisted: np.ndarray
    slot_frame: pd.DataFrame  # community_id, indicator_id, year, partition (for messages)

    @classmethod
    def of(cls, table: pd.DataFrame, threshold: np.ndarray, layout: dict[str, tuple[str, list[str]]]) -> Slots:
        """Built with integer codes (merges on the string columns cost more than the whole rule)."""
        key = np.zeros(len(table), dtype=np.int64)
        for column in KEY:
            codes, uniques = pd.factorize(table[column])
            key = key * (len(uniques) + 1) + codes
        key, keys = pd.factorize(key)
        group, group_ids = pd.factorize(table["group"], sort=True)  # codes in group-id order
        code_of = {g: i for i, g in enumerate(group_ids)}
        den = table["denominator"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        slot_of_key = np.full(len(keys), -1)
        total_pos, slot_partition, member_pos, member_slot = [], [], [], []
        n_slots = 0
        for name, (total, members) in layout.items():
            at_total = np.flatnonzero(group == code_of.get(total, -2))
            at_total = at_total[np.unique(key[at_total], return_index=True)[1]]  # one total row per key
            slot_of_key[:] = -1
            slot_of_key[key[at_total]] = n_slots + np.arange(len(at_total))
            n_slots += len(at_total)
            total_pos.append(at_total)
            slot_partition += [name] * len(at_total)
            at_member = np.flatnonzero(np.isin(group, [code_of[m] for m in members if m in code_of]))
            slot = slot_of_key[key[at_member]]
            member_pos.append(at_member[slot >= 0])
            member_slot.append(slot[slot >= 0])
        totals_at = np.concatenate(total_pos).astype(np.int64) if total_pos else np.zeros(0, dtype=np.int64)
        pos = np.concatenate(member_pos).astype(np.int64) if member_pos else np.zeros(0, dtype=np.int64)
        slot = np.concatenate(member_slot).astype(np.int64) if member_slot else np.zeros(0, dtype=np.int64)
        order = np.lexsort((group[pos], np.nan_to_num(den[pos], nan=np.inf), slot))
        pos, slot = pos[order], slot[order]
        listed = np.bincount(slot, np.nan_to_num(den[pos]), minlength=n_slots)
        total_den = den[totals_at]
        counted = (np.bincount(slot, np.isnan(den[pos]), minlength=n_slots) == 0) & ~np.isnan(total_den)
        unlisted = np.where(counted, np.maximum(np.nan_to_num(total_den) - listed, 0), 0.0)
        frame = table.iloc[totals_at][KEY].reset_index(drop=True).assign(partition=slot_partition)
        return cls(member_pos=pos, member_slot=slot, member_den=den[pos], slot_total_pos=totals_at,
                   slot_threshold=threshold[totals_at], slot_unlisted=unlisted, slot_frame=frame)

    def hidden(self, blank: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """Per slot: the students in total minus the shown members (blank members' weight + unlisted)."""
        member_blank = blank[self.member_pos]
        held = np.where(member_blank, np.nan_to_num(weight[self.member_pos]), 0.0)
        return np.bincount(self.member_slot, held, minlength=len(self.slot_total_pos)) + self.slot_unlisted


def suppress(outcomes: pd.DataFrame, min_cell: pd.Series, partitions: dict[str, list[str]],
             totals: dict[str, str] | None = None) -> pd.DataFrame:
    """Add `raw`, `suppressed`, `suppression` (small_cell | complementary | '') and public `shown` columns.

    `min_cell` is indexed by community_id (per-community rules); `totals` names each partition's total
    group (default `all`). The rule, applied to a fixed point because a group can be a member of one
    partition and the total of another (`female` in gender and in race_female) and blanking a total
    affects the partitions it belongs to:
    1. a cell with a denominator under min_cell is suppressed (small_cell);
    2. within each (community, indicator, year) and partition whose total is shown, the students a
       reader can isolate as the total minus the shown members -- the blank members plus students in no
       listed member -- number 0 or at least min_cell; if fewer, the smallest shown members (by
       denominator, then group id) are suppressed until they do (complementary);
    3. if even suppressing every member with a count cannot get there, the total is suppressed
       (complementary) and, in the partitions it belongs to, counts only as those few at-risk students, so
       it cannot itself be recovered there.
    A cell given only as a `value` (percent, no counts) has no known size: it is never suppressed for its
    own size (whoever published the percent applied their own small-cell rule), never chosen as a
    complementary cell (hiding an unknown number of students proves nothing), and students outside the
    listed members are counted only when the total and every member have counts. That choice is the
    conservative one: where the counts cannot prove a remainder safe, the total goes, not a guess.
    """
    table = outcomes.copy()
    table["raw"] = cell_values(table)
    threshold = table["community_id"].map(min_cell).astype(float).to_numpy()
    den = table["denominator"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    small = np.nan_to_num(den, nan=np.inf) < threshold
    kind = np.where(small, "small_cell", "").astype(object)
    weight = np.where(small, den, np.nan)  # students a blank cell hides, as protection for its partitions
    slots = Slots.of(table, threshold, partition_layout(partitions, totals))
    has_count = ~np.isnan(slots.member_den)
    while True:
        blank = kind != ""
        hidden = slots.hidden(blank, weight)
        unsafe = ~blank[slots.slot_total_pos] & (hidden > 0) & (hidden < slots.slot_threshold)
        if not unsafe.any():
            break
        candidate = unsafe[slots.member_slot] & ~blank[slots.member_pos] & has_count
        cand_den = np.where(candidate, slots.member_den, 0.0)
        reachable = hidden + np.bincount(slots.member_slot, cand_den, minlength=len(hidden))
        before = pd.Series(cand_den).groupby(slots.member_slot).cumsum().to_numpy() - cand_den
        pick = candidate & (hidden[slots.member_slot] + before < slots.slot_threshold[slots.member_slot]) \
            & (reachable[slots.member_slot] >= slots.slot_threshold[slots.member_slot])
        picked = slots.member_pos[pick]
        kind[picked] = "complementary"
        weight[picked] = slots.member_den[pick]
        stuck = unsafe & (reachable < slots.slot_threshold)
        stuck_totals = slots.slot_total_pos[stuck]
        kind[stuck_totals] = "complementary"
        weight[stuck_totals] = np.inf
        np.minimum.at(weight, stuck_totals, hidden[stuck])
    table["suppression"] = kind.astype(str)
    table["suppressed"] = table["suppression"] != ""
    table["shown"] = table["raw"].round(1).where(~table["suppressed"])
    return table


def exposures(table: pd.DataFrame, shown: pd.Series, min_cell: pd.Series, partitions: dict[str, list[str]],
              totals: dict[str, str] | None = None) -> pd.DataFrame:
    """Remainders a reader could compute: one row per (community, indicator, year, partition) where the
    total is known (shown, or derived as the sum of all its members or as a partition's single unknown)
    and the students in it minus the known members number more than 0 and fewer than min_cell.

    `table` holds the private counts (denominator per cell), `shown` says which of its cells are published.
    Columns: community_id, indicator_id, year, partition, groups (the blank members), students.
    A partition with a member given only as a percent is judged on the members with counts.
    """
    table = table.reset_index(drop=True)
    threshold = table["community_id"].map(min_cell).astype(float).to_numpy()
    den = table["denominator"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    slots = Slots.of(table, threshold, partition_layout(partitions, totals))
    known = shown.to_numpy(dtype=bool).copy()
    groups = table["group"].to_numpy()
    found: dict[int, tuple[int, str]] = {}
    while True:  # what a reader can derive: a partition's single unknown, or a total from all its members
        unknown = ~known
        hidden = slots.hidden(unknown, den)
        total_known = known[slots.slot_total_pos]
        for slot in np.flatnonzero(total_known & (hidden > 0) & (hidden < slots.slot_threshold)).tolist():
            if slot not in found:
                mine = slots.member_pos[(slots.member_slot == slot) & unknown[slots.member_pos]]
                found[slot] = (int(hidden[slot]), ", ".join(sorted(groups[mine])) or "(students in no listed group)")
        n_unknown = np.bincount(slots.member_slot, unknown[slots.member_pos], minlength=len(hidden))
        single = (total_known & (n_unknown == 1) & (slots.slot_unlisted == 0))[slots.member_slot]
        derived = np.concatenate([slots.member_pos[single & unknown[slots.member_pos]],
                                  slots.slot_total_pos[~total_known & (n_unknown == 0) & (slots.slot_unlisted == 0)]])
        if not len(derived):
            break
        known[derived] = True
    out = slots.slot_frame.iloc[sorted(found)].copy()
    out.attrs["checked"] = int(known[slots.slot_total_pos].sum())  # partition-years with a known total
    out["groups"] = [found[s][1] for s in sorted(found)]
    out["students"] = [found[s][0] for s in sorted(found)]
    return out.reset_index(drop=True)[[*KEY, "partition", "groups", "students"]]


def public_table(suppressed: pd.DataFrame) -> pd.DataFrame:
    """What may be published: values rounded to 0.1, suppressed cells blank, no counts."""
    columns = ["community_id", "indicator_id", "group", "year", "shown", "suppressed"]
    out = suppressed[columns].rename(columns={"shown": "value"})
    return out.sort_values(["community_id", "indicator_id", "group", "year"]).reset_index(drop=True)
