"""The kit's tools: the `demo` network, `doctor` (environment drift), `lab`, `check-notebooks`, `docs`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ci_lib.cli.pipeline_commands import add_engine_option, do_assess
from ci_lib.errors import KitError


def add_demo_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, default=2025)
    p.add_argument("--out", default="data/demo")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--communities", type=int, default=70)
    p.add_argument("--jobs", type=int, default=None)
    p.add_argument("--generate-only", action="store_true")
    add_engine_option(p)
    p.add_argument("--quiet", action="store_true")


def demo(year: int = 2025, out: str = "data/demo", seed: int = 2025, communities: int = 70, jobs: int | None = None,
         generate_only: bool = False, engine: str = "auto", quiet: bool = False) -> int:
    """`demo`: the synthetic network in `out`, params for it, then `year - 1` and `year` assessed."""
    from ci_lib.tools import demo as demo_network

    info = demo_network.generate(out, seed=seed, n=communities, year=year)
    years = [year - 1, year]  # two assessment years: the archive and year-over-year movement
    written = [p for y in years for p in demo_network.write_demo_params("params", y, out, info["local"])]
    print(f"demo network: {len(info['communities'])} communities in {out}"
          + (f"; created {len(written)} params file(s) in params/" if written else ""))
    if generate_only:
        return 0
    code = 0
    for assessed in years:  # the earlier year first: the later one shows the movement since it
        print(f"— assessment {assessed}")
        from ci_lib.pipeline import AssessOptions

        code = max(code, do_assess(AssessOptions(year=assessed, data=out, jobs=jobs), engine, quiet=quiet))
    return code


def add_doctor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lock", help="lock file (default: requirements.lock here, else the kit's checkout)")


def doctor(lock: str | None = None) -> int:
    """`doctor`: exit 0 in sync, 1 on drift (the differences on stderr)."""
    from ci_lib import compat
    from ci_lib.tools import environment

    drift = environment.doctor(lock)
    for line in environment.report(drift):
        print(line, file=sys.stdout if drift.in_sync or not line.startswith(("missing", "different", "DRIFT"))
              else sys.stderr)
    tricks = compat.active()
    off = [name for name in compat.TRICKS if name not in tricks]
    print(f"speed tricks on ({compat.KILL_SWITCH}=1 turns them off): {', '.join(tricks) or 'none'}"
          + (f"; off (kill switch or a library outside the checked versions): {', '.join(off)}" if off else ""))
    return 0 if drift.in_sync else 1


def add_lab_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("lab_args", nargs=argparse.REMAINDER, help="after --: passed on to jupyter lab")


def lab(lab_args: list[str] | None = None) -> int:
    """`lab`: this process becomes `jupyter lab` serving the project root (returns only where exec is stubbed)."""
    from ci_lib.tools.lab import ALLOW_ROOT, lab_argv, project_root, running_as_root

    root = project_root()
    extra = [a for a in lab_args or [] if a != "--"]
    as_root = running_as_root()
    argv = lab_argv(root, extra, as_root)
    if as_root:
        print(f"running as root: passing {ALLOW_ROOT} to jupyter lab", flush=True)
    print(f"JupyterLab in {root} (notebooks/community.ipynb: a community's page; notebooks/explore.ipynb: "
          "explore a year)", flush=True)
    os.chdir(root)
    os.execvp(argv[0], argv)  # replaces this process; returns only in tests that stub it
    return 0


def add_check_notebooks_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--notebooks", default="notebooks", help="folder of templates (default: notebooks)")


def check_notebooks(notebooks: str = "notebooks") -> int:
    """`check-notebooks`: every problem of the templates in `notebooks` on stderr and exit 1, else one line."""
    from ci_lib.execute import notebook_checks

    folder = Path(notebooks)
    if not folder.is_dir():
        raise KitError(f"{folder}: not a folder of notebooks")
    found = notebook_checks.templates(folder)
    problems = notebook_checks.check_notebooks(folder)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {len(found)} notebook(s)", file=sys.stderr)
        return 1
    print(f"{len(found)} notebook(s) checked: parameters, paths, network, plots, pairing, outputs — all fine")
    return 0


def add_docs_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 when a generated page is out of date")
    p.add_argument("--root", help="folder holding docs/ (default: the kit's checkout)")


def docs(check: bool = False, root: str | None = None) -> int:
    """`docs`: regenerate the generated pages under `root` (default: the kit's checkout); with `check`, write
    nothing and exit 1 when one is out of date."""
    from ci_lib.atomic import write_text
    from ci_lib.tools import docgen

    folder = Path(root or docgen.kit_root())
    stale = []
    for rel, text in docgen.generated().items():
        path = folder / rel
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            print(f"{path}: up to date")
        elif check:
            stale.append(path)
            print(f"{path}: out of date; run `ci-assess docs` (or `make docs`)", file=sys.stderr)
        else:
            write_text(path, text)
            print(f"{path}: regenerated")
    return 1 if stale else 0
