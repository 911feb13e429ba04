"""`ci-assess verify reports/<year>`: re-derive a published year from its manifest and compare byte for byte.

1. The recorded inputs are checked: data files (sha256, data directory from the manifest, relative to the
   project root = the folder holding `reports/`), params files (sha256), rubric sha256, kit version and
   the environment lock.
2. The year is re-run into a temporary reports root (same data and params, `--force`, built-in render);
   the other published years are linked beside it, since a page shows earlier years and the year switcher.
3. Every artifact (manifest, scores, executed notebooks, published CSVs, the network downloads and workbook,
   the whole site) is compared with
   the published one. Runs are deterministic (no clock, no absolute path, fixed ids), so any difference
   means the inputs, the code or the environment differ from what the manifest records, or a published
   file was changed after the fact.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_lib import __version__
from ci_lib.digest import file_sha256
from ci_lib.errors import KitError
from ci_lib.layout import YearLayout

ARTIFACTS = ("manifest.json", "index.ipynb", "scores/*.json", "communities/*.ipynb", "data/*.csv", "downloads/*",
             "_site/**/*")


@dataclass
class Verification:
    report_dir: Path
    problems: list[str] = field(default_factory=list)  # inputs that differ from the manifest
    differing: list[str] = field(default_factory=list)  # artifacts whose re-derived bytes differ
    compared: int = 0
    kept: Path | None = None

    @property
    def ok(self) -> bool:
        return not (self.problems or self.differing)


def read_manifest(report_dir: Path) -> dict[str, Any]:
    path = YearLayout.of(report_dir).manifest
    if not path.is_file():
        raise KitError(f"{path}: not found; `ci-assess verify` takes a published year, e.g. reports/2025")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise KitError(f"{path}: not valid JSON ({exc})") from exc
    missing = {"year", "data_dir", "inputs", "params", "framework", "rubric_sha256", "kit_version"} - set(manifest)
    if missing:
        raise KitError(f"{path}: no {', '.join(sorted(missing))}: not a manifest this kit can verify "
                       "(re-run the year with this kit)")
    if manifest.get("shard"):
        raise KitError(f"{path}: a shard manifest; merge the shards (`ci-assess merge`) first")
    return manifest


def check_inputs(manifest: dict[str, Any], data_dir: Path, params_dir: Path,
                 reports_root: Path | None = None) -> list[str]:
    """What differs between the recorded inputs (`cache.RECORDED`: the year's declared inputs the manifest
    records) and the files now on disk."""
    from ci_lib.execute.cache import RECORDED

    checks: dict[str, Callable[[Any], list[str]]] = {
        "data": lambda recorded: check_data(recorded, data_dir),
        "params": lambda recorded: check_params(recorded, params_dir),
        "rubric": lambda recorded: check_rubric(manifest["framework"], recorded),
        "kit": lambda recorded: [] if recorded == __version__ else
        [f"kit version: {recorded} recorded, {__version__} installed"],
        "lock": check_lock,
        "previous": lambda recorded: check_previous(recorded, reports_root or data_dir.parent / "reports"),
    }
    problems = []
    for name, key in RECORDED.items():
        if manifest.get(key) is not None:  # (a manifest of an older kit may not record the previous year)
            problems += checks[name](manifest[key])
    return problems


def check_data(recorded: dict[str, str], data_dir: Path) -> list[str]:
    problems = []
    for name, digest in sorted(recorded.items()):
        path = data_dir / name
        if not path.is_file():
            problems.append(f"input missing: {path} (recorded sha256 {digest[:12]})")
        elif (now := file_sha256(path)) != digest:
            problems.append(f"input changed: {path} (sha256 {digest[:12]} recorded, {now[:12]} now)")
    return problems


def check_params(recorded: dict[str, str], params_dir: Path) -> list[str]:
    problems = []
    on_disk = {p.name: p for p in sorted(params_dir.glob("*.yml"))} if params_dir.is_dir() else {}
    for name, digest in sorted(recorded.items()):
        if name not in on_disk:
            problems.append(f"params missing: {params_dir / name} (recorded sha256 {digest[:12]})")
        elif (now := file_sha256(on_disk[name])) != digest:
            problems.append(f"params changed: {params_dir / name} (sha256 {digest[:12]} recorded, {now[:12]} now)")
    for name in sorted(set(on_disk) - set(recorded)):
        problems.append(f"params added since the run: {params_dir / name}")
    return problems


def check_rubric(framework: str, recorded: str) -> list[str]:
    from ci_lib.inputs.rubric import load_rubric

    try:
        rubric_sha = load_rubric(framework).sha256
    except KitError as exc:
        return [f"rubric {framework}: {exc}"]
    if rubric_sha != recorded:
        return [f"rubric changed: {framework} (sha256 {recorded[:12]} recorded, {rubric_sha[:12]} now)"]
    return []


def check_lock(recorded: str) -> list[str]:
    from ci_lib.execute.cache import lock_sha256

    if recorded and recorded != lock_sha256():
        return ["environment lock differs from the run's (requirements.lock / environment.yml changed); "
                "`ci-assess doctor` shows the installed environment against the lock"]
    return []


def check_previous(recorded: dict[str, Any], reports_root: Path) -> list[str]:
    """The previous year's published scores, which movement read, as they were when the year ran."""
    from ci_lib.execute.unchanged import previous_record

    now = previous_record(reports_root, int(recorded["year"]))
    if now != recorded:
        return [f"previous year changed: {YearLayout(reports_root, int(recorded['year'])).scores} (scores sha256 "
                f"{str(recorded['scores_sha256'])[:12]} recorded, {str(now['scores_sha256'])[:12]} now)"]
    return []


