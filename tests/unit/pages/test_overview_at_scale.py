"""The network overview at scale (#23 item 2): above `OVERVIEW_ROWS` members the pillar chart is a distribution
per pillar and the members table a count by state and gateway with a link to the listing; at or below it, a row
per member as before."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from ci_lib.pages import plots
from ci_lib.pages.report import OVERVIEW_ROWS, NetworkPage
from tests.unit.pages.test_report_pages import member, network_work


def members(n: int) -> list[dict]:
    out = []
    for i in range(n):
        m = member(f"m{i:05d}", [None, "exploring", "emerging"][i % 3], False)
        m["state"] = ["WA", "TX"][i % 2]
        m["pillars"] = {"evidence": {"exploring": (i % 11) / 10}}
        out.append(m)
    return out


def page(tmp_path, n: int) -> NetworkPage:
    return NetworkPage(tmp_path, network_work(members(n)))


def test_at_the_threshold_the_overview_keeps_a_row_per_member(tmp_path):
    network = page(tmp_path, OVERVIEW_ROWS)
    heat = BeautifulSoup(network.pillar_heatmap().data, "html.parser")
    assert heat.select_one("figure#pillar-heatmap")
    assert len(heat.select("details.data-table tbody tr")) == OVERVIEW_ROWS
    table = BeautifulSoup(network.members_table().data, "html.parser")
    assert len(table.select("table.members tbody tr")) == OVERVIEW_ROWS


def test_above_the_threshold_the_overview_shows_distributions_and_counts(tmp_path):
    n = OVERVIEW_ROWS + 1
    network = page(tmp_path, n)
    chart = BeautifulSoup(network.pillar_heatmap().data, "html.parser")
    assert not chart.select("figure#pillar-heatmap")
    figure = chart.select_one("figure#pillar-distribution")
    assert figure and f"{n:,} members" in figure.img["alt"] and "Evidence: median" in figure.img["alt"]
    rows = {tr.th.get_text(): [td.get_text() for td in tr.select("td")] for tr in figure.select("tbody tr")}
    assert sum(int(v[0]) for k, v in rows.items() if k.endswith("%")) == n  # every member in one bin
    assert len(rows) == 11  # ten bins and the median
    summary = BeautifulSoup(network.members_table().data, "html.parser")
    assert not summary.select("table.members")
    assert summary.select_one('a[href="communities.html"]')
    assert f"{n:,} members in 2 states" in summary.get_text()
    table = summary.select_one("table.members-summary")
    head = [th.get_text() for th in table.select("thead th")]
    assert head[-1] == "all members" and "Not yet Exploring" in head
    body = {tr.th.get_text(): [int(td.get_text()) for td in tr.select("td")] for tr in table.select("tbody tr")}
    assert body["all states"][-1] == n and body["WA"][-1] + body["TX"][-1] == n
    assert len(body) == 3  # two states and the total: no row per member


def test_the_distribution_scales_to_ten_thousand_members_in_one_bar_per_bin():
    import numpy as np
    import pandas as pd

    matrix = pd.DataFrame({"A": np.linspace(0, 1, 10_000), "B": np.full(10_000, np.nan)})
    fig = plots.pillar_distribution(matrix, "t")
    svg = fig.image.decode()
    assert len(re.findall(r"<path ", svg)) < 200  # bars and axes, not a mark per member
    assert int(fig.table.loc["90-100%", "A"]) == 1000 and fig.table["B"].iloc[:10].sum() == 0
    assert "B:" not in fig.alt and "A: median 50%" in fig.alt
