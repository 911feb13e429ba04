"""`ci-assess merge`: join the manifests of `--shard I/N` runs into one manifest before rendering."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..atomic import write_json
from ..errors import KitError

KEEP_SAME = ("kit_version", "year", "framework", "rubric_sha256", "data_sha256", "params_sha256", "lock_sha256")


def shard_manifest_path(report_dir: Path, shard: tuple[int, int]) -> Path:
    return report_dir / f"manifest.shard-{shard[0]}-of-{shard[1]}.json"


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
    merged["timings"] = {"execute_s": round(sum(m["timings"]["execute_s"] for m in manifests), 3),
                         "score_s": max(m["timings"]["score_s"] for m in manifests), "shards": count}
    write_json(report_dir / "manifest.json", merged)
    return merged
