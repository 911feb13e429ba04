"""Plausibility warnings: valid data that is probably wrong, said once per cell, never an error.

Four checks over the long outcomes, each a few vectorised passes (no Python loop per row, so a network of
10,000 communities costs seconds), run by `load_network` once the data is valid:

- `scale`: a reported `value` (no counts) about 100 times smaller or larger than its neighbouring years in
  the same series (community, indicator, group): a source that changed from percents to fractions;
- `jump`: a percent that moves more than the `plausibility.max_jump_pp` rule from one reported year to the
  next; where both years give counts, only a move beyond `NOISE_Z` standard errors of sampling noise (a
  small group's swing is not a warning);
- `partition_sum`: the groups of a family that add up to a total (`Rubric.partitions`) count more
  students (denominators) or successes (numerators) than the total itself;
- `outside_range`: with every group of such a family present, the total's value outside its groups' range.

A warning is a `Problem` (file, row, column: the cell to look at) with what the page's data notes need to
say it in plain words (`page_words`), without the number of a cell the kit suppresses.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ci_lib.errors import Problem
from ci_lib.inputs.rubric import Rubric

SCALE_FACTOR = 50.0  # a value this many times smaller or larger than each neighbour (about 100x) changed scale
NOISE_Z = 5.0  # a jump between two counted years must exceed this many standard errors of sampling noise
RANGE_TOLERANCE_PP = 0.5  # rounding of reported values (as the check of value against the counts)
SERIES = ["community_id", "indicator_id", "group"]
CELL = ["community_id", "indicator_id", "year"]
KINDS = ("scale", "jump", "partition_sum", "outside_range")


@dataclass(frozen=True, order=True)
class PlausibilityWarning(Problem):
    """A warning on one cell: `year` and `group` name it; `other_year` is the year it is compared with.

    `size` is the scale factor (100) or the jump in points; `numbers` are whether the page may say it (every
    cell it compares is published); `family` is the partition of `partition_sum` and `outside_range`.
    """

    kind: str = ""
    community_id: str = ""
    indicator_id: str = ""
    group: str = ""
    year: int = 0
    other_year: int | None = None
    family: str = ""
    size: float = 0.0
    threshold: float = 0.0
    what: str = ""  # `partition_sum`: numerators or denominators

    @property
    def cells(self) -> list[tuple[str, int]]:
        """The (group, year) cells whose numbers the warning's size is made of."""
        return [(self.group, self.year)] + ([(self.group, self.other_year)] if self.other_year is not None else [])


def page_words(warning: PlausibilityWarning, indicator: str, group: str, family: str, numbers: bool) -> str:
    """The data note: what looks wrong and what to check; numbers only when `numbers` (no suppressed cell)."""
    year, other = warning.year, warning.other_year
    if warning.kind == "scale":
        direction = "smaller" if warning.size < 0 else "larger"
        said = (f"about {abs(warning.size):g} times {direction} than {other}" if numbers
                else f"on another scale than {other}")
        return f"{indicator}, {group}: {year} is {said}; check the source's scale"
    if warning.kind == "jump":
        moves = (f"{'rises' if warning.size > 0 else 'falls'} {abs(warning.size):.1f} points" if numbers
                 else "moves")
        return (f"{indicator}, {group}: {moves} from {other} to {year}, more than the {warning.threshold:g} "
                "points a year the network expects; check that both years measure the same thing")
    if warning.kind == "partition_sum":
        return (f"{indicator}, {year}: the {family} groups' {warning.what} add up to more than {group}'s; "
                "check for students counted twice or rows from different sources")
    return (f"{indicator}, {year}: the {group} value lies outside the range of its {family} groups' values; "
            "check that they come from the same source")


