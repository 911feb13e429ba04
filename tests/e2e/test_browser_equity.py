"""The equity view in a real browser (#20 item 2): the home page's "Equity across the network" section, a
widened gap's link to its community page (where each gap sits next to the network median), and axe-core on the
home page. Fixtures from tests/e2e/conftest.py (the 70-member demo site, Debian chromium, a local server).
"""

from __future__ import annotations

import pytest

from tests.e2e.browser_support import require_axe, require_browser, serious_axe_violations

expect = require_browser().expect  # skips this module when chromium or Playwright is absent

pytestmark = pytest.mark.browser


def test_the_home_page_shows_equity_across_the_network_and_a_widened_gap_leads_to_its_community(tab, site):
    page = tab.open("index.html")
    heading = page.get_by_role("heading", name="Equity across the network")
    expect(heading).to_have_count(1)
    headings = page.locator("main h2").all_inner_texts()
    assert [h.strip("¶ ") for h in headings].index("Equity across the network") == 0  # first after the headline
    shares = page.locator("table.equity-shares")
    expect(shares).to_be_visible()
    assert shares.locator("tbody tr").count() >= 5  # a row per family and per group
    expect(page.get_by_role("heading", name="Gaps that widened")).to_have_count(1)
    link = page.locator("table.widened a").first
    href = link.get_attribute("href") or ""
    cid = href.removeprefix("communities/").removesuffix(".html")
    assert cid in site.scores, href
    expect(link).to_have_text(site.scores[cid]["name"])
    with page.expect_navigation() as navigation:
        link.click()
    assert navigation.value.status == 200
    disparities = page.locator("table.disparities")
    expect(disparities.locator("thead th", has_text="network median (pp)")).to_have_count(1)
    expect(page.locator("p.network-median")).to_contain_text("Network median")
    assert tab.errors == []


def test_axe_finds_no_serious_or_critical_violations_on_the_home_page(tab, site):
    require_axe()
    page = tab.open("index.html")
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    bad = serious_axe_violations(page)
    assert bad == [], "\n".join(bad)
    assert tab.errors == []
