"""A community page printed by Chromium (#20 item 8): `page.pdf` at A4 and Letter gives at most two pages, and the
print media shows the profile (summary card, gateway matrix, outcome charts and table, gaps) without the site's
chrome, toggles, data tables behind charts and long tables. The site is the 70-member demo (`demo_site`); the
pages printed are the first community and the one with the longest profile (most gaps, most indicators).

Pages are counted from the PDF's page objects (`/Type /Page`; Chromium's PDFs keep them uncompressed), texts are
checked in the print-media DOM (pypdf is not a dependency of the kit).
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from ci_lib import vocabulary
from ci_lib.inputs.rubric import load_rubric
from tests.e2e.browser_support import Served, most_gaps, require_browser, tab_at
from tests.paths import REPO_ROOT

expect = require_browser().expect  # skips this module when chromium or Playwright is absent

pytestmark = pytest.mark.browser

PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
SITE_CSS = REPO_ROOT / "ci_lib" / "website" / "assets" / "site.css"
A4_WIDTH_MM, CHART_TEXT_PT = 210.0, 11.5
PRINTED_GAPS = 12  # tables.js: the printed gaps table keeps this many rows at most


def printed(site: Served) -> list[str]:
    return sorted({sorted(site.scores)[0], most_gaps(site.scores)})


def page_count(pdf: bytes) -> int:
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    return len(PAGE_OBJECT.findall(pdf))


def a4_text_width_mm() -> float:
    """The width the print stylesheet leaves on an A4 sheet: 210 mm less its `@page` side margins."""
    css = SITE_CSS.read_text()
    margins = re.search(r"@page \{ margin: ([\d.]+)mm ([\d.]+)mm; \}", css[css.index("@media print"):])
    assert margins, "site.css: the print block's @page margin (vertical mm, horizontal mm) is not found"
    return A4_WIDTH_MM - 2 * float(margins[2])


# an outcome chart image's scale on paper: its width over the width of the part of the SVG it shows (the print
# view crops it with `object-view-box: inset(top right bottom left)`)
CHART_SCALES = """is => is.filter(i => i.getClientRects().length > 0).map(i => {
  const m = /inset\\(([-\\d.]+)%? ([-\\d.]+)%? ([-\\d.]+)%? ([-\\d.]+)%?\\)/.exec(getComputedStyle(i).objectViewBox || "");
  const shown = m ? 1 - (parseFloat(m[2]) + parseFloat(m[4])) / 100 : 1;
  return i.getBoundingClientRect().width / (i.naturalWidth * shown); })"""


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_a_community_page_prints_on_at_most_two_pages(browser, site, paper):
    with tab_at(browser, site, 1280, 900) as tab:
        for cid in printed(site):
            page = tab.open(site.year_base + f"communities/{cid}.html")
            # the screen page is long: many pages if nothing were left out or condensed on paper
            assert page.evaluate("document.documentElement.scrollHeight") > 4 * 1100
            count = page_count(page.pdf(format=paper))
            assert 1 <= count <= 2, f"{cid}: {count} {paper} pages"
        assert tab.errors == []


VISIBLE = "els => els.filter(e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden').length"


def shown(page: Any, selector: str) -> int:
    return page.locator(selector).evaluate_all(VISIBLE)


def test_print_media_shows_the_profile_and_leaves_out_the_rest(browser, site):
    rubric_labels = vocabulary.gateway_labels(load_rubric(site.manifest["framework"]).gateways)
    with tab_at(browser, site, 794, 1123) as tab:
        for cid in printed(site):
            scores = site.scores[cid]
            tab.page.emulate_media(media="screen")
            page = tab.open(site.year_base + f"communities/{cid}.html")
            page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")  # opened ones too
            assert shown(page, "table.benchmarks") == 1 and shown(page, "header.site") == 1  # on screen
            page.emulate_media(media="print")

            expect(page.locator("main h1")).to_have_text(scores["name"])
            card = page.locator(".summary-card")
            expect(card).to_be_visible()
            reached = vocabulary.gateway_label(scores["gateway"]["reached"], rubric_labels)
            expect(card.locator(".gateway")).to_contain_text(f"Gateway reached: {reached}")
            expect(page.locator("figure#pillar-matrix img")).to_be_visible()
            charts = len({o["indicator_id"] for o in scores["outcomes"]})
            assert shown(page, "figure.chart[id^='outcome-'] img") >= charts, cid
            outcomes = page.locator("table.outcomes")
            expect(outcomes).to_be_visible()
            an_indicator = outcomes.locator("tbody th").first.inner_text()
            assert an_indicator and an_indicator in page.locator("main").inner_text()
            gaps = page.locator("table.disparities")
            expect(gaps).to_be_visible()
            # condensed on paper to the most important gaps: the widening ones, largest first, then the largest
            # others (the rest are counted in the summary card and all are online, at the printed address)
            published = [d for d in scores["disparities"] if not d["suppressed"]]
            widening = sum(d["gap_trend"] == "widening" for d in published)
            rows = page.locator("table.disparities tbody tr").evaluate_all(
                "rs => rs.map(r => [r.getClientRects().length > 0, r.dataset.gapTrend,"
                " parseFloat(r.querySelector('[data-col=\"gap-latest-pp\"]').textContent)])")
            assert len(rows) == len(published)  # the rest only hidden
            printed_rows = [(trend, gap) for visible, trend, gap in rows if visible]
            assert len(printed_rows) == min(PRINTED_GAPS, len(published)), cid
            assert sum(trend == "widening" for trend, _ in printed_rows) == min(PRINTED_GAPS, widening), cid
            others = [gap for trend, gap in printed_rows if trend != "widening" and gap == gap]
            left = [gap for visible, trend, gap in rows if not visible and trend != "widening" and gap == gap]
            assert not others or not left or min(others) >= max(left), (others, left)
            note = page.locator("table.disparities caption").evaluate("c => getComputedStyle(c, '::after').content")
            url = page.url.split("#")[0]
            assert f"printed: {len(printed_rows)} of {len(published)} gaps" in note, note
            assert f"the full table: {url}" in note, note
            expect(gaps.locator("thead")).to_contain_text("group")
            # the outcome charts print their family panels at a legible size: the SVG's 11.5-pt text at >= 5 pt on
            # A4 paper, three charts to a row (this 794-px viewport is the A4 sheet's width, laid out as its text
            # width: 210 mm less the @page side margins)
            scales = page.locator("figure.chart[id^='outcome-'] img").evaluate_all(CHART_SCALES)
            assert len(scales) == charts, cid
            assert min(scales) * CHART_TEXT_PT * a4_text_width_mm() / A4_WIDTH_MM >= 5.0, scales
            # three to a row: a page with more than four charts prints them on ceil(n / 3) rows
            tops = page.locator("figure.chart[id^='outcome-']").evaluate_all(
                "fs => fs.map(f => Math.round(f.getBoundingClientRect().top))")
            assert len(set(tops)) == math.ceil(charts / (3 if charts > 4 else 2)), tops

            for left_out in ["header.site", "footer.site", "nav.years", ".skip", "details.data-table", "table.benchmarks",
                             "ul.data-notes", "ul.downloads", ".earlier-years", ".scroll-hint", "a.anchor-link"]:
                assert shown(page, left_out) == 0, f"{cid}: {left_out} is printed"
            headings = page.locator("main h2").evaluate_all(
                "hs => hs.filter(h => h.getClientRects().length > 0).map(h => h.textContent.replace('\u00b6', '').trim())")
            assert {"Pillars and gateways", "Outcomes", "Disparities"} <= set(headings), headings
            assert not {"Benchmarks", "Data notes", "Earlier years", "Downloads"} & set(headings), headings

            # nothing is cut at the page's edge, and cards and figures are never split across pages
            width = page.evaluate("document.documentElement.clientWidth")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            for selector in [".summary-card", "figure.chart", ".legend"]:
                assert set(page.locator(selector).evaluate_all("es => es.map(e => getComputedStyle(e).breakInside)")) <= {"avoid"}
        assert tab.errors == []
