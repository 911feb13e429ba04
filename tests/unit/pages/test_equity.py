"""The equity view (#20 item 2): gaps closing per family and group across the network, the members whose gaps
widened, and each community's gaps next to the network's median gap; never a suppressed gap.

Hand-built page inputs of the contract `prepare` writes (`gaps` of the network input, `network_gaps` of a
community input), so each count below can be checked by hand.
"""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup

from ci_lib import vocabulary
from ci_lib.pages.report import ALL_GROUPS, CommunityPage, NetworkPage
from tests.unit.pages.test_report_pages import GATEWAYS, member, network_work, text, work_file

GROUPS = {"all": "All students", "black": "Black or African American", "hispanic": "Hispanic or Latino/a/e",
          "white": "White", "low_income": "Low income", "not_low_income": "Not low income"}
FAMILIES = {"race_ethnicity": "Race/ethnicity", "income": "Income"}
SECRET = 77.7  # the gap of a suppressed row: it must appear nowhere


def gap(cid: str, indicator: str, group: str, baseline: float, latest: float, trend: str, closing: bool,
        **kw: Any) -> dict[str, Any]:
    family, reference = ("income", "not_low_income") if group == "low_income" else ("race_ethnicity", "white")
    return {"community_id": cid, "indicator_id": indicator, "family": family, "group": group,
            "reference_group": reference, "baseline_year": 2018, "latest_year": 2024, "gap_baseline_pp": baseline,
            "gap_latest_pp": latest, "gap_trend": trend, "closing": closing, **kw}


GAPS = [
    gap("a", "reading", "black", 10.0, 6.0, "narrowing", True),
    gap("a", "reading", "hispanic", 8.0, 12.5, "widening", False),
    gap("a", "reading", "low_income", 15.0, 14.0, "narrowing", True),
    gap("b", "reading", "black", 12.0, 15.0, "widening", False),
    gap("b", "math", "black", 5.0, -1.0, "reversed", True),
    gap("b", "reading", "low_income", 9.0, 9.5, "flat", False),
    gap("c", "math", "hispanic", 4.0, 3.0, "narrowing", True),
    gap("c", "math", "black", 1.0, SECRET, "widening", False, suppressed=True),  # never published
]


def network(gaps: list[dict[str, Any]] = GAPS) -> NetworkPage:
    work = network_work([member("a", "exploring", False), member("b", "emerging", False),
                         member("c", None, False)])
    work["labels"] = vocabulary.labels(GROUPS, GATEWAYS, {"evidence": "Evidence"}, FAMILIES)
    work["indicator_names"] = {"reading": "Early grade reading", "math": "Middle grade math"}
    return NetworkPage(None, work | {"gaps": gaps})  # type: ignore[arg-type]


def rows_of(markup: Any, selector: str) -> list[list[str]]:
    table = BeautifulSoup(markup.data, "html.parser").select_one(selector)
    assert table is not None, selector
    return [[c.get_text() for c in r.find_all(["th", "td"])] for r in table.select("tbody tr")]


def test_gaps_closing_are_counted_per_family_then_per_group_in_rubric_order():
    out = network().equity()
    assert rows_of(out, "table.equity-shares") == [
        ["Race/ethnicity", ALL_GROUPS, "3", "5", "3", "60%"],
        ["Race/ethnicity", "Black or African American", "2", "3", "2", "67%"],
        ["Race/ethnicity", "Hispanic or Latino/a/e", "2", "2", "1", "50%"],
        ["Income", "Low income", "2", "2", "1", "50%"],  # one group: no family row besides it
    ]
    assert "Across the network, 4 of 7 measured disparity gaps are closing (57%)" in text(out)


def test_the_widened_gaps_name_member_indicator_and_group_and_link_to_the_community_page():
    out = network().widened_gaps()
    assert "2 measured gaps widened, in 2 of 3 members" in text(out)
    largest = rows_of(out, "table.widened")
    assert largest == [["B", "Early grade reading", "Black or African American vs White", "12.0 (2018) → 15.0 (2024)",
                        "+3.0"],
                       ["A", "Early grade reading", "Hispanic or Latino/a/e vs White", "8.0 (2018) → 12.5 (2024)",
                        "+4.5"]][::-1]  # the largest widening first
    links = BeautifulSoup(out.data, "html.parser").select("table.widened a")
    assert [a["href"] for a in links] == ["communities/a.html", "communities/b.html"]
    assert len(rows_of(out, "table.widened-gaps")) == 2  # every widened gap, in the collapsed list
    flat = network([GAPS[0]]).widened_gaps()
    assert text(flat) == "No measured gap widened."


def test_a_suppressed_gap_is_never_shown_nor_counted():
    page = network()
    shown = page.equity().data + page.widened_gaps().data
    assert str(SECRET) not in shown and "communities/c.html" not in page.widened_gaps().data
    without = network(GAPS[:-1])
    assert without.equity().data == page.equity().data and without.widened_gaps().data == page.widened_gaps().data


