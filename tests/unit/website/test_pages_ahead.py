"""Page bodies exported while notebooks run (`PagesAhead`): the same site, each body used only for its exact notebook."""

from __future__ import annotations

from pathlib import Path

from ci_lib.cli import main
from ci_lib.execute.results import TaskResult
from ci_lib.website import ahead as ahead_module
from ci_lib.website.ahead import PagesAhead
from ci_lib.website.build import render
from tests.conftest import NOTEBOOKS, YEAR


def site_files(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def results_of(report_dir: Path) -> list[TaskResult]:
    pages = [TaskResult(p.stem, "ok", 0.1, "", str(p)) for p in sorted((report_dir / "communities").glob("*.ipynb"))]
    return [TaskResult("_network", "ok", 0.1, "", str(report_dir / "index.ipynb")), *pages]


def test_a_site_built_from_bodies_exported_ahead_is_byte_identical(copy_small_run):
    report_dir = copy_small_run.report_dir
    before = site_files(copy_small_run.site)
    with PagesAhead() as ahead:
        for result in results_of(report_dir):
            ahead.add(result)
        assert len(ahead.bodies) == 6  # five communities and the network page
        render(report_dir, "builtin", force=True, ahead=ahead)
        assert ahead.bodies == {}  # every page took its body instead of exporting it
        folder = ahead.folder
    assert not folder.exists()
    assert site_files(copy_small_run.site) == before


def test_a_body_is_used_only_for_the_notebook_bytes_it_was_made_from(copy_small_run):
    report_dir = copy_small_run.report_dir
    first, second = sorted((report_dir / "communities").glob("*.ipynb"))[:2]
    with PagesAhead() as ahead:
        for path in (first, second):
            ahead.add(TaskResult(path.stem, "ok", 0.1, "", str(path)))
        ahead.add(TaskResult("gone", "failed", 0.1, "ValueError: x", str(first)))  # failed: not exported
        ahead.add(TaskResult(f"{first.stem}:local", "ok", 0.1, "", str(first)))  # local sections never are
        assert len(ahead.bodies) == 2
        for body in ahead.bodies.values():  # mark the bodies: the page shows the mark only if it took the body
            body.write_text("<p>MADE-AHEAD</p>", encoding="utf-8")
        second.write_bytes(second.read_bytes().replace(b'"nbformat": 4', b'"nbformat": 4 ', 1))  # changed since
        render(report_dir, "builtin", force=True, ahead=ahead)
        assert "MADE-AHEAD" in (copy_small_run.site / "communities" / f"{first.stem}.html").read_text()
        page = (copy_small_run.site / "communities" / f"{second.stem}.html").read_text()
        assert "MADE-AHEAD" not in page and "<img" in page  # exported again, from the notebook as it now is
        assert len(ahead.bodies) == 1  # the changed notebook's body was never handed out


def test_assess_exports_each_executed_page_while_the_run_goes_on(project, monkeypatch):
    added: list[str] = []
    taken: list[bool] = []
    real_add, real_take = PagesAhead.add, PagesAhead.take

    def add(self, result):
        added.append(result.name)
        real_add(self, result)

    def take(self, data):
        body = real_take(self, data)
        taken.append(body is not None)
        return body

    monkeypatch.setattr(ahead_module.PagesAhead, "add", add)
    monkeypatch.setattr(ahead_module.PagesAhead, "take", take)
    code = main(["assess", "--year", str(YEAR), "--data", str(project.data), "--params", str(project.params),
                 "--reports", str(project.reports), "--notebooks", str(NOTEBOOKS), "--jobs", "2", "--quiet",
                 "--engine", "builtin"])
    assert code == 0
    assert sorted(added) == sorted(["_network", *[p.stem for p in (project.report_dir / "communities").glob("*.ipynb")]])
    assert taken == [True] * 6
    assert (project.site / "index.html").exists()
