"""The only place figures are made: colour-blind-safe palette, fixed sizes, alt text from the data.

Every function returns a `Figure` record (SVG bytes, alt text, data table) rather than drawing into a
notebook, so notebooks, the site and tests all get the same accessible artefact.
"""

from __future__ import annotations

import functools
import io
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.markers import MarkerStyle  # noqa: E402
from matplotlib.textpath import TextToPath  # noqa: E402
from matplotlib.transforms import IdentityTransform, offset_copy  # noqa: E402

from ci_lib import compat  # noqa: E402
from ci_lib.inputs.rules import Unit, unit_of  # noqa: E402

# Okabe-Ito: distinguishable with the common colour-vision deficiencies
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999"]
ALL_COLOUR = "#000000"
# SVG with text kept as text: no glyph rasterising or PNG encoding (the bulk of a chart's cost), crisp at
# any zoom, and deterministic (fixed hash salt, no date in the metadata). Text is laid out with DejaVu Sans
# (shipped with matplotlib); a reader without it gets the browser's sans-serif. Matplotlib's default list
# names ten more fonts, written out in every text element of every chart and looked up at every draw.
STYLE = {"font.size": 9, "axes.titlesize": 10, "axes.spines.top": False, "axes.spines.right": False,
         "font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"],
         "svg.fonttype": "none", "svg.hashsalt": "ci-assess", "figure.max_open_warning": 0,
         "axes.titley": 1.0,  # a fixed title position: no measuring of tick labels at each draw
         "text.parse_math": False}  # names are text: "$5 to $10" is not maths, and "$\foo$" must not raise
SVG_METADATA = {"Date": None, "Creator": None}
TREND_ARROW = {"improving": "▲", "declining": "▼", "flat": "▶", "insufficient_data": "·"}
TREND_MARKER = {"improving": "^", "declining": "v", "flat": ">", "insufficient_data": "o"}
TARGET_MARKER, TARGET_SYMBOL, TARGET_COLOUR = "*", "★", "#555555"
LINESTYLES = ["-", "--", "-.", ":"]


@dataclass(frozen=True)
class Target:
    """An all-students target: `value` by `year`, on a path from the baseline (when the baseline is known)."""

    value: float
    year: int
    baseline: float | None = None
    baseline_year: int | None = None
    on_track: bool | None = None


@dataclass
class Figure:
    """A finished figure: image bytes (SVG), its alt text and the data behind it."""

    image: bytes
    alt: str
    table: pd.DataFrame
    caption: str
    mime: str = "image/svg+xml"
    # on paper only this band of the image prints (top, bottom in points from its top): see `outcome_chart`
    print_band_pt: tuple[float, float] | None = None


FONT_SETTINGS = ("font.family", "font.sans-serif", "font.serif", "font.monospace", "font.cursive", "font.fantasy",
                 "font.style", "font.variant", "font.weight", "font.stretch", "font.size")
_TEXT_TO_PATH = TextToPath()


@functools.lru_cache(maxsize=8192)
def _text_extent(text: str, prop: Any, ismath: Any, fonts: tuple[Any, ...]) -> tuple[float, float, float]:
    """Width, height and descent of `text` as the SVG renderer measures it (`fonts`: only part of the key)."""
    return _TEXT_TO_PATH.get_text_width_height_descent(text, prop, ismath)  # type: ignore[no-any-return]


def font_settings() -> tuple[str, ...]:
    """The font settings a text's metrics depend on beyond its own font properties (part of every cache key)."""
    return tuple(str(matplotlib.rcParams[key]) for key in FONT_SETTINGS)  # type: ignore[index]


def reset_caches() -> None:
    """Forget the kept chart frames, the text metrics and (in `compat`) the text layouts: as a fresh process."""
    _FRAMES.clear()
    _text_extent.cache_clear()
    compat.reset_caches()


def svg(fig: matplotlib.figure.Figure) -> bytes:
    """The figure as SVG bytes. Written to a text buffer: matplotlib wraps a bytes buffer in a codecs writer,
    one encoding call per piece of markup (about a thousand a chart); the same text is encoded once here."""
    buffer = io.StringIO()
    fonts = font_settings()  # fixed for the length of one savefig: read once, not once per text
    with (compat.fast_svg_text(lambda text, prop, ismath: _text_extent(text, prop, ismath, fonts), fonts),
          compat.fast_svg_paths()):
        fig.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue().encode("utf-8")


def render(fig: matplotlib.figure.Figure) -> bytes:
    """The SVG of a one-off pyplot figure, which is then closed."""
    image = svg(fig)
    plt.close(fig)
    return image


SVG_DPI = 72  # the SVG writer draws at 72 dots an inch (points) whatever the figure's own resolution


def new_figure(size: tuple[float, float], dpi: float | None = None) -> matplotlib.figure.Figure:
    """A figure outside pyplot: never shown by the notebook's inline backend, never closed by `plt.close`.

    `dpi=SVG_DPI` for a kept frame: `savefig` sets a figure to 72 dpi for an SVG and back after it, and each change
    invalidates every transform of the figure (then worked out again at the next draw); at 72 neither happens.
    The SVG is the same (points either way)."""
    return matplotlib.figure.Figure(figsize=size, dpi=dpi)


@dataclass
class Frame:
    """A figure and its axes, kept between charts of one kind and cleared of data before each chart."""

    figure: matplotlib.figure.Figure
    axes: list[Any]
    permanent: list[Any] = field(default_factory=list)  # drawn on every chart of the kind (a zero line)
    parts: dict[Any, Any] = field(default_factory=dict)  # artists each chart gives new data (made with the frame)
    labels: dict[tuple[int, str], list[Any]] = field(default_factory=dict)  # tick-label texts (`tick_labels`)
    titled: bool = True  # its charts set axes titles or axis labels (False: there are none to clear)

    def clear(self) -> Frame:
        """Remove what the previous chart drew; each chart sets every title, limit and tick it shows."""
        kept = {id(artist) for artist in [*self.permanent, *self.parts.values()]}
        for pool in self.labels.values():
            kept.update(id(text) for text in pool)
            for text in pool:
                text.set_visible(False)
        for ax in self.axes:
            for artist in [*ax.lines, *ax.collections, *ax.texts, *ax.patches, *ax.images]:
                if id(artist) not in kept:
                    artist.remove()
            if self.titled:
                ax.set_title("")
                ax.set_xlabel("")
                ax.set_ylabel("")
            ax.dataLim.set_points(matplotlib.transforms.Bbox.null().get_points())
            ax.ignore_existing_data_limits = True
        return self

    def render(self) -> bytes:
        return svg(self.figure)


_FRAMES: dict[tuple[Any, ...], Frame] = {}


def frame(key: tuple[Any, ...], build: Callable[[], Frame]) -> Frame:
    """The frame for `key`, built once per process.

    Creating a figure, its axes and their ticks costs more than drawing the data (about half of a
    chart's time), so page charts reuse one frame per kind: the warm kernel draws every community's
    charts on the same axes. Charts drawn on a kept frame are byte-identical to charts drawn on a new
    one (tested), so a warm kernel's page equals a fresh kernel's.
    """
    if key not in _FRAMES:
        with styled():
            _FRAMES[key] = build()
    return _FRAMES[key]


