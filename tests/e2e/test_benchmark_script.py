"""The execution benchmark measures the start-up a `ci-assess` run has, not more."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.paths import REPO_ROOT

REPO = REPO_ROOT


def modules_after_running(script: Path, run_name: str) -> list[str]:
    code = ("import json, runpy, sys; runpy.run_path(sys.argv[1], run_name=sys.argv[2]); "
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code, str(script), run_name], check=True, capture_output=True,
                         text=True, cwd=REPO)
    return json.loads(out.stdout.splitlines()[-1])


def test_spawned_workers_do_not_import_the_kit_through_the_benchmark_script() -> None:
    """multiprocessing's spawn runs the parent's main script again in every worker (as `__mp_main__`).

    A `ci-assess` worker gets only the light CLI module that way; the benchmark's workers must not get more
    (pandas, the scoring, the site), or the benchmark charges the kit a start-up it does not have.
    """
    loaded = modules_after_running(REPO / "benchmarks" / "bench_execute.py", "__mp_main__")
    heavy = [m for m in loaded if m.split(".")[0] in {"pandas", "matplotlib", "nbconvert", "papermill", "ci_lib"}]
    assert heavy == []


def test_the_cli_script_a_worker_reimports_is_light_too() -> None:
    script = Path(sys.executable).parent / "ci-assess"
    loaded = modules_after_running(script, "__mp_main__")
    assert "ci_lib.cli" in loaded
    assert not [m for m in loaded if m.split(".")[0] in {"pandas", "matplotlib", "nbconvert", "papermill"}]


def test_the_benchmark_prints_the_no_change_time_after_a_forced_run_and_after_verify(tmp_path) -> None:
    """#23 item 6: the benchmark's one run prints the first no-change `run`/`assess` after `run --force` and after
    `verify`, and says whether the fast path was taken (read from the run's timings, not from its wall time)."""
    import runpy

    bench = runpy.run_path(str(REPO / "benchmarks" / "bench_execute.py"), run_name="bench_execute")
    opts = bench["project"](tmp_path / "bench", 2, 2)
    bench["kit"](opts)
    for step in ("run --force", "verify"):
        line = bench["no_change_after"](opts, step)
        assert line.startswith(f"no-change after `{step}`, new processes:"), line
        assert "`ci-assess run` " in line and "`assess` " in line and "fast path taken" in line, line
        assert line.endswith(("target <= 1 s: met)", "target <= 1 s: not met)")), line


def test_the_benchmark_prints_the_size_of_the_built_site(tmp_path) -> None:
    """#23 item 2: per size, the bytes and files of `reports/<year>/_site` (what publishing the site costs)."""
    import runpy
    from types import SimpleNamespace

    bench = runpy.run_path(str(REPO / "benchmarks" / "bench_execute.py"), run_name="bench_execute")
    site = tmp_path / "reports" / str(bench["YEAR"]) / "_site"
    (site / "communities").mkdir(parents=True)
    (site / "index.html").write_bytes(b"x" * 3000)
    (site / "communities" / "a.html").write_bytes(b"y" * 2048)
    line = bench["site_line"](70, SimpleNamespace(reports_root=str(tmp_path / "reports")))
    assert line.startswith("site size, 70 communities:"), line
    assert "(5,048 bytes in 2 files, 2.5 KiB a file, the largest 3 KiB)" in line, line


def test_the_benchmark_prints_the_quarto_incremental_case_with_quarto_on_path(copy_small_run, tmp_path,
                                                                               monkeypatch) -> None:
    """#23 item 6: with `quarto` on PATH (here a stand-in that records its arguments) the benchmark renders the
    year with Quarto, updates one community's narrative, and `assess --engine quarto` then passes Quarto
    that community's page and the summary pages only; without `quarto` it says it skipped the case."""
    import runpy

    from tests.unit.website.test_quarto_project import calls, recording_quarto

    bench = runpy.run_path(str(REPO / "benchmarks" / "bench_execute.py"), run_name="bench_execute")
    opts = copy_small_run.options(render=True, engine="builtin")  # executed and rendered, as after `kit`
    if shutil.which("quarto") is None:
        assert bench["quarto_incremental"](opts).endswith("skipped (quarto is not on PATH)")
    log = recording_quarto(tmp_path, monkeypatch)
    line = bench["quarto_incremental"](opts)
    whole, incremental = calls(log)
    assert whole[1:3] == ["render", "."], whole
    inputs = incremental[2:incremental.index("--output-dir")]
    communities = [i for i in inputs if i.startswith("communities/")]
    changed = line.split("after the narrative of ")[1].split(" changed")[0]
    assert communities == [f"communities/{changed}.ipynb"], inputs
    assert line.startswith("Quarto render, 5 communities:") and f"({len(inputs)} of " in line, line
