"""`ci-assess publish --year Y`: a release bundle of a published year, byte-identical when made twice.

`ci-assessment-<year>.tar.gz` holds one folder `ci-assessment-<year>/` with:
- `site/`: the static website (`reports/<year>/_site`, ready for any static host),
- `manifest.json`: provenance (inputs and params by sha256, effective rules, rubric, packages, environment lock),
- `data-dictionary.md`: the input data contract and the published scores schema,
- `SHA256SUMS`: the sha256 of every other file (`sha256sum -c SHA256SUMS` inside the folder).

The archive is deterministic: entries sorted, one fixed mtime (the manifest's run date), uid/gid 0 with no
user names, fixed modes, and a gzip header with mtime 0 and no file name.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

from ci_lib.atomic import write_bytes
from ci_lib.errors import KitError
from ci_lib.layout import YearLayout

SITE_SKIP = {".build.json"}  # the renderer's incremental-build keys: not part of the published site




def bundle_name(year: int) -> str:
    return f"ci-assessment-{year}"


def release_mtime(manifest: dict[str, Any]) -> int:
    """Seconds since the epoch of the run date (UTC midnight); 1 January of the year when none is recorded."""
    text = str(manifest.get("run_date") or f"{manifest['year']}-01-01")
    try:
        day = datetime.date.fromisoformat(text[:10])
    except ValueError as exc:
        raise KitError(f"manifest run_date {text!r}: not a date (YYYY-MM-DD)") from exc
    return int(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC).timestamp())


def data_dictionary(manifest: dict[str, Any]) -> str:
    from ci_lib.inputs.contract import describe_contract
    from ci_lib.scoring.schema import scores_markdown

    title = str(manifest.get("title") or "Assessment")
    title = title if str(manifest["year"]) in title else f"{title} ({manifest['year']})"
    contract = describe_contract().replace("# Data contract", "## Input data contract", 1)
    contract = "\n".join(("#" + line) if line.startswith("## `") else line for line in contract.splitlines())
    return "\n".join([
        f"# Data dictionary: {title}",
        "",
        f"Framework `{manifest['framework']}` (rubric sha256 `{manifest['rubric_sha256'][:12]}`), "
        f"Civic Infrastructure Assessment Kit {manifest['kit_version']}, run date "
        f"{manifest.get('run_date') or 'not recorded'}.",
        "",
        "## Files in this bundle",
        "",
        "| path | what |",
        "|---|---|",
        "| `site/` | the static website: open `site/index.html`, or copy the folder to any static host |",
        "| `site/scores/<community_id>.json` | each community's scores (schema below) |",
        "| `site/data/<community_id>-outcomes.csv` | published outcome values: `community_id`, `indicator_id`, "
        "`indicator`, `unit`, `group`, `group_label`, `family`, `family_label`, `year`, `value` (in its unit; blank "
        "where not published), `status` (why a value is blank: `suppressed` by the kit, `suppressed_by_source`, "
        "`not_available` at the source), `status_label` (the same in words) |",
        "| `site/downloads/scores.csv` | one row per community: gateway reached, next gateway, missing "
        "benchmarks, shares improving and closing, proof point |",
        "| `site/downloads/outcomes.csv` | every community's outcome file above, one after another |",
        "| `site/downloads/gaps.csv` | every community's disparity gaps, with labels (blank where suppressed) |",
        "| `site/downloads/assessment-<year>.xlsx` | the scores, outcomes, gaps and benchmark ratings, a sheet each, "
        "and a README sheet on each sheet and column |",
        "| `manifest.json` | provenance: input and params files by sha256, effective rules, rubric, package versions, "
        "environment lock sha256, each notebook's status |",
        "| `SHA256SUMS` | sha256 of every other file: run `sha256sum -c SHA256SUMS` in this folder |",
        "",
        scores_markdown().rstrip(),
        "",
        "Values are percents rounded to 0.1; shares are 0 to 1. Suppressed values (cells smaller than the "
        "year's `min_cell`, and the complementary cells that protect them) are null.",
        "",
        contract.rstrip(),
        "",
        "The input files themselves are not part of this bundle (student-level and small-cell data stay "
        "private); `manifest.json` records their sha256 so `ci-assess verify` can re-derive the year from them.",
        "",
    ])


def bundle_files(report_dir: Path, manifest_bytes: bytes) -> dict[str, bytes]:
    """Bundle-relative path -> bytes, SHA256SUMS last."""
    site = YearLayout.of(report_dir).site
    manifest = json.loads(manifest_bytes)
    files: dict[str, bytes] = {}
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site)
        if path.is_file() and rel.name not in SITE_SKIP:
            files[f"site/{rel.as_posix()}"] = path.read_bytes()
    files["manifest.json"] = manifest_bytes
    files["data-dictionary.md"] = data_dictionary(manifest).encode("utf-8")
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items()))
    files["SHA256SUMS"] = sums.encode()
    return files


def tar_bytes(prefix: str, files: dict[str, bytes], mtime: int) -> bytes:
    """A gzip'd tar with sorted entries and no varying metadata."""
    def info(name: str, directory: bool, size: int = 0) -> tarfile.TarInfo:
        entry = tarfile.TarInfo(name)
        entry.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
        entry.mode = 0o755 if directory else 0o644
        entry.size = size
        entry.mtime = mtime
        entry.uid = entry.gid = 0
        entry.uname = entry.gname = ""
        return entry

    folders = {prefix}
    for name in files:
        parts = name.split("/")[:-1]
        folders |= {"/".join([prefix, *parts[:i]]) for i in range(1, len(parts) + 1)}
    entries = sorted([(f, None) for f in folders] + [(f"{prefix}/{n}", data) for n, data in files.items()],
                     key=lambda e: e[0])
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in entries:
            if data is None:
                tar.addfile(info(name, True))
            else:
                tar.addfile(info(name, False, len(data)), io.BytesIO(data))
    packed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=packed, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return packed.getvalue()


def publish(report_dir: str | Path, out_dir: str | Path) -> tuple[Path, dict[str, bytes]]:
    """Write `<out_dir>/ci-assessment-<year>.tar.gz`; returns its path and the bundled files."""
    report_dir = Path(report_dir)
    layout = YearLayout.of(report_dir)
    manifest_path = layout.manifest
    if not manifest_path.is_file():
        raise KitError(f"{manifest_path}: not found; run the year first (`ci-assess assess --year {layout.year}`)")
    if not layout.site_index.is_file():
        raise KitError(f"{layout.site}: no built site; run `ci-assess render --year {layout.year}` first")
    manifest_bytes = manifest_path.read_bytes()
    manifest = json.loads(manifest_bytes)
    if manifest.get("shard"):
        raise KitError(f"{manifest_path}: a shard manifest; merge the shards first (`ci-assess merge`)")
    prefix = bundle_name(int(manifest["year"]))
    files = bundle_files(report_dir, manifest_bytes)
    target = Path(out_dir) / f"{prefix}.tar.gz"
    write_bytes(target, tar_bytes(prefix, files, release_mtime(manifest)))
    return target, files
