"""The network's page per indicator (#20 item 3): on both engines, from the published scores, paginated,
suppressed cells shown with their mark, and rebuilt when (and only when) what they show changes."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from ci_lib import vocabulary
from ci_lib.inputs.rubric import load_rubric
from ci_lib.inputs.rules import unit_of
from ci_lib.website import indicators
from ci_lib.website.audit import audit_site
from ci_lib.website.build import page_keys, render
from ci_lib.website.builtin import BuiltinSite
from ci_lib.website.content import YearContent
from ci_lib.website.quarto import page_sources, sources_for_pages


def all_students(scores: dict[str, dict]) -> dict[str, dict[str, dict]]:
    """indicator id -> community id -> its all-students outcome row, from the scores files."""
    rows: dict[str, dict[str, dict]] = {}
    for cid, s in scores.items():
        for o in s["outcomes"]:
            if o["group"] == "all":
                rows.setdefault(o["indicator_id"], {})[cid] = o
    return rows


def read_scores(report_dir: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((report_dir / "scores").glob("*.json"))}


def definition(report_dir: Path, indicator: str) -> dict:
    """An indicator as the community pages define it (their page inputs: rubric and local indicators)."""
    for work in sorted((report_dir / "_work").glob("*.json")):
        found = [i for i in json.loads(work.read_text()).get("indicators", []) if i["id"] == indicator]
        if found:
            return dict(found[0])
    raise AssertionError(f"{indicator}: in no page input")


def member_rows(page: Path) -> dict[str, BeautifulSoup]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return {str(tr["data-community"]): tr for tr in soup.select("table.indicator-members tbody tr")}


# -- the built-in site and the Quarto project -------------------------------------------------------------
def test_every_indicator_has_a_page_with_each_members_published_value(small_run):
    project, _, _ = small_run
    scores = read_scores(project.report_dir)
    expected = all_students(scores)
    assert expected
    index = BeautifulSoup((project.site / "indicators.html").read_text(), "html.parser")
    assert {a["href"] for a in index.select("table.indicators a")} == {f"indicators/{i}.html" for i in expected}
    assert index.select_one('nav[aria-label=Main] a[href="indicators.html"]')["aria-current"] == "page"
    for indicator, members in expected.items():
        page = project.site / "indicators" / f"{indicator}.html"
        rows = member_rows(page)
        assert set(rows) == set(members), indicator
        unit = unit_of(definition(project.report_dir, indicator)["unit"])
        for cid, o in members.items():
            value = rows[cid].select_one("td.value")
            if o["latest"] is None:
                assert value["data-sort-value"] == "" and not re.search(r"\d", value.get_text())
            else:
                assert float(value["data-sort-value"]) == o["latest"]
                assert value.get_text() == unit.format(o["latest"])
            assert rows[cid].select_one("td.year").get_text() == str(o["latest_year"])
            assert rows[cid].select_one("th a")["href"] == f"../communities/{cid}.html"
        shown = [float(v) for v in (r.select_one("td.value")["data-sort-value"] for r in rows.values()) if v]
        lower = definition(project.report_dir, indicator)["polarity"] == "lower_is_better"
        assert shown == sorted(shown, reverse=not lower)  # the order without scripts: by value, best first
        text = page.read_text()
        assert 'src="../assets/sortable.js"' in text and (project.site / "assets" / "sortable.js").exists()
        assert f'aria-sort="{"ascending" if lower else "descending"}"' in text
        figure = BeautifulSoup(text, "html.parser").select_one(f"figure#distribution-{indicator}")
        assert "median" in figure.img["alt"] and figure.select_one("details.data-table table")
        assert "network median" in text


def test_quarto_project_renders_and_navigates_to_every_indicator_page(small_run):
    project, _, _ = small_run
    pd = project.report_dir / "_quarto"
    config = yaml.safe_load((pd / "_quarto.yml").read_text())
    expected = sorted(all_students(read_scores(project.report_dir)))
    renders = config["project"]["render"]
    assert "indicators.qmd" in renders
    assert sorted(r.removeprefix("indicators/").removesuffix(".qmd") for r in renders
                  if r.startswith("indicators/")) == expected
    assert {"text": "Indicators", "href": "indicators.qmd"} in config["website"]["navbar"]["left"]
    assert "/assets/*.js" in config["project"]["resources"] and (pd / "assets" / "sortable.js").exists()
    for indicator in expected:
        qmd = (pd / "indicators" / f"{indicator}.qmd").read_text()
        assert qmd.startswith("---\ntitle: ") and "```{=html}" in qmd
        assert f'data-indicator="{indicator}"' in qmd and '<script src="../assets/sortable.js"></script>' in qmd
    repository = yaml.safe_load((Path(__file__).resolve().parents[3] / "_quarto.yml").read_text())
    assert "Indicators" in [item["text"] for item in repository["website"]["navbar"]["left"]]


def test_community_pages_link_every_indicator_to_its_network_page(small_run):
    project, _, _ = small_run
    scores = read_scores(project.report_dir)
    for cid, s in scores.items():
        page = project.site / "communities" / f"{cid}.html"
        links = BeautifulSoup(page.read_text(), "html.parser").select("p.indicator-links a")
        wanted = list(dict.fromkeys(o["indicator_id"] for o in s["outcomes"] if o["group"] == "all"))
        assert [a["href"] for a in links] == [f"../indicators/{i}.html" for i in wanted]
        assert all((page.parent / a["href"]).resolve().exists() for a in links)


def test_the_audit_passes_and_fails_a_suppressed_value_shown_on_an_indicator_page(copy_small_run):
    site = copy_small_run.site
    audit = audit_site(site)
    assert audit.findings == [] and audit.checked["indicator page rows checked"] > 0
    cid = sorted(read_scores(copy_small_run.report_dir))[0]
    o = next(o for o in read_scores(copy_small_run.report_dir)[cid]["outcomes"] if o["group"] == "all" and o["latest"])
    published = site / "data" / f"{cid}-outcomes.csv"
    with published.open(newline="") as f:
        reader = csv.DictReader(f)
        columns, rows = reader.fieldnames, list(reader)
    hit = [r for r in rows if (r["indicator_id"], r["group"], r["year"]) == (o["indicator_id"], "all", str(o["latest_year"]))]
    assert len(hit) == 1
    hit[0].update(value="", status="suppressed")  # the published file says suppressed; the page still shows it
    with published.open("w", newline="") as f:
        writer = csv.DictWriter(f, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    findings = [f for f in audit_site(site).findings if f.startswith(str(site / "indicators"))]
    assert findings == [f"{site / 'indicators' / (o['indicator_id'] + '.html')}: suppressed {o['indicator_id']}/all/"
                        f"{o['latest_year']} of {cid} shown as {unit_of('percent').format(o['latest'])}"]


# -- synthetic networks: marks, pagination, keys ----------------------------------------------------------
def outcome(indicator: str, latest: float | None, trend: str = "improving") -> dict:
    return {"indicator_id": indicator, "group": "all", "baseline_year": 2019, "baseline": 40.0, "latest_year": 2025,
            "latest": latest, "change_pp": None if latest is None else round(latest - 40.0, 1),
            "change_pct": None, "change_kind": "points", "streak": 1, "baseline_fallback": False,
            "target": None, "target_year": None, "on_track": None,
            "trend": trend if latest is not None else "insufficient_data", "suppressed": latest is None,
            "family": "all", "core": True}


def network(tmp_path: Path, values: dict[str, float | None], indicator: str = "hs_graduation") -> YearContent:
    """A published year of members with one indicator each (values None: blank in the scores)."""
    rd = tmp_path / "reports" / "2025"
    (rd / "data").mkdir(parents=True)
    scores = {cid: {"community_id": cid, "name": f"Member {cid}", "state": "TX", "outcomes": [outcome(indicator, v)]}
              for cid, v in values.items()}
    manifest = {"year": 2025, "communities": sorted(values), "notebooks": {}, "kit_version": "0", "data_sha256": "0" * 64}
    return YearContent(rd, manifest, scores, load_rubric("toa-2019"))


def test_a_blank_latest_value_shows_the_mark_of_its_published_status_and_never_a_number(tmp_path):
    content = network(tmp_path, {"a": 80.0, "kit": None, "source": None, "gone": None, "norow": None})
    header = "indicator_id,group,year,value,status\n"
    for cid, status in {"kit": "suppressed", "source": "suppressed_by_source", "gone": "not_available"}.items():
        (content.report_dir / "data" / f"{cid}-outcomes.csv").write_text(
            header + f"hs_graduation,all,2019,40.0,\nhs_graduation,all,2025,,{status}\n")
    (view,) = indicators.views(content)
    html = BeautifulSoup(indicators.page_html(view, 1), "html.parser")
    rows = {tr["data-community"]: tr for tr in html.select("table.indicator-members tbody tr")}
    assert list(rows) == ["a", "gone", "kit", "norow", "source"]  # the value first, then blanks by name
    marks = {cid: rows[cid].select_one("td.value").get_text() for cid in rows}
    assert marks == {"a": "80.0%", "kit": vocabulary.CELL_MARKS["suppressed"],
                     "source": vocabulary.CELL_MARKS["suppressed_by_source"],
                     "gone": vocabulary.CELL_MARKS["not_available"], "norow": vocabulary.MISSING}
    assert all(rows[c].select_one("td.value")["data-sort-value"] == "" for c in ("kit", "source", "gone", "norow"))
    assert "4 members without a published value (suppressed or missing) are not counted" in html.get_text()


def test_1200_members_are_paginated_in_value_order_with_links_between_pages(tmp_path):
    values: dict[str, float | None] = {f"m{i:04d}": round(50 + (i * 37 % 1200) / 40, 1) for i in range(1200)}
    values["m0007"] = None
    content = network(tmp_path, values)
    (view,) = indicators.views(content)
    paths = ["indicators/hs_graduation.html", "indicators/hs_graduation-2.html", "indicators/hs_graduation-3.html"]
    assert view.page_paths() == paths
    assert [p for p, *_ in indicators.pages(content)] == paths
    assert [s for s in page_sources(content) if s.startswith("indicators")] == [
        "indicators.qmd", *(p.replace(".html", ".qmd") for p in paths)]
    out = tmp_path / "site"
    written = BuiltinSite(content, out).indicator_pages(lambda page: True)
    assert written == ["indicators.html", *paths]
    order: list[float | None] = []
    for n, path in enumerate(paths, 1):
        soup = BeautifulSoup((out / path).read_text(), "html.parser")
        rows = soup.select("table.indicator-members tbody tr")
        assert len(rows) == (500 if n < 3 else 200)
        order += [float(v) if (v := r.select_one("td.value")["data-sort-value"]) else None for r in rows]
        pager = soup.select("nav.pager")
        assert len(pager) == 2  # above and below the table
        links = [a["href"] for a in pager[0].select("a")]
        assert links == ["hs_graduation.html", "hs_graduation-2.html", "hs_graduation-3.html"]
        assert pager[0].select_one("a[aria-current=page]")["href"] == Path(path).name
        assert all((out / "indicators" / link).exists() for link in links)
        assert bool(soup.select("figure.chart")) == (n == 1)  # the distribution on the first page only
        assert "The network median of High school graduation is" in soup.get_text()
    shown = [v for v in order if v is not None]
    assert order[-1] is None and len(shown) == 1199 and shown == sorted(shown, reverse=True)


def test_indicator_page_keys_change_only_when_the_scores_they_show_change(copy_small_run):
    rd = copy_small_run.report_dir
    before = page_keys(YearContent.load(rd), "builtin")
    pages = [p for p in before if p.startswith("indicators")]
    assert "indicators.html" in pages and len(pages) > 2
    assert page_keys(YearContent.load(rd), "builtin") == before

    def indicator_keys() -> dict[str, str]:
        keys = page_keys(YearContent.load(rd), "builtin")
        return {p: k for p, k in keys.items() if p.startswith("indicators")}

    manifest = json.loads((rd / "manifest.json").read_text())
    manifest["notebooks"]["_network"]["cache_key"] = "other"  # the overview changes, no member's scores
    (rd / "manifest.json").write_text(json.dumps(manifest))
    cid = sorted(read_scores(rd))[0]
    path = rd / "scores" / f"{cid}.json"
    scores = json.loads(path.read_text())
    scores["benchmarks"][0]["evidence"] = "other evidence"  # nothing an indicator page shows
    path.write_text(json.dumps(scores))
    assert indicator_keys() == {p: before[p] for p in pages}

    row = next(o for o in scores["outcomes"] if o["group"] == "all" and o["latest"] is not None)
    row["latest"] = round(row["latest"] + 1.5, 1)
    path.write_text(json.dumps(scores))
    after = indicator_keys()
    changed = {p for p in pages if after[p] != before[p]}
    assert changed == {"indicators.html", f"indicators/{row['indicator_id']}.html"}

    render(rd, "builtin", force=True)  # the site of the keys before (the overview's key changed above)
    info = render(rd, "builtin")
    assert info["rendered"] == 0
    row["latest"] = round(row["latest"] + 1.5, 1)
    path.write_text(json.dumps(scores))
    info = render(rd, "builtin")  # only the changed indicator page and the index are rebuilt
    assert info["rendered"] == 2
    shown = member_rows(rd / "_site" / "indicators" / f"{row['indicator_id']}.html")[cid].select_one("td.value")
    assert float(shown["data-sort-value"]) == row["latest"]
    content = YearContent.load(rd)
    assert sources_for_pages(content, changed) == [
        s for s in page_sources(content)
        if not s.startswith(("communities/", "indicators/")) or s == f"indicators/{row['indicator_id']}.qmd"]
    assert not [s for s in sources_for_pages(content, set()) if s.startswith("indicators")]


@pytest.mark.parametrize("unit, latest, shown", [("currency", 52000.0, "$52,000"), ("rate_per_1000", 12.3,
                                                                                       "12.3 per 1,000")])
def test_a_local_indicator_in_its_own_unit_is_named_from_its_page_input(tmp_path, unit, latest, shown):
    content = network(tmp_path, {"a": latest}, indicator="local_thing")
    work = content.report_dir / "_work"
    work.mkdir()
    (work / "a.json").write_text(json.dumps({"indicators": [{"id": "local_thing", "name": "Local thing", "unit": unit,
                                                             "polarity": "higher_is_better", "local": True}]}))
    (view,) = indicators.views(content)
    assert (view.indicator.name, view.indicator.unit, view.indicator.local) == ("Local thing", unit, True)
    html = BeautifulSoup(indicators.page_html(view, 1), "html.parser")
    assert html.select_one("td.value").get_text() == shown
    assert "Local indicator" in html.get_text() and "(local)" in BeautifulSoup(indicators.index_html(content),
                                                                                "html.parser").get_text()
