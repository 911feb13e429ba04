"""The equity view in a real browser (#20 item 2): the home page's "Equity across the network" section, a
widened gap's link to its community page (where each gap sits next to the network median), and axe-core on the
home page. Fixtures as in tests/e2e/test_browser.py (the 70-member demo site, Debian chromium, a local server).
"""

# ruff: noqa: F811 - the fixtures imported from test_browser are taken by name as the tests' arguments
from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_browser import AXE, REPO, browser, expect, site, tab  # noqa: F401 - fixtures, used by name

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
    assert cid in site["scores"], href
    expect(link).to_have_text(site["scores"][cid]["name"])
    with page.expect_navigation() as navigation:
        link.click()
    assert navigation.value.status == 200
    disparities = page.locator("table.disparities")
    expect(disparities.locator("thead th", has_text="network median (pp)")).to_have_count(1)
    expect(page.locator("p.network-median")).to_contain_text("Network median")
    assert tab.errors == []


def test_axe_finds_no_serious_or_critical_violations_on_the_home_page(tab, site):
    if not AXE.exists():
        pytest.skip(f"{AXE.relative_to(REPO)} missing: run `npm install` (or `npm ci`) at the repository root")
    page = tab.open("index.html")
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
           for v in result["violations"] if v["impact"] in {"serious", "critical"}]
    assert bad == [], "\n".join(bad)
    assert tab.errors == []
