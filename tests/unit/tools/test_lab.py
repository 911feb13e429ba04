"""`ci-assess lab`: the command it execs (with `--allow-root` as root), a clear error without JupyterLab,
and JupyterLab pinned in the lock that `make lab` installs (JupyterLab itself is not needed)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ci_lib.cli import main
from ci_lib.tools import lab
from ci_lib.tools.environment import read_lock
from tests.conftest import REPO


@pytest.fixture()
def execs(monkeypatch):
    calls = []
    monkeypatch.setattr(os, "execvp", lambda file, argv: calls.append((file, list(argv), os.getcwd())))
    monkeypatch.setattr(os, "geteuid", lambda: 1000, raising=False)  # a user; root is tested on its own
    return calls


def lab_project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for folder in ("notebooks", "params", "reports/2025"):
        (root / folder).mkdir(parents=True)
    return root


def test_without_jupyterlab_it_says_how_to_install_it(monkeypatch, execs, capsys):
    monkeypatch.setattr(shutil, "which", lambda name, path=None: None)
    assert main(["lab"]) == 2
    err = capsys.readouterr().err
    assert "JupyterLab is not installed" in err and "`make lab`" in err and "pip install -r requirements.lock" in err
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


def test_as_root_it_passes_allow_root_itself_and_says_so(monkeypatch, execs, tmp_path, capsys):
    monkeypatch.setattr(os, "geteuid", lambda: 0, raising=False)
    monkeypatch.setattr(shutil, "which", lambda name, path=None: "/opt/lab/bin/jupyter-lab")
    monkeypatch.chdir(lab_project(tmp_path))
    assert main(["lab", "--", "--no-browser"]) == 0
    argv = execs[0][1]
    assert argv[2:] == ["--allow-root", "--no-browser"]
    assert "running as root: passing --allow-root to jupyter lab" in capsys.readouterr().out
    execs.clear()
    assert main(["lab", "--", "--allow-root"]) == 0  # given already: passed once
    assert execs[0][1].count("--allow-root") == 1


def test_as_a_user_no_allow_root(execs, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(shutil, "which", lambda name, path=None: "/opt/lab/bin/jupyter-lab")
    monkeypatch.chdir(lab_project(tmp_path))
    assert main(["lab"]) == 0
    assert "--allow-root" not in execs[0][1] and "running as root" not in capsys.readouterr().out


def test_a_stand_in_jupyter_lab_gets_the_argv(tmp_path):
    """The real exec, with a stand-in `jupyter-lab` recording its argv; `--allow-root` exactly when root.
    The stand-in sits where this environment's own would (beside `sys.executable`, searched first)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "argv.txt"
    stand_in = bin_dir / "jupyter-lab"
    stand_in.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import os, sys
        open({str(record)!r}, "w").write("\\n".join([os.getcwd(), *sys.argv[1:]]))
        """))
    stand_in.chmod(0o755)
    root = lab_project(tmp_path)
    code = (f"import sys; sys.executable = {str(bin_dir / 'python')!r}\n"
            "from ci_lib.cli import main\nsys.exit(main(['lab', '--', '--no-browser']))")
    done = subprocess.run([sys.executable, "-c", code], cwd=root / "notebooks", env={**os.environ, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    cwd, *args = record.read_text().split("\n")
    assert cwd == str(root.resolve())
    as_root = os.geteuid() == 0
    expected = [f"--ServerApp.root_dir={root.resolve()}", *(["--allow-root"] if as_root else []), "--no-browser"]
    assert args == expected
    assert ("passing --allow-root" in done.stdout) == as_root


def test_the_lab_extra_is_pinned_in_the_lock_that_make_lab_installs():
    lock = read_lock(REPO / "requirements.lock")
    assert "jupyterlab" in lock.pins and "jupyter-server" in lock.pins
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"--extra dev --extra dask --extra lab\b", makefile)  # `make lock` keeps it pinned
    assert re.search(r"^lab: \$\(STAMP\)$", makefile, re.M)  # which installs requirements.lock
    assert re.search(r"^\$\(STAMP\):.*requirements\.lock", makefile, re.M)


def test_an_installed_jupyterlab_is_the_pinned_one():
    pytest.importorskip("jupyterlab")
    from importlib import metadata

    assert metadata.version("jupyterlab") == read_lock(REPO / "requirements.lock").pins["jupyterlab"]
