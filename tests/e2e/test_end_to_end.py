"""A small network through run and render: pages and scores checked by content."""

from __future__ import annotations

import json
import re
from collections import Counter

import nbformat
import pandas as pd
import yaml
from bs4 import BeautifulSoup

from ci_lib import vocabulary
from ci_lib.inputs.rubric import load_rubric
from tests.conftest import YEAR


def test_every_community_executed_and_scored(small_run):
    project, report, _ = small_run
    assert not report.failed, [r.error for r in report.failed]
    ids = sorted(pd.read_csv(project.data / "communities.csv")["community_id"])
    assert sorted(report.manifest["communities"]) == ids
    for cid in ids:
        scores = json.loads((project.report_dir / "scores" / f"{cid}.json").read_text())
        assert scores["community_id"] == cid and scores["year"] == YEAR and scores["framework"] == "toa-2019"
        assert set(scores) >= {"gateway", "pillars", "benchmarks", "outcomes", "disparities", "summary", "provenance"}
        nb = nbformat.read(project.report_dir / "communities" / f"{cid}.ipynb", as_version=4)
        assert nb.cells[0].cell_type == "raw" and f"title: {scores['name']}" in nb.cells[0].source
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert injected and f"community_id = \"{cid}\"" in injected[0].source


def test_scores_json_matches_the_scoring_pass(small_run):
    """The notebook writes exactly what the vectorised scoring computed (no drift between paths)."""
    from ci_lib.cli import main

    project, _, _ = small_run
    cid = json.loads((project.report_dir / "manifest.json").read_text())["communities"][0]
    written = json.loads((project.report_dir / "scores" / f"{cid}.json").read_text())
    work = json.loads((project.report_dir / "_work" / f"{cid}.json").read_text())
    assert written == work["scores"]
    assert main(["validate", str(project.data)]) == 0


def test_manifest_records_inputs_packages_params_and_timings(small_run):
    project, report, _ = small_run
    manifest = json.loads((project.report_dir / "manifest.json").read_text())
    assert set(manifest["inputs"]) == {"communities.csv", "benchmarks.csv", "outcomes.csv"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in manifest["inputs"].values())
    assert manifest["rubric_sha256"] == load_rubric("toa-2019").sha256
    assert {"pandas", "papermill", "nbclient"} <= set(manifest["packages"])
    assert "network.yml" in manifest["params"]
    assert manifest["data_dir"] == "data" and manifest["params_dir"] == "params"  # relative to the project
    assert "timings" not in manifest and not any("seconds" in n for n in manifest["notebooks"].values())
    timings = json.loads((project.report_dir / "timings.json").read_text())  # how the run went, kept apart
    assert timings["execute_s"] > 0 and timings["score_s"] >= 0
    assert set(timings["notebooks"]) == set(manifest["notebooks"])
    assert all(n["seconds"] > 0 and n["status"] == "ok" for n in timings["notebooks"].values())
    assert all(n["status"] == "ok" for n in manifest["notebooks"].values())


def test_site_links_every_community_page_with_gateway_matrix_and_charts(small_run):
    project, _, info = small_run
    site = project.site
    index = (site / "index.html").read_text()
    listing = (site / "communities.html").read_text()
    assert info["engine"] == "builtin" and info["communities"] == 5
    for cid in json.loads((project.report_dir / "manifest.json").read_text())["communities"]:
        scores = json.loads((project.report_dir / "scores" / f"{cid}.json").read_text())
        assert f'href="communities/{cid}.html"' in listing
        assert f'href="communities/{cid}.html"' in index
        page = (site / "communities" / f"{cid}.html").read_text()
        rubric = load_rubric("toa-2019")
        assert f"<h1>{scores['name']}</h1>" in page.replace("&#39;", "'")
        assert "Gateway reached: <span class=\"badge" in page
        assert vocabulary.gateway_label(scores["gateway"]["reached"], vocabulary.gateway_labels(rubric.gateways)) in page
        assert 'id="pillar-matrix"' in page
        soup = BeautifulSoup(page, "html.parser")
        figures = soup.select("figure.chart[id^=outcome-]")
        charts = {f["id"].removeprefix("outcome-"): f.img for f in figures}
        assert set(charts) == {o["indicator_id"] for o in scores["outcomes"]} and len(charts) == len(figures)
        assert all(img["src"].startswith("data:image/svg+xml;base64,") and len(img["alt"]) > 40
                   for img in charts.values())
        assert all(f.select_one("details.data-table table") for f in soup.select("figure.chart"))