def artifacts(report_dir: Path) -> set[str]:
    found: set[str] = set()
    for pattern in ARTIFACTS:
        found |= {p.relative_to(report_dir).as_posix() for p in report_dir.glob(pattern) if p.is_file()}
    return found


def compare(published: Path, derived: Path) -> tuple[list[str], int]:
    """Every artifact that is missing on one side or whose bytes differ."""
    ours, theirs = artifacts(published), artifacts(derived)
    differing = []
    for rel in sorted(ours | theirs):
        if rel not in theirs:
            differing.append(f"{rel}: published, but not re-derived")
        elif rel not in ours:
            differing.append(f"{rel}: re-derived, but missing from the published year")
        elif (published / rel).read_bytes() != (derived / rel).read_bytes():
            differing.append(f"{rel}: differs{manifest_detail(published, derived, rel)}")
    return differing, len(ours | theirs)


def manifest_detail(published: Path, derived: Path, rel: str) -> str:
    if not rel.endswith("manifest.json"):
        return ""
    try:
        a, b = (json.loads((root / rel).read_text()) for root in (published, derived))
    except ValueError:
        return ""
    keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return f" (keys: {', '.join(keys)})" if keys else ""


def link_other_years(published_root: Path, scratch_root: Path, year: int) -> None:
    """Earlier (and later) published years beside the re-derived one: pages link and compare to them."""
    for other in YearLayout.under(published_root):
        if other.year != year:
            YearLayout(scratch_root, other.year).report_dir.symlink_to(other.report_dir.resolve(), target_is_directory=True)


def verify_year(report_dir: str | Path, notebooks: str | Path | None = None, params_root: str | Path | None = None,
                jobs: int | None = None, keep: bool = False,
                progress: Callable[..., None] | None = None) -> Verification:
    from ci_lib.pipeline import AssessOptions, assess_year

    report_dir = Path(report_dir).absolute()
    manifest = read_manifest(report_dir)
    year = int(manifest["year"])
    reports_root = report_dir.parent
    root = reports_root.parent
    data_dir = root / manifest["data_dir"]
    params_root = Path(params_root) if params_root else root / manifest.get("params_dir", "params")
    notebooks = Path(notebooks) if notebooks else root / "notebooks"
    result = Verification(report_dir)
    result.problems = check_inputs(manifest, data_dir, params_root / str(year), reports_root)
    scratch = Path(tempfile.mkdtemp(prefix=f"ci-verify-{year}-"))
    try:
        scratch_reports = scratch / "reports"
        scratch_reports.mkdir()
        link_other_years(reports_root, scratch_reports, year)
        options = AssessOptions(year=year, data=str(data_dir), params_root=str(params_root),
                                reports_root=str(scratch_reports), notebooks=str(notebooks), jobs=jobs, force=True,
                                project_root=str(root), render=True, engine="builtin", force_render=True,
                                refresh_other_years=False)  # (the other years are the published ones, linked)
        report = assess_year(options, progress=progress)
        for failed in report.failed:
            result.problems.append(f"re-run: notebook {failed.name} failed: {failed.error}")
        result.differing, result.compared = compare(report_dir, YearLayout(scratch_reports, year).report_dir)
    finally:
        if keep:
            result.kept = YearLayout(scratch / "reports", year).report_dir
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return result
