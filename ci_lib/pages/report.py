"""What the notebooks call: load a community's prepared slice, show its sections, write its scores.

Notebooks stay thin: each cell calls one method here and displays the returned HTML. The slice a
notebook receives was prepared by the scoring pass and holds only publishable (suppressed) values.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from dataclasses import dataclass
from html import escape as html_escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import HTML
from markdown_it import MarkdownIt
from markupsafe import Markup

from ci_lib import vocabulary as words
from ci_lib.execute.page_input import CommunityInput, NetworkInput, load_community_input, load_network_input
from ci_lib.ids import check_community_id
from ci_lib.inputs.rules import unit_of
from ci_lib.layout import YearLayout
from ci_lib.pages import markup as html
from ci_lib.pages import plots

Rows = list[dict[str, Any]]
SELF_RATED_MARK = "≠"  # in a benchmark's status: the self-rating differs from the reviewed one
LINK_SCHEMES = re.compile(r"(?i)^(https?|mailto):")
# Above this many members the overview summarises: the pillar chart shows each pillar's distribution and the
# members table becomes counts by state and gateway, with a link to the paginated listing. At 100 rows the
# per-member heatmap, its names at 7 pt, is about two screens tall and the table several more; past it neither
# reads (at 1,000 the heatmap is a smear of hairlines). Networks of the kit's size (the demo's 70 members, the
# usual few dozen) keep a row per member, unchanged.
OVERVIEW_ROWS = 100
ALL_GROUPS = "All groups"  # a family's own row in the network's equity table, before each of its groups


def work_path(report_dir: str | Path, community_id: str) -> Path:
    return YearLayout.of(report_dir).page_input(community_id)


def _image_as_text(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    """An image in a narrative is shown as its alt text: a page never loads what a narrative points at."""
    return html_escape(renderer.renderInlineAsText(tokens[idx].children or [], options, env))


def _link_open(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    tokens[idx].attrSet("rel", "nofollow noopener")
    return str(renderer.renderToken(tokens, idx, options, env))


@functools.cache
def _markdown() -> MarkdownIt:
    """CommonMark without raw HTML; links only to http(s) and mailto (others stay text); no images."""
    md = MarkdownIt("commonmark", {"html": False})
    md.validateLink = lambda url: LINK_SCHEMES.match(url.strip()) is not None  # type: ignore[method-assign]
    md.add_render_rule("image", _image_as_text)
    md.add_render_rule("link_open", _link_open)
    return md


def narrative_html(text: str | None, classes: str = "narrative") -> Markup:
    """A narrative from params (Markdown) as safe HTML: raw HTML is shown as text, never as markup."""
    if not text or not str(text).strip():
        return Markup("")
    body = Markup(_markdown().render(str(text)))  # noqa: S704 - html disabled, links vetted, images dropped
    return Markup('<div class="{}">{}</div>').format(classes, body)


def shown_year(year: Any, period_start: Any = None, fallback: bool = False) -> Any:
    """A year of the outcomes table: `2009 (2005-2009)` for a period estimate, `2018 (fallback)` for a stand-in."""
    if year is None or pd.isna(year):
        return words.MISSING
    period = period_start is not None and not pd.isna(period_start)
    text: Any = f"{int(year)} ({int(period_start)}-{int(year)})" if period else int(year)
    return f"{text} (fallback)" if fallback else text


@dataclass
class CommunityPage:
    """One community's page content, built from its prepared work file."""

    report_dir: Path
    work: CommunityInput

    @classmethod
    def load(cls, report_dir: str | Path, community_id: str, year: int) -> CommunityPage:
        return cls(Path(report_dir), load_community_input(work_path(report_dir, community_id), year))

    @classmethod
    def load_or_prepare(cls, report_dir: str | Path, community_id: str, year: int) -> CommunityPage:
        """`load`; a notebook run on its own (no `ci-assess run` yet) first prepares the year's slices as the
        pipeline does (`ci_lib.pages.standalone`). `report_dir` "" means `reports/<year>` of the project."""
        if report_dir and work_path(report_dir, community_id).exists():  # a pipeline run: a file read, as ever
            return cls.load(report_dir, community_id, year)
        from ci_lib.pages.standalone import NotebookError, prepared_dir

        check_community_id(community_id)
        folder = prepared_dir(report_dir, year, lambda layout: layout.page_input(community_id))
        if not work_path(folder, community_id).exists():
            raise NotebookError(f"{community_id!r} is not a community of {year} (see communities.csv of the "
                                f"year's data); prepared slices are in {YearLayout.of(folder).work}")
        return cls.load(folder, community_id, year)

    # -- shortcuts ---------------------------------------------------------------------------
    @property
    def scores(self) -> dict[str, Any]:
        return self.work["scores"]

    @property
    def cid(self) -> str:
        return str(self.scores["community_id"])

    def label(self, kind: str, key: str | None) -> str:
        if kind == "gateways":
            return words.gateway_label(key, self.work["labels"]["gateways"])
        if key is None:
            return words.MISSING
        return str(self.work["labels"].get(kind, {}).get(key, key))

    def not_rated(self) -> list[str]:
        """Benchmarks without a rating this year (and none carried forward): the assessment is incomplete."""
        return [b["benchmark_id"] for b in self.scores["benchmarks"] if b["status"] == "not_rated"]

    def carried_forward(self) -> list[str]:
        return [b["benchmark_id"] for b in self.scores["benchmarks"] if b.get("carried_forward")]

    def review_differences(self) -> list[dict[str, Any]]:
        """Benchmarks whose self-rating differs from the network's reviewed rating (the one that scores)."""
        return [b for b in self.scores["benchmarks"]
                if b.get("self_status") and b["self_status"] != b["status"]]

    def review_notice(self) -> Markup:
        """Where the partnership's self-assessment and the network's review differ, grouped by the two ratings."""
        pairs: dict[tuple[str, str], list[str]] = {}
        for b in self.review_differences():
            pairs.setdefault((b["self_status"], b["status"]), []).append(b["benchmark_id"])
        if not pairs:
            return Markup("")
        items = html.join(Markup("<li>Self-rated {}, reviewed {}: {}</li>").format(
            words.word(words.STATUS, mine).lower(), words.word(words.STATUS, reviewed).lower(), ", ".join(ids))
            for (mine, reviewed), ids in sorted(pairs.items()))
        n = sum(len(ids) for ids in pairs.values())
        return Markup('<div class="notice review-differences"><p>{n} benchmark rating{s} differ{v} from the '
                      "partnership's self-assessment; the reviewed rating is the one that counts.</p><ul>{items}</ul>"
                      "</div>").format(n=n, s="" if n == 1 else "s", v="s" if n == 1 else "", items=items)

    def incomplete_notice(self) -> Markup:
        unrated = self.not_rated()
        if not unrated:
            return Markup("")
        return Markup('<p class="notice incomplete">Assessment incomplete: {n} benchmark{s} not rated ({ids}). '
                      "The gateway is computed from the benchmarks that were rated; an unrated benchmark neither "
                      "counts as met nor as not started.</p>").format(
                          n=len(unrated), s="" if len(unrated) == 1 else "s", ids=", ".join(unrated))

    # -- sections ----------------------------------------------------------------------------
    def summary_card(self) -> HTML:
        """The gateway, what the next one still needs, the proof point in words, and the community's story."""
        s, c = self.scores, self.work["community"]
        g = s["gateway"]
        summary = s["summary"]
        previous = self.work.get("previous")
        then = (Markup("<li>In {}: {}</li>").format(previous["year"], self.label("gateways", previous["reached"]))
                if previous else Markup(""))
        carried = self.carried_forward()
        body = Markup(
            '<section class="summary-card" aria-label="Summary">'
            '<p class="gateway">Gateway reached: {reached}{incomplete}</p>'
            "<ul><li>Next gateway: {next}</li>{then}"
            "<li>Core indicators improving: {share}</li><li>Disparity gaps closing: {gaps}</li>"
            '<li class="proof-point">{pp}</li>'
            "<li>State: {state} · Anchor entity: {anchor} · Member since {joined}</li>"
            "{site}</ul>{notice}{carried}{missing}</section>{story}"
        ).format(
            reached=html.badge(self.label("gateways", g["reached"]), g["reached"] or words.NO_GATEWAY_ID),
            incomplete=" (assessment incomplete)" if g.get("incomplete") else "",
            next=self.label("gateways", g["next"]) if g["next"] else words.ALL_GATEWAYS_REACHED,
            then=then,
            share=words.share(summary["indicators_improving_share"], "no trends yet"),
            gaps=words.share(summary["gaps_closing_share"], "no gaps measured yet"),
            pp=words.proof_point_sentence(summary, self.work.get("rules")),
            state=c["state"], anchor=c["anchor_entity"], joined=c["joined_year"],
            site=Markup("<li>Website: {}</li>").format(html.link_or_text(c.get("website"))) if c.get("website") else "",
            notice=self.incomplete_notice(),
            carried=(Markup('<p class="notice carried-forward">{} benchmark rating{} {} {} ({}).</p>').format(
                len(carried), "" if len(carried) == 1 else "s", "is" if len(carried) == 1 else "are",
                words.CARRIED_FORWARD, ", ".join(carried)) if carried else ""),
            missing=self.still_needed(),
            story=narrative_html(self.work.get("narrative"), "narrative community-narrative"),
        )
        return HTML(str(body))

    @staticmethod
    def rating(status: str | None) -> str:
        """A benchmark's status as the still-needed list says it: a rating, or that there is none."""
        return words.STATUS["not_rated"] if status == "not_rated" else f"rating: {words.word(words.STATUS, status)}"

    def still_needed(self) -> Markup:
        """What the next gateway still needs: its benchmarks not met (with their status), and the outcomes
        proof point only where that gateway requires it, so the list never contradicts the proof point."""
        g, summary = self.scores["gateway"], self.scores["summary"]
        if not g["next"]:
            return Markup("")
        status = {b["benchmark_id"]: b["status"] for b in self.scores["benchmarks"]}
        items = [Markup("<li>{} — {} ({})</li>").format(b, self.work["benchmark_titles"].get(b, ""), self.rating(status.get(b)))
                 for b in g["missing"]]
        outstanding = len(items)
        if g["next"] in self.work.get("proof_point_gateways", []):
            met = bool(summary["proof_point"])
            outstanding += not met
            items.append(Markup("<li>Outcomes proof point (computed from the published outcomes): {}</li>").format(
                "met" if met else "not yet met — see the proof point above"))
        if not outstanding:
            return Markup("")
        return Markup("<details open><summary>Still needed for {} ({})</summary><ul>{}</ul></details>").format(
            self.label("gateways", g["next"]), outstanding, html.join(items))

    def pillar_matrix(self) -> HTML:
        order, pillars = self.work["gateway_order"], self.work["pillar_order"]
        matrix = pd.DataFrame(
            [[self.scores["pillars"].get(p, {}).get(g) for g in order] for p in pillars],
            index=[self.label("pillars", p) for p in pillars],
            columns=[self.label("gateways", g) for g in order], dtype=float)
        matrix.index.name = "pillar"
        fig = plots.pillar_heatmap(matrix, f"Benchmark credit by pillar and gateway, {self.scores['year']}")
        return HTML(str(self.marked_pillar_figure(fig, pillars, order)))

    def marked_pillar_figure(self, fig: plots.Figure, pillars: list[str], order: list[str]) -> Markup:
        """The pillar matrix with its data table saying which blank cells are not rated (benchmarks there, none
        rated) and which have no benchmark at all, and the legend line of those marks."""
        table = fig.table.astype(object)
        for row, p in enumerate(pillars):
            for col, g in enumerate(order):
                if pd.isna(table.iat[row, col]):
                    rated = g in self.scores["pillars"].get(p, {})
                    table.iat[row, col] = words.MARKS["not_rated" if rated else "missing"]
        marked = dataclasses.replace(fig, table=table)
        return html.figure(marked, "pillar-matrix") + html.marks_legend(html.table_marks(table))

    def benchmarks(self) -> HTML:
        rows = pd.DataFrame(self.scores["benchmarks"])
        rows["title"] = rows["benchmark_id"].map(self.work["benchmark_titles"])
        rows["gateway"] = rows["gateway"].map(lambda g: self.label("gateways", g))
        rows["pillar"] = rows["pillar"].map(lambda p: self.label("pillars", p))
        carried = rows["carried_forward"] if "carried_forward" in rows else pd.Series(False, index=rows.index)
        differs = {b["benchmark_id"]: b["self_status"] for b in self.review_differences()}
        rows["status"] = [words.word(words.STATUS, status) + (f" ({words.CARRIED_FORWARD})" if bool(c) else "")
                          + (f" {SELF_RATED_MARK} self-rated {words.word(words.STATUS, differs[b]).lower()}"
                             if b in differs else "")
                          for b, status, c in zip(rows["benchmark_id"], rows["status"], carried, strict=True)]
        rows["credit"] = self.marked_credit(rows)
        columns = ["gateway", "pillar", "title", "status", "credit", "evidence"]
        if "review_note" in rows and rows["review_note"].fillna("").astype(str).str.strip().any():
            rows["review note"] = rows["review_note"].fillna("").astype(str)
            columns.append("review note")
        view = rows.set_index("benchmark_id")[columns]
        view.index.name = "benchmark"
        caption = "Benchmark ratings with evidence" + (
            f" ({SELF_RATED_MARK}: the partnership's self-rating differs from the reviewed rating)" if differs else "")
        return HTML(str(self.incomplete_notice() + self.review_notice() + html.table_with_legend(
            view, caption, classes="data benchmarks", cells={"evidence": html.link_or_text})))

    def marked_credit(self, rows: pd.DataFrame) -> list[Any]:
        """A benchmark's credit; a benchmark without a rating (none carried forward) has no credit: its mark."""
        return [words.MARKS["not_rated"] if s == "not_rated" else c
                for s, c in zip([b["status"] for b in self.scores["benchmarks"]], rows["credit"], strict=True)]

    def indicator_ids(self) -> list[str]:
        present = {o["indicator_id"] for o in self.work["outcomes"]}
        return [i["id"] for i in self.work["indicators"] if i["id"] in present]

    @functools.cached_property
    def _by_indicator(self) -> dict[str, tuple[Rows, Rows, Rows]]:
        """Each indicator's outcome rows, trends and gaps, grouped once per page rather than once per chart."""
        grouped: dict[str, tuple[Rows, Rows, Rows]] = {}
        for position, rows in enumerate((self.work["outcomes"], self.scores["outcomes"], self.scores["disparities"])):
            for row in rows:
                grouped.setdefault(row["indicator_id"], ([], [], []))[position].append(row)
        return grouped

    def target_of(self, indicator_id: str) -> plots.Target | None:
        """The all-students target of an indicator, with the baseline its path starts from."""
        row = next((o for o in self._by_indicator.get(indicator_id, ([], [], []))[1] if o["group"] == "all"), None)
        if row is None or row.get("target") is None or row.get("target_year") is None:
            return None
        return plots.Target(value=float(row["target"]), year=int(row["target_year"]),
                            baseline=None if row["baseline"] is None else float(row["baseline"]),
                            baseline_year=None if row["baseline_year"] is None else int(row["baseline_year"]),
                            on_track=row.get("on_track"))

    def outcome_chart(self, indicator_id: str) -> HTML:
        info = next(i for i in self.work["indicators"] if i["id"] == indicator_id)
        rows, trended, gapped = self._by_indicator.get(indicator_id, ([], [], []))
        series = pd.DataFrame({"group": [o["group"] for o in rows], "year": [o["year"] for o in rows],
                               "value": np.array([o["value"] for o in rows], dtype=float)})
        trends = {o["group"]: o["trend"] for o in trended}
        gaps = pd.DataFrame({"group": [d["group"] for d in gapped],
                             **{column: np.array([d[column] for d in gapped], dtype=float)
                                for column in ("gap_baseline_pp", "gap_latest_pp")},
                             "gap_trend": [d["gap_trend"] for d in gapped]})
        name = info["name"] + (" (local indicator)" if info.get("local") else "")
        if info.get("polarity") == "lower_is_better":
            name += " — lower is better"
        every = next((o for o in trended if o["group"] == "all"), {})
        fig = plots.outcome_chart(series, name, trends, gaps, self.work["labels"]["groups"],
                                  families={o["group"]: o.get("family") or "" for o in trended},
                                  family_labels=self.work["labels"].get("families", {}),
                                  unit=info.get("unit", "percent"), target=self.target_of(indicator_id),
                                  baseline_year=every.get("baseline_year"))
        fig = dataclasses.replace(fig, table=self.marked_cells(fig.table, rows))
        story = narrative_html((self.work.get("narratives") or {}).get(indicator_id), "narrative indicator-narrative")
        return HTML(str(html.figure(fig, f"outcome-{indicator_id}") + story))

    def marked_cells(self, table: pd.DataFrame, rows: Rows) -> pd.DataFrame:
        """A chart's data table with each blank cell's mark (S, X, NA, as in the outcome table), not a bare "–"."""
        labels = self.work["labels"]["groups"]
        marks = {(int(o["year"]), labels.get(o["group"], o["group"])): words.CELL_MARKS[o["status"]]
                 for o in rows if o.get("status") in words.CELL_MARKS}
        marks = {(year, label): mark for (year, label), mark in marks.items()
                 if year in table.index and label in table.columns}
        if not marks:
            return table
        table = table.astype(object)
        for (year, label), mark in marks.items():
            table.at[year, label] = mark
        return table

    def outcomes(self) -> HTML:
        parts = [self.outcome_chart(i).data for i in self.indicator_ids()]
        if not parts:
            return HTML("<p>No outcome data for this year.</p>")
        targets = Markup("")
        if any(self.target_of(i) for i in self.indicator_ids()):
            targets = Markup('<p class="legend-targets">{} target for all students; the dotted line is the path from '
                             "the baseline to the target.</p>").format(plots.TARGET_SYMBOL)
        return HTML(str(self.outcome_key()) + str(targets) + "".join(parts))

    @staticmethod
    def outcome_key() -> Markup:
        """How to read the outcome charts: their lines are named on the charts, so the key says only the rest."""
        return Markup(
            '<div class="legend outcome-key" role="group" aria-label="How to read the outcome charts"><p>Each outcome '
            "chart has a panel per comparison family (race/ethnicity, income, ...): all students, the thick black "
            "line, is the same reference in every panel, and each line is named at its end. The mark at the end of a "
            "line: ▲ improving, ▼ declining, ▶ flat, ● not enough years. The grey vertical line marks the baseline "
            "year. The last panel shows each group's gap to its family's reference group "
            "(● at baseline, ◆ latest).</p></div>")

    def fallbacks(self) -> list[dict[str, Any]]:
        """All-students series whose configured baseline year had no publishable value (a later year served)."""
        return [o for o in self.scores["outcomes"] if o["group"] == "all" and o.get("baseline_fallback")]

    def fallback_note(self) -> Markup:
        rows = self.fallbacks()
        if not rows:
            return Markup("")
        names = {i["id"]: i["name"] for i in self.work["indicators"]}
        configured = self.work.get("rules", {}).get("baseline_year")
        asked = f"the configured baseline year ({configured})" if configured else "the configured baseline year"
        each = "; ".join(f"{names.get(o['indicator_id'], o['indicator_id'])}: {o['baseline_year']}" for o in rows)
        return Markup('<p class="notice baseline-fallback">Baseline fallback: {} had no publishable value, so the '
                      "earliest later year with one serves as the baseline ({}).</p>").format(asked, each)

    def outcome_table(self) -> HTML:
        rows = pd.DataFrame(self.scores["outcomes"])
        if rows.empty:
            return HTML("<p>No outcome data.</p>")
        names = {i["id"]: i["name"] for i in self.work["indicators"]}
        rows = rows[rows["group"] == "all"].copy()
        for column in ("change_pct", "streak", "baseline_fallback", "target", "target_year", "on_track"):
            if column not in rows:
                rows[column] = None
        rows["baseline_fallback"] = rows["baseline_fallback"].astype(object).fillna(False).astype(bool)
        rows["streak"] = [words.streak(n, t) for n, t in zip(rows["streak"], rows["trend"], strict=True)]
        reasons = rows["trend_reason"] if "trend_reason" in rows else pd.Series(None, index=rows.index, dtype=object)
        rows["trend"] = [f"{plots.TREND_ARROW.get(t, '')} {words.trend_words(t, None if pd.isna(r) else r)}"
                         for t, r in zip(rows["trend"], reasons, strict=True)]
        rows["indicator"] = rows["indicator_id"].map(names)
        status = {(o["indicator_id"], o["year"]): o.get("status", "") for o in self.work["outcomes"] if o["group"] == "all"}
        for value, year in (("baseline", "baseline_year"), ("latest", "latest_year")):  # a blank says why it is blank
            rows[value] = [words.CELL_MARKS.get(status.get((i, y), ""), v) if v is None or pd.isna(v) else v
                           for i, y, v in zip(rows["indicator_id"], rows[year], rows[value], strict=True)]
        starts = {c: rows[f"{c}_period_start"] if f"{c}_period_start" in rows else [None] * len(rows)
                  for c in ("baseline", "latest")}
        rows["baseline_year"] = [shown_year(y, p, bool(f)) for y, p, f in
                                 zip(rows["baseline_year"], starts["baseline"], rows["baseline_fallback"], strict=True)]
        if "latest_period_start" in rows:
            rows["latest_year"] = [shown_year(y, p) for y, p in zip(rows["latest_year"], starts["latest"], strict=True)]
        rows["change (%)"] = rows["change_pct"].map(lambda v: words.signed(v, "%"))
        rows["target"] = [words.MISSING if v is None or pd.isna(v) else f"{v:.1f} by {int(y)}"
                          for v, y in zip(rows["target"], rows["target_year"], strict=True)]
        rows["on track"] = [words.flag(words.ON_TRACK, None if v is None or pd.isna(v) else bool(v))
                            if t != words.MISSING else words.MISSING for v, t in zip(rows["on_track"], rows["target"],
                                                                                    strict=True)]
        units = rows["indicator_id"].map({i["id"]: i.get("unit", "percent") for i in self.work["indicators"]})
        view = rows.set_index("indicator")[["baseline_year", "baseline", "latest_year", "latest", "change_pp",
                                            "change (%)", "trend", "streak", "target", "on track"]]
        if (units.fillna("percent") == "percent").all():
            view = view.rename(columns={"baseline_year": "baseline year", "baseline": "baseline %",
                                        "latest_year": "latest year", "latest": "latest %", "change_pp": "change (pp)"})
        else:  # values in their units ($52,000, 12.3 per 1,000); a change in points or relative (change_kind)
            view = with_units(view, units.tolist())
        table = html.table_with_legend(view, "All students: baseline, latest, change, trend and target",
                                       classes="data outcomes")
        return HTML(str(table + self.fallback_note() + self.indicator_links()))

    def indicator_links(self) -> Markup:
        """A link per all-students indicator to the network's page of it (`indicators/<id>.html`, beside
        `communities/` on both engines' sites)."""
        names = {i["id"]: i["name"] for i in self.work["indicators"]}
        shown = list(dict.fromkeys(o["indicator_id"] for o in self.scores["outcomes"] if o["group"] == "all"))
        links = [Markup('<a href="../indicators/{}.html">{}</a>').format(i, names.get(i, i)) for i in shown]
        return Markup('<p class="indicator-links">All members on each indicator: {}.</p>').format(
            Markup(" · ").join(links)) if links else Markup("")

    def no_gap_note(self) -> Markup:
        """Why an indicator shown on the page has no gaps: its unit is not a percent or a rate."""
        shown = [i for i in self.work["indicators"] if i["id"] in self.indicator_ids()
                 and not unit_of(i.get("unit")).gaps]
        if not shown:
            return Markup("")
        return Markup('<p class="notice no-gaps">No disparity gaps for {}: a gap is a difference in percentage '
                      "points, measured for percents and rates only.</p>").format(
            "; ".join(f"{i['name']} ({unit_of(i.get('unit')).label})" for i in shown))

    def disparities(self) -> HTML:
        rows = pd.DataFrame(self.scores["disparities"])
        if rows.empty:
            return HTML("<p>No disparity gaps could be measured.</p>" + str(self.no_gap_note()))
        names = {i["id"]: i["name"] for i in self.work["indicators"]}
        withheld = self.suppressed_gaps_note(rows[rows["suppressed"]], names)
        rows = rows[~rows["suppressed"]].copy()
        medians = self.network_medians()
        keys = zip(rows["indicator_id"], rows["group"], rows["reference_group"], strict=True)
        rows["network median (pp)"] = [medians.get(key) for key in keys]
        rows["indicator"] = rows["indicator_id"].map(names)
        rows["family"] = rows["family"].map(lambda f: self.label("families", f)) if "family" in rows else words.MISSING
        rows["group"] = rows["group"].map(lambda g: self.label("groups", g))
        rows["reference"] = rows["reference_group"].map(lambda g: self.label("groups", g))
        rows["gap trend"] = rows["gap_trend"].map(lambda t: words.word(words.GAP_TREND, t))
        closing = rows["closing"] if "closing" in rows else pd.Series(None, index=rows.index, dtype=object)
        rows["closing"] = [words.flag(words.CLOSING, None if v is None or pd.isna(v) else bool(v)) for v in closing]
        view = rows.set_index("indicator")[["family", "group", "reference", "gap_baseline_pp", "gap_latest_pp",
                                            "network median (pp)", "gap_change_pp", "gap trend", "closing"]]
        view = view.rename(columns={"gap_baseline_pp": "gap at baseline (pp)", "gap_latest_pp": "gap latest (pp)",
                                    "gap_change_pp": "change (pp)"})
        return HTML(str(html.table_with_legend(view, "Disparity gaps (percentage points; positive = group behind the reference; "
                                         "each group is compared with its family's reference)",
                                   classes="data disparities") + withheld + self.median_note(rows)
                    + self.no_gap_note()))

    def suppressed_gaps_note(self, suppressed: pd.DataFrame, names: dict[str, str]) -> Markup:
        """The gaps left out of the table because a cell behind them is suppressed, named so a reader knows they
        exist (the outcome table marks the same cells S); nothing else about them is shown."""
        if suppressed.empty:
            return Markup("")
        per_indicator: dict[str, list[str]] = {}
        for indicator, group in zip(suppressed["indicator_id"], suppressed["group"], strict=True):
            per_indicator.setdefault(names.get(indicator, indicator), []).append(self.label("groups", group))
        return Markup('<p class="notice suppressed-gaps">Not in the table: {n} {gaps} suppressed for privacy ({mark}, '
                      "as in the outcome table): {which}.</p>").format(
            mark=words.MARKS["suppressed"], n=len(suppressed), gaps="gap" if len(suppressed) == 1 else "gaps",
            which="; ".join(f"{name}: {', '.join(groups)}" for name, groups in per_indicator.items()))

    def network_medians(self) -> dict[tuple[str, str, str], float]:
        """The network's median latest gap for each of this page's gaps (computed by the pipeline, `prepare`);
        none where this community is the only member with the gap (its own value is no comparison)."""
        return {(m["indicator_id"], m["group"], m["reference_group"]): m["median_gap_pp"]
                for m in self.work.get("network_gaps") or [] if m["members"] > 1}

    def median_note(self, rows: pd.DataFrame) -> Markup:
        """The gaps against the network's medians in one sentence: how many are wider, how many narrower."""
        pairs = [(g, m) for g, m in zip(rows["gap_latest_pp"], rows["network median (pp)"], strict=True)
                 if not pd.isna(m) and not pd.isna(g)]
        if not pairs:
            return Markup('<p class="network-median">No network median to compare with: no other member publishes '
                          "a latest gap for the same indicator, group and reference (local indicators are not "
                          "compared across members).</p>")
        wider, narrower = sum(g > m for g, m in pairs), sum(g < m for g, m in pairs)
        return Markup('<p class="network-median">Network median: the median of the latest published gaps of every '
                      "member for the same indicator, group and reference (gaps suppressed for privacy are left "
                      "out). Of this community's {n} latest gaps with a network median, {wider} {verb} larger than "
                      "the median (the group further behind than in the typical member), {narrower} smaller and "
                      "{same} the same.</p>").format(
            n=len(pairs), wider=wider, verb="is" if wider == 1 else "are", narrower=narrower,
            same=len(pairs) - wider - narrower)

    def notes(self) -> HTML:
        s = self.scores
        series = {status: {(o["indicator_id"], o["group"]) for o in self.work["outcomes"] if o.get("status") == status}
                  for status in ("suppressed", "suppressed_by_source", "not_available")}
        items = [Markup("<li>{} group series have at least one cell from fewer than {} students; those values are "
                        "suppressed (with complementary suppression where groups add up to the total).</li>")
                 .format(len(series["suppressed"]), self.work["rules"]["min_cell"])]
        if series["suppressed_by_source"]:
            items.append(Markup("<li>{} group series have values suppressed by the source (its publisher withheld "
                                "them); other cells are blanked where needed so that they cannot be derived.</li>")
                         .format(len(series["suppressed_by_source"])))
        if series["not_available"]:
            items.append(Markup("<li>{} group series have values not available at the source (not collected or not "
                                "applicable): no number exists for them.</li>").format(len(series["not_available"])))
        for o in s["overrides"]:
            items.append(Markup("<li>Rule override ({}): <code>{}</code> = <code>{}</code> (rubric default <code>{}</code>)"
                                "</li>").format(o["source"], o["rule"], json.dumps(o["value"]), json.dumps(o["default"])))
        for i in self.work["indicators"]:
            if i.get("local") and i["id"] in self.indicator_ids():
                kind = "core, counted toward the proof point" if i.get("core") else "contributing, not counted"
                items.append(Markup("<li>Local indicator ({}): {} — {}</li>").format(kind, i["name"],
                                                                                    i.get("indicator", "")))
        unrated = self.not_rated()
        if unrated:
            items.append(Markup("<li>Assessment incomplete: {} benchmark{} not rated ({}); an unrated benchmark earns "
                                "no credit and neither helps nor blocks a gateway.</li>").format(
                len(unrated), "" if len(unrated) == 1 else "s", ", ".join(unrated)))
        carried = self.carried_forward()
        if carried:
            items.append(Markup("<li>Benchmark ratings {} (not rated this year): {}</li>").format(
                words.CARRIED_FORWARD, ", ".join(carried)))
        differ = self.review_differences()
        if differ:
            items.append(Markup("<li>Reviewed ratings that differ from the self-assessment (the reviewed one "
                                "counts): {}</li>").format(", ".join(b["benchmark_id"] for b in differ)))
        if self.fallbacks():
            items.append(Markup("<li>{}</li>").format(self.fallback_note().striptags()))
        for note in self.work.get("plausibility", []):
            items.append(Markup('<li class="plausibility">Check the data: {}.</li>').format(note["text"]))
        return HTML(str(Markup('<ul class="data-notes">{}</ul>').format(html.join(items))))

    def downloads(self) -> HTML:
        """This community's files, then the network's (`ci_lib.website.downloads`): published values only."""
        cid, layout = self.cid, YearLayout(Path("."), int(self.scores["year"]))
        return HTML(str(Markup(
            '<ul class="downloads"><li><a href="../data/{0}-outcomes.csv" download>Outcomes (CSV: ids, labels, units; '
            "a blank value says why in its status column)</a></li>"
            '<li><a href="../scores/{0}.json" download>Scores (JSON)</a></li></ul>'
            '<p>For every member: <a href="../downloads/outcomes.csv" download>outcomes (CSV)</a>, '
            '<a href="../downloads/gaps.csv" download>disparity gaps (CSV)</a>, '
            '<a href="../downloads/scores.csv" download>scores (CSV)</a>, '
            '<a href="../downloads/{1}" download>all of them in one workbook (Excel)</a>; '
            '<a href="../downloads.html">what the files hold</a>.</p>').format(cid, layout.workbook.name)))

    def earlier_years(self) -> HTML:
        """Links to this community's pages in earlier published years (same reports tree)."""
        years = self.work.get("earlier_pages") or []
        if not years:
            return HTML('<p class="earlier-years">This is the first published assessment of this community.</p>')
        links = html.join(Markup('<li><a href="../../../{0}/_site/communities/{1}.html">{0}</a></li>').format(y, self.cid)
                          for y in years)
        return HTML(str(Markup('<ul class="earlier-years">{}</ul>').format(links)))

    def provenance(self) -> HTML:
        p = self.scores["provenance"]
        return HTML(str(Markup(
            '<footer class="provenance"><p>Kit version {kit} · framework {fw} · data sha256 <code>{data}</code> · '
            "rubric sha256 <code>{rub}</code> · run date {date}</p></footer>").format(
                kit=p["kit_version"], fw=self.scores["framework"], data=p["data_sha256"][:12],
                rub=p["rubric_sha256"][:12], date=self.work["network"].get("run_date") or "not recorded")))


