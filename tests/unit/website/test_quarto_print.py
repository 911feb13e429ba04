"""The two-page print profile (#20 item 8) on the Quarto build, tested structurally (no Quarto here): its theme
carries the print rules the browser tests check on the built-in site (tests/e2e/test_browser_print.py), its
inline page script marks the printed gaps, and its community notebooks keep the markup those rules select: the
outcome charts side by side in one raw HTML output (the print grid's items), each with its print view, and the
gaps table with the columns tables.js reads."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from ci_lib.website.content import YearContent
from ci_lib.website.quarto import SCRIPTS_FILE, stage_sources, theme_scss, write_project
from tests.paths import REPO_ROOT

ASSETS = REPO_ROOT / "ci_lib" / "website" / "assets"
RAW_HTML = re.compile(r"^(`{3,})\{=html\}\n(.*)\n\1\n?$", re.S)


def print_block(css: str) -> str:
    """The shared print block: from its `@media print {` to its closing brace (the first at a line's start)."""
    start = css.index("@media print {\n  /* 5 mm")
    return css[start:css.index("\n}\n", start) + 3]


def test_the_quarto_theme_prints_the_compact_profile():
    theme = theme_scss()
    block = print_block(theme)
    assert theme.index("/*-- scss:rules --*/") < theme.index(block)  # compiled as rules, after Bootstrap's
    for rule in ["@page { margin: 8mm 5mm; }",  # the width three charts to a row need for 5-pt text on A4
                 ':has(> figure.chart[id^="outcome-"]:nth-of-type(5)) { grid-template-columns: repeat(3, minmax(0, 1fr)); }',
                 'figure.chart[style*="--print-view"] img { object-view-box: var(--print-view); }',
                 'table.disparities[data-printed] tbody tr:not([data-print="keep"]) { display: none; }',
                 "attr(data-print-note)", ".summary-card { float: left;", "break-inside: avoid"]:
        assert rule in block, rule
    assert block.count("{") == block.count("}")  # balanced: every rule inside the media block


class Tops(HTMLParser):
    """The top-level elements of an HTML fragment: (tag, attributes)."""

    VOID = {"img", "br", "hr", "meta", "link", "input", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.tops = 0, []

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            self.tops.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag not in self.VOID:
            self.depth -= 1


def raw_outputs(notebook: dict) -> list[str]:
    """Each output's HTML: the raw block of the Quarto copy's Markdown outputs."""
    found = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/markdown")
            if text:
                match = RAW_HTML.match("".join(text) if isinstance(text, list) else text)
                assert match, "an HTML output is not a raw HTML block"
                found.append(match[2])
    return found


def test_quarto_community_pages_keep_what_the_print_rules_select(copy_small_run):
    rd = copy_small_run.report_dir
    content = YearContent.load(rd)
    write_project(content)
    stage_sources(content)
    scripts = (rd / "_quarto" / SCRIPTS_FILE).read_text()
    assert "function markPrintedGaps" in scripts and "dataset.printNote" in scripts and "location.href" in scripts
    for cid, scores in content.scores.items():
        outputs = raw_outputs(json.loads((rd / "_quarto" / "communities" / f"{cid}.ipynb").read_text()))
        with_charts = [html for html in outputs if 'id="outcome-' in html]
        assert len(with_charts) == 1, cid  # all the outcome charts in one output: one grid
        parser = Tops()
        parser.feed(with_charts[0])
        charts = [a for tag, a in parser.tops if tag == "figure" and a.get("id", "").startswith("outcome-")]
        indicators = {o["indicator_id"] for o in scores["outcomes"]}
        assert {a["id"] for a in charts} == {f"outcome-{i}" for i in indicators}, cid  # siblings, at top level
        assert all(re.fullmatch(r"--print-view: inset\([\d.]+% 0 [\d.]+% 0\)", a.get("style", "")) for a in charts), cid
        if any(not d["suppressed"] for d in scores["disparities"]):
            gaps = next(html for html in outputs if 'class="data disparities"' in html)
            head = gaps[gaps.index("<thead>"):gaps.index("</thead>")]
            assert "<caption>" in gaps and "gap latest (pp)" in head and "gap trend" in head, cid
