"""#20 item 4: marks that mean one thing each (suppressed by the kit, by the source, not collected, not rated,
no value), each with its own mark, and a legend line, in the same words, under every table that shows one."""

from __future__ import annotations

import copy

import pytest

from ci_lib import vocabulary
from ci_lib.pages import markup
from ci_lib.pages.explore import load_year
from ci_lib.pages.report import CommunityPage, NetworkPage
from ci_lib.scoring.suppression import PUBLIC_STATUSES
from ci_lib.website.content import YearContent, md
from tests.conftest import YEAR


def test_each_meaning_has_its_own_mark_and_words():
    assert set(vocabulary.CELL_MARKS) == set(PUBLIC_STATUSES)
    assert set(vocabulary.MARKS) == set(vocabulary.MARK_WORDS) == {*PUBLIC_STATUSES, "not_rated", "missing"}
    assert len(set(vocabulary.MARKS.values())) == len(vocabulary.MARKS)  # no mark stands for two things
    assert vocabulary.MARKS["missing"] == vocabulary.MISSING == markup.fmt(None)


def test_the_legend_lists_only_the_marks_present():
    legend = str(markup.marks_legend(["not_rated", "suppressed"]))
    assert legend.startswith('<p class="marks-legend">Marks: <span class="mark">S</span> ')
    assert vocabulary.MARK_WORDS["suppressed"] in legend and vocabulary.MARK_WORDS["not_rated"] in legend
    assert legend.index(vocabulary.MARK_WORDS["suppressed"]) < legend.index(vocabulary.MARK_WORDS["not_rated"])
    for key in ("suppressed_by_source", "not_available", "missing"):
        assert vocabulary.MARK_WORDS[key] not in legend
    assert str(markup.marks_legend([])) == ""


@pytest.fixture()
def page(small_run) -> CommunityPage:
    project = small_run[0]
    cid = sorted(YearContent.load(project.report_dir).scores)[0]
    loaded = CommunityPage.load(project.report_dir, cid, YEAR)
    return CommunityPage(loaded.report_dir, copy.deepcopy(loaded.work))


def blank_total(page: CommunityPage, status: str) -> str:
    """Blank the all-students latest value of the first indicator, `status` saying why; its name."""
    row = next(o for o in page.scores["outcomes"] if o["group"] == "all" and o["latest"] is not None)
    row["latest"] = None
    for cell in page.work["outcomes"]:
        if (cell["indicator_id"], cell["group"], cell["year"]) == (row["indicator_id"], "all", row["latest_year"]):
            cell["value"], cell["status"] = None, status
    return next(i["name"] for i in page.work["indicators"] if i["id"] == row["indicator_id"])


@pytest.mark.parametrize("status", ["suppressed", "suppressed_by_source", "not_available"])
def test_a_blank_in_the_outcome_table_shows_its_mark_and_the_legend_says_it(page, status):
    name = blank_total(page, status)
    table = page.outcome_table().data
    row = next(r for r in table.split("<tr>") if name in r)
    assert f"<td>{vocabulary.MARKS[status]}</td>" in row
    legend = table[table.index('<p class="marks-legend">'):]
    assert f'<span class="mark">{vocabulary.MARKS[status]}</span> {vocabulary.MARK_WORDS[status]}' in legend
    others = set(PUBLIC_STATUSES) - {status}
    assert not any(vocabulary.MARK_WORDS[o] in legend for o in others)


def test_a_benchmark_without_a_rating_is_marked_not_rated_in_the_table_and_the_pillar_matrix(page):
    first = page.scores["benchmarks"][0]
    for b in page.scores["benchmarks"]:
        if (b["pillar"], b["gateway"]) == (first["pillar"], first["gateway"]):
            b.update(status="not_rated", credit=0.0, self_status=None)
    page.scores["pillars"][first["pillar"]][first["gateway"]] = None
    table = page.benchmarks().data
    row = next(r for r in table.split("<tr>") if f">{first['benchmark_id']}<" in r)
    assert f"<td>{vocabulary.MARKS['not_rated']}</td>" in row
    assert f'<span class="mark">NR</span> {vocabulary.MARK_WORDS["not_rated"]}' in table
    matrix = page.pillar_matrix().data
    assert "<td>NR</td>" in matrix and vocabulary.MARK_WORDS["not_rated"] in matrix


def test_a_table_without_marks_has_no_legend_line(page):
    for b in page.scores["benchmarks"]:
        if b["status"] == "not_rated":
            b.update(status="met", credit=1.0)
    page.scores["benchmarks"] = [{**b, "evidence": b.get("evidence") or "x"} for b in page.scores["benchmarks"]]
    assert "marks-legend" not in page.benchmarks().data


def test_the_members_table_marks_a_share_not_measured(small_run):
    loaded = NetworkPage.load(small_run[0].report_dir, YEAR)
    network = NetworkPage(loaded.report_dir, copy.deepcopy(loaded.work))
    network.work["members"][0]["summary"]["gaps_closing_share"] = None
    table = network.members_table().data
    assert f"<td>{vocabulary.MISSING}</td>" in table and vocabulary.MARK_WORDS["missing"] in table


def test_the_explorer_table_marks_why_a_value_is_blank(small_run):
    explorer = load_year(small_run[0].report_dir, YEAR)
    blank = explorer.outcomes[explorer.outcomes["status"] == "suppressed"].iloc[0]
    table = explorer.marked_table(blank["community_id"], blank["indicator_id"])
    label = explorer.group_labels[blank["group"]]
    assert table.at[int(blank["year"]), label] == vocabulary.MARKS["suppressed"]
    assert vocabulary.MARK_WORDS["suppressed"] in str(markup.table_with_legend(table))


def test_methods_and_downloads_use_the_same_words(small_run):
    content = YearContent.load(small_run[0].report_dir)
    methods = content.methods_markdown()
    assert "## Marks" in methods
    downloads = content.downloads_markdown()
    for key in vocabulary.MARKS:
        assert md(vocabulary.MARK_WORDS[key]) in methods
    for key in PUBLIC_STATUSES:
        assert md(vocabulary.MARK_WORDS[key]) in downloads


def test_the_published_pages_carry_the_legend(small_run):
    site = small_run[0].site
    pages = sorted((site / "communities").glob("*.html"))
    assert any('class="marks-legend"' in p.read_text() and vocabulary.MARK_WORDS["not_rated"] in p.read_text()
               for p in pages)
    assert vocabulary.MARK_WORDS["suppressed"] in (site / "methods.html").read_text()


@pytest.mark.parametrize("status", ["suppressed", "suppressed_by_source", "not_available"])
def test_a_blank_in_a_chart_data_table_shows_its_mark_and_the_legend_says_it(page, status):
    """The chart's data table (in its collapsed block) marks why a cell is blank, as the outcome table does."""
    from bs4 import BeautifulSoup

    cell = next(c for c in page.work["outcomes"] if c["group"] == "all" and c.get("value") is not None)
    year = cell["year"]
    cell["value"], cell["status"] = None, status
    figure = BeautifulSoup(page.outcome_chart(cell["indicator_id"]).data, "html.parser").select_one("details.data-table")
    head = [th.get_text() for th in figure.select("thead th")]
    row = next(r for r in figure.select("tbody tr") if r.th.get_text() == str(year))
    shown = dict(zip(head[1:], [td.get_text() for td in row.find_all("td")], strict=True))
    assert shown[page.work["labels"]["groups"]["all"]] == vocabulary.MARKS[status]
    assert vocabulary.MARK_WORDS[status] in figure.select_one("p.marks-legend").get_text()
