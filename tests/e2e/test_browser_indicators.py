"""The network's indicator pages in a real browser (#20 item 3): sorting, links to and from community pages,
axe-core, and no sideways scroll on a phone. Debian chromium driven by Playwright over a local HTTP server,
on the 70-member demo site (`demo_site`); the fixtures are in tests/e2e/conftest.py.
"""

from __future__ import annotations

import pytest

from tests.e2e.browser_support import Served, require_axe, require_browser, serious_axe_violations, tab_at

playwright_sync = require_browser()  # skips this module when chromium or Playwright is absent
expect = playwright_sync.expect

pytestmark = pytest.mark.browser


INDICATOR = "hs_graduation"  # a network outcome every demo member reports (higher is better)

VALUES = "() => [...document.querySelectorAll('table.indicator-members tbody tr')].map(r => r.dataset.community)"


def latest(site: Served, cid: str) -> float | None:
    row = next(o for o in site.scores[cid]["outcomes"] if o["indicator_id"] == INDICATOR and o["group"] == "all")
    return row["latest"]


def test_sort_buttons_reorder_the_rows_and_say_so(tab, site):
    page = tab.open(f"indicators/{INDICATOR}.html")
    head = page.locator("table.indicator-members thead th")
    value = page.get_by_role("button", name="Latest value")
    expect(head.filter(has=value)).to_have_attribute("aria-sort", "descending")
    members = page.evaluate(VALUES)
    assert set(members) == set(site.scores)
    numbers = [latest(site, c) for c in members]
    shown = [v for v in numbers if v is not None]
    assert shown == sorted(shown, reverse=True) and numbers[:len(shown)] == shown  # best first, blanks last

    value.click()
    expect(head.filter(has=value)).to_have_attribute("aria-sort", "ascending")
    ascending = [latest(site, c) for c in page.evaluate(VALUES)]
    assert [v for v in ascending if v is not None] == sorted(shown) and ascending[len(shown):] == numbers[len(shown):]
    expect(page.locator(".sort-status")).to_have_text("Sorted by latest value, ascending.")

    name = page.get_by_role("button", name="Community")
    name.click()
    expect(head.filter(has=name)).to_have_attribute("aria-sort", "ascending")
    assert head.filter(has=value).get_attribute("aria-sort") is None  # one sorted column at a time
    names = [site.scores[c]["name"].lower() for c in page.evaluate(VALUES)]
    assert names == page.evaluate("names => [...names].sort((a, b) => a.localeCompare(b))", names)
    page.get_by_role("button", name="Trend").click()
    ranks = page.locator("table.indicator-members tbody tr td:nth-of-type(4)").evaluate_all(
        "cells => cells.map(c => c.dataset.sortValue)")
    assert ranks == sorted(ranks, key=lambda r: (r == "", r))  # declining, flat, improving; no trend last
    tab.screenshot(f"indicator-{INDICATOR}-sorted")
    assert tab.errors == []


def test_rows_link_to_community_pages_which_link_back(tab, site):
    page = tab.open(f"indicators/{INDICATOR}.html")
    first = page.locator("table.indicator-members tbody tr").first
    cid = first.get_attribute("data-community")
    with page.expect_navigation() as navigation:
        first.get_by_role("link").click()
    assert navigation.value.status == 200 and page.url.endswith(f"/communities/{cid}.html")
    expect(page.locator("main h1")).to_have_text(site.scores[cid]["name"])
    back = page.locator("p.indicator-links").get_by_role("link", name="High school graduation", exact=True)
    with page.expect_navigation() as navigation:
        back.click()
    assert navigation.value.status == 200 and page.url.endswith(f"/indicators/{INDICATOR}.html")
    page.get_by_role("link", name="All indicators").click()
    expect(page.locator("main h1")).to_have_text("Indicators")
    assert page.locator("table.indicators tbody tr").count() >= 7
    assert tab.errors == []


@pytest.mark.parametrize("path", ["indicators.html", f"indicators/{INDICATOR}.html"])
def test_axe_finds_no_serious_or_critical_violations(tab, path):
    require_axe()
    page = tab.open(path)
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    if page.get_by_role("button", name="Trend").count():
        page.get_by_role("button", name="Trend").click()  # the page as a sorted table leaves it too
    bad = serious_axe_violations(page)
    assert bad == [], f"{path}:\n" + "\n".join(bad)
    assert tab.errors == []


@pytest.mark.parametrize("width", [390, 1280])
def test_no_sideways_scroll(browser, site, width):
    with tab_at(browser, site, width, 900) as tab:
        for path in ["indicators.html", f"indicators/{INDICATOR}.html"]:
            page = tab.open(path)
            page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
            scroll, client = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert scroll <= client, (path, width, scroll, client)
            image = page.locator("figure.chart img")
            if image.count():
                box = image.bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= client
        tab.screenshot(f"indicator-{INDICATOR}-{width}")
        assert tab.errors == []
