"""Small-cell suppression that holds by construction where groups add up to a total.

A cell (community x indicator x year x group) from fewer than `min_cell` students is suppressed. The
groups of a partition (race/ethnicity, income, gender, ... and, within `female` and `male`, the
gender x race intersections) add up to their total, so a reader who knows the group sizes (enrolment
is public) can compute the blank groups' combined result as the total minus the shown groups. The rule
(`suppress`, worded for readers by `suppression_rule_text`) makes every such remainder hold 0 or at least
`min_cell` students; `exposures` is the independent check the audit and the tests run.

Published values are percents (no counts), and a change or a gap is published only when every cell it is
computed from is shown, so a year's blank cannot be derived from other years (tests/unit/scoring/test_suppression.py).

A combined group of params (`students_of_color` = black + hispanic + ...) is in no partition: it is shown
only where every one of its members is shown, so it tells a reader nothing the shown members do not
(its count is their sum) and can never be the total a blank member is derived from; where a member is
blank, the combined cell is blanked too (complementary). Adding a combined group changes no other cell
(tests/unit/scoring/test_combined_groups.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ci_lib.inputs.markers import SUPPRESSED_AT_SOURCE
from ci_lib.inputs.rules import suppression_sentence
from ci_lib.scoring.crossings import KEY, TOO_MANY, cross_partition_blanks, key_codes, leaks, split_sides


def suppression_rule_text(min_cell: int) -> str:
    """The rule in readers' words (worded once, with the other rules, in `ci_lib.inputs.rules`)."""
    return suppression_sentence(min_cell)


def cell_values(outcomes: pd.DataFrame, per: pd.Series | None = None) -> pd.Series:
    """Percent (or, with `per` = 1000 for the indicator, rate per 1,000) from counts where given, else the value."""
    scale = 100.0 if per is None else outcomes["indicator_id"].map(per).fillna(100).astype(float)
    from_counts = outcomes["numerator"].astype("Float64") / outcomes["denominator"].astype("Float64") * scale
    value = from_counts.where(outcomes["denominator"].fillna(0) > 0, outcomes["value"].astype("Float64"))
    return value.astype(float)


