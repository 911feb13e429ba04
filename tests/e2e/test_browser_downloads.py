"""#20 item 5 in a real browser: every link of the Downloads page and of a community page's downloads returns
200 with its file, and the network workbook opens with openpyxl. Fixtures as in tests/e2e/test_browser.py."""

from __future__ import annotations

import functools
import http.server
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ci_lib import vocabulary
from ci_lib.execute.published import OUTCOME_COLUMNS

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found: the browser tests drive Debian's chromium (apt-get install chromium)",
                allow_module_level=True)
playwright_sync = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = pytest.mark.browser

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
CONTENT_TYPES = {".csv": "text/csv", ".json": "application/json",
                 ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(demo_site) -> Iterator[dict[str, Any]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler,
                                                                              directory=str(demo_site.site)))
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    scores = {p.stem: json.loads(p.read_text()) for p in sorted((demo_site.report_dir / "scores").glob("*.json"))}
    try:
        yield {"base": f"http://127.0.0.1:{server.server_address[1]}/", "scores": scores,
               "year": json.loads((demo_site.report_dir / "manifest.json").read_text())["year"]}
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture()
def page(site) -> Iterator[Any]:
    with playwright_sync.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            context = chromium.new_context(viewport={"width": 1280, "height": 900})
            tab = context.new_page()
            tab.set_default_timeout(10_000)
            yield tab
        finally:
            chromium.close()


def fetch(page: Any, href: str) -> bytes:
    response = page.request.get(href)
    assert response.status == 200, href
    body = response.body()
    assert body, f"{href}: empty body"
    suffix = Path(href.split("?")[0]).suffix
    if suffix in CONTENT_TYPES:
        assert response.headers["content-type"].startswith(CONTENT_TYPES[suffix]), (href, response.headers)
    return body


def open_workbook(body: bytes) -> dict[str, list[tuple]]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    try:
        return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    finally:
        book.close()


def test_every_download_on_the_downloads_page_returns_its_file_and_the_workbook_opens(page, site):
    assert page.goto(site["base"] + "downloads.html").status == 200
    hrefs = page.locator("main a").evaluate_all("as => as.map(a => a.href)")
    network = [h for h in hrefs if "/downloads/" in h]
    assert sorted(h.rsplit("/", 1)[1] for h in network) == sorted(
        ["scores.csv", "outcomes.csv", "gaps.csv", f"assessment-{site['year']}.xlsx"])
    members = len(site["scores"])
    bodies = {h.rsplit("/", 1)[1]: fetch(page, h) for h in hrefs}
    outcomes = bodies["outcomes.csv"].decode().splitlines()
    assert outcomes[0].split(",") == OUTCOME_COLUMNS
    per_member = sum(len(bodies[f"{cid}-outcomes.csv"].decode().splitlines()) - 1 for cid in site["scores"])
    assert len(outcomes) - 1 == per_member
    sheets = open_workbook(bodies[f"assessment-{site['year']}.xlsx"])
    assert list(sheets) == ["README", "scores", "outcomes", "gaps", "benchmarks"]
    assert len(sheets["scores"]) == 1 + members and len(sheets["outcomes"]) == len(outcomes)
    readme = dict(sheets["README"][1:])
    assert readme["mark S"] == vocabulary.MARK_WORDS["suppressed"]
    assert page.locator("main").get_by_text(vocabulary.MARK_WORDS["suppressed_by_source"]).count() >= 1


def test_a_community_page_links_its_files_and_the_network_files(page, site):
    cid = sorted(site["scores"])[0]
    assert page.goto(site["base"] + f"communities/{cid}.html").status == 200
    hrefs = page.locator("main a[download]").evaluate_all("as => as.map(a => a.href)")
    names = {h.rsplit("/", 1)[1] for h in hrefs}
    assert {f"{cid}-outcomes.csv", f"{cid}.json", "outcomes.csv", "gaps.csv", "scores.csv",
            f"assessment-{site['year']}.xlsx"} <= names
    for href in hrefs:
        body = fetch(page, href)
        if href.endswith(f"{cid}-outcomes.csv"):
            rows = body.decode().splitlines()
            assert rows[0].split(",") == OUTCOME_COLUMNS and all(r.startswith(f"{cid},") for r in rows[1:])
        if href.endswith(".xlsx"):
            assert "outcomes" in open_workbook(body)
    legend = page.locator("p.marks-legend").first
    assert legend.is_visible() and legend.inner_text().startswith("Marks:")
