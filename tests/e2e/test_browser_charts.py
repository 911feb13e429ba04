"""Outcome charts read in a real browser: at 390 px and at 1280 px no chart text is under 9 CSS px.

The charts are SVG images (`<img src="data:image/svg+xml;base64,...">`) scaled to the page column, so a text's
size on screen is its font size in the SVG times the image's rendered width over the SVG's view-box width. The
test computes that from the rendered `<img>` and, to be sure of it, measures the texts themselves: the same SVG
is put inline at the image's rendered width and each `<text>`'s `getBoundingClientRect` is read. The site is the
small run (five communities, built-in renderer); Debian's chromium is driven by Playwright.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.browser_support import require_browser, serve_reports

require_browser()  # skips this module when chromium or Playwright is absent

pytestmark = pytest.mark.browser

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


@pytest.fixture(scope="module")
def site(small_run) -> Iterator[tuple[str, str]]:
    """The small run's year site over HTTP (not conftest.py's 70-member demo) and its first member."""
    with serve_reports(small_run[0].report_dir) as served:
        yield served.year_base, sorted(served.scores)[0]


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
