"""The built-in site in a real browser: Debian chromium driven by Playwright over a local HTTP server.

Playwright never downloads a browser here: it launches /usr/bin/chromium. The site is the full demo
(`demo_site`: 70 communities, built-in renderer), served from 127.0.0.1 on an ephemeral port; nothing else
may be requested. Full-page screenshots land in test-artifacts/screenshots/ (an artifact, not an assertion).
Accessibility is checked with axe-core from node_modules (`npm install` at the repository root).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ci_lib.inputs.rubric import load_rubric
from tests.e2e.browser_support import Served, fetch_file, require_axe, require_browser, serious_axe_violations, tab_at

playwright_sync = require_browser()  # skips this module when chromium or Playwright is absent
expect = playwright_sync.expect

pytestmark = pytest.mark.browser

NAV = ["Overview", "Communities", "Indicators", "Methods", "Downloads"]
CONTENT_TYPES = {".csv": "text/csv", ".json": "application/json"}


def first_community(site: Served) -> str:
    return sorted(site.scores)[0]


# -- 1. home and navigation --------------------------------------------------------------------------------------
def test_home_page_loads_and_every_navbar_link_is_followed_to_a_200(tab, site):
    title = site.manifest.get("title") or f"Assessment {site.manifest['year']}"
    page = tab.open("index.html")
    assert page.title() == f"{title} · {title}"
    expect(page.locator("main h1")).to_have_text(title)
    nav = page.get_by_role("navigation", name="Main")
    assert [label for label in NAV if nav.get_by_role("link", name=label, exact=True).count() == 1] == NAV
    for label in NAV:
        tab.open("index.html")
        with page.expect_navigation() as navigation:
            nav.get_by_role("link", name=label, exact=True).click()
        assert navigation.value.status == 200, label
        expect(page.locator("main h1")).to_have_text(title if label == "Overview" else label)
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_attribute("aria-current", "page")
    assert tab.errors == []


# -- 2. listing search and filters ---------------------------------------------------------------------------------
def unique_fragment(site: Served) -> tuple[str, str]:
    """Part of one community's name found in no other community's searchable text (name, state, id, gateway)."""
    labels = [g["label"] for g in load_rubric(site.manifest["framework"]).gateways] + ["Not yet Exploring"]
    text = {cid: f"{s['name']} {s['state']} {cid}".lower() for cid, s in site.scores.items()}
    for cid, s in sorted(site.scores.items()):
        for word in s["name"].split():
            fragment = word[:5]
            others = [t for other, t in text.items() if other != cid] + [label.lower() for label in labels]
            if len(fragment) >= 3 and not any(fragment.lower() in t for t in others):
                return cid, fragment
    pytest.fail("no community name has a part that is unique to it")


def test_listing_search_and_gateway_filter_narrow_the_list(tab, site):
    scores = site.scores
    page = tab.open("communities.html")
    visible = page.locator("#community-list li:not([hidden])")
    expect(visible).to_have_count(len(scores))

    cid, fragment = unique_fragment(site)
    page.locator("#search").press_sequentially(fragment)
    expect(visible).to_have_count(1)
    expect(visible.get_by_role("link")).to_have_text(scores[cid]["name"])
    expect(visible.get_by_role("link")).to_have_attribute("href", f"communities/{cid}.html")
    expect(page.locator("#count")).to_have_text(f"1 of {len(scores)} communities")
    tab.screenshot("communities-search")
    page.locator("#search").fill("")
    expect(visible).to_have_count(len(scores))

    gateway_of = {cid: s["gateway"]["reached"] or "none" for cid, s in scores.items()}
    options = page.locator("#filter-gateway option").evaluate_all("os => os.map(o => o.value).filter(Boolean)")
    assert set(gateway_of.values()) <= set(options)
    for value in options:
        page.locator("#filter-gateway").select_option(value)
        expected = sorted(scores[c]["name"] for c, g in gateway_of.items() if g == value)
        expect(visible).to_have_count(len(expected))
        assert sorted(visible.get_by_role("link").all_inner_texts()) == expected, value
    page.locator("#filter-gateway").select_option("")

    state = scores[cid]["state"]
    page.locator("#filter-state").select_option(state)
    expected = sorted(s["name"] for s in scores.values() if s["state"] == state)
    expect(visible).to_have_count(len(expected))
    assert sorted(visible.get_by_role("link").all_inner_texts()) == expected
    assert tab.errors == []


# -- 3. figures: alt text and data tables --------------------------------------------------------------------------
def test_community_figures_have_alt_text_and_a_data_table_that_opens(tab, site):
    cid = first_community(site)
    page = tab.open(f"communities/{cid}.html")
    figures = page.locator("figure.chart")
    n_outcomes = len({o["indicator_id"] for o in site.scores[cid]["outcomes"]})
    assert figures.count() >= 1 + n_outcomes  # the pillar matrix and one chart per indicator
    for i in range(figures.count()):
        figure = figures.nth(i)
        img = figure.locator("img")
        expect(img).to_have_count(1)
        alt = img.get_attribute("alt") or ""
        assert len(alt.strip()) > 40, f"figure {figure.get_attribute('id')}: alt {alt!r}"
        assert img.evaluate("i => i.complete && i.naturalWidth > 0"), f"figure {figure.get_attribute('id')}: no image"
        details = figure.locator("details.data-table")
        expect(details).to_have_count(1)
        table = details.locator("table")
        expect(table).to_be_hidden()
        details.locator("summary").click()
        expect(details).to_have_attribute("open", "")
        expect(table).to_be_visible()
        assert table.locator("tbody tr").count() > 0
    assert tab.errors == []


# -- 4. downloads ------------------------------------------------------------------------------------------------
def check_download(page: Any, href: str) -> bytes:
    body = fetch_file(page, href, CONTENT_TYPES)
    if Path(href.split("?")[0]).suffix == ".json":
        json.loads(body)
    return body


def test_download_links_return_the_files(tab, site):
    cid = first_community(site)
    page = tab.open(f"communities/{cid}.html")
    links = page.locator("ul.downloads a")
    hrefs = links.evaluate_all("as => as.map(a => a.href)")
    assert any(h.endswith(f"data/{cid}-outcomes.csv") for h in hrefs) and any(
        h.endswith(f"scores/{cid}.json") for h in hrefs), hrefs
    for href in hrefs:
        body = check_download(page, href)
        if href.endswith(".csv"):
            assert body.decode().splitlines()[0].split(",")[:2] == ["community_id", "indicator_id"]
        else:
            assert json.loads(body)["community_id"] == cid

    page = tab.open("downloads.html")
    hrefs = page.locator("main a").evaluate_all("as => as.map(a => a.href)")
    assert len(hrefs) == 5 + 2 * len(site.scores), hrefs  # (the network files: tests/e2e/test_browser_downloads.py)
    for href in hrefs:
        body = check_download(page, href)
        if href.endswith("downloads/scores.csv"):
            assert len(body.decode().strip().splitlines()) == 1 + len(site.scores)
        if href.endswith("manifest.json"):
            assert json.loads(body)["data_sha256"] == site.manifest["data_sha256"]
    tab.screenshot("downloads")
    assert tab.errors == []


# -- 5. console errors and failed requests; 7. screenshots ---------------------------------------------------------
def test_no_console_errors_or_failed_requests(tab, site):
    cid = first_community(site)
    for path, name in [("index.html", "home"), ("communities.html", "communities"), ("methods.html", "methods"),
                       (f"communities/{cid}.html", f"community-{cid}")]:
        tab.open(path)
        tab.screenshot(name)
        assert tab.errors == [], path


def test_pages_reflow_at_phone_width(browser, site):
    """At 375 px nothing widens the page: wide tables scroll inside their own region."""
    with tab_at(browser, site, 375, 800) as tab:
        for path in ["index.html", "communities.html", "methods.html", f"communities/{first_community(site)}.html"]:
            page = tab.open(path)
            page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
            width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert width[0] <= width[1], (path, width)
        tab.screenshot(f"community-{first_community(site)}-phone")
        assert tab.errors == []


WORDS_SPLIT_ACROSS_LINES = """() => {
  const split = [];
  for (const cell of document.querySelectorAll('table.benchmarks td:last-child')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/(?<!\\S)\\S{2,24}(?!\\S)/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) split.push(m[0]);
      }
    }
  }
  return split;
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_evidence_text_wraps_between_words(browser, site, width):
    """Evidence reads as words: no word of ordinary length is broken across two lines ("signed c / ommitment")."""
    with tab_at(browser, site, width, 900) as tab:
        page = tab.open(f"communities/{first_community(site)}.html")
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        assert page.locator("table.benchmarks td").count() > 0
        assert page.evaluate(WORDS_SPLIT_ACROSS_LINES) == []
        assert tab.errors == []


# -- 6. axe-core -------------------------------------------------------------------------------------------------
AXE_PAGES = ["index.html", "communities.html", "methods.html", "downloads.html", "COMMUNITY"]


@pytest.mark.parametrize("path", AXE_PAGES)
def test_axe_finds_no_serious_or_critical_violations(tab, site, path):
    require_axe()
    if path == "COMMUNITY":
        path = f"communities/{first_community(site)}.html"
    page = tab.open(path)
    # Check the collapsed data tables too, not only what is visible on arrival.
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    bad = serious_axe_violations(page)
    assert bad == [], f"{path}:\n" + "\n".join(bad)
    assert tab.errors == []