def axis_ticks(axis: Any) -> tuple[list[float], list[str]]:
    """The ticks a hidden axis would draw, and their labels: its own locator and formatter, as `Axis.draw` uses
    them (labels formatted over all locations, then those inside the view kept)."""
    locations = list(axis.get_major_locator()())
    words = axis.get_major_formatter().format_ticks(locations)
    low, high = sorted(axis.get_view_interval())
    tolerance = (high - low) * 1e-10
    shown = [(x, word) for x, word in zip(locations, words, strict=True) if low - tolerance <= x <= high + tolerance]
    return [x for x, _ in shown], [word for _, word in shown]


# Labels are drawn above the data, x ticks, y ticks, then the unit, whatever order their texts were made in
# (`tick_labels` keeps its texts across charts; a kept frame must draw in a new frame's order)
LABEL_ZORDER = {"x": 3.1, "y": 3.2, "unit": 3.3}


def tick_labels(chart: Frame, index: int, axis: str, positions: Any, labels: list[str], **text: Any) -> None:
    """Tick labels as plain texts, where matplotlib would draw them, for an axis of `chart.axes[index]` that is
    hidden.

    A drawn axis runs its locator, formatter and tick objects and measures every label twice at each
    draw: over half of an outcome chart's drawing time. The texts are kept with the frame and only given new
    words and places, as the axis does with its ticks: making a text costs more than drawing it.
    """
    ax = chart.axes[index]
    pool = chart.labels.setdefault((index, axis), [])
    if len(pool) < len(labels):  # placed once per text: the transform follows the axes' limits
        pad = matplotlib.rcParams[f"{axis}tick.major.pad"] + matplotlib.rcParams[f"{axis}tick.major.size"]  # type: ignore[index]
        transform, va, ha = (ax.get_xaxis_text1_transform if axis == "x" else ax.get_yaxis_text1_transform)(pad)
        while len(pool) < len(labels):
            pool.append(ax.text(0, 0, "", transform=transform, va=va, ha=ha, zorder=LABEL_ZORDER[axis], **text))
    for label, position, word in zip(pool, positions, labels, strict=False):
        label.set_text(word)
        label.set_position((position, 0) if axis == "x" else (0, position))
        label.set_visible(True)


def styled() -> Any:
    """The kit's matplotlib settings for the duration of one figure (nothing global is changed)."""
    return plt.rc_context(STYLE)  # type: ignore[arg-type]


