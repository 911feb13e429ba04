"""Charts drawn on a kept frame are the charts a fresh figure would give, byte for byte."""

from __future__ import annotations

import collections
import contextlib
import io
import re
import textwrap

import matplotlib.image
import matplotlib.text
import matplotlib.ticker
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.font_manager import FontProperties

from ci_lib import compat
from ci_lib.pages import plots

LABELS = {"all": "All students", "black": "Black", "low_income": "Low income", "ell": "English learners"}


def series(shift: float, groups: list[str], missing_year: int | None = None) -> pd.DataFrame:
    rows = []
    for i, group in enumerate(groups):
        for year in range(2019, 2025):
            value = None if year == missing_year and group != "all" else 40 + shift + i * 3 + (year - 2019)
            rows.append({"group": group, "year": year, "value": value})
    return pd.DataFrame(rows).astype({"value": float})


def gaps(groups: list[str], spread: float) -> pd.DataFrame:
    return pd.DataFrame([{"group": g, "gap_baseline_pp": spread * (i + 1), "gap_latest_pp": spread * i,
                          "gap_trend": "closing"} for i, g in enumerate(groups) if g != "all"])


def chart_a() -> bytes:
    groups = ["all", "black", "low_income", "ell"]
    return plots.outcome_chart(series(0, groups, 2022), "Kindergarten readiness",
                               {"all": "improving", "black": "declining"}, gaps(groups, 4.0), LABELS).image


def chart_b() -> bytes:
    groups = ["all", "low_income"]
    empty_gaps = pd.DataFrame(columns=["group", "gap_baseline_pp", "gap_latest_pp", "gap_trend"])
    return plots.outcome_chart(series(20, groups), "Postsecondary enrollment — lower is better", {"all": "flat"},
                               empty_gaps, LABELS).image


def chart_c() -> bytes:
    """More years and more gap rows than chart_a: the frame's label texts must grow, then hide again."""
    groups = ["all", "black", "low_income", "ell", "hispanic", "white"]
    rows = [{"group": g, "year": y, "value": 30.0 + i + (y - 2014)} for i, g in enumerate(groups)
            for y in range(2014, 2025)]
    return plots.outcome_chart(pd.DataFrame(rows), "Third-grade reading", {"all": "improving"}, gaps(groups, 2.5),
                               LABELS).image


def heatmap(values: list[list[float]]) -> bytes:
    matrix = pd.DataFrame(values, index=["Vision", "Evidence"], columns=["Exploring", "Emerging", "Sustaining"])
    return plots.pillar_heatmap(matrix, "Benchmark credit").image


