"""The Theory of Action rubric: versioned YAML data (one file per framework), never code."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .errors import KitError

RUBRIC_DIR = Path(__file__).parent / "rubrics"

DEFAULT_RULES: dict[str, Any] = {
    "in_progress_credit": 0.5,
    "gateway_rule": {"method": "all_met", "threshold": 1.0},
    "trend": {"method": "baseline", "min_change_pp": 1.0, "periods": 3},
    "reference_group": "white",
    "proof_point_share": 0.60,
    "proof_point_gap_share": 0.5,
    "min_cell": 10,
    "baseline_year": None,
}


@dataclass(frozen=True)
class Benchmark:
    id: str
    gateway: str
    pillar: str
    title: str
    evidence_expected: str


@dataclass(frozen=True)
class Outcome:
    id: str
    name: str
    stage: str
    polarity: str
    unit: str = "percent"
    indicator: str = ""
    local: bool = False

    @property
    def sign(self) -> int:
        """+1 when a rise is good, -1 when a fall is good."""
        return 1 if self.polarity == "higher_is_better" else -1


@dataclass(frozen=True)
class Group:
    id: str
    label: str
    kind: str


@dataclass
class Rubric:
    framework: str
    title: str
    pillars: list[dict[str, str]]
    gateways: list[dict[str, Any]]
    benchmarks: list[Benchmark]
    outcomes: list[Outcome]
    groups: list[Group]
    partitions: dict[str, list[str]]
    rules: dict[str, Any]
    label_map: dict[str, str]
    sha256: str
    changes: list[str] = field(default_factory=list)

    @property
    def gateway_ids(self) -> list[str]:
        return [g["id"] for g in self.gateways]

    @property
    def pillar_ids(self) -> list[str]:
        return [p["id"] for p in self.pillars]

    def gateway_label(self, gateway_id: str | None) -> str:
        for g in self.gateways:
            if g["id"] == gateway_id:
                return str(g["label"])
        return "Not yet reached"

    def pillar_label(self, pillar_id: str) -> str:
        return next((str(p["label"]) for p in self.pillars if p["id"] == pillar_id), pillar_id)

    def outcome(self, outcome_id: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.id == outcome_id), None)

    def group_label(self, group_id: str) -> str:
        return next((g.label for g in self.groups if g.id == group_id), group_id)

    @property
    def group_ids(self) -> list[str]:
        return [g.id for g in self.groups]

    def with_local_outcomes(self, local: list[dict[str, Any]]) -> Rubric:
        """A copy that also knows the local indicators declared in params, once per id.

        Several communities may declare the same local indicator (params checks that they agree where
        both give a field): it is still one indicator, with one chart on each page that has it, defined
        by every field any declaration gives.
        """
        new = copy.copy(self)
        known = {o.id for o in self.outcomes}
        merged: dict[str, dict[str, Any]] = {}
        for declared in local:
            if declared["id"] not in known:
                for key, value in declared.items():
                    merged.setdefault(declared["id"], {}).setdefault(key, value)
        extra = [Outcome(id=str(i), local=True, **local_definition(item)) for i, item in merged.items()]
        new.outcomes = [*self.outcomes, *extra]
        return new


LOCAL_DEFAULTS = {"stage": "local", "polarity": "higher_is_better", "unit": "percent", "indicator": ""}


def local_definition(item: dict[str, Any]) -> dict[str, str]:
    """What scoring and charts read of a local indicator, with the defaults they apply."""
    return {"name": str(item.get("name", item["id"])),
            **{key: str(item.get(key, default)) for key, default in LOCAL_DEFAULTS.items()}}


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def merge_rules(rules: dict[str, Any], override: dict[str, Any] | None) -> dict[str, Any]:
    """Rules with params overrides applied (nested dicts such as `trend` merge key by key)."""
    return _merge(rules, override or {})


def available_frameworks() -> list[str]:
    return sorted(p.stem for p in RUBRIC_DIR.glob("*.yml"))


def rubric_path(framework: str) -> Path:
    """Only the rubrics shipped in ci_lib/rubrics/ can be named (params never point at arbitrary files)."""
    candidate = RUBRIC_DIR / f"{framework}.yml"
    if framework not in available_frameworks():
        raise KitError(f"unknown framework {framework!r}; available: {', '.join(available_frameworks())}")
    return candidate


@cache
def load_rubric(framework: str = "toa-2019") -> Rubric:
    """Load and check a rubric by framework name."""
    path = rubric_path(framework)
    raw_bytes = path.read_bytes()
    try:
        raw = yaml.safe_load(raw_bytes)
    except yaml.YAMLError as exc:
        raise KitError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise KitError(f"{path}: a rubric must be a mapping")
    try:
        gateways = list(raw["gateways"])
        pillars = list(raw["pillars"])
        gateway_ids = {g["id"] for g in gateways}
        pillar_ids = {p["id"] for p in pillars}
        benchmarks = [
            Benchmark(
                id=str(b["id"]),
                gateway=str(b["gateway"]),
                pillar=str(b["pillar"]),
                title=str(b["title"]),
                evidence_expected=str(b.get("evidence_expected", "")),
            )
            for b in raw["benchmarks"]
        ]
        outcomes = [
            Outcome(
                id=str(o["id"]),
                name=str(o["name"]),
                stage=str(o.get("stage", "")),
                polarity=str(o.get("polarity", "higher_is_better")),
                unit=str(o.get("unit", "percent")),
                indicator=str(o.get("indicator", "")),
            )
            for o in raw["outcomes"]
        ]
        groups = [Group(id=str(g["id"]), label=str(g["label"]), kind=str(g.get("kind", ""))) for g in raw["groups"]]
    except (KeyError, TypeError) as exc:
        raise KitError(f"{path}: missing or malformed rubric field: {exc}") from exc
    problems = [
        f"benchmark {b.id}: unknown {what} {value!r}"
        for b in benchmarks
        for what, value, known in (("gateway", b.gateway, gateway_ids), ("pillar", b.pillar, pillar_ids))
        if value not in known
    ]
    problems += [f"outcome {o.id}: polarity must be higher_is_better or lower_is_better"
                 for o in outcomes if o.polarity not in {"higher_is_better", "lower_is_better"}]
    if len({b.id for b in benchmarks}) != len(benchmarks):
        problems.append("duplicate benchmark ids")
    if problems:
        raise KitError(f"{path}: " + "; ".join(problems))
    label_map = {str(k).strip().lower(): str(v) for k, v in (raw.get("label_map") or {}).items()}
    for g in groups:
        label_map.setdefault(g.label.lower(), g.id)
        label_map.setdefault(g.id, g.id)
    return Rubric(
        framework=str(raw.get("framework", path.stem)),
        title=str(raw.get("title", path.stem)),
        pillars=pillars,
        gateways=gateways,
        benchmarks=benchmarks,
        outcomes=outcomes,
        groups=groups,
        partitions={k: list(v) for k, v in (raw.get("partitions") or {}).items()},
        rules=merge_rules(DEFAULT_RULES, raw.get("rules")),
        label_map=label_map,
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        changes=[str(c) for c in raw.get("changes") or []],
    )
