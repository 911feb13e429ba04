"""`ci-assess new-year`: start a year's params from the last one, and say what staff must look at again.

The new `params/<year>/` carries the previous year's network settings (framework, data, rules, local
indicators, targets) with its year, title and run date moved on, carries each member's own file as it was
(comments kept: the files are edited as text, not re-dumped), and gives every other member of the data
directory's `communities.csv` the commented scaffold of `new-community`. It is written beside the params root
and moved into place only once it validates, so a failed start leaves nothing behind; an existing year is
never touched (`ci-assess params --year Y` adds files for members that have none).
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ci_lib.cycle.scaffold import community_template
from ci_lib.errors import InvalidInput, KitError
from ci_lib.inputs.load import read_table
from ci_lib.inputs.parameters import YearParams, data_dir_for, load_params
from ci_lib.inputs.rubric import available_frameworks, load_rubric
from ci_lib.layout import YEAR_GLOB

SCAFFOLD_HEADER = re.compile(r"^(# Params for \S+, assessment year )\d{4}(\.)", re.MULTILINE)


@dataclass
class NewYear:
    """What `start_year` wrote and what staff should review before the year runs."""

    year: int
    previous: int
    folder: Path
    data_dir: str
    carried: list[str] = field(default_factory=list)  # members whose previous-year file was carried
    scaffolded: list[str] = field(default_factory=list)  # members given the commented scaffold
    left: list[str] = field(default_factory=list)  # previous-year files of communities no longer listed
    review: list[str] = field(default_factory=list)  # one sentence per thing to check


def latest_year(params_root: Path, before: int) -> int | None:
    """The latest year before `before` that has a `network.yml` under the params root."""
    years = [int(p.parent.name) for p in params_root.glob(f"{YEAR_GLOB}/network.yml") if int(p.parent.name) < before]
    return max(years) if years else None


def members(data_dir: str) -> dict[str, int | None]:
    """community_id -> joined_year of the data directory's communities table, validated as `validate` does."""
    folder = Path(data_dir)
    if not folder.is_dir():
        raise KitError(f"{folder}: data directory does not exist (pass --data, or set `data:` in network.yml)")
    frame, problems = read_table(folder, "communities", [], {})
    if problems or frame is None:
        raise InvalidInput(problems)
    return {str(cid): None if pd.isna(year) else int(year)
            for cid, year in zip(frame["community_id"], frame["joined_year"], strict=True)}


def set_key(text: str, key: str, value: Any) -> str:
    """`text` with the top-level `key:` (and its continuation lines) set to `value`, or removed when None;
    a key not there is added after `year:`. Other lines, comments included, stay as they were."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(rf"{re.escape(key)}\s*:", line)), None)
    new = [] if value is None else [yaml.safe_dump({key: value}, width=10_000, sort_keys=False)]
    if start is None:
        if value is None:
            return text
        after = next((i + 1 for i, line in enumerate(lines) if re.match(r"year\s*:", line)), len(lines))
        if after == len(lines) and lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        return "".join([*lines[:after], *new, *lines[after:]])
    end = start + 1
    while end < len(lines) and lines[end][:1] in (" ", "\t") and lines[end].strip():
        end += 1  # a folded or quoted value continued on indented lines
    return "".join([*lines[:start], *new, *lines[end:]])


def moved_date(run_date: str | None, years: int) -> str | None:
    """Last year's run date, `years` on (29 February becomes the 28th)."""
    if run_date is None:
        return None
    day = datetime.date.fromisoformat(run_date)
    try:
        return day.replace(year=day.year + years).isoformat()
    except ValueError:
        return day.replace(year=day.year + years, day=28).isoformat()


def network_text(text: str, year: int, previous: int, old: YearParams, data: str | None) -> tuple[str, dict[str, Any]]:
    """The new network.yml's text and the settings it must parse to."""
    raw = yaml.safe_load(text) or {}
    expected: dict[str, Any] = {"year": year}
    if "title" in raw:
        expected["title"] = str(raw["title"]).replace(str(previous), str(year))
    if old.run_date:
        expected["run_date"] = moved_date(old.run_date, year - previous)
    if data is not None:
        expected["data"] = data
    text = set_key(text, "year", year)
    for key, value in expected.items():
        if key != "year":
            text = set_key(text, key, value)
    text = set_key(text, "previous_year", None if previous == year - 1 else previous)
    expected["previous_year"] = None if previous == year - 1 else previous
    return text, expected


def check_network_text(path: Path, text: str, expected: dict[str, Any], original: str) -> None:
    """The edited text must read back as intended (a layout the line edits did not foresee is refused)."""
    got = yaml.safe_load(text) or {}
    settled = {k: got.get(k) for k in expected}
    if "run_date" in settled and isinstance(settled["run_date"], datetime.date):
        settled["run_date"] = settled["run_date"].isoformat()
    others = {k: v for k, v in (yaml.safe_load(original) or {}).items() if k not in expected}
    if settled != expected or {k: got.get(k) for k in others} != others:
        raise KitError(f"{path}: could not carry this file's settings line by line (got {settled}, expected "
                       f"{expected}); write params/<year>/network.yml by hand from it")


def listed(ids: list[str], shown: int = 12) -> str:
    """Ids for a line a person reads: the first `shown`, then how many more."""
    return ", ".join(ids[:shown]) + (f" and {len(ids) - shown} more" if len(ids) > shown else "")


