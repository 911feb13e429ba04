"""What the site shows besides the notebooks: listing metadata, Methods and Downloads pages.

Pages are written as Markdown once; Quarto renders the `.qmd`, the built-in renderer converts the same
Markdown with mistune (nbconvert's own Markdown engine), so both engines publish the same text.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..rubric import Rubric, load_rubric
from ..scoring.suppression import suppression_rule_text

NAV = [("index.html", "Overview"), ("communities.html", "Communities"), ("methods.html", "Methods"),
       ("downloads.html", "Downloads")]


def md(text: Any) -> str:
    """Escape user text for Markdown table cells: HTML special characters and pipes."""
    return html.escape(str(text), quote=True).replace("|", "&#124;").replace("\n", " ")


@dataclass
class YearContent:
    report_dir: Path
    manifest: dict[str, Any]
    scores: dict[str, dict[str, Any]]
    rubric: Rubric

    @classmethod
    def load(cls, report_dir: Path) -> YearContent:
        manifest_path = report_dir / "manifest.json"
        if not manifest_path.exists():
            from ..errors import KitError

            raise KitError(f"{manifest_path}: not found; run `ci-assess run --year {report_dir.name}` first")
        manifest = json.loads(manifest_path.read_text())
        ok = {name for name, n in manifest["notebooks"].items() if n["status"] in {"ok", "cached"}}
        scores = {}
        for cid in manifest["communities"]:
            path = report_dir / "scores" / f"{cid}.json"
            if cid in ok and path.exists() and (report_dir / "communities" / f"{cid}.ipynb").exists():
                scores[cid] = json.loads(path.read_text())
        return cls(report_dir, manifest, scores, load_rubric(manifest["framework"]))

    @property
    def years(self) -> list[int]:
        """Every year assessed under the same reports root (for the year switcher and the archive)."""
        root = self.report_dir.parent
        return sorted(int(p.parent.name) for p in root.glob("[0-9][0-9][0-9][0-9]/manifest.json"))

    @property
    def year(self) -> int:
        return int(self.manifest["year"])

    @property
    def title(self) -> str:
        return str(self.manifest.get("title") or f"Assessment {self.year}")

    def gateway_label(self, gateway: str | None) -> str:
        return self.rubric.gateway_label(gateway) if gateway else "Not yet Exploring"

    def listing(self) -> list[dict[str, Any]]:
        """One entry per published community: what the listing searches, filters and sorts on."""
        rank = {g: i + 1 for i, g in enumerate(self.rubric.gateway_ids)}
        return [{
            "community_id": cid, "name": s["name"], "state": s["state"],
            "gateway": s["gateway"]["reached"] or "none", "gateway_label": self.gateway_label(s["gateway"]["reached"]),
            "rank": rank.get(s["gateway"]["reached"] or "", 0), "href": f"communities/{cid}.html",
            "improving": s["summary"]["indicators_improving_share"],
        } for cid, s in sorted(self.scores.items(), key=lambda kv: kv[1]["name"])]

    def failed(self) -> list[str]:
        """Communities whose page could not be published (their standard notebook failed)."""
        return sorted(n for n, v in self.manifest["notebooks"].items() if v["status"] == "failed" and ":" not in n)

    def failed_local_sections(self) -> list[str]:
        return sorted(n.removesuffix(":local") for n, v in self.manifest["notebooks"].items()
                      if v["status"] == "failed" and n.endswith(":local"))

    def methods_markdown(self) -> str:
        r = self.rubric
        rules = r.rules
        trend = rules["trend"]
        lines = [
            f"This assessment uses the **{md(r.title)}** framework (`{md(r.framework)}`, rubric sha256 "
            f"`{r.sha256[:12]}`).", "",
            "## Gateways and benchmarks", "",
            "A community reaches a gateway when " + (
                "every benchmark of that gateway and of all earlier gateways is met"
                if rules["gateway_rule"].get("method", "all_met") == "all_met"
                else f"the share of benchmark credit of that gateway and every earlier one is at least "
                     f"{rules['gateway_rule'].get('threshold')}")
            + f". A benchmark in progress earns {rules['in_progress_credit']} credit; a missing rating counts as "
            "not started. Gateways marked *proof point* also need the outcomes proof point below.", "",
        ]
        for g in r.gateways:
            lines += [f"### {md(g['label'])}", "", md(g.get("description", "")), "",
                      "| benchmark | pillar | title | evidence expected |", "|---|---|---|---|"]
            for b in r.benchmarks:
                if b.gateway == g["id"]:
                    lines.append(f"| `{md(b.id)}` | {md(r.pillar_label(b.pillar))} | {md(b.title)} | "
                                 f"{md(b.evidence_expected)} |")
            lines.append("")
        lines += [
            "## Outcomes and trends", "",
            "| indicator | stage | polarity | definition |", "|---|---|---|---|",
            *[f"| {md(o.name)} | {md(o.stage)} | {md(o.polarity.replace('_', ' '))} | {md(o.indicator)} |"
              for o in r.outcomes], "",
            f"- **Trend** (method `{md(trend['method'])}`): the latest year is compared with the "
            + {"baseline": "baseline year (the earliest year with data unless params set one)",
               "prior": "previous reported year",
               "consecutive": f"{trend['periods']} previous reported years, every move in the same direction"}.get(
                   trend["method"], trend["method"])
            + f"; a change smaller than {trend['min_change_pp']} percentage points is *flat*; with fewer than two "
            "usable years the trend is *insufficient data*. Polarity decides whether a rise is good.",
            f"- **Disparity gap** = reference group ({md(r.group_label(rules['reference_group']))} unless overridden) "
            "minus the group for higher-is-better indicators, the reverse for lower-is-better ones: a positive gap "
            "means the group is behind. A gap is *narrowing* or *widening* when its size moves by at least the "
            "minimum change, *reversed* when its sign flips.",
            f"- **Summary**: share of all-students indicators improving; share of gaps closing (narrowing, or "
            f"reversed to a smaller gap). The outcomes **proof point** needs at least "
            f"{rules['proof_point_share']:.0%} of indicators improving and at least "
            f"{rules['proof_point_gap_share']:.0%} of gaps closing.",
            f"- **Suppression**: {suppression_rule_text(rules['min_cell'])}", "",
            "## Overrides in force", "",
        ]
        overrides = [(s["name"], o) for s in self.scores.values() for o in s.get("overrides", [])]
        if overrides:
            lines += ["| community | source | rule | value | rubric default |", "|---|---|---|---|---|"]
            lines += [f"| {md(name)} | {md(o['source'])} | `{md(o['rule'])}` | `{md(json.dumps(o['value']))}` | "
                      f"`{md(json.dumps(o['default']))}` |" for name, o in overrides]
        else:
            lines.append("No rule is overridden this year.")
        if r.changes:
            lines += ["", "## Changes in this framework version", "", *[f"- {md(c)}" for c in r.changes]]
        return "\n".join(lines) + "\n"

    def downloads_markdown(self) -> str:
        lines = [
            "Every file here holds published (suppressed, rounded) values only.", "",
            "- [Manifest: provenance of this year (inputs by sha256, params, packages)](manifest.json)",
            "- [All members' scores (CSV)](downloads/scores.csv)", "",
            "| community | outcomes (CSV) | scores (JSON) |", "|---|---|---|",
        ]
        for entry in self.listing():
            cid = entry["community_id"]
            lines.append(f"| {md(entry['name'])} | [{cid}-outcomes.csv](data/{cid}-outcomes.csv) | "
                         f"[{cid}.json](scores/{cid}.json) |")
        return "\n".join(lines) + "\n"

    def scores_csv(self) -> str:
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["community_id", "name", "state", "gateway_reached", "next_gateway", "missing_benchmarks",
                         "indicators_improving_share", "gaps_closing_share", "proof_point"])
        for cid, s in sorted(self.scores.items()):
            g, summ = s["gateway"], s["summary"]
            writer.writerow([cid, s["name"], s["state"], g["reached"] or "", g["next"] or "", len(g["missing"]),
                             "" if summ["indicators_improving_share"] is None else summ["indicators_improving_share"],
                             "" if summ["gaps_closing_share"] is None else summ["gaps_closing_share"],
                             summ["proof_point"]])
        return buffer.getvalue()
