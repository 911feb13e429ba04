"""`ci-assess render`: build `reports/<year>/_site` into a temporary directory, then swap it in.

A failed build (Quarto error, full disk) leaves the previous site exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from ..atomic import write_text
from ..errors import KitError
from .builtin import render_builtin
from .content import YearContent
from .quarto import quarto_available, render_quarto, write_project


def choose_engine(engine: str) -> str:
    if engine == "auto":
        return "quarto" if quarto_available() else "builtin"
    if engine == "quarto" and not quarto_available():
        raise KitError("--engine quarto: the `quarto` executable is not on PATH (install Quarto, or use --engine builtin)")
    if engine not in {"quarto", "builtin"}:
        raise KitError(f"unknown engine {engine!r}: use auto, quarto or builtin")
    return engine


def swap_in(build: Path, site: Path) -> None:
    old = site.with_name(f".site-old-{os.getpid()}")
    if site.exists():
        site.rename(old)
    build.rename(site)
    shutil.rmtree(old, ignore_errors=True)


def render(report_dir: str | Path, engine: str = "auto") -> dict[str, Any]:
    report_dir = Path(report_dir)
    started = time.perf_counter()
    content = YearContent.load(report_dir)
    chosen = choose_engine(engine)
    write_text(report_dir / "downloads" / "scores.csv", content.scores_csv())
    write_project(content)
    build = report_dir / f".site-build-{os.getpid()}"
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    try:
        info = render_quarto(content, build) if chosen == "quarto" else render_builtin(content, build)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    site = report_dir / "_site"
    swap_in(build, site)
    info.update(site=str(site), seconds=round(time.perf_counter() - started, 3), communities=len(content.scores),
                failed=content.failed())
    return info