def test_a_local_indicator_shared_by_communities_is_charted_once_per_page(demo_site):
    """The demo has communities declaring the same local indicator: still one chart each (it was one per declarer)."""
    params = {p.stem: yaml.safe_load(p.read_text()) for p in (demo_site.params / str(YEAR)).glob("*.yml")
              if p.name != "network.yml"}
    declared = Counter(i["id"] for p in params.values() for i in p.get("local_indicators") or [])
    assert max(declared.values()) >= 2
    for cid, p in params.items():
        local = {i["id"] for i in p.get("local_indicators") or []}
        if not local:
            continue
        page = BeautifulSoup((demo_site.site / "communities" / f"{cid}.html").read_text(), "html.parser")
        ids = [f["id"].removeprefix("outcome-") for f in page.select("figure.chart[id^=outcome-]")]
        assert len(ids) == len(set(ids)) and local <= set(ids)


def test_community_page_shows_the_numbers_of_the_json(small_run):
    project, _, _ = small_run
    cid = json.loads((project.report_dir / "manifest.json").read_text())["communities"][0]
    scores = json.loads((project.report_dir / "scores" / f"{cid}.json").read_text())
    page = (project.site / "communities" / f"{cid}.html").read_text()
    for row in scores["outcomes"]:
        if row["group"] == "all" and row["latest"] is not None:
            assert f"<td>{row['latest']:.1f}</td>" in page
    for b in scores["benchmarks"][:5]:
        assert f"<th scope=\"row\">{b['benchmark_id']}</th>" in page


def test_no_gateway_has_one_name_across_the_site_and_the_work_files(small_run):
    """Issue #18: "Not yet reached", "Not yet Exploring" and `none` were three names of one state."""
    project, _, _ = small_run
    pages = [p.read_text() for p in project.site.rglob("*.html")]
    assert pages and not any("Not yet reached" in page for page in pages)
    works = [json.loads(p.read_text()) for p in (project.report_dir / "_work").glob("*.json")]
    labels = [w["labels"]["gateways"] for w in works if "labels" in w]
    assert labels and all(lab["none"] == vocabulary.NO_GATEWAY for lab in labels)
    listing = BeautifulSoup((project.site / "communities.html").read_text(), "html.parser")
    options = {o["value"]: o.get_text() for o in listing.select("#filter-gateway option")}
    assert options["none"] == vocabulary.NO_GATEWAY


def test_home_page_headline_and_gateway_chart_give_the_same_counts(small_run):
    project, _, _ = small_run
    soup = BeautifulSoup((project.site / "index.html").read_text(), "html.parser")
    headline = " ".join(soup.select_one("section.summary-card").get_text(" ").split())
    chart = soup.select_one("figure#gateway-distribution")
    counts = {r.th.get_text(): int(r.td.get_text()) for r in chart.select("details.data-table tbody tr")}
    at = re.search(r"Members at the Proof Point gateway or beyond \(benchmarks and outcomes\): (\d+)", headline)
    assert at and int(at[1]) == counts["Proof Point"]
    members = int(re.search(r"(\d+) members assessed", headline)[1])
    assert members == sum(counts.values()) == 5


