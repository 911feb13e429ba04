"""What a reader can compute by combining whole partitions of a crossing (gender x race), checked exactly.

The per-partition rule (`suppression.suppress`) keeps every remainder of a partition at 0 or at least
`min_cell` students, and `Slots.closure` follows what one partition gives to the next. A reader can also add and
subtract groups of different partitions: with `r1`, `r2`, `female` and the female intersections shown, r1 + r2 -
female + female_r1 + female_r2 is male_r1 + male_r2 whenever the female students of the other races are known
too (a group with no row has none). No single partition shows that remainder.

Within a crossing (a parent partition whose members, `female` and `male`, are each split by the members of one
base partition, `female_<x>` and `male_<x>`) every group is a set of atoms: side x base, plus a row of students
in no listed side and a column of students in no listed base. A reader who knows the group sizes (enrolment is
public) can compute the students of a set of atoms exactly when its indicator lies in the span of the known
groups' indicators and the atoms known to be empty. `leak` finds a set of 1 to min_cell - 1 students among
those, and `cell_to_blank` the shown cell whose blank takes it away; `suppress` repeats both to a fixed point.

The check runs where it can be exact: every group of the crossing has a count (a cell given only as a percent,
or one the source withheld without counts, leaves the key to the per-partition rule), a missing row counts as
no students, and the atom counts add up. Where more than `MAX_OPEN_ATOMS` small atoms stay undetermined, every shown
intersection of the key is blanked: the margins alone (sides and bases) give no set that is not a whole row or
column, and the determined atoms are still checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

KEY = ["community_id", "indicator_id", "year"]  # a table of cells: one community's indicator in one year
MAX_OPEN_ATOMS = 14  # 2**14 subsets of the small undetermined atoms are enumerated per key at most
TOLERANCE = 1e-9
TOO_MANY: tuple[int, ...] = ()  # `leak`'s answer when the open atoms are too many to enumerate


@dataclass(frozen=True)
class Crossing:
    """A parent partition's total, its sides (`female`, `male`), the base groups (race) and their intersections."""

    name: str  # `<base partition> by <parent partition>`: race_ethnicity by gender
    total: str
    sides: tuple[str, ...]
    bases: tuple[str, ...]
    inner: tuple[tuple[str, ...], ...]  # inner[i][j]: the group of side i and base j

    @property
    def intersections(self) -> tuple[str, ...]:
        return tuple(g for row in self.inner for g in row)

    @property
    def groups(self) -> list[str]:
        return [self.total, *self.sides, *self.bases, *self.intersections]

    def vectors(self) -> dict[str, np.ndarray]:
        """Each group's indicator over the atoms (rows: sides, then no listed side; columns: bases, then none)."""
        rows, cols = len(self.sides) + 1, len(self.bases) + 1
        out = {self.total: np.ones(rows * cols)}
        for i, side in enumerate(self.sides):
            grid = np.zeros((rows, cols))
            grid[i, :] = 1
            out[side] = grid.ravel()
        for j, base in enumerate(self.bases):
            grid = np.zeros((rows, cols))
            grid[:, j] = 1
            out[base] = grid.ravel()
        for i, row in enumerate(self.inner):
            for j, group in enumerate(row):
                grid = np.zeros((rows, cols))
                grid[i, j] = 1
                out[group] = grid.ravel()
        return out

    def atom_counts(self, den: dict[str, float]) -> np.ndarray | None:
        """Students per atom from the private counts (a missing row: none), or None when they are unknown or
        do not add up (a total smaller than its parts)."""
        if self.total not in den or any(np.isnan(v) for v in den.values()):
            return None
        if not any(g in den for g in self.intersections):
            return None  # no intersection in this key: the partitions are flat, the per-partition rule holds
        inner = np.array([[den.get(g, 0.0) for g in row] for row in self.inner])
        sides = np.array([den.get(s, 0.0) for s in self.sides])
        bases = np.array([den.get(b, 0.0) for b in self.bases])
        grid = np.zeros((len(self.sides) + 1, len(self.bases) + 1))
        grid[:-1, :-1] = inner
        grid[:-1, -1] = sides - inner.sum(axis=1)
        grid[-1, :-1] = bases - inner.sum(axis=0)
        grid[-1, -1] = den[self.total] - grid.sum()
        return None if (grid < -TOLERANCE).any() else grid.ravel()


