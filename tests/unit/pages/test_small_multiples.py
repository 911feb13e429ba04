"""Outcome charts as small multiples: a panel per comparison family, all students the reference in each, the target
and the baseline marked, lines named at their ends, and no text under 9 CSS px on a 390-px phone."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import matplotlib.text
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from ci_lib.pages import plots

LABELS = {"all": "All students", "black": "Black or African American", "hispanic": "Hispanic or Latino/a/e",
          "white": "White", "low_income": "Low income", "not_low_income": "Not low income", "female": "Female",
          "male": "Male", "disability": "Students with disabilities", "no_disability": "Students without disabilities",
          "students_of_color": "Students of color", "foster": "Students in foster care"}
FAMILIES = {"black": "race_ethnicity", "hispanic": "race_ethnicity", "white": "race_ethnicity",
            "students_of_color": "race_ethnicity",  # a params' combined group joins its declared family
            "low_income": "income", "not_low_income": "income", "female": "gender", "male": "gender",
            "disability": "disability", "no_disability": "disability", "foster": ""}  # foster: no family
FAMILY_LABELS = {"race_ethnicity": "Race/ethnicity", "income": "Income", "language": "English learner status",
                 "disability": "Disability", "gender": "Gender"}
TARGET = plots.Target(value=60.0, year=2030, baseline=40.0, baseline_year=2019, on_track=False)
SVG = "{http://www.w3.org/2000/svg}"
PHONE_COLUMN_PX = 390 - 32  # the page column on a 390-px phone: the viewport less main's 1rem padding each side
DESKTOP_COLUMN_PX = 1100 - 32


def series(groups: list[str], missing: dict[str, float] | None = None) -> pd.DataFrame:
    rows = [{"group": g, "year": y, "value": 40.0 + 2 * i + (y - 2019) * (1 + i % 3)}
            for i, g in enumerate(groups) for y in range(2019, 2025)]
    frame = pd.DataFrame(rows)
    for group in (missing or {}):  # a group with nothing published: no line, no panel of its own
        frame.loc[frame["group"] == group, "value"] = np.nan
    return frame


def gaps(groups: list[str]) -> pd.DataFrame:
    rows = [{"group": g, "gap_baseline_pp": 10.0 - i, "gap_latest_pp": 8.0 - 2 * i, "gap_trend": "narrowing"}
            for i, g in enumerate(groups) if g not in ("all", "white", "not_low_income", "male", "no_disability")]
    return pd.DataFrame(rows)


GROUPS = ["all", "black", "hispanic", "white", "students_of_color", "low_income", "not_low_income", "female", "male",
          "foster"]


def chart(groups: list[str] = GROUPS, target: plots.Target | None = TARGET, **kw: object) -> plots.Figure:
    return plots.outcome_chart(series(groups, kw.pop("missing", None)), "Early grade reading",  # type: ignore[arg-type]
                               {"all": "improving", "black": "declining"}, gaps(groups), LABELS, families=FAMILIES,
                               family_labels=FAMILY_LABELS, target=target, baseline_year=2019, **kw)  # type: ignore[arg-type]


def kept_frame(groups: list[str] = GROUPS) -> plots.Frame:
    panels = plots.family_panels(groups, FAMILIES, FAMILY_LABELS, list(LABELS))
    measured = len(gaps(groups))
    return plots.outcome_frame(tuple(p.span for p in panels), measured)


def shown(texts: list[matplotlib.text.Text]) -> list[str]:
    return [t.get_text().replace("\n", " ") for t in texts if t.get_visible() and t.get_text()]


def test_one_panel_per_family_with_published_values_then_the_other_groups():
    plots.reset_caches()
    chart(missing={"male": 0.0})  # gender keeps female; disability and English learners have no values at all
    frame = kept_frame()
    panels = len(frame.axes) - 1  # and the gap panel
    titles = [frame.parts[(i, "title")].get_text() for i in range(panels)]
    assert titles == ["Race/ethnicity", "Income", "Gender", "Other groups"]


def test_each_panel_has_the_all_students_line_and_only_its_familys_groups():
    plots.reset_caches()
    chart()
    frame = kept_frame()
    named = [set(shown(frame.labels[(i, "direct")])) for i in range(len(frame.axes) - 1)]
    assert named == [{"All students", "Black or African American", "Hispanic or Latino/a/e", "White", "Students of color"},
                     {"Low income", "Not low income"}, {"Female", "Male"},
                     {"Students in foster care"}]  # all students named once, in the first panel
    # the reference is drawn the same in every panel: the same black, thick path
    references = []
    for i in range(len(frame.axes) - 1):
        strokes = frame.parts[(i, "strokes")]
        thick = [k for k, w in enumerate(strokes.get_linewidths()) if w == 2.6]
        assert len(thick) == 1 and tuple(strokes.get_colors()[thick[0]]) == (0.0, 0.0, 0.0, 1.0)
        references.append(strokes.get_segments()[thick[0]].tolist())
    assert all(r == references[0] for r in references)


def test_the_target_and_the_baseline_are_marked_in_every_panel():
    plots.reset_caches()
    figure = chart()
    frame = kept_frame()
    baseline_grey = plots.rgba(plots.BASELINE_COLOUR)
    for i in range(len(frame.axes) - 1):
        assert [2030.0, 60.0] in frame.parts[(i, "points")].get_offsets().tolist()  # the star
        segments = [s.tolist() for s in frame.parts[(i, "strokes")].get_segments()]
        assert [[2019.0, 40.0], [2030.0, 60.0]] in segments  # the dotted path from the baseline
        colours = [tuple(c) for c in frame.parts[(i, "strokes")].get_colors()]
        vertical = [s for s, c in zip(segments, colours, strict=True) if c == baseline_grey]
        assert vertical and vertical[0][0][0] == vertical[0][1][0] == 2019.0  # the baseline year's line
        assert frame.axes[i].get_xlim()[1] >= 2030
    subtitle = frame.parts["subtitle"].get_text()
    assert "baseline 2019" in subtitle and plots.TARGET_SYMBOL in subtitle
    assert "Target: 60.0% by 2030 (off track)." in figure.alt


def test_direct_labels_do_not_overlap_and_fall_back_to_a_legend_when_they_cannot_fit():
    plots.reset_caches()
    chart()
    frame = kept_frame()
    renderer = FigureCanvasAgg(frame.figure).get_renderer()  # the frame is dropped below (`reset_caches`)
    for i in range(len(frame.axes) - 1):
        boxes = [t.get_window_extent(renderer) for t in frame.labels[(i, "direct")] if t.get_visible() and t.get_text()]
        assert not any(a.overlaps(b) for k, a in enumerate(boxes) for b in boxes[k + 1:]), i
    plots.reset_caches()
    # ten close lines in one panel cannot be named at their ends: a small legend, one line sample per name
    crowd = [f"g{k}" for k in range(10)]
    labels = {**LABELS, **{g: f"Group number {k} of the crowded family" for k, g in enumerate(crowd)}}
    rows = pd.DataFrame([{"group": g, "year": y, "value": 50.0 + k * 0.2} for k, g in enumerate(["all", *crowd])
                         for y in (2019, 2024)])
    plots.outcome_chart(rows, "Crowded", {}, gaps([]).reindex(columns=["group", "gap_baseline_pp", "gap_latest_pp",
                                                                       "gap_trend"]),
                        labels, families=dict.fromkeys(crowd, "race_ethnicity"), family_labels=FAMILY_LABELS)
    crowded = plots.outcome_frame((2,), 0)
    texts = [t for t in crowded.labels[(0, "direct")] if t.get_visible() and t.get_text()]
    assert len(texts) == 11  # ten groups and all students (the first panel)
    ys = sorted(t.get_position()[1] for t in texts)
    assert min(np.diff(ys)) * plots.PLOT_PT >= plots.LINE_PT - 1e-6  # a line's height apart: no overlap
    samples = [w for w in crowded.parts[(0, "strokes")].get_linewidths() if w == 2.0]
    assert len(samples) == 11
    renderer = FigureCanvasAgg(crowded.figure).get_renderer()  # and the legend's names stay inside the figure
    assert max(t.get_window_extent(renderer).x1 for t in texts) <= crowded.figure.bbox.width
    plots.reset_caches()


def test_no_text_is_under_9_css_px_on_a_phone_and_all_of_it_reads_on_a_desktop():
    plots.reset_caches()
    figure = chart()
    frame = kept_frame()
    width_pt = frame.figure.get_figwidth() * 72
    sizes = [t.get_fontsize() for t in frame.figure.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]
    assert len(sizes) > 30
    assert min(plots.css_px(size, PHONE_COLUMN_PX, width_pt) for size in sizes) >= 9
    desktop = min(width_pt * 4 / 3, DESKTOP_COLUMN_PX)  # an image is at most its own width (pt -> CSS px)
    assert min(plots.css_px(size, desktop, width_pt) for size in sizes) >= 12
    # and the SVG itself says so: its font sizes against its view box
    root = ElementTree.fromstring(figure.image)
    view_width = float(root.get("viewBox", "").split()[2])
    svg_sizes = [float(re.search(r"font-size: ([\d.]+)px", t.get("style", "")).group(1))  # type: ignore[union-attr]
                 for t in root.iter(f"{SVG}text")]
    assert svg_sizes and min(svg_sizes) * PHONE_COLUMN_PX / view_width >= 9


def test_the_alt_text_names_the_panels_and_the_table_lists_every_group_shown():
    plots.reset_caches()
    figure = chart()
    assert "4 panels by comparison family" in figure.alt
    for words in ("Race/ethnicity (Black or African American, Hispanic or Latino/a/e, White, Students of color)",
                  "Income (Low income, Not low income)", "Gender (Female, Male)",
                  "Other groups (Students in foster care)", "baseline 2019 marked", "target marked", "Gap panel"):
        assert words in figure.alt
    assert set(figure.table.columns) == {LABELS[g] for g in GROUPS} | {"target (all students)"}


def test_a_kept_frame_draws_what_a_new_frame_draws():
    plots.reset_caches()
    first = chart().image
    chart(target=None, missing={"black": 0.0})  # other marks, other labels, on the same layout
    assert chart().image == first
    plots.reset_caches()
    assert chart().image == first


@pytest.mark.parametrize(("wanted", "heights"), [([10, 11, 12], [14, 14, 14]), ([90, 90, 5], [28, 14, 14]),
                                                  ([-20, 200], [14, 14])])
def test_spread_keeps_order_and_room(wanted, heights):
    placed = plots.spread([float(w) for w in wanted], [float(h) for h in heights], 0.0, 100.0)
    assert placed is not None
    pairs = sorted(zip(placed, heights, strict=True))
    assert all(b[0] - a[0] >= (a[1] + b[1]) / 2 - 1e-9 for a, b in zip(pairs, pairs[1:], strict=False))
    assert all(0 <= p - h / 2 and p + h / 2 <= 100 + 1e-9 for p, h in zip(placed, heights, strict=True))
    assert plots.spread([1.0] * 8, [14.0] * 8, 0.0, 100.0) is None