@dataclass
class Cells:
    """The valid outcomes as numpy arrays, sorted by series (community, indicator, group) and year.

    Ids are integer codes (`pd.factorize`), so every check below is array arithmetic, sorting and one
    group-by on integer keys, whatever the network's size.
    """

    paths: tuple[str, str]  # the outcomes file; the student-level file rows without a line come from
    line: np.ndarray  # the file line of each row (NaN: aggregated from student-level records)
    community: np.ndarray
    indicator: np.ndarray
    group: np.ndarray
    communities: pd.Index  # community code -> id
    indicators: pd.Index
    groups: pd.Index  # group code -> id
    year: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    value: np.ndarray  # percent from the counts where given, else the reported value
    counted: np.ndarray

    @classmethod
    def of(cls, out: pd.DataFrame, paths: tuple[str, str], lines: np.ndarray) -> Cells:
        num = out["numerator"].astype("Float64").to_numpy(float, na_value=np.nan)
        den = out["denominator"].astype("Float64").to_numpy(float, na_value=np.nan)
        reported = out["value"].astype("Float64").to_numpy(float, na_value=np.nan)
        counted = den > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(counted, num / den * 100, reported)
        community, communities = pd.factorize(out["community_id"])
        indicator, indicators = pd.factorize(out["indicator_id"])
        group, groups = pd.factorize(out["group"])
        year = out["year"].to_numpy("int64", na_value=0)
        keep = np.flatnonzero(~np.isnan(value))
        span = int(year.max() - year.min() + 1) if len(year) else 1
        series = (community.astype(np.int64) * len(indicators) + indicator) * len(groups) + group
        order = keep[np.argsort((series * span + (year - year.min(initial=0)))[keep], kind="stable")]
        return cls(paths, lines[order], community[order], indicator[order], group[order], pd.Index(communities),
                   pd.Index(indicators), pd.Index(groups), year[order], num[order], den[order], value[order],
                   counted[order])

    def ids(self, position: int) -> tuple[str, str, str, int]:
        """Community, indicator, group and year of the row at `position`."""
        return (str(self.communities[self.community[position]]), str(self.indicators[self.indicator[position]]),
                str(self.groups[self.group[position]]), int(self.year[position]))

    def warning(self, position: int, column: str, message: str, **fields: object) -> PlausibilityWarning:
        """A warning at the file, line and column of the row at `position` (`message` after its ids)."""
        community, indicator, group, year = self.ids(position)
        line = self.line[position]
        at_line = not np.isnan(line)
        return PlausibilityWarning(self.paths[0] if at_line else self.paths[1], int(line) if at_line else None,
                                   column, f"{community} {indicator}, {message}", community_id=community,
                                   indicator_id=indicator, year=year, **fields)  # type: ignore[arg-type]

    def subset(self, mask: np.ndarray) -> Cells:
        return Cells(self.paths, self.line[mask], self.community[mask], self.indicator[mask], self.group[mask],
                     self.communities, self.indicators, self.groups, self.year[mask], self.numerator[mask],
                     self.denominator[mask], self.value[mask], self.counted[mask])

    def neighbours(self) -> tuple[np.ndarray, np.ndarray]:
        """Whether the previous and the next row are of the same series."""
        same = (self.community[1:] == self.community[:-1]) & (self.indicator[1:] == self.indicator[:-1]) & \
            (self.group[1:] == self.group[:-1])
        return np.r_[False, same], np.r_[same, False]


def shifted(values: np.ndarray, by: int, fill: float = np.nan) -> np.ndarray:
    out = np.full(len(values), fill, dtype=float)
    if by > 0:
        out[by:] = values[:-by]
    else:
        out[:by] = values[-by:]
    return out


def scale_warnings(cells: Cells) -> tuple[list[PlausibilityWarning], np.ndarray]:
    """Reported values about 100x off each neighbour in their series; also which rows of `cells` are flagged."""
    positive = ~cells.counted & (cells.value > 0)
    r = cells.subset(positive)
    has_prev, has_next = r.neighbours()
    v = r.value
    with np.errstate(divide="ignore", invalid="ignore"):
        to_prev, to_next = v / shifted(v, 1), v / shifted(v, -1)
    smaller = (has_prev | has_next) & (~has_prev | (to_prev <= 1 / SCALE_FACTOR)) & \
        (~has_next | (to_next <= 1 / SCALE_FACTOR))
    larger = (has_prev | has_next) & (~has_prev | (to_prev >= SCALE_FACTOR)) & (~has_next | (to_next >= SCALE_FACTOR))
    flagged = smaller | larger
    # a first or last year is compared with one neighbour only: when that neighbour is itself off (its
    # other neighbour agrees), the neighbour is named; of a series of two years, the later
    strong = flagged & has_prev & has_next
    first, last = has_next & ~has_prev, has_prev & ~has_next
    flagged &= ~((first & np.r_[flagged[1:], False]) | (last & np.r_[False, strong[:-1]]))
    out = []
    for position in map(int, np.flatnonzero(flagged)):
        prev = bool(has_prev[position])
        near = position - 1 if prev else position + 1
        ratio = float(to_prev[position] if prev else to_next[position])
        factor = 10.0 ** round(abs(math.log10(ratio)))
        _, _, group, year = r.ids(position)
        other = int(r.year[near])
        out.append(r.warning(position, "value", f"{group}: {year} is about {factor:g} times "
                             f"{'smaller' if ratio < 1 else 'larger'} than {other} ({v[position]:g} against "
                             f"{v[near]:g}): check the source's scale (a fraction among percents?)",
                             kind="scale", group=group, other_year=other, size=factor if ratio > 1 else -factor))
    off = np.zeros(len(cells.value), dtype=bool)
    off[np.flatnonzero(positive)[flagged]] = True
    return out, off