def test_a_kept_frame_draws_what_a_new_frame_draws():
    plots.reset_caches()
    first_a = chart_a()
    first_heat = heatmap([[1.0, 0.5, np.nan], [0.25, 0.0, 1.0]])
    chart_b()  # different groups, no gaps, other title and years: all of it must be cleared
    heatmap([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    assert chart_a() == first_a
    assert heatmap([[1.0, 0.5, np.nan], [0.25, 0.0, 1.0]]) == first_heat
    plots.reset_caches()
    assert chart_a() == first_a  # and a new frame again gives the same bytes
    plots.reset_caches()
    first_c = chart_c()
    plots.reset_caches()
    chart_a()
    assert chart_c() == first_c  # more labels than the kept frame had
    assert chart_a() == first_a  # fewer again: the extra labels are hidden, not drawn


def test_the_chart_shows_its_data_and_nothing_left_over():
    plots.reset_caches()
    chart_a()
    svg = chart_b().decode()
    assert "Postsecondary enrollment" in svg and "Kindergarten readiness" not in svg
    assert "no gaps to show" in svg and "English learners" not in svg
    svg = chart_a().decode()
    assert "English learners" in svg and "no gaps to show" not in svg
    assert "2019" in svg and "2024" in svg


def test_runs_split_lines_at_missing_values():
    x = np.array([2019.0, 2020, 2021, 2022, 2023])
    parts = plots.runs(x, np.array([1.0, np.nan, 3, 4, np.nan]))
    assert [p[:, 0].tolist() for p in parts] == [[2019.0], [2021.0, 2022.0]]
    assert plots.runs(x, np.full(5, np.nan)) == []


def test_text_measured_once_gives_the_bytes_of_measuring_at_each_draw(monkeypatch):
    stock_measure, stock_layout = RendererSVG.get_text_width_height_descent, matplotlib.text.Text._get_layout
    plots.reset_caches()
    shared = [chart_a(), chart_b(), heatmap([[1.0, 0.5, np.nan], [0.25, 0.0, 1.0]]), chart_a()]
    assert plots._text_extent.cache_info().hits > 0  # the second chart_a measured nothing again
    assert compat.layouts_cached() > 10  # and laid out its texts once
    assert RendererSVG.get_text_width_height_descent is stock_measure  # only while the kit writes an SVG
    assert matplotlib.text.Text._get_layout is stock_layout
    monkeypatch.setenv(compat.KILL_SWITCH, "1")
    plots.reset_caches()
    assert [chart_a(), chart_b(), heatmap([[1.0, 0.5, np.nan], [0.25, 0.0, 1.0]]), chart_a()] == shared
    assert compat.layouts_cached() == 0


def test_a_font_setting_is_part_of_what_a_measured_text_is_remembered_by():
    plots.reset_caches()
    regular = plots._text_extent("Kindergarten readiness", FontProperties(size=9), False, ("a",))
    assert plots._text_extent("Kindergarten readiness", FontProperties(size=9), False, ("a",)) == regular
    assert plots._text_extent("Kindergarten readiness", FontProperties(size=12), False, ("a",))[0] > regular[0]
    assert plots._text_extent.cache_info().hits == 1
    plots._text_extent("Kindergarten readiness", FontProperties(size=9), False, ("b",))
    assert plots._text_extent.cache_info().misses == 3  # other font settings: measured again


def test_tick_labels_sit_exactly_where_the_axis_draws_them():
    years = [2019.0, 2020.0, 2021.0, 2022.0, 2023.0]

    def pixels(as_texts: bool) -> np.ndarray:
        with plots.styled():
            fig = plots.new_figure((4, 2))
            ax = fig.add_axes((0.2, 0.2, 0.7, 0.7))
            ax.tick_params(left=False, bottom=False)
            ax.set_xlim(2018.7, 2023.3)
            ax.set_ylim(0, 100)
            if as_texts:
                ax.xaxis.set_visible(False)
                ax.yaxis.set_visible(False)
                chart = plots.Frame(fig, [ax])
                plots.tick_labels(chart, 0, "x", years, [str(int(y)) for y in years])
                plots.tick_labels(chart, 0, "y", [0, 50, 100], ["0", "50", "100"])
            else:
                ax.set_xticks(years, [str(int(y)) for y in years])
                ax.set_yticks([0, 50, 100], ["0", "50", "100"])
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=100)
        return matplotlib.image.imread(io.BytesIO(buffer.getvalue()))

    drawn = pixels(as_texts=False)
    assert (drawn < 1).any()  # something was drawn
    assert np.array_equal(pixels(as_texts=True), drawn)


@pytest.mark.parametrize("limits", [(-1.0, 1.0), (-3.2, 17.5), (0.4, 26.8)])
def test_gap_ticks_are_the_ones_the_axis_would_choose_and_write(limits):
    def pixels(as_texts: bool) -> np.ndarray:
        with plots.styled():
            fig = plots.new_figure((3, 2))
            ax = fig.add_axes((0.1, 0.25, 0.8, 0.65))
            ax.tick_params(bottom=False)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4))
            ax.set_xlim(*limits)
            ax.yaxis.set_visible(False)
            if as_texts:
                ax.xaxis.set_visible(False)
                plots.tick_labels(plots.Frame(fig, [ax]), 0, "x", *plots.axis_ticks(ax.xaxis))
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=100)
        return matplotlib.image.imread(io.BytesIO(buffer.getvalue()))

    assert np.array_equal(pixels(as_texts=True), pixels(as_texts=False))
    with plots.styled():
        fig = plots.new_figure((3, 2))
        ax = fig.add_axes((0.1, 0.25, 0.8, 0.65))
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4))
        ax.set_xlim(*limits)
        locations, words = plots.axis_ticks(ax.xaxis)
    assert len(locations) >= 3 and all(limits[0] <= x <= limits[1] for x in locations)
    assert len(words) == len(locations) and all(words)


GROUP_NAMES = ["all", "black", "white", "low_income", "english_learners", "Zeta", "élèves"]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.tuples(st.sampled_from(GROUP_NAMES), st.integers(2012, 2026)),
                       st.one_of(st.none(), st.floats(0, 100, allow_nan=False)), min_size=1, max_size=40))
def test_group_series_is_the_pandas_pivot_of_the_long_table(cells):
    series = pd.DataFrame({"group": [g for g, _ in cells], "year": [y for _, y in cells],
                           "value": np.array(list(cells.values()), dtype=float)})
    wide, groups = plots.group_series(series)
    expected = series.pivot(index="year", columns="group", values="value").sort_index()
    pd.testing.assert_frame_equal(wide, expected, check_exact=True)
    assert (wide.index.dtype, wide.columns.dtype) == (expected.index.dtype, expected.columns.dtype)
    shown = [g for g in expected.columns if expected[g].notna().any()]
    assert groups == [g for g in ["all", *sorted(g for g in shown if g != "all")] if g in shown]


