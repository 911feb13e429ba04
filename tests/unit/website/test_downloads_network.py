"""#20 item 5: downloads per community and for the network (CSV with ids, labels, units, status; one workbook),
written by the site build for both engines, listed on the pages, byte-identical across builds, and audited."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import openpyxl
import pandas as pd
import pytest

from ci_lib import compat, vocabulary
from ci_lib.cli import main
from ci_lib.execute.published import GAP_COLUMNS, OUTCOME_COLUMNS
from ci_lib.layout import YearLayout
from ci_lib.release.verify import artifacts
from ci_lib.website import downloads
from ci_lib.website.audit import audit_site
from ci_lib.website.content import YearContent
from tests.conftest import YEAR

NETWORK_FILES = ["assessment-2025.xlsx", "gaps.csv", "outcomes.csv", "scores.csv"]


def read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_each_community_file_has_ids_labels_units_and_status_words(small_run):
    project = small_run[0]
    layout = YearLayout.of(project.report_dir)
    for cid in sorted(json.loads(layout.manifest.read_text())["communities"]):
        frame = read(layout.outcomes_csv(cid))
        assert list(frame.columns) == OUTCOME_COLUMNS
        assert set(frame["community_id"]) == {cid}
        total = frame[frame["group"] == "all"].iloc[0]
        assert total["group_label"] == "All students" and total["family"] == "" and total["unit"] == "percent"
        assert total["indicator"] and total["indicator"] != total["indicator_id"]
        race = frame[frame["group"] == "black"].iloc[0]
        assert (race["family"], race["family_label"], race["group_label"]) == ("race_ethnicity", "Race/ethnicity",
                                                                              "Black or African American")
        blank = frame[frame["value"] == ""]
        assert len(blank) and set(blank["status"]) <= set(vocabulary.CELL_MARKS)
        assert (blank["status_label"] == blank["status"].map(vocabulary.MARK_WORDS)).all()
        assert (frame.loc[frame["value"] != "", "status"] == "").all()


def test_the_network_files_are_written_and_published_by_the_site(small_run):
    project = small_run[0]
    layout = YearLayout.of(project.report_dir)
    assert sorted(p.name for p in layout.downloads.iterdir()) == NETWORK_FILES
    for name in NETWORK_FILES:  # the site publishes the year's files as they are
        assert (project.site / "downloads" / name).read_bytes() == (layout.downloads / name).read_bytes()
    network = (layout.network_outcomes_csv).read_text().splitlines()
    members = sorted(YearContent.load(project.report_dir).scores)
    expected = [",".join(OUTCOME_COLUMNS)]
    for cid in members:
        expected += layout.outcomes_csv(cid).read_text().splitlines()[1:]
    assert network == expected
    gaps = read(layout.gaps_csv)
    assert list(gaps.columns) == GAP_COLUMNS
    scores = {cid: json.loads(layout.scores_file(cid).read_text()) for cid in members}
    assert len(gaps) == sum(len(s["disparities"]) for s in scores.values())
    row = gaps.iloc[0]
    assert row["name"] == scores[row["community_id"]]["name"] and row["reference_label"] == "White"
    suppressed = gaps[gaps["status"] == "suppressed"]
    assert len(suppressed) and (suppressed["status_label"] == vocabulary.MARK_WORDS["suppressed"]).all()


def test_the_workbook_has_a_sheet_per_table_and_a_readme_with_numbers_as_numbers(small_run):
    layout = YearLayout.of(small_run[0].report_dir)
    book = openpyxl.load_workbook(layout.workbook, read_only=True)
    assert book.sheetnames == ["README", "scores", "outcomes", "gaps", "benchmarks"]
    outcomes = list(book["outcomes"].iter_rows(values_only=True))
    assert list(outcomes[0]) == OUTCOME_COLUMNS
    with layout.network_outcomes_csv.open() as handle:
        assert len(outcomes) == sum(1 for _ in handle)
    year, value = OUTCOME_COLUMNS.index("year"), OUTCOME_COLUMNS.index("value")
    assert all(isinstance(r[year], int) for r in outcomes[1:])
    shown = [r[value] for r in outcomes[1:] if r[value] is not None]
    assert shown and all(isinstance(v, float) for v in shown)
    assert any(r[value] is None and r[OUTCOME_COLUMNS.index("status")] == "suppressed" for r in outcomes[1:])
    readme = dict(book["README"].iter_rows(min_row=2, values_only=True))
    assert readme["year"] == str(YEAR) and "toa-2019" in readme["framework"]
    assert "fewer than 10 students" in readme["privacy rule"]
    for key, mark in vocabulary.MARKS.items():
        assert readme[f"mark {mark}"] == vocabulary.MARK_WORDS[key]
    for sheet in ("scores", "outcomes", "gaps", "benchmarks"):
        header = next(book[sheet].iter_rows(values_only=True))
        assert f"sheet {sheet}" in readme and all(readme[f"{sheet}.{c}"] for c in header)
    scores = list(book["scores"].iter_rows(values_only=True))
    assert isinstance(scores[1][scores[0].index("missing_benchmarks")], int)
    assert isinstance(scores[1][scores[0].index("proof_point")], bool)
    book.close()


def workbook_bytes(content: YearContent) -> bytes:
    out = io.BytesIO()
    downloads.write_workbook(content, out)
    return out.getvalue()


def test_two_builds_give_the_same_bytes_and_no_clock_in_the_file(small_run, tmp_path):
    content = YearContent.load(small_run[0].report_dir)
    first = workbook_bytes(content)
    assert first == workbook_bytes(content) == content.layout.workbook.read_bytes()
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {i.date_time for i in archive.infolist()} == {downloads.ZIP_TIME}
        core = archive.read("docProps/core.xml").decode()
    assert "2025-11-15T00:00:00Z" in core  # the demo's run date, not the time of the build


def test_text_cells_are_neutralised_against_formulas(small_run):
    content = YearContent.load(small_run[0].report_dir)
    cid = sorted(content.scores)[0]
    content.scores[cid] = {**content.scores[cid], "name": '=HYPERLINK("http://evil.example","x")'}
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(content)))
    names = [c.value for c in book["gaps"]["B"]] + [c.value for c in book["scores"]["B"]]
    evil = [v for v in names if v and "HYPERLINK" in v]
    assert evil and all(v.startswith("'=") for v in evil)
    assert all(c.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)
    text = io.StringIO()
    downloads.write_csv(out := io.BytesIO(), GAP_COLUMNS, downloads.gap_rows(content))
    text.write(out.getvalue().decode())
    rows = list(csv.reader(io.StringIO(text.getvalue())))
    assert any(r[1].startswith("'=HYPERLINK") for r in rows[1:])


def test_a_table_longer_than_a_sheet_continues_on_numbered_sheets(small_run, monkeypatch):
    content = YearContent.load(small_run[0].report_dir)
    monkeypatch.setattr(downloads, "SHEET_ROWS", 1001)
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(content)), read_only=True)
    parts = [n for n in book.sheetnames if n == "outcomes" or n.startswith("outcomes ")]
    assert len(parts) > 1 and parts[1] == "outcomes 2"
    rows = [r for name in parts for r in list(book[name].iter_rows(values_only=True))[1:]]
    assert all(len(list(book[name].iter_rows())) <= 1001 for name in parts)
    with content.layout.network_outcomes_csv.open() as handle:
        assert len(rows) == sum(1 for _ in handle) - 1


def test_the_downloads_page_and_the_community_page_list_the_network_files(small_run):
    project = small_run[0]
    page = (project.site / "downloads.html").read_text()
    for name in NETWORK_FILES:
        assert f'href="downloads/{name}"' in page
    assert "suppressed by the source (its publisher withheld the value)" in page  # the marks, in the same words
    cid = sorted(YearContent.load(project.report_dir).scores)[0]
    community = (project.site / "communities" / f"{cid}.html").read_text()
    for name in NETWORK_FILES:
        assert f'href="../downloads/{name}"' in community


def test_verify_compares_the_network_downloads(small_run):
    found = artifacts(small_run[0].report_dir)
    assert {f"downloads/{n}" for n in NETWORK_FILES} <= found
    assert {f"_site/downloads/{n}" for n in NETWORK_FILES} <= found


def suppressed_row(site) -> tuple[int, pd.Series]:
    frame = read(site / "downloads" / "outcomes.csv")
    index = frame.index[frame["status"] == "suppressed"][0]
    return int(index), frame.loc[index]


def test_audit_passes_the_network_downloads_and_fails_a_suppressed_value_in_the_csv(copy_small_run, capsys):
    site = copy_small_run.site
    assert main(["audit-site", str(site)]) == 0
    assert "rows of downloads/outcomes.csv checked" in capsys.readouterr().out
    index, row = suppressed_row(site)
    path = site / "downloads" / "outcomes.csv"
    rows = list(csv.reader(io.StringIO(path.read_text())))
    rows[index + 1][OUTCOME_COLUMNS.index("value")] = "42.0"
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    findings = audit_site(site, copy_small_run.data, YEAR, copy_small_run.params).findings
    where = f"{row['community_id']} {row['indicator_id']}/{row['group']}/{row['year']}"
    assert f"downloads/outcomes.csv: {where} is suppressed in data/{row['community_id']}-outcomes.csv but shown " \
           "as 42.0" in findings
    assert any(f.startswith("downloads/outcomes.csv: ") and "must be suppressed but is published as 42.0" in f
               for f in findings)


def test_audit_fails_a_tampered_workbook(copy_small_run):
    site = copy_small_run.site
    index, row = suppressed_row(site)
    path = site / "downloads" / f"assessment-{YEAR}.xlsx"
    book = openpyxl.load_workbook(path)
    book["outcomes"].cell(row=index + 2, column=OUTCOME_COLUMNS.index("value") + 1, value=42.0)
    book.save(path)
    findings = audit_site(site, copy_small_run.data, YEAR, copy_small_run.params).findings
    assert any(f.startswith(f"downloads/assessment-{YEAR}.xlsx: ") and "must be suppressed but is published as 42.0"
               in f for f in findings), findings
    assert any(f"{row['community_id']} {row['indicator_id']}/{row['group']}/{row['year']} is suppressed" in f
               for f in findings)


def test_audit_fails_a_blank_gap_shown_in_gaps_csv(copy_small_run):
    site = copy_small_run.site
    path = site / "downloads" / "gaps.csv"
    frame = read(path)
    index = frame.index[frame["gap_latest_pp"] == ""][0]
    frame.loc[index, "gap_latest_pp"] = "3.0"
    frame.to_csv(path, index=False)
    findings = audit_site(site).findings
    assert any(f.startswith("downloads/gaps.csv: ") and "gap_latest_pp is blank (suppressed) in the scores but "
               "shown as 3.0" in f for f in findings), findings


@pytest.mark.parametrize("name", ["outcomes.csv", f"assessment-{YEAR}.xlsx"])
def test_the_network_downloads_are_rewritten_only_when_their_bytes_change(small_run, name, tmp_path):
    content = YearContent.load(small_run[0].report_dir)
    path = content.layout.downloads / name
    before = path.stat().st_mtime_ns
    downloads.write_downloads(content)
    assert path.stat().st_mtime_ns == before


def test_a_year_published_by_an_earlier_kit_still_gets_its_network_file(copy_small_run):
    """Re-rendering an older year (its year switcher) relabels its five-column community files from the rubric."""
    content = YearContent.load(copy_small_run.report_dir)
    cid = sorted(content.scores)[0]
    path = content.layout.outcomes_csv(cid)
    now = read(path)
    now[["indicator_id", "group", "year", "value", "status"]].to_csv(path, index=False)
    downloads.write_downloads(content)
    network = read(content.layout.network_outcomes_csv)
    mine = network[network["community_id"] == cid].reset_index(drop=True)
    assert list(mine.columns) == OUTCOME_COLUMNS and len(mine) == len(now)
    same = ["community_id", "indicator_id", "group", "group_label", "family", "family_label", "year", "value", "status",
            "status_label"]
    assert mine[same].equals(now[same])


def test_the_quarto_project_publishes_the_network_files_too(copy_small_run):
    import yaml

    from ci_lib.website.quarto import stage_sources, theme_scss, write_project

    content = YearContent.load(copy_small_run.report_dir)
    write_project(content)
    stage_sources(content)
    project = content.layout.quarto
    for name in NETWORK_FILES:
        assert (project / "downloads" / name).read_bytes() == (content.layout.downloads / name).read_bytes()
        assert f"(downloads/{name})" in (project / "downloads.qmd").read_text()
    assert "/downloads/*" in yaml.safe_load((project / "_quarto.yml").read_text())["project"]["resources"]
    assert ".marks-legend" in theme_scss()


def sheet_values(data: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    finally:
        book.close()


def test_rows_spliced_by_compat_read_back_as_openpyxl_own_cells(small_run, monkeypatch):
    """`compat.splice_sheet_rows` is a trick on openpyxl's sheet XML: with the kill switch the rows go through
    openpyxl's write-only sheet, and every sheet reads back with the same cells, types included."""
    content = YearContent.load(small_run[0].report_dir)
    cid = sorted(content.scores)[0]
    content.scores[cid] = {**content.scores[cid], "name": ' =1+1 & <Ashford> \x07 '}  # formula, XML, control, spaces
    spliced = workbook_bytes(content)
    monkeypatch.setenv(compat.KILL_SWITCH, "1")
    assert not compat.sheet_rows_spliced()
    stock = workbook_bytes(content)
    assert spliced != stock  # two writers...
    ours, theirs = sheet_values(spliced), sheet_values(stock)
    assert list(ours) == list(theirs) and sum(len(rows) for rows in ours.values()) > 100
    def kinds(rows: list[tuple]) -> list[list[tuple]]:  # openpyxl writes 1.0 as "1": a number is a number
        return [[("number" if type(v) in (int, float) else type(v).__name__, v) for v in row] for row in rows]

    for title in ours:  # ... the same cells
        assert kinds(ours[title]) == kinds(theirs[title]), title
    shown = next(row[1] for row in ours["scores"][1:] if row[0] == cid)
    assert shown == downloads.clean_text(' =1+1 & <Ashford> \x07 ') and "\x07" not in shown
    assert not shown.lstrip().startswith("=")  # neutralised, in both writers
