"""Cells a source withheld (`*`, `[Data Suppressed]`: source_status suppressed_at_source) stay underivable.

Before, the kit read such a cell as one without numbers and left its partition alone: with the total and
every other member shown, a reader got the withheld cell back as the total minus the others (with the
group sizes, which enrolment publishes). Now the cell is blank from the start and the suppression rule
protects it like its own blanks; `derivable_withheld` is the audit's check of that.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from ci_lib.inputs.markers import SUPPRESSED_AT_SOURCE
from ci_lib.scoring.suppression import derivable_withheld, suppress
from tests.unit.scoring.test_suppression import SETTINGS, cells, flat_partitions, gender_by_race, min_cell_of


def withhold(table: pd.DataFrame, groups: set[str]) -> pd.DataFrame:
    """The source's marker in these groups' cells: no numbers, a status (as `load` leaves such rows)."""
    out = table.copy()
    at = out["group"].isin(groups)
    out.loc[at, ["numerator", "denominator", "value"]] = pd.NA
    out["source_status"] = ""
    out.loc[at, "source_status"] = SUPPRESSED_AT_SOURCE
    return out


def test_a_withheld_member_beside_a_shown_total_takes_the_smallest_shown_member_with_it():
    table = withhold(cells([("all", 300), ("a", 120), ("b", 100), ("c", 50), ("d", 30)]), {"d"})
    out = suppress(table, min_cell_of(10), {"race": ["a", "b", "c", "d"]})
    assert dict(zip(out["group"], out["suppression"], strict=True)) == {
        "all": "", "a": "", "b": "", "c": "complementary", "d": "source"}
    assert derivable_withheld(out, ~out["suppressed"], {"race": ["a", "b", "c", "d"]}).empty


def test_the_old_reading_left_the_withheld_cell_derivable():
    """What the audit finds when a withheld cell is left alone (all the others and the total published)."""
    table = withhold(cells([("all", 300), ("a", 120), ("b", 100), ("c", 50), ("d", 30)]), {"d"})
    published = table["group"] != "d"
    found = derivable_withheld(table, published, {"race": ["a", "b", "c", "d"]})
    assert found[["group", "year"]].to_dict("records") == [{"group": "d", "year": 2024}]


@SETTINGS
@given(flat_partitions(), st.integers(1, 20), st.data())
def test_no_withheld_cell_can_be_derived_from_what_is_shown(case, min_cell, data):
    partitions, totals, table = case
    groups = sorted(table["group"])
    table = withhold(table, set(data.draw(st.lists(st.sampled_from(groups), max_size=4)) if groups else []))
    out = suppress(table, min_cell_of(min_cell), partitions, totals)
    assert set(out.loc[out["source_status"] == SUPPRESSED_AT_SOURCE, "suppression"]) <= {"source"}
    assert derivable_withheld(out, ~out["suppressed"], partitions, totals).empty
    # written out plainly for the flat case: beside a shown total, a withheld member never stands alone
    blank = dict(zip(out["group"], out["suppressed"], strict=True))
    for members in partitions.values():
        present = [m for m in members if m in blank]
        withheld = [m for m in present if m in set(out.loc[out["suppression"] == "source", "group"])]
        if withheld and not blank["all"]:
            assert sum(blank[m] for m in present) >= 2, (members, withheld)


@SETTINGS
@given(gender_by_race(), st.integers(1, 20), st.data())
def test_nested_intersections_keep_withheld_cells_underivable_too(case, min_cell, data):
    partitions, totals, table, _ = case
    groups = sorted(table["group"])
    table = withhold(table, set(data.draw(st.lists(st.sampled_from(groups), max_size=3)) if groups else []))
    out = suppress(table, min_cell_of(min_cell), partitions, totals)
    assert derivable_withheld(out, ~out["suppressed"], partitions, totals).empty


def prepared_with_a_marker(tmp_path, group: str):
    """A small project whose first member's 2025 kindergarten readiness of `group` carries the source's `*`,
    scored and prepared (pages not executed): (project, its community id)."""
    from ci_lib.execute.prepare import prepare
    from ci_lib.execute.run import score_year
    from tests.conftest import make_project

    project = make_project(tmp_path)
    path = project.data / "outcomes.csv"
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    cid = rows["community_id"].iloc[0]
    cell = ((rows["community_id"] == cid) & (rows["indicator_id"] == "kindergarten_readiness")
            & (rows["group"] == group) & (rows["year"] == "2025"))
    assert cell.sum() == 1
    rows.loc[cell, ["numerator", "denominator"]] = "*"
    rows.to_csv(path, index=False, lineterminator="\n")
    params, scores, data = score_year(project.options().run_options())
    prepare(project.report_dir, data, scores, params)
    return project, cid


def test_a_withheld_cell_is_published_as_suppressed_by_the_source_and_its_partner_blanked(tmp_path):
    """From `outcomes.csv` to the page: a `*` in a group's counts reaches the published CSV and the page input
    as `suppressed_by_source` (not the kit's `suppressed`, not missing), the page's notes say so in words, and
    the kit blanks a partner cell so that the total minus the others does not give it back."""
    import json

    from ci_lib.layout import YearLayout
    from ci_lib.pages.report import CommunityPage

    project, cid = prepared_with_a_marker(tmp_path, "low_income")
    layout = YearLayout.of(project.report_dir)
    published = pd.read_csv(layout.outcomes_csv(cid), keep_default_na=False)
    at = published[(published["indicator_id"] == "kindergarten_readiness") & (published["year"] == 2025)]
    status = dict(zip(at["group"], at["status"], strict=True))
    assert status["low_income"] == "suppressed_by_source"
    assert status["not_low_income"] == "suppressed" and status["all"] == ""  # its partner in the income family
    work = json.loads(layout.page_input(cid).read_text(encoding="utf-8"))
    assert {o["status"] for o in work["outcomes"]} >= {"", "suppressed_by_source"}
    notes = CommunityPage.load(project.report_dir, cid, 2025).notes().data
    assert "1 group series have values suppressed by the source" in notes


def test_a_blank_all_students_value_says_why_in_the_outcome_table(tmp_path):
    """Marks that mean one thing each: the source's `*` in the all-students latest value reads "suppressed by
    the source" (its mark X, with its legend line) in the outcome table, not the kit's S."""
    from ci_lib.pages.report import CommunityPage
    from ci_lib.vocabulary import CELL_MARKS

    project, cid = prepared_with_a_marker(tmp_path, "all")
    table = CommunityPage.load(project.report_dir, cid, 2025).outcome_table().data
    row = next(r for r in table.split("<tr>") if "Kindergarten readiness" in r)
    assert f"<td>{CELL_MARKS['suppressed_by_source']}</td>" in row
    assert f"<td>{CELL_MARKS['suppressed']}</td>" not in row
    assert "suppressed by the source (its publisher withheld the value)" in table  # the legend line says it
