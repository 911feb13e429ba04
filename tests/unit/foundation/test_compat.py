"""ci_lib.compat: the tricks on third-party internals are guarded, switchable, and change no output byte."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import matplotlib.text
import nbformat
import nbformat.v4.nbbase
import papermill.execute
import pytest
from matplotlib.backends.backend_svg import RendererSVG
from packaging.version import Version

from ci_lib import compat
from ci_lib.pages import plots
from tests.conftest import REPO, YEAR, make_project

CI_LIB = REPO / "ci_lib"


@pytest.fixture(autouse=True)
def switch_unset(monkeypatch):
    monkeypatch.delenv(compat.KILL_SWITCH, raising=False)


def test_every_trick_is_on_for_the_locked_versions():
    assert compat.enabled()
    assert compat.active() == list(compat.TRICKS)


@pytest.mark.parametrize("value, enabled", [("1", False), ("yes", False), ("0", True), ("", True)])
def test_the_kill_switch(monkeypatch, value, enabled):
    monkeypatch.setenv(compat.KILL_SWITCH, value)
    assert compat.enabled() is enabled
    assert (compat.active() == list(compat.TRICKS)) is enabled


@pytest.mark.parametrize("name", list(compat.TRICKS))
@pytest.mark.parametrize("version", ["below", "at upper bound", "missing"])
def test_a_trick_is_off_outside_the_versions_it_was_checked_on(monkeypatch, name, version):
    trick = compat.TRICKS[name]
    given = {"below": Version("0.1"), "at upper bound": Version(trick.below), "missing": None}[version]
    real = compat.installed_version
    monkeypatch.setattr(compat, "installed_version", lambda dist: given if dist == trick.distribution else real(dist))
    assert not compat.on(name)
    assert name not in compat.active()


def out_of_range(monkeypatch):
    """Every library newer than any range checked: the tricks must give way to stock behaviour."""
    monkeypatch.setattr(compat, "installed_version", lambda dist: Version("999"))


@pytest.mark.parametrize("switch_off", [lambda mp: mp.setenv(compat.KILL_SWITCH, "1"), out_of_range])
def test_off_means_stock_libraries_while_the_kit_runs(monkeypatch, switch_off):
    switch_off(monkeypatch)
    stock = (nbformat.v4.nbbase.validate, papermill.execute.write_ipynb,
             RendererSVG.get_text_width_height_descent, matplotlib.text.Text._get_layout,
             RendererSVG.draw_path_collection)
    with compat.skip_validation_on_write():
        assert (nbformat.v4.nbbase.validate, papermill.execute.write_ipynb) == stock[:2]
    seen = []

    def spy(*args, **kwargs):
        seen.append((RendererSVG.get_text_width_height_descent, matplotlib.text.Text._get_layout,
                     RendererSVG.draw_path_collection))
        return original(*args, **kwargs)

    plots.reset_caches()
    fig = plots.new_figure((2, 1))
    fig.text(0.5, 0.5, "Kindergarten readiness")
    original = fig.savefig
    monkeypatch.setattr(fig, "savefig", spy)
    plots.svg(fig)
    assert seen == [stock[2:]]
    assert compat.layouts_cached() == 0
    assert compat.worksheet_xml(object()) is None

    class Client:
        kc = None

    client = Client()
    with compat.reuse_kernel_client(client, kernel_client="warm"):
        assert client.kc is None  # nbclient opens its own


def test_on_means_the_tricks_apply_only_for_the_length_of_the_block():
    stock = (nbformat.v4.nbbase.validate, papermill.execute.write_ipynb)
    with compat.skip_validation_on_write():
        assert nbformat.v4.nbbase.validate is not stock[0]
        assert papermill.execute.write_ipynb is not stock[1]
    assert (nbformat.v4.nbbase.validate, papermill.execute.write_ipynb) == stock

    class Client:
        kc = None

    client = Client()
    with compat.reuse_kernel_client(client, kernel_client="warm"):
        assert client.kc == "warm"


def test_formula_cells_are_found_with_the_trick_and_without(tmp_path, monkeypatch):
    import openpyxl

    from ci_lib.inputs.tables import excel_rows

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["community_id", "count"])
    sheet.append(["ashford", "=1+1"])  # written by a program: no saved value
    sheet.append(["alder-bay", 4])
    path = tmp_path / "outcomes.xlsx"
    book.save(path)
    with_trick = excel_rows(path, [])[2]
    monkeypatch.setenv(compat.KILL_SWITCH, "1")
    assert excel_rows(path, [])[2] == with_trick == [(2, 2, "B2")]


def test_every_output_of_a_page_is_focusable_and_nothing_else_changes():
    from ci_lib.website.builtin import PageExporter, export_body, exporter

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## Pillars"), nbformat.v4.new_code_cell("1", outputs=[
        nbformat.v4.new_output("execute_result", {"text/html": "<table><tr><td>1</td></tr></table>"}, execution_count=1),
        nbformat.v4.new_output("stream", text="note")])]
    data = nbformat.writes(nb).encode()
    basic = PageExporter(template_name="basic", default_preprocessors=[])
    for option in ("exclude_input", "exclude_input_prompt", "exclude_output_prompt", "exclude_raw"):
        setattr(basic, option, True)
    body = export_body(exporter(), data)
    assert body.count('<div class="output_area" tabindex="0">') == 2
    assert body.replace(' tabindex="0"', "") == export_body(basic, data)


# --- no touch of a third-party internal outside compat.py ---------------------------------------------------

def external_names(tree: ast.Module) -> set[str]:
    """Names a module binds to third-party modules or their members (not ci_lib, not the standard library)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names if not own(a.name)}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and not own(node.module):
            names |= {a.asname or a.name for a in node.names}
    return names