def test_no_measured_gap_says_so():
    assert "No member has a measured disparity gap yet" in text(network([]).equity())


def community(medians: list[dict[str, Any]], disparities: list[dict[str, Any]] | None = None) -> CommunityPage:
    work = work_file(network_gaps=medians)
    if disparities is not None:
        work["scores"]["disparities"] = disparities
    return CommunityPage(None, work)  # type: ignore[arg-type]


def median(indicator: str, group: str, value: float, reference: str = "white", members: int = 5) -> dict[str, Any]:
    return {"indicator_id": indicator, "group": group, "reference_group": reference, "median_gap_pp": value,
            "members": members}


def disparity(indicator: str, group: str, latest: float, suppressed: bool = False) -> dict[str, Any]:
    return {"indicator_id": indicator, "group": group, "family": "race_ethnicity", "reference_group": "white",
            "gap_baseline_pp": 10.0, "gap_latest_pp": latest, "gap_change_pp": latest - 10.0,
            "gap_trend": "narrowing", "closing": True, "suppressed": suppressed, "core": True}


def column(page: CommunityPage, name: str) -> list[str]:
    soup = BeautifulSoup(page.disparities().data, "html.parser")
    head = [th.get_text() for th in soup.select("table.disparities thead th")]
    return [r.find_all(["th", "td"])[head.index(name)].get_text() for r in soup.select("table.disparities tbody tr")]


def test_each_gap_sits_next_to_the_network_median_for_its_indicator_group_and_reference():
    page = community([median("reading", "black", 4.0), median("math", "black", 9.5),
                      median("reading", "black", 30.0, reference="asian")],  # another reference: not this gap's
                     [disparity("reading", "black", 6.0), disparity("math", "black", 2.0),
                      disparity("reading", "hispanic", 3.0)])
    assert column(page, "network median (pp)") == ["4.0", "9.5", "–"]
    assert column(page, "gap latest (pp)") == ["6.0", "2.0", "3.0"]
    note = " ".join(BeautifulSoup(page.disparities().data, "html.parser").select_one("p.network-median").get_text().split())
    assert "Of this community's 2 latest gaps with a network median, 1 is larger than the median" in note
    assert "1 smaller and 0 the same" in note


def test_a_suppressed_gap_shows_no_median_either():
    page = community([median("reading", "black", 4.0), median("math", "black", 9.5)],
                     [disparity("reading", "black", 6.0), disparity("math", "black", SECRET, suppressed=True)])
    assert column(page, "network median (pp)") == ["4.0"]
    assert str(SECRET) not in page.disparities().data and "9.5" not in page.disparities().data


def test_a_suppressed_gap_is_named_under_the_table_with_its_mark_and_nothing_else():
    page = community([median("math", "black", 9.5)],
                     [disparity("reading", "black", 6.0), disparity("math", "black", SECRET, suppressed=True),
                      disparity("math", "hispanic", SECRET, suppressed=True)])
    note = BeautifulSoup(page.disparities().data, "html.parser").select_one("p.suppressed-gaps")
    assert note is not None
    said = " ".join(note.get_text().split())
    assert said.startswith("Not in the table: 2 gaps suppressed for privacy (S, as in the outcome table): Middle grade")
    assert said.count("math") + said.count("Math") == 1 and str(SECRET) not in page.disparities().data
    assert "suppressed-gaps" not in community([], [disparity("reading", "black", 6.0)]).disparities().data


def test_a_page_without_network_medians_says_there_is_none_to_compare_with():
    page = community([])
    assert column(page, "network median (pp)") == ["–"]
    assert "No network median to compare with" in text(page.disparities())
    alone = community([median("reading", "black", -1.0, members=1)])  # its own gap only: no comparison
    assert column(alone, "network median (pp)") == ["–"]


def test_on_the_quarto_build_the_equity_outputs_are_raw_html_blocks():
    """Quarto renders the notebook with each HTML output as raw HTML (`plain_html_notebook`): the section's
    tables and links reach the page as they are, with no script."""
    import json

    from ci_lib.website.quarto import plain_html_notebook

    page = network()
    outputs = [page.equity(), page.widened_gaps(), community([median("reading", "black", 4.0)]).disparities()]
    nb = {"cells": [{"cell_type": "code", "source": "", "metadata": {}, "execution_count": 1,
                     "outputs": [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                                  "data": {"text/html": o.data, "text/plain": "<IPython.core.display.HTML object>"}}]}
                    for o in outputs], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    staged = json.loads(plain_html_notebook(json.dumps(nb).encode()))
    blocks = [c["outputs"][0]["data"]["text/markdown"] for c in staged["cells"]]
    assert all(list(c["outputs"][0]["data"]) == ["text/markdown"] for c in staged["cells"])
    for block, output in zip(blocks, outputs, strict=True):
        assert block.startswith("```{=html}\n") and output.data.rstrip() in block and "<script" not in block
    assert 'class="data equity-shares"' in blocks[0] and 'href="communities/a.html"' in blocks[1]
    assert "network median (pp)" in blocks[2]
