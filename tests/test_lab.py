"""`ci-assess lab`: the command it execs, and a clear error without JupyterLab (JupyterLab is not needed)."""

from __future__ import annotations

import os
import shutil

import pytest

from ci_lib import lab
from ci_lib.cli import main


@pytest.fixture()
def execs(monkeypatch):
    calls = []
    monkeypatch.setattr(os, "execvp", lambda file, argv: calls.append((file, list(argv), os.getcwd())))
    return calls


def test_without_jupyterlab_it_says_how_to_install_it(monkeypatch, execs, capsys):
    monkeypatch.setattr(shutil, "which", lambda name, path=None: None)
    assert main(["lab"]) == 2
    err = capsys.readouterr().err
    assert "JupyterLab is not installed" in err and "pip install -e '.[lab]'" in err
    assert execs == []


def test_it_execs_jupyter_lab_in_the_project_root(monkeypatch, execs, tmp_path, capsys):
    root = tmp_path / "project"
    for folder in ("notebooks", "params", "reports/2025"):
        (root / folder).mkdir(parents=True)
    asked = []

    def which(name, path=None):
        asked.append((name, path))
        return "/opt/lab/bin/jupyter-lab" if name == "jupyter-lab" else None

    monkeypatch.setattr(shutil, "which", which)
    monkeypatch.chdir(root / "reports" / "2025")  # from anywhere inside the project
    assert main(["lab", "--", "--port", "8890", "--no-browser"]) == 0
    exe = "/opt/lab/bin/jupyter-lab"
    resolved = root.resolve()
    assert execs == [(exe, [exe, f"--ServerApp.root_dir={resolved}", "--port", "8890", "--no-browser"],
                      str(resolved))]
    assert asked[0][0] == "jupyter-lab"
    assert asked[0][1].split(os.pathsep)[0] == os.path.dirname(os.sys.executable)  # this environment first
    assert str(resolved) in capsys.readouterr().out


def test_project_root_is_the_start_when_no_project_is_found(tmp_path):
    assert lab.project_root(tmp_path) == tmp_path.resolve()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert lab.project_root(tmp_path / "a" / "b") == tmp_path.resolve()
