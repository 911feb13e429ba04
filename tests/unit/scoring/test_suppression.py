"""Suppression holds by construction: properties over random partitions, nested gender x race tables and
whole scored networks, plus the rule's worked cases and the check that finds today's (pre-#24) leaks."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ci_lib.inputs.load import NetworkData
from ci_lib.inputs.parameters import YearParams
from ci_lib.inputs.rubric import load_rubric
from ci_lib.scoring import score_network
from ci_lib.scoring.suppression import exposures, partition_layout, suppress, suppression_rule_text

KEY = {"community_id": "alpha", "indicator_id": "hs_graduation", "year": 2024}
# derandomize: the same examples every run (random runs found the two known gaps pinned as strict xfails
# below; a CI turned red by them at random would hide a new failure).
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
sizes = st.one_of(st.integers(0, 12), st.integers(0, 200))  # small cells often, large ones too


def cells(rows: list[tuple[str, int | None]], percent_only: frozenset[str] = frozenset()) -> pd.DataFrame:
    """An outcomes table for one (community, indicator, year): (group, denominator) rows, half passing."""
    out = pd.DataFrame([{**KEY, "group": g, "numerator": None if g in percent_only else d // 2,
                         "denominator": None if g in percent_only else d, "value": 50.0 if g in percent_only else None}
                        for g, d in rows], columns=[*KEY, "group", "numerator", "denominator", "value"])
    return out.astype({"year": "Int64", "numerator": "Int64", "denominator": "Int64", "value": "Float64"})


def min_cell_of(n: int) -> pd.Series:
    return pd.Series({"alpha": n})


def remainders(table: pd.DataFrame, partitions: dict, totals: dict | None, min_cell: int) -> list[tuple]:
    """Written out plainly: per partition with a shown total, students in total - shown members."""
    den = dict(zip(table["group"], table["denominator"], strict=True))
    shown = dict(zip(table["group"], ~table["suppressed"], strict=True))
    bad = []
    for name, (total, members) in partition_layout(partitions, totals).items():
        if total not in den or not shown[total]:
            continue
        present = [m for m in members if m in den]
        counted = not pd.isna(den[total]) and all(not pd.isna(den[m]) for m in present)
        unlisted = max(0, den[total] - sum(den[m] for m in present)) if counted else 0
        hidden = sum(den[m] for m in present if not shown[m] and not pd.isna(den[m])) + unlisted
        if 0 < hidden < min_cell:
            bad.append((name, hidden))
    return bad


@st.composite
def flat_partitions(draw):
    """1-3 partitions of `all` with 0..40 members each, some given only as a percent."""
    partitions, rows, percent_only = {}, [], set()
    for p in range(draw(st.integers(1, 3))):
        members = [f"p{p}_{i}" for i in range(draw(st.integers(0, 40)))]
        partitions[f"part{p}"] = members
        for m in members:
            rows.append((m, draw(sizes)))
            if draw(st.integers(0, 9)) == 0:
                percent_only.add(m)
    biggest = max([sum(d for g, d in rows if g.startswith(f"p{p}_")) for p in range(len(partitions))], default=0)
    rows.append(("all", biggest + draw(st.integers(0, 30))))
    return partitions, None, cells(rows, frozenset(percent_only))


@st.composite
def gender_by_race(draw):
    """A consistent population: students by gender x race (plus some of unknown race), every cell derived."""
    races = [f"r{i}" for i in range(draw(st.integers(1, 4)))]
    atoms = {(g, r): draw(sizes) for g in ("female", "male") for r in [*races, "unknown"]}
    counts = {"all": sum(atoms.values())}
    for g in ("female", "male"):
        counts[g] = sum(n for (gg, _), n in atoms.items() if gg == g)
        counts.update({f"{g}_{r}": atoms[(g, r)] for r in races})
    counts.update({r: atoms[("female", r)] + atoms[("male", r)] for r in races})
    partitions = {"race": races, "gender": ["female", "male"],
                  "race_female": [f"female_{r}" for r in races], "race_male": [f"male_{r}" for r in races]}
    totals = {"race": "all", "gender": "all", "race_female": "female", "race_male": "male"}
    table = cells([(g, d) for g, d in counts.items() if d > 0])  # no row for a group without students
    return partitions, totals, table, atoms


def check_construction(partitions, totals, table, min_cell):
    out = suppress(table, min_cell_of(min_cell), partitions, totals)
    assert remainders(out, partitions, totals, min_cell) == []
    shown = out[~out["suppressed"]]
    assert not (shown["denominator"].astype("Float64") < min_cell).fillna(False).any()
    assert set(out["suppression"]) <= {"", "small_cell", "complementary"}
    # a percent-only cell is blanked only as a total its members cannot protect, or as a member of a blank total
    percent = out["denominator"].isna()
    blank_totals = set(out.loc[out["suppressed"], "group"]) & {"all", *(totals or {}).values()}
    members_of_blank = {m for name, (total, members) in partition_layout(partitions, totals).items()
                        if total in blank_totals for m in members}
    assert set(out.loc[percent & out["suppressed"], "group"]) <= {"all", *(totals or {}).values(), *members_of_blank}
    assert exposures(out, ~out["suppressed"], min_cell_of(min_cell), partitions, totals).empty
    return out


@SETTINGS
@given(flat_partitions(), st.integers(1, 20))
def test_blank_members_beside_a_shown_total_hold_none_or_at_least_min_cell(case, min_cell):
    check_construction(*case, min_cell)


def test_a_percent_only_member_rebuilding_a_small_total_goes_with_it():
    """A total blanked as small (1 student) whose partition's only member is given only as a percent: that
    percent is the total's result, so the member is blanked too (it was left shown before)."""
    table = cells([("p1_0", 0), ("all", 1)], percent_only=frozenset({"p1_0"}))
    out = check_construction({"part0": [], "part1": ["p1_0"]}, None, table, 2)
    assert kinds(out) == {"all": "small_cell", "p1_0": "complementary"}