def targets_to_review(where: str, targets: dict[str, dict[str, Any]], year: int) -> list[str]:
    lines = []
    for indicator, target in sorted(targets.items()):
        if int(target["year"]) < year:
            lines.append(f"{where}: the target for {indicator} ({target['value']} by {target['year']}) has passed: "
                         "set the next one or remove it")
        elif int(target["year"]) == year:
            lines.append(f"{where}: the target for {indicator} ({target['value']} by {target['year']}) falls due "
                         "this year")
    return lines


def framework_review(framework: str) -> list[str]:
    """A rubric newer than the carried one: what changed, and how to move to it."""
    shipped = available_frameworks()
    newer = [f for f in shipped if f > framework and f.split("-")[0] == framework.split("-")[0]]
    if not newer:
        return []
    latest = load_rubric(newer[-1])
    changes = "".join(f"\n      - {c}" for c in latest.changes)
    return [f"framework: {framework} carried; a newer rubric ships with the kit: {latest.framework} ({latest.title}). "
            f"To assess against it, set `framework: {latest.framework}` in network.yml and have members rate its "
            f"new benchmarks (ci-assess forms). Its changes:{changes}"]


def review_lines(new: NewYear, old: YearParams, joined: dict[str, int | None]) -> list[str]:
    lines = [f"run_date: set to {moved_date(old.run_date, new.year - new.previous)} (last year's a year on): "
             "make it the day the year's results are published" if old.run_date
             else "run_date: not set: pages say 'not recorded' until network.yml gives one"]
    lines.append(f"data: {new.data_dir}: add the year's ratings (benchmarks.csv, `year` {new.year}) and outcomes "
                 "there, or point `data:` at the year's folder")
    lines += framework_review(old.framework)
    if "baseline_year" in old.rules:
        lines.append(f"baseline_year: {old.rules['baseline_year']} (network) carried: keep a fixed baseline, or "
                     "move it if the network's baseline rolls with the year")
    for cid in new.carried:
        if "baseline_year" in old.community(cid):
            lines.append(f"baseline_year: {old.community(cid)['baseline_year']} ({cid}) carried")
    lines += targets_to_review("network.yml", old.targets, new.year)
    for cid in new.carried:
        lines += targets_to_review(f"{cid}.yml", old.community(cid).get("targets") or {}, new.year)
    if old.local_indicators:
        lines.append("local indicators carried (network): " + ", ".join(str(i["id"]) for i in old.local_indicators))
    stories = [cid for cid in new.carried if old.community(cid).get("narrative") or old.community(cid).get("narratives")]
    if stories:
        lines.append(f"narratives carried from {new.previous}: rewrite them for {new.year}'s results: " + listed(stories))
    newcomers = sorted(cid for cid, y in joined.items() if y is not None and new.previous < y <= new.year)
    if newcomers:
        lines.append(f"members who joined since {new.previous}: " + listed(newcomers))
    later = sorted(cid for cid, y in joined.items() if y is not None and y > new.year)
    if later:
        lines.append(f"listed but joining after {new.year} (not assessed this year): " + listed(later))
    if new.scaffolded:
        lines.append(f"members given a new params file (commented defaults, nothing set): {listed(new.scaffolded)}")
    if new.left:
        lines.append(f"not in communities.csv any more, so their {new.previous} params were not carried: "
                     + listed(new.left))
    return lines


def start_year(year: int, params_root: str | Path = "params", previous: int | None = None,
               data: str | None = None) -> NewYear:
    """Create `params/<year>/` from `params/<previous>/` (default: the latest earlier year); never overwrites."""
    root = Path(params_root)
    folder = root / str(year)
    existing = sorted(folder.glob("*.yml")) if folder.is_dir() else []
    if existing or (folder.exists() and not folder.is_dir()):
        raise KitError(f"{folder}: already exists ({len(existing)} params file(s)); new-year never overwrites a year: "
                       f"edit it, or add files for members without one with `ci-assess params --year {year}`")
    previous = previous if previous is not None else latest_year(root, year)
    if previous is None:
        raise KitError(f"{root}: no earlier year with a network.yml to start {year} from; pass --from YEAR "
                       "(or `ci-assess demo` for an example)")
    if previous >= year:
        raise KitError(f"--from {previous}: must be a year before {year}")
    old = load_params(previous, root)
    data_dir = data or data_dir_for(old.data, root)
    if not data_dir:
        raise KitError(f"{root / str(previous) / 'network.yml'}: no `data:`; pass --data DIR (the data directory "
                       "whose communities.csv lists the members)")
    joined = members(data_dir)
    new = NewYear(year=year, previous=previous, folder=folder, data_dir=data_dir)
    staging = root / f".new-year-{year}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    target = staging / str(year)
    target.mkdir(parents=True)
    try:
        source = root / str(previous) / "network.yml"
        text, expected = network_text(old.files["network.yml"], year, previous, old, data)
        check_network_text(source, text, expected, old.files["network.yml"])
        (target / "network.yml").write_text(text, encoding="utf-8")
        for cid in sorted(joined):
            name = f"{cid}.yml"
            if name in old.files:
                (target / name).write_text(SCAFFOLD_HEADER.sub(rf"\g<1>{year}\g<2>", old.files[name]), encoding="utf-8")
                new.carried.append(cid)
            else:
                (target / name).write_text(community_template(cid, year), encoding="utf-8")
                new.scaffolded.append(cid)
        new.left = sorted(c for c in old.communities if c not in joined)
        load_params(year, staging, known_communities=set(joined))  # the new year validates before it appears
        if folder.is_dir():
            folder.rmdir()  # empty (checked above): the staged year takes its place
        os.replace(target, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    new.review = review_lines(new, old, joined)
    return new
