"""Hostile text in partner data is shown as text everywhere it lands, and only http(s) URLs become links."""

from __future__ import annotations

import json

import pandas as pd
from bs4 import BeautifulSoup

from ci_lib.execute.run import run_year
from ci_lib.site.audit import audit_site
from ci_lib.site.build import render

from .conftest import make_project

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
    assert not run_year(project.options()).failed
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
