"""What the notebooks call: load a community's prepared slice, show its sections, write its scores.

Notebooks stay thin: each cell calls one method here and displays the returned HTML. The slice a
notebook receives was prepared by the scoring pass and holds only publishable (suppressed) values.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import HTML
from markupsafe import Markup

from . import html, plots
from .atomic import write_json
from .ids import check_community_id

Rows = list[dict[str, Any]]
TREND_WORD = {"improving": "improving", "declining": "declining", "flat": "flat", "insufficient_data": "insufficient data"}


def work_path(report_dir: str | Path, community_id: str) -> Path:
    return Path(report_dir) / "_work" / f"{check_community_id(community_id)}.json"


@dataclass
class CommunityPage:
    """One community's page content, built from its prepared work file."""

    report_dir: Path
    work: dict[str, Any]

    @classmethod
    def load(cls, report_dir: str | Path, community_id: str, year: int) -> CommunityPage:
        path = work_path(report_dir, community_id)
        work = json.loads(path.read_text(encoding="utf-8"))
        if work["scores"]["year"] != year:
            raise ValueError(f"{path}: prepared for {work['scores']['year']}, not {year}")
        return cls(Path(report_dir), work)

    # -- shortcuts ---------------------------------------------------------------------------
    @property
    def scores(self) -> dict[str, Any]:
        return self.work["scores"]

    @property
    def cid(self) -> str:
        return str(self.scores["community_id"])

    def label(self, kind: str, key: str | None) -> str:
        if key is None:
            return "Not yet reached" if kind == "gateways" else "–"
        return str(self.work["labels"][kind].get(key, key))

    # -- sections ----------------------------------------------------------------------------
    def summary_card(self) -> HTML:
        s, c = self.scores, self.work["community"]
        g = s["gateway"]
        summary = s["summary"]
        missing = [f"{b} — {self.work['benchmark_titles'].get(b, '')}" for b in g["missing"]]
        share = summary["indicators_improving_share"]
        gaps = summary["gaps_closing_share"]
        previous = self.work.get("previous")
        then = (Markup("<li>In {}: {}</li>").format(previous["year"], self.label("gateways", previous["reached"]))
                if previous else Markup(""))
        body = Markup(
            '<section class="summary-card" aria-label="Summary">'
            '<p class="gateway">Gateway reached: {reached}</p>'
            "<ul><li>Next gateway: {next}</li>{then}"
            "<li>Indicators improving: {share}</li><li>Disparity gaps closing: {gaps}</li>"
            "<li>Proof point: {pp}</li><li>State: {state} · Anchor entity: {anchor} · Member since {joined}</li>"
            "{site}</ul>{missing}</section>"
        ).format(
            reached=html.badge(self.label("gateways", g["reached"]), g["reached"] or "none"),
            next=self.label("gateways", g["next"]) if g["next"] else "all gateways reached",
            then=then,
            share="no trends yet" if share is None else f"{share:.0%}",
            gaps="no gaps measured yet" if gaps is None else f"{gaps:.0%}",
            pp="yes" if summary["proof_point"] else "not yet",
            state=c["state"], anchor=c["anchor_entity"], joined=c["joined_year"],
            site=Markup("<li>Website: {}</li>").format(html.link_or_text(c.get("website"))) if c.get("website") else "",
            missing=(Markup("<details open><summary>Benchmarks still missing for {} ({})</summary><ul>{}</ul></details>")
                     .format(self.label("gateways", g["next"]), len(missing),
                             html.join(Markup("<li>{}</li>").format(m) for m in missing)) if missing else ""),
        )
        return HTML(str(body))

    def pillar_matrix(self) -> HTML:
        order, pillars = self.work["gateway_order"], self.work["pillar_order"]
        matrix = pd.DataFrame(
            [[self.scores["pillars"].get(p, {}).get(g) for g in order] for p in pillars],
            index=[self.label("pillars", p) for p in pillars],
            columns=[self.label("gateways", g) for g in order], dtype=float)
        matrix.index.name = "pillar"
        fig = plots.pillar_heatmap(matrix, f"Benchmark credit by pillar and gateway, {self.scores['year']}")
        return HTML(str(html.figure(fig, "pillar-matrix")))

    def benchmarks(self) -> HTML:
        rows = pd.DataFrame(self.scores["benchmarks"])
        rows["title"] = rows["benchmark_id"].map(self.work["benchmark_titles"])
        rows["gateway"] = rows["gateway"].map(lambda g: self.label("gateways", g))
        rows["pillar"] = rows["pillar"].map(lambda p: self.label("pillars", p))
        rows["status"] = rows["status"].str.replace("_", " ")
        view = rows.set_index("benchmark_id")[["gateway", "pillar", "title", "status", "credit", "evidence"]]
        view.index.name = "benchmark"
        return HTML(str(html.table(view, "Benchmark ratings with evidence", classes="data benchmarks",
                                   cells={"evidence": html.link_or_text})))

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
        fig = plots.outcome_chart(series, name, trends, gaps, self.work["labels"]["groups"], self.styles)
        return HTML(str(html.figure(fig, f"outcome-{indicator_id}")))

    @property
    def styles(self) -> dict[str, tuple[str, str]]:
        return plots.group_styles(list(self.work["labels"]["groups"]))

    def outcomes(self) -> HTML:
        parts = [self.outcome_chart(i).data for i in self.indicator_ids()]
        if not parts:
            return HTML("<p>No outcome data for this year.</p>")
        present = [g for g in self.work["labels"]["groups"] if any(o["group"] == g and o["value"] is not None
                                                                     for o in self.work["outcomes"])]
        return HTML(str(html.legend(self.styles, self.work["labels"]["groups"], present)) + "".join(parts))

    def outcome_table(self) -> HTML:
        rows = pd.DataFrame(self.scores["outcomes"])
        if rows.empty:
            return HTML("<p>No outcome data.</p>")
        names = {i["id"]: i["name"] for i in self.work["indicators"]}
        rows = rows[rows["group"] == "all"].copy()
        rows["trend"] = rows["trend"].map(lambda t: f"{plots.TREND_ARROW.get(t, '')} {TREND_WORD.get(t, t)}")
        rows["indicator"] = rows["indicator_id"].map(names)
        view = rows.set_index("indicator")[["baseline_year", "baseline", "latest_year", "latest", "change_pp", "trend"]]
        view = view.rename(columns={"baseline_year": "baseline year", "baseline": "baseline %",
                                    "latest_year": "latest year", "latest": "latest %", "change_pp": "change (pp)"})
        return HTML(str(html.table(view, "All students: baseline, latest and trend", classes="data outcomes")))

    def disparities(self) -> HTML:
        rows = pd.DataFrame(self.scores["disparities"])
        if rows.empty:
            return HTML("<p>No disparity gaps could be measured.</p>")
        names = {i["id"]: i["name"] for i in self.work["indicators"]}
        rows = rows[~rows["suppressed"]].copy()
        rows["indicator"] = rows["indicator_id"].map(names)
        rows["group"] = rows["group"].map(lambda g: self.label("groups", g))
        rows["reference"] = rows["reference_group"].map(lambda g: self.label("groups", g))
        rows["gap trend"] = rows["gap_trend"].str.replace("_", " ")
        view = rows.set_index("indicator")[["group", "reference", "gap_baseline_pp", "gap_latest_pp", "gap_change_pp",
                                            "gap trend"]]
        view = view.rename(columns={"gap_baseline_pp": "gap at baseline (pp)", "gap_latest_pp": "gap latest (pp)",
                                    "gap_change_pp": "change (pp)"})
        return HTML(str(html.table(view, "Disparity gaps (percentage points; positive = group behind the reference)",
                                   classes="data disparities")))

    def notes(self) -> HTML:
        s = self.scores
        suppressed = [o for o in s["outcomes"] if o["suppressed"]]
        items = [Markup("<li>{} group series have at least one cell from fewer than {} students; those values are "
                        "suppressed (with complementary suppression where groups add up to the total).</li>")
                 .format(len(suppressed), self.work["rules"]["min_cell"])]
        for o in s["overrides"]:
            items.append(Markup("<li>Rule override ({}): <code>{}</code> = <code>{}</code> (rubric default <code>{}</code>)"
                                "</li>").format(o["source"], o["rule"], json.dumps(o["value"]), json.dumps(o["default"])))
        for i in self.work["indicators"]:
            if i.get("local") and i["id"] in self.indicator_ids():
                items.append(Markup("<li>Local indicator: {} — {}</li>").format(i["name"], i.get("indicator", "")))
        if s.get("missing_ratings"):
            items.append(Markup("<li>Benchmarks without a rating (counted as not started): {}</li>")
                         .format(", ".join(s["missing_ratings"])))
        return HTML(str(Markup('<ul class="data-notes">{}</ul>').format(html.join(items))))

    def downloads(self) -> HTML:
        cid = self.cid
        return HTML(str(Markup(
            '<ul class="downloads"><li><a href="../data/{0}-outcomes.csv" download>Outcomes (CSV, suppressed)</a></li>'
            '<li><a href="../scores/{0}.json" download>Scores (JSON)</a></li></ul>').format(cid)))

    def earlier_years(self) -> HTML:
        """Links to this community's pages in earlier published years (same reports tree)."""
        years = self.work.get("earlier_pages") or []
        if not years:
            return HTML("<p>This is the first published assessment of this community.</p>")
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

    def write_scores(self) -> Path:
        target = self.report_dir / "scores" / f"{self.cid}.json"
        write_json(target, self.scores)
        return target


