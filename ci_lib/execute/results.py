"""What a run is asked to do and what it reports: plain records, importable without the heavy machinery."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RunOptions:
    """What to execute: the year, where its inputs and outputs are, which communities, how (typed, never a Namespace)."""

    year: int
    data: str | None = None
    params_root: str = "params"
    reports_root: str = "reports"
    notebooks: str = "notebooks"
    jobs: int | None = None
    only: tuple[str, ...] = ()
    executor: str = "local"
    scheduler: str | None = None
    shard: tuple[int, int] | None = None
    force: bool = False
    timeout: float | None = None
    warm: bool = True
    project_root: str | None = None  # paths in the manifest are relative to it (default: the reports root's parent)

    def __post_init__(self) -> None:
        object.__setattr__(self, "only", tuple(self.only))  # a list given by a caller is kept as a tuple

    def relative(self, path: str | Path) -> str:
        """`path` relative to the project (POSIX separators): manifests name no machine-specific absolute path."""
        root = Path(self.project_root) if self.project_root else Path(self.reports_root).parent
        return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(root))).as_posix()


@dataclass
class TaskResult:
    name: str
    status: str  # ok | failed | cached
    seconds: float = 0.0
    error: str = ""
    output: str = ""
    attempts: int = 1
    stop: str = ""  # why the whole run must stop (an output that cannot be written); empty otherwise


@dataclass
class RunReport:
    report_dir: Path
    results: list[TaskResult]
    manifest: dict[str, Any]

    @property
    def failed(self) -> list[TaskResult]:
        return [r for r in self.results if r.status == "failed"]
