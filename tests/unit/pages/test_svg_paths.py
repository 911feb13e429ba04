"""compat.fast_svg_paths writes collections' paths itself: the SVG must be the stock SVG, byte for byte, for every
kind of collection (and the kit's outcome charts)."""

from __future__ import annotations

import matplotlib.backends.backend_svg
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection, PathCollection

from ci_lib import compat
from ci_lib.pages import plots


def collections_of_every_kind() -> bytes:
    """Collections the plain path takes (strokes of several colours, widths and dashes, one repeated; marks of
    several shapes with offsets, one not finite; faces without edges; a transparent edge; a transparent face;
    clipped and unclipped) and the stock method's cases (a hatch, a link, a sketch, forced alpha, marks of one
    shape the SVG defines once and refers to, an empty collection)."""
    with plots.styled():
        fig = plots.new_figure((4, 3))
        ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
        lines = [np.array([[0, 0], [1, 1], [2, 0.5]]), np.array([[0, 1], [2, 2]]), np.array([[0.5, 0], [0.5, 2]]),
                 np.array([[0, 2], [np.nan, np.nan], [1, 1.5], [2, 1.8]])]
        ax.add_collection(LineCollection([*lines, lines[0] + 0.1], colors=["#000000", "#D55E00", "#0072B2", "#D55E00",
                                                                         "#D55E00"],
                                         linewidths=[2.6, 1.5, 0.8, 1.5, 1.5], linestyles=["-", "--", ":", "--", "-"]))
        ax.add_collection(LineCollection(lines[:2], colors=["#00000000", "#009E73"], linewidths=1.0, clip_on=False))
        ax.add_collection(LineCollection(lines[:2], colors="#CC79A7", linestyles="-."))
        points = plots.point_collection(ax)
        plots.marks(points, [0.5, 1.0, np.nan, 1.5], [0.5, 1.0, 1.0, 1.5], ["o", "D", "*", "^"],
                    ["#56B4E9", "#D55E00", "#555555", "#00000000"], 40)
        faces = PathCollection([plots.MARKER_PATHS["o"], plots.MARKER_PATHS["D"]], offsets=[[0.2, 0.2], [0.4, 1.9]],
                               offset_transform=ax.transData, facecolors=["#E69F00", "#0072B2"], edgecolors="none")
        ax.add_collection(faces)
        ax.scatter([0.1, 0.3], [1.2, 1.4], marker="o", hatch="//", facecolor="#ffffff")
        linked = ax.add_collection(LineCollection(lines[:2], colors="#000000"))
        linked.set_urls(["https://example.org/a", None])
        ax.add_collection(LineCollection(lines[:2], colors="#0072B2")).set_sketch_params(1.0, 10.0, 2.0)
        ax.add_collection(LineCollection(lines[:2], colors="#0072B2", alpha=0.4))
        ax.scatter(np.linspace(0, 2, 40), np.linspace(0, 2, 40), marker="D", s=8, c=np.linspace(0, 1, 40))
        ax.add_collection(LineCollection([], colors="#000000"))
        ax.set_xlim(-0.5, 2.5)
        ax.set_ylim(-0.5, 2.5)
        return plots.svg(fig)


def test_collections_drawn_by_the_kit_are_the_stock_svg(monkeypatch):
    stock = matplotlib.backends.backend_svg.RendererSVG.draw_path_collection
    plots.reset_caches()
    fast = [collections_of_every_kind(), collections_of_every_kind()]
    assert matplotlib.backends.backend_svg.RendererSVG.draw_path_collection is stock  # only during the kit's savefig
    assert compat._PATH_STYLES  # the plain path was taken
    monkeypatch.setenv(compat.KILL_SWITCH, "1")
    plots.reset_caches()
    expected = collections_of_every_kind()
    assert not compat._PATH_STYLES
    assert fast == [expected, expected]
    assert b"stroke-dasharray" in expected and b"example.org" in expected and b"<use" in expected


def test_an_outcome_chart_is_the_stock_svg(monkeypatch):
    years = list(range(2018, 2025))
    rows = [(g, y, v) for g, base in [("all", 60.0), ("black", 50.0), ("white", 65.0), ("low_income", 48.0)]
            for y, v in zip(years, base + np.arange(len(years)) * 1.5, strict=True)]
    series = pd.DataFrame(rows, columns=["group", "year", "value"]).assign(
        value=lambda f: f["value"].mask((f["group"] == "black") & (f["year"] == 2020)))
    gaps = pd.DataFrame({"group": ["black", "white", "low_income"], "gap_baseline_pp": [10.0, -5.0, np.nan],
                         "gap_latest_pp": [8.0, -4.0, 12.0], "gap_trend": ["narrowing", "narrowing", "insufficient_data"]})

    def chart() -> bytes:
        return plots.outcome_chart(series, "Reading", {"all": "improving", "black": "flat"}, gaps,
                                   {"all": "All students", "black": "Black", "white": "White",
                                    "low_income": "Low income"},
                                   families={"black": "race", "white": "race", "low_income": "income"},
                                   family_labels={"race": "Race/ethnicity", "income": "Income"},
                                   target=plots.Target(80.0, 2030, 60.0, 2018, True), baseline_year=2018).image

    plots.reset_caches()
    fast = [chart(), chart()]
    monkeypatch.setenv(compat.KILL_SWITCH, "1")
    plots.reset_caches()
    assert fast == [chart(), chart()]