def jump_warnings(cells: Cells, percents: np.ndarray, threshold: np.ndarray,
                  off_scale: np.ndarray) -> list[PlausibilityWarning]:
    """Percents that move more than their community's `max_jump_pp` from one reported year to the next."""
    mask = percents[cells.indicator]
    j = cells.subset(mask)
    limit, off = threshold[j.community], off_scale[mask]
    has_prev, _ = j.neighbours()
    v = j.value
    change = v - shifted(v, 1)
    both = j.counted & np.r_[False, j.counted[:-1]]
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (j.numerator + shifted(j.numerator, 1)) / (j.denominator + shifted(j.denominator, 1))
        noise = np.sqrt(pooled * (1 - pooled) * (1 / j.denominator + 1 / shifted(j.denominator, 1))) * 100
    flagged = has_prev & (np.abs(change) > limit) & (~both | (np.abs(change) >= NOISE_Z * noise)) & \
        ~off & ~np.r_[False, off[:-1]]
    out = []
    for position in map(int, np.flatnonzero(flagged)):
        _, _, group, year = j.ids(position)
        other, size = int(j.year[position - 1]), float(change[position])
        out.append(j.warning(position, "value", f"{group}: {'rises' if size > 0 else 'falls'} {abs(size):.1f} points "
                             f"from {other} to {year} ({v[position - 1]:.1f} to {v[position]:.1f}), more than "
                             f"plausibility.max_jump_pp {limit[position]:g}: check that both years measure the "
                             "same thing",
                             kind="jump", group=group, other_year=other, size=size, threshold=float(limit[position])))
    return out


def partition_warnings(cells: Cells, rubric: Rubric, off_scale: np.ndarray) -> list[PlausibilityWarning]:
    """Families whose groups count more than their total, or (complete) whose total lies outside their range
    (unless a value of theirs is on another scale: that warning says it)."""
    families = list(rubric.partitions)
    if not families or not len(cells.value):
        return []
    code = {g: i for i, g in enumerate(cells.groups)}
    family_of = np.full(len(cells.groups) + 1, -1)
    for f, family in enumerate(families):
        family_of[[code[g] for g in rubric.partitions[family] if g in code]] = f
    sizes = np.array([len(rubric.partitions[f]) for f in families])
    cell = (cells.community.astype(np.int64) * (cells.indicator.max() + 1) + cells.indicator) * 10_000 + cells.year
    member = family_of[cells.group] >= 0
    key = cell[member] * len(families) + family_of[cells.group][member]
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.array([], dtype=int)
    if not len(starts):
        return []

    def each(values: np.ndarray, reduce: np.ufunc) -> np.ndarray:
        return reduce.reduceat(values[member][order], starts)

    summed = {"numerator": each(np.nan_to_num(cells.numerator), np.add),
              "denominator": each(np.nan_to_num(cells.denominator), np.add),
              "low": each(cells.value, np.minimum), "high": each(cells.value, np.maximum)}
    uncounted = each((~cells.counted).astype(np.int64), np.add)
    present = np.diff(np.r_[starts, len(key)])
    found_keys = key[starts]
    totals, places, of_family = [], [], []
    for f, family in enumerate(families):
        total = code.get(rubric.partition_totals[family])
        if total is not None:
            rows = np.flatnonzero(cells.group == total)
            totals.append(cell[rows] * len(families) + f)
            places.append(rows)
            of_family.append(np.full(len(rows), f))
    if not totals:
        return []
    total_keys, position, family_at = np.concatenate(totals), np.concatenate(places), np.concatenate(of_family)
    at = np.searchsorted(found_keys, total_keys)
    matched = (at < len(found_keys)) & (found_keys[np.minimum(at, len(found_keys) - 1)] == total_keys)
    at, position, family_at = at[matched], position[matched], family_at[matched]
    counted = (uncounted[at] == 0) & cells.counted[position]
    more_den = counted & (summed["denominator"][at] > cells.denominator[position])
    more_num = counted & ~more_den & (summed["numerator"][at] > cells.numerator[position])
    total_value = cells.value[position]
    low, high = summed["low"][at], summed["high"][at]
    complete = (present[at] == sizes[family_at]) & ~off_scale[position] & (each(off_scale.astype(np.int64), np.add)[at] == 0)
    outside = complete & ((total_value < low - RANGE_TOLERANCE_PP) | (total_value > high + RANGE_TOLERANCE_PP))
    out = []
    for what, mask in (("denominators", more_den), ("numerators", more_num), ("", outside)):
        for found in np.flatnonzero(mask):
            place, family = int(position[found]), families[family_at[found]]
            _, _, total_group, year = cells.ids(place)
            if what:
                column = what[:-1]
                given = cells.denominator[place] if column == "denominator" else cells.numerator[place]
                out.append(cells.warning(place, column, f"{year}: the {family} groups' {what} add up to "
                                         f"{summed[column][at[found]]:g}, more than {total_group}'s {given:g}: check for "
                                         "students counted twice or rows from different sources",
                                         kind="partition_sum", group=total_group, family=family, what=what))
            else:
                out.append(cells.warning(place, "value", f"{year}: {total_group} is {total_value[found]:.1f}, outside the "
                                         f"range of its {family} groups ({low[found]:.1f} to {high[found]:.1f}) "
                                         "although every group is given: check that they come from the same source",
                                         kind="outside_range", group=total_group, family=family))
    return out