@SETTINGS
@given(gender_by_race(), st.integers(1, 20))
def test_nested_intersections_hold_by_construction_too(case, min_cell):
    check_construction(*case[:3], min_cell)


def assert_monotone(partitions, totals, table, low, extra):
    few = suppress(table, min_cell_of(low), partitions, totals)
    many = suppress(table, min_cell_of(low + extra), partitions, totals)
    assert set(few.loc[few["suppressed"], "group"]) <= set(many.loc[many["suppressed"], "group"])


@SETTINGS
@given(flat_partitions(), st.integers(1, 20), st.integers(0, 20))
def test_raising_min_cell_never_unsuppresses_a_cell(case, low, extra):
    assert_monotone(*case, low, extra)


@pytest.mark.xfail(strict=True, reason="greedy choices differ once the intersections nest: at min_cell 2 the "
                   "complementary cells are male_r0, r0, male_r1, r1; at 3 male_r0 and r0 are small and cover it")
def test_raising_min_cell_with_nested_intersections_known_counterexample():
    partitions = {"race": ["r0", "r1"], "gender": ["female", "male"], "race_female": ["female_r0", "female_r1"],
                  "race_male": ["male_r0", "male_r1"]}
    totals = {"race": "all", "gender": "all", "race_female": "female", "race_male": "male"}
    table = cells([("all", 7), ("female", 1), ("male", 6), ("male_r0", 2), ("male_r1", 3), ("r0", 2), ("r1", 3)])
    assert_monotone(partitions, totals, table, 2, 1)


@SETTINGS
@given(st.one_of(flat_partitions(), gender_by_race().map(lambda c: c[:3])), st.integers(1, 20), st.randoms())
def test_suppressing_twice_or_in_another_row_order_changes_nothing(case, min_cell, rng):
    partitions, totals, table = case
    once = suppress(table, min_cell_of(min_cell), partitions, totals)
    twice = suppress(once[table.columns], min_cell_of(min_cell), partitions, totals)
    pd.testing.assert_frame_equal(once, twice)
    order = list(range(len(table)))
    rng.shuffle(order)
    shuffled = suppress(table.iloc[order], min_cell_of(min_cell), partitions, totals)
    assert dict(zip(shuffled["group"], shuffled["suppression"], strict=True)) == \
        dict(zip(once["group"], once["suppression"], strict=True))


