"""Year settings (`params/<year>/network.yml`) and per-community overrides (`params/<year>/<id>.yml`).

Effective rules for a community = rubric rules <- network overrides <- community overrides; every
override is recorded with its source so pages can show it.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ci_lib.errors import KitError
from ci_lib.ids import SNAKE_ID, is_community_id
from ci_lib.inputs.rubric import (
    LOCAL_DEFAULTS,
    UNITS,
    Rubric,
    available_frameworks,
    load_rubric,
    merge_rules,
)
from ci_lib.inputs.rules import DEFAULT_RULES, RENAMED_RULES, rule_problem
from ci_lib.inputs.rules import is_number as _is_number
from ci_lib.inputs.rules import is_whole as _is_whole
from ci_lib.inputs.rules import names as _names

RULE_KEYS = set(DEFAULT_RULES)
COMMUNITY_KEYS = {"community_id", "rules", "local_indicators", "narrative", "narratives", "targets", "extra_notebook",
                  "baseline_year", "groups", "combined_groups"}
NETWORK_KEYS = {"year", "framework", "data", "title", "run_date", "rules", "local_indicators", "previous_year",
                "targets", "labels", "groups", "combined_groups"}
# settings the kit never used: refused with what to write instead, not accepted and ignored
RETIRED_NETWORK_KEYS = {"network_name": "the network's name on the site (its title, the Methods page) is `title:`"}
LOCAL_KEYS = {"id", "name", "stage", "polarity", "unit", "indicator", "core", "min_change", "linked_outcome",
              "estimate"}
GROUP_KEYS = {"id": True, "label": True, "family": False, "aliases": False}  # key -> required
COMBINED_KEYS = {"id": True, "label": True, "family": False, "members": True}


@dataclass
class YearParams:
    framework: str
    data: str | None
    title: str
    run_date: str | None
    rules: dict[str, Any]
    local_indicators: list[dict[str, Any]]
    communities: dict[str, dict[str, Any]] = field(default_factory=dict)
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)
    previous_year: int | None = None  # the earlier year movement compares with (network.yml, default year - 1)
    groups: list[dict[str, Any]] = field(default_factory=list)  # network.yml's added groups
    combined_groups: list[dict[str, Any]] = field(default_factory=list)  # network.yml's combined groups
    sha256: str = ""
    files: dict[str, str] = field(default_factory=dict)
    _params_digests: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    _network_yaml: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    file_sha256: dict[str, str] = field(default_factory=dict)  # sha256 of each file's bytes, as read
    labels: dict[str, str] = field(default_factory=dict)  # source label -> group id, for `import` (on the rubric's)

    def community(self, community_id: str) -> dict[str, Any]:
        return self.communities.get(community_id, {})

    def targets_for(self, community_id: str) -> dict[str, dict[str, Any]]:
        """Targets by indicator: the network's, each replaced whole by the community's own for that indicator."""
        return {**self.targets, **self.community(community_id).get("targets", {})}

    def local_indicators_for(self, community_id: str) -> list[dict[str, Any]]:
        return [*self.local_indicators, *self.community(community_id).get("local_indicators", [])]

    def combined_groups_for(self, community_id: str) -> list[dict[str, Any]]:
        """The combined groups computed for a community: the network's and its own."""
        return [*self.combined_groups, *self.community(community_id).get("combined_groups", [])]

    def all_groups(self, key: str = "groups") -> list[dict[str, Any]]:
        """Every group (or, with key="combined_groups", combined group) declared this year, once per id."""
        found: dict[str, dict[str, Any]] = {}
        for item in [*getattr(self, key), *(i for c in self.communities.values() for i in c.get(key, []))]:
            found.setdefault(str(item["id"]), item)
        return list(found.values())

    def rubric(self, framework: str | None = None) -> Rubric:
        """The year's rubric (`framework`, default the params' one) with the groups the params add."""
        return load_rubric(framework or self.framework).with_groups(self.all_groups(),
                                                                    self.all_groups("combined_groups"))

    def all_local_indicator_ids(self) -> set[str]:
        ids = {str(i["id"]) for i in self.local_indicators}
        for c in self.communities.values():
            ids |= {str(i["id"]) for i in c.get("local_indicators", [])}
        return ids

    def local_indicator_units(self) -> dict[str, str]:
        """Every local indicator's unit (id -> unit; declarations agree, `percent` when none gives one)."""
        units: dict[str, str] = {}
        for item in [*self.local_indicators, *(i for c in self.communities.values()
                                                for i in c.get("local_indicators", []))]:
            if "unit" in item or str(item["id"]) not in units:
                units[str(item["id"])] = str(item.get("unit", LOCAL_DEFAULTS["unit"]))
        return units

    def estimate_indicator_ids(self) -> set[str]:
        """Local indicators declared `estimate: true` anywhere in the year's params (one definition per id)."""
        declared = [*self.local_indicators, *(i for c in self.communities.values() for i in c.get("local_indicators", []))]
        return {str(i["id"]) for i in declared if i.get("estimate") is True}

    def rules_for(self, rubric: Rubric, community_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Effective rules and the list of overrides ({rule, value, default, source})."""
        community_rules = self.community(community_id).get("rules", {})
        rules = merge_rules(merge_rules(rubric.rules, self.rules), community_rules)
        overrides = []
        for source, layer in (("network", self.rules), ("community", community_rules)):
            for key, value in flatten(layer).items():
                default = flatten(rubric.rules).get(key)
                if value != default:
                    overrides.append({"rule": key, "value": value, "default": default, "source": source})
        return rules, overrides

    def params_sha256_for(self, community_id: str) -> str:
        """sha256 of the YAML of {community: its file's text, network: network.yml's}: once per distinct text."""
        community = self.files.get(f"{community_id}.yml", "")
        if community not in self._params_digests:
            self._params_digests[community] = hashlib.sha256(self._params_yaml(community).encode()).hexdigest()
        return self._params_digests[community]

    def _params_yaml(self, community: str) -> str:
        """`yaml.safe_dump({"community": ..., "network": ...}, sort_keys=True)`, with network.yml's part dumped
        once: each key starts a line of its own, so the two parts are the two one-key documents end to end,
        unless either ends open (the `...` marker), when the whole is dumped as before."""
        network = self.files.get("network.yml", "")
        if network not in self._network_yaml:
            self._network_yaml = {network: yaml.safe_dump({"network": network}, sort_keys=True)}
        network_part = self._network_yaml[network]
        community_part = yaml.safe_dump({"community": community}, sort_keys=True)
        if community_part.endswith("...\n") or network_part.endswith("...\n"):
            return yaml.safe_dump({"network": network, "community": community}, sort_keys=True)
        return community_part + network_part


def flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in d.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


# Bounds no real params file comes near (they nest 4 deep and hold hundreds of values in a few kilobytes),
# so a hostile file costs at most what parsing 1 MB of YAML does (a few seconds, little memory).
MAX_YAML_DEPTH = 50
MAX_YAML_NODES = 20_000  # a network.yml declaring 1,000 local indicators holds about as many
MAX_PARAMS_BYTES = 1_000_000


class TooComplex(yaml.YAMLError):
    """A params file the loader refuses to compose: an alias, or nesting or size beyond any real params file."""

    def __init__(self, problem: str, mark: Any):
        super().__init__(problem)
        self.problem, self.problem_mark = problem, mark


class StrictLoader(yaml.SafeLoader):
    """Safe YAML (no Python tags: nothing is ever constructed or executed) that also rejects duplicate keys,
    aliases, and nesting or size beyond `MAX_YAML_DEPTH` / `MAX_YAML_NODES`.

    Aliases (`*name`) are refused outright rather than counted: no params setting needs one, and without
    them the composed document is no larger than the text, so a hostile file (a "billion laughs" of nested
    aliases, which expands to gigabytes once anything walks it) costs what a valid file of its size does.
    """

    def __init__(self, stream: Any):
        super().__init__(stream)
        self.depth = self.nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise TooComplex(f"alias *{event.anchor} (aliases are not allowed in params files; write the value out)",
                             event.start_mark)
        self.depth += 1
        self.nodes += 1
        if self.depth > MAX_YAML_DEPTH:
            raise TooComplex(f"nested deeper than {MAX_YAML_DEPTH} levels", event.start_mark)
        if self.nodes > MAX_YAML_NODES:
            raise TooComplex(f"more than {MAX_YAML_NODES} values", event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _mapping_without_duplicates(loader: StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[str] = set()
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError("while reading a mapping", node.start_mark,
                                                        f"duplicate key {key_node.value!r}", key_node.start_mark)
            seen.add(key_node.value)
    return loader.construct_mapping(node)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def read_yaml(path: Path) -> dict[str, Any]:
    """A params file as settings; anything but a bounded, plain YAML mapping is an error naming the file."""
    try:
        with path.open("rb") as handle:  # never more than the bound is read, whatever the file is
            raw = handle.read(MAX_PARAMS_BYTES + 1)
        if len(raw) > MAX_PARAMS_BYTES:
            raise KitError(f"{path}::: params file too large: over {MAX_PARAMS_BYTES} bytes")
        data = yaml.load(raw.decode("utf-8-sig"), Loader=StrictLoader)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else f"{path}::"
        problem = getattr(exc, "problem", None) or exc
        if isinstance(exc, TooComplex):
            raise KitError(f"{where}: params file too complex: {problem}") from exc
        raise KitError(f"{where}: not valid YAML (only plain YAML is allowed): {problem}") from exc
    except UnicodeDecodeError as exc:
        raise KitError(f"{path}::: not UTF-8 text") from exc
    except (OSError, RecursionError) as exc:
        raise KitError(f"{path}::: cannot read: {getattr(exc, 'strerror', None) or exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise KitError(f"{path}:1:: expected a mapping of settings")
    return data


def check_rules(path: Path, rules: Any) -> None:
    if not isinstance(rules, dict):
        raise KitError(f"{path}::rules: expected a mapping")
    renamed = sorted(set(rules) & set(RENAMED_RULES))
    if renamed:
        raise KitError(f"{path}::rules.{renamed[0]}: renamed; use {RENAMED_RULES[renamed[0]]}")
    unknown = set(rules) - RULE_KEYS
    if unknown:
        raise KitError(f"{path}::rules: unknown rule(s) {_names(unknown)}; known: {_names(RULE_KEYS)}")
    for key, value in rules.items():
        problem = rule_problem(key, value)
        if problem:
            raise KitError(f"{path}::rules.{key}: {problem}")


def check_reference_groups(path: Path, rules: dict[str, Any], rubric: Rubric) -> None:
    """Each family named exists and its reference is one of its groups, `all`, or (race families) `highest`.

    A typo here would make every gap of the family null, so the proof point could never be met: an error.
    """
    for family_id, group in (rules.get("reference_groups") or {}).items():
        family = rubric.families.get(family_id)
        if family is None:
            raise KitError(f"{path}::rules.reference_groups.{family_id}: unknown comparison family; "
                           f"known: {_names(rubric.families)}")
        allowed = [*family.groups, "all", *family.reference_choices]
        if group not in allowed:
            raise KitError(f"{path}::rules.reference_groups.{family_id}: {group!r} is not a group of {family.label}; "
                           f"use one of: {', '.join(allowed)}")


def check_targets(path: Path, targets: Any, indicator_ids: set[str]) -> None:
    """`targets: {indicator_id: {value: 90, year: 2028}}`: a known indicator, a number and a year."""
    if not isinstance(targets, dict):
        raise KitError(f"{path}::targets: expected a mapping such as {{hs_graduation: {{value: 90, year: 2028}}}}")
    for indicator, target in targets.items():
        where = f"{path}::targets.{indicator}"
        if str(indicator) not in indicator_ids:
            raise KitError(f"{where}: unknown indicator (not in the rubric nor declared as a local indicator)")
        if not isinstance(target, dict) or set(target) != {"value", "year"}:
            raise KitError(f"{where}: expected {{value: NUMBER, year: YEAR}}, not {target!r}")
        if not _is_number(target["value"], -1e12, 1e12):
            raise KitError(f"{where}.value: must be a number, not {target['value']!r}")
        if not _is_whole(target["year"], 1990, 2100):
            raise KitError(f"{where}.year: must be a year (1990-2100), not {target['year']!r}")


def check_narratives(path: Path, narratives: Any, indicator_ids: set[str]) -> None:
    """`narratives: {indicator_id: text}`: the story behind each curve, for indicators that exist."""
    if not isinstance(narratives, dict):
        raise KitError(f"{path}::narratives: expected a mapping of indicator id to text")
    for indicator, text in narratives.items():
        if str(indicator) not in indicator_ids:
            raise KitError(f"{path}::narratives.{indicator}: unknown indicator")
        if not isinstance(text, str):
            raise KitError(f"{path}::narratives.{indicator}: must be text")


def check_local_indicators(path: Path, items: Any) -> None:
    if not isinstance(items, list) or not all(isinstance(i, dict) and "id" in i for i in items):
        raise KitError(f"{path}::local_indicators: expected a list of mappings with an `id`")
    for item in items:
        if not isinstance(item["id"], str) or not SNAKE_ID.fullmatch(item["id"]):
            raise KitError(f"{path}::local_indicators: {item['id']!r}: id must be a snake_case id")
        unknown = set(item) - LOCAL_KEYS
        if unknown:  # a typo such as `polarty:` would silently publish a falling rate as "declining"
            raise KitError(f"{path}::local_indicators.{item['id']}.{sorted(map(str, unknown))[0]}: unknown key; "
                           f"known: {_names(LOCAL_KEYS)}")
        if "unit" in item and item["unit"] not in UNITS:
            raise KitError(f"{path}::local_indicators.{item['id']}.unit: must be one of {', '.join(UNITS)}, "
                           f"not {item['unit']!r}")
        for flag in ("core", "estimate"):
            if flag in item and not isinstance(item[flag], bool):
                raise KitError(f"{path}::local_indicators.{item['id']}.{flag}: must be true or false")
        if "min_change" in item and not _is_number(item["min_change"], 0, 1e12):
            raise KitError(f"{path}::local_indicators.{item['id']}.min_change: must be a number >= 0")
        polarity = item.get("polarity", "higher_is_better")
        if not isinstance(polarity, str) or polarity not in {"higher_is_better", "lower_is_better"}:
            raise KitError(f"{path}::local_indicators: {item['id']}: "
                           "polarity must be higher_is_better or lower_is_better")
        for key in ("name", "stage", "indicator", "linked_outcome"):
            if key in item and not isinstance(item[key], (str, int, float)):
                raise KitError(f"{path}::local_indicators: {item['id']}: {key} must be text")


def group_items(path: Path, key: str, items: Any) -> list[dict[str, Any]]:
    """`groups:` / `combined_groups:` of one params file: a list of mappings with the known keys, ids unique."""
    spec = GROUP_KEYS if key == "groups" else COMBINED_KEYS
    example = ("[{id: nonbinary, label: Nonbinary, family: gender, aliases: [Non-binary]}]" if key == "groups" else
               "[{id: students_of_color, label: Students of color, family: race_ethnicity, members: [black, hispanic]}]")
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise KitError(f"{path}::{key}: expected a list of mappings such as {example}")
    seen: set[str] = set()
    for item in items:
        group_id = item.get("id")
        if not isinstance(group_id, str) or not SNAKE_ID.fullmatch(group_id):
            raise KitError(f"{path}::{key}: id {group_id!r} must be a snake_case id (as used in outcomes.csv)")
        where = f"{path}::{key}.{group_id}"
        if group_id in seen:
            raise KitError(f"{path}::{key}: duplicate id {group_id!r}")
        seen.add(group_id)
        unknown = set(item) - set(spec)
        if unknown:
            raise KitError(f"{where}.{sorted(map(str, unknown))[0]}: unknown key; known: {_names(spec)}")
        missing = [k for k, required in spec.items() if required and k not in item]
        if missing:
            raise KitError(f"{where}: {missing[0]} is required")
        for text in ("label", "family"):
            if text in item and not isinstance(item[text], str):
                raise KitError(f"{where}.{text}: must be text")
        for listed in ("aliases", "members"):
            if listed in item and (not isinstance(item[listed], list)
                                   or not all(isinstance(v, (str, int, float)) for v in item[listed])):
                raise KitError(f"{where}.{listed}: expected a list of {'labels' if listed == 'aliases' else 'group ids'}")
    return items


def check_groups(declared: dict[str, list[tuple[Path, dict[str, Any]]]], rubric: Rubric) -> None:
    """Params' groups and combined groups against the rubric and each other (file and key in every error).

    A group's family is one of the rubric's; an id is new (not a rubric group) and has one definition across
    the year's files; an alias is no other group's label. A combined group's members are at least two
    distinct known groups of ONE family that adds up to a total (so they are disjoint and their counts add
    up to the union's); its family, if given, is theirs.
    """
    first: dict[str, tuple[Path, dict[str, Any], str]] = {}
    for key in ("groups", "combined_groups"):
        for path, item in declared[key]:
            where, group_id = f"{path}::{key}.{item['id']}", item["id"]
            if group_id in rubric.group_ids:
                raise KitError(f"{where}: {group_id!r} is already a group of the {rubric.framework} rubric "
                               "(report it in outcomes.csv as it is, or give your group another id)")
            family = item.get("family")
            if family is not None and family not in rubric.families:
                raise KitError(f"{where}.family: unknown family {family!r}; known: {_names(rubric.families)}")
            previous = first.setdefault(group_id, (path, item, key))
            fields = ("label", "family", "members")
            if previous[2] != key or any(str(previous[1].get(f)) != str(item.get(f)) for f in fields):
                raise KitError(f"{where}: differs from its definition in {previous[0]}::{previous[2]}.{group_id}; "
                               "a group id has one definition across the year's params")
    added = {i for i, (_, _, key) in first.items() if key == "groups"}
    for path, item in declared["groups"]:
        for alias in item.get("aliases") or []:
            mapped = rubric.label_map.get(str(alias).strip().lower())
            if mapped is not None and mapped != item["id"]:
                raise KitError(f"{path}::groups.{item['id']}.aliases: {alias!r} already names group {mapped!r}")
    families_of = rubric.group_families
    families_of.update({i: str(first[i][1].get("family") or "") for i in added})
    for path, item in declared["combined_groups"]:
        where = f"{path}::combined_groups.{item['id']}.members"
        members = [str(m) for m in item["members"]]
        for member in members:
            if member not in rubric.group_ids and member not in added:
                combined = " (a combined group cannot be a member)" if member in first else ""
                raise KitError(f"{where}: unknown group {member!r}{combined}; members are groups of the rubric "
                               "or of params `groups:`")
        if len(set(members)) != len(members) or len(members) < 2:
            raise KitError(f"{where}: expected at least two distinct groups, not {members}")
        families = sorted({families_of.get(m, "") for m in members})
        totals = rubric.partition_totals
        if len(families) != 1 or families[0] not in totals:
            shown = ", ".join(f"{m} ({families_of.get(m) or 'no family'})" for m in members)
            raise KitError(f"{where}: members must be groups of one family that adds up to a total (disjoint "
                           f"groups, whose counts add up to the union's), not {shown}")
        if item.get("family") not in (None, families[0]):
            raise KitError(f"{path}::combined_groups.{item['id']}.family: {item['family']!r} is not the family "
                           f"of its members ({families[0]}); use {families[0]} or leave it out")


def check_local_agreement(declared: list[tuple[Path, dict[str, Any]]]) -> None:
    """One id, one indicator: where two declarations of an id both give a field, they must give the same value.

    Scoring uses one polarity per indicator across the network and each page shows one name and unit;
    a field left out of a declaration is taken from the others.
    """
    first: dict[tuple[str, str], tuple[Path, str]] = {}
    for path, item in declared:
        for key in ("name", *LOCAL_DEFAULTS, "core", "min_change", "linked_outcome", "estimate"):
            if key not in item:
                continue
            where, value = first.setdefault((item["id"], key), (path, str(item[key])))
            if str(item[key]) != value:
                raise KitError(f"{path}::local_indicators: {item['id']}: {key} {str(item[key])!r} differs from "
                               f"{value!r} in {where}; a local indicator id has one definition across the network "
                               "(use another id, or the same definition)")


def check_not_in_rubric(declared: list[tuple[Path, dict[str, Any]]], framework: str) -> None:
    """A local indicator must not reuse a rubric indicator's id: it would be silently the rubric's indicator."""
    if framework not in available_frameworks():
        return  # reported where the rubric is loaded
    rubric_ids = {o.id for o in load_rubric(framework).outcomes}
    for path, item in declared:
        if item["id"] in rubric_ids:
            raise KitError(f"{path}::local_indicators: {item['id']}: already an indicator of the {framework} rubric; "
                           "report it in outcomes.csv without declaring it, or give your own measure another id")


def check_min_cell_floor(path: Path, rules: dict[str, Any], network_rules: dict[str, Any], framework: str) -> None:
    """The network's min_cell is a privacy floor: a community may suppress more, never publish smaller cells."""
    if "min_cell" not in rules:
        return
    default = (load_rubric(framework).rules if framework in available_frameworks() else DEFAULT_RULES)["min_cell"]
    floor = network_rules.get("min_cell", default)
    if rules["min_cell"] < floor:
        raise KitError(f"{path}::rules.min_cell: min_cell {rules['min_cell']} is below the network's {floor}; "
                       "a community may raise it, never lower it")


def check_run_date(path: Path, value: Any) -> str | None:
    """`run_date` as YYYY-MM-DD (YAML reads an unquoted date as a date): pages, the release and `publish` use it."""
    if value is None:
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise KitError(f"{path}::run_date: must be a date written YYYY-MM-DD (such as 2025-11-15), not {value!r}")


def check_text(path: Path, data: dict[str, Any], key: str) -> None:
    if data.get(key) is not None and not isinstance(data[key], (str, int, float, datetime.date)):
        raise KitError(f"{path}::{key}: must be text, not {type(data[key]).__name__}")


def text_and_sha256(path: Path) -> tuple[str, str]:
    """A params file's text (as `read_text` gives it) and the sha256 of its bytes, from one read."""
    raw = path.read_bytes()
    return io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig").read(), hashlib.sha256(raw).hexdigest()


def movement_year(previous_year: Any, year: int) -> int:
    """The earlier year movement compares with: `previous_year:` of network.yml when given, else the year before."""
    return int(previous_year) if previous_year else year - 1


def check_previous_year(path: Path, value: Any, year: int) -> int:
    """`previous_year:` (the earlier year whose published gateways movement compares with): before `year`."""
    if value is None:
        return movement_year(None, year)
    if not _is_whole(value, 1990, 2100):
        raise KitError(f"{path}::previous_year: must be a year, not {value!r}")
    if int(value) >= year:
        raise KitError(f"{path}::previous_year: {value} is not before {year}")
    return int(value)


def data_dir_for(data: str | None, params_root: str | Path) -> str | None:
    """`data:` of network.yml; a relative one is relative to the project (the folder holding params/)."""
    if not data or Path(data).is_absolute():
        return data
    return str(Path(params_root).parent / data)


def load_params(year: int, root: str | Path = "params", known_communities: set[str] | None = None) -> YearParams:
    """Read a year's params; unknown keys, communities and rules are errors naming the file."""
    folder = Path(root) / str(year)
    network_file = folder / "network.yml"
    if not network_file.exists():
        raise KitError(f"{network_file}: no params for year {year} (start it with `ci-assess new-year {year}`, or run "
                       "`ci-assess demo`)")
    network = read_yaml(network_file)
    for key, instead in RETIRED_NETWORK_KEYS.items():
        if key in network:
            raise KitError(f"{network_file}::{key}: not a setting; {instead}")
    unknown = set(network) - NETWORK_KEYS
    if unknown:
        raise KitError(f"{network_file}::{sorted(map(str, unknown))[0]}: unknown setting; "
                       f"known: {_names(NETWORK_KEYS)}")
    declared = network.get("year", year)
    if isinstance(declared, bool) or not isinstance(declared, (int, str)) or str(declared).strip() != str(year):
        raise KitError(f"{network_file}::year: says {network.get('year')!r} but lives under params/{year}/")
    for key in ("framework", "data", "title"):
        check_text(network_file, network, key)
    run_date = check_run_date(network_file, network.get("run_date"))
    previous_year = check_previous_year(network_file, network.get("previous_year"), year)
    network["rules"] = network.get("rules") or {}
    network["local_indicators"] = network.get("local_indicators") or []
    check_rules(network_file, network["rules"])
    check_local_indicators(network_file, network["local_indicators"])
    for key in ("groups", "combined_groups"):
        network[key] = group_items(network_file, key, network.get(key))
    files, file_digests = {}, {}
    files["network.yml"], file_digests["network.yml"] = text_and_sha256(network_file)
    communities: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.yml")):
        if path.name == "network.yml":
            continue
        community_id = path.stem
        if not is_community_id(community_id):
            raise KitError(f"{path}: file name is not a valid community id")
        if known_communities is not None and community_id not in known_communities:
            raise KitError(f"{path}: params for unknown community {community_id!r} (not in communities)")
        data = read_yaml(path)
        unknown = set(data) - COMMUNITY_KEYS
        if unknown:
            raise KitError(f"{path}::{sorted(map(str, unknown))[0]}: unknown setting; known: {_names(COMMUNITY_KEYS)}")
        if data.get("community_id", community_id) != community_id:
            raise KitError(f"{path}::community_id: {data.get('community_id')!r} does not match the file name")
        for key in ("narrative", "extra_notebook"):
            check_text(path, data, key)
        check_rules(path, data.get("rules") or {})
        rules = dict(data.get("rules") or {})
        if "baseline_year" in data:
            rules["baseline_year"] = data["baseline_year"]
        check_rules(path, rules)
        data["rules"] = rules
        data["local_indicators"] = data.get("local_indicators") or []
        check_local_indicators(path, data["local_indicators"])
        for key in ("groups", "combined_groups"):
            data[key] = group_items(path, key, data.get(key))
        communities[community_id] = data
        files[path.name], file_digests[path.name] = text_and_sha256(path)
    declared = ([(network_file, i) for i in network["local_indicators"]]
                + [(folder / f"{cid}.yml", i) for cid, c in communities.items() for i in c["local_indicators"]])
    framework = str(network.get("framework", "toa-2019"))
    check_local_agreement(declared)
    check_not_in_rubric(declared, framework)
    network["targets"] = network.get("targets") or {}
    labels = network.get("labels") or {}
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise KitError(f"{network_file}::labels: expected source label: group id lines (labels: {{Econ Disadv: "
                       "low_income}})")
    if framework in available_frameworks():  # an unknown framework is reported where the rubric is loaded
        rubric = load_rubric(framework)
        indicator_ids = {o.id for o in rubric.outcomes} | {str(i["id"]) for _, i in declared}
        check_groups({key: [(network_file, i) for i in network[key]]
                      + [(folder / f"{cid}.yml", i) for cid, c in communities.items() for i in c[key]]
                      for key in ("groups", "combined_groups")}, rubric)
        rubric = rubric.with_groups([*network["groups"], *(i for c in communities.values() for i in c["groups"])],
                                    [])  # reference groups may name an added group
        check_reference_groups(network_file, network["rules"], rubric)
        check_targets(network_file, network["targets"], indicator_ids)
        for cid, data in communities.items():
            path = folder / f"{cid}.yml"
            check_reference_groups(path, data["rules"], rubric)
            data["targets"] = data.get("targets") or {}
            check_targets(path, data["targets"], indicator_ids)
            check_narratives(path, data.get("narratives") or {}, indicator_ids)
    for cid, community in communities.items():
        check_min_cell_floor(folder / f"{cid}.yml", community["rules"], network["rules"], framework)
    digest = hashlib.sha256(yaml.safe_dump(files, sort_keys=True).encode()).hexdigest()
    return YearParams(
        previous_year=previous_year,
        groups=network["groups"],
        combined_groups=network["combined_groups"],
        framework=framework,
        data=None if network.get("data") is None else str(network["data"]),
        title=str(network.get("title", f"Civic Infrastructure Assessment {year}")),
        run_date=run_date,
        rules=dict(network.get("rules") or {}),
        local_indicators=list(network.get("local_indicators") or []),
        communities=communities,
        targets=dict(network["targets"]),
        sha256=digest,
        files=files,
        file_sha256=file_digests,
        labels={str(k): v for k, v in labels.items()},
    )
