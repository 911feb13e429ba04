"""A page per indicator across the network (as KIDS COUNT has), and their index.

Each indicator page lists every member's latest published all-students value (from the published scores
only: a suppressed value is blank there and is shown with its mark, never as a number), its year, trend,
change since the baseline and, where a target is set, whether it is on track; the distribution across the
network with its median. Rows are in order of value, best first, so the page reads without scripts;
`assets/sortable.js` adds sort buttons. At network sizes of thousands the rows are split into pages of
`PAGE_SIZE` (`indicators/<id>.html`, `indicators/<id>-2.html`, ...), every page built in one pass over the
members. The same HTML goes into the built-in site and, as a raw HTML block, into the Quarto project.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import html
import json
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from markupsafe import Markup, escape

from ci_lib import vocabulary as words
from ci_lib.inputs.rules import Unit, unit_of

if TYPE_CHECKING:
    from ci_lib.layout import YearLayout
    from ci_lib.pages.plots import Figure
    from ci_lib.website.content import YearContent

PAGE_SIZE = 500
INDEX = "indicators.html"
SCRIPT = "sortable.js"
TREND_RANK = {"improving": 2, "flat": 1, "declining": 0}  # sort order of the trend column (no data: last)


@dataclass(frozen=True)
class Indicator:
    """What a reader is told of an indicator: its name, definition, unit and which direction is better."""

    id: str
    name: str
    unit: str
    polarity: str
    definition: str
    local: bool

    @property
    def measure(self) -> Unit:
        return unit_of(self.unit)

    @property
    def lower_is_better(self) -> bool:
        return self.polarity == "lower_is_better"


class MemberValue(NamedTuple):
    """One member's latest all-students row of an indicator, as published (None where blank); a tuple, so the
    page key hashes thousands of them cheaply."""

    community_id: str
    name: str
    state: str
    value: float | None
    mark: str  # why the value is blank (`vocabulary.CELL_MARKS`, or `MISSING`); "" when a value is shown
    year: int | None
    period_start: int | None
    trend: str | None
    trend_reason: str | None
    change_pp: float | None
    change_pct: float | None
    change_kind: str
    has_target: bool
    on_track: bool | None


@dataclass
class IndicatorView:
    """An indicator across the network: its members in the page order (value, best first; blanks last)."""

    indicator: Indicator
    members: list[MemberValue]

    # The summaries every page shows are computed once per indicator, not once per page: a page then costs
    # its own rows only, and the site stays linear in members at any number of pages.
    @functools.cached_property
    def values(self) -> list[float]:
        return [m.value for m in self.members if m.value is not None]

    @functools.cached_property
    def median(self) -> float | None:
        values = self.values
        return float(statistics.median(values)) if values else None

    @functools.cached_property
    def has_targets(self) -> bool:
        return any(m.has_target for m in self.members)

    @functools.cached_property
    def trends(self) -> dict[str, int]:
        """Members per trend id."""
        counts: dict[str, int] = {}
        for m in self.members:
            counts[m.trend or ""] = counts.get(m.trend or "", 0) + 1
        return counts

    @functools.cached_property
    def years(self) -> list[int]:
        """The latest years of the published values (members' latest years may differ)."""
        return sorted({m.year for m in self.members if m.value is not None and m.year is not None})

    @functools.cached_property
    def figure(self) -> Figure:
        """The distribution (drawn once: both engines' pages show it)."""
        return distribution_figure(self)

    def page_count(self) -> int:
        return max(1, -(-len(self.members) // PAGE_SIZE))

    def page_paths(self) -> list[str]:
        return [page_path(self.indicator.id, n) for n in range(1, self.page_count() + 1)]

    def digest(self) -> str:
        """What the indicator's pages show, as one hash: their page key (rebuilt when, and only when, it changes)."""
        record = [asdict(self.indicator), self.members]
        return hashlib.sha256(json.dumps(record, separators=(",", ":")).encode()).hexdigest()


def page_path(indicator_id: str, number: int = 1) -> str:
    """`indicators/<id>.html` for the first page, `indicators/<id>-<n>.html` for the others."""
    return f"indicators/{indicator_id}.html" if number == 1 else f"indicators/{indicator_id}-{number}.html"


def views(content: YearContent) -> list[IndicatorView]:
    """Each indicator across the published members, built once per content: the page keys and the pages read
    the same views."""
    return list(content.derive("indicators", network_indicators))


def network_indicators(content: YearContent) -> list[IndicatorView]:
    """Every indicator with an all-students row in some published member's scores, in the rubric's order
    (then local indicators by id); one pass over the members' scores."""
    rows: dict[str, list[tuple[str, dict[str, Any], dict[str, Any]]]] = {}
    for cid, s in content.scores.items():
        for o in s.get("outcomes", []):
            if o.get("group") == "all":
                rows.setdefault(o["indicator_id"], []).append((cid, s, o))
    order = {o.id: i for i, o in enumerate(content.rubric.outcomes)}
    marks = BlankMarks(content.layout)
    built = []
    for indicator_id in sorted(rows, key=lambda i: (order.get(i, len(order)), i)):
        indicator = describe(content, indicator_id, [cid for cid, _, _ in rows[indicator_id]])
        members = [member_value(cid, s, o, marks) for cid, s, o in rows[indicator_id]]
        sign = 1 if indicator.lower_is_better else -1
        members.sort(key=lambda m: (m.value is None, 0.0 if m.value is None else sign * m.value, m.name.lower(),
                                    m.community_id))
        built.append(IndicatorView(indicator, members))
    return built


def describe(content: YearContent, indicator_id: str, holders: list[str]) -> Indicator:
    """The rubric's definition; a local indicator's comes from the page input of a member that reports it."""
    known = content.rubric.outcome(indicator_id)
    if known is not None:
        return Indicator(known.id, known.name, known.unit, known.polarity, known.indicator, known.local)
    for cid in sorted(holders):
        try:
            work = json.loads(content.layout.page_input(cid).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        found = next((i for i in work.get("indicators", []) if i.get("id") == indicator_id), None)
        if found is not None:
            return Indicator(indicator_id, str(found.get("name") or indicator_id), str(found.get("unit") or "percent"),
                             str(found.get("polarity") or "higher_is_better"), str(found.get("indicator") or ""),
                             True)
    return Indicator(indicator_id, indicator_id, "percent", "higher_is_better", "", True)


def member_value(cid: str, s: dict[str, Any], o: dict[str, Any], marks: BlankMarks) -> MemberValue:
    value = o.get("latest")
    year = o.get("latest_year")
    mark = "" if value is not None else marks.mark(cid, o["indicator_id"], year)
    return MemberValue(cid, str(s["name"]), str(s.get("state") or ""), None if value is None else float(value), mark,
                       None if year is None else int(year), o.get("latest_period_start"), o.get("trend"),
                       o.get("trend_reason"), o.get("change_pp"), o.get("change_pct"),
                       str(o.get("change_kind") or "points"), o.get("target") is not None, o.get("on_track"))


class BlankMarks:
    """Why a latest value is blank: the `status` of the cell in the member's published outcomes CSV. A file
    is read only for a member with a blank value, and once (its all-students statuses kept)."""

    def __init__(self, layout: YearLayout):
        self.layout = layout
        self.statuses: dict[str, dict[tuple[str, str], str]] = {}

    def mark(self, cid: str, indicator_id: str, year: Any) -> str:
        if year is None:
            return words.MISSING
        if cid not in self.statuses:
            self.statuses[cid] = all_students_statuses(self.layout.outcomes_csv(cid))
        return words.CELL_MARKS.get(self.statuses[cid].get((indicator_id, str(year)), ""), words.MISSING)


def all_students_statuses(published: Path) -> dict[tuple[str, str], str]:
    """(indicator, year) -> status of the all-students cells of a published outcomes CSV (none: unreadable)."""
    try:
        with published.open(newline="", encoding="utf-8") as f:
            return {(row["indicator_id"], row["year"]): row.get("status") or "" for row in csv.DictReader(f)
                    if row.get("group") == "all" and row.get("indicator_id") and row.get("year")}
    except (OSError, KeyError, csv.Error, UnicodeDecodeError):
        return {}


# -- words -----------------------------------------------------------------------------------------------
def year_words(m: MemberValue) -> str:
    if m.year is None:
        return words.MISSING
    return f"{m.period_start}-{m.year}" if m.period_start is not None else str(m.year)


def change_words(m: MemberValue, measure: Unit) -> str:
    """The change since the baseline in the unit's measure: points (`+7.4 pp`), or percent of the baseline."""
    if m.change_kind == "relative":
        return words.signed(m.change_pct, "%")
    if m.change_pp is None:
        return words.MISSING
    if measure.id == "percent":
        return words.signed(m.change_pp, " pp")
    return ("+" if m.change_pp >= 0 else "-") + measure.format(abs(m.change_pp))


def trend_words(m: MemberValue, arrows: dict[str, str]) -> str:
    return f"{arrows.get(m.trend or '', '')} {words.trend_words(m.trend, m.trend_reason)}".strip()


def median_sentence(view: IndicatorView) -> str:
    """The network median in words, with how many members it is taken over and the years it spans."""
    ind, measure = view.indicator, view.indicator.measure
    values, total = view.values, len(view.members)
    if not values:
        return f"No member has a published value for {ind.name}, so the network has no median."
    years = view.years
    span = f"latest year {years[0]}" if len(years) == 1 else f"latest years {years[0]} to {years[-1]}"
    blank = total - len(values)
    if len(values) == 1:
        text = (f"The network median of {ind.name} is {measure.format(view.median)}, the value of the one member "
                f"with a published value ({span}).")
    else:
        text = (f"The network median of {ind.name} is {measure.format(view.median)}: half of the {len(values):,} "
                f"members with a published value are at or above it, half at or below ({span}). "
                f"Values range from {measure.format(min(values))} to {measure.format(max(values))}.")
    if blank:
        text += (f" {blank:,} member{'' if blank == 1 else 's'} without a published value (suppressed or missing) "
                 f"{'is' if blank == 1 else 'are'} not counted.")
    return text


def trend_counts(view: IndicatorView) -> str:
    counts = view.trends
    return "; ".join(f"{label} {counts[t]:,}" for t, label in words.TREND.items() if counts.get(t))


# -- the figure ------------------------------------------------------------------------------------------
def distribution_frame() -> Any:
    """The histogram's figure and axes, made once per process (`plots.frame`: a kept frame draws the same SVG)."""
    import matplotlib.ticker

    from ci_lib.pages import plots

    fig = plots.new_figure((4.8, 2.5))
    ax = fig.add_axes((0.13, 0.22, 0.83, 0.64))
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=4))
    return plots.Frame(fig, [ax])


def distribution_figure(view: IndicatorView) -> Figure:
    """A histogram of the members' latest values with the network median marked (alt text and data table)."""
    import numpy as np
    import pandas as pd

    from ci_lib.pages import plots

    ind, measure = view.indicator, view.indicator.measure
    values = np.array(view.values, dtype=float)
    if measure.id == "percent":
        edges = np.linspace(0, 100, 11)
    else:
        low, high = float(values.min()), float(values.max())
        edges = np.linspace(low, high if high > low else low + 1, 11)
    counts, edges = np.histogram(values, bins=edges)
    median = float(np.median(values))
    title = f"{ind.name}: members by latest value"
    with plots.styled():
        chart = plots.frame(("distribution",), distribution_frame).clear()
        ax = chart.axes[0]
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=plots.OKABE_ITO[4], edgecolor="white")
        top = max(1, int(counts.max()))
        ax.set_ylim(0, top * 1.3)  # headroom for the median's label under the title
        ax.axvline(median, color=plots.ALL_COLOUR, linestyle="--", linewidth=1.5)
        ax.text(median, top * 1.27, f" median {measure.format(median)} ", va="top",
                ha="left" if median <= (edges[0] + edges[-1]) / 2 else "right")
        ax.set_xlabel(f"latest all-students value ({plots.AXIS_LABELS.get(measure.id, measure.label)})")
        ax.set_ylabel("members")
        ax.set_title(title)
        image = chart.render()
    alt = (f"Histogram of the latest all-students values of {ind.name} across {len(values):,} members, in "
           f"{len(counts)} bins from {measure.format(edges[0])} to {measure.format(edges[-1])}; the dashed line "
           f"marks the network median, {measure.format(median)}. Values range from {measure.format(values.min())} "
           f"to {measure.format(values.max())}.")
    table = pd.DataFrame({"from": [measure.format(e) for e in edges[:-1]], "to": [measure.format(e) for e in edges[1:]],
                          "members": counts.astype(int)}).set_index("from")
    return plots.Figure(image, alt, table, title)


# -- the HTML --------------------------------------------------------------------------------------------
def pager(view: IndicatorView, number: int) -> Markup:
    """Links to every page of the indicator (relative to `indicators/`), the current one marked."""
    pages = view.page_count()
    if pages == 1:
        return Markup("")
    items = []
    for n in range(1, pages + 1):
        href = escape(page_path(view.indicator.id, n).removeprefix("indicators/"))
        first, last = (n - 1) * PAGE_SIZE + 1, min(n * PAGE_SIZE, len(view.members))
        label = f'aria-label="Page {n}, members {first:,} to {last:,}"'
        items.append(f'<li><a href="{href}" aria-current="page" {label}>{n}</a></li>' if n == number
                     else f'<li><a href="{href}" {label}>{n}</a></li>')
    return Markup(f'<nav class="pager" aria-label="Pages of members"><p>Page {number} of {pages}:</p>'
                  f'<ul>{"".join(items)}</ul></nav>')


def text(value: str) -> str:
    """Text in HTML (quotes too, for attributes): the standard library's escape, a plain str for the row loop."""
    return html.escape(value, quote=True)


def sort_number(value: float | None) -> str:
    """A number as the sort buttons read it (shortest exact form); blank for no value."""
    return "" if value is None else repr(float(value))


def member_rows(view: IndicatorView, number: int) -> str:
    """The rows of one page, each cell with the value the sort buttons order it by (blank: no value)."""
    from ci_lib.pages.plots import TREND_ARROW

    measure, targets = view.indicator.measure, view.has_targets
    start = (number - 1) * PAGE_SIZE
    out = []
    for position, m in enumerate(view.members[start:start + PAGE_SIZE], start):
        shown = measure.format(m.value) if m.value is not None else m.mark
        change = m.change_pct if m.change_kind == "relative" else m.change_pp
        cid, state = text(m.community_id), text(m.state)
        cells = [
            f'<th scope="row" data-sort-value="{text(m.name.lower())}"><a href="../communities/{cid}.html">'
            f"{text(m.name)}</a></th>",
            f'<td data-sort-value="{state}">{state}</td>',
            f'<td class="value" data-sort-value="{sort_number(m.value)}">{text(shown)}</td>',
            f'<td class="year">{text(year_words(m))}</td>',
            f'<td data-sort-value="{TREND_RANK.get(m.trend or "", "")}">{text(trend_words(m, TREND_ARROW))}</td>',
            f'<td data-sort-value="{sort_number(change)}">{text(change_words(m, measure))}</td>',
        ]
        if targets:
            track = words.flag(words.ON_TRACK, m.on_track) if m.has_target else words.MISSING
            cells.append(f"<td>{text(track)}</td>")
        out.append(f'<tr data-community="{cid}" data-order="{position}">{"".join(cells)}</tr>')
    return "".join(out)


def page_html(view: IndicatorView, number: int) -> Markup:
    """The body of page `number` of an indicator (the same on both engines)."""
    ind = view.indicator
    first, last = (number - 1) * PAGE_SIZE + 1, min(number * PAGE_SIZE, len(view.members))
    better = "lower is better" if ind.lower_is_better else "higher is better"
    about = Markup('<p class="indicator-about">{}{} · {} · {}. <a href="../indicators.html">All indicators</a></p>').format(
        f"{ind.definition}. " if ind.definition else "", "Local indicator" if ind.local else "Network outcome",
        ind.measure.label, better)
    parts = [about, Markup('<p class="network-median">{}</p>').format(median_sentence(view))]
    trends = trend_counts(view)
    if trends:
        parts.append(Markup('<p class="trend-counts">Trends across the network: {}.</p>').format(trends))
    if number == 1 and view.values:
        from ci_lib.pages import markup

        parts.append(markup.figure(view.figure, f"distribution-{ind.id}"))
    elif view.values:
        parts.append(Markup('<p><a href="{}">The distribution across the network</a> is on the first page.</p>')
                     .format(page_path(ind.id).removeprefix("indicators/")))
    order = "lowest first (lower is better)" if ind.lower_is_better else "highest first (higher is better)"
    status_id = f"sort-status-{ind.id}"
    parts.append(Markup('<p class="sort-note">Rows are in order of value, {}; members without a published value '
                        "come last{}. The column buttons sort the rows of this page.</p>"
                        '<p class="sort-status" id="{}" aria-live="polite"></p>').format(
        order, ", and the pages continue the order" if view.page_count() > 1 else "", status_id))
    parts.append(pager(view, number))
    sort = "ascending" if ind.lower_is_better else "descending"
    head = ['<th scope="col" data-sort-type="text">Community</th>', '<th scope="col" data-sort-type="text">State</th>',
            f'<th scope="col" data-sort-type="number" aria-sort="{sort}">Latest value</th>', '<th scope="col">Year</th>',
            '<th scope="col" data-sort-type="number">Trend</th>',
            '<th scope="col" data-sort-type="number">Change since baseline</th>']
    if view.has_targets:
        head.append('<th scope="col">On track</th>')
    caption = (f"{ind.name}: each member's latest all-students value, members {first:,} to {last:,} of "
               f"{len(view.members):,}")
    parts.append(Markup(f'<table class="data indicator-members" data-sortable="{escape(status_id)}" '
                        f'data-indicator="{escape(ind.id)}"><caption>{escape(caption)}</caption>'
                        f'<thead><tr>{"".join(head)}</tr></thead><tbody>{member_rows(view, number)}</tbody></table>'))
    on_page = view.members[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
    shown = [text for m in on_page for text in (m.mark, year_words(m), change_words(m, ind.measure))]
    if view.has_targets and not all(m.has_target for m in on_page):
        shown.append(words.MISSING)
    from ci_lib.pages import markup

    parts.append(markup.marks_legend(words.marks_present(shown)))
    parts.append(pager(view, number))
    return Markup("\n").join(parts)


def page_title(view: IndicatorView, number: int) -> str:
    title = f"{view.indicator.name}: all members"
    return title if view.page_count() == 1 else f"{title} (page {number} of {view.page_count()})"


def pages(content: YearContent) -> list[tuple[str, str, IndicatorView, int]]:
    """Every indicator page: (path, title, view, page number)."""
    return [(page_path(v.indicator.id, n), page_title(v, n), v, n) for v in views(content)
            for n in range(1, v.page_count() + 1)]


def bodies(content: YearContent) -> dict[str, Markup]:
    """Every indicator page's body by its path, the index's too, built once per content: the Quarto project
    (written on every render) and the built-in site show the same bodies, and `ci_lib.website.ahead` builds
    them while the notebooks run."""
    return dict(content.derive("indicator_bodies", lambda c: {
        INDEX: index_html(c), **{path: page_html(view, number) for path, _, view, number in pages(c)}}))


def page_keys(content: YearContent, key: Any) -> dict[str, str]:
    """The key of each indicator page and of the index: what they show, hashed (see `IndicatorView.digest`)."""
    digests = {v.indicator.id: v.digest() for v in views(content)}
    keys = {INDEX: key("indicators", *(f"{i}:{d}" for i, d in digests.items()))}
    for v in views(content):
        keys.update({path: key("indicator", digests[v.indicator.id]) for path in v.page_paths()})
    return keys


def index_html(content: YearContent) -> Markup:
    """`indicators.html`: every indicator with its unit, direction, members with a value, median and trends."""
    every = views(content)
    if not every:
        return Markup("<p>No member has published outcome values this year.</p>")
    rows = []
    for v in every:
        ind = v.indicator
        improving = sum(1 for m in v.members if m.trend == "improving")
        rows.append(Markup('<tr><th scope="row"><a href="{}">{}</a>{}</th><td>{}</td><td>{}</td><td>{:,} of {:,}</td>'
                           "<td>{}</td><td>{:,}</td></tr>").format(
            page_path(ind.id), ind.name, " (local)" if ind.local else "", ind.measure.label,
            "lower" if ind.lower_is_better else "higher", len(v.values), len(v.members),
            ind.measure.format(v.median, words.MISSING), improving))
    return Markup(
        "<p>Each indicator has a page listing every member's latest all-students value, its trend and change, and "
        "the distribution across the network with its median. Values are published (suppressed, rounded) values "
        'only.</p><table class="data indicators"><caption>Indicators across the network</caption><thead><tr>'
        '<th scope="col">Indicator</th><th scope="col">Unit</th><th scope="col">Better when</th>'
        '<th scope="col">Members with a value</th><th scope="col">Network median</th>'
        '<th scope="col">Members improving</th></tr></thead><tbody>{}</tbody></table>').format(Markup("").join(rows))
