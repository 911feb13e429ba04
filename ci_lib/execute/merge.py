"""`ci-assess merge`: join the manifests of `--shard I/N` runs into one manifest before rendering."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ci_lib.atomic import write_json
from ci_lib.errors import KitError
from ci_lib.layout import YearLayout

KEEP_SAME = ("kit_version", "year", "framework", "rubric_sha256", "data_sha256", "params_sha256", "lock_sha256")


def shard_manifest_path(report_dir: Path, shard: tuple[int, int]) -> Path:
    return YearLayout.of(report_dir).shard_manifest(*shard)


def merge_shards(report_dir: Path) -> dict[str, Any]:
    parts = sorted(report_dir.glob("manifest.shard-*-of-*.json"))
    if not parts:
        raise KitError(f"{report_dir}: no shard manifests (manifest.shard-I-of-N.json) to merge")
    manifests = [json.loads(p.read_text()) for p in parts]
    count = manifests[0]["shard"][1]
    found = sorted(m["shard"][0] for m in manifests)
    if found != list(range(count)):
        missing = sorted(set(range(count)) - set(found))
        raise KitError(f"{report_dir}: shards {missing} of {count} have not finished; merge after every shard")
    for key in KEEP_SAME:
        values = {json.dumps(m.get(key)) for m in manifests}
        if len(values) > 1:
            raise KitError(f"{report_dir}: shards disagree on {key}; re-run them on the same inputs and kit")
    merged = dict(manifests[0])
    merged["shard"] = None
    merged["notebooks"] = {}
    for m in manifests:
        merged["notebooks"].update(m["notebooks"])
    merged["notebooks"] = dict(sorted(merged["notebooks"].items()))
    merged.pop("timings", None)  # manifests of older kits carried their timings
    layout = YearLayout.of(report_dir)
    write_json(layout.manifest, merged)
    write_json(layout.timings, merge_timings(report_dir, manifests, count))
    return merged


def merge_timings(report_dir: Path, manifests: list[dict[str, Any]], count: int) -> dict[str, Any]:
    """`timings.json` of the whole year from the shards' `timings.shard-I-of-N.json`."""
    parts = []
    for m in manifests:
        index, total = m["shard"]
        path = YearLayout.of(report_dir).shard_timings(index, total)
        parts.append(json.loads(path.read_text()) if path.exists() else m.get("timings") or {})
    notebooks: dict[str, Any] = {}
    for part in parts:
        notebooks.update(part.get("notebooks", {}))
    return {"year": manifests[0]["year"], "score_s": max((p.get("score_s", 0) for p in parts), default=0),
            "execute_s": round(sum(p.get("execute_s", 0) for p in parts), 3), "shards": count,
            "notebooks": dict(sorted(notebooks.items()))}
