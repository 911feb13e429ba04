"""The warm-kernel engine: same outputs as a fresh kernel, failures kept, timeouts enforced."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill.execute
import pytest

from ci_lib.execute.engine import WarmKernel, execute
from ci_lib.execute.tasks import NotebookTask, normalise, run_task
from tests.paths import REPO_ROOT

REPO = REPO_ROOT
TEMPLATE = REPO / "notebooks" / "community.ipynb"


def comparable(nb: nbformat.NotebookNode) -> list:
    nb = normalise(nb)
    return [(c.cell_type, c.source, c.get("execution_count"), c.get("outputs")) for c in nb.cells]


@pytest.fixture(scope="module")
def kernel():
    k = WarmKernel()
    yield k
    k.shutdown()


def test_warm_kernel_output_equals_fresh_kernel(copy_small_run, kernel):
    rd = copy_small_run.report_dir
    ids = json.loads((rd / "manifest.json").read_text())["communities"]
    out = rd / "communities"
    # dirty the warm kernel first: another community, plus leftover state
    execute(TEMPLATE, out / "first.ipynb", {"community_id": ids[1], "year": 2025, "report_dir": ".."}, kernel)
    kernel.run("leftover = 42\nimport os")
    params = {"community_id": ids[0], "year": 2025, "report_dir": ".."}
    warm, warm_status = execute(TEMPLATE, out / "warm.ipynb", params, kernel)
    fresh, fresh_status = execute(TEMPLATE, out / "fresh.ipynb", params, None)
    assert warm_status.status == fresh_status.status == "ok"
    assert comparable(warm) == comparable(fresh)
    kernel.run("assert 'leftover' not in globals()")  # the namespace was reset between notebooks
    kernel.run("assert not get_ipython().history_manager.enabled")  # nothing written to a shared history.sqlite


def test_failing_notebook_keeps_its_error_cell(tmp_path, kernel, monkeypatch):
    written = []
    monkeypatch.setattr(papermill.execute, "write_ipynb", lambda nb, path, **kw: written.append(path))
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("raise ValueError('bad slice for ' + str(x))"),
                nbformat.v4.new_code_cell("print('never')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    template = tmp_path / "broken1.ipynb"
    nbformat.write(nb, template)
    executed, status = execute(template, tmp_path / "out" / "broken1.ipynb", {"x": 7}, kernel)
    assert status.status == "failed" and status.error == "ValueError: bad slice for 7"
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors and errors[0].ename == "ValueError"
    assert any("papermill-error-cell-tag" in c.metadata.get("tags", []) for c in executed.cells)  # its marker cell
    assert written == []  # papermill wrote no file (nor serialised one for nothing): the caller writes it once
    # the kernel stays usable for the next notebook
    kernel.run("assert 1 + 1 == 2")


def test_timeout_interrupts_a_runaway_notebook(tmp_path, kernel):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("seconds = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import time\ntime.sleep(seconds)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    template = tmp_path / "slow.ipynb"
    nbformat.write(nb, template)
    _, status = execute(template, tmp_path / "out" / "slow.ipynb", {"seconds": 60}, kernel, timeout=2)
    assert status.status == "failed" and "timed out after 2 s" in status.error


def test_an_executed_notebook_is_validated_once_when_written(tmp_path, kernel, monkeypatch):
    """Outputs are not validated one by one on a warm kernel; the written notebook is, and an invalid one fails."""
    made = []
    validate = nbformat.v4.nbbase.validate
    monkeypatch.setattr(nbformat.v4.nbbase, "validate", lambda node, ref=None: made.append(ref) or validate(node, ref))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print('fine')"),
                nbformat.v4.new_code_cell("from IPython.display import display\ndisplay({'text/plain': 1}, raw=True)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    template = tmp_path / "odd.ipynb"
    nbformat.write(nb, template)
    made.clear()
    executed, status = execute(template, tmp_path / "out" / "odd.ipynb", {}, kernel)
    assert made == [] and status.status == "ok"  # nothing validated node by node while it ran
    assert [o.output_type for c in executed.cells for o in c.outputs] == ["stream", "display_data"]

    # the worker's write is the check: the notebook is kept where failed notebooks go, and reported
    task = NotebookTask("odd", str(template), str(tmp_path / "out" / "odd.ipynb"), str(tmp_path / "failed" / "odd.ipynb"),
                        {}, warm=True)
    monkeypatch.setattr("ci_lib.execute.tasks._KERNEL", kernel)
    result = run_task(task)
    assert result.status == "failed" and result.error.startswith("invalid notebook: ")
    assert "is not valid" in result.error
    assert Path(result.output) == tmp_path / "failed" / "odd.ipynb" and Path(result.output).exists()
    assert not (tmp_path / "out" / "odd.ipynb").exists()
