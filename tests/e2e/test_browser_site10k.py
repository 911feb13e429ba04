"""The paginated, searchable Communities listing in a real browser (#23 item 2): pages linked without scripts,
search across every page through the index fetched on first use (never on load), axe-core, at phone and desktop
widths. The five-member small run re-rendered with two members a page (three pages); fixtures as in conftest."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.e2e.browser_support import Served, require_axe, require_browser, serious_axe_violations, serve_reports, tab_at

playwright_sync = require_browser()  # skips this module when chromium or Playwright is absent
expect = playwright_sync.expect

pytestmark = pytest.mark.browser

PER_PAGE = 2
SHOWN = 2  # search results drawn at a time


@pytest.fixture(scope="module")
def site(small_run, tmp_path_factory) -> Iterator[Served]:
    """The small run's year, copied and rendered with `PER_PAGE` members a listing page, over HTTP."""
    from ci_lib.website import listing
    from ci_lib.website.build import render

    root = tmp_path_factory.mktemp("site10k") / "project"
    shutil.copytree(small_run[0].root, root, symlinks=True)
    report_dir = root / "reports" / small_run[0].report_dir.name
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(listing, "PAGE_SIZE", PER_PAGE)
        mp.setattr(listing, "RESULTS_SHOWN", SHOWN)
        render(report_dir, "builtin", force=True)
    with serve_reports(report_dir) as served:
        yield served


def names_in_order(site: Served) -> list[tuple[str, str]]:
    return sorted((s["name"], cid) for cid, s in site.scores.items())


@pytest.mark.parametrize("width", [390, 1280])
def test_search_finds_a_member_on_another_page_and_fetches_the_index_only_then(browser, site, width):
    require_axe()
    members = names_in_order(site)
    pages = -(-len(members) // PER_PAGE)
    assert pages >= 3
    with tab_at(browser, site, width) as tab:
        requested: list[str] = []
        tab.page.on("request", lambda r: requested.append(r.url))
        page = tab.open("communities.html")
        page.wait_for_load_state("networkidle")
        assert not [u for u in requested if u.endswith("communities-index.json")]  # nothing fetched on load
        cards = page.locator("#community-list li a")
        expect(cards).to_have_count(PER_PAGE)
        assert cards.all_inner_texts() == [name for name, _ in members[:PER_PAGE]]
        expect(page.locator("#count")).to_have_text(f"Communities 1 to {PER_PAGE} of {len(members)}, in order of name")
        assert serious_axe_violations(page) == []

        page.locator("nav.pager").first.get_by_role("link", name="Page 2", exact=False).click()
        expect(page).to_have_url(f"{site.year_base}communities-2.html")
        assert page.locator("#community-list li a").all_inner_texts() == [n for n, _ in members[PER_PAGE:2 * PER_PAGE]]
        expect(page.locator('nav.pager a[aria-current="page"]').first).to_have_text("2")

        page = tab.open("communities.html")
        last_name, last_id = members[-1]  # on the last page, not this one
        assert last_name not in page.locator("#community-list").inner_text()
        page.locator("#search").fill(last_name.lower())
        found = page.locator("#community-list li a", has_text=last_name)
        expect(found).to_have_count(1)
        assert [u for u in requested if u.endswith("communities-index.json")]
        expect(page.locator("#count")).to_contain_text(f"of {len(members)} communities")
        assert page.locator("nav.pager").first.is_hidden()  # the pages' links say nothing about the results
        assert serious_axe_violations(page) == []
        tab.screenshot(f"site10k-listing-search-{width}")

        page.locator("#search").fill("")
        expect(page.locator("#community-list li")).to_have_count(PER_PAGE)  # the page's own cards again
        expect(page.locator("#count")).to_have_text(f"Communities 1 to {PER_PAGE} of {len(members)}, in order of name")

        page.locator("#sort").select_option("state")
        more = page.get_by_role("button", name="Show more results")
        for drawn in range(SHOWN, len(members), SHOWN):  # the matches across the pages, SHOWN at a time
            expect(page.locator("#community-list li")).to_have_count(drawn)
            expect(page.locator("#count")).to_have_text(f"{len(members)} of {len(members)} communities (showing {drawn})")
            more.click()
        expect(page.locator("#community-list li")).to_have_count(len(members))  # all, across the pages
        expect(page.locator("#count")).to_have_text(f"{len(members)} of {len(members)} communities")
        expect(more).to_be_hidden()
        states = page.locator("#community-list li .meta").all_inner_texts()
        assert [s.rsplit(" · ", 1)[1] for s in states] == sorted(s.rsplit(" · ", 1)[1] for s in states)

        page.locator("#sort").select_option("name")
        page.locator("#search").fill(last_name.lower())
        page.locator("#community-list li a", has_text=last_name).click()
        expect(page).to_have_url(f"{site.year_base}communities/{last_id}.html")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert tab.errors == []