def group_series(series: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Years x groups of a long (group, year, value) table, and the groups with any value, `all` first."""
    if not len(series):
        return pd.DataFrame(dtype=float), []
    # what `series.pivot(index="year", columns="group", values="value")` gives (sorted years and groups, NaN where
    # a group has no value; tested equal, dtypes included) at a third of its cost, paid by every chart of a page
    groups, column = np.unique(series["group"].to_numpy(dtype=object), return_inverse=True)
    years, row = np.unique(series["year"].to_numpy(), return_inverse=True)
    if len(np.unique(row * len(groups) + column)) != len(series):
        raise ValueError("Index contains duplicate entries, cannot reshape")
    values = np.full((len(years), len(groups)), np.nan)
    values[row, column] = series["value"].to_numpy(dtype=float)
    wide = pd.DataFrame(values, index=pd.Index(years, name="year"), columns=pd.Index(groups, name="group"))
    shown = wide.columns[~np.isnan(values).all(axis=0)].tolist()
    return wide, [g for g in ["all", *sorted(g for g in shown if g != "all")] if g in shown]


def group_styles(group_ids: list[str]) -> dict[str, tuple[str, str]]:
    """One (colour, line style) per group, the same on every chart of the site, `all` in black."""
    styles = {"all": (ALL_COLOUR, "-")}
    others = [g for g in group_ids if g != "all"]
    for i, group in enumerate(others):
        styles[group] = (OKABE_ITO[i % len(OKABE_ITO)], LINESTYLES[(i // len(OKABE_ITO)) % len(LINESTYLES)])
    return styles


AXIS_LABELS = {"percent": "%", "rate_per_1000": "per 1,000", "count": "count", "currency": "$", "score": "score"}


def chart_unit(unit: str) -> Unit:
    """The unit of a chart: `%` (the old label, a percent) or a unit id of `ci_lib.inputs.rules.UNIT_TABLE`."""
    return unit_of("percent" if unit == "%" else unit)


def value_ticks(unit: Unit, values: list[float]) -> tuple[float, list[float], list[str]]:
    """The value axis: 0-100 for percents; else 0 to a round number above the largest value, three ticks."""
    if unit.id == "percent":
        return 100, [0, 50, 100], ["0", "50", "100"]
    largest = max([v for v in values if v == v] or [1.0])
    step = 10 ** np.floor(np.log10(max(largest, 1e-9)))
    top = float(next(m * step for m in (1, 2, 5, 10) if m * step >= largest * 1.05))
    ticks = [0.0, top / 2, top]
    words = [f"${t / 1000:g}k" if unit.id == "currency" and top >= 10_000 and t else
             f"${t:,.0f}" if unit.id == "currency" else f"{t:,g}" for t in ticks]
    return top, ticks, words


def heatmap_frame(rows: int, cols: int) -> Frame:
    """Axes and colour bar for a rows x cols heatmap; kept per shape (see `frame`)."""

    def build() -> Frame:
        tall = rows > 12
        height = max(2.6, 0.16 * rows + 1.4)
        bottom = (1.0 if tall else 0.55) / height
        fig = new_figure((8, height))
        ax = fig.add_axes((0.36, bottom, 0.52, 1 - bottom - 0.4 / height))
        cax = fig.add_axes((0.9, bottom, 0.02, 1 - bottom - 0.4 / height))
        fig.colorbar(matplotlib.cm.ScalarMappable(HEAT_NORM, cmap=HEAT_CMAP), cax=cax, label="% of benchmark credit")
        colour_bar_axis = kept_colour_bar_axis(cax)
        ax.spines[:].set_visible(False)
        ax.xaxis.set_visible(False)  # no tick marks (each cell is labelled); the tick labels are kept texts
        ax.yaxis.set_visible(False)
        # the cells, and a text per cell when they are annotated: made once per shape, given each chart's values
        parts: dict[Any, Any] = {"mesh": ax.pcolormesh(np.ma.masked_all((rows, cols)), cmap=HEAT_CMAP, norm=HEAT_NORM,
                                                       edgecolors="white", linewidth=0.5)}
        if not tall:
            parts.update({(row, col): ax.text(col + 0.5, row + 0.5, "", ha="center", va="center")
                          for row in range(rows) for col in range(cols)})
        return Frame(fig, [ax], permanent=colour_bar_axis, parts=parts)

    return frame(("heatmap", rows, cols), build)


def kept_colour_bar_axis(cax: Any) -> list[Any]:
    """A vertical colour bar's ticks, their labels and its label as artists made once, placed where its axis draws
    them in an SVG; the axis is hidden. Returns the artists.

    The colour bar is the same on every heatmap, but its axis ran its locator, formatter and tick objects and
    measured its labels at every `savefig`: about a quarter of a heatmap's time. The SVG has the same elements at
    the same places (tested). The label's distance from the bar is measured as the SVG renderer measures text
    (points); the kit writes only SVG.
    """
    axis = cax.yaxis
    ticks, words = axis_ticks(axis)
    tick = axis.get_major_ticks()[0]
    transform, va, ha = cax.get_yaxis_text2_transform(tick.get_pad() + tick.get_tick_padding())
    labels = [cax.text(1, position, word, transform=transform, va=va, ha=ha, fontproperties=tick.label2.get_fontproperties(),
                       color=tick.label2.get_color(), zorder=LABEL_ZORDER["y"]) for position, word in zip(ticks, words, strict=True)]
    marks = Line2D([1] * len(ticks), ticks, transform=cax.get_yaxis_transform(which="tick2"), linestyle="None",
                   marker=tick.tick2line.get_marker(), markersize=tick.tick2line.get_markersize(),
                   markeredgewidth=tick.tick2line.get_markeredgewidth(), color=tick.tick2line.get_color(),
                   zorder=tick.tick2line.get_zorder(), clip_on=False)  # outside the bar, as tick marks are
    cax.add_line(marks)
    fonts = font_settings()
    widest = max(_text_extent(w, label.get_fontproperties().copy(), False, fonts)[0]
                 for w, label in zip(words, labels, strict=True))
    away = tick.get_pad() + tick.get_tick_padding() + widest + axis.labelpad  # points: past the widest tick label
    title = cax.text(1, 0.5, axis.label.get_text(), transform=offset_copy(cax.transAxes, fig=cax.figure, x=away, y=0,
                                                                            units="points"),
                     rotation=axis.label.get_rotation(), va=axis.label.get_va(), ha=axis.label.get_ha(),
                     rotation_mode=axis.label.get_rotation_mode(), fontproperties=axis.label.get_fontproperties(),
                     color=axis.label.get_color())
    axis.set_visible(False)
    return [*labels, marks, title]


HEAT_CMAP = "cividis"
HEAT_NORM = matplotlib.colors.Normalize(0, 100)


def pillar_heatmap(matrix: pd.DataFrame, title: str) -> Figure:
    """`matrix`: rows (pillars, or members) x columns (gateways, or pillars), shares 0-1 or NaN.

    Drawn with matplotlib's `pcolormesh` and a text per cell (annotated for small matrices, dark text on
    light cells as seaborn does), not `seaborn.heatmap`: that forces a full draw of the figure to check
    label overlap, which for a network of hundreds of members costs seconds and gigabytes.
    """
    rows, cols = len(matrix.index), len(matrix.columns)
    values = matrix.astype(float).to_numpy() * 100
    with styled():
        tall = rows > 12
        chart = heatmap_frame(rows, cols).clear()
        ax = chart.axes[0]
        mesh = chart.parts["mesh"]
        mesh.set_array(np.ma.masked_invalid(values))
        if not tall:
            from seaborn.utils import relative_luminance as luminance  # seaborn's rule; imported where drawn (a site
            # render, which draws no heatmap, does not load seaborn)

            colours = mesh.cmap(HEAT_NORM(values))
            for (row, col), value in np.ndenumerate(values):
                label = chart.parts[(row, col)]
                label.set_visible(not np.isnan(value))
                if not np.isnan(value):
                    label.set_text(f"{value:.0f}")
                    label.set_color(".15" if luminance(colours[row, col]) > 0.408 else "w")
        ax.set_xlim(0, cols)
        ax.set_ylim(rows, 0)  # first row at the top
        tick_labels(chart, 0, "x", np.arange(cols) + 0.5,
                    [textwrap.fill(str(c), 16 if tall else 10) for c in matrix.columns], fontsize=8 if tall else 9)
        tick_labels(chart, 0, "y", np.arange(rows) + 0.5, [str(r) for r in matrix.index], fontsize=7 if tall else 9)
        ax.set_title(title)
        image = chart.render()
    stacked = matrix.stack().dropna().astype(float)
    if stacked.empty:
        alt = f"{title}: no benchmark ratings."
    else:
        best, worst = stacked.idxmax(), stacked.idxmin()
        met = int((stacked >= 0.999).sum())
        alt = (f"{title}. Heatmap of the share of benchmark credit for {len(matrix.index)} pillars by "
               f"{len(matrix.columns)} gateways; {met} of {len(stacked)} cells fully met. Highest: {best[0]} at "
               f"{best[1]} ({stacked.max():.0%}); lowest: {worst[0]} at {worst[1]} ({stacked.min():.0%}).")
    table = (matrix * 100).round(0)
    return Figure(image, alt, table, title)


# -- outcome charts: small multiples by comparison family ----------------------------------------------------------
# Sizes in points (the SVG's user units). The image is at most its own width (576 CSS px) and shrinks with the page
# column: on a 390-px phone the column is 358 px (NARROW_COLUMN_PX keeps a margin for other themes), so a text of
# TEXT_PT shows at TEXT_PT * 340 / 432 = 9.05 CSS px there (`css_px`), and at 15.3 px on a desktop.
CHART_WIDTH_PT = 432.0
NARROW_COLUMN_PX, MIN_TEXT_CSS_PX = 340.0, 9.0
TEXT_PT, PANEL_TITLE_PT, TITLE_PT = 11.5, 12.0, 13.0
TOP_PT, ROW_PT, PANEL_TITLE_BAND, X_BAND = 44.0, 140.0, 20.0, 26.0
PLOT_PT = ROW_PT - PANEL_TITLE_BAND - X_BAND
SLOT_PT, Y_BAND = CHART_WIDTH_PT / 2, 32.0
LABEL_BAND = {1: 84.0, 2: 150.0}  # the direct labels' column of a half-width and a full-width panel
LABEL_WRAP = {1: 13, 2: 23}  # characters a label line holds in that column
LINE_PT = TEXT_PT * 1.2
GAP_LEFT, GAP_ROW_PT = 182.0, 15.0
WIDE_FAMILY = 3  # a family with more groups than this gets a full-width panel (room for its labels)
# within a panel only the family's groups need telling apart: dark, distinct Okabe-Ito colours (no yellow on white)
FAMILY_PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#999999"]
BASELINE_COLOUR = "#BBBBBB"
LEADER_COLOUR = "#C8C8C8"  # a label's leader: light and solid, unlike the data (coloured) and the target path (dotted)
OTHER_GROUPS = "Other groups"


def css_px(font_pt: float, rendered_px: float, figure_width_pt: float = CHART_WIDTH_PT) -> float:
    """The size on screen of a chart text: the SVG (its width in points) is scaled to `rendered_px` CSS px."""
    return font_pt * rendered_px / figure_width_pt


@dataclass(frozen=True)
class Panel:
    """One panel of an outcome chart: a comparison family (or the other groups) and the groups it shows."""

    label: str
    groups: tuple[str, ...]

    @property
    def span(self) -> int:
        """Columns taken: 2 for a family with many groups (their labels need the room), else 1."""
        return 2 if len(self.groups) > WIDE_FAMILY else 1


def family_panels(groups: list[str], families: dict[str, str], family_labels: dict[str, str],
                  order: list[str]) -> list[Panel]:
    """The panels of a chart: one per family with a published group (in `family_labels`' order), its groups in
    `order` (the rubric's); groups of no known family in a last panel. `all` is the reference of every panel."""
    shown = [g for g in order if g in groups and g != "all"] + sorted(g for g in groups if g not in order and g != "all")
    panels = [Panel(label, tuple(g for g in shown if families.get(g) == family)) for family, label in family_labels.items()]
    other = tuple(g for g in shown if families.get(g) not in family_labels)
    return [p for p in [*panels, Panel(OTHER_GROUPS, other)] if p.groups]


def panel_places(spans: tuple[int, ...]) -> list[tuple[int, int]]:
    """(row, column) of each panel: a full-width panel takes a row, half-width ones fill rows two by two."""
    places, row, column = [], 0, 0
    for span in spans:
        if column + span > 2:
            row, column = row + 1, 0
        places.append((row, column))
        row, column = (row + 1, 0) if column + span >= 2 else (row, column + span)
    return places


def outcome_height(spans: tuple[int, ...], gap_rows: int) -> float:
    """The chart's height in points: the title, the family rows, the gap panel's rows."""
    rows = (panel_places(spans)[-1][0] + 1) if spans else 0
    return TOP_PT + rows * ROW_PT + PANEL_TITLE_BAND + GAP_ROW_PT * max(gap_rows, 2) + X_BAND + 8


def outcome_boxes(spans: tuple[int, ...], gap_rows: int) -> list[tuple[float, float, float, float]]:
    """Each panel's plot area and the gap panel's, in figure fractions, for a chart of `gap_rows` gaps."""
    height = outcome_height(spans, gap_rows)

    def box(left: float, top: float, width: float, tall: float) -> tuple[float, float, float, float]:
        return (left / CHART_WIDTH_PT, (height - top - tall) / height, width / CHART_WIDTH_PT, tall / height)

    boxes = [box(column * SLOT_PT + Y_BAND, TOP_PT + row * ROW_PT + PANEL_TITLE_BAND, plot_width(span), PLOT_PT)
             for (row, column), span in zip(panel_places(spans), spans, strict=True)]
    gap_tall = GAP_ROW_PT * max(gap_rows, 2)
    return [*boxes, box(GAP_LEFT, height - gap_tall - X_BAND - 8, CHART_WIDTH_PT - GAP_LEFT - 16, gap_tall)]


def limits(ax: Any, x: tuple[float, float], y: tuple[float, float]) -> None:
    """An axes' limits, set only where they change: setting them runs callbacks and unit conversions."""
    if tuple(ax.get_xlim()) != tuple(x):
        ax.set_xlim(*x)
    if tuple(ax.get_ylim()) != tuple(y):
        ax.set_ylim(*y)


def plot_width(span: int) -> float:
    return span * SLOT_PT - Y_BAND - LABEL_BAND[span] - 4


def outcome_frame(spans: tuple[int, ...], gap_rows: int) -> Frame:
    """A panel per family (`spans`: the columns each takes) and the gap panel, sized for `gap_rows` gaps.

    Kept per panel layout (`frame`): the panels' artists are made once and given each chart's data
    (`outcome_chart`); the figure's height and the panels' places are set again for each chart's gaps.
    """

    def build() -> Frame:
        fig = new_figure((CHART_WIDTH_PT / 72, outcome_height(spans, gap_rows) / 72), dpi=SVG_DPI)
        axes: list[Any] = []
        parts: dict[Any, Any] = {}
        permanent: list[Any] = []
        for i, place in enumerate(outcome_boxes(spans, gap_rows)[:-1]):
            ax = fig.add_axes(place)
            axes.append(ax)
            # every stroke of the panel (baseline, lines, target path, leaders) is one collection, every mark
            # (line ends, the target's star) another: two artists for its data
            parts[(i, "strokes")] = ax.add_collection(LineCollection([], clip_on=False), autolim=False)
            ax.spines[:].set_visible(False)  # its axis lines are strokes too: a spine is an artist (and a write) each
            ax.set_axis_off()  # and not drawn at all: a hidden spine still works out its place at every draw
            parts[(i, "points")] = point_collection(ax)
            parts[(i, "title")] = ax.text(0, 1, "", transform=offset_copy(ax.transAxes, fig=fig, x=-Y_BAND + 4, y=6,
                                                                          units="points"),
                                          fontsize=PANEL_TITLE_PT, fontweight="bold", va="bottom", ha="left")
        gx = fig.add_axes(outcome_boxes(spans, gap_rows)[-1])
        axes.append(gx)
        for ax in axes:  # their labels are texts (`tick_labels`)
            ax.xaxis.set_visible(False)
            ax.yaxis.set_visible(False)
            ax.patch.set_visible(False)  # the figure is white: one rectangle less to write per panel
        gx.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4))  # still chooses the gap ticks
        permanent.append(gx.axvline(0, color="#000000", linewidth=0.8))
        from_top = offset_copy(fig.transFigure, fig=fig, x=4, y=-6, units="points")  # follows the figure's height
        parts.update({
            "spans": gx.add_collection(LineCollection([], colors="#999999", linewidths=1.5), autolim=False),
            "gaps": point_collection(gx),
            "gap_title": gx.text(0, 1, "", transform=offset_copy(gx.transAxes, fig=fig, x=-GAP_LEFT + 4, y=6,
                                                                 units="points"),
                                 fontsize=PANEL_TITLE_PT, fontweight="bold", va="bottom", ha="left"),
            "no_gaps": gx.text(0.5, 0.5, "", ha="center", va="center", transform=gx.transAxes, fontsize=TEXT_PT),
            "title": fig.text(0, 1, "", transform=from_top, fontsize=TITLE_PT, fontweight="bold", va="top"),
            "subtitle": fig.text(0, 1, "", transform=offset_copy(from_top, fig=fig, y=-19, units="points"),
                                 fontsize=TEXT_PT, va="top", color="#333333"),
        })
        return Frame(fig, axes, permanent, parts, titled=False)

    chart = frame(("outcome", spans), build)
    chart.figure.set_size_inches(CHART_WIDTH_PT / 72, outcome_height(spans, gap_rows) / 72)
    for ax, place in zip(chart.axes, outcome_boxes(spans, gap_rows), strict=True):
        ax.set_position(place)
    return chart