def with_units(view: pd.DataFrame, units: list[str]) -> pd.DataFrame:
    """The outcome table of a page with non-percent indicators: each value in its own unit, each change in
    the unit's measure (points in the unit, or percent of the baseline for relative units)."""
    measures = [unit_of(u) for u in units]
    view = view.copy()
    for column in ("baseline", "latest"):
        view[column] = [v if isinstance(v, str) else m.format(v, words.MISSING)  # a blank's mark stays as it is
                        for m, v in zip(measures, view[column], strict=True)]
    view["change_pp"] = [words.MISSING if v is None or pd.isna(v) else words.signed(v, " pp") if m.id == "percent"
                         else ("+" if v >= 0 else "-") + m.format(abs(v)) for m, v in zip(measures, view["change_pp"],
                                                                                          strict=True)]
    return view.rename(columns={"baseline_year": "baseline year", "latest_year": "latest year",
                                "change_pp": "change"})


def network_counts(rollup: dict[str, Any], gateway_order: list[str], proof_point_gateways: list[str]) -> dict[str, Any]:
    """The numbers of the network page's headline and of its gateway chart, from one count (the roll-up's
    members per gateway), so a headline and the chart cannot disagree.

    `at_proof_point`: members that reached the first gateway requiring the proof point, or a later one
    (benchmarks and outcomes); `outcomes_rule`: members whose outcomes meet the proof point rule, whatever
    their benchmarks.
    """
    per_gateway = {words.NO_GATEWAY_ID: 0, **{g: 0 for g in gateway_order}, **rollup["members_per_gateway"]}
    first = next((g for g in gateway_order if g in proof_point_gateways), None)
    later = gateway_order[gateway_order.index(first):] if first else []
    return {"members": int(rollup["members"]), "per_gateway": per_gateway, "proof_point_gateway": first,
            "at_proof_point": sum(per_gateway.get(g, 0) for g in later), "outcomes_rule": int(rollup["proof_points"]),
            "incomplete": rollup.get("incomplete_members")}


