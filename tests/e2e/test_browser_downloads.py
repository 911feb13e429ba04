"""#20 item 5 in a real browser: every link of the Downloads page and of a community page's downloads returns
200 with its file, and the network workbook opens with openpyxl. Fixtures from tests/e2e/conftest.py."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from ci_lib import vocabulary
from ci_lib.execute.published import OUTCOME_COLUMNS
from tests.e2e.browser_support import fetch_file, require_browser, tab_at

require_browser()  # skips this module when chromium or Playwright is absent

pytestmark = pytest.mark.browser

CONTENT_TYPES = {".csv": "text/csv", ".json": "application/json",
                 ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@pytest.fixture()
def page(browser, site) -> Iterator[Any]:
    """A bare desktop-width page (1280 x 900) in a fresh context: these tests check files, not console errors."""
    with tab_at(browser, site, 1280, 900) as tab:
        yield tab.page


def fetch(page: Any, href: str) -> bytes:
    return fetch_file(page, href, CONTENT_TYPES)


def open_workbook(body: bytes) -> dict[str, list[tuple]]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    try:
        return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    finally:
        book.close()


def test_every_download_on_the_downloads_page_returns_its_file_and_the_workbook_opens(page, site):
    assert page.goto(site.year_base + "downloads.html").status == 200
    hrefs = page.locator("main a").evaluate_all("as => as.map(a => a.href)")
    network = [h for h in hrefs if "/downloads/" in h]
    assert sorted(h.rsplit("/", 1)[1] for h in network) == sorted(
        ["scores.csv", "outcomes.csv", "gaps.csv", f"assessment-{site.year}.xlsx"])
    members = len(site.scores)
    bodies = {h.rsplit("/", 1)[1]: fetch(page, h) for h in hrefs}
    outcomes = bodies["outcomes.csv"].decode().splitlines()
    assert outcomes[0].split(",") == OUTCOME_COLUMNS
    per_member = sum(len(bodies[f"{cid}-outcomes.csv"].decode().splitlines()) - 1 for cid in site.scores)
    assert len(outcomes) - 1 == per_member
    sheets = open_workbook(bodies[f"assessment-{site.year}.xlsx"])
    assert list(sheets) == ["README", "scores", "outcomes", "gaps", "benchmarks"]
    assert len(sheets["scores"]) == 1 + members and len(sheets["outcomes"]) == len(outcomes)
    readme = dict(sheets["README"][1:])
    assert readme["mark S"] == vocabulary.MARK_WORDS["suppressed"]
    assert page.locator("main").get_by_text(vocabulary.MARK_WORDS["suppressed_by_source"]).count() >= 1


def test_a_community_page_links_its_files_and_the_network_files(page, site):
    cid = sorted(site.scores)[0]
    assert page.goto(site.year_base + f"communities/{cid}.html").status == 200
    hrefs = page.locator("main a[download]").evaluate_all("as => as.map(a => a.href)")
    names = {h.rsplit("/", 1)[1] for h in hrefs}
    assert {f"{cid}-outcomes.csv", f"{cid}.json", "outcomes.csv", "gaps.csv", "scores.csv",
            f"assessment-{site.year}.xlsx"} <= names
    for href in hrefs:
        body = fetch(page, href)
        if href.endswith(f"{cid}-outcomes.csv"):
            rows = body.decode().splitlines()
            assert rows[0].split(",") == OUTCOME_COLUMNS and all(r.startswith(f"{cid},") for r in rows[1:])
        if href.endswith(".xlsx"):
            assert "outcomes" in open_workbook(body)
    legend = page.locator("p.marks-legend:visible").first  # (each chart's data table has one too, collapsed)
    assert legend.is_visible() and legend.inner_text().startswith("Marks:")