def derivable_small_sets(atoms: dict, out: pd.DataFrame, min_cell: int) -> list[tuple]:
    """Every set of students (gender x race atoms) whose combined result follows linearly from the shown
    cells and the known group sizes, and that holds 1 to min_cell - 1 students. A reader knowing sizes turns
    each shown percent into a count, so a set is derivable iff its indicator is in the span of the shown cells."""
    names = list(atoms)
    def members(group: str) -> np.ndarray:
        if group == "all":
            return np.ones(len(names))
        if group in ("female", "male"):
            return np.array([g == group for g, _ in names], dtype=float)
        if group.startswith(("female_", "male_")):
            g, r = group.split("_", 1)
            return np.array([(gg, rr) == (g, r) for gg, rr in names], dtype=float)
        return np.array([rr == group for _, rr in names], dtype=float)
    known = [members(g) for g in out.loc[~out["suppressed"], "group"]]
    known += [np.eye(len(names))[i] for i, a in enumerate(names) if atoms[a] == 0]  # an empty group is known: 0
    basis = np.linalg.svd(np.array(known), full_matrices=False)[2] if known else np.zeros((0, len(names)))
    rank = int((np.linalg.svd(np.array(known), compute_uv=False) > 1e-9).sum()) if known else 0
    basis = basis[:rank]
    subsets = np.array(list(itertools.product([0.0, 1.0], repeat=len(names))))
    subsets = subsets[(subsets @ np.array([atoms[a] == 0 for a in names], dtype=float)) == 0]  # empty ones add nothing
    residual = subsets - subsets @ basis.T @ basis
    derivable = np.abs(residual).max(axis=1) < 1e-6
    students = subsets @ np.array([atoms[a] for a in names], dtype=float)
    small = derivable & (students > 0) & (students < min_cell)
    return [tuple(a for a, on in zip(names, row, strict=True) if on) for row in subsets[small]]


# What the rule guarantees: no set of fewer than min_cell students (gender x race atoms) follows from the shown
# cells and the known sizes, within a partition or by combining partitions (`ci_lib.scoring.crossings`).
# Random examples, not "derandomized" ones: Hypothesis draws constants from the modules imported so far, so
# fixed examples changed with the order test files ran in (a test that passed by luck, before the crossings).
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gender_by_race(), st.integers(1, 20))
def test_no_set_of_fewer_than_min_cell_students_can_be_computed_from_what_is_shown(case, min_cell):
    partitions, totals, table, atoms = case
    out = suppress(table, min_cell_of(min_cell), partitions, totals)
    assert derivable_small_sets(atoms, out, min_cell) == []


def test_a_combination_across_partitions_is_blanked():
    """r1 + r2 - female (+ the shown female intersections) gives male_r1 + male_r2: 2 students at min_cell 3,
    in no single partition's remainder. Found by the property above with random examples; the per-partition
    rule alone left it, the crossing check blanks one more cell."""
    races = ["r0", "r1", "r2"]
    partitions = {"race": races, "gender": ["female", "male"], "race_female": [f"female_{r}" for r in races],
                  "race_male": [f"male_{r}" for r in races]}
    totals = {"race": "all", "gender": "all", "race_female": "female", "race_male": "male"}
    atoms = {("female", "r0"): 0, ("female", "r1"): 2, ("female", "r2"): 2, ("female", "unknown"): 0,
             ("male", "r0"): 2, ("male", "r1"): 1, ("male", "r2"): 1, ("male", "unknown"): 1}
    table = cells([("all", 9), ("female", 4), ("female_r1", 2), ("female_r2", 2), ("male", 5), ("male_r0", 2),
                   ("male_r1", 1), ("male_r2", 1), ("r0", 2), ("r1", 3), ("r2", 3)])
    out = suppress(table, min_cell_of(3), partitions, totals)
    assert derivable_small_sets(atoms, out, 3) == []
    within = derivable_small_sets(atoms, suppress_within_partitions(table, 3, partitions, totals), 3)
    assert (("male", "r1"), ("male", "r2")) in within  # what the per-partition rule alone left