@dataclass
class NetworkPage:
    """The network overview, from every member's scores and the roll-up."""

    report_dir: Path
    work: dict[str, Any]

    @classmethod
    def load(cls, report_dir: str | Path, year: int) -> NetworkPage:
        path = Path(report_dir) / "_work" / "_network.json"
        return cls(Path(report_dir), json.loads(path.read_text(encoding="utf-8")))

    def headline(self) -> HTML:
        r = self.work["rollup"]
        imp, clo = r["indicators_improving_share_mean"], r["gaps_closing_share_mean"]
        return HTML(str(Markup(
            '<section class="summary-card"><p>{n} members assessed for {year} against {fw}.</p><ul>'
            "<li>Average share of indicators improving: {imp}</li><li>Average share of gaps closing: {clo}</li>"
            "<li>Members meeting the proof-point rule on outcomes: {pp}</li></ul></section>").format(
                n=r["members"], year=self.work["year"], fw=self.work["framework_title"],
                imp="–" if imp is None else f"{imp:.0%}", clo="–" if clo is None else f"{clo:.0%}", pp=r["proof_points"])))

    def gateway_distribution(self) -> HTML:
        labels = {"none": "Not yet Exploring", **self.work["labels"]["gateways"]}
        fig = plots.gateway_distribution(self.work["rollup"]["members_per_gateway"], labels)
        return HTML(str(html.figure(fig, "gateway-distribution")))

    def pillar_heatmap(self) -> HTML:
        labels = self.work["labels"]
        rows = {m["name"]: {labels["pillars"][p]: avg(list(m["pillars"][p].values())) for p in self.work["pillar_order"]}
                for m in self.work["members"]}
        matrix = pd.DataFrame(rows).T.sort_index()
        matrix.index.name = "member"
        fig = plots.pillar_heatmap(matrix, "Share of benchmark credit by pillar, per member")
        return HTML(str(html.figure(fig, "pillar-heatmap")))

    def shares(self) -> HTML:
        r = self.work["rollup"]
        a = plots.share_histogram(r["improving_shares"], "Share of indicators improving")
        b = plots.share_histogram(r["closing_shares"], "Share of gaps closing")
        return HTML(str(html.figure(a, "improving-distribution")) + str(html.figure(b, "closing-distribution")))

    def outcome_small_multiples(self) -> HTML:
        fig = plots.network_outcomes(pd.DataFrame(self.work["outcomes_all"]), self.work["indicator_names"])
        return HTML(str(html.figure(fig, "outcome-small-multiples")))

    def movement(self) -> HTML:
        """Members' gateway now against last year's: how many moved up, stayed, moved down, and where."""
        previous = self.work.get("previous")
        if not previous:
            return HTML("<p>No earlier assessment is published: movement between gateways starts next year.</p>")
        order = {g: i + 1 for i, g in enumerate(self.work["gateway_order"])}
        labels = {"none": "Not yet Exploring", **self.work["labels"]["gateways"]}
        rows = []
        for m in self.work["members"]:
            if m["community_id"] not in previous["reached"]:
                continue
            then = previous["reached"][m["community_id"]] or "none"
            now = m["gateway"]["reached"] or "none"
            rows.append({"then": labels[then], "now": labels[now],
                         "move": (order.get(now, 0) > order.get(then, 0)) - (order.get(now, 0) < order.get(then, 0))})
        frame = pd.DataFrame(rows)
        if frame.empty:
            return HTML("<p>No member was assessed in both years.</p>")
        ordered = [labels[g] for g in ["none", *self.work["gateway_order"]]]
        cross = pd.crosstab(frame["then"], frame["now"]).reindex(index=ordered, columns=ordered, fill_value=0)
        cross = cross.loc[(cross.sum(axis=1) > 0), (cross.sum(axis=0) > 0)]
        cross.index.name = f"{previous['year']} \\ {self.work['year']}"
        up, same, down = (int((frame["move"] == k).sum()) for k in (1, 0, -1))
        summary = Markup("<p>Since {}: <strong>{}</strong> members moved up a gateway or more, {} stayed, {} moved down."
                         "</p>").format(previous["year"], up, same, down)
        return HTML(str(summary + html.table(cross, f"Members by gateway in {previous['year']} (rows) and "
                                                     f"{self.work['year']} (columns)", classes="data movement")))

    def members_table(self) -> HTML:
        labels = self.work["labels"]["gateways"]
        rows = pd.DataFrame([{
            "community": (m["community_id"], m["name"]), "state": m["state"],
            "gateway": labels.get(m["gateway"]["reached"], "Not yet Exploring"),
            "improving": m["summary"]["indicators_improving_share"], "gaps closing": m["summary"]["gaps_closing_share"],
        } for m in self.work["members"]]).set_index("community")
        rows.index.name = "member"
        rows["improving"] = rows["improving"].map(lambda v: "–" if v is None or pd.isna(v) else f"{v:.0%}")
        rows["gaps closing"] = rows["gaps closing"].map(lambda v: "–" if v is None or pd.isna(v) else f"{v:.0%}")
        frame = rows.reset_index()
        return HTML(str(html.table(frame, "Members", classes="data members", index=False,
                                   cells={"member": lambda v: Markup('<a href="communities/{}.html">{}</a>').format(*v)})))


def avg(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None
