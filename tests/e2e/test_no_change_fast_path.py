"""The no-change answer (`execute.unchanged`) after `run --force` and after `verify`, and never over a real change.

Whether a run took the fast path is read from what it wrote (`timings.json` says `"unchanged": true`, nothing
executed) and from what it did not do (scoring, which the fast path never reaches), never from wall time.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import ci_lib.execute.run as run_module  # the pipeline imports score_year from here when it scores
from ci_lib.cli import main
from ci_lib.execute import cache, unchanged
from ci_lib.execute.cache import read_ledger
from ci_lib.pipeline import assess_year
from ci_lib.release.verify import verify_year
from ci_lib.website.build import render
from tests.conftest import NOTEBOOKS, YEAR, Project, make_project


def cli_run(project: Project, *extra: str, notebooks: Path = NOTEBOOKS) -> int:
    return main(["run", "--year", str(YEAR), "--data", str(project.data), "--params", str(project.params),
                 "--reports", str(project.reports), "--notebooks", str(notebooks), "--jobs", "2", "--quiet", *extra])


def timings(project: Project) -> dict:
    return json.loads((project.report_dir / "timings.json").read_text())


def took_fast_path(project: Project) -> bool:
    """The last run answered from the year's key: timings say so and not one notebook executed."""
    last = timings(project)
    return last.get("unchanged") is True and {n["status"] for n in last["notebooks"].values()} == {"cached"}


def executed(project: Project) -> set[str]:
    return {name for name, n in timings(project)["notebooks"].items() if n["status"] == "ok"}


def no_scoring(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the no-change answer must not validate or score the network")

    monkeypatch.setattr(run_module, "score_year", refuse)


def file_states(root: Path) -> dict[str, tuple[bytes, int, int, int]]:
    """Every file under `root`: its bytes, modification and change times and inode (what `Digests` trusts)."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            st = path.stat()
            found[path.relative_to(root).as_posix()] = (path.read_bytes(), st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    return found


@pytest.fixture()
def forced(tmp_path: Path) -> Project:
    """A two-community year run with `--force` (every notebook executed), then its site rendered."""
    project = make_project(tmp_path, n=2)
    assert cli_run(project, "--force") == 0
    render(project.report_dir, "builtin")
    assert executed(project) == {"_network", *json.loads((project.report_dir / "manifest.json").read_text())["communities"]}
    return project


def test_the_first_run_after_run_force_takes_the_fast_path(forced, monkeypatch):
    assert read_ledger(forced.report_dir)["year"] == unchanged.inputs_key(forced.options().run_options())
    no_scoring(monkeypatch)
    assert cli_run(forced) == 0
    assert took_fast_path(forced)
    # `assess`: the fast path, then a render that finds every page as it was
    report = assess_year(forced.options(render=True, engine="builtin"))
    assert took_fast_path(forced) and report.site is not None and report.site["rendered"] == 0


def test_the_file_states_a_forced_run_hashed_are_remembered(forced, monkeypatch):
    """After a forced run the no-change check reads no data file again (their states are in the ledger)."""
    read: list[Path] = []
    real = unchanged.file_sha256

    def counting(path: Path) -> str:
        read.append(Path(path).resolve())
        return real(path)

    monkeypatch.setattr(unchanged, "file_sha256", counting)
    assert cli_run(forced) == 0 and took_fast_path(forced)
    data_files = {p.resolve() for p in forced.data.rglob("*") if p.is_file()}
    assert data_files and not data_files & set(read)


def test_verify_changes_no_file_of_the_project_and_the_next_run_takes_the_fast_path(forced, monkeypatch):
    before = file_states(forced.root)
    result = verify_year(forced.report_dir, notebooks=NOTEBOOKS, jobs=2)
    assert result.ok, (result.problems, result.differing)
    assert file_states(forced.root) == before  # not one byte, time or inode of the year, its data or params
    no_scoring(monkeypatch)
    assert cli_run(forced) == 0
    assert took_fast_path(forced)


def test_a_forced_run_that_failed_is_not_remembered(forced, tmp_path):
    ids = sorted(json.loads((forced.report_dir / "manifest.json").read_text())["communities"])
    broken = tmp_path / "broken-notebooks"
    shutil.copytree(NOTEBOOKS, broken)
    nb = nbformat.read(broken / "community.ipynb", as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell(f"if community_id == {ids[0]!r}:\n    raise RuntimeError('broken')"))
    nbformat.write(nb, broken / "community.ipynb")
    assert cli_run(forced, "--force", notebooks=broken) == 1
    assert read_ledger(forced.report_dir)["year"] is None


def edit_outcomes(project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, set[str]]:
    outcomes = pd.read_csv(project.data / "outcomes.csv")
    cid = sorted(outcomes["community_id"].unique())[1]
    row = outcomes.index[(outcomes["community_id"] == cid) & (outcomes["group"] == "all")][0]
    outcomes.loc[row, "numerator"] = outcomes.loc[row, "numerator"] - 1
    outcomes.to_csv(project.data / "outcomes.csv", index=False)
    return NOTEBOOKS, {"_network", cid}


def edit_params(project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, set[str]]:
    network = project.params / str(YEAR) / "network.yml"
    text = network.read_text()
    assert "value: 55" in text
    network.write_text(text.replace("value: 55", "value: 65", 1))  # a network-wide target: pages that chart it
    return NOTEBOOKS, set()  # (which pages show that target depends on the generated data: at least one)


def edit_template(project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, set[str]]:
    notebooks = tmp_path / "edited-notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    nb = nbformat.read(notebooks / "community.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("edited_by_staff = True"))
    nbformat.write(nb, notebooks / "community.ipynb")
    return notebooks, set(json.loads((project.report_dir / "manifest.json").read_text())["communities"])


def edit_kit_version(project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, set[str]]:
    for module in (unchanged, cache):  # a new kit version is a new key for every output
        monkeypatch.setattr(module, "__version__", "999.0.0")
    return NOTEBOOKS, {"_network", *json.loads((project.report_dir / "manifest.json").read_text())["communities"]}


@pytest.mark.parametrize("edit", [edit_outcomes, edit_params, edit_template, edit_kit_version],
                         ids=["input", "params", "template", "kit-version"])
def test_after_a_forced_run_a_real_change_is_never_answered_as_no_change(forced, tmp_path, monkeypatch, edit):
    notebooks, redone = edit(forced, tmp_path, monkeypatch)
    assert unchanged.inputs_key(forced.options(notebooks=str(notebooks)).run_options()) != \
        read_ledger(forced.report_dir)["year"]
    assert cli_run(forced, notebooks=notebooks) == 0
    assert not took_fast_path(forced) and "unchanged" not in timings(forced)
    assert executed(forced) == redone if redone else executed(forced)
    # and once done, that run is remembered: the next one is the fast path again
    assert cli_run(forced, notebooks=notebooks) == 0 and took_fast_path(forced)
