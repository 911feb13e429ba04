"""Notebooks that stand alone (#22 item 6): the plain papermill command and a JupyterLab run on a project
that was never run prepare the year's slices themselves, byte for byte as `ci-assess run` does."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

from ci_lib.pages.report import CommunityPage
from ci_lib.pages.standalone import NotebookError
from tests.conftest import NOTEBOOKS, REPO, YEAR, make_project

PAPERMILL = str(Path(sys.executable).parent / "papermill")


def fresh_project(root: Path):
    """Generated data and params, the notebooks, and no run: a fresh clone after `ci-assess demo --generate-only`."""
    project = make_project(root)
    shutil.copytree(NOTEBOOKS, root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return project


def papermill(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([PAPERMILL, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def outputs(path: Path) -> tuple[list[str], str]:
    nb = nbformat.read(path, as_version=4)
    found = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    errors = [f"{o.ename}: {o.evalue}" for o in found if o.output_type == "error"]
    return errors, "\n".join(str(o.get("data", {}).get("text/html", "")) for o in found)


def first_community(project) -> str:
    return str(sorted(pd.read_csv(project.data / "communities.csv")["community_id"])[0])


@pytest.mark.slow
def test_the_plain_papermill_command_works_on_a_project_never_run(tmp_path):
    project = fresh_project(tmp_path)
    cid = first_community(project)
    done = papermill(["notebooks/community.ipynb", "out.ipynb", "-p", "community_id", cid, "-p", "year", str(YEAR)],
                     cwd=project.root)
    assert done.returncode == 0, done.stderr[-3000:]
    errors, html = outputs(project.root / "out.ipynb")
    assert errors == [] and '<section class="summary-card"' in html
    assert (project.report_dir / "_work" / f"{cid}.json").exists()  # prepared where a run prepares it
    assert not (project.report_dir / "scores").exists()  # the notebook only shows: scores are the pipeline's


@pytest.mark.slow
def test_explore_runs_in_the_notebooks_folder_as_jupyterlab_runs_it(tmp_path):
    project = fresh_project(tmp_path)
    done = papermill(["notebooks/explore.ipynb", "explore-out.ipynb", "--cwd", "notebooks"], cwd=project.root)
    assert done.returncode == 0, done.stderr[-3000:]
    errors, html = outputs(project.root / "explore-out.ipynb")
    assert errors == [] and html
    nb = nbformat.read(project.root / "explore-out.ipynb", as_version=4)
    mimes = {m for c in nb.cells if c.cell_type == "code" for o in c.outputs for m in o.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" in mimes
    assert (project.report_dir / "_work" / "_network.json").exists()
    assert not (project.report_dir / "scores").exists()  # prepared slices are read; nothing is published


def test_prepared_slices_are_the_pipelines_byte_for_byte(small_run, tmp_path, monkeypatch):
    """Same data and params as the small run (make_project's defaults): the same work files and CSVs."""
    run_dir = small_run[0].report_dir
    project = make_project(tmp_path)
    monkeypatch.chdir(project.root / "params")  # found by walking up
    cid = first_community(project)
    page = CommunityPage.load_or_prepare("", cid, YEAR)
    assert page.report_dir.resolve() == project.report_dir.resolve()
    members = sorted(pd.read_csv(project.data / "communities.csv")["community_id"])
    names = ["_network.json", *(f"{m}.json" for m in members)]  # (the run keeps its inputs.* state beside them)
    assert sorted(p.name for p in (project.report_dir / "_work").glob("*.json")) == names
    for name in names:
        assert (project.report_dir / "_work" / name).read_bytes() == (run_dir / "_work" / name).read_bytes(), name
    for path in (run_dir / "data").glob("*-outcomes.csv"):
        assert (project.report_dir / "data" / path.name).read_bytes() == path.read_bytes(), path.name


def test_an_existing_slice_is_only_read(small_run):
    """The pipeline's path: with the work file there, nothing of the scoring machinery is imported."""
    run_dir = small_run[0].report_dir
    cid = sorted(p.stem for p in (run_dir / "scores").glob("*.json"))[0]
    code = ("import sys\nfrom ci_lib.pages.report import CommunityPage\n"
            f"page = CommunityPage.load_or_prepare({str(run_dir)!r}, {cid!r}, {YEAR})\n"
            "assert page.cid == " + repr(cid) + "\n"
            "loaded = [m for m in ('ci_lib.pages.standalone', 'ci_lib.execute.run', 'ci_lib.scoring', 'ci_lib.inputs.load') "
            "if m in sys.modules]\nassert not loaded, loaded\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr


def test_missing_demo_data_is_one_line_naming_the_folder_and_the_command(tmp_path, monkeypatch):
    project = make_project(tmp_path)
    network = project.params / str(YEAR) / "network.yml"
    settings = yaml.safe_load(network.read_text())
    network.write_text(yaml.safe_dump({**settings, "data": "data/demo"}))
    monkeypatch.chdir(project.root)
    with pytest.raises(NotebookError) as caught:
        CommunityPage.load_or_prepare("", "alder-bay", YEAR)
    assert str(caught.value) == "no data at data/demo: run `ci-assess demo --generate-only` first"
    assert caught.value._render_traceback_() == [f"NotebookError: {caught.value}"]  # IPython shows just this
    assert not project.reports.exists()  # nothing written


def test_other_missing_data_and_an_unknown_community_say_what_to_do(tmp_path, monkeypatch):
    project = make_project(tmp_path)
    monkeypatch.chdir(project.root)
    with pytest.raises(NotebookError, match="^'no-such-place' is not a community of 2025"):
        CommunityPage.load_or_prepare("", "no-such-place", YEAR)
    shutil.rmtree(project.data)
    shutil.rmtree(project.reports)
    with pytest.raises(NotebookError, match=r"^no data at data: put the year's input files there, or change `data:`"):
        CommunityPage.load_or_prepare("", "alder-bay", YEAR)


def test_outside_a_project_the_error_says_where_to_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NotebookError, match="no params/ folder in .* or above: run the notebook inside the project"):
        CommunityPage.load_or_prepare("", "alder-bay", YEAR)
