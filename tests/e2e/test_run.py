"""Execution: cache, failure isolation, resume after kill -9, Dask, shards and merge."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd

from ci_lib.cli import main
from ci_lib.digest import file_sha256
from ci_lib.execute.cache import read_ledger
from ci_lib.pipeline import assess_year
from ci_lib.website.build import render
from tests.conftest import NOTEBOOKS, YEAR, make_project
from tests.paths import REPO_ROOT


def statuses(report) -> dict[str, str]:
    return {r.name: r.status for r in report.results}


def test_rerun_is_cached_and_one_changed_community_reexecutes_alone(tmp_path):
    project = make_project(tmp_path, n=3)
    first = assess_year(project.options())
    ids = sorted(first.manifest["communities"])
    assert set(statuses(first).values()) == {"ok"}
    again = assess_year(project.options())
    assert set(statuses(again).values()) == {"cached"}
    outcomes = pd.read_csv(project.data / "outcomes.csv")
    row = outcomes.index[(outcomes["community_id"] == ids[1]) & (outcomes["group"] == "all")][0]
    outcomes.loc[row, "numerator"] = outcomes.loc[row, "numerator"] - 1
    outcomes.to_csv(project.data / "outcomes.csv", index=False)
    changed = assess_year(project.options())
    assert statuses(changed) == {"_network": "ok", ids[0]: "cached", ids[1]: "ok", ids[2]: "cached"}
    forced = assess_year(project.options(force=True))
    assert set(statuses(forced).values()) == {"ok"}


def test_a_no_change_rerun_is_answered_from_the_inputs_key_without_scoring(tmp_path, monkeypatch):
    import ci_lib.execute.run as run_module  # the pipeline imports score_year from here when it scores

    project = make_project(tmp_path, n=2)
    first = assess_year(project.options())
    ids = sorted(first.manifest["communities"])
    rd = project.report_dir
    assert read_ledger(rd)["year"]
    before = {p: p.read_bytes() for p in rd.rglob("*") if p.is_file() and p.name != "timings.json"}

    def no_scoring(opts):
        raise AssertionError("a no-change re-run must not validate or score again")

    monkeypatch.setattr(run_module, "score_year", no_scoring)
    again = assess_year(project.options())
    assert set(statuses(again).values()) == {"cached"} and len(again.results) == 3
    assert json.loads((rd / "timings.json").read_text())["unchanged"] is True
    assert {p: p.read_bytes() for p in rd.rglob("*") if p.is_file() and p.name != "timings.json"} == before
    monkeypatch.undo()

    # any change in the data directory (here a new file the loader ignores) means a full run, whose
    # notebooks are still cached by their own keys
    (project.data / "README.txt").write_text("notes from the data steward\n")
    edited = assess_year(project.options())
    assert set(statuses(edited).values()) == {"cached"}
    assert "unchanged" not in json.loads((rd / "timings.json").read_text())
    # a missing output also means a full run, which re-executes only that notebook
    (rd / "communities" / f"{ids[0]}.ipynb").unlink()
    assert statuses(assess_year(project.options())) == {"_network": "cached", ids[0]: "ok", ids[1]: "cached"}
    # and the CLI answers a no-change re-run the same way
    code = main(["run", "--year", str(YEAR), "--data", str(project.data), "--params", str(project.params),
                 "--reports", str(project.reports), "--notebooks", str(NOTEBOOKS), "--quiet"])
    assert code == 0 and json.loads((rd / "timings.json").read_text())["unchanged"] is True


def test_a_no_change_rerun_reads_no_data_file_whose_state_is_unchanged(tmp_path, monkeypatch):
    from ci_lib.execute import unchanged

    project = make_project(tmp_path, n=2)
    assess_year(project.options())
    rd = project.report_dir
    assert read_ledger(rd)["files"]
    read = []

    def counting(path):
        read.append(Path(path).resolve())
        return file_sha256(path)

    monkeypatch.setattr(unchanged, "file_sha256", counting)
    assert set(statuses(assess_year(project.options())).values()) == {"cached"}
    data_files = {p.resolve() for p in project.data.rglob("*") if p.is_file()}
    assert data_files and not data_files & set(read)  # known states: not one data byte read again

    # the same size and modification time, other bytes: the change time gives it away, and it is hashed again
    victim = project.data / "outcomes.csv"
    before = victim.stat()
    text = victim.read_text()
    victim.write_text(text.replace("2024", "2023", 1) if "2024" in text else text[:-2] + "9\n")
    assert victim.stat().st_size == before.st_size
    os.utime(victim, ns=(before.st_atime_ns, before.st_mtime_ns))
    read.clear()
    key = unchanged.inputs_key(project.options().run_options())
    assert victim.resolve() in read and key != read_ledger(rd)["year"]


def failing_templates(tmp_path: Path, victim: str) -> Path:
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, folder)
    nb = nbformat.read(folder / "community.ipynb", as_version=4)
    boom = nbformat.v4.new_code_cell(f"if community_id == {victim!r}:\n    raise RuntimeError('broken slice')")
    nb.cells.insert(2, boom)
    nbformat.write(nb, folder / "community.ipynb")
    return folder


def test_a_failing_notebook_is_kept_reported_and_isolated(tmp_path, capsys):
    project = make_project(tmp_path, n=3)
    ids = sorted(pd.read_csv(project.data / "communities.csv")["community_id"])
    notebooks = failing_templates(tmp_path, ids[0])
    code = main(["run", "--year", str(YEAR), "--data", str(project.data), "--params", str(project.params),
                 "--reports", str(project.reports), "--notebooks", str(notebooks), "--jobs", "2", "--quiet"])
    out = capsys.readouterr().out
    assert code == 1
    assert "failed 1" in out and "RuntimeError: broken slice" in out
    rd = project.report_dir
    kept = nbformat.read(rd / "failed" / f"{ids[0]}.ipynb", as_version=4)
    errors = [o for c in kept.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors[0].evalue == "broken slice"
    assert not (rd / "communities" / f"{ids[0]}.ipynb").exists()
    assert all((rd / "scores" / f"{cid}.json").exists() for cid in ids[1:])
    manifest = json.loads((rd / "manifest.json").read_text())
    assert manifest["notebooks"][ids[0]]["status"] == "failed"
    assert read_ledger(rd)["year"] is None  # a year with a failure is never taken as done
    info = render(rd, "builtin")
    assert info["failed"] == [ids[0]] and info["communities"] == 2
    listing = (rd / "_site" / "communities.html").read_text()
    assert "Not published this run" in listing and ids[0] in listing


def test_kill_9_then_resume_recomputes_only_what_is_missing(tmp_path):
    project = make_project(tmp_path, n=6)
    command = [sys.executable, "-m", "ci_lib.cli", "run", "--year", str(YEAR), "--data", str(project.data),
               "--params", str(project.params), "--reports", str(project.reports), "--notebooks", str(NOTEBOOKS),
               "--jobs", "1", "--quiet"]
    proc = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while time.time() < deadline and len(read_ledger(project.report_dir)["notebooks"]) < 3:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = set(read_ledger(project.report_dir)["notebooks"])
    assert 3 <= len(done) < 7, done
    # no partially written file is visible under reports/
    visible = [p for p in project.reports.rglob("*") if p.is_file() and not p.name.startswith(".")]
    for path in visible:
        if path.suffix == ".ipynb":
            nbformat.read(path, as_version=4)
        elif path.suffix == ".json":
            json.loads(path.read_text())
    resumed = assess_year(project.options(jobs=1))
    cached = {r.name for r in resumed.results if r.status == "cached"}
    assert cached == done
    assert {r.status for r in resumed.results} <= {"ok", "cached"}


def test_dask_local_cluster_executor(tmp_path):
    project = make_project(tmp_path, n=2)
    report = assess_year(project.options(executor="dask", jobs=2))
    assert set(statuses(report).values()) == {"ok"} and len(report.results) == 3
    for cid in report.manifest["communities"]:
        assert json.loads((project.report_dir / "scores" / f"{cid}.json").read_text())["community_id"] == cid


def test_shards_then_merge_cover_every_community_once(tmp_path):
    project = make_project(tmp_path, n=3)
    for index in range(2):
        report = assess_year(project.options(shard=(index, 2), jobs=1))
        assert not report.failed
    rd = project.report_dir
    assert not (rd / "manifest.json").exists()
    assert main(["merge", "--year", str(YEAR), "--reports", str(project.reports)]) == 0
    merged = json.loads((rd / "manifest.json").read_text())
    assert sorted(merged["notebooks"]) == sorted(["_network", *merged["communities"]])
    assert {n["status"] for n in merged["notebooks"].values()} == {"ok"}
    assert render(rd, "builtin")["communities"] == 3


def test_local_section_runs_after_the_standard_notebook_and_shows_on_the_page(tmp_path, monkeypatch):
    project = make_project(tmp_path, n=2)
    monkeypatch.chdir(tmp_path)
    ids = sorted(pd.read_csv(project.data / "communities.csv")["community_id"])
    local = tmp_path / "notebooks" / "local"
    local.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('community_id = ""\nyear = 0\nreport_dir = ".."')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_markdown_cell("Our attendance campaign"),
                nbformat.v4.new_code_cell("import json, pathlib\n"
                                          "s = json.loads((pathlib.Path(report_dir) / 'scores' / f'{community_id}.json')"
                                          ".read_text())\nprint('LOCAL', s['name'])")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, local / "good.ipynb")
    broken = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell("1 / 0")], metadata=nb.metadata)
    nbformat.write(broken, local / "broken.ipynb")
    for cid, name in zip(ids, ("good", "broken"), strict=True):
        (project.params / str(YEAR) / f"{cid}.yml").write_text(
            f"community_id: {cid}\nextra_notebook: notebooks/local/{name}.ipynb\n")
    report = assess_year(project.options())
    got = statuses(report)
    assert got[f"{ids[0]}:local"] == "ok" and got[f"{ids[1]}:local"] == "failed"
    assert got[ids[0]] == got[ids[1]] == "ok"
    assert (project.report_dir / "failed" / f"{ids[1]}.local.ipynb").exists()
    render(project.report_dir, "builtin")
    page = (project.site / "communities" / f"{ids[0]}.html").read_text()
    name = json.loads((project.report_dir / "scores" / f"{ids[0]}.json").read_text())["name"]
    assert "Local section" in page and "Our attendance campaign" in page and f"LOCAL {name}" in page
    assert "Local section" not in (project.site / "communities" / f"{ids[1]}.html").read_text()
    assert "Published without their local section" in (project.site / "communities.html").read_text()
    again = statuses(assess_year(project.options()))
    assert again[f"{ids[0]}:local"] == "cached" and again[ids[0]] == "cached"


def kernels_under(pid: int) -> set[int]:
    """The ipykernel processes descending from `pid` (Linux /proc)."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found = set()
    for child in parent:
        ancestor = parent.get(child)
        while ancestor and ancestor != pid:
            ancestor = parent.get(ancestor)
        if ancestor == pid:
            try:
                if b"ipykernel" in Path(f"/proc/{child}/cmdline").read_bytes():
                    found.add(child)
            except OSError:
                continue
    return found