def suppress_within_partitions(table, min_cell, partitions, totals):
    """The rule without the crossing check (what it was before): the leak above is real, not the oracle's."""
    from unittest import mock

    from ci_lib.scoring import suppression

    with mock.patch.object(suppression, "cross_partition_blanks", lambda *a, **k: np.zeros(0, dtype=np.int64)):
        return suppress(table, min_cell_of(min_cell), partitions, totals)


def test_the_oracle_finds_the_leak_the_old_rule_left():
    """The issue's case: two blank race groups holding 3 students beside a shown total are recoverable."""
    atoms = {("female", "r0"): 2, ("male", "r0"): 1, ("female", "r1"): 40, ("male", "r1"): 40,
             ("female", "unknown"): 0, ("male", "unknown"): 0}
    out = cells([("all", 83), ("r0", 3), ("r1", 80)]).assign(suppressed=[False, True, False])
    assert derivable_small_sets(atoms, out, 10) == [(("female", "r0"), ("male", "r0"))]


# -- the rule's worked cases -------------------------------------------------------------------------------

RACE = {"race": ["american_indian", "asian", "black", "pacific_islander", "white"]}


def kinds(out: pd.DataFrame) -> dict[str, str]:
    return {g: k for g, k in zip(out["group"], out["suppression"], strict=True) if k}


def test_two_small_groups_together_under_min_cell_take_the_next_smallest_with_them():
    # alder-bay hs_graduation 2024: american_indian and pacific_islander blank, 3 students between them
    table = cells([("all", 120), ("american_indian", 2), ("pacific_islander", 1), ("asian", 12), ("black", 25),
                   ("white", 80)])
    out = suppress(table, min_cell_of(10), RACE)
    assert kinds(out) == {"american_indian": "small_cell", "pacific_islander": "small_cell", "asian": "complementary"}


def test_small_groups_already_holding_min_cell_need_no_partner():
    table = cells([("all", 120), ("american_indian", 6), ("pacific_islander", 5), ("asian", 12), ("black", 17),
                   ("white", 80)])
    assert kinds(suppress(table, min_cell_of(10), RACE)) == {"american_indian": "small_cell",
                                                             "pacific_islander": "small_cell"}


def test_students_in_no_listed_group_count_among_the_hidden():
    # all - shown = the blank 4 plus 8 students in no listed race group: 12, enough
    table = cells([("all", 120), ("asian", 4), ("black", 28), ("white", 80)])
    assert kinds(suppress(table, min_cell_of(10), RACE)) == {"asian": "small_cell"}
    # and 3 unlisted students alone are a remainder too: the smallest group goes with them
    table = cells([("all", 115), ("asian", 12), ("black", 20), ("white", 80)])
    assert kinds(suppress(table, min_cell_of(10), RACE)) == {"asian": "complementary"}


def test_a_blank_intersection_forces_its_partner_in_the_race_as_well():
    # female_black (3) blank: race_female then needs another blank; black = female_black + male_black, so
    # black - male_black would give female_black: male_black goes too
    partitions = {"race_female": ["female_black", "female_white"], "race_male": ["male_black", "male_white"],
                  "gender": ["female", "male"], "race": ["black", "white"]}
    totals = {"race_female": "female", "race_male": "male", "gender": "all", "race": "all"}
    table = cells([("all", 203), ("female", 103), ("male", 100), ("black", 43), ("white", 160),
                   ("female_black", 3), ("female_white", 100), ("male_black", 40), ("male_white", 60)])
    out = suppress(table, min_cell_of(10), partitions, totals)
    assert kinds(out) == {"female_black": "small_cell", "female_white": "complementary",
                          "male_black": "complementary", "male_white": "complementary"}
    assert "black_by_gender" in partition_layout(partitions, totals)


def test_a_total_whose_members_cannot_protect_it_is_blanked():
    # the only other member is a percent (no count): it cannot be shown to hide enough students
    table = cells([("all", 50), ("asian", 4), ("white", 46)], percent_only=frozenset({"white"}))
    assert kinds(suppress(table, min_cell_of(10), RACE)) == {"asian": "small_cell", "all": "complementary"}


