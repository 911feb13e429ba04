"""Hostile text in partner data is shown as text everywhere it lands, and only http(s) URLs become links."""

from __future__ import annotations

import base64
import csv
import json
import re
from collections.abc import Callable
from xml.etree import ElementTree

import mistune
import nbformat
import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from ci_lib.escape import csv_cell, markdown_code, markdown_text, one_line, yaml_scalar
from ci_lib.pages import plots
from ci_lib.pipeline import assess_year
from ci_lib.website.audit import audit_site
from ci_lib.website.build import render
from ci_lib.website.content import md
from tests.conftest import make_project

NAME = '<script>alert("name")</script> Promise & <b>Co</b>'
EVIDENCE = ["javascript:alert(1)", '<img src=x onerror="alert(2)">', "https://example.org/report?a=1&b=2"]


def test_markup_in_names_and_evidence_is_escaped_on_every_page(tmp_path):
    project = make_project(tmp_path, n=2)
    communities = pd.read_csv(project.data / "communities.csv")
    cid = sorted(communities["community_id"])[0]
    communities.loc[communities["community_id"] == cid, "name"] = NAME
    communities.to_csv(project.data / "communities.csv", index=False)
    bench = pd.read_csv(project.data / "benchmarks.csv", keep_default_na=False)
    rows = bench.index[(bench["community_id"] == cid) & (bench["year"] == 2025)][:3]
    for row, text in zip(rows, EVIDENCE, strict=True):
        bench.loc[row, "evidence"] = text
    bench.to_csv(project.data / "benchmarks.csv", index=False)
    assert not assess_year(project.options()).failed
    render(project.report_dir, "builtin")
    for path in project.site.rglob("*.html"):
        html = path.read_text()
        assert "<script>alert" not in html and 'onerror="alert' not in html, path
    page = BeautifulSoup((project.site / "communities" / f"{cid}.html").read_text(), "html.parser")
    assert page.h1.get_text() == NAME  # shown as text, exactly
    links = [a["href"] for a in page.select("table.benchmarks a")]
    assert "javascript:alert(1)" not in links and "https://example.org/report?a=1&b=2" in links
    cells = [td.get_text() for td in page.select("table.benchmarks td")]
    assert "javascript:alert(1)" in cells and '<img src=x onerror="alert(2)">' in cells
    listing = BeautifulSoup((project.site / "communities.html").read_text(), "html.parser")
    assert NAME in [a.get_text() for a in listing.select("#community-list a")]
    assert json.loads((project.site / "scores" / f"{cid}.json").read_text())["name"] == NAME
    assert audit_site(project.site).findings == []


# --- issue #24 items 4 and 5: names are never Markdown markup, never spreadsheet formulas -----------------

HOSTILE = [  # (name, state) of the five communities of the hostile project
    ('=HYPERLINK("https://evil.example/x","Report")', "+1"),
    ("[Official login](https://phish.example/login)", "-2"),
    ("![x](https://track.example/p.png) Promise {{< env HOME >}}", "@SUM(A1)"),  # and a Quarto shortcode
    ("<img src=x onerror=alert(1)> | pipes | *em* `code` &amp; $\\foo$", "|"),
    ("First line\nsecond line: <https://auto.example> www.bare.example", "\tTAB"),
]
HOSTILE_INDICATOR = '<script>alert("ind")</script> & [link](https://phish.example/ind) $\\foo$'
EVIL_HOSTS = re.compile(r"evil\.example|phish\.example|track\.example|auto\.example|bare\.example")
FORMULA = tuple("=+-@\t\r")


def markdown_engines() -> dict[str, Callable[[str], str]]:
    """The built-in site's engine (mistune, as builtin.py configures it) and a CommonMark+GFM-table one with
    raw HTML on, standing in for Pandoc (Quarto is not installed here)."""
    return {"mistune": mistune.create_markdown(escape=False, plugins=["table"]),
            "commonmark": MarkdownIt("commonmark", {"html": True}).enable("table").render}


