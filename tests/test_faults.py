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

from .conftest import YEAR, make_project


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