def test_closing_the_pool_returns_at_once_and_its_kernels_still_stop():
    from ci_lib.execute.executors import PoolExecutor

    pool = PoolExecutor(jobs=2)
    pool.start(warm=True)
    deadline = time.monotonic() + 120
    while len(kernels_under(os.getpid())) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(kernels_under(os.getpid())) == 2
    pool.close()
    assert kernels_under(os.getpid())  # close() returned before they stopped: the render after a run need not wait
    while kernels_under(os.getpid()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert kernels_under(os.getpid()) == set()


def test_the_process_that_runs_a_year_does_not_import_the_execution_engine():
    """papermill, nbclient and jupyter_client are the workers' (about 0.2 CPU-s the scoring parent need not pay)."""
    code = ("import sys, ci_lib.pipeline, ci_lib.execute.run, ci_lib.execute.executors; "
            "print(sorted(m for m in ('papermill', 'nbclient', 'jupyter_client') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


def local_notebook(path: Path, code: str) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('community_id = ""\nyear = 0\nreport_dir = ".."')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_markdown_cell("Our attendance campaign"), nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


class ProgressSeen:
    """Every progress call of a run: (name, done, total)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []

    def __call__(self, result, done: int, total: int) -> None:
        self.calls.append((result.name, done, total))

    def check(self, report) -> None:
        """One call per result, one total for the whole run, never more done than that total."""
        totals = {total for _, _, total in self.calls}
        assert len(totals) == 1, self.calls
        assert [done for _, done, _ in self.calls] == list(range(1, len(self.calls) + 1))
        assert len(self.calls) == len(report.results) == totals.pop()
        self.calls.clear()


def test_a_local_section_fixed_failed_again_or_removed_leaves_no_stale_notice(tmp_path, monkeypatch):
    project = make_project(tmp_path, n=2)
    monkeypatch.chdir(tmp_path)
    rd, seen = project.report_dir, ProgressSeen()
    ids = sorted(pd.read_csv(project.data / "communities.csv")["community_id"])
    cid, params_file = ids[0], project.params / str(YEAR) / f"{ids[0]}.yml"
    original_params = f"community_id: {cid}\n"
    params_file.write_text(original_params)
    seen.check(assess_year(project.options(), progress=seen))
    without_local = (rd / "communities" / f"{cid}.ipynb").read_bytes()
    render(rd, "builtin")

    def run_and_render(expect: str | None) -> tuple[str, str]:
        report = assess_year(project.options(), progress=seen)
        seen.check(report)  # cached results first, then executed ones: one total throughout (was 74/71)
        manifest = json.loads((rd / "manifest.json").read_text())
        assert manifest["notebooks"].get(f"{cid}:local", {}).get("status") == expect
        render(rd, "builtin")
        return ((project.site / "communities.html").read_text(),
                (project.site / "communities" / f"{cid}.html").read_text())

    section = local_notebook(tmp_path / "notebooks" / "local" / "ours.ipynb", "1 / 0")
    params_file.write_text(original_params + "extra_notebook: notebooks/local/ours.ipynb\n")
    listing, page = run_and_render("failed")
    assert "Published without their local section" in listing and "Our attendance campaign" not in page

    local_notebook(section, "print('LOCAL fixed')")
    listing, page = run_and_render("ok")
    assert "Published without their local section" not in listing  # the listing was carried over before
    assert "LOCAL fixed" in page

    local_notebook(section, "raise RuntimeError('broken again')")
    listing, page = run_and_render("failed")
    assert "Published without their local section" in listing
    assert "LOCAL fixed" not in page and "Our attendance campaign" not in page  # the old section left the page
    assert (rd / "communities" / f"{cid}.ipynb").read_bytes() == without_local

    params_file.write_text(original_params)
    listing, page = run_and_render(None)  # its old `failed` entry was merged into the new manifest before
    assert "Published without their local section" not in listing and "Local section" not in page
    assert (rd / "communities" / f"{cid}.ipynb").read_bytes() == without_local


def test_a_no_change_assess_imports_neither_pandas_nor_the_engine(copy_small_run):
    """The no-change `ci-assess assess` (a new process) reports everything cached and renders only what changed:
    it must not pay for pandas, pandera, the scoring or papermill (about 1.2 s here when the site's content module
    pulled in the scoring)."""
    project = copy_small_run
    code = ("import sys\n"
            "sys.argv = ['ci-assess', 'assess', '--year', '2025', '--quiet', '--data', sys.argv[1], '--params', sys.argv[2],"
            " '--reports', sys.argv[3], '--notebooks', sys.argv[4]]\n"
            "from ci_lib.cli import main\n"
            "code = main(sys.argv[1:])\n"
            "heavy = sorted(m for m in ('pandas', 'pandera', 'papermill', 'ci_lib.scoring') if m in sys.modules)\n"
            "print(code, heavy)\n")
    out = subprocess.run([sys.executable, "-c", code, str(project.data), str(project.params), str(project.reports),
                          str(REPO_ROOT / "notebooks")],
                         capture_output=True, text=True, cwd=project.root)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "0 []", out.stdout


def test_a_template_edited_in_a_long_lived_process_gets_a_new_key(tmp_path):
    """The template's hash is kept per process only while the file is unchanged (a lab session edits it)."""
    from ci_lib.execute.cache import template_sha256

    path = tmp_path / "t.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nbformat.write(nb, path)
    before = template_sha256(str(path))
    nb.cells[0].source = "x = 22"
    nbformat.write(nb, path)
    assert template_sha256(str(path)) != before
