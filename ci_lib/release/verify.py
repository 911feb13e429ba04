"""`ci-assess verify reports/<year>`: re-derive a published year from its manifest and compare byte for byte.

1. The recorded inputs are checked: data files (sha256, data directory from the manifest, relative to the
   project root = the folder holding `reports/`), params files (sha256), rubric sha256, kit version and
   the environment lock.
2. The year is re-run into a temporary reports root (same data and params, `--force`, built-in render);
   the other published years are linked beside it, since a page shows earlier years and the year switcher.
3. Every artifact (manifest, scores, executed notebooks, published CSVs, the whole site) is compared with
   the published one. Runs are deterministic (no clock, no absolute path, fixed ids), so any difference
   means the inputs, the code or the environment differ from what the manifest records, or a published
   file was changed after the fact.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_lib import __version__
from ci_lib.digest import file_sha256
from ci_lib.errors import KitError
from ci_lib.layout import YearLayout

ARTIFACTS = ("manifest.json", "index.ipynb", "scores/*.json", "communities/*.ipynb", "data/*.csv", "_site/**/*")


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
    path = report_dir / "manifest.json"
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


def check_inputs(manifest: dict[str, Any], data_dir: Path, params_dir: Path) -> list[str]:
    """What differs between the recorded inputs and the files now on disk."""
    from ci_lib.execute.cache import lock_sha256
    from ci_lib.inputs.rubric import load_rubric

    problems = []
    for name, recorded in sorted(manifest["inputs"].items()):
        path = data_dir / name
        if not path.is_file():
            problems.append(f"input missing: {path} (recorded sha256 {recorded[:12]})")
        elif (now := file_sha256(path)) != recorded:
            problems.append(f"input changed: {path} (sha256 {recorded[:12]} recorded, {now[:12]} now)")
    recorded_params: dict[str, str] = manifest["params"]
    on_disk = {p.name: p for p in sorted(params_dir.glob("*.yml"))} if params_dir.is_dir() else {}
    for name, recorded in sorted(recorded_params.items()):
        if name not in on_disk:
            problems.append(f"params missing: {params_dir / name} (recorded sha256 {recorded[:12]})")
        elif (now := file_sha256(on_disk[name])) != recorded:
            problems.append(f"params changed: {params_dir / name} (sha256 {recorded[:12]} recorded, {now[:12]} now)")
    for name in sorted(set(on_disk) - set(recorded_params)):
        problems.append(f"params added since the run: {params_dir / name}")
    try:
        rubric_sha = load_rubric(manifest["framework"]).sha256
    except KitError as exc:
        problems.append(f"rubric {manifest['framework']}: {exc}")
    else:
        if rubric_sha != manifest["rubric_sha256"]:
            problems.append(f"rubric changed: {manifest['framework']} (sha256 {manifest['rubric_sha256'][:12]} "
                            f"recorded, {rubric_sha[:12]} now)")
    if manifest["kit_version"] != __version__:
        problems.append(f"kit version: {manifest['kit_version']} recorded, {__version__} installed")
    if manifest.get("lock_sha256") and manifest["lock_sha256"] != lock_sha256():
        problems.append("environment lock differs from the run's (requirements.lock / environment.yml changed); "
                        "`ci-assess doctor` shows the installed environment against the lock")
    return problems


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
    from ci_lib.execute.run import RunOptions, run_year
    from ci_lib.website.build import render

    report_dir = Path(report_dir).absolute()
    manifest = read_manifest(report_dir)
    year = int(manifest["year"])
    reports_root = report_dir.parent
    root = reports_root.parent
    data_dir = root / manifest["data_dir"]
    params_root = Path(params_root) if params_root else root / manifest.get("params_dir", "params")
    notebooks = Path(notebooks) if notebooks else root / "notebooks"
    result = Verification(report_dir)
    result.problems = check_inputs(manifest, data_dir, params_root / str(year))
    scratch = Path(tempfile.mkdtemp(prefix=f"ci-verify-{year}-"))
    try:
        scratch_reports = scratch / "reports"
        scratch_reports.mkdir()
        link_other_years(reports_root, scratch_reports, year)
        opts = RunOptions(year=year, data=str(data_dir), params_root=str(params_root),
                          reports_root=str(scratch_reports), notebooks=str(notebooks), jobs=jobs, force=True,
                          project_root=str(root))
        report = run_year(opts, progress=progress)
        for failed in report.failed:
            result.problems.append(f"re-run: notebook {failed.name} failed: {failed.error}")
        render(YearLayout(scratch_reports, year).report_dir, "builtin", force=True)
        result.differing, result.compared = compare(report_dir, YearLayout(scratch_reports, year).report_dir)
    finally:
        if keep:
            result.kept = YearLayout(scratch / "reports", year).report_dir
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return result


def command(args: Any) -> int:
    """`ci-assess verify reports/<year>`: prints every difference; exit 0 when identical, 1 otherwise."""
    print(f"verifying {args.report_dir}: checking inputs, then re-deriving the year (this re-executes it)")
    result = verify_year(args.report_dir, args.notebooks, args.params, args.jobs, args.keep)
    for problem in result.problems:
        print(problem, file=sys.stderr)
    for artifact in result.differing:
        print(f"artifact {artifact}", file=sys.stderr)
    if result.kept:
        print(f"re-derived year kept in {result.kept}")
    if not result.ok:
        print(f"verify FAILED: {len(result.problems)} input problem(s), {len(result.differing)} of "
              f"{result.compared} artifacts differ", file=sys.stderr)
        return 1
    print(f"verified: inputs match the manifest and all {result.compared} artifacts re-derive byte for byte")
    return 0