@dataclass
class NetworkPage:
    """The network overview, from every member's scores and the roll-up."""

    report_dir: Path
    work: NetworkInput

    @classmethod
    def load(cls, report_dir: str | Path, year: int) -> NetworkPage:
        return cls(Path(report_dir), load_network_input(YearLayout.of(report_dir).network_input))

    @property
    def gateway_labels(self) -> dict[str, str]:
        return {words.NO_GATEWAY_ID: words.NO_GATEWAY, **self.work["labels"]["gateways"]}

    def counts(self) -> dict[str, Any]:
        return network_counts(self.work["rollup"], self.work["gateway_order"], self.work.get("proof_point_gateways", []))

    def headline(self) -> HTML:
        r, counts = self.work["rollup"], self.counts()
        imp, clo = r["indicators_improving_share_mean"], r["gaps_closing_share_mean"]
        gateway = counts["proof_point_gateway"]
        if gateway:
            label = words.gateway_label(gateway, self.gateway_labels)
            waiting = counts["outcomes_rule"] - counts["at_proof_point"]
            proof = Markup("<li>Members at the {label} gateway or beyond (benchmarks and outcomes): {at}</li>"
                           "<li>Members whose outcomes meet the proof point rule: {rule}{waiting}</li>").format(
                label=label, at=counts["at_proof_point"], rule=counts["outcomes_rule"],
                waiting=Markup(" ({} of them not yet at the {} gateway: benchmarks still missing)").format(waiting, label)
                if waiting > 0 else "")
        else:
            proof = Markup("<li>Members whose outcomes meet the proof point rule: {}</li>").format(counts["outcomes_rule"])
        incomplete = (Markup("<li>Assessments incomplete (benchmarks not rated): {}</li>").format(counts["incomplete"])
                      if counts["incomplete"] else "")
        by_family = {f: v for f, v in (r.get("gaps_closing_share_mean_by_family") or {}).items() if v is not None}
        families = self.work["labels"].get("families", {})
        if by_family:
            incomplete += Markup("<li>Average share of gaps closing, by family: {}</li>").format(
                ", ".join(f"{families.get(f, f)} {words.share(v)}" for f, v in by_family.items()))
        return HTML(str(Markup(
            '<section class="summary-card"><p>{n} members assessed for {year} against {fw}.</p><ul>'
            "<li>Average share of core indicators improving: {imp}</li><li>Average share of gaps closing: {clo}</li>"
            "{proof}{incomplete}</ul></section>").format(
                n=counts["members"], year=self.work["year"], fw=self.work["framework_title"],
                imp=words.share(imp), clo=words.share(clo), proof=proof, incomplete=incomplete)))

    def gateway_distribution(self) -> HTML:
        fig = plots.gateway_distribution(self.counts()["per_gateway"], self.gateway_labels)
        return HTML(str(html.figure(fig, "gateway-distribution")))

    @property
    def summarised(self) -> bool:
        """Whether the overview shows distributions and counts instead of a row per member (`OVERVIEW_ROWS`)."""
        return len(self.work["members"]) > OVERVIEW_ROWS

    def pillar_heatmap(self) -> HTML:
        labels = self.work["labels"]
        rows = {m["name"]: {labels["pillars"][p]: avg(list(m["pillars"][p].values())) for p in self.work["pillar_order"]}
                for m in self.work["members"]}
        matrix = pd.DataFrame(rows).T.sort_index()
        matrix.index.name = "member"
        if self.summarised:
            fig = plots.pillar_distribution(matrix, "Members by share of benchmark credit, per pillar")
            return HTML(str(html.figure(fig, "pillar-distribution")))
        fig = plots.pillar_heatmap(matrix, "Share of benchmark credit by pillar, per member")
        return HTML(str(html.figure(fig, "pillar-heatmap")))

    def shares(self) -> HTML:
        r = self.work["rollup"]
        a = plots.share_histogram(r["improving_shares"], "Share of core indicators improving")
        b = plots.share_histogram(r["closing_shares"], "Share of gaps closing")
        return HTML(str(html.figure(a, "improving-distribution")) + str(html.figure(b, "closing-distribution")))

    def outcome_small_multiples(self) -> HTML:
        if not self.work["outcomes_all"]:
            # every all-students value suppressed (a high `min_cell`) or none reported: nothing to draw
            return HTML("<p>No member has a published all-students value this year: there are no outcome lines "
                        "to draw.</p>")
        fig = plots.network_outcomes(pd.DataFrame(self.work["outcomes_all"]), self.work["indicator_names"])
        return HTML(str(html.figure(fig, "outcome-small-multiples")))

    def movement(self) -> HTML:
        """Members' gateway now against last year's: how many moved up, stayed, moved down, and where.

        A move down where a benchmark the next gateway needs was not rated this year is counted apart: it
        may be a gap in the assessment rather than a setback.
        """
        previous = self.work.get("previous")
        if not previous:
            return HTML("<p>No earlier assessment is published: movement between gateways starts next year.</p>")
        order = {g: i + 1 for i, g in enumerate(self.work["gateway_order"])}
        labels = self.gateway_labels
        rows = []
        for m in self.work["members"]:
            if m["community_id"] not in previous["reached"]:
                continue
            then = previous["reached"][m["community_id"]] or words.NO_GATEWAY_ID
            now = m["gateway"]["reached"] or words.NO_GATEWAY_ID
            move = (order.get(now, 0) > order.get(then, 0)) - (order.get(now, 0) < order.get(then, 0))
            unrated = set(m.get("missing_ratings") or []) & set(m["gateway"]["missing"])
            rows.append({"then": words.gateway_label(then, labels), "now": words.gateway_label(now, labels),
                         "move": move, "unrated": move < 0 and bool(unrated), "name": m["name"],
                         "which": ", ".join(sorted(unrated))})
        frame = pd.DataFrame(rows)
        if frame.empty:
            return HTML("<p>No member was assessed in both years.</p>")
        ordered = [words.gateway_label(g, labels) for g in [words.NO_GATEWAY_ID, *self.work["gateway_order"]]]
        cross = pd.crosstab(frame["then"], frame["now"]).reindex(index=ordered, columns=ordered, fill_value=0)
        cross = cross.loc[(cross.sum(axis=1) > 0), (cross.sum(axis=0) > 0)]
        cross.index.name = f"{previous['year']} \\ {self.work['year']}"
        up, same = (int((frame["move"] == k).sum()) for k in (1, 0))
        down_unrated = int(frame["unrated"].sum())
        down = int((frame["move"] == -1).sum()) - down_unrated
        summary = Markup("<p>Since {}: <strong>{}</strong> members moved up a gateway or more, {} stayed, {} moved down"
                         "{}.</p>").format(
            previous["year"], up, same, down,
            Markup(", and {} moved down with benchmarks not rated this year among those their next gateway needs "
                   "(an incomplete assessment, not necessarily a setback)").format(down_unrated) if down_unrated else "")
        unrated_moves = frame[frame["unrated"]]
        listed = (Markup('<p class="notice moved-unrated">Moved down with benchmarks not rated: {}.</p>').format(
            "; ".join(f"{r.name} ({r.then} → {r.now}; not rated: {r.which})" for r in unrated_moves.itertuples()))
                  if len(unrated_moves) else Markup(""))
        return HTML(str(summary + listed + html.table(cross, f"Members by gateway in {previous['year']} (rows) and "
                                                              f"{self.work['year']} (columns)", classes="data movement")))

    def members_summary(self) -> HTML:
        """Members per state and gateway reached, with the way to every member: the paginated, searchable listing."""
        order = [words.NO_GATEWAY_ID, *self.work["gateway_order"]]
        frame = pd.DataFrame([{"state": m["state"], "gateway": m["gateway"]["reached"] or words.NO_GATEWAY_ID}
                              for m in self.work["members"]])
        cross = pd.crosstab(frame["state"], frame["gateway"]).reindex(columns=order, fill_value=0)
        cross = cross.loc[:, cross.sum(axis=0) > 0]
        cross.columns = [words.gateway_label(g, self.gateway_labels) for g in cross.columns]
        cross["all members"] = cross.sum(axis=1)
        cross.loc["all states"] = cross.sum(axis=0)
        cross.index.name = "state"
        lead = Markup('<p class="members-summary">{:,} members in {:,} states. Every member, with search and filters, '
                      'is on the <a href="communities.html">Communities</a> pages.</p>').format(
            len(frame), frame["state"].nunique())
        return HTML(str(lead + html.table(cross, "Members by state and gateway reached", classes="data members-summary")))

    def members_table(self) -> HTML:
        if self.summarised:
            return self.members_summary()
        rows = pd.DataFrame([{
            "community": (m["community_id"], m["name"]), "state": m["state"],
            "gateway": words.gateway_label(m["gateway"]["reached"], self.gateway_labels)
            + (" (assessment incomplete)" if m["gateway"].get("incomplete") else ""),
            "improving": m["summary"]["indicators_improving_share"], "gaps closing": m["summary"]["gaps_closing_share"],
            "outcomes proof point": words.short_verdict(m["summary"]),
        } for m in self.work["members"]]).set_index("community")
        rows.index.name = "member"
        rows["improving"] = rows["improving"].map(lambda v: words.share(None if v is None or pd.isna(v) else v))
        rows["gaps closing"] = rows["gaps closing"].map(lambda v: words.share(None if v is None or pd.isna(v) else v))
        frame = rows.reset_index()
        return HTML(str(html.table_with_legend(frame, "Members", classes="data members", index=False,
                                   cells={"member": lambda v: Markup('<a href="communities/{}.html">{}</a>').format(*v)})))

    # -- equity across the network (the members' measured, published gaps: `prepare.measured_gaps`) ---------
    @functools.cached_property
    def gap_frame(self) -> pd.DataFrame:
        """One row per measured gap, with the readable words of its member, indicator, family and groups."""
        columns = ["community_id", "indicator_id", "family", "group", "reference_group", "baseline_year",
                   "latest_year", "gap_baseline_pp", "gap_latest_pp", "gap_trend", "closing"]
        rows = [g for g in self.work.get("gaps") or [] if not g.get("suppressed") and g.get("closing") is not None]
        frame = pd.DataFrame(rows, columns=columns)
        labels = self.work["labels"]
        names = {m["community_id"]: m["name"] for m in self.work["members"]}
        families, groups = list(labels.get("families", {})), list(labels.get("groups", {}))
        return frame.assign(
            name=frame["community_id"].map(names), indicator=frame["indicator_id"].map(
                lambda i: self.work["indicator_names"].get(i, i)),
            family_label=frame["family"].map(lambda f: labels.get("families", {}).get(f, f)),
            group_label=frame["group"].map(lambda g: labels["groups"].get(g, g)),
            reference_label=frame["reference_group"].map(lambda g: labels["groups"].get(g, g)),
            family_order=frame["family"].map(lambda f: families.index(f) if f in families else len(families)),
            group_order=frame["group"].map(lambda g: groups.index(g) if g in groups else len(groups)),
            closing=frame["closing"].astype(bool))

    def equity_shares(self) -> pd.DataFrame:
        """Per family (all its groups, where it has more than one, then each group): members with a measured gap,
        gaps measured, gaps closing and their share."""
        frame = self.gap_frame.sort_values(["family_order", "group_order"], kind="stable")
        out = []
        for _, family in frame.groupby("family_order", sort=True):
            groups = list(family.groupby("group_label", sort=False))
            for group, rows in [(ALL_GROUPS, family)] * (len(groups) > 1) + groups:
                out.append({"family": family["family_label"].iloc[0], "group": group,
                            "members": rows["community_id"].nunique(), "gaps": len(rows),
                            "closing": int(rows["closing"].sum()), "share closing": words.share(rows["closing"].mean())})
        return pd.DataFrame(out, columns=["family", "group", "members", "gaps", "closing", "share closing"])

    def equity(self) -> HTML:
        """The share of gaps closing per family and group across the network, from every member's published gaps."""
        frame, shares = self.gap_frame, self.equity_shares()
        if frame.empty:
            return HTML('<p class="equity">No member has a measured disparity gap yet: a gap\'s trend needs a '
                        "published baseline and a later year for the group and its reference.</p>")
        intro = Markup('<p class="equity">Across the network, <strong>{closing} of {n}</strong> measured disparity '
                       "gaps are closing ({share}): narrowing, or reversed (the group caught up). Each gap compares "
                       "a group with its family's reference group on one of the network's indicators, in one "
                       "member; only published gaps count (a gap suppressed for privacy is left out, and local "
                       "indicators are not compared across members).</p>").format(
            closing=int(frame["closing"].sum()), n=len(frame), share=words.share(frame["closing"].mean()))
        return HTML(str(intro + html.table(shares, "Gaps closing by comparison family and group, across the network "
                                                   "(members: those with a measured gap for the group; gaps: measured "
                                                   "gaps, one per member and indicator)",
                                           classes="data equity-shares", index=False)))

    def widened(self) -> pd.DataFrame:
        """The members' gaps that widened (the group further behind), the largest widening first."""
        frame = self.gap_frame
        frame = frame[(frame["gap_trend"] == "widening") & ~frame["closing"]]
        change = (frame["gap_latest_pp"].astype(float) - frame["gap_baseline_pp"].astype(float)).round(1)
        return frame.assign(change=change).sort_values(["change", "name", "indicator", "group_order"],
                                                       ascending=[False, True, True, True], kind="stable")

    def widened_gaps(self) -> HTML:
        """The members whose gaps widened: the largest widening of each member, then every widened gap."""
        rows = self.widened()
        if rows.empty:
            return HTML('<p class="widened">No measured gap widened.</p>')

        def gap(r: Any) -> str:
            return (f"{html.fmt(r.gap_baseline_pp)} ({html.fmt(r.baseline_year)}) → "
                    f"{html.fmt(r.gap_latest_pp)} ({html.fmt(r.latest_year)})")

        def view(frame: pd.DataFrame) -> pd.DataFrame:
            return pd.DataFrame({"member": list(zip(frame["community_id"], frame["name"], strict=True)),
                                 "indicator": frame["indicator"].to_numpy(),
                                 "group": [f"{g} vs {r}" for g, r in zip(frame["group_label"], frame["reference_label"],
                                                                         strict=True)],
                                 "gap (pp), baseline → latest": [gap(r) for r in frame.itertuples()],
                                 "change (pp)": [words.signed(v) for v in frame["change"]]})

        link: dict[str, object] = {"member": lambda v: Markup('<a href="communities/{}.html">{}</a>').format(*v)}
        members = self.work["members"]
        largest = rows.drop_duplicates("community_id")
        intro = Markup('<p class="widened">{n} measured gap{s} widened, in <strong>{m} of {total}</strong> members '
                       "(the group further behind its reference than at the baseline). The largest widening of each "
                       "member:</p>").format(n=len(rows), s="" if len(rows) == 1 else "s",
                                             m=rows["community_id"].nunique(), total=len(members))
        every = Markup('<details class="widened-all"><summary>Every widened gap ({})</summary>{}</details>').format(
            len(rows), html.table(view(rows.sort_values(["name", "indicator", "family_order", "group_order"],
                                                          kind="stable")),
                                  "Every widened gap, by member", classes="data widened-gaps", index=False, cells=link))
        return HTML(str(intro + html.table(view(largest), "Largest widening of each member", classes="data widened",
                                           index=False, cells=link) + every))


def avg(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None
