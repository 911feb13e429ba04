"""The network's indicator pages in a real browser (#20 item 3): sorting, links to and from community pages,
axe-core, and no sideways scroll on a phone. Debian chromium driven by Playwright over a local HTTP server,
on the 70-member demo site (`demo_site`); the fixtures are those of test_browser.py.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.paths import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found: the browser tests drive Debian's chromium (apt-get install chromium)",
                allow_module_level=True)
playwright_sync = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser

AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(demo_site) -> Iterator[dict[str, Any]]:
    """The demo site over HTTP, with the members' scores to compare the pages with."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler,
                                                                              directory=str(demo_site.site)))
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    scores = {p.stem: json.loads(p.read_text()) for p in sorted((demo_site.report_dir / "scores").glob("*.json"))}
    try:
        yield {"base": f"http://127.0.0.1:{server.server_address[1]}/", "scores": scores}
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_sync.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Tab:
    """A page in a fresh browser context, recording every console error and failed or foreign request."""

    page: Any
    base: str
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.set_default_timeout(10_000)
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught exception: {e}"))
        self.page.on("response", lambda r: self.errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        self.page.on("request", lambda r: None if r.url.startswith((self.base, "data:"))
                     else self.errors.append(f"external request: {r.url}"))

    def open(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        return self.page

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def new_tab(browser: Any, site: dict[str, Any], width: int) -> tuple[Any, Tab]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    return context, Tab(context.new_page(), site["base"])


@pytest.fixture()
def tab(browser, site) -> Iterator[Tab]:
    context, tab = new_tab(browser, site, 1280)
    try:
        yield tab
    finally:
        context.close()


INDICATOR = "hs_graduation"  # a network outcome every demo member reports (higher is better)

VALUES = "() => [...document.querySelectorAll('table.indicator-members tbody tr')].map(r => r.dataset.community)"


def latest(site: dict[str, Any], cid: str) -> float | None:
    row = next(o for o in site["scores"][cid]["outcomes"] if o["indicator_id"] == INDICATOR and o["group"] == "all")
    return row["latest"]


def test_sort_buttons_reorder_the_rows_and_say_so(tab, site):
    page = tab.open(f"indicators/{INDICATOR}.html")
    head = page.locator("table.indicator-members thead th")
    value = page.get_by_role("button", name="Latest value")
    expect(head.filter(has=value)).to_have_attribute("aria-sort", "descending")
    members = page.evaluate(VALUES)
    assert set(members) == set(site["scores"])
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
    names = [site["scores"][c]["name"].lower() for c in page.evaluate(VALUES)]
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
    expect(page.locator("main h1")).to_have_text(site["scores"][cid]["name"])
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
    if not AXE.exists():
        pytest.skip(f"{AXE.relative_to(REPO_ROOT)} missing: run `npm install` (or `npm ci`) at the repository root")
    page = tab.open(path)
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    if page.get_by_role("button", name="Trend").count():
        page.get_by_role("button", name="Trend").click()  # the page as a sorted table leaves it too
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
           for v in result["violations"] if v["impact"] in {"serious", "critical"}]
    assert bad == [], f"{path}:\n" + "\n".join(bad)
    assert tab.errors == []


@pytest.mark.parametrize("width", [390, 1280])
def test_no_sideways_scroll(browser, site, width):
    context, tab = new_tab(browser, site, width)
    try:
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
    finally:
        context.close()
