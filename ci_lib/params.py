"""Year settings (`params/<year>/network.yml`) and per-community overrides (`params/<year>/<id>.yml`).

Effective rules for a community = rubric rules <- network overrides <- community overrides; every
override is recorded with its source so pages can show it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import KitError
from .ids import is_community_id
from .rubric import DEFAULT_RULES, Rubric, merge_rules

RULE_KEYS = set(DEFAULT_RULES)
COMMUNITY_KEYS = {"community_id", "rules", "local_indicators", "narrative", "extra_notebook", "baseline_year"}
NETWORK_KEYS = {"year", "framework", "data", "title", "network_name", "run_date", "rules", "local_indicators",
                "previous_year"}


@dataclass
class YearParams:
    year: int
    framework: str
    data: str | None
    title: str
    run_date: str | None
    rules: dict[str, Any]
    local_indicators: list[dict[str, Any]]
    communities: dict[str, dict[str, Any]] = field(default_factory=dict)
    sha256: str = ""
    files: dict[str, str] = field(default_factory=dict)

    def community(self, community_id: str) -> dict[str, Any]:
        return self.communities.get(community_id, {})

    def local_indicators_for(self, community_id: str) -> list[dict[str, Any]]:
        return [*self.local_indicators, *self.community(community_id).get("local_indicators", [])]

    def all_local_indicator_ids(self) -> set[str]:
        ids = {str(i["id"]) for i in self.local_indicators}
        for c in self.communities.values():
            ids |= {str(i["id"]) for i in c.get("local_indicators", [])}
        return ids

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
        payload = {"network": self.files.get("network.yml", ""), "community": self.files.get(f"{community_id}.yml", "")}
        return hashlib.sha256(yaml.safe_dump(payload, sort_keys=True).encode()).hexdigest()


def flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in d.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise KitError(f"{where}: not valid YAML (only plain YAML is allowed): {getattr(exc, 'problem', exc)}") from exc
    except UnicodeDecodeError as exc:
        raise KitError(f"{path}::: not UTF-8 text") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise KitError(f"{path}:1:: expected a mapping of settings")
    return data


def check_rules(path: Path, rules: Any) -> None:
    if not isinstance(rules, dict):
        raise KitError(f"{path}::rules: expected a mapping")
    unknown = set(rules) - RULE_KEYS
    if unknown:
        raise KitError(f"{path}::rules: unknown rule(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(RULE_KEYS))}")


def check_local_indicators(path: Path, items: Any) -> None:
    if not isinstance(items, list) or not all(isinstance(i, dict) and "id" in i for i in items):
        raise KitError(f"{path}::local_indicators: expected a list of mappings with an `id`")
    for item in items:
        if item.get("polarity", "higher_is_better") not in {"higher_is_better", "lower_is_better"}:
            raise KitError(f"{path}::local_indicators: {item['id']}: polarity must be higher_is_better or lower_is_better")


def load_params(year: int, root: str | Path = "params", known_communities: set[str] | None = None) -> YearParams:
    """Read a year's params; unknown keys, communities and rules are errors naming the file."""
    folder = Path(root) / str(year)
    network_file = folder / "network.yml"
    if not network_file.exists():
        raise KitError(f"{network_file}: no params for year {year} (create it, or run `ci-assess demo`)")
    network = read_yaml(network_file)
    unknown = set(network) - NETWORK_KEYS
    if unknown:
        raise KitError(f"{network_file}::{sorted(unknown)[0]}: unknown setting; known: {', '.join(sorted(NETWORK_KEYS))}")
    if int(network.get("year", year)) != year:
        raise KitError(f"{network_file}::year: says {network.get('year')} but lives under params/{year}/")
    check_rules(network_file, network.get("rules", {}))
    check_local_indicators(network_file, network.get("local_indicators", []))
    files = {"network.yml": network_file.read_text(encoding="utf-8-sig")}
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
            raise KitError(f"{path}::{sorted(unknown)[0]}: unknown setting; known: {', '.join(sorted(COMMUNITY_KEYS))}")
        if data.get("community_id", community_id) != community_id:
            raise KitError(f"{path}::community_id: {data.get('community_id')!r} does not match the file name")
        rules = dict(data.get("rules") or {})
        if "baseline_year" in data:
            rules["baseline_year"] = data["baseline_year"]
        check_rules(path, rules)
        data["rules"] = rules
        check_local_indicators(path, data.get("local_indicators", []))
        communities[community_id] = data
        files[path.name] = path.read_text(encoding="utf-8-sig")
    digest = hashlib.sha256(yaml.safe_dump(files, sort_keys=True).encode()).hexdigest()
    return YearParams(
        year=year,
        framework=str(network.get("framework", "toa-2019")),
        data=network.get("data"),
        title=str(network.get("title", f"Civic Infrastructure Assessment {year}")),
        run_date=str(network["run_date"]) if network.get("run_date") else None,
        rules=dict(network.get("rules") or {}),
        local_indicators=list(network.get("local_indicators") or []),
        communities=communities,
        sha256=digest,
        files=files,
    )