def test_no_input_code_or_prompts_on_pages(small_run):
    project, _, _ = small_run
    page = sorted((project.site / "communities").glob("*.html"))[0].read_text()
    assert "CommunityPage.load" not in page and "In&nbsp;[" not in page and "jp-InputArea" not in page


def test_page_export_skips_nbconvert_default_preprocessors_and_gives_the_same_pages(small_run, monkeypatch):
    """The three defaults nbconvert enables (tag and regex removal, magics highlighting) change nothing without
    configuration, which the kit never gives them; skipping them skips a whole-notebook validation after each."""
    from ci_lib.website.builtin import PageExporter, export_body, exporter

    def enabled(ex):
        return [type(p).__name__ for p in ex._preprocessors if p.enabled]

    ours = exporter()
    full = PageExporter(template_name=ours.template_name,  # nbconvert's whole default list
                        extra_template_basedirs=ours.extra_template_basedirs)
    for option in ("exclude_input", "exclude_input_prompt", "exclude_output_prompt", "exclude_raw"):
        setattr(full, option, True)
    assert enabled(ours) == ["CSSHTMLHeaderPreprocessor"]  # the basic template's own
    assert set(enabled(full)) - set(enabled(ours)) == {"TagRemovePreprocessor", "RegexRemovePreprocessor",
                                                       "HighlightMagicsPreprocessor"}
    validations: list[int] = []
    validate = nbformat.validate
    monkeypatch.setattr(nbformat, "validate", lambda *a, **k: validations.append(1) or validate(*a, **k))
    project, _, _ = small_run
    notebooks = [project.report_dir / "index.ipynb", *sorted((project.report_dir / "communities").glob("*.ipynb"))]
    assert len(notebooks) == 6
    for notebook in notebooks:
        data = notebook.read_bytes()
        validations.clear()
        body = export_body(ours, data)
        assert len(validations) == 2, notebook.name  # when read, and after the template's own preprocessor
        assert body == export_body(full, data), notebook.name
        assert len(validations) - 2 > 10  # the full list validates after each of its preprocessors, enabled or not


def test_downloads_are_published_and_hold_only_public_values(small_run):
    project, _, _ = small_run
    cid = json.loads((project.report_dir / "manifest.json").read_text())["communities"][0]
    csv = pd.read_csv(project.site / "data" / f"{cid}-outcomes.csv")
    assert list(csv.columns) == ["community_id", "indicator_id", "indicator", "unit", "group", "group_label", "family",
                                 "family_label", "year", "value", "status", "status_label"]
    assert set(csv["community_id"]) == {cid} and csv["indicator"].notna().all() and csv["group_label"].notna().all()
    blank = csv["value"].isna()  # a blank value says why, a shown one has no status
    assert set(csv.loc[blank, "status"].fillna("")) <= {"", "suppressed", "suppressed_by_source", "not_available"}
    assert csv.loc[~blank, "status"].isna().all()
    assert (project.site / "scores" / f"{cid}.json").exists()
    assert (project.site / "downloads" / "scores.csv").exists()
    assert (project.site / "manifest.json").exists()
    # the network CSV speaks the pages' words beside the ids (one vocabulary), and says what is incomplete
    table = pd.read_csv(project.site / "downloads" / "scores.csv", keep_default_na=False)
    labels = vocabulary.gateway_labels(load_rubric("toa-2019").gateways)
    for row in table.itertuples(index=False):
        stored = json.loads((project.site / "scores" / f"{row.community_id}.json").read_text())
        assert row.gateway_reached_label == vocabulary.gateway_label(stored["gateway"]["reached"], labels)
        assert bool(row.assessment_incomplete) == stored["gateway"]["incomplete"]
        assert row.benchmarks_not_rated == stored["summary"]["not_rated"]
        assert row.proof_point_reason == stored["summary"]["proof_point_basis"]["reason"]
    assert "Not yet reached" not in (project.site / "downloads" / "scores.csv").read_text()
