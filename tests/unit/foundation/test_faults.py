"""Faults: read-only outputs, a dying kernel, a full disk — clear errors and nothing produced is lost."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import nbformat
import pytest

from ci_lib import atomic
from ci_lib.cli import main
from ci_lib.execute.tasks import NotebookTask, run_task, shutdown_worker_kernel
from tests.conftest import YEAR, make_project


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions; see the full-disk test")
def test_read_only_reports_directory_is_a_clear_error(tmp_path, capsys):
    project = make_project(tmp_path, n=2)
    target = project.reports / str(YEAR)
    target.mkdir(parents=True)
    target.chmod(0o555)
    try:
        code = main(["run", "--year", str(YEAR), "--data", str(project.data), "--params", str(project.params),
                     "--reports", str(project.reports), "--quiet"])
    finally:
        target.chmod(0o755)
    assert code == 2 and "cannot write the year's outputs" in capsys.readouterr().err


def failing_probe(monkeypatch, code: int, text: str) -> None:
    """Make the output directory's write probe fail as a read-only or full file system would."""
    real_write_bytes = Path.write_bytes

    def write_bytes(self, data):
        if ".write-probe" in self.name:
            raise OSError(code, text, str(self))
        return real_write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


def test_read_only_file_system_is_a_clear_error(tmp_path, capsys, monkeypatch):
    project = make_project(tmp_path, n=2)
    failing_probe(monkeypatch, errno.EROFS, "Read-only file system")
    code = main(["run", "--year", str(YEAR), "--data", str(project.data), "--params", str(project.params),
                 "--reports", str(project.reports), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot write the year's outputs (Read-only file system)" in err and "Traceback" not in err


def test_full_disk_is_a_clear_error_and_changes_nothing(tmp_path, capsys, monkeypatch):
    project = make_project(tmp_path, n=2)
    (project.reports / str(YEAR)).mkdir(parents=True)
    (project.reports / str(YEAR) / "keep.txt").write_text("published earlier")
    before = snapshot(project.reports)
    failing_probe(monkeypatch, errno.ENOSPC, "No space left on device")
    code = main(["run", "--year", str(YEAR), "--data", str(project.data), "--params", str(project.params),
                 "--reports", str(project.reports), "--quiet"])
    assert code == 2 and "the disk is full" in capsys.readouterr().err
    assert snapshot(project.reports) == before


def test_a_failed_atomic_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "scores.json"
    target.write_text("old")

    def boom(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic.write_text(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["scores.json"]


def test_a_dead_kernel_is_restarted_and_the_notebook_retried_once(tmp_path):
    marker = tmp_path / "died-once"
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("marker = ''")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "import os, pathlib\nif not pathlib.Path(marker).exists():\n    pathlib.Path(marker).touch()\n    os._exit(1)"),
        nbformat.v4.new_code_cell("print('survived')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    template = tmp_path / "dies_once.ipynb"
    nbformat.write(nb, template)
    task = NotebookTask("dies-once", str(template), str(tmp_path / "out" / "dies_once.ipynb"),
                        str(tmp_path / "failed" / "dies_once.ipynb"), {"marker": str(marker)}, timeout=60)
    try:
        result = run_task(task)
        assert result.status == "ok" and result.attempts == 2
        out = nbformat.read(tmp_path / "out" / "dies_once.ipynb", as_version=4)
        assert "survived" in out.cells[-1].outputs[0]["text"]
        nb.cells[1] = nbformat.v4.new_code_cell("import os\nos._exit(1)")
        nbformat.write(nb, tmp_path / "dies_always.ipynb")
        always = NotebookTask("dies-always", str(tmp_path / "dies_always.ipynb"), str(tmp_path / "out" / "x.ipynb"),
                              str(tmp_path / "failed" / "x.ipynb"), {"marker": ""}, timeout=60)
        result = run_task(always)
        assert result.status == "failed" and result.error.startswith("kernel died twice")
    finally:
        shutdown_worker_kernel()


def dying_notebook(path: Path) -> Path:
    """A notebook that prints, then kills its kernel (as a segfaulting extension or `os._exit` would)."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("marker = ''")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("print('before the crash')"),
                nbformat.v4.new_code_cell("import os\nos._exit(1)"), nbformat.v4.new_code_cell("print('never')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_a_kernel_that_dies_twice_keeps_what_it_ran_in_failed(tmp_path, warm):
    template = dying_notebook(tmp_path / "dies.ipynb")
    task = NotebookTask("dies", str(template), str(tmp_path / "out" / "dies.ipynb"),
                        str(tmp_path / "failed" / "dies.ipynb"), {"marker": "x"}, timeout=60, warm=warm)
    try:
        result = run_task(task)
    finally:
        shutdown_worker_kernel()
    assert result.status == "failed" and result.error.startswith("kernel died twice") and result.attempts == 2
    assert result.output == task.failed_output and not (tmp_path / "out" / "dies.ipynb").exists()
    kept = nbformat.read(task.failed_output, as_version=4)
    printed = [o.get("text", "") for c in kept.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert "before the crash\n" in printed and not any("never" in text for text in printed)
    assert kept.cells[-1].cell_type == "markdown" and "the kernel died" in kept.cells[-1].source
    assert [p.name for p in (tmp_path / "out").iterdir()] == []  # no hidden partial file left behind


def test_an_output_that_cannot_be_written_stops_the_run_once(tmp_path, capsys, monkeypatch):
    """Not a kernel death per notebook, retried: one line naming the path, exit 2, nothing more executed."""
    import ci_lib.execute.engine as engine

    project = make_project(tmp_path, n=5)
    tried = []

    def read_only(template, output, *args, **kwargs):
        tried.append(output)
        raise OSError(errno.EROFS, "Read-only file system", str(output.parent))

    monkeypatch.setattr(engine, "execute", read_only)
    code = main(["run", "--year", str(YEAR), "--data", str(project.data), "--params", str(project.params),
                 "--reports", str(project.reports), "--jobs", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and len(tried) == 1, tried
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{tried[0].parent}: cannot write (Read-only file system); the run stopped" in err


def test_a_notebook_that_cannot_be_written_for_a_full_disk_stops_the_run_once(tmp_path, capsys, monkeypatch):
    import ci_lib.execute.tasks as tasks

    project = make_project(tmp_path, n=3)
    tried = []

    def full(path, text):
        tried.append(path)
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(tasks, "write_text", full)
    code = main(["run", "--year", str(YEAR), "--data", str(project.data), "--params", str(project.params),
                 "--reports", str(project.reports), "--jobs", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and len(tried) == 1 and err.count("\n") == 1
    assert f"{tried[0]}: cannot write (the disk is full); the run stopped after 0 notebooks" in err


def run_args(project, *extra: str) -> list[str]:
    return ["run", "--year", str(YEAR), "--data", str(project.data), "--params", str(project.params),
            "--reports", str(project.reports), "--quiet", *extra]


@pytest.mark.parametrize("wrong", ["../etc", "ALDER BAY", "no-such-place"])
def test_an_unknown_only_id_is_one_line_exit_2(tmp_path, capsys, wrong):
    project = make_project(tmp_path, n=2)
    code = main(run_args(project, "--only", wrong))
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert f"--only {wrong!r}: not a community in" in err
    assert not (project.reports / str(YEAR)).exists()


def test_an_only_id_near_a_real_one_names_it(tmp_path, capsys):
    import pandas as pd

    project = make_project(tmp_path, n=2)
    real = sorted(pd.read_csv(project.data / "communities.csv")["community_id"])[0]
    assert main(run_args(project, "--only", real[:-1] + "x")) == 2
    assert f"did you mean {real}" in capsys.readouterr().err


def test_audit_site_data_without_year_is_one_line_exit_2(tmp_path, capsys):
    (tmp_path / "site").mkdir()
    code = main(["audit-site", str(tmp_path / "site"), "--data", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--year" in err and "Traceback" not in err