def marker_path(shape: str) -> Any:
    """A marker's outline in points, as `scatter` draws it."""
    style = MarkerStyle(shape)
    return style.get_path().transformed(style.get_transform())


MARKER_PATHS = {shape: marker_path(shape) for shape in ["o", "D", TARGET_MARKER, *TREND_MARKER.values()]}


def point_collection(ax: Any) -> PathCollection:
    """An empty collection of marker points on `ax`, for `marks` to fill (zorder 3, as `scatter`'s)."""
    points = PathCollection([], offsets=np.empty((0, 2)), offset_transform=ax.transData, edgecolors="face",
                            linewidths=0, zorder=3)
    points.set_transform(IdentityTransform())
    return ax.add_collection(points, autolim=False)


def marks(points: PathCollection, x: Any, y: Any, shapes: Any, colours: Any, size: float) -> None:
    """Points with a marker shape each (`size` in points²), given to a kept `point_collection`.

    What `ax.scatter` draws, without its argument handling and data-limit update (each chart sets its
    limits), which cost more than drawing the points; a scatter per shape would cost a collection each.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    points.set_visible(bool(keep.any()))
    if not keep.any():
        return
    points.set_paths([MARKER_PATHS[shape] for shape in np.asarray(shapes)[keep]])
    points.set_sizes([size])
    points.set_offsets(np.column_stack([x[keep], y[keep]]))
    points.set_facecolor(list(np.asarray(colours)[keep]))
    points.set_edgecolor("face")


def runs(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """The stretches of a line between missing values, as (n, 2) vertex arrays (what `plot` would draw)."""
    known = ~np.isnan(y)
    edges = np.flatnonzero(np.diff(np.concatenate([[False], known, [False]]).astype(int)))
    return [np.column_stack([x[a:b], y[a:b]]) for a, b in zip(edges[::2], edges[1::2], strict=True)]




@functools.lru_cache(maxsize=256)
def rgba(colour: str) -> tuple[float, float, float, float]:
    """A colour as RGBA, converted once: collections given RGBA arrays skip a conversion per segment and point."""
    return matplotlib.colors.to_rgba(colour)


@dataclass
class Drawing:
    """A panel's strokes and marks, collected while drawing it, then given to its two kept collections."""

    segments: list[Any] = field(default_factory=list)
    stroke_colours: list[tuple[float, ...]] = field(default_factory=list)
    dashes: list[str] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    points: list[tuple[float, float, str, str, str, float, float]] = field(default_factory=list)

    def stroke(self, vertices: Any, colour: str, style: str = "-", width: float = 1.5) -> None:
        self.segments.append(vertices)
        self.stroke_colours.append(rgba(colour))
        self.dashes.append(style)
        self.widths.append(width)

    def point(self, x: float, y: float, shape: str, face: str, edge: str, width: float, size: float) -> None:
        """A mark: `face` and `edge` colours, `width` of its outline, `size` in points²."""
        if not (np.isnan(x) or np.isnan(y)):
            self.points.append((x, y, shape, face, edge, width, size))

    def give(self, strokes: LineCollection, points: PathCollection) -> None:
        strokes.set_segments(self.segments)
        strokes.set_color(np.array(self.stroke_colours).reshape(-1, 4))  # type: ignore[arg-type]
        strokes.set_linestyle(self.dashes or ["-"])  # type: ignore[arg-type]
        strokes.set_linewidth(self.widths or [1.0])
        points.set_visible(bool(self.points))
        if not self.points:
            return
        xs, ys, shapes, faces, edges, widths, sizes = zip(*self.points, strict=True)
        points.set_paths([MARKER_PATHS[shape] for shape in shapes])
        points.set_sizes(sizes)
        points.set_offsets(np.column_stack([xs, ys]))
        points.set_facecolor(np.array([rgba(c) for c in faces]))  # type: ignore[arg-type]
        points.set_edgecolor(np.array([rgba(c) for c in edges]))  # type: ignore[arg-type]
        points.set_linewidth(widths)