def test_totals_default_to_all_as_before_families():
    table = cells([("all", 120), ("female", 4), ("male", 116)])
    assert kinds(suppress(table, min_cell_of(10), {"gender": ["female", "male"]})) == \
        {"female": "small_cell", "male": "complementary"}


def test_the_methods_sentence_names_the_threshold_and_says_what_holds():
    text = suppression_rule_text(11)
    assert "fewer than 11 students" in text and "total minus the shown groups" in text
    assert "none or at least 11" in text and "one group is suppressed" not in text


# -- across years: nothing is computed from a blank -------------------------------------------------------

RUBRIC = load_rubric("toa-2019")
YEARS = [2019, 2020, 2021, 2022]
GROUPS = ["all", *RUBRIC.partitions["race_ethnicity"][:4], "low_income", "not_low_income"]
network_cells = st.fixed_dictionaries({(g, y): st.one_of(st.integers(g == "all", 15), st.integers(1, 300))
                                       for g in GROUPS for y in YEARS})


def network(sizes: dict) -> NetworkData:
    rows = [{"community_id": "alpha", "indicator_id": "hs_graduation", "year": y, "group": g,
             "numerator": (d * 3) // 4, "denominator": d, "value": pd.NA} for (g, y), d in sizes.items() if d]
    out = pd.DataFrame(rows).astype({"year": "Int64", "numerator": "Int64", "denominator": "Int64", "value": "Float64"})
    communities = pd.DataFrame({"community_id": ["alpha"], "name": ["Alpha"], "state": ["OH"], "anchor_entity": ["A"],
                                "joined_year": pd.array([2015], dtype="Int64")})
    bench = pd.DataFrame(columns=["community_id", "year", "benchmark_id", "status", "evidence", "reviewer"])
    return NetworkData(None, communities, bench, out)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network_cells, st.integers(1, 20), st.sampled_from(["baseline", "prior", "consecutive"]))
def test_no_change_trend_or_gap_is_published_from_a_suppressed_cell(sizes, min_cell, method):
    params = YearParams(framework="toa-2019", data=None, title="t", run_date=None,
                        rules={"min_cell": min_cell, "trend": {"method": method, "periods": 2}}, local_indicators=[])
    result = score_network(network(sizes), RUBRIC, params, 2022)
    public = result.public_outcomes
    assert list(public.columns) == ["community_id", "indicator_id", "group", "year", "value", "suppressed", "status"]
    assert public.loc[public["suppressed"], "value"].isna().all()
    assert (public["status"] == "suppressed").equals(public["suppressed"].astype(bool))  # no marker in these cells
    blank = {(g, y) for g, y, s in zip(public["group"], public["year"], public["suppressed"], strict=True) if s}
    s = result.scores["alpha"]
    for row in s["outcomes"]:
        g = row["group"]
        ends = [(g, row["baseline_year"]), (g, row["latest_year"])]
        for end, field in zip(ends, ("baseline", "latest"), strict=True):
            if end in blank:
                assert row[field] is None
        if any(end in blank for end in ends):
            assert row["change_pp"] is None and row.get("change_pct") is None and row["suppressed"]
            assert row["trend"] == "insufficient_data"
    for row in s["disparities"]:  # a gap has its own years: the earliest both cells are published, and the latest
        g, ref = row["group"], row["reference_group"]
        for field, year in zip(("gap_baseline_pp", "gap_latest_pp"), (row["baseline_year"], row["latest_year"]),
                               strict=True):
            if (g, year) in blank or (ref, year) in blank:
                assert row[field] is None and row["gap_change_pp"] is None and row["suppressed"]
                assert row["gap_trend"] == "insufficient_data"
    private = network(sizes).outcomes.merge(public, on=["community_id", "indicator_id", "group", "year"])
    assert exposures(private, private["value_y"].notna(), pd.Series({"alpha": min_cell}), RUBRIC.partitions).empty


@pytest.mark.parametrize("min_cell", [1, 10])
def test_no_blank_means_nothing_to_check(min_cell):
    table = cells([("all", 40), ("asian", 20), ("white", 20)])
    out = suppress(table, min_cell_of(min_cell), RACE)
    assert not out["suppressed"].any()
