"""The Theory of Action rubric: versioned YAML data (one file per framework), never code."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ci_lib.errors import KitError
from ci_lib.inputs.rules import DEFAULT_RULES, HIGHEST, UNITS, rule_problem
from ci_lib.vocabulary import NO_GATEWAY

RUBRIC_DIR = Path(__file__).parent / "rubrics"

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
    core: bool = False  # counts toward the proof point (the seven outcomes; a local indicator only when declared)
    min_change: float | None = None  # own "flat" threshold in its unit's measure (None: the unit's or trend rule's)
    estimate: bool = False  # a survey estimate: fractional counts and margins of error (`*_moe`) accepted

    @property
    def sign(self) -> int:
        """+1 when a rise is good, -1 when a fall is good."""
        return 1 if self.polarity == "higher_is_better" else -1


@dataclass(frozen=True)
class Group:
    id: str
    label: str
    family: str

    @property
    def kind(self) -> str:
        """The old name of `family`."""
        return self.family


@dataclass(frozen=True)
class Family:
    """A comparison family: its groups are compared with its reference group, never across families.

    `total` is the group the family's groups add up to (`all`, or `female` for the female x race
    intersections); complementary suppression works within it. `combined` are params' combined groups of
    the family (`students_of_color`): compared with the reference like its groups, but not parts of the
    total (they overlap its groups), so not in `groups`.
    """

    id: str
    label: str
    reference: str
    groups: tuple[str, ...]
    total: str | None = None
    reference_choices: tuple[str, ...] = ()
    combined: tuple[str, ...] = ()


@dataclass
class Rubric:
    framework: str
    title: str
    pillars: list[dict[str, str]]
    gateways: list[dict[str, Any]]
    benchmarks: list[Benchmark]
    outcomes: list[Outcome]
    groups: list[Group]
    families: dict[str, Family]
    rules: dict[str, Any]
    label_map: dict[str, str]
    sha256: str
    changes: list[str] = field(default_factory=list)
    combined: dict[str, tuple[str, ...]] = field(default_factory=dict)  # params' combined groups -> members

    @property
    def partitions(self) -> dict[str, list[str]]:
        """Families whose groups add up to a total, by family id (for complementary suppression)."""
        return {f.id: list(f.groups) for f in self.families.values() if f.total}

    @property
    def partition_totals(self) -> dict[str, str]:
        return {f.id: f.total for f in self.families.values() if f.total}

    def family_of(self, group_id: str) -> str | None:
        return next((f.id for f in self.families.values() if group_id in (*f.groups, *f.combined)), None)

    @property
    def group_families(self) -> dict[str, str]:
        """Each group's comparison family, combined groups included (groups of no family are left out)."""
        return {g: f.id for f in self.families.values() for g in (*f.groups, *f.combined)}

    def family_label(self, family_id: str) -> str:
        family = self.families.get(family_id)
        return family.label if family else family_id

    @property
    def core_outcome_ids(self) -> list[str]:
        return [o.id for o in self.outcomes if o.core]

    @property
    def estimate_ids(self) -> set[str]:
        """Indicators declared `estimate: true` (fractional counts and margins of error accepted)."""
        return {o.id for o in self.outcomes if o.estimate}

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
        return NO_GATEWAY

    def pillar_label(self, pillar_id: str) -> str:
        return next((str(p["label"]) for p in self.pillars if p["id"] == pillar_id), pillar_id)

    def outcome(self, outcome_id: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.id == outcome_id), None)

    def group_label(self, group_id: str) -> str:
        return next((g.label for g in self.groups if g.id == group_id), group_id)

    @property
    def group_ids(self) -> list[str]:
        return [g.id for g in self.groups]

    def with_groups(self, groups: list[dict[str, Any]], combined: list[dict[str, Any]]) -> Rubric:
        """A copy that also knows the groups and combined groups of a year's params (checked there), once per id.

        A group with a `family` is one more part of what that family adds up to: it is compared with the
        family's reference and joins its partition (complementary suppression). A combined group is
        compared within its family but is no part of it (`Family.combined`); its `members` are in `combined`.
        Aliases extend the label map importers use.
        """
        new = copy.copy(self)
        new.groups, new.families = list(self.groups), dict(self.families)
        new.label_map, new.combined = dict(self.label_map), dict(self.combined)
        known = set(self.group_ids)
        for item, is_combined in [*((g, False) for g in groups), *((c, True) for c in combined)]:
            group_id = str(item["id"])
            if group_id in known:
                continue
            known.add(group_id)
            family_id = str(item.get("family") or "")
            new.groups.append(Group(id=group_id, label=str(item.get("label") or group_id), family=family_id))
            family = new.families.get(family_id)
            if family is not None:
                new.families[family_id] = (dataclasses.replace(family, combined=(*family.combined, group_id))
                                           if is_combined else
                                           dataclasses.replace(family, groups=(*family.groups, group_id)))
            if is_combined:
                new.combined[group_id] = tuple(str(m) for m in item["members"])
            for label in [*(item.get("aliases") or []), item.get("label") or group_id, group_id]:
                new.label_map.setdefault(str(label).strip().lower(), group_id)
        return new

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


