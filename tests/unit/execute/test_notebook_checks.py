"""`ci-assess check-notebooks`: one fixture notebook per rule, the repo's own templates, the pre-commit config."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

from ci_lib.cli import main
from ci_lib.execute.notebook_checks import check_notebook, check_notebooks, check_outputs_stripped, check_pairing
from tests.conftest import FIXTURES, NOTEBOOKS, REPO

CASES = FIXTURES / "notebooks"

# fixture -> (cell, message fragment): each breaks exactly one rule
EXPECTED = {
    "untagged_parameters": (2, "no cell is tagged `parameters`"),
    "unused_parameter": (2, "parameter `community_id` is never used"),
    "absolute_path": (3, "absolute path"),
    "windows_path": (3, "absolute path"),
    "network_access": (3, "network access (imports urllib)"),
    "url_in_code": (3, "network access (an http(s):// address"),
    "direct_matplotlib": (4, "plot outside the kit"),
    "direct_seaborn": (4, "plot outside the kit"),
    "out_of_sync": (3, "differs from out_of_sync.py"),
    "unpaired": (None, "no paired unpaired.py"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fixture_breaks_exactly_its_rule(name):
    problems = check_notebook(CASES / f"{name}.ipynb")
    cell, fragment = EXPECTED[name]
    assert len(problems) == 1, [str(p) for p in problems]
    assert problems[0].cell == cell and fragment in problems[0].message
    where = f":cell {cell}: " if cell else ": "
    assert str(problems[0]).endswith(f"{name}.ipynb{where}{problems[0].message}")


def test_outputs_and_execution_counts_are_reported_per_cell():
    problems = check_notebook(CASES / "with_outputs.ipynb")
    assert [(p.cell, p.message) for p in problems] == [(2, "has an execution count: strip it (nbstripout)"),
                                                       (3, "has outputs: strip them (nbstripout)")]


def test_a_notebook_that_follows_the_rules_passes():
    assert check_notebook(CASES / "clean.ipynb") == []


def test_rules_do_not_fire_on_ordinary_code(tmp_path):
    """Markdown links, relative paths, f-strings and a bare "/" are fine; the kit's own plots are fine."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('report_dir = "../reports/2025"\nyear = 2025')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("Data from https://example.org, saved under /home/somewhere."),
        params,
        nbformat.v4.new_code_cell("%load_ext autoreload\nfrom ci_lib.pages import plots\n\n"
                                  'path = f"{report_dir}/scores/{year}.json"\nparts = path.split("/")\n'
                                  "plots.group_styles(['all'])"),
    ]
    nbformat.write(nb, tmp_path / "ok.ipynb")
    jupytext.write(nb, tmp_path / "ok.py", fmt="py:percent")
    assert check_notebook(tmp_path / "ok.ipynb") == []


def test_the_repository_notebooks_pass():
    found = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert {"community.ipynb", "network.ipynb", "explore.ipynb"} <= set(found)
    assert [str(p) for p in check_notebooks(NOTEBOOKS)] == []
    assert check_pairing(NOTEBOOKS) == [] and check_outputs_stripped(NOTEBOOKS) == []


def test_pairing_and_outputs_checks_on_the_fixtures():
    paired = {Path(p.file).stem for p in check_pairing(CASES)}
    assert paired == {"unpaired", "out_of_sync"}
    stripped = {Path(p.file).stem for p in check_outputs_stripped(CASES)}
    assert stripped == {"with_outputs"}


def test_cli_prints_file_cell_message_and_exits_1(tmp_path, capsys):
    for name in ("unused_parameter", "direct_matplotlib"):
        for suffix in (".ipynb", ".py"):
            shutil.copy(CASES / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    assert main(["check-notebooks", "--notebooks", str(tmp_path)]) == 1
    lines = capsys.readouterr().err.splitlines()
    problems = [line for line in lines if ".ipynb:" in line]
    assert len(problems) == 2
    assert all(re.match(r"^.+\.ipynb:cell \d+: \S", line) for line in problems)
    assert lines[-1] == "2 problem(s) in 2 notebook(s)"


def test_cli_passes_on_the_repository_notebooks(capsys):
    assert main(["check-notebooks", "--notebooks", str(NOTEBOOKS)]) == 0
    assert "all fine" in capsys.readouterr().out


def test_cli_rejects_a_missing_folder(tmp_path, capsys):
    assert main(["check-notebooks", "--notebooks", str(tmp_path / "nope")]) == 2
    assert "not a folder" in capsys.readouterr().err


def locked(name: str) -> str:
    text = (REPO / "requirements.lock").read_text(encoding="utf-8")
    return re.search(rf"^{name}==(\S+)", text, re.M | re.I).group(1)


def test_pre_commit_config_uses_the_public_hooks_pinned_to_the_lock():
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    repos = {r["repo"]: r for r in config["repos"]}
    assert set(repos) == {"https://github.com/mwouts/jupytext", "https://github.com/kynan/nbstripout",
                          "https://github.com/astral-sh/ruff-pre-commit"}
    for repo in repos.values():
        assert re.fullmatch(r"v?\d+\.\d+\.\d+", str(repo["rev"])), repo  # pinned: a release, never a branch
    hooks = {h["id"]: h for r in repos.values() for h in r["hooks"]}
    assert "--sync" in hooks["jupytext"]["args"]
    assert re.match(hooks["jupytext"]["files"], "notebooks/explore.ipynb")
    assert re.match(hooks["nbstripout"]["files"], "notebooks/community.ipynb")
    assert not re.match(hooks["nbstripout"]["files"], "tests/fixtures/notebooks/with_outputs.ipynb")
    assert "jupyter" in hooks["ruff"]["types_or"] and "python" in hooks["ruff"]["types_or"]
    assert repos["https://github.com/mwouts/jupytext"]["rev"] == f"v{locked('jupytext')}"
    assert repos["https://github.com/astral-sh/ruff-pre-commit"]["rev"] == f"v{locked('ruff')}"
