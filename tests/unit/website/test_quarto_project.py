"""The Quarto path's inputs, tested structurally (Quarto itself cannot be installed here)."""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from ci_lib.errors import KitError
from ci_lib.escape import markdown_text
from ci_lib.inputs.rubric import load_rubric
from ci_lib.website.build import render
from ci_lib.website.content import YearContent
from ci_lib.website.quarto import SCRIPTED_MIME, THEME_FILE, plain_html_notebook, project_config, theme_scss
from tests.paths import REPO_ROOT

REPO = REPO_ROOT


def test_repository_quarto_project_is_a_website_that_never_executes():
    config = yaml.safe_load((REPO / "_quarto.yml").read_text())
    assert config["project"]["type"] == "website"
    assert config["execute"]["enabled"] is False
    assert config["format"]["html"]["echo"] is False
    assert config["website"]["search"] is True
    texts = [item["text"] for item in config["website"]["navbar"]["left"]]
    assert texts == ["Overview", "Communities", "Indicators", "Methods", "Downloads"]


def test_year_project_pages_and_front_matter(small_run):
    project, _, _ = small_run
    rd = project.report_dir / "_quarto"
    config = yaml.safe_load((rd / "_quarto.yml").read_text())
    assert config["website"]["title"] == "Demo Network Assessment 2025"
    for item in config["website"]["navbar"]["left"]:
        assert (rd / item["href"]).exists() or (project.report_dir / item["href"]).exists(), item
    renders = config["project"]["render"]
    manifest = json.loads((project.report_dir / "manifest.json").read_text())
    assert [r for r in renders if r.startswith("communities/")] == [f"communities/{c}.ipynb" for c in
                                                                    sorted(manifest["communities"])]
    assert all((rd / r).exists() for r in renders if r.endswith(".qmd"))
    assert all((project.report_dir / r).exists() for r in renders if r.endswith(".ipynb"))
    listing = yaml.safe_load((rd / "communities.qmd").read_text().split("---")[1])["listing"]
    assert listing["contents"] == "communities/*.ipynb" and listing["filter-ui"] and listing["categories"]
    labels = {g["label"] for g in load_rubric("toa-2019").gateways} | {"Not yet Exploring"}
    for cid in manifest["communities"]:
        nb = nbformat.read(project.report_dir / "communities" / f"{cid}.ipynb", as_version=4)
        first = nb.cells[0]
        assert first.cell_type == "raw"
        matter = yaml.safe_load(first.source.strip().strip("-"))
        scores = json.loads((project.report_dir / "scores" / f"{cid}.json").read_text())
        assert matter["title"] == markdown_text(scores["name"])  # Pandoc reads front matter as Markdown
        assert matter["categories"][0] in labels and matter["categories"][1] == markdown_text(scores["state"])
    methods = (rd / "methods.qmd").read_text()
    assert methods.startswith('---\ntitle: "Methods"\n---') and "`sv-ex-1`" in methods