def plausibility_warnings(out: pd.DataFrame, paths: tuple[str, str], lines: np.ndarray, rubric: Rubric | None,
                          units: Mapping[str, str], max_jump_pp: float,
                          jump_overrides: Mapping[str, float] | None = None) -> list[PlausibilityWarning]:
    """Every warning of valid outcomes `out`, whose rows are at `lines` of `paths[0]` (NaN: of `paths[1]`).

    `units` are the indicators' units (a jump is measured in points for percents only; an indicator of
    unknown unit is not checked for jumps); `jump_overrides` are the communities whose rules set their own.
    """
    if out.empty:
        return []
    cells = Cells.of(out, paths, lines)
    found, off_scale = scale_warnings(cells)
    threshold = np.full(len(cells.communities), float(max_jump_pp))
    for cid, limit in (jump_overrides or {}).items():
        if cid in cells.communities:
            threshold[cells.communities.get_loc(cid)] = float(limit)
    percents = np.array([units.get(str(i)) == "percent" for i in cells.indicators], dtype=bool)
    found += jump_warnings(cells, percents, threshold, off_scale)
    if rubric is not None:
        found += partition_warnings(cells, rubric, off_scale)
    return found


def plausibility_markdown() -> str:
    """The "Plausibility warnings" section of docs/data-contract.md, from the constants the checks use."""
    rows = [
        ("scale", f"a `value` given without counts is about 100 times smaller or larger (at least {SCALE_FACTOR:g} "
                  "times) than each neighbouring year of its series (community, indicator, group)", "that row's `value`"),
        ("jump", "a percent moves more than `plausibility.max_jump_pp` points (default 25; a rule, overridable in "
                 "params for the network or a community) from one reported year to the next; where both years give "
                 f"counts, only a move of at least {NOISE_Z:g} standard errors of sampling noise, so a small group's "
                 "swing is not flagged; indicators of other units (and local indicators when `validate` is not given "
                 "`--year`) are not checked", "the later row's `value`"),
        ("partition_sum", "the groups of a family that add up to a total (race/ethnicity, income, English learner "
                          "status, disability and gender add up to all students; the gender x race intersections "
                          "to female or male) count more students (`denominator`) or successes (`numerator`) than "
                          "the total's row", "the total's row"),
        ("outside_range", "every group of such a family is given and the total's value lies outside their range by "
                          f"more than {RANGE_TOLERANCE_PP:g} points", "the total's `value`"),
    ]
    table = "\n".join(f"| {kind} | {when} | {at} |" for kind, when, at in rows)
    return f"""\
## Plausibility warnings

Valid data can still be wrong. `ci-assess validate` (and every run) checks the outcomes once they are valid
and lists what looks implausible as warnings, after the notes, each at its `file:row:column` (exit 0; `--strict`
exits 2 on any warning); the summary line counts them, and each community page's data notes list that
community's warnings in plain words (a warning on a cell the kit suppresses names the cell, never its number).

| warning | when | at |
|---|---|---|
{table}

A value on another scale is not also reported as a jump into and out of it, nor as a total outside its
groups' range. What to do about each: the user guide, "When something fails".
"""
