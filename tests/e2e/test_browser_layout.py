"""Mobile layout of the built-in site in a real browser (#20 item 7): no page scrolls sideways at 390 or 1280 px,
a table wider than its region says so (a "Scroll sideways" hint and an edge shadow) and a table that fits does
not, and a community page opens on its summary card. The site is the 70-member demo (`demo_site`)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser_support import Served, most_gaps, require_browser, tab_at

expect = require_browser().expect  # skips this module when chromium or Playwright is absent

pytestmark = pytest.mark.browser


def every_page_type(site: Served) -> dict[str, str]:
    first = sorted(site.scores)[0]
    year = site.year_base
    return {"archive": site.base + "index.html", "home": year + "index.html", "listing": year + "communities.html",
            "community": year + f"communities/{first}.html", "longest community": year + f"communities/{most_gaps(site.scores)}.html",
            "methods": year + "methods.html", "downloads": year + "downloads.html"}


PAGE_WIDTH = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
OPEN_ALL_DETAILS = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"


@pytest.mark.parametrize("width", [390, 1280])
def test_no_page_scrolls_sideways(browser, site, width):
    """Every page type, with every data table opened: the page is never wider than the window."""
    with tab_at(browser, site, width) as tab:
        for kind, url in every_page_type(site).items():
            page = tab.open(url)
            page.evaluate(OPEN_ALL_DETAILS)
            page.wait_for_timeout(50)
            scroll_width, client_width = page.evaluate(PAGE_WIDTH)
            assert scroll_width <= client_width, f"{kind} at {width} px: page {scroll_width} px wide in a {client_width} px window"
        assert tab.errors == []


CUE = """table => {
  const frame = table.closest('.table-frame');
  const scroller = table.closest('.table-scroll');
  const hint = frame && frame.previousElementSibling;
  const after = frame && getComputedStyle(frame, '::after');
  const before = frame && getComputedStyle(frame, '::before');
  return {framed: !!frame && !!scroller && scroller.getAttribute('role') === 'region' && scroller.tabIndex === 0,
          overflows: scroller.scrollWidth > scroller.clientWidth,
          hint: hint && hint.classList.contains('scroll-hint') ? hint.textContent.trim() : null,
          hintShown: !!hint && hint.checkVisibility(),
          rightShadow: after ? Number(after.opacity) : 0, leftShadow: before ? Number(before.opacity) : 0};
}"""


def cue(locator: Any) -> dict[str, Any]:
    return locator.evaluate(CUE)


def test_a_wide_table_shows_that_it_scrolls_and_a_narrow_one_does_not(browser, site):
    cid = sorted(site.scores)[0]
    with tab_at(browser, site, 390) as tab:
        page = tab.open(site.year_base + f"communities/{cid}.html")
        wide = page.locator("table.benchmarks")
        page.wait_for_timeout(250)  # the shadows fade in
        seen = cue(wide)
        assert seen["framed"] and seen["overflows"], seen
        assert seen["hintShown"] and seen["hint"].startswith("Scroll sideways"), seen
        assert seen["rightShadow"] == 1 and seen["leftShadow"] == 0, seen  # more columns to the right only
        wide.evaluate("t => { const s = t.closest('.table-scroll'); s.scrollLeft = s.scrollWidth; }")
        page.wait_for_timeout(250)
        seen = cue(wide)
        assert seen["leftShadow"] == 1 and seen["rightShadow"] == 0, seen  # scrolled to the end: columns to the left

        # a data table behind a chart: hidden while closed, its cue appears when it is opened
        details = page.locator("figure.chart details.data-table").first
        assert not cue(details.locator("table"))["hintShown"]
        details.locator("summary").click()
        page.wait_for_timeout(100)
        assert cue(details.locator("table"))["hintShown"]

        # the same page in a desktop window: the all-students table fits, so no hint and no shadow
        page.set_viewport_size({"width": 1280, "height": 800})
        page.wait_for_timeout(250)
        fits = cue(page.locator("table.outcomes"))
        assert fits["framed"] and not fits["overflows"] and not fits["hintShown"] and fits["rightShadow"] == 0, fits

        archive = tab.open(site.base + "index.html")  # a narrow table at phone width
        page.set_viewport_size({"width": 390, "height": 800})
        narrow = cue(archive.locator("table.archive"))
        assert narrow["framed"] and not narrow["overflows"] and not narrow["hintShown"], narrow
        assert tab.errors == []


SECTION_TOPS = """() => {
  const top = e => e.getBoundingClientRect().top + window.scrollY;
  const shown = [...document.querySelectorAll('main h2, main figure, main table, main .summary-card, main .legend')]
    .filter(e => e.getClientRects().length > 0);
  return shown.map(e => [e.matches('.summary-card') ? 'summary-card' : e.tagName.toLowerCase(), top(e)]);
}"""


def test_community_page_opens_on_its_summary_card_at_phone_width(browser, site):
    cid = most_gaps(site.scores)
    with tab_at(browser, site, 390, 844) as tab:
        page = tab.open(site.year_base + f"communities/{cid}.html")
        tops = page.evaluate(SECTION_TOPS)
        assert tops[0][0] == "summary-card" and all(t > tops[0][1] for _, t in tops[1:]), tops
        card = page.locator(".summary-card")
        expect(card).to_contain_text("Gateway reached")
        box = card.bounding_box()
        h1 = page.locator("main h1").bounding_box()
        assert box is not None and h1 is not None and box["y"] < 844 and box["y"] - (h1["y"] + h1["height"]) < 40, (box, h1)
        assert tab.errors == []