def spread(wanted: list[float], heights: list[float], low: float, high: float) -> list[float] | None:
    """Label centres as near `wanted` as they can be without overlapping, inside [low, high] (points); None when
    the labels are taller than the room. Pushed up from the bottom, then down from the top: order is kept."""
    if sum(heights) > high - low:
        return None
    order = sorted(range(len(wanted)), key=lambda k: wanted[k])
    placed = list(wanted)
    floor = low
    for k in order:
        placed[k] = max(wanted[k], floor + heights[k] / 2)
        floor = placed[k] + heights[k] / 2
    ceiling = high
    for k in reversed(order):
        placed[k] = min(placed[k], ceiling - heights[k] / 2)
        ceiling = placed[k] - heights[k] / 2
    return placed


def direct_labels(chart: Frame, index: int, span: int, ends: list[tuple[float, float, str, str]],
                  x_range: tuple[float, float], top: float, drawing: Drawing) -> bool:
    """Each line's name at its end, in the panel's label column, nudged apart, with a leader from the line's end
    when nudged; when they cannot fit, a small legend (a line sample and the name, highest last value first).
    `ends`: (year, value, name, colour). Returns whether the labels are direct (False: the legend)."""
    width = span * SLOT_PT - Y_BAND - LABEL_BAND[span] - 4
    words = [textwrap.fill(name, LABEL_WRAP[span]) for _, _, name, _ in ends]
    heights = [LINE_PT * (w.count("\n") + 1) + 1 for w in words]
    wanted = [value / top * PLOT_PT for _, value, _, _ in ends]
    placed = spread(wanted, heights, -6.0, PLOT_PT + 4)
    pool = chart.labels.setdefault((index, "direct"), [])
    ax = chart.axes[index]
    while len(pool) < len(ends):  # made once per panel and count, as tick labels are (`tick_labels`)
        pool.append(ax.text(0, 0, "", transform=ax.transAxes, va="center", ha="left", fontsize=TEXT_PT,
                            color="#222222", clip_on=False, zorder=LABEL_ZORDER["unit"], linespacing=1.0))
    x0, x1 = x_range

    def data(fx: float, fy: float) -> tuple[float, float]:  # a place in the panel's fractions, in its data
        return x0 + fx * (x1 - x0), fy * top

    if placed is None:  # the legend: single lines, top down
        words = [textwrap.shorten(name, LABEL_WRAP[span] - 4, placeholder="…") for _, _, name, _ in ends]
        ranked = sorted(range(len(ends)), key=lambda k: -ends[k][1])
        placed = [0.0] * len(ends)
        for rank, k in enumerate(ranked):
            placed[k] = PLOT_PT + PANEL_TITLE_BAND - 4 - LINE_PT * (rank + 0.5)
        for k in range(len(ends)):  # a line sample before each name
            y = placed[k] / PLOT_PT
            drawing.stroke((data(1 + 6 / width, y), data(1 + 18 / width, y)), ends[k][3], "-", 2.0)
        start, direct = 1 + 21 / width, False
    else:
        start, direct = 1 + 8 / width, True
        leaders = [[(year, value), data(start - 2 / width, placed[k] / PLOT_PT), (np.nan, np.nan)]
                   for k, (year, value, _, _) in enumerate(ends)
                   if abs(placed[k] - wanted[k]) > 2 or (x1 - year) / (x1 - x0) > 0.15]  # nudged, or short of the edge
        if leaders:  # one path for them all
            drawing.stroke(np.array([p for leader in leaders for p in leader])[:-1], LEADER_COLOUR, "-", 0.8)
    for text, word, y in zip(pool, words, placed, strict=False):
        text.set_text(word)
        text.set_position((start, y / PLOT_PT))
        text.set_visible(True)
    return direct


def draw_target(drawing: Drawing, target: Target | None) -> None:
    """The target's star at (year, value) and a dotted path to it from the baseline."""
    if target is None:
        return
    if target.baseline_year is not None and target.baseline is not None:
        drawing.stroke(((target.baseline_year, target.baseline), (target.year, target.value)), TARGET_COLOUR, ":", 1.4)
    drawing.point(target.year, target.value, TARGET_MARKER, TARGET_COLOUR, TARGET_COLOUR, 0.0, 80)


def years_of(target: Target | None) -> list[float]:
    """The years a target's star and path need on the x axis."""
    if target is None:
        return []
    start = target.baseline_year is not None and target.baseline is not None
    return [float(target.year), *([float(target.baseline_year)] if start else [])]  # type: ignore[arg-type]