def local_definition(item: dict[str, Any]) -> dict[str, Any]:
    """What scoring and charts read of a local indicator, with the defaults they apply.

    A local indicator is contributing (never counted toward the proof point) unless declared `core: true`,
    and counts whole numbers unless declared `estimate: true`.
    """
    min_change = item.get("min_change")
    return {"name": str(item.get("name", item["id"])),
            **{key: str(item.get(key, default)) for key, default in LOCAL_DEFAULTS.items()},
            "core": bool(item.get("core", False)), "estimate": item.get("estimate", False) is True,
            "min_change": None if min_change is None else float(min_change)}


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


def checked_rules(path: Path, rules: Any) -> dict[str, Any]:
    """A rubric's own `rules:`, checked like params' (`ci_lib.inputs.rules`)."""
    if not isinstance(rules or {}, dict):
        raise KitError(f"{path}::rules: expected a mapping")
    for key, value in (rules or {}).items():
        problem = rule_problem(key, value) if key in DEFAULT_RULES else f"unknown rule; known: {', '.join(DEFAULT_RULES)}"
        if problem:
            raise KitError(f"{path}::rules.{key}: {problem}")
    return dict(rules or {})


def available_frameworks() -> list[str]:
    return sorted(p.stem for p in RUBRIC_DIR.glob("*.yml"))


def rubric_path(framework: str) -> Path:
    """Only the rubrics shipped in ci_lib/inputs/rubrics/ can be named (params never point at arbitrary files)."""
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
        # libyaml's parser when PyYAML has it: the same objects, a tenth of the CPU (0.15 s a process, a
        # sixth of a no-change `assess`, whose render reads the rubric); the safe constructor either way
        raw = yaml.load(raw_bytes, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe loader
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
                core=bool(o.get("core", False)),
                min_change=None if o.get("min_change") is None else float(o["min_change"]),
                estimate=o.get("estimate", False) is True,
            )
            for o in raw["outcomes"]
        ]
        groups = [Group(id=str(g["id"]), label=str(g["label"]), family=str(g.get("family", ""))) for g in raw["groups"]]
        families = {
            str(fid): Family(id=str(fid), label=str(f["label"]), reference=str(f["reference"]),
                             groups=tuple(str(g) for g in f["groups"]),
                             total=None if f.get("total") is None else str(f["total"]),
                             reference_choices=(HIGHEST,) if str(fid).startswith("race") else ())
            for fid, f in (raw.get("families") or {}).items()
        }
    except (KeyError, TypeError, AttributeError) as exc:
        raise KitError(f"{path}: missing or malformed rubric field: {exc}") from exc
    problems = [
        f"benchmark {b.id}: unknown {what} {value!r}"
        for b in benchmarks
        for what, value, known in (("gateway", b.gateway, gateway_ids), ("pillar", b.pillar, pillar_ids))
        if value not in known
    ]
    problems += [f"outcome {o.id}: polarity must be higher_is_better or lower_is_better"
                 for o in outcomes if o.polarity not in {"higher_is_better", "lower_is_better"}]
    problems += [f"outcome {o.id}: unit must be one of {', '.join(UNITS)}, not {o.unit!r}"
                 for o in outcomes if o.unit not in UNITS]
    if len({b.id for b in benchmarks}) != len(benchmarks):
        problems.append("duplicate benchmark ids")
    group_ids = {g.id for g in groups}
    for f in families.values():
        problems += [f"family {f.id}: unknown group {g!r}" for g in (*f.groups, f.total or "all") if g not in group_ids]
        if f.reference not in f.groups:
            problems.append(f"family {f.id}: reference {f.reference!r} is not one of its groups")
    member_of: dict[str, str] = {}
    for f in families.values():
        for member in f.groups:
            if member_of.setdefault(member, f.id) != f.id:
                problems.append(f"group {member} is in two families ({member_of[member]}, {f.id})")
    if problems:
        raise KitError(f"{path}: " + "; ".join(problems))
    label_map = {str(k).strip().lower(): str(v) for k, v in (raw.get("label_map") or {}).items()}
    for g, raw_group in zip(groups, raw["groups"], strict=True):  # each group's aliases: the shipped label map
        for alias in raw_group.get("aliases") or []:
            label_map.setdefault(str(alias).strip().lower(), g.id)
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
        families=families,
        rules=merge_rules(merge_rules(DEFAULT_RULES, {"reference_groups": {f.id: f.reference for f in families.values()}}),
                          checked_rules(path, raw.get("rules"))),
        label_map=label_map,
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        changes=[str(c) for c in raw.get("changes") or []],
    )