def split_sides(layout: dict[str, tuple[str, list[str]]]
                ) -> Iterator[tuple[str, str, list[str], list[dict[str, str]]]]:
    """Each partition whose members (`female`, `male`) are each the total of partitions named `<member>_<x>`:
    its name, total and members, and per member {x: `<member>_<x>`} over every partition of that member (by
    race, by income, ...). `suppression.partition_layout` adds the `<x>_by_<name>` partitions from it, and
    `crossings` the crossings."""
    by_total: dict[str, list[str]] = {}
    for total, members in layout.values():
        by_total.setdefault(total, []).extend(m for m in members if m not in by_total[total])
    for parent, (total, sides) in layout.items():
        if len(sides) >= 2 and all(side in by_total for side in sides):
            yield parent, total, sides, [{m.removeprefix(f"{side}_"): m for m in by_total[side]
                                          if m.startswith(f"{side}_")} for side in sides]


def crossings(layout: dict[str, tuple[str, list[str]]]) -> list[Crossing]:
    """The crossings of a partition layout (`suppression.partition_layout`): for each partition `split_sides`
    gives, every partition of the same total whose members all have an intersection on every side."""
    found = []
    for parent, total, sides, inner in split_sides(layout):
        for base, (base_total, bases) in layout.items():
            if base_total == total and base != parent and bases and all(all(b in i for i in inner) for b in bases):
                found.append(Crossing(f"{base} by {parent}", total, tuple(sides), tuple(bases),
                                      tuple(tuple(i[b] for b in bases) for i in inner)))
    return list(dict.fromkeys(found))


def null_basis(rows: list[np.ndarray], width: int) -> np.ndarray:
    """An orthonormal basis (as rows) of the null space of the known indicators: a set of atoms is known exactly
    when its indicator is orthogonal to every row of it."""
    if not rows:
        return np.eye(width)
    _, singular, vt = np.linalg.svd(np.array(rows), full_matrices=True)
    rank = int((singular > 1e-8).sum())
    return vt[rank:]


def leak(known: list[np.ndarray], counts: np.ndarray, min_cell: float) -> tuple[int, ...] | None:
    """A set of atoms (indices) that follows from the `known` indicators and holds 1 to min_cell - 1 students,
    the smallest such; None when there is none; `TOO_MANY` when more than `MAX_OPEN_ATOMS` atoms are open.
    Empty atoms are known to hold none (as a reader of a table without their row knows)."""
    width = len(counts)
    small = (counts > 0) & (counts < min_cell - TOLERANCE)
    if not small.any():
        return None  # a set of fewer than min_cell students is made of atoms that small: none here
    rows = [*known, *np.eye(width)[counts == 0]]
    null = null_basis(rows, width)
    determined = np.abs(null).max(axis=0, initial=0.0) < 1e-8
    if (small & determined).any():
        at = np.flatnonzero(small & determined)
        return (int(at[np.argmin(counts[at])]),)
    # only sets of small open atoms can hold fewer than min_cell students (any other atom holds min_cell or
    # more, and the empty ones are known, so a set derivable with them is derivable without them)
    open_atoms = np.flatnonzero(small & ~determined)
    coupling = null[:, open_atoms]  # a set of these atoms is derivable iff its indicator is in this null space
    if np.linalg.matrix_rank(coupling, tol=1e-8) == len(open_atoms):
        return None  # no combination of them cancels: none is derivable
    if len(open_atoms) > MAX_OPEN_ATOMS:
        return TOO_MANY
    subsets = ((np.arange(1, 2 ** len(open_atoms))[:, None] >> np.arange(len(open_atoms))) & 1).astype(float)
    derivable = np.abs(subsets @ coupling.T).max(axis=1, initial=0.0) < 1e-8
    students = subsets @ counts[open_atoms]
    hit = derivable & (students > 0) & (students < min_cell - TOLERANCE)
    if not hit.any():
        return None
    best = np.flatnonzero(hit)[np.argmin(students[hit])]
    return tuple(int(a) for a in open_atoms[subsets[best] > 0])


def follows(known: list[np.ndarray], counts: np.ndarray, atoms: tuple[int, ...]) -> bool:
    """Whether the set `atoms` is still known exactly from `known` (and the empty atoms)."""
    target = np.zeros(len(counts))
    target[list(atoms)] = 1
    null = null_basis([*known, *np.eye(len(counts))[counts == 0]], len(counts))
    return bool(np.abs(null @ target).max(initial=0.0) < 1e-8)


def cell_to_blank(crossing: Crossing, den: dict[str, float], shown: set[str], derived: set[str],
                  counts: np.ndarray, atoms: tuple[int, ...]) -> str | None:
    """The shown group to blank against the leaking set `atoms`: the smallest (by students, then id) whose blank
    makes the set unknown; else the smallest shown intersection, else the smallest shown group but the total
    (each pick blanks one more cell, so repeating ends)."""
    vectors = crossing.vectors()
    candidates = sorted((g for g in crossing.groups if g in shown and g in den), key=lambda g: (den[g], g))
    for group in candidates:
        rest = [vectors[g] for g in crossing.groups if g in derived and g != group]
        if not follows(rest, counts, atoms):
            return group
    for pool in ([g for g in candidates if g in crossing.intersections], [g for g in candidates if g != crossing.total]):
        if pool:
            return pool[0]
    return None


