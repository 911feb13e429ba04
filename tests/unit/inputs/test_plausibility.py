"""Plausibility warnings (#19 item 7): valid data that is probably wrong is a warning of `validate` (exit 0,
file:row:column, counted in the summary line) and a data note on the community's page, never an error."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from markupsafe import Markup

from ci_lib.cli import main
from ci_lib.inputs.load import load_network
from ci_lib.inputs.rubric import load_rubric
from ci_lib.layout import YearLayout
from ci_lib.tools import demo
from tests.conftest import make_project
from tests.paths import REPO_ROOT

REALDATA = Path(os.environ.get("CI_REALDATA", REPO_ROOT.parent / "shared" / "realdata"))
COLORADO_READING = REALDATA / "kidscount_co" / "Average proficiency on the CSAP_TCAP by race_ethnicity_ Reading.csv"
COMMUNITIES = ("community_id,name,state,anchor_entity,joined_year\n"
               "north-hills,North Hills Promise,OH,North Hills Education Fund,2016\n"
               "south-bay,South Bay Cradle to Career,CA,United Way of South Bay,2018\n")
HEADER = "community_id,indicator_id,year,group,numerator,denominator,value\n"
NETWORK_YML = "year: 2025\nframework: toa-2019\ntitle: Plausibility\n"


def data_dir(root: Path, rows: str, **extra: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "communities.csv").write_text(COMMUNITIES, encoding="utf-8")
    (root / "benchmarks.csv").write_text("community_id,year,benchmark_id,status\n", encoding="utf-8")
    (root / "outcomes.csv").write_text(HEADER + rows, encoding="utf-8")
    for name, text in extra.items():
        (root / name.replace("_", ".")).write_text(text, encoding="utf-8")
    return root


def validate(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["validate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def warnings_of(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("warning:") and "outcomes.csv:" in line]


# rows 2-5 (the file's lines): a series whose 2021 is on a fraction's scale among percents
SCALE_ROWS = ("north-hills,kindergarten_readiness,2019,all,,,71.0\n"
              "north-hills,kindergarten_readiness,2020,all,,,74.5\n"
              "north-hills,kindergarten_readiness,2021,all,,,0.76\n"
              "north-hills,kindergarten_readiness,2022,all,,,77.0\n")


def test_a_year_100_times_smaller_than_its_neighbours_is_a_warning_at_its_cell(tmp_path, capsys):
    code, out, err = validate(capsys, str(data_dir(tmp_path / "d", SCALE_ROWS)))
    assert code == 0, err
    found = warnings_of(err)
    assert len(found) == 1, err  # not also a jump into and out of it: one cause, one line
    assert f"{tmp_path / 'd' / 'outcomes.csv'}:4:value: north-hills kindergarten_readiness, all: 2021 is about " \
           "100 times smaller than 2020" in found[0]
    assert "check the source's scale" in found[0]
    assert out.strip().endswith("valid (2 communities, 0 benchmark ratings, 4 outcome rows); 1 warning(s)")


def test_the_colorado_reading_file_has_its_2014_on_another_scale(tmp_path, capsys):
    """Rows built from the real KIDS COUNT export (a course exercise with one year deliberately 100x off)."""
    if not COLORADO_READING.is_file():
        pytest.skip(f"real data not found at {REALDATA} (set CI_REALDATA to the realdata folder)")
    text = COLORADO_READING.read_bytes().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    source = pd.read_csv(io.StringIO(text), dtype=str)
    series = source[(source["Location"] == "ACADEMY 20") & (source["Race Ethnicity"] == "White")
                    & (source["DataFormat"] == "Percent")].sort_values("TimeFrame")
    rows = "".join(f"north-hills,early_grade_reading,{year},white,,,{value}\n"
                   for year, value in zip(series["TimeFrame"], series["Data"], strict=True))
    code, _, err = validate(capsys, str(data_dir(tmp_path / "co", rows, data_yml="scale: fraction\n")))
    assert code == 0, err
    found = warnings_of(err)
    assert len(found) == 1 and "white: 2014 is about 100 times smaller than 2013" in found[0], err
    assert f"outcomes.csv:{len(series) + 1}:value:" in found[0]  # the last row of the file


JUMP_ROWS = ("south-bay,hs_graduation,2022,all,,,61.0\n"
             "south-bay,hs_graduation,2023,all,,,62.0\n"
             "south-bay,hs_graduation,2024,all,,,95.0\n")


def test_a_jump_over_the_threshold_is_a_warning_and_the_threshold_is_a_rule_params_override(tmp_path, capsys):
    data = data_dir(tmp_path / "d", JUMP_ROWS)
    code, out, err = validate(capsys, str(data))
    assert code == 0, err
    [found] = warnings_of(err)
    assert f"{data / 'outcomes.csv'}:4:value: south-bay hs_graduation, all: rises 33.0 points from 2023 to 2024" in found
    assert "more than plausibility.max_jump_pp 25" in found
    assert out.strip().endswith("; 1 warning(s)")
    assert validate(capsys, str(data), "--strict")[0] == 2  # a warning like any other under --strict

    params = tmp_path / "params"
    (params / "2025").mkdir(parents=True)
    (params / "2025" / "network.yml").write_text(NETWORK_YML + "rules:\n  plausibility: {max_jump_pp: 40}\n")
    code, out, err = validate(capsys, str(data), "--year", "2025", "--params", str(params))
    assert code == 0 and not warnings_of(err), err
    (params / "2025" / "south-bay.yml").write_text("community_id: south-bay\nrules:\n  plausibility: {max_jump_pp: 30}\n")
    code, out, err = validate(capsys, str(data), "--year", "2025", "--params", str(params))
    assert code == 0 and "more than plausibility.max_jump_pp 30" in "".join(warnings_of(err)), err

    (params / "2025" / "south-bay.yml").write_text("community_id: south-bay\nrules:\n  plausibility: {max_jump: 30}\n")
    code, out, err = validate(capsys, str(data), "--year", "2025", "--params", str(params))
    assert code == 2 and "rules.plausibility: unknown key(s) max_jump; known: max_jump_pp" in err


def test_a_small_groups_swing_is_sampling_noise_not_a_warning(tmp_path, capsys):
    rows = ("south-bay,hs_graduation,2023,pacific_islander,2,6,\n"  # 33% of 6 students, then 83%: noise
            "south-bay,hs_graduation,2024,pacific_islander,5,6,\n"
            "south-bay,hs_graduation,2023,black,300,500,\n"  # 60% of 500, then 90%: not noise
            "south-bay,hs_graduation,2024,black,450,500,\n")
    code, _, err = validate(capsys, str(data_dir(tmp_path / "d", rows)))
    assert code == 0
    [found] = warnings_of(err)
    assert "outcomes.csv:5:value: south-bay hs_graduation, black: rises 30.0 points from 2023 to 2024" in found


def test_groups_that_count_more_than_all_students_are_a_warning_at_the_total(tmp_path, capsys):
    rows = ("north-hills,hs_graduation,2024,all,450,500,\n"
            "north-hills,hs_graduation,2024,low_income,300,320,\n"
            "north-hills,hs_graduation,2024,not_low_income,170,180,\n"  # 470 graduates of 450
            "north-hills,middle_grade_math,2024,all,100,500,\n"
            "north-hills,middle_grade_math,2024,black,60,300,\n"
            "north-hills,middle_grade_math,2024,white,50,300,\n")  # 600 students of 500 (incomplete family)
    code, _, err = validate(capsys, str(data_dir(tmp_path / "d", rows)))
    assert code == 0, err
    found = warnings_of(err)
    assert any("outcomes.csv:2:numerator: north-hills hs_graduation, 2024: the income groups' numerators add up to "
               "470, more than all's 450" in w for w in found), err
    assert any("outcomes.csv:5:denominator: north-hills middle_grade_math, 2024: the race_ethnicity groups' "
               "denominators add up to 600, more than all's 500" in w for w in found), err


def test_all_students_outside_a_complete_familys_range_is_a_warning(tmp_path, capsys):
    rows = ("south-bay,hs_graduation,2024,all,,,52.0\n"
            "south-bay,hs_graduation,2024,female,,,40.0\n"
            "south-bay,hs_graduation,2024,male,,,44.0\n"
            "south-bay,early_grade_reading,2024,all,,,52.0\n"  # only one income group: the range says nothing
            "south-bay,early_grade_reading,2024,low_income,,,40.0\n")
    code, out, err = validate(capsys, str(data_dir(tmp_path / "d", rows)))
    assert code == 0, err
    [found] = warnings_of(err)
    assert "outcomes.csv:2:value: south-bay hs_graduation, 2024: all is 52.0, outside the range of its gender " \
           "groups (40.0 to 44.0)" in found


def test_the_demo_network_is_plausible(tmp_path, capsys):
    info = demo.generate(tmp_path / "data", seed=2025, n=70)
    demo.write_demo_params(tmp_path / "params", 2025, str(tmp_path / "data"), info["local"])
    code, _, err = validate(capsys, str(tmp_path / "data"), "--year", "2025", "--params", str(tmp_path / "params"))
    assert code == 0 and not warnings_of(err), warnings_of(err)[:5]
    assert load_network(tmp_path / "data", load_rubric("toa-2019"), None).warnings == []


def test_a_warning_reaches_the_community_page_without_a_suppressed_number(tmp_path):
    """Prepared, not executed: the page input lists the warning in plain words and the data notes show it."""
    from ci_lib.execute.prepare import plausibility_notes, prepare
    from ci_lib.execute.run import score_year
    from ci_lib.pages.report import CommunityPage

    project = make_project(tmp_path)
    path = project.data / "outcomes.csv"
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    cid = rows["community_id"].iloc[0]
    series = (rows["community_id"] == cid) & (rows["indicator_id"] == "kindergarten_readiness") & (rows["group"] == "all")
    counts = rows.loc[series, "numerator"].astype(float) / rows.loc[series, "denominator"].astype(float) * 100
    years = rows.loc[series, "year"].astype(int)
    off = years == years.iloc[-2]  # a year with a neighbour on each side, on a fraction's scale
    rows.loc[series, "value"] = [f"{v / 100:.4f}" if o else f"{v:.1f}" for v, o in zip(counts, off, strict=True)]
    rows.loc[series, ["numerator", "denominator"]] = ""
    rows.to_csv(path, index=False, lineterminator="\n")
    year, before = int(years[off].iloc[0]), int(years.iloc[-3])

    params, scores, data = score_year(project.options().run_options())
    assert [(w.community_id, w.kind, w.year) for w in data.warnings] == [(cid, "scale", year)]
    prepare(project.report_dir, data, scores, params)
    layout = YearLayout.of(project.report_dir)
    work = json.loads(layout.page_input(cid).read_text(encoding="utf-8"))
    words = f"Kindergarten readiness, all students: {year} is about 100 times smaller than {before}; check the source's scale"
    assert work["plausibility"] == [{"kind": "scale", "indicator_id": "kindergarten_readiness", "group": "all",
                                     "year": year, "text": words}]
    others = [c for c in scores.scores if c != cid]
    assert all(json.loads(layout.page_input(c).read_text())["plausibility"] == [] for c in others)
    notes = CommunityPage.load(project.report_dir, cid, 2025).notes().data
    assert f'<li class="plausibility">Check the data: {Markup.escape(words)}.</li>' in notes

    public = scores.public_outcomes
    cell = (public["community_id"] == cid) & (public["indicator_id"] == "kindergarten_readiness") & \
        (public["group"] == "all") & (public["year"] == year)
    public.loc[cell, "suppressed"] = True  # as if the kit suppressed the cell: its size is not said
    [note] = plausibility_notes(data, scores, {"groups": {"all": "All students"}, "families": {}})[cid]
    assert note["text"] == (f"Kindergarten readiness, all students: {year} is on another scale than {before}; "
                            "check the source's scale")
