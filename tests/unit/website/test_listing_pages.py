"""The Communities listing at scale (#23 item 2): pages of members in name order linked without scripts, a
compact search index of every member fetched only when a control is used, on both engines; one page as before."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from ci_lib.inputs.rubric import load_rubric
from ci_lib.website import listing
from ci_lib.website.builtin import BuiltinSite
from ci_lib.website.content import YearContent
from ci_lib.website.quarto import page_sources, sources_for_pages, write_project

GATEWAYS = ["none", "emerging", "proof_point"]


def network(tmp_path: Path, n: int, failed: tuple[str, ...] = ()) -> YearContent:
    """A published year of `n` members (names out of id order, three states, the gateways in turn)."""
    rd = tmp_path / "reports" / "2025"
    rd.mkdir(parents=True)
    scores = {}
    for i in range(n):
        cid = f"m{i:05d}"
        reached = GATEWAYS[i % 3]
        scores[cid] = {"community_id": cid, "name": f"Town {(i * 7919) % n:05d}", "state": ["TX", "OH", "WA"][i % 3],
                       "gateway": {"reached": None if reached == "none" else reached},
                       "summary": {"indicators_improving_share": 0.5}}
    notebooks = {cid: {"status": "ok", "cache_key": cid} for cid in scores}
    notebooks.update({cid: {"status": "failed", "cache_key": cid} for cid in failed})
    manifest = {"year": 2025, "communities": sorted(scores), "notebooks": notebooks, "kit_version": "0",
                "data_sha256": "0" * 64}
    return YearContent(rd, manifest, scores, load_rubric("toa-2019"))


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_1200_members_are_three_pages_in_name_order_linked_without_scripts(tmp_path):
    content = network(tmp_path, 1200)
    out = tmp_path / "site"
    written = BuiltinSite(content, out).listing_pages(lambda page: True)
    assert written == ["communities.html", "communities-2.html", "communities-3.html"]
    names: list[str] = []
    hrefs: list[str] = []
    for n, path in enumerate(written, 1):
        page = soup(out / path)
        cards = page.select("#community-list li")
        assert len(cards) == (500 if n < 3 else 200)
        names += [li.a.get_text() for li in cards]
        hrefs += [li.a["href"] for li in cards]
        pagers = page.select("nav.pager")
        assert len(pagers) == 2  # above and below the cards
        assert [a["href"] for a in pagers[0].select("a")] == written
        assert pagers[0].select_one("a[aria-current=page]")["href"] == path
        assert page.select_one("#community-list")["data-index"] == listing.INDEX_FILE
        assert page.select_one("title").get_text().startswith(f"Communities (page {n} of 3)")
        first = (n - 1) * 500 + 1
        assert page.select_one("#count").get_text() == f"Communities {first:,} to {first + len(cards) - 1:,} of 1,200, in order of name"
    assert names == sorted(names) and len(set(names)) == 1200  # everyone, once, in the order the page says
    assert sorted(hrefs) == [f"communities/{cid}.html" for cid in sorted(content.scores)]


def test_the_index_is_compact_and_holds_every_member_once(tmp_path):
    content = network(tmp_path, 1200)
    out = tmp_path / "site"
    BuiltinSite(content, out).listing_pages(lambda page: True)
    text = (out / listing.INDEX_FILE).read_text(encoding="utf-8")
    index = json.loads(text)
    assert index["fields"] == ["id", "name", "state", "gateway"]
    assert index["href"] == "communities/{id}.html"
    rows = {r[0]: r for r in index["members"]}
    assert set(rows) == set(content.scores) and len(index["members"]) == 1200
    for cid, s in content.scores.items():
        assert rows[cid][1:] == [s["name"], s["state"], s["gateway"]["reached"] or "none"]
    assert index["gateways"]["proof_point"][1] > index["gateways"]["emerging"][1] > index["gateways"]["none"][1]
    assert ", " not in text and len(text) < 60 * 1200  # compact: under 60 bytes a member


def test_listing_js_fetches_the_index_only_when_a_control_is_used():
    script = (Path(listing.__file__).parent / "assets" / listing.SCRIPT).read_text()
    assert script.count("fetch(") == 1
    body = script[script.index("function load()"):]
    assert re.search(r"function load\(\) \{\s*if \(!loading\)", body)  # once, and only from load()
    calls = [m.start() for m in re.finditer(r"\bload\(\)", script)]
    assert len(calls) == 2  # its definition and the call in apply(), an event handler
    assert "apply();\n    return;" in script  # the single-page listing filters its own cards, no request


@pytest.mark.parametrize("n", [8, 500])
def test_a_network_of_one_page_keeps_the_single_listing(tmp_path, n):
    content = network(tmp_path, n, failed=("gone",))
    out = tmp_path / "site"
    assert BuiltinSite(content, out).listing_pages(lambda page: True) == ["communities.html"]
    page = soup(out / "communities.html")
    assert not page.select("nav.pager") and not page.select("#more-results")
    assert "data-index" not in page.select_one("#community-list").attrs
    assert len(page.select("#community-list li")) == n
    assert page.select_one("#count").get_text() == f"{n} communities"
    assert page.select_one("title").get_text().startswith("Communities")
    assert "Not published this run (their notebooks failed): gone" in page.get_text()
    assert page_sources(content)[:1] == ["communities.qmd"]


def test_fewer_members_remove_the_pages_no_longer_listed(tmp_path):
    out = tmp_path / "site"
    BuiltinSite(network(tmp_path / "a", 1200), out).listing_pages(lambda page: True)
    assert (out / "communities-3.html").exists()
    BuiltinSite(network(tmp_path / "b", 700), out).listing_pages(lambda page: True)
    assert sorted(p.name for p in out.glob("communities*.html")) == ["communities-2.html", "communities.html"]


def test_listing_keys_change_only_when_what_the_listing_shows_changes(tmp_path):
    content = network(tmp_path, 1200)

    def key(*parts: str) -> str:
        return "|".join(parts)

    keys = listing.page_keys(content, key)
    assert list(keys) == ["communities.html", "communities-2.html", "communities-3.html"]
    content.manifest["notebooks"]["m00001"]["cache_key"] = "changed"  # a member's page, not its entry
    content.derived.clear()
    assert listing.page_keys(content, key) == keys
    content.scores["m00001"]["name"] = "Renamed"
    content.derived.clear()
    assert listing.page_keys(content, key) != keys


def test_quarto_project_has_the_pages_the_index_and_the_script(tmp_path):
    content = network(tmp_path, 1200)
    assert [s for s in page_sources(content) if s.startswith("communities") and "/" not in s] == [
        "communities.qmd", "communities-2.qmd", "communities-3.qmd"]
    write_project(content)
    pd = content.layout.quarto
    for n, name in enumerate(["communities.qmd", "communities-2.qmd", "communities-3.qmd"], 1):
        text = (pd / name).read_text()
        assert text.startswith(f'---\ntitle: "Communities (page {n} of 3)"\n---') or f"page {n} of 3" in text.split("---")[1]
        assert "```{=html}" in text and '<script src="assets/listing.js"></script>' in text
        assert "listing:" not in text  # not Quarto's listing: it would draw all 1,200 rows into one page
    assert (pd / "assets" / "listing.js").exists()
    partial = sources_for_pages(content, {"communities/m00001.html"})  # one member changed: the listing too
    assert {"communities.qmd", "communities-2.qmd", "communities-3.qmd", "communities/m00001.ipynb"} <= set(partial)
    assert json.loads((pd / listing.INDEX_FILE).read_text())["members"]
    config = (pd / "_quarto.yml").read_text()
    assert "- /communities-index.json" in config and "communities-3.qmd" in config
    small = network(tmp_path / "small", 8)
    write_project(small)
    assert "listing:" in (small.layout.quarto / "communities.qmd").read_text()  # one page: Quarto's own listing
    assert not list(small.layout.quarto.glob("communities-*.qmd"))


def test_a_built_site_publishes_the_index_and_the_audit_checks_it(copy_small_run):
    from ci_lib.website.audit import audit_site
    from ci_lib.website.build import render

    site = copy_small_run.site
    render(copy_small_run.report_dir, "builtin", force=True)
    index = json.loads((site / listing.INDEX_FILE).read_text())
    assert sorted(r[0] for r in index["members"]) == sorted(p.stem for p in (site / "scores").glob("*.json"))
    audit = audit_site(site)
    assert not audit.findings and audit.checked["index rows"] == len(index["members"])
    index["members"][0][1] = "Someone else"
    (site / listing.INDEX_FILE).write_text(json.dumps(index))
    assert any("differs from scores/" in f for f in audit_site(site).findings)


def test_the_quarto_project_of_a_paginated_year_renders_the_listing_pages(copy_small_run, tmp_path, monkeypatch):
    """With the stand-in quarto of test_quarto_project: the year's project has the pages, the index and the
    script, and the render is asked for every listing page."""
    from ci_lib.website.build import render
    from tests.unit.website.test_quarto_project import calls, recording_quarto

    log = recording_quarto(tmp_path, monkeypatch)
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    rd = copy_small_run.report_dir
    assert render(rd, "quarto", force=True)["engine"] == "quarto"
    pd = rd / "_quarto"
    members = len(json.loads((rd / "manifest.json").read_text())["communities"])
    names = ["communities.qmd", *(f"communities-{n}.qmd" for n in range(2, -(-members // 2) + 1))]
    assert sorted(p.name for p in pd.glob("communities*.qmd")) == sorted(names)
    config = (pd / "_quarto.yml").read_text()
    assert all(f"- {name}" in config for name in names) and "- /communities-index.json" in config
    assert len(json.loads((pd / listing.INDEX_FILE).read_text())["members"]) == members
    assert (pd / "assets" / "listing.js").read_bytes() == (Path(listing.__file__).parent / "assets" / "listing.js").read_bytes()
    second = (pd / "communities-2.qmd").read_text(encoding="utf-8")
    assert 'aria-current="page"' in second and "Communities 3 to 4 of" in second
    assert calls(log)[-1][1:3] == ["render", "."]


def test_the_quarto_theme_styles_the_listing_pages_it_publishes_above_one_page():
    """Quarto uses our listing pages above PAGE_SIZE members: their cards and controls are styled in its theme too."""
    from ci_lib.website.quarto import theme_scss

    theme = theme_scss()
    assert "ul.cards {" in theme and "ul.cards li {" in theme and ".listing-controls {" in theme
