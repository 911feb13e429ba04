"""The execution benchmark measures the start-up a `ci-assess` run has, not more."""

from __future__ import annotations

import json
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
