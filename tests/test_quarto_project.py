"""The Quarto path's inputs, tested structurally (Quarto itself cannot be installed here)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import nbformat
import pytest
import yaml

from ci_lib.errors import KitError
from ci_lib.escape import markdown_text
from ci_lib.rubric import load_rubric
from ci_lib.site.build import render

REPO = Path(__file__).resolve().parents[1]


def test_repository_quarto_project_is_a_website_that_never_executes():
    config = yaml.safe_load((REPO / "_quarto.yml").read_text())
    assert config["project"]["type"] == "website"
    assert config["execute"]["enabled"] is False
    assert config["format"]["html"]["echo"] is False
    assert config["website"]["search"] is True
    texts = [item["text"] for item in config["website"]["navbar"]["left"]]
    assert texts == ["Overview", "Communities", "Methods", "Downloads"]


def test_year_project_pages_and_front_matter(small_run):
    project, _, _ = small_run
    rd = project.report_dir
    config = yaml.safe_load((rd / "_quarto.yml").read_text())
    assert config["website"]["title"] == "Demo Network Assessment 2025"
    for item in config["website"]["navbar"]["left"]:
        assert (rd / item["href"]).exists(), item
    renders = config["project"]["render"]
    manifest = json.loads((rd / "manifest.json").read_text())
    assert [r for r in renders if r.startswith("communities/")] == [f"communities/{c}.ipynb" for c in
                                                                    sorted(manifest["communities"])]
    assert all((rd / r).exists() for r in renders)
    listing = yaml.safe_load((rd / "communities.qmd").read_text().split("---")[1])["listing"]
    assert listing["contents"] == "communities/*.ipynb" and listing["filter-ui"] and listing["categories"]
    labels = {g["label"] for g in load_rubric("toa-2019").gateways} | {"Not yet Exploring"}
    for cid in manifest["communities"]:
        nb = nbformat.read(rd / "communities" / f"{cid}.ipynb", as_version=4)
        first = nb.cells[0]
        assert first.cell_type == "raw"
        matter = yaml.safe_load(first.source.strip().strip("-"))
        scores = json.loads((rd / "scores" / f"{cid}.json").read_text())
        assert matter["title"] == markdown_text(scores["name"])  # Pandoc reads front matter as Markdown
        assert matter["categories"][0] in labels and matter["categories"][1] == markdown_text(scores["state"])
    methods = (rd / "methods.qmd").read_text()
    assert methods.startswith('---\ntitle: "Methods"\n---') and "`sv-ex-1`" in methods


def fake_quarto(folder: Path, body: str) -> None:
    script = folder / "quarto"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_quarto_on_path_is_driven_without_execution(copy_small_run, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "args.txt"
    # a stand-in that records its arguments and writes a page into --output-dir, as quarto would
    fake_quarto(bin_dir, f'echo "$@" > {log}\nwhile [ $# -gt 0 ]; do if [ "$1" = "--output-dir" ]; then out="$2"; fi; '
                         'shift; done\necho "<html>quarto</html>" > "$out/index.html"\n')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    info = render(copy_small_run.report_dir, "auto")
    assert info["engine"] == "quarto"
    args = log.read_text().split()
    assert args[:2] == ["render", str(copy_small_run.report_dir)] and "--no-execute" in args
    assert (copy_small_run.site / "index.html").read_text().strip() == "<html>quarto</html>"


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