def gap_points(points: PathCollection, base: np.ndarray, latest: np.ndarray, rows: np.ndarray) -> None:
    """The gap panel's marks: ● at baseline, ◆ latest, alternating, so that the collection holds two marker paths
    and the SVG writes each once and then a short reference per point (its `draw_path_collection` optimisation)."""
    pairs = [(x, r) for b, v, r in zip(base, latest, rows, strict=True) for x in (b, v)]
    known = [not np.isnan(x) for x, _ in pairs]
    points.set_visible(any(known))
    if not any(known):
        return
    if not all(known):  # a baseline gap not measured: the marks cannot alternate, each gets its path
        marks(points, [x for x, _ in pairs], [r for _, r in pairs], ["o", "D"] * len(rows),
              ["#56B4E9", "#D55E00"] * len(rows), 30)
        return
    points.set_paths([MARKER_PATHS["o"], MARKER_PATHS["D"]])
    points.set_sizes([30])
    points.set_offsets(np.array(pairs, dtype=float))
    points.set_facecolor(["#56B4E9", "#D55E00"])
    points.set_edgecolor("face")


def panel_styles(panel: Panel) -> dict[str, tuple[str, str]]:
    """The colour and line style of each of a panel's groups (by their place in the family: the same on every
    chart), `all` in black."""
    styles = {"all": (ALL_COLOUR, "-")}
    for i, group in enumerate(panel.groups):
        styles[group] = (FAMILY_PALETTE[i % len(FAMILY_PALETTE)], LINESTYLES[(i // len(FAMILY_PALETTE)) % len(LINESTYLES)])
    return styles


def outcome_chart(series: pd.DataFrame, name: str, trends: dict[str, str], gaps: pd.DataFrame,
                  labels: dict[str, str], families: dict[str, str] | None = None,
                  family_labels: dict[str, str] | None = None, unit: str = "%", target: Target | None = None,
                  baseline_year: int | None = None) -> Figure:
    """Small multiples: a panel per comparison family with published values, each with all students as the
    reference line (black, thick, the same in every panel) and the family's groups, each line named at its
    end; then the disparity gaps at baseline and latest year, grouped by family.

    `series`: columns group, year, value (suppressed -> NaN). `trends`: group -> trend, drawn as a mark on the
    line's last point. `gaps`: columns group, gap_baseline_pp, gap_latest_pp, gap_trend. `families`: group ->
    family id; `family_labels`: family id -> name, in panel order (groups of another family: "Other groups").
    `target`: the all-students target, a star with a dotted path from the baseline in every panel; the x axis
    runs to its year. `baseline_year` (or the target's): a grey vertical line in every panel.
    Each panel's lines are one collection, its end marks another (`marks`): a panel has a handful of artists.
    """
    families, family_labels = families or {}, family_labels or {}
    wide, groups = group_series(series)
    panels = family_panels(groups, families, family_labels, list(labels))
    spans = tuple(p.span for p in panels)
    if target is not None and target.baseline_year is not None:
        baseline_year = target.baseline_year
    # the measured gaps, by panel (family) then smallest latest gap first
    every_latest = gaps["gap_latest_pp"].to_numpy(dtype=float)
    measured = np.flatnonzero(~np.isnan(every_latest))
    panel_of = {g: k for k, p in enumerate(panels) for g in p.groups}
    gap_ids = gaps["group"].to_numpy(dtype=object)
    order = np.array(sorted(measured, key=lambda k: (panel_of.get(gap_ids[k], len(panels)), every_latest[k])), dtype=int)
    measure = chart_unit(unit)
    years = wide.index.to_numpy(dtype=float)
    matrix, column = wide.to_numpy(dtype=float), {g: k for k, g in enumerate(wide.columns)}
    with styled():
        chart = outcome_frame(spans, len(order)).clear()
        target_years = years_of(target)
        span_years = [*years.tolist(), *target_years]
        shown_years = np.arange(min(span_years), max(span_years) + 1) if target_years else years
        x_range = (shown_years.min() - 0.3, shown_years.max() + 0.3) if len(shown_years) else (0.0, 1.0)
        top, ticks, words = value_ticks(measure, [*matrix.ravel().tolist(), *([target.value] if target else [])])
        legends, places = [], panel_places(spans)
        for i, panel in enumerate(panels):
            ax, styles, drawing = chart.axes[i], panel_styles(panel), Drawing()
            ends: list[tuple[float, float, str, str]] = []
            drawing.stroke(((x_range[0], top), (x_range[0], 0), (x_range[1], 0)), "#000000", "-", 0.8)  # the axes
            if baseline_year is not None:
                drawing.stroke(((baseline_year, 0), (baseline_year, top)), BASELINE_COLOUR, "-", 1.2)
            for group in ["all", *panel.groups] if "all" in column else list(panel.groups):
                colour, style = styles[group]
                values = matrix[:, column[group]]
                known = np.flatnonzero(~np.isnan(values))
                if not len(known):
                    continue
                # one path per line: its missing years break it (as `runs` would), a path costs a write each
                drawing.stroke(np.column_stack([years, values])[known[0]:known[-1] + 1], colour, style,
                               2.6 if group == "all" else 1.5)
                last = known[-1]
                if group != "all" or i == 0:  # all students named once: the same thick black line everywhere
                    ends.append((years[last], values[last], labels.get(group, group), colour))
                shape = TREND_MARKER.get(trends.get(group, "insufficient_data"), "o")
                drawing.point(years[last], values[last], shape, colour, colour, 0.0, 40)
            draw_target(drawing, target)
            limits(ax, x_range, (0, top))
            x_ticks = sorted({float(y) for y in [*shown_years[:1], *shown_years[-1:], *([baseline_year] if
                                                                                          baseline_year else [])]})
            if panel.span == 2 or places[i][0] == places[-1][0]:  # the panels of a row share their years: the
                tick_labels(chart, i, "x", x_ticks, [str(int(y)) for y in x_ticks], fontsize=TEXT_PT)  # last row's
            if places[i][1] == 0:  # a panel on the right has the left one's scale: its ticks say nothing new
                tick_labels(chart, i, "y", ticks, words, fontsize=TEXT_PT)
            chart.parts[(i, "title")].set_text(panel.label)
            if not direct_labels(chart, i, panel.span, ends, x_range, top, drawing):
                legends.append(panel.label)
            drawing.give(chart.parts[(i, "strokes")], chart.parts[(i, "points")])
        base, latest = gaps["gap_baseline_pp"].to_numpy(dtype=float)[order], every_latest[order]
        gap_groups = gap_ids[order]
        gx = chart.axes[-1]
        rows = np.arange(len(order))[::-1]  # the first gap at the top
        chart.parts["no_gaps"].set_text("" if len(order) else "no gaps to show" if measure.gaps
                                        else "no gaps (not a percent or rate)")
        if len(order):
            chart.parts["spans"].set_segments([np.array([p for b, v, r in zip(base, latest, rows, strict=True)
                                                         for p in ((b, r), (v, r), (np.nan, np.nan))])[:-1]])
            gap_points(chart.parts["gaps"], base, latest, rows)
            tick_labels(chart, len(panels), "y", rows, [labels.get(g, g) for g in gap_groups], fontsize=TEXT_PT)
            gx.set_ylim(-0.6, max(len(order), 2) - 0.4)
            ends_pp = np.concatenate([[0.0], base[~np.isnan(base)], latest])
            pad = max(1.0, 0.08 * float(np.ptp(ends_pp)))
            gx.set_xlim(float(ends_pp.min()) - pad, float(ends_pp.max()) + pad)
        else:
            chart.parts["spans"].set_segments([])
            gap_points(chart.parts["gaps"], base, latest, rows)
            gx.set_ylim(0, 1)
            gx.set_xlim(-1, 1)
        tick_labels(chart, len(panels), "x", *axis_ticks(gx.xaxis), fontsize=TEXT_PT)
        chart.parts["gap_title"].set_text("Gap to the family's reference, pp (● baseline ◆ latest)")
        chart.parts["title"].set_text(name)
        chart.parts["subtitle"].set_text(
            measure.label.capitalize()
            + (f" · grey line: baseline {baseline_year}" if baseline_year is not None else "")
            + (f" · {TARGET_SYMBOL} target" if target else ""))
        image = chart.render()
    total = matrix[:, column["all"]] if "all" in column else np.array([])
    known = np.flatnonzero(~np.isnan(total))
    if not len(known):
        first = "The all-students series is suppressed or missing."
    else:
        when = wide.index
        first = (f"All students went from {measure.format(total[known[0]])} in {when[known[0]]} to "
                 f"{measure.format(total[known[-1]])} in "
                 f"{when[known[-1]]} ({trends.get('all', 'insufficient_data').replace('_', ' ')}).")
    gap_text = ""
    if len(order):
        widest = int(order[np.argmax(latest)])
        gap_text = (f" Largest latest gap: {labels.get(gap_ids[widest], gap_ids[widest])} {every_latest[widest]:+.1f} "
                    f"points ({str(gaps['gap_trend'].to_numpy(dtype=object)[widest]).replace('_', ' ')}).")
    described = "; ".join(f"{p.label} ({', '.join(labels.get(g, g) for g in p.groups)})" for p in panels)
    layout = (f"{len(panels)} panel{'s' if len(panels) != 1 else ''} by comparison family, each with all students as "
              f"the reference line: {described}" if panels else "all students only, no group has published values")
    marked = "".join([f"; baseline {baseline_year} marked" if baseline_year is not None else "",
                      "; target marked" if target else ""])
    gap_panel = (" Gap panel: each group's gap to its family's reference at baseline and latest year."
                 if len(order) else "")
    target_text = "" if target is None else f" {target_sentence(target, unit)}"
    alt = (f"{name}: line charts over {len(wide.index)} years in {layout}{marked}. {first}{gap_text}{gap_panel}"
           f"{target_text}")
    table = wide.round(1).set_axis(pd.Index([labels.get(g, g) for g in wide.columns], name=wide.columns.name), axis=1)
    if target is not None:  # the target as a column of the data table, in its year
        table = table.reindex(table.index.union([target.year]))
        table["target (all students)"] = np.where(table.index == target.year, round(target.value, 1), np.nan)
    table.index.name = "year"
    # on paper the family panels only (site.css, @media print): the title band repeats the caption, the gap
    # panel the printed gaps table
    panel_rows = (places[-1][0] + 1) if places else 0
    return Figure(image, alt, table, name if target is None else f"{name} · {target_sentence(target, unit)}",
                  print_band_pt=(TOP_PT - 4, TOP_PT + panel_rows * ROW_PT) if panel_rows else None)


def target_sentence(target: Target, unit: str = "%") -> str:
    """"Target: 75.0% by 2030 (on track)." — the words of the chart's star, for its alt text and caption."""
    track = {True: "on track", False: "off track", None: "on track: not known"}[target.on_track]
    return f"Target: {chart_unit(unit).format(target.value)} by {target.year} ({track})."


def gateway_distribution(counts: dict[str, int], labels: dict[str, str]) -> Figure:
    names = [labels.get(k, k) for k in counts]
    with styled():
        fig = plt.figure(figsize=(7, 2.8))
        ax = fig.add_axes((0.08, 0.14, 0.9, 0.74))
        ax.bar(names, list(counts.values()), color=OKABE_ITO[4])
        for x, v in enumerate(counts.values()):
            ax.text(x, v, str(v), ha="center", va="bottom")
        ax.set_ylabel("members")
        ax.set_title("Members by gateway reached")
        ax.tick_params(axis="x", labelsize=8)
        image = render(fig)
    total = sum(counts.values())
    parts = ", ".join(f"{labels.get(k, k)} {v}" for k, v in counts.items())
    alt = f"Bar chart of the {total} members by the gateway they have reached: {parts}."
    table = pd.DataFrame({"gateway": names, "members": list(counts.values())}).set_index("gateway")
    return Figure(image, alt, table, "Members by gateway reached")


def share_histogram(values: list[float], title: str) -> Figure:
    with styled():
        fig = plt.figure(figsize=(4.5, 2.6))
        ax = fig.add_axes((0.14, 0.18, 0.82, 0.7))
        ax.hist([v * 100 for v in values], bins=list(np.linspace(0, 100, 11)), color=OKABE_ITO[2], edgecolor="white")
        ax.set_xlabel("% of member's indicators or gaps")
        ax.set_ylabel("members")
        ax.set_title(title)
        image = render(fig)
    arr = np.array(values) * 100
    alt = (f"Histogram of {title.lower()} across {len(values)} members: median {np.median(arr):.0f}%, "
           f"range {arr.min():.0f}% to {arr.max():.0f}%." if len(values) else f"{title}: no data.")
    counts, edges = np.histogram(arr, bins=np.linspace(0, 100, 11))
    table = pd.DataFrame({"from %": edges[:-1].round(0), "to %": edges[1:].round(0), "members": counts})
    return Figure(image, alt, table.set_index("from %"), title)


def network_outcomes(outcomes: pd.DataFrame, names: dict[str, str]) -> Figure:
    """Small multiples: each member's all-students line (grey) and the network median (black) per indicator.

    `outcomes`: columns community_id, indicator_id, year, value (published values only).
    """
    indicators = [i for i in names if i in set(outcomes["indicator_id"])]
    cols = 4
    rows = max(1, -(-len(indicators) // cols))
    medians = outcomes.groupby(["indicator_id", "year"])["value"].median()
    with styled():
        fig, axes = plt.subplots(rows, cols, figsize=(10, 2.3 * rows), sharex=True, squeeze=False,
                                 gridspec_kw={"left": 0.05, "right": 0.98, "top": 0.9, "bottom": 0.1, "hspace": 0.45,
                                              "wspace": 0.3})
        for ax, indicator in zip(axes.flat, indicators, strict=False):
            part = outcomes[outcomes["indicator_id"] == indicator]
            wide = part.pivot(index="year", columns="community_id", values="value").sort_index()
            years = wide.index.to_numpy(dtype=float)
            members = [seg for column in wide.to_numpy(dtype=float).T for seg in runs(years, column)]
            ax.add_collection(LineCollection(members, colors="#BBBBBB", linewidths=0.5))  # one artist, any size
            median = medians.loc[indicator]
            ax.plot(median.index, median.to_numpy(), color=ALL_COLOUR, linewidth=2.2)
            ax.set_title(names[indicator], fontsize=8)
            ax.set_ylim(0, 100)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=4))
        for ax in list(axes.flat)[len(indicators):]:
            ax.set_visible(False)
        image = render(fig)
    sentences = []
    for indicator in indicators:
        median = medians.loc[indicator].dropna()
        if len(median):
            sentences.append(f"{names[indicator]}: median {median.iloc[0]:.1f}% in {median.index[0]}, "
                             f"{median.iloc[-1]:.1f}% in {median.index[-1]}")
    alt = ("Small multiples of all-students outcomes, one panel per indicator, each member as a grey line and the "
           "network median in black. " + "; ".join(sentences) + ".")
    table = medians.unstack("indicator_id").rename(columns=names).round(1)
    table.index.name = "year"
    return Figure(image, alt, table, "Outcomes across members (median in black)")


def explore_chart(series: pd.DataFrame, name: str, styles: dict[str, tuple[str, str]], labels: dict[str, str],
                  distribution: pd.DataFrame | None = None, year: int | None = None, unit: str = "%") -> Figure:
    """The explorer's view: the chosen groups over the chosen years (left) and the network in one year (right).

    `series`: columns group, year, value (suppressed or missing -> NaN). `distribution`: one row per member
    with a published value in `year`: columns name, value, selected (the explored community), rank.
    """
    wide, groups = group_series(series)
    dist = distribution if distribution is not None else pd.DataFrame(columns=["name", "value", "selected", "rank"])
    dist = dist.dropna(subset=["value"])
    with styled():
        fig = plt.figure(figsize=(10, 3.1))
        ax = fig.add_axes((0.06, 0.12, 0.42, 0.76))
        nx = fig.add_axes((0.69, 0.22, 0.29, 0.66))
        for group in groups:
            colour, style = styles.get(group, ("#999999", ":"))
            ax.plot(wide.index, wide[group], color=colour, linestyle=style, marker="o", markersize=3,
                    linewidth=2.4 if group == "all" else 1.2, label=labels.get(group, group))
        if groups:
            ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        else:
            ax.text(0.5, 0.5, "no published values", ha="center", va="center", transform=ax.transAxes)
        measure = chart_unit(unit)
        top = value_ticks(measure, [*wide.to_numpy(dtype=float).ravel().tolist(),
                                    *dist["value"].astype(float).tolist()])[0]
        ax.set_ylim(0, top)
        ax.set_ylabel(AXIS_LABELS.get(measure.id, unit))
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_title(name)
        if len(dist):
            offsets = (np.arange(len(dist)) % 7 - 3) * 0.08  # a fixed jitter: the same picture every time
            others = ~dist["selected"].astype(bool).to_numpy()
            nx.scatter(dist["value"].to_numpy()[others], offsets[others], color="#999999", s=12)
            nx.axvline(float(dist["value"].median()), color=ALL_COLOUR, linewidth=1, linestyle="--")
            chosen = dist[dist["selected"].astype(bool)]
            if len(chosen):
                nx.scatter(chosen["value"], [0.0] * len(chosen), color=OKABE_ITO[5], marker="D", s=48, zorder=3)
        else:
            nx.text(0.5, 0.5, "no network values", ha="center", va="center", transform=nx.transAxes)
        nx.set_xlim(0, top)
        nx.set_ylim(-0.5, 0.5)
        nx.set_yticks([])
        nx.set_xlabel(AXIS_LABELS.get(measure.id, unit))
        nx.set_title(f"Members in {year} (◆ this community, -- median)" if year else "Members", fontsize=9)
        image = render(fig)
    if groups:
        first, last = int(wide.index.min()), int(wide.index.max())
        lines = []
        for group in groups:
            known = wide[group].dropna()
            lines.append(f"{labels.get(group, group)} {measure.format(known.iloc[0])} in {known.index[0]} to "
                         f"{measure.format(known.iloc[-1])} in {known.index[-1]}")
        text = f"{name}: line chart of {len(groups)} groups, {first} to {last}. " + "; ".join(lines) + "."
    else:
        text = f"{name}: no published values for the chosen groups and years."
    if len(dist):
        text += f" In {year}, {len(dist)} members have a published value; median {measure.format(dist['value'].median())}."
        chosen = dist[dist["selected"].astype(bool)]
        if len(chosen):
            row = chosen.iloc[0]
            text += f" {row['name']}: {measure.format(row['value'])}, rank {int(row['rank'])} of {len(dist)}."
    table = wide.rename(columns=labels).round(1)
    table.index.name = "year"
    return Figure(image, text, table, name)


# -- the network overview at scale: distributions, not one row per member ----------------------------------------
SHARE_EDGES = np.linspace(0, 100, 11)  # ten bins of ten points; 100 % (every benchmark met) falls in the last


def pillar_distribution(matrix: pd.DataFrame, title: str) -> Figure:
    """Small multiples, one per pillar: how many members have each share of the pillar's benchmark credit.

    `matrix`: members x pillars, shares 0-1 or NaN (a member with no rated benchmark in a pillar is left out of
    that pillar). Each panel is a histogram in bins of ten points with the pillar's median marked, on one
    shared scale of shares and of members, so pillars compare at a glance at any number of members (the
    member-by-pillar heatmap needs a row per member).
    """
    values = matrix.astype(float) * 100
    pillars = list(values.columns)
    counts = {p: np.histogram(values[p].dropna().to_numpy(), bins=SHARE_EDGES)[0] for p in pillars}
    medians = {p: float(values[p].median()) if values[p].notna().any() else None for p in pillars}
    top = max([1, *(int(c.max()) for c in counts.values())])
    panels = max(1, len(pillars))
    with styled():
        fig = new_figure((6.0, 0.55 + 0.78 * panels))
        height = 0.78 / (0.55 + 0.78 * panels)
        for i, pillar in enumerate(pillars):
            bottom = 1 - (0.3 / (0.55 + 0.78 * panels)) - (i + 1) * height
            ax = fig.add_axes((0.3, bottom + height * 0.18, 0.66, height * 0.72))
            ax.bar(SHARE_EDGES[:-1], counts[pillar], width=np.diff(SHARE_EDGES), align="edge", color=OKABE_ITO[4],
                   edgecolor="white")
            ax.set_xlim(0, 100)
            ax.set_ylim(0, top * 1.15)
            ax.set_yticks([0, top], ["0", f"{top:,}"])
            median = medians[pillar]
            if median is not None:
                ax.axvline(median, color=ALL_COLOUR, linestyle="--", linewidth=1.2)
            ax.text(-0.03, 0.5, textwrap.fill(str(pillar), 24), transform=ax.transAxes, ha="right", va="center",
                    fontsize=8)
            if i < panels - 1:
                ax.set_xticklabels([])
            else:
                ax.set_xlabel("share of the pillar's benchmark credit (%); bars: members; dashed: median")
        fig.suptitle(title, x=0.5, y=1 - 0.08 / (0.55 + 0.78 * panels), va="top", fontsize=10)
        image = svg(fig)
    members = len(matrix.index)
    said = [f"{p}: median {medians[p]:.0f}%, {int(counts[p][-1]):,} members at 90% or more" for p in pillars
            if medians[p] is not None]
    alt = (f"{title}. Histograms of {members:,} members' share of benchmark credit, one per pillar, in bins of ten "
           f"points from 0% to 100%, the dashed line at each pillar's median. " + "; ".join(said) + "."
           if said else f"{title}: no benchmark ratings.")
    table = pd.DataFrame({p: counts[p].astype(int) for p in pillars},
                         index=[f"{a:.0f}-{b:.0f}%" for a, b in zip(SHARE_EDGES[:-1], SHARE_EDGES[1:], strict=True)])
    table.index.name = "share of credit"
    table.loc["median (%)"] = [None if (m := medians[p]) is None else round(m) for p in pillars]
    return Figure(image, alt, table, title)