def fake_quarto(folder: Path, body: str) -> None:
    script = folder / "quarto"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def recording_quarto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in `quarto` first on PATH: appends its cwd and argv (one JSON list a call) to a log and writes
    a page into --output-dir, as quarto would."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.jsonl"
    script = bin_dir / "quarto"
    script.write_text(f"""#!{sys.executable}
import json, os, pathlib, sys
args = sys.argv[1:]
with open({str(log)!r}, "a") as f:
    f.write(json.dumps([os.getcwd(), *args]) + "\\n")
out = pathlib.Path(args[args.index("--output-dir") + 1])
out.mkdir(parents=True, exist_ok=True)
(out / "index.html").write_text("<html>quarto</html>")
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_repository_project_anchors_resources_and_loads_nothing_from_outside():
    config = yaml.safe_load((REPO / "_quarto.yml").read_text())
    # unanchored globs match at any depth: data/*.csv also matched _site/data/*.csv (the old site, re-published)
    assert config["project"]["resources"] and all(g.startswith("/") for g in config["project"]["resources"])
    html = config["format"]["html"]
    assert html["theme"] == THEME_FILE and html["html-math-method"] == "mathml"  # no Bootswatch, no MathJax CDN
    assert not {"include-in-header", "css"} & html.keys()


def test_theme_has_the_badge_colours_of_the_builtin_site_and_no_web_fonts():
    theme = theme_scss()
    css = (REPO / "ci_lib" / "website" / "assets" / "site.css").read_text()
    badge = next(line for line in css.splitlines() if line.startswith(".badge "))
    assert "background: #13294b; color: #fff" in badge and badge in theme
    assert theme.index("/*-- scss:defaults --*/") < theme.index("/*-- scss:rules --*/") < theme.index(badge)
    assert "$web-font-path: false" in theme and "$navbar-bg: #13294b" in theme
    assert not re.search(r"https?://|@import", theme)


def test_plain_html_notebook_keeps_the_html_and_drops_every_scripted_output():
    html = "<p>a</p>\n````\n<div>``````` x</div>"  # a fence closes only at the start of a line
    nb = {"cells": [{"cell_type": "code", "source": "", "metadata": {}, "execution_count": 1, "outputs": [
        {"output_type": "execute_result", "execution_count": 1, "metadata": {},
         "data": {"text/html": [html], "text/plain": ["<HTML>"]}},
        {"output_type": "display_data", "metadata": {},
         "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": ["w"]}},
        {"output_type": "display_data", "metadata": {}, "data": {"application/javascript": "alert(1)"}},
        {"output_type": "stream", "name": "stdout", "text": "ok\n"}]}],
        "metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {}}}, "nbformat": 4,
        "nbformat_minor": 5}
    out = json.loads(plain_html_notebook(json.dumps(nb).encode()))
    outputs = out["cells"][0]["outputs"]
    assert [o["output_type"] for o in outputs] == ["display_data", "stream"] and "widgets" not in out["metadata"]
    text = outputs[0]["data"]["text/markdown"]
    assert list(outputs[0]["data"]) == ["text/markdown"]
    assert text.startswith("`````{=html}\n") and text.endswith("\n`````\n") and html in text


def test_years_menu_links_every_year_and_the_archive_from_the_site_root(copy_small_run):
    rd = copy_small_run.report_dir
    other = rd.parent / "2024"
    other.mkdir()
    (other / "manifest.json").write_text(json.dumps({"year": 2024}))
    config = project_config(YearContent.load(rd))
    (menu,) = config["website"]["navbar"]["right"]
    assert menu["text"] == "Year 2025"
    assert menu["menu"] == [{"text": "2025", "href": "index.ipynb"},
                            {"text": "2024", "href": "../../2024/_site/index.html"},
                            {"text": "Archive", "href": "../../index.html"}]


def test_quarto_renders_a_clean_project_then_only_changed_pages(copy_small_run, tmp_path, monkeypatch):
    log = recording_quarto(tmp_path, monkeypatch)
    rd = copy_small_run.report_dir
    info = render(rd, "auto")
    assert info["engine"] == "quarto"
    (first,) = calls(log)
    pd = rd / "_quarto"
    cwd, args = Path(first[0]), first[1:]
    out = Path(args[args.index("--output-dir") + 1])
    assert cwd == pd and args[:2] == ["render", "."] and "--no-execute" in args
    assert pd not in out.parents and out != pd  # Quarto never renders into, or finds a site inside, the project
    assert not list(pd.rglob("_site")) and not list(pd.rglob(".site-*"))
    assert (copy_small_run.site / "index.html").read_text() == "<html>quarto</html>"
    # the project publishes the year's files, and its notebooks carry no output that makes Quarto load scripts
    assert sorted(p.name for p in (pd / "scores").iterdir()) == sorted(p.name for p in (rd / "scores").iterdir())
    assert (pd / "manifest.json").read_bytes() == (rd / "manifest.json").read_bytes()
    assert (pd / "downloads" / "scores.csv").exists() and list((pd / "data").glob("*.csv"))
    mimes = set()
    for path in [pd / "index.ipynb", *(pd / "communities").glob("*.ipynb")]:
        nb = json.loads(path.read_text())
        assert "widgets" not in nb["metadata"]
        for cell in nb["cells"]:
            for output in cell.get("outputs", []):
                mimes |= set(output.get("data", {}))
                if "text/markdown" in output.get("data", {}):
                    assert output["data"]["text/markdown"].startswith("```")
    assert "text/markdown" in mimes and not mimes & SCRIPTED_MIME, mimes
    original = json.loads((rd / "communities" / f"{sorted(info_ids(rd))[0]}.ipynb").read_text())
    assert any("text/html" in o.get("data", {}) for c in original["cells"] for o in c.get("outputs", []))

    render(rd, "quarto")  # nothing changed: Quarto is not called
    assert len(calls(log)) == 1

    manifest = json.loads((rd / "manifest.json").read_text())
    changed = sorted(info_ids(rd))[1]
    manifest["notebooks"][changed]["cache_key"] = "changed"
    (rd / "manifest.json").write_text(json.dumps(manifest))
    render(rd, "quarto")
    second = calls(log)[-1]
    inputs = second[2:second.index("--output-dir")]
    assert inputs == [*(["index.ipynb"] if (rd / "index.ipynb").exists() else []), "communities.qmd",
                      f"communities/{changed}.ipynb", "methods.qmd", "downloads.qmd"]
    assert json.loads((pd / "manifest.json").read_text())["notebooks"][changed]["cache_key"] == "changed"


def info_ids(rd: Path) -> list[str]:
    return [p.stem for p in (rd / "scores").glob("*.json")]


def test_failing_quarto_leaves_the_previous_site_intact(copy_small_run, tmp_path, monkeypatch):
    before = {p.relative_to(copy_small_run.site): p.read_bytes() for p in copy_small_run.site.rglob("*") if p.is_file()}
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_quarto(bin_dir, 'echo "ERROR: something broke" >&2\nexit 1\n')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(KitError, match="previous site is left intact"):
        render(copy_small_run.report_dir, "quarto")
    after = {p.relative_to(copy_small_run.site): p.read_bytes() for p in copy_small_run.site.rglob("*") if p.is_file()}
    assert after == before
    assert not list(copy_small_run.report_dir.glob(".site-build-*"))


def test_engine_quarto_without_quarto_is_a_clear_error(copy_small_run, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(KitError, match="not on PATH"):
        render(copy_small_run.report_dir, "quarto")
