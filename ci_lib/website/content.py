"""What the site shows besides the notebooks: listing metadata, Methods and Downloads pages.

Pages are written as Markdown once; Quarto renders the `.qmd`, the built-in renderer converts the same
Markdown with mistune (nbconvert's own Markdown engine), so both engines publish the same text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_lib import vocabulary
from ci_lib.escape import csv_cell, markdown_code, markdown_text
from ci_lib.inputs.rubric import Rubric, load_rubric
from ci_lib.layout import YearLayout

NAV = [("index.html", "Overview"), ("communities.html", "Communities"), ("indicators.html", "Indicators"),
       ("methods.html", "Methods"), ("downloads.html", "Downloads")]


# Every text written into the Markdown of these pages goes through one of these two (see `ci_lib.escape`).
md = markdown_text
code = markdown_code


@dataclass
class YearContent:
    report_dir: Path
    manifest: dict[str, Any]
    scores: dict[str, dict[str, Any]]
    rubric: Rubric
    # what later modules derive from this content once per render (`indicators.views`), by their name
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, report_dir: Path) -> YearContent:
        layout = YearLayout.of(report_dir)
        manifest_path = layout.manifest
        if not manifest_path.exists():
            from ci_lib.errors import KitError

            raise KitError(f"{manifest_path}: not found; run `ci-assess run --year {report_dir.name}` first")
        manifest = json.loads(manifest_path.read_text())
        ok = {name for name, n in manifest["notebooks"].items() if n["status"] in {"ok", "cached"}}
        scores = {}
        for cid in manifest["communities"]:
            path = layout.scores_file(cid)
            if cid in ok and path.exists() and layout.notebook(cid).exists():
                scores[cid] = json.loads(path.read_text())
        return cls(report_dir, manifest, scores, load_rubric(manifest["framework"]))

    @property
    def years(self) -> list[int]:
        """Every year assessed under the same reports root (for the year switcher and the archive)."""
        return [y.year for y in self.layout.years() if y.manifest.exists()]

    @property
    def layout(self) -> YearLayout:
        return YearLayout.of(self.report_dir)

    @property
    def year(self) -> int:
        return int(self.manifest["year"])

    @property
    def title(self) -> str:
        return str(self.manifest.get("title") or f"Assessment {self.year}")

    def derive(self, name: str, build: Callable[[YearContent], Any]) -> Any:
        """What a later module derives from this content (`build`), built once per render and kept by `name`:
        the page keys and the pages of a render read the same value."""
        if name not in self.derived:
            self.derived[name] = build(self)
        return self.derived[name]

    def gateway_label(self, gateway: str | None) -> str:
        return self.rubric.gateway_label(gateway) if gateway else vocabulary.NO_GATEWAY

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

    def effective_rules(self) -> dict[str, Any]:
        """The rules the network applied this year: the rubric's with network.yml's over them.

        Read from the year's own record (`manifest["rules"]["network"]`, or the network.yml text older manifests
        kept) so a published year renders from what it applied (and `verify` renders the same page); else
        from the year's params, then the rubric.
        """
        recorded = self.manifest.get("rules")
        if isinstance(recorded, dict) and isinstance(recorded.get("network"), dict):
            return dict(recorded["network"])
        import yaml

        from ci_lib.errors import KitError
        from ci_lib.inputs.parameters import load_params
        from ci_lib.inputs.rubric import merge_rules

        text = (self.manifest.get("params") or {}).get("network.yml")  # kits that recorded the files' text
        try:
            network = yaml.safe_load(text) if isinstance(text, str) else None
        except yaml.YAMLError:
            network = None
        if isinstance(network, dict) and isinstance(network.get("rules") or {}, dict):
            return merge_rules(self.rubric.rules, network.get("rules") or {})
        params_root = self.report_dir.parent.parent / str(self.manifest.get("params_dir") or "params")
        try:
            return merge_rules(self.rubric.rules, load_params(self.year, params_root).rules)
        except KitError:
            return dict(self.rubric.rules)

    def methods_markdown(self) -> str:
        """Methods in words, from the effective rules this year recorded (each rule worded once, in
        `ci_lib.inputs.rules`), so the page says what the community pages applied."""
        from ci_lib.inputs.rules import sentence, units_sentence

        r = self.rubric
        rules = self.effective_rules()
        lines = [
            f"This assessment uses the **{md(r.title)}** framework ({code(r.framework)}, rubric sha256 "
            f"`{r.sha256[:12]}`). The rules below are the ones this network applied in {self.year}: the rubric's, "
            "with the network's params over them; a community's own overrides are listed at the end.", "",
            "## Gateways and benchmarks", "",
            "A community reaches a gateway when " + sentence("gateway_rule", rules)
            + ". " + sentence("in_progress_credit", rules) + " A benchmark without a rating is "
            "*not rated*: it earns no credit and neither helps nor blocks a gateway; the gateway is computed from the "
            "rated benchmarks and the community page says *assessment incomplete*"
            + sentence("carry_forward_unrated", rules)
            + ". Gateways marked *proof point* also need the outcomes proof point below.", "",
        ]
        for g in r.gateways:
            marked = " (proof point)" if g.get("requires_proof_point") else ""
            lines += [f"### {md(g['label'])}{marked}", "", md(g.get("description", "")), "",
                      "| benchmark | pillar | title | evidence expected |", "|---|---|---|---|"]
            for b in r.benchmarks:
                if b.gateway == g["id"]:
                    lines.append(f"| {code(b.id)} | {md(r.pillar_label(b.pillar))} | {md(b.title)} | "
                                 f"{md(b.evidence_expected)} |")
            lines.append("")
        lines += [
            "## Outcomes and trends", "",
            "| indicator | core | stage | polarity | definition |", "|---|---|---|---|---|",
            *[f"| {md(o.name)} | {'yes' if getattr(o, 'core', False) else 'no'} | {md(o.stage)} | "
              f"{md(o.polarity.replace('_', ' '))} | {md(o.indicator)} |" for o in r.outcomes], "",
            "- " + sentence("trend", rules),
            "- " + sentence("baseline", rules),
            "- **Change** is shown in percentage points (latest minus baseline) and relative to the baseline (%); the "
            "*streak* is how many years in a row the latest direction has lasted. Where params set a **target** "
            "(value by a year), the chart draws it with a dotted path from the baseline, and a community is *on track* "
            "when its latest value is at or past that path.",
            *(["- " + units_sentence()] if self.relative_indicators() else []),
            "",
            "## Comparison families and reference groups", "",
            "Each group is compared only with the reference group of its own family.", "",
            *self.families_lines(rules), "",
            "- **Disparity gap** = reference group minus the group for higher-is-better indicators, the reverse for "
            "lower-is-better ones: a positive gap means the group is behind. A gap is *narrowing* or *widening* when "
            "it moves by at least the minimum change, *reversed (gap closed)* when a group behind at the baseline is "
            "ahead at the latest year. Narrowing and reversed gaps are *closing*; a group never behind has no gap to "
            "close.",
            "",
            "## Proof point", "",
            "- " + sentence("proof_point_share", rules),
            "- " + sentence("min_cell", rules), "",
            "## Overrides in force", "",
            *self.override_lines(), "",
            *self.marks_lines(),
        ]
        if r.changes:
            lines += ["", "## Changes in this framework version", "", *[f"- {md(c)}" for c in r.changes]]
        return "\n".join(lines) + "\n"

    def relative_indicators(self) -> list[str]:
        """Indicators whose trends some member's scores measured relative to the earlier value (`change_kind`)."""
        return sorted({o["indicator_id"] for s in self.scores.values() for o in s.get("outcomes", [])
                       if o.get("change_kind") == "relative"})

    def families_lines(self, rules: dict[str, Any]) -> list[str]:
        """The comparison families as a table: their groups, the reference applied and what they add up to."""
        families = getattr(self.rubric, "families", None) or {}
        references = rules.get("reference_groups") or {}
        if not families:  # a rubric from before families: one reference group for every comparison
            return [f"Reference group: {md(self.rubric.group_label(rules.get('reference_group', 'white')))}."]
        lines = ["| family | groups | reference group | adds up to |", "|---|---|---|---|"]
        for f in families.values():
            chosen = references.get(f.id, f.reference)
            reference = ("the family's best-performing group in the baseline year (highest)" if chosen == "highest"
                         else self.rubric.group_label(chosen))
            lines.append(f"| {md(f.label)} | {md('; '.join(self.rubric.group_label(g) for g in f.groups))} | "
                         f"{md(reference)} | {md(self.rubric.group_label(f.total)) if f.total else '–'} |")
        return lines

    def override_lines(self) -> list[str]:
        """Overrides, summarised: one line for a rule every member shares, a row per member only where they differ."""
        members = {cid: s["name"] for cid, s in self.scores.items()}
        holders: dict[tuple[str, str, str, str], list[str]] = {}
        for cid, s in self.scores.items():
            for o in s.get("overrides", []):
                key = (o["source"], o["rule"], json.dumps(o["value"]), json.dumps(o["default"]))
                holders.setdefault(key, []).append(cid)
        if not holders:
            return ["No rule is overridden this year."]
        shared = {k: v for k, v in holders.items() if len(v) == len(members)}
        lines = [f"- {code(rule)} = {code(value)} for every member ({md(source)} params; rubric default "
                 f"{code(default)})." for (source, rule, value, default) in sorted(shared)]
        rows = [(members[cid], key) for key, cids in sorted(holders.items()) if key not in shared for cid in cids]
        if rows:
            lines += [""] if lines else []
            lines += ["| community | source | rule | value | rubric default |", "|---|---|---|---|---|"]
            lines += [f"| {md(name)} | {md(source)} | {code(rule)} | {code(value)} | {code(default)} |"
                      for name, (source, rule, value, default) in sorted(rows)]
        return lines

    def downloads_markdown(self) -> str:
        lines = [
            "Every file here holds published (suppressed, rounded) values only.", "",
            "- [Manifest: provenance of this year (inputs by sha256, params, packages)](manifest.json)",
            *self.network_download_lines(), "",
            "| community | outcomes (CSV) | scores (JSON) |", "|---|---|---|",
        ]
        for entry in self.listing():
            cid = entry["community_id"]
            lines.append(f"| {md(entry['name'])} | [{cid}-outcomes.csv](data/{cid}-outcomes.csv) | "
                         f"[{cid}.json](scores/{cid}.json) |")
        return "\n".join(lines) + "\n"

    def network_download_lines(self) -> list[str]:
        """The network's files (`ci_lib.website.downloads`), what their columns and marks mean."""
        from ci_lib.execute.published import COLUMN_NOTES, GAP_COLUMNS, OUTCOME_COLUMNS

        workbook = self.layout.workbook.name
        lines = ["- [All members' scores (CSV)](downloads/scores.csv): a row per member",
                 "- [All members' outcomes (CSV)](downloads/outcomes.csv): every published value, a row per member, "
                 "indicator, group and year (the members' files below, one after another)",
                 "- [All members' disparity gaps (CSV)](downloads/gaps.csv): a row per member, indicator and group",
                 f"- [Workbook (Excel)](downloads/{workbook}): the same tables and the benchmark ratings, a sheet "
                 "each, and a README sheet on what each sheet and column holds", "",
                 "Ids sit beside their labels, so the files join on `community_id`. A blank value says why in its "
                 "`status` column, with the marks the pages show:", "",
                 *[f"- **{code(vocabulary.MARKS[k])}** {md(vocabulary.MARK_WORDS[k])}" for k in vocabulary.CELL_MARKS],
                 "", "| column (outcomes and gaps) | what it holds |", "|---|---|"]
        columns = dict.fromkeys([*OUTCOME_COLUMNS, *GAP_COLUMNS])
        return lines + [f"| {code(c)} | {md(COLUMN_NOTES.get(c, ''))} |" for c in columns]

    def marks_lines(self) -> list[str]:
        """The Methods page's legend of every mark the pages and downloads use."""
        return ["## Marks", "", "Each mark means one thing, on every page and in every download; a table that "
                "shows one has a legend line under it.", "", "| mark | meaning |", "|---|---|",
                *[f"| {code(mark)} | {md(vocabulary.MARK_WORDS[k])} |" for k, mark in vocabulary.MARKS.items()]]

    def scores_csv(self) -> str:
        """`downloads/scores.csv`: text cells neutralised against formulas and quoted (OWASP), numbers as numbers."""
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
        writer.writerows(self.scores_rows())
        return buffer.getvalue()

    def scores_rows(self) -> list[list[Any]]:
        """The header and a row per member of `scores.csv` (and of the workbook's scores sheet), typed."""
        rows: list[list[Any]] = [[
            "community_id", "name", "state", "gateway_reached", "gateway_reached_label", "next_gateway",
            "next_gateway_label", "missing_benchmarks", "assessment_incomplete", "benchmarks_not_rated",
            "indicators_improving_share", "gaps_closing_share", "proof_point", "proof_point_reason"]]
        labels = vocabulary.gateway_labels(self.rubric.gateways)
        for cid, s in sorted(self.scores.items()):
            g, summ = s["gateway"], s["summary"]
            reached_label = vocabulary.gateway_label(g["reached"], labels)
            next_label = vocabulary.gateway_label(g["next"], labels) if g["next"] else vocabulary.ALL_GATEWAYS_REACHED
            basis = summ.get("proof_point_basis") or {}
            rows.append([*map(csv_cell, (cid, s["name"], s["state"], g["reached"], reached_label, g["next"],
                                         next_label)), len(g["missing"]),
                         bool(g.get("incomplete", False)), int(summ.get("not_rated", 0)),
                         "" if summ["indicators_improving_share"] is None else summ["indicators_improving_share"],
                         "" if summ["gaps_closing_share"] is None else summ["gaps_closing_share"],
                         summ["proof_point"], csv_cell(basis.get("reason", ""))])
        return rows