def partition_layout(partitions: dict[str, list[str]], totals: dict[str, str] | None = None
                     ) -> dict[str, tuple[str, list[str]]]:
    """{name: (total group, member groups)}, with the crossings the intersections imply.

    When the members of the partitions whose total is `female` are named `female_<x>` and those of the ones
    whose total is `male` are `male_<x>`, and `female`/`male` are the members of one partition, then
    `female_<x>` and `male_<x>` add up to `<x>`: that partition (`<x>_by_gender`) is added, because
    `<x>` minus a shown `male_<x>` would otherwise give a blank `female_<x>`.
    """
    totals = totals or {}
    layout = {name: (totals.get(name, "all"), list(groups)) for name, groups in partitions.items()}
    for parent, _, _, inner in list(split_sides(layout)):
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
        key, keys = pd.factorize(key_codes(table))
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

    @cached_property
    def present(self) -> np.ndarray:
        """Per slot: whether any member has a row (fixed for the table: computed once, read in every closure pass)."""
        return np.bincount(self.member_slot, minlength=len(self.slot_total_pos)) > 0

    def hidden(self, unknown: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """Per slot: the students in the total minus the known members (unknown members' weight + unlisted)."""
        held = np.where(unknown[self.member_pos], weight[self.member_pos], 0.0)
        return np.bincount(self.member_slot, held, minlength=len(self.slot_total_pos)) + self.slot_unlisted

    def unknown_members(self, unknown: np.ndarray) -> np.ndarray:
        return np.bincount(self.member_slot, unknown[self.member_pos], minlength=len(self.slot_total_pos))

    def weights(self, unknown: np.ndarray, den: np.ndarray) -> np.ndarray:
        """Students each unknown cell really hides: its size, but for a total at most what its own partitions
        hide (the total is its known members plus that rest). A cell with no count hides 0 (we cannot know
        more) unless it is a total, when its partitions say what it hides."""
        is_total = np.zeros(len(den), dtype=bool)
        is_total[self.slot_total_pos] = True
        weight = np.where(unknown, np.where(np.isnan(den), np.where(is_total, np.inf, 0.0), den), 0.0)
        for _ in range(len(den) + 1):  # min only falls; the depth of nesting bounds the passes
            rest = self.hidden(unknown, weight)
            before = weight.copy()
            open_total = unknown[self.slot_total_pos]
            np.minimum.at(weight, self.slot_total_pos[open_total], rest[open_total])
            if np.array_equal(weight, before):
                break
        return np.where(np.isinf(weight), 0.0, weight)

    def closure(self, known: np.ndarray) -> np.ndarray:
        """Every cell a reader can derive: a partition's single unknown member (beside a known total, no
        unlisted students), or a total whose members are all known (no unlisted students)."""
        known = known.copy()
        while True:
            unknown = ~known
            n_unknown = self.unknown_members(unknown)
            closed = self.slot_unlisted == 0
            total_known = known[self.slot_total_pos]
            single = (total_known & (n_unknown == 1) & closed)[self.member_slot] & unknown[self.member_pos]
            derived = np.concatenate([self.member_pos[single],  # a partition without member rows gives no total
                                      self.slot_total_pos[~total_known & (n_unknown == 0) & closed & self.present]])
            if not len(derived):
                return known
            known[derived] = True


def withheld_by_source(table: pd.DataFrame) -> np.ndarray:
    """Cells the source withheld (a marker such as `*` or `[Data Suppressed]`: `source_status`
    suppressed_at_source). They are blank like the kit's own, and the rule below treats them so: a partition
    with one of them beside a shown total gets a complementary blank, so the source's withheld cell cannot be
    rebuilt as the total minus the shown members."""
    if "source_status" not in table.columns:
        return np.zeros(len(table), dtype=bool)
    return (table["source_status"].astype("string") == SUPPRESSED_AT_SOURCE).fillna(False).to_numpy(dtype=bool)


def derivable_withheld(table: pd.DataFrame, shown: pd.Series, partitions: dict[str, list[str]],
                       totals: dict[str, str] | None = None) -> pd.DataFrame:
    """Cells the source withheld that a reader can derive from what is `shown` (a partition's only unknown
    member beside a known total, or a total whose members are all known): the audit's check of the rule
    above, independent of counts (the source gives none for these cells)."""
    table = table.reset_index(drop=True)
    slots = Slots.of(table, np.zeros(len(table)), partition_layout(partitions, totals))
    known = slots.closure(shown.to_numpy(dtype=bool))
    return table.loc[withheld_by_source(table) & known, [*KEY, "group"]].reset_index(drop=True)


def blank_with_members(table: pd.DataFrame, kind: np.ndarray, combined: dict[str, tuple[str, ...]]) -> None:
    """Mark (in `kind`) each shown combined cell with a blank member in its (community, indicator, year)."""
    blank = kind != ""
    for group, members in combined.items():
        at = np.flatnonzero((table["group"] == group).to_numpy() & ~blank)
        if not len(at):
            continue
        hidden = table.loc[table["group"].isin(members).to_numpy() & blank, KEY].drop_duplicates().assign(hit=True)
        hit = table.iloc[at][KEY].merge(hidden, on=KEY, how="left")["hit"].fillna(False).to_numpy(dtype=bool)
        kind[at[hit]] = "complementary"


def suppress(outcomes: pd.DataFrame, min_cell: pd.Series, partitions: dict[str, list[str]],
             totals: dict[str, str] | None = None, combined: dict[str, tuple[str, ...]] | None = None,
             per: pd.Series | None = None) -> pd.DataFrame:
    """Add `raw`, `suppressed`, `suppression` (small_cell | complementary | source | '') and public `shown` columns.

    `min_cell` is indexed by community_id (per-community rules); `totals` names each partition's total
    group (default `all`); `per` (by indicator id) is what numerator / denominator is multiplied by (100).
    Within each (community, indicator, year):
    1. a cell with a denominator under min_cell is suppressed (small_cell);
    2. in each partition whose total is shown, the students a reader can isolate as the total minus the
       shown members -- the blank members plus students in no listed member -- number 0 or at least
       min_cell, and a blank member never stands alone (one blank and no unlisted students would be the
       total minus the others exactly, and could then unlock another partition);
    3. in each partition whose total is blank, the blank members hide at least min_cell students (or all of
       a smaller total's), so the total cannot be rebuilt as the sum of its shown members;
    where a partition falls short, its smallest shown members (by denominator, then group id) are
    suppressed until it does not (complementary). Only when no partition can be mended that way is the
    total of one that cannot suppressed instead (complementary); in the partitions it belongs to such a
    total counts only as the students its members hide, so it is no cover there. The rule runs to a fixed
    point because a group is a member of one partition and the total of another (`female` is both), and it
    is checked on what a reader can derive (`Slots.closure`), not only on what is blank.

    A cell given only as a `value` (percent, no counts) has no known size: it is never suppressed for its
    own size (whoever published the percent applied their own small-cell rule), chosen as a complementary
    cell only where a blank total would otherwise be rebuilt from its members (hiding an unknown number of
    students proves nothing else) and counts as hiding no students; students outside the listed members are
    counted only when the total and every member have counts. That is the conservative choice: where counts
    cannot prove a remainder safe, the total goes.

    After those, `ci_lib.scoring.crossings` checks what adding and subtracting groups of a crossing's
    partitions gives (gender x race) and blanks one more cell per small set it finds, until there is none.

    `combined` ({combined group: members}) are params' combined groups: after the rule above, a combined
    cell with any blank member is blanked (complementary); see the module docstring.
    """
    table = outcomes.copy()
    table["raw"] = cell_values(table, per)
    threshold, den = thresholds_and_counts(table, min_cell)
    kind = np.where(np.nan_to_num(den, nan=np.inf) < threshold, "small_cell", "").astype(object)
    kind[withheld_by_source(table)] = "source"  # blank from the start: the rule then keeps it underivable
    layout = partition_layout(partitions, totals)
    slots = Slots.of(table, threshold, layout)
    has_count = ~np.isnan(slots.member_den)
    total_den = np.nan_to_num(den[slots.slot_total_pos], nan=np.inf)
    while True:
        blank = kind != ""
        unknown = ~slots.closure(~blank)
        hidden = slots.hidden(unknown, slots.weights(unknown, den))
        blank_members = slots.unknown_members(blank)  # blank, derived or not: a derived one stands alone
        total_shown = ~blank[slots.slot_total_pos]
        total_known = ~unknown[slots.slot_total_pos]
        target = np.where(total_shown, slots.slot_threshold, np.minimum(slots.slot_threshold, total_den))
        short = np.where(total_shown, hidden > 0, True) & (hidden < target - 1e-9)
        alone = total_known & (blank_members == 1) & (slots.slot_unlisted == 0)
        candidate = (short | alone)[slots.member_slot] & ~blank[slots.member_pos] & has_count
        cand_den = np.where(candidate, slots.member_den, 0.0)
        reachable = hidden + np.bincount(slots.member_slot, cand_den, minlength=len(hidden)) >= target - 1e-9
        mendable = (short & reachable) | (alone & ~short & (np.bincount(slots.member_slot, candidate,
                                                                        minlength=len(hidden)) > 0))
        before = pd.Series(cand_den).groupby(slots.member_slot).cumsum().to_numpy() - cand_den
        first = pd.Series(candidate.astype(int)).groupby(slots.member_slot).cumsum().to_numpy() == 1
        at = slots.member_slot
        pick = candidate & mendable[at] & ((short[at] & (hidden[at] + before < target[at] - 1e-9)) | (alone[at] & first))
        if pick.any():
            kind[slots.member_pos[pick]] = "complementary"
            continue
        stuck = total_shown & (short | alone)  # nothing left to blank among the members: the total goes
        if stuck.any():
            kind[slots.slot_total_pos[stuck]] = "complementary"
            continue
        # a blank total a reader rebuilds from members all shown, some given only as a percent (no count, so no
        # candidate above): their percents and the public sizes give it; they go with it
        rebuilt = blank[slots.slot_total_pos] & total_known & (slots.unknown_members(unknown) == 0) & (total_den > 0)
        percent = rebuilt[slots.member_slot] & ~blank[slots.member_pos] & ~has_count
        if percent.any():
            kind[slots.member_pos[percent]] = "complementary"
            continue
        across = cross_partition_blanks(table, den, threshold, blank, ~unknown, layout)  # combinations of partitions
        if not len(across):
            break
        kind[across] = "complementary"
    blank_with_members(table, kind, combined or {})
    table["suppression"] = kind.astype(str)
    table["suppressed"] = table["suppression"] != ""
    table["shown"] = table["raw"].round(1).where(~table["suppressed"])
    return table


def thresholds_and_counts(table: pd.DataFrame, min_cell: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per cell: its community's min_cell, and its denominator (NaN for a cell given only as a percent)."""
    threshold = table["community_id"].map(min_cell).astype(float).to_numpy()
    return threshold, table["denominator"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def exposures(table: pd.DataFrame, shown: pd.Series, min_cell: pd.Series, partitions: dict[str, list[str]],
              totals: dict[str, str] | None = None) -> pd.DataFrame:
    """Remainders a reader could compute: one row per (community, indicator, year, partition) whose total
    is known (shown, or derived: `Slots.closure`) and whose total minus the known members holds more than
    0 and fewer than min_cell students, counting an underived blank total only as the students its own
    members hide (the rest of it is known).

    `table` holds the private counts (denominator per cell), `shown` says which of its cells are published.
    Columns: community_id, indicator_id, year, partition, groups (the unknown members), students.
    A member given only as a percent counts as hiding no students. `attrs["checked"]` is the number of
    partition-years with a known total.
    """
    table = table.reset_index(drop=True)
    threshold, den = thresholds_and_counts(table, min_cell)
    slots = Slots.of(table, threshold, partition_layout(partitions, totals))
    known = slots.closure(shown.to_numpy(dtype=bool))
    unknown = ~known
    hidden = slots.hidden(unknown, slots.weights(unknown, den))
    exposed = np.flatnonzero(known[slots.slot_total_pos] & (hidden > 0) & (hidden < slots.slot_threshold - 1e-9))
    groups = table["group"].to_numpy()
    out = slots.slot_frame.iloc[exposed].copy()
    out["groups"] = [", ".join(sorted(groups[slots.member_pos[(slots.member_slot == s) & unknown[slots.member_pos]]]))
                     or "(students in no listed group)" for s in exposed.tolist()]
    out["students"] = hidden[exposed].round().astype(int)
    out.attrs["checked"] = int(known[slots.slot_total_pos].sum())
    return out.reset_index(drop=True)[[*KEY, "partition", "groups", "students"]]


def combined_exposures(table: pd.DataFrame, shown: pd.Series, min_cell: pd.Series, partitions: dict[str, list[str]],
                       totals: dict[str, str] | None = None) -> pd.DataFrame:
    """Sets of students a reader could compute by adding and subtracting groups of a crossing's partitions
    (`ci_lib.scoring.crossings`): one row per (community, indicator, year, crossing) where the `shown` cells
    give 1 to min_cell - 1 students, or where too many atoms are open to check and intersections are shown.
    Columns: community_id, indicator_id, year, crossing, groups (the set of side x group atoms), students."""
    table = table.reset_index(drop=True)
    threshold, den = thresholds_and_counts(table, min_cell)
    layout = partition_layout(partitions, totals)
    known = Slots.of(table, threshold, layout).closure(shown.to_numpy(dtype=bool))
    rows = []
    for found in leaks(table, den, threshold, ~shown.to_numpy(dtype=bool), known, layout):
        if found.atoms == TOO_MANY and found.shown.isdisjoint(found.crossing.intersections):
            continue
        position = next(iter(found.rows.values()))
        groups = ("too many open atoms to check" if found.atoms == TOO_MANY else ", ".join(found.atom_names()))
        rows.append({**table.loc[position, KEY].to_dict(), "crossing": found.crossing.name, "groups": groups,
                     "students": found.students})
    return pd.DataFrame(rows, columns=[*KEY, "crossing", "groups", "students"])


# A published cell's `status`: why a value is blank, one meaning each ("" = a value is shown)
SUPPRESSED_BY_KIT, SUPPRESSED_BY_SOURCE, NOT_AVAILABLE_AT_SOURCE = "suppressed", "suppressed_by_source", "not_available"
PUBLIC_STATUSES = (SUPPRESSED_BY_KIT, SUPPRESSED_BY_SOURCE, NOT_AVAILABLE_AT_SOURCE)


def public_status(suppressed: pd.DataFrame) -> pd.Series:
    """`suppressed` (the kit's small-cell rule, own or complementary), `suppressed_by_source` (the source's
    marker), `not_available` (the source has no number), or "": what a reader is told of each cell."""
    kind = suppressed["suppression"].astype(str)
    source = (suppressed["source_status"].astype("string").fillna("") if "source_status" in suppressed.columns
              else pd.Series("", index=suppressed.index))
    status = np.select([kind == "source", kind != "", source == "not_available"],
                       [SUPPRESSED_BY_SOURCE, SUPPRESSED_BY_KIT, NOT_AVAILABLE_AT_SOURCE], "")
    return pd.Series(status, index=suppressed.index, dtype=object)


def public_table(suppressed: pd.DataFrame) -> pd.DataFrame:
    """What may be published: values rounded to 0.1, suppressed cells blank, no counts; `status` says why a
    value is blank."""
    columns = ["community_id", "indicator_id", "group", "year", "shown", "suppressed"]
    out = suppressed[columns].rename(columns={"shown": "value"}).assign(status=public_status(suppressed))
    return out.sort_values(["community_id", "indicator_id", "group", "year"]).reset_index(drop=True)