def test_group_series_refuses_two_values_for_one_group_and_year():
    series = pd.DataFrame({"group": ["all", "all"], "year": [2024, 2024], "value": [1.0, 2.0]})
    with pytest.raises(ValueError, match="duplicate entries"):
        plots.group_series(series)


@pytest.mark.parametrize("rows", [4, 15])
def test_heatmap_labels_sit_exactly_where_its_axes_would_draw_them(rows):
    """The heatmap's tick labels are kept texts; matplotlib's own axes, on the same figure, give the same pixels."""
    cols = 5
    values = np.linspace(0, 1, rows * cols).reshape(rows, cols)
    values[1, 2] = np.nan
    matrix = pd.DataFrame(values, index=[f"Pillar number {r}" for r in range(rows)],
                          columns=[f"Gateway {c} with a long name" for c in range(cols)])
    plots.pillar_heatmap(matrix, "Benchmark credit")
    chart = plots.heatmap_frame(rows, cols)

    def pixels() -> np.ndarray:
        buffer = io.BytesIO()
        with plots.styled():
            chart.figure.savefig(buffer, format="png", dpi=100)
        return matplotlib.image.imread(io.BytesIO(buffer.getvalue()))

    try:
        kept = pixels()
        for pool in chart.labels.values():
            for text in pool:
                text.set_visible(False)
        assert not np.array_equal(pixels(), kept)  # the labels were drawn by the kept texts
        ax, tall = chart.axes[0], rows > 12
        ax.xaxis.set_visible(True)
        ax.yaxis.set_visible(True)
        with plots.styled():
            ax.tick_params(left=False, bottom=False)
            ax.set_xticks(np.arange(cols) + 0.5, [textwrap.fill(str(c), 16 if tall else 10) for c in matrix.columns],
                          fontsize=8 if tall else 9)
            ax.set_yticks(np.arange(rows) + 0.5, [str(r) for r in matrix.index], fontsize=7 if tall else 9)
        assert np.array_equal(pixels(), kept)
    finally:
        plots.reset_caches()  # a frame changed by hand is not reused


def drawing(svg: bytes) -> tuple[collections.Counter, int]:
    """What an SVG draws, whatever its grouping: each shape, mark and text element with its attributes, and how
    many groups are clipped."""
    text = svg.decode()
    shapes = re.findall(r"<(?:path|use|image|rect|polygon|polyline|line|circle)\b[^>]*/>|<text[^>]*>[^<]*</text>", text)
    return collections.Counter(shapes), text.count("clip-path=")


@pytest.mark.parametrize("rows", [4, 15])
def test_the_kept_colour_bar_axis_draws_what_its_axis_draws(rows):
    matrix = pd.DataFrame(np.linspace(0, 1, rows * 5).reshape(rows, 5), index=[f"P{r}" for r in range(rows)],
                          columns=[f"G{c}" for c in range(5)])
    kept = plots.pillar_heatmap(matrix, "Benchmark credit").image
    chart = plots.heatmap_frame(rows, 5)
    cax = chart.figure.axes[1]
    try:
        assert not cax.yaxis.get_visible()
        for artist in chart.permanent:
            artist.set_visible(False)
        cax.yaxis.set_visible(True)
        with plots.styled():
            drawn = chart.render()
        assert drawing(kept) == drawing(drawn)
        labels = [e for e in drawing(drawn)[0] if "% of benchmark credit" in e or ("start" in e and ">100</" in e)]
        assert len(labels) == 2  # the comparison covers the colour bar's label and tick labels
    finally:
        plots.reset_caches()


def test_a_text_changed_after_its_layout_was_kept_is_laid_out_again():
    def drawn(size: float, rotation: float, align: str, words: str = "Kindergarten readiness") -> bytes:
        with plots.styled():
            fig = plots.new_figure((3, 1))
            text = fig.text(0.5, 0.5, "Kindergarten readiness", fontsize=9, ha="center", va="top")
            plots.svg(fig)  # laid out and kept as it was made
            text.set_fontsize(size)
            text.set_rotation(rotation)
            text.set_horizontalalignment(align)
            text.set_text(words)
            return plots.svg(fig)

    def fresh(size: float, rotation: float, align: str, words: str = "Kindergarten readiness") -> bytes:
        with plots.styled():
            fig = plots.new_figure((3, 1))
            fig.text(0.5, 0.5, words, fontsize=size, rotation=rotation, ha=align, va="top")
            with fresh_layouts():
                return plots.svg(fig)

    for change in [(14, 0, "center"), (9, 30, "center"), (9, 0, "left"), (9, 0, "center", "Kindergarten\nreadiness")]:
        assert drawn(*change) == fresh(*change), change


@contextlib.contextmanager
def fresh_layouts():
    """Layouts made afresh: the kit's trick off (stock matplotlib) for the length of the block."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(compat.KILL_SWITCH, "1")
        yield