def own(module: str) -> bool:
    top = module.split(".")[0]
    return top == "ci_lib" or top in sys.stdlib_module_names


def rooted_at(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def third_party_touches(source: str) -> list[str]:
    """Assignments (and setattr/delattr) to attributes of imported third-party modules or classes, and any
    change to `sys.modules`."""
    tree = ast.parse(source)
    external = external_names(tree)
    found = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign | ast.Delete):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]:
            if isinstance(target, ast.Attribute) and rooted_at(target) in external:
                found.append(f"{node.lineno}: {ast.unparse(target)}")
            elif isinstance(target, ast.Subscript) and ast.unparse(target.value) == "sys.modules":
                found.append(f"{node.lineno}: {ast.unparse(target)}")
        if isinstance(node, ast.Call):
            called = ast.unparse(node.func)
            if called in ("setattr", "delattr") and node.args and rooted_at(node.args[0]) in external:
                found.append(f"{node.lineno}: {ast.unparse(node)}")
            elif called.startswith("sys.modules."):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_check_sees_what_the_kit_used_to_do():
    old = ("import nbformat.v4.nbbase, sys\nfrom matplotlib.backends.backend_svg import RendererSVG\n"
           "import matplotlib.text\n"
           "nbformat.v4.nbbase.validate = None\nRendererSVG.get_text_width_height_descent = len\n"
           "matplotlib.text.Text._get_layout, x = 1, 2\nsetattr(RendererSVG, 'x', 1)\n"
           "sys.modules.setdefault('pyarrow', None)\nsys.modules['pyarrow'] = None\n"
           "import os\nos.sep_x = 1\nclient = object()\nclient.kc = 1\n")
    assert len(third_party_touches(old)) == 6


def test_assignments_to_third_party_attributes_appear_only_in_compat():
    found = {str(path.relative_to(REPO)): touches for path in sorted(CI_LIB.rglob("*.py"))
             if path.name != "compat.py" and (touches := third_party_touches(path.read_text(encoding="utf-8")))}
    assert found == {}


# --- the demo's outputs with the switch on and off -----------------------------------------------------------

def assess(root: Path, switch: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if k != compat.KILL_SWITCH}
    if switch is not None:
        env[compat.KILL_SWITCH] = switch
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    subprocess.run([sys.executable, "-m", "ci_lib.cli", "assess", "--year", str(YEAR), "--params", "params",
                    "--reports", "reports", "--notebooks", str(REPO / "notebooks"), "--jobs", "2", "--quiet",
                    "--engine", "builtin"], cwd=root, env=env, check=True, capture_output=True)


# what legitimately differs between two runs: seconds per notebook, and the input files' inodes and mtimes
# (the ledger's "files"; its notebook and year keys are compared apart)
BOOKKEEPING = {"timings.json", "_work/ledger.json", "_work/.ledger.json.lock"}


def published(root: Path) -> dict[str, bytes]:
    """Every file a run leaves under reports/ (scores, notebooks, pages, figures, manifest), by path."""
    year = f"reports/{YEAR}/"
    return {name: path.read_bytes() for path in sorted((root / "reports").rglob("*"))
            if path.is_file() and (name := path.relative_to(root).as_posix()).removeprefix(year) not in BOOKKEEPING}


def workbook_cells(data: bytes) -> dict[str, list[list[tuple[str, object]]]]:
    """Every sheet's cells, a number as a number (int or float)."""
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {ws.title: [[("number" if type(v) in (int, float) else type(v).__name__, v) for v in row]
                           for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    finally:
        book.close()


@pytest.mark.slow
def test_the_demo_is_byte_identical_with_the_tricks_on_and_off(tmp_path):
    on, off = make_project(tmp_path / "on", n=3), make_project(tmp_path / "off", n=3)
    assess(on.root, None)
    assess(off.root, "1")
    with_tricks, without = published(on.root), published(off.root)
    kinds = {Path(name).suffix for name in with_tricks}
    assert {".json", ".ipynb", ".html", ".csv"} <= kinds
    assert any(b"data:image/svg+xml;base64," in data or b"<svg" in data for data in with_tricks.values())
    assert sorted(with_tricks) == sorted(without)
    # the workbook's rows are spliced into openpyxl's XML by one trick (`splice_sheet_rows`): with it off openpyxl
    # writes the same cells in its own way (1.0 as "1"), so the workbook is compared by its cells
    workbooks = [name for name in with_tricks if name.endswith(".xlsx")]
    assert workbooks and all(workbook_cells(with_tricks[n]) == workbook_cells(without[n]) for n in workbooks)
    assert [name for name in with_tricks if with_tricks[name] != without[name] and name not in workbooks] == []
    ledgers = [json.loads((p.report_dir / "_work" / "ledger.json").read_text()) for p in (on, off)]
    assert ledgers[0]["notebooks"] and ledgers[0]["notebooks"] == ledgers[1]["notebooks"]
    assert ledgers[0]["year"] == ledgers[1]["year"]
