"""Outcome charts read in a real browser: at 390 px and at 1280 px no chart text is under 9 CSS px.

The charts are SVG images (`<img src="data:image/svg+xml;base64,...">`) scaled to the page column, so a text's
size on screen is its font size in the SVG times the image's rendered width over the SVG's view-box width. The
test computes that from the rendered `<img>` and, to be sure of it, measures the texts themselves: the same SVG
is put inline at the image's rendered width and each `<text>`'s `getBoundingClientRect` is read. The site is the
small run (five communities, built-in renderer); Debian's chromium is driven by Playwright.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found: the browser tests drive Debian's chromium (apt-get install chromium)",
                allow_module_level=True)
playwright_sync = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = pytest.mark.browser
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]

CHART_TEXT_SIZES = """() => [...document.querySelectorAll('figure.chart[id^="outcome-"] img')].map(img => {
  const svg = new DOMParser().parseFromString(atob(img.src.split(',')[1]), 'image/svg+xml').documentElement;
  const viewWidth = parseFloat(svg.getAttribute('viewBox').split(' ')[2]);
  const rendered = img.getBoundingClientRect().width;
  const sizes = [...svg.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('style').match(/font-size: ([\\d.]+)px/)[1]));
  // the same SVG inline at the image's width: the texts' own boxes on screen
  const holder = document.createElement('div');
  holder.style.width = rendered + 'px';
  document.body.appendChild(holder);
  const inline = document.importNode(svg, true);
  inline.setAttribute('width', rendered);
  inline.removeAttribute('height');
  holder.appendChild(inline);
  const heights = [...inline.querySelectorAll('text')].filter(t => t.textContent.trim())
    .map(t => t.getBoundingClientRect().height);
  const fonts = [...inline.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * rendered / viewWidth);
  holder.remove();
  return {id: img.closest('figure').id, rendered, viewWidth, texts: sizes.length,
          smallest: Math.min(...sizes) * rendered / viewWidth, smallestBox: Math.min(...heights),
          smallestComputed: Math.min(...fonts), pageWidth: document.documentElement.clientWidth};
})"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(small_run) -> Iterator[tuple[str, str]]:
    project = small_run[0]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler,
                                                                              directory=str(project.site)))
    thread = threading.Thread(target=server.serve_forever, name="charts-site", daemon=True)
    thread.start()
    member = sorted(p.stem for p in (project.report_dir / "scores").glob("*.json"))[0]
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", member
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


@pytest.mark.parametrize(("width", "least"), [(390, 9.0), (1280, 12.0)])
def test_outcome_chart_text_is_readable_at_phone_and_desktop_widths(browser, site, width, least):
    base, member = site
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        response = page.goto(f"{base}communities/{member}.html")
        assert response is not None and response.status == 200
        charts = page.evaluate(CHART_TEXT_SIZES)
        assert len(charts) >= 5
        for chart in charts:
            assert chart["texts"] > 20, chart
            assert chart["rendered"] <= chart["pageWidth"], chart  # the image fits the column
            assert chart["smallest"] >= least, chart  # from the SVG's font sizes and the image's width
            assert chart["smallestComputed"] >= least - 0.01, chart  # as the browser styles them
            assert chart["smallestBox"] >= least, chart  # and the texts' boxes on screen
        key = page.locator("div.outcome-key")
        assert "panel per comparison family" in key.inner_text()
    finally:
        context.close()
