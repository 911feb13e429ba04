"""A community page printed by Chromium (#20 item 8): `page.pdf` at A4 and Letter gives at most two pages, and the
print media shows the profile (summary card, gateway matrix, outcome charts and table, gaps) without the site's
chrome, toggles, data tables behind charts and long tables. The site is the 70-member demo (`demo_site`); the
pages printed are the first community and the one with the longest profile (most gaps, most indicators).

Pages are counted from the PDF's page objects (`/Type /Page`; Chromium's PDFs keep them uncompressed), texts are
checked in the print-media DOM (pypdf is not a dependency of the kit).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from ci_lib import vocabulary
from ci_lib.inputs.rubric import load_rubric
from tests.e2e.browser_support import Served, most_gaps, require_browser, tab_at

expect = require_browser().expect  # skips this module when chromium or Playwright is absent

pytestmark = pytest.mark.browser

PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def printed(site: Served) -> list[str]:
    return sorted({sorted(site.scores)[0], most_gaps(site.scores)})


def page_count(pdf: bytes) -> int:
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    return len(PAGE_OBJECT.findall(pdf))


# #20 item 8 is not met yet: with the small-multiple charts printed legibly (~6 pt text), the demo's pages print on
# 2-4 pages (70 pages: max 4 at A4 and at Letter). Strict: it fails the day a page fits, so the mark comes off.
@pytest.mark.xfail(strict=True, reason="#20 item 8: community pages with 7-8 indicators print on 3-4 pages, not 2")
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
            # condensed on paper to the widening gaps (the others are counted in the summary card, all online)
            published = [d for d in scores["disparities"] if not d["suppressed"]]
            assert shown(page, "table.disparities tbody tr") == sum(d["gap_trend"] == "widening" for d in published)
            assert page.locator("table.disparities tbody tr").count() == len(published)  # the rest only hidden
            caption = page.locator("table.disparities caption").evaluate("c => getComputedStyle(c, '::after').content")
            assert "widening gaps only" in caption and "online" in caption, caption
            expect(gaps.locator("thead")).to_contain_text("group")
            # the outcome charts print their family panels at a legible size: the SVG's 11.5-pt text at >= 5.5 pt
            # on A4 paper (CSS px at 96/in: this 794-px viewport is the A4 sheet, its text width ~ 188 mm)
            sizes = page.locator("figure.chart[id^='outcome-'] img").evaluate_all(
                "is => is.map(i => i.getBoundingClientRect().width / i.naturalWidth)")
            assert sizes and min(sizes) * 11.5 * (188 / 210) >= 5.5, sizes

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
