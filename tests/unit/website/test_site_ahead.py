"""The render's score-only work built while the notebooks run (`PagesAhead.expect`/`site`), taken only for the
content it was built from; the indicator bodies built once per render; the workbook's zip level."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ci_lib.cli import main
from ci_lib.errors import KitError
from ci_lib.website import ahead as ahead_module
from ci_lib.website import downloads, indicators
from ci_lib.website.ahead import PagesAhead
from ci_lib.website.build import render
from ci_lib.website.content import YearContent
from tests.conftest import NOTEBOOKS, YEAR


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def published(report_dir: Path) -> tuple[dict, dict]:
    """The manifest (its notebooks' entries as the run predicts them: no cache keys) and the published scores."""
    manifest = json.loads((report_dir / "manifest.json").read_text())
    manifest["notebooks"] = {name: {**entry, "cache_key": ""} for name, entry in manifest["notebooks"].items()}
    scores = {p.stem: json.loads(p.read_text()) for p in sorted((report_dir / "scores").glob("*.json"))}
    return manifest, scores


def test_assess_builds_the_score_only_work_ahead_and_the_render_takes_it(project, monkeypatch):
    taken: list[bool] = []
    built_into: list[Path | None] = []
    real_site, real_write = PagesAhead.site, downloads.write_downloads

    def site(self, content):
        found = real_site(self, content)
        taken.append(found is not None)
        return found

    def write_downloads(content, into=None):
        built_into.append(into)
        return real_write(content, into)

    monkeypatch.setattr(ahead_module.PagesAhead, "site", site)
    monkeypatch.setattr(downloads, "write_downloads", write_downloads)
    code = main(["assess", "--year", str(YEAR), "--data", str(project.data), "--params", str(project.params),
                 "--reports", str(project.reports), "--notebooks", str(NOTEBOOKS), "--jobs", "2", "--quiet",
                 "--engine", "builtin"])
    assert code == 0
    assert taken == [True]
    assert len(built_into) == 1 and built_into[0] is not None  # built ahead only; the render moved them in
    report_dir = project.report_dir
    assert not list(report_dir.glob(".downloads-ahead-*"))  # moved in, nothing left beside
    site, files = files_under(project.site), files_under(report_dir / "downloads")
    assert render(report_dir, "builtin", force=True)["rendered"] > 0  # `ci-assess render` alone: the same site
    assert files_under(project.site) == site
    assert files_under(report_dir / "downloads") == files


def test_work_built_for_other_content_is_not_taken(copy_small_run):
    report_dir = copy_small_run.report_dir
    before = files_under(copy_small_run.site)
    manifest, scores = published(report_dir)
    with PagesAhead() as ahead:  # built for exactly what is published: taken
        ahead.expect(report_dir, manifest, scores)
        assert ahead.site(YearContent.load(report_dir)) is not None
    other = json.loads(json.dumps(scores))
    member = sorted(other)[0]
    other[member]["name"] = "Somewhere Else"  # one member's scores differ (say its notebook failed, or changed)
    with PagesAhead() as ahead:
        ahead.expect(report_dir, manifest, other)
        content = YearContent.load(report_dir)
        assert ahead.site(content) is None
        assert content.derived == {}  # nothing of it handed over
        render(report_dir, "builtin", force=True, ahead=ahead)
        folder = PagesAhead.downloads_folder(content)
    assert not folder.exists()
    assert files_under(copy_small_run.site) == before  # the render built it all itself
    assert "Somewhere Else" not in (report_dir / "downloads" / "scores.csv").read_text()


def test_a_failure_ahead_means_the_render_does_it_and_reports_the_error(copy_small_run, monkeypatch):
    report_dir = copy_small_run.report_dir
    manifest, scores = published(report_dir)

    def broken(content, out, outcomes=None):
        raise KitError("the workbook cannot be written")

    monkeypatch.setattr(downloads, "write_workbook", broken)
    with PagesAhead() as ahead:
        ahead.expect(report_dir, manifest, scores)
        assert ahead.site(YearContent.load(report_dir)) is None  # failed quietly, ahead
        with pytest.raises(KitError, match="the workbook cannot be written"):  # and again, reported, in the render
            render(report_dir, "builtin", force=True, ahead=ahead)


def test_each_indicator_body_is_built_once_per_render(copy_small_run, monkeypatch):
    calls: list[int] = []
    real = indicators.page_html

    def page_html(view, number):
        calls.append(number)
        return real(view, number)

    monkeypatch.setattr(indicators, "page_html", page_html)
    render(copy_small_run.report_dir, "builtin", force=True)  # writes the Quarto project and the built-in site
    assert len(calls) == len(indicators.pages(YearContent.load(copy_small_run.report_dir))) > 0


def raw_entries(data: bytes) -> dict[str, tuple[bytes, bytes]]:
    """Each zip entry's stored (deflated) bytes and its content."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    found = {}
    for info in archive.infolist():
        name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
        start = info.header_offset + 30 + name_length + extra_length
        found[info.filename] = (data[start:start + info.compress_size], archive.read(info))
    return found


def test_the_workbook_is_deflated_at_its_level_deterministic_and_readable(copy_small_run):
    content = YearContent.load(copy_small_run.report_dir)
    first, second = io.BytesIO(), io.BytesIO()
    downloads.write_workbook(content, first)
    downloads.write_workbook(YearContent.load(copy_small_run.report_dir), second)
    assert first.getvalue() == second.getvalue()
    for name, (stored, data) in raw_entries(first.getvalue()).items():
        deflate = zlib.compressobj(downloads.ZIP_LEVEL, zlib.DEFLATED, -15)
        assert stored == deflate.compress(data) + deflate.flush(), name
    book = load_workbook(io.BytesIO(first.getvalue()), read_only=True)
    assert book.sheetnames == ["README", "scores", "outcomes", "gaps", "benchmarks"]
    with (copy_small_run.report_dir / "downloads" / "outcomes.csv").open(encoding="utf-8") as handle:
        assert sum(1 for _ in book["outcomes"].iter_rows()) == sum(1 for _ in handle)
