"""Several years side by side: archive page, year switcher, links to a community's earlier pages, movement."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from ci_lib.cli import main
from ci_lib.tools import demo
from tests.conftest import NOTEBOOKS, Project

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def two_years(tmp_path_factory) -> Project:
    root = tmp_path_factory.mktemp("years")
    info = demo.generate(root / "data", n=3, seed=5)
    for year in (2024, 2025):
        demo.write_demo_params(root / "params", year, str(root / "data"), info["local"])
    for year in (2024, 2025):
        code = main(["assess", "--year", str(year), "--data", str(root / "data"), "--params", str(root / "params"),
                     "--reports", str(root / "reports"), "--notebooks", str(NOTEBOOKS), "--jobs", "2", "--quiet",
                     "--engine", "builtin"])
        assert code == 0
    return Project(root, root / "data", root / "params", root / "reports")


def test_archive_page_lists_every_year(two_years):
    archive = BeautifulSoup((two_years.reports / "index.html").read_text(), "html.parser")
    links = {a.get_text(): a["href"] for a in archive.select("table.archive a")}
    assert links == {"2025": "2025/_site/index.html", "2024": "2024/_site/index.html"}
    cells = [td.get_text() for td in archive.select("table.archive td")]
    assert "toa-2024" not in cells and any("Theory of Action" in text for text in cells)  # words, not slugs


def test_year_switcher_on_both_years_after_the_later_one_is_published(two_years):
    for year, other in ((2025, 2024), (2024, 2025)):
        page = BeautifulSoup((two_years.reports / str(year) / "_site" / "communities.html").read_text(), "html.parser")
        hrefs = [a["href"] for a in page.select("nav.years a")]
        assert f"../../{other}/_site/index.html" in hrefs and "../../index.html" in hrefs


def test_community_page_links_its_earlier_year_and_shows_last_years_gateway(two_years):
    cid = json.loads((two_years.reports / "2025" / "manifest.json").read_text())["communities"][0]
    page_path = two_years.reports / "2025" / "_site" / "communities" / f"{cid}.html"
    page = BeautifulSoup(page_path.read_text(), "html.parser")
    link = page.select_one("ul.earlier-years a")
    assert link.get_text() == "2024"
    assert (page_path.parent / link["href"]).resolve() == (two_years.reports / "2024" / "_site" / "communities" /
                                                           f"{cid}.html").resolve()
    then = json.loads((two_years.reports / "2024" / "scores" / f"{cid}.json").read_text())["gateway"]["reached"]
    assert "In 2024:" in page.select_one("section.summary-card").get_text()
    assert then is None or then.replace("_", " ") in page.select_one("section.summary-card").get_text().lower()


def test_overview_shows_movement_between_gateways(two_years):
    page = BeautifulSoup((two_years.reports / "2025" / "_site" / "index.html").read_text(), "html.parser")
    table = page.select_one("table.movement")
    assert table is not None
    counts = [int(td.get_text()) for td in table.select("tbody td")]
    assert sum(counts) == 3  # every member assessed in both years sits in one cell
    assert "Since 2024:" in page.get_text()
    assert "movement between gateways starts next year" in (two_years.reports / "2024" / "_site" / "index.html").read_text()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")
def test_archive_navigation_in_the_browser(two_years):
    sync_api = pytest.importorskip("playwright.sync_api")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(two_years.reports))
    handler.log_message = lambda *a: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"])
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{base}/index.html")
            page.click("table.archive a:text('2025')")
            assert page.url.endswith("/2025/_site/index.html")
            page.click("nav.years a:text('2024')")
            assert page.url.endswith("/2024/_site/index.html")
            assert page.locator("h1").inner_text() == "Demo Network Assessment 2024"
            page.click("nav.years a:text('Archive')")
            assert page.url.endswith("/index.html") and "Archive" in page.locator("h1").inner_text()
            assert not errors
            browser.close()
    finally:
        server.shutdown()
