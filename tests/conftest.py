"""Shared fixtures: a small real network (5 communities) generated, executed and rendered once."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from ci_lib.execute.results import RunReport
from ci_lib.pipeline import AssessOptions, assess_year
from ci_lib.tools import demo
from ci_lib.website.build import render

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
FIXTURES = Path(__file__).parent / "fixtures"
YEAR = 2025


@dataclass
class Project:
    """A throw-away project directory laid out like the repository."""

    root: Path
    data: Path
    params: Path
    reports: Path

    def options(self, **kw) -> AssessOptions:
        base = dict(year=YEAR, data=str(self.data), params_root=str(self.params), reports_root=str(self.reports),
                    notebooks=str(NOTEBOOKS), jobs=2)
        base.update(kw)
        return AssessOptions(**base)

    @property
    def report_dir(self) -> Path:
        return self.reports / str(YEAR)

    @property
    def site(self) -> Path:
        return self.report_dir / "_site"


def make_project(root: Path, n: int = 5, seed: int = 7) -> Project:
    data = root / "data"
    info = demo.generate(data, seed=seed, n=n)
    # `data:` relative to the project (as a real project has it): nothing in the outputs names the tmp dir
    demo.write_demo_params(root / "params", YEAR, "data", info["local"])
    return Project(root, data, root / "params", root / "reports")


@pytest.fixture(scope="session")
def small_run(tmp_path_factory) -> tuple[Project, RunReport, dict]:
    """Five communities executed through papermill on warm kernels and rendered by the built-in renderer."""
    project = make_project(tmp_path_factory.mktemp("small"))
    report = assess_year(project.options())
    info = render(project.report_dir, "builtin")
    return project, report, info


@pytest.fixture()
def project(tmp_path) -> Project:
    return make_project(tmp_path)


@pytest.fixture()
def copy_small_run(small_run, tmp_path) -> Project:
    """A private copy of the small run, for tests that modify outputs."""
    project = small_run[0]
    shutil.copytree(project.root, tmp_path / "copy", symlinks=True)
    root = tmp_path / "copy"
    return Project(root, root / "data", root / "params", root / "reports")


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Project:
    """The full 70-community demo year, executed and rendered as `make assess` does (audit, browser tests)."""
    project = make_project(tmp_path_factory.mktemp("demo70"), n=70, seed=2025)
    report = assess_year(project.options())
    assert not report.failed, [r.error for r in report.failed]
    render(project.report_dir, "builtin")
    return project
