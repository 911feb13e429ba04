"""A community page shows each value in its unit (#19 item 3): `$52,000`, `12.3 per 1,000`, not `%`; it says
why a currency indicator has no gaps; a page of percents only keeps its percent table."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup

from ci_lib.pages import plots
from tests.unit.pages.test_report_pages import outcome, page, text, work_file

INDICATORS = [{"id": "income", "name": "Median household income", "polarity": "higher_is_better", "unit": "currency",
               "local": True, "indicator": "", "core": False},
              {"id": "births", "name": "Teen births", "polarity": "lower_is_better", "unit": "rate_per_1000",
               "local": True, "indicator": "", "core": False}]


def with_units(tmp_path: Any):
    work = work_file()
    work["indicators"] += INDICATORS
    work["scores"]["outcomes"] += [
        outcome("income", baseline=50000.0, latest=52000.0, change_pp=2000.0, change_pct=4.0, change_kind="relative"),
        outcome("births", baseline=30.0, latest=12.3, change_pp=-17.7, change_pct=-59.0, change_kind="points")]
    work["outcomes"] += [{"indicator_id": "income", "group": "all", "year": y, "value": v, "suppressed": False}
                         for y, v in ((2019, 50000.0), (2024, 52000.0))]
    work["outcomes"] += [{"indicator_id": "births", "group": "all", "year": y, "value": v, "suppressed": False}
                         for y, v in ((2019, 30.0), (2024, 12.3))]
    return page(tmp_path, **{"indicators": work["indicators"], "scores__outcomes": work["scores"]["outcomes"],
                             "outcomes": work["outcomes"]})


def table_rows(markup: Any) -> dict[str, dict[str, str]]:
    soup = BeautifulSoup(markup.data, "html.parser")
    head = [th.get_text() for th in soup.select("thead th")]
    return {r.th.get_text(): dict(zip(head[1:], [td.get_text() for td in r.find_all("td")], strict=True))
            for r in soup.select("tbody tr")}


def test_the_outcome_table_shows_values_in_their_units(tmp_path):
    rows = table_rows(with_units(tmp_path).outcome_table())
    income, births, reading = rows["Median household income"], rows["Teen births"], rows["Early grade reading"]
    assert (income["baseline"], income["latest"], income["change"], income["change (%)"]) == \
        ("$50,000", "$52,000", "+$2,000", "+4.0%")
    assert (births["baseline"], births["latest"], births["change"]) == ("30.0 per 1,000", "12.3 per 1,000",
                                                                        "-17.7 per 1,000")
    assert (reading["baseline"], reading["latest"], reading["change"]) == ("40.0%", "45.0%", "+5.0 pp")


def test_a_page_of_percents_keeps_its_percent_columns(tmp_path):
    soup = BeautifulSoup(page(tmp_path).outcome_table().data, "html.parser")
    assert [th.get_text() for th in soup.select("thead th")][1:6] == ["baseline year", "baseline %", "latest year",
                                                                      "latest %", "change (pp)"]


def test_the_chart_speaks_in_dollars_and_the_page_says_why_there_are_no_gaps(tmp_path):
    p = with_units(tmp_path)
    chart = BeautifulSoup(p.outcome_chart("income").data, "html.parser")
    assert "All students went from $50,000 in 2019 to $52,000 in 2024" in chart.img["alt"]
    assert "%" not in chart.img["alt"]
    note = text(p.disparities())
    assert "No disparity gaps for Median household income (currency (dollars)): a gap is a difference in percentage " \
           "points, measured for percents and rates only." in note
    assert "Teen births" not in note  # a rate has gaps


def test_value_axes_fit_the_unit():
    assert plots.value_ticks(plots.chart_unit("%"), [12.0]) == (100, [0, 50, 100], ["0", "50", "100"])
    assert plots.value_ticks(plots.chart_unit("currency"), [52000.0, float("nan")]) == \
        (100000.0, [0.0, 50000.0, 100000.0], ["$0", "$50k", "$100k"])
    assert plots.value_ticks(plots.chart_unit("count"), [1204.0])[2] == ["0", "1,000", "2,000"]


def test_the_explorer_chart_fits_a_currency_too():
    import pandas as pd

    rows = pd.DataFrame({"group": ["all", "all"], "year": [2019, 2024], "value": [50000.0, 52000.0]})
    dist = pd.DataFrame({"name": ["Metro", "Bay"], "value": [52000.0, 61000.0], "selected": [True, False],
                         "rank": [2, 1]})
    figure = plots.explore_chart(rows, "Median household income", plots.group_styles(["all"]), {"all": "All"}, dist,
                                 2024, unit="currency")
    assert "All $50,000 in 2019 to $52,000 in 2024" in figure.alt
    assert "median $56,500" in figure.alt and "Metro: $52,000, rank 2 of 2" in figure.alt
