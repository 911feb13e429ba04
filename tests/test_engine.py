"""The warm-kernel engine: same outputs as a fresh kernel, failures kept, timeouts enforced."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill.execute
import pytest

from ci_lib.execute.engine import WarmKernel, execute
from ci_lib.execute.tasks import normalise

REPO = Path(__file__).resolve().parents[1]
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
    assert written and set(written) == {None}  # papermill wrote no file: the caller writes the notebook once
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
