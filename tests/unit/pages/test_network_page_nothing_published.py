"""The network page when suppression leaves nothing to show (a `min_cell` above every count).

Seen with `min_cell: 100000` on an 8-member demo: the network notebook failed with `KeyError: 'indicator_id'`
because the outcome small multiples were handed an empty frame without columns. Every section the network
notebook shows must still render, and say in words that there is nothing to draw.
"""

from __future__ import annotations

import copy

from ci_lib.pages.report import NetworkPage
from tests.conftest import YEAR

SECTIONS = ("headline", "equity", "widened_gaps", "gateway_distribution", "movement", "pillar_heatmap", "shares",
            "outcome_small_multiples", "members_table")


def test_every_section_renders_when_no_all_students_value_or_gap_is_published(small_run):
    loaded = NetworkPage.load(small_run[0].report_dir, YEAR)
    work = copy.deepcopy(loaded.work)
    work["outcomes_all"] = []
    work["gaps"] = []
    network = NetworkPage(loaded.report_dir, work)
    shown = {name: getattr(network, name)().data for name in SECTIONS}
    assert "no outcome lines to draw" in shown["outcome_small_multiples"]
    assert "<svg" not in shown["outcome_small_multiples"]
    assert all(isinstance(html, str) and html for html in shown.values())


def test_the_sections_the_notebook_shows_are_the_ones_checked():
    from pathlib import Path

    notebook = (Path(__file__).parents[3] / "notebooks" / "network.py").read_text()
    called = {line.split(".", 1)[1].split("(", 1)[0] for line in notebook.splitlines() if line.startswith("network.")}
    assert called == set(SECTIONS)