def hostile_project(tmp_path):
    project = make_project(tmp_path, n=5)
    communities = pd.read_csv(project.data / "communities.csv", keep_default_na=False)
    ids = sorted(communities["community_id"])
    for cid, (name, state) in zip(ids, HOSTILE, strict=True):
        communities.loc[communities["community_id"] == cid, ["name", "state"]] = [name, state]
    communities.to_csv(project.data / "communities.csv", index=False)
    local = sorted((project.params / "2025").glob("*.yml"))
    local = [p for p in local if p.name != "network.yml"]
    assert local, "the demo of five communities declares a local indicator"
    data = yaml.safe_load(local[0].read_text())
    data["local_indicators"][0]["name"] = HOSTILE_INDICATOR
    local[0].write_text(yaml.safe_dump(data))
    for i, cid in enumerate(ids):  # an override of each member's own, so Methods lists every name in a row
        path = project.params / "2025" / f"{cid}.yml"
        own = yaml.safe_load(path.read_text()) if path.exists() else {"community_id": cid}
        own["rules"] = {"min_cell": 11 + i}
        path.write_text(yaml.safe_dump(own))
    return project, dict(zip(ids, HOSTILE, strict=True)), data["community_id"]


def test_hostile_names_are_text_on_every_page_in_the_qmd_and_in_scores_csv(tmp_path):
    project, hostile, local_cid = hostile_project(tmp_path)
    report = assess_year(project.options())
    assert not report.failed, [r.error for r in report.failed]
    render(project.report_dir, "builtin")
    # as the kit read them (the loader strips the ends of cells): the names and states every output shows
    stored = {cid: json.loads((project.report_dir / "scores" / f"{cid}.json").read_text()) for cid in hostile}
    hostile = {cid: (s["name"], s["state"]) for cid, s in stored.items()}
    names = {cid: name for cid, (name, _) in hostile.items()}
    assert set(names.values()) == {name for name, _ in HOSTILE} and "TAB" in {state for _, state in hostile.values()}

    # no page has a link, an image or a handler from a name (the notebook pages' own images are data: URIs)
    for path in project.site.rglob("*.html"):
        soup = BeautifulSoup(path.read_text(), "html.parser")
        assert not soup.find_all(href=EVIL_HOSTS), path
        assert not soup.find_all("img", src=lambda src: not str(src).startswith("data:")), path
        assert not soup.find_all(attrs={"onerror": True}) and not soup.find_all("script", string=re.compile("alert"))

    # Methods (overrides table) and Downloads show each name as its text, in its own cell
    for page, column in (("methods.html", "community"), ("downloads.html", "community")):
        soup = BeautifulSoup((project.site / page).read_text(), "html.parser")
        table = next(t for t in soup.find_all("table") if t.th and t.th.get_text() == column)
        shown = {tr.td.get_text() for tr in table.tbody.find_all("tr")}
        assert shown == {one_line(n) for n in names.values()}, page
        assert all(len(tr.find_all("td")) == len(table.thead.find_all("th")) for tr in table.tbody.find_all("tr"))

    # the listing holds names and states as data: link text and the search and state attributes
    listing = BeautifulSoup((project.site / "communities.html").read_text(), "html.parser")
    items = listing.select("#community-list li")
    assert {li.a.get_text() for li in items} == set(names.values())
    assert {li["data-state"] for li in items} == {state for _, state in hostile.values()}
    assert all(li.a["href"].startswith("communities/") for li in items)

    # the community page with the hostile local indicator: its chart's SVG holds the name as escaped text
    page = (project.site / "communities" / f"{local_cid}.html").read_text()
    assert '<script>alert("ind")' not in page
    svgs = [base64.b64decode(src.split(",", 1)[1]).decode() for src in
            re.findall(r'src="(data:image/svg\+xml;base64,[^"]+)"', page)]
    titled = [s for s in svgs if "alert(&quot;ind&quot;)" in s or "alert(\"ind\")" in s]
    assert titled, "the local indicator's chart carries its name"
    for svg in titled:
        texts = ["".join(t.itertext()) for t in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
        assert any(HOSTILE_INDICATOR in t for t in texts) and "<script" not in svg

    # downloads/scores.csv: formula starts neutralised with a leading ', the rest as they are
    with (project.site / "downloads" / "scores.csv").open(newline="") as handle:
        rows = {row["community_id"]: row for row in csv.DictReader(handle)}
    for cid, (name, state) in hostile.items():
        assert rows[cid]["name"] == ("'" + name if name.startswith(FORMULA) else name)
        assert rows[cid]["state"] == ("'" + state if state.startswith(FORMULA) else state)
    assert rows[sorted(hostile)[0]]["name"].startswith("'=HYPERLINK")
    for row in rows.values():
        for column in ("community_id", "name", "state", "gateway_reached", "next_gateway"):
            assert not row[column].startswith(FORMULA), (column, row[column])
    assert (project.report_dir / "downloads" / "scores.csv").read_bytes() == \
        (project.site / "downloads" / "scores.csv").read_bytes()

    # the Quarto pages hold the escaped text, which a CommonMark engine renders as text, never as markup
    for qmd in ("methods.qmd", "downloads.qmd"):
        text = (project.report_dir / "_quarto" / qmd).read_text()
        for name in names.values():
            assert markdown_text(name) in text, (qmd, name)
        # no unescaped address or tag: escaped, "phish.example" is "phish\.example"
        assert not EVIL_HOSTS.search(text) and not re.search(r"(?<!\\)<img", text), qmd
        assert "{{<" not in text, qmd  # Quarto runs shortcodes found in the source before Pandoc reads it
        body = text.split("---\n", 2)[2]
        for engine in markdown_engines().values():
            soup = BeautifulSoup(engine(body), "html.parser")
            assert not soup.find_all(href=EVIL_HOSTS) and not soup.find_all("img"), qmd
            assert {one_line(n) for n in names.values()} <= {td.get_text() for td in soup.find_all("td")}

    # each notebook's front matter: one YAML mapping, the name as escaped Markdown (Pandoc reads it so)
    for cid, (name, state) in hostile.items():
        raw = nbformat.read(project.report_dir / "communities" / f"{cid}.ipynb", as_version=4).cells[0].source
        assert raw.startswith("---\n") and raw.endswith("\n---") and raw.count("\n---") == 1 and "{{<" not in raw
        matter = yaml.safe_load(raw.strip("-"))
        assert set(matter) == {"title", "description", "categories", "date"}
        assert matter["title"] == markdown_text(name) and matter["categories"][1] == markdown_text(state)
        for engine in markdown_engines().values():
            assert BeautifulSoup(engine(matter["title"]), "html.parser").get_text().strip() == one_line(name)
    assert audit_site(project.site).findings == []


def test_markdown_of_old_kit_made_links_from_names():
    """What the audit saw: mistune turned a name in a table cell into a live link and an image."""
    html = markdown_engines()["mistune"](
        f"| community |\n|---|\n| {md('[Official login](https://phish.example)')} |\n"
        f"| {md('![x](https://track.example/p.png)')} |\n")
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all("a") and not soup.find_all("img")
    assert [td.get_text() for td in soup.find_all("td")] == ["[Official login](https://phish.example)",
                                                            "![x](https://track.example/p.png)"]


MARKUP = ["[", "](", ")", "![", "<", ">", "</", "https://", "www.", "&amp;", "&#124;", "*", "**", "_", "`", "``",
          "|", "\\", "\n", "\r\n", "\u2028", "    ", "#", "- ", "1. ", "> ", "$", "@", ":", "~~", "^", "---", "===",
          "<img src=x onerror=alert(1)>", "<!--", "{", "}"]
TEXT = st.lists(st.one_of(st.sampled_from(MARKUP), st.text(st.characters(blacklist_categories=("Cs",)), max_size=4)),
                max_size=12).map("".join)  # text dense in Markdown syntax, and any other character


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_markdown_text_renders_as_exactly_its_text_in_a_paragraph_and_a_table_cell(text):
    line = one_line(text)
    escaped = markdown_text(text)
    assert "\n" not in escaped and "\r" not in escaped
    for name, engine in markdown_engines().items():
        if line:
            soup = BeautifulSoup(engine(f"{escaped}\n"), "html.parser")
            assert [tag.name for tag in soup.find_all(True)] == ["p"], (name, escaped)
            assert soup.p.get_text() == normalised(line), name
        cells = BeautifulSoup(engine(f"| a | b |\n|---|---|\n| {escaped} | x |\n"), "html.parser").find_all("td")
        assert [td.get_text() for td in cells] == [normalised(line), "x"], (name, escaped)
        assert not [t for t in BeautifulSoup(engine(f"- {escaped}\n"), "html.parser").find_all(True)
                    if t.name not in {"ul", "li"}], name


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_markdown_code_renders_as_one_code_element_of_its_text(text):
    line = one_line(text)
    for name, engine in markdown_engines().items():
        for source in (f"see {markdown_code(text)} here\n", f"| a | b |\n|---|---|\n| {markdown_code(text)} | x |\n"):
            soup = BeautifulSoup(engine(source), "html.parser")
            codes = soup.find_all("code")
            if line:
                assert [c.get_text() for c in codes] == [normalised(line)], (name, source)
            assert not soup.find_all(["a", "img", "em", "strong"]), (name, source)


def normalised(text: str) -> str:
    """What any Markdown engine shows for a text: NUL as U+FFFD (CommonMark's rule)."""
    return text.replace("\0", "\ufffd")


@pytest.mark.parametrize(("cell", "published"), [
    ('=HYPERLINK("https://evil.example")', '\'=HYPERLINK("https://evil.example")'),
    ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"),
    ("  =1+1", "'  =1+1"), ("\uff1d1+1", "'\uff1d1+1"),
    ("Alder Bay", "Alder Bay"), ("a=b", "a=b"), ("", ""), (None, ""), ("O'Brien", "O'Brien"),
])
def test_csv_cell_neutralises_formula_starts(cell, published):
    assert csv_cell(cell) == published


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_yaml_scalar_is_one_line_and_reads_back_as_the_text(text):
    scalar = yaml_scalar(text)
    assert "\n" not in scalar and "\r" not in scalar and "\x85" not in scalar and "\u2028" not in scalar
    assert yaml.safe_load(f"---\ntitle: {scalar}\nnext: 1\n") == {"title": text, "next": 1}


def test_chart_svg_holds_names_as_escaped_text_and_reads_no_maths():
    rows = [{"group": g, "year": y, "value": 40.0 + y - 2019} for g in ("all", "black") for y in range(2019, 2025)]
    gaps = pd.DataFrame([{"group": "black", "gap_baseline_pp": 4.0, "gap_latest_pp": 2.0, "gap_trend": "closing"}])
    labels = {"all": "All <b>students</b>", "black": "B&W"}
    for name in (HOSTILE_INDICATOR, "Cost $5 to $10", "Tuition $\\foo$"):  # the last raised in mathtext
        svg = plots.outcome_chart(pd.DataFrame(rows), name, {"all": "improving"}, gaps, labels).image.decode()
        texts = ["".join(t.itertext()) for t in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
        assert name in texts and "<script" not in svg and "<b>" not in svg
    bars = plots.gateway_distribution({"g1": 2}, {"g1": '<script>alert(1)</script> & "Co"'}).image.decode()
    assert "<script" not in bars and "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in bars


def test_a_change_to_the_escaping_rebuilds_every_page():
    """Pages carried over by an incremental render were escaped by the code they were built with."""
    from pathlib import Path

    from ci_lib import escape
    from ci_lib.website.build import SITE_CODE

    assert Path(escape.__file__).resolve() in {p.resolve() for p in SITE_CODE}