def key_codes(table: pd.DataFrame, at: np.ndarray | None = None) -> np.ndarray:
    """One integer per (community, indicator, year) of the rows `at` (default: all), equal for equal keys
    (merges on the string columns cost more than the rules that need them)."""
    key = np.zeros(len(table) if at is None else len(at), dtype=np.int64)
    for column in KEY:
        codes, uniques = pd.factorize(table[column] if at is None else table[column].iloc[at])
        key = key * (len(uniques) + 1) + codes
    return key


@dataclass(frozen=True)
class Leak:
    """A key's crossing where the known cells give a small set of atoms (`atoms`, holding `students`)."""

    crossing: Crossing
    rows: dict[str, int]  # group -> position in the table, for the key's cells of the crossing
    den: dict[str, float]
    counts: np.ndarray
    derived: set[str]
    shown: set[str]
    atoms: tuple[int, ...]  # TOO_MANY: too many open atoms to enumerate

    @property
    def students(self) -> int:
        return int(round(self.counts[list(self.atoms)].sum()))

    def atom_names(self) -> list[str]:
        sides, bases = [*self.crossing.sides, "no listed side"], [*self.crossing.bases, "no listed group"]
        return [f"{sides[a // len(bases)]} x {bases[a % len(bases)]}" for a in self.atoms]


def leaks(table: pd.DataFrame, den: np.ndarray, threshold: np.ndarray, blank: np.ndarray, known: np.ndarray,
          layout: dict[str, tuple[str, list[str]]]) -> list[Leak]:
    """Every (community, indicator, year) and crossing where a reader can combine the `known` cells into a set
    of 1 to min_cell - 1 students (or where too many atoms are open to tell). Only keys with a `blank` cell in
    the crossing are looked at: with every cell of a crossing shown, the per-partition rule's remainders are
    all there is to compute."""
    found: list[Leak] = []
    group_column = table["group"]
    groups = group_column.to_numpy()
    present = set(pd.unique(groups))
    for crossing in crossings(layout):
        vectors = crossing.vectors()
        inner = list(crossing.intersections)
        if present.isdisjoint(inner):
            continue  # no intersection in the table (the demo's case): nothing to combine beyond the partitions
        in_crossing = np.flatnonzero(group_column.isin(crossing.groups).to_numpy(dtype=bool))
        codes = key_codes(table, in_crossing)
        has_blank = pd.Series(blank[in_crossing]).groupby(codes).transform("any").to_numpy(dtype=bool)
        is_inner = group_column.iloc[in_crossing].isin(inner).to_numpy(dtype=bool)
        has_inner = pd.Series(is_inner).groupby(codes).transform("any").to_numpy(dtype=bool)
        look = has_blank & has_inner
        for positions in pd.Series(in_crossing[look]).groupby(codes[look]).agg(list):
            rows = {groups[p]: p for p in positions}
            cell_den = {g: den[p] for g, p in rows.items()}
            counts = crossing.atom_counts(cell_den)
            if counts is None:
                continue
            derived = {g for g, p in rows.items() if known[p]}
            atoms = leak([vectors[g] for g in derived], counts, threshold[positions[0]])
            if atoms is not None:
                found.append(Leak(crossing, rows, cell_den, counts, derived,
                                  {g for g, p in rows.items() if not blank[p]}, atoms))
    return found


def cross_partition_blanks(table: pd.DataFrame, den: np.ndarray, threshold: np.ndarray, blank: np.ndarray,
                           known: np.ndarray, layout: dict[str, tuple[str, list[str]]]) -> np.ndarray:
    """Positions (in `table`) of the cells to blank next: one per leak (`cell_to_blank`); where too many atoms
    are open to enumerate, every shown intersection of the key (the margins alone give no small set)."""
    picks: list[int] = []
    for found in leaks(table, den, threshold, blank, known, layout):
        if found.atoms == TOO_MANY:
            picks.extend(found.rows[g] for g in found.shown.intersection(found.crossing.intersections))
            continue
        group = cell_to_blank(found.crossing, found.den, found.shown, found.derived, found.counts, found.atoms)
        if group is not None:
            picks.append(found.rows[group])
    return np.array(sorted(set(picks)), dtype=np.int64)
