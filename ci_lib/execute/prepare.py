"""Turn the scoring pass into per-notebook inputs: one small work file per community.

Each notebook reads only its own slice (public, already suppressed values) and precomputed scores, so
no notebook re-reads the network's files and nothing private can reach an executed notebook.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any, cast

import pandas as pd

from ci_lib import vocabulary
from ci_lib.atomic import write_if_changed
from ci_lib.execute.page_input import (
    CommunityInfo,
    CommunityInput,
    Indicator,
    MedianGap,
    Member,
    NetworkGap,
    NetworkInfo,
    NetworkInput,
    OutcomeRow,
    PlausibilityNote,
)
from ci_lib.execute.published import outcome_words, outcomes_csv
from ci_lib.inputs.load import NetworkData
from ci_lib.inputs.parameters import YearParams, movement_year
from ci_lib.inputs.plausibility import page_words
from ci_lib.layout import YearLayout
from ci_lib.scoring import NetworkScores, clean, to_records


def labels(scores: NetworkScores) -> dict[str, dict[str, str]]:
    """The page's words: the rubric's names and the kit's one vocabulary (`ci_lib.vocabulary`)."""
    rubric = scores.rubric
    families = getattr(rubric, "families", {}) or {}
    return vocabulary.labels(groups={g.id: g.label for g in rubric.groups}, gateways=rubric.gateways,
                             pillars={p["id"]: p["label"] for p in rubric.pillars},
                             families={f: getattr(family, "label", f) for f, family in families.items()})


def proof_point_gateways(scores: NetworkScores) -> list[str]:
    """Gateways that need the outcomes proof point besides their benchmarks."""
    return [g["id"] for g in scores.rubric.gateways if g.get("requires_proof_point")]


def indicators(scores: NetworkScores) -> list[Indicator]:
    return [{"id": o.id, "name": o.name, "polarity": o.polarity, "unit": o.unit, "local": o.local,
             "indicator": o.indicator, "core": bool(getattr(o, "core", False))} for o in scores.rubric.outcomes]


def narratives(params: YearParams | None, community_id: str, indicator_ids: set[str]) -> dict[str, str]:
    """The story behind each curve (`narratives:` of the community's params), for the indicators it charts."""
    given = (params.community(community_id).get("narratives") if params else None) or {}
    return {str(k): str(v) for k, v in given.items() if str(k) in indicator_ids and v is not None and str(v).strip()}


def plausibility_notes(data: NetworkData, scores: NetworkScores,
                       labels: dict[str, dict[str, str]]) -> dict[str, list[PlausibilityNote]]:
    """Each community's plausibility warnings in plain words; a warning on a cell the kit does not publish
    (suppressed, or blank) names the cell, never its number."""
    if not data.warnings:
        return {}
    names = {o.id: o.name for o in scores.rubric.outcomes}
    public = scores.public_outcomes
    public = public[public["community_id"].isin({w.community_id for w in data.warnings})]
    published = public[~public["suppressed"].astype(bool) & public["value"].notna()]
    shown = set(zip(published["community_id"], published["indicator_id"], published["group"],
                    published["year"].astype(int), strict=True))

    def group_words(group: str) -> str:
        label = labels["groups"].get(group, group)
        return label[0].lower() + label[1:] if label.startswith("All ") else label

    notes: dict[str, list[PlausibilityNote]] = {}
    for w in data.warnings:
        cells = [(w.community_id, w.indicator_id, group, year) for group, year in w.cells]
        numbers = all(c in shown for c in cells)
        text = page_words(w, names.get(w.indicator_id, w.indicator_id), group_words(w.group),
                          labels["families"].get(w.family, w.family), numbers)
        notes.setdefault(w.community_id, []).append(
            {"kind": w.kind, "indicator_id": w.indicator_id, "group": w.group, "year": w.year, "text": text})
    return notes


GapKey = tuple[str, str, str]  # indicator, group, reference group: gaps that measure the same thing


def published_gaps(scores: NetworkScores, shared: set[str]) -> list[dict[str, Any]]:
    """Every member's gaps as its page shows them (a suppressed one never), on the network's `shared`
    indicators only (a local indicator is one member's own, not comparable across the network)."""
    return [{"community_id": cid, **row} for cid, s in scores.scores.items() for row in s["disparities"]
            if not row.get("suppressed") and row["indicator_id"] in shared]


def median_gaps(gaps: list[dict[str, Any]]) -> dict[GapKey, MedianGap]:
    """The median of the members' latest published gaps per indicator, group and reference, rounded to 0.1 pp
    (the gaps' own precision), so that float noise never changes a page input."""
    latest: dict[GapKey, list[float]] = {}
    for row in gaps:
        if row["gap_latest_pp"] is not None:
            key = (row["indicator_id"], row["group"], row["reference_group"])
            latest.setdefault(key, []).append(float(row["gap_latest_pp"]))
    return {key: {"indicator_id": key[0], "group": key[1], "reference_group": key[2],
                  "median_gap_pp": round(statistics.median(values), 1) + 0.0, "members": len(values)}
            for key, values in sorted(latest.items())}


def measured_gaps(gaps: list[dict[str, Any]]) -> list[NetworkGap]:
    """The network page's equity view: the published gaps whose trend is known (closing or not)."""
    return [cast(NetworkGap, {k: row[k] for k in NetworkGap.__annotations__}) for row in gaps
            if row["closing"] is not None]


def gap_keys(rows: list[dict[str, Any]]) -> list[GapKey]:
    """A community's published gaps, as the keys of their network medians."""
    return [(r["indicator_id"], r["group"], r["reference_group"]) for r in rows if not r.get("suppressed")]


def dumps(data: Any) -> bytes:
    return (json.dumps(data, indent=None, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def public_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return to_records(frame, list(OutcomeRow.__annotations__))


def earlier_years(layout: YearLayout) -> list[YearLayout]:
    """Years before this one whose assessment was published (a built site), newest first."""
    return [y for y in reversed(layout.earlier_years()) if y.published()]


def community_pages(years: list[YearLayout], cid: str) -> list[int]:
    return [y.year for y in years if y.page(cid).exists()]


def previous_gateways(previous: YearLayout) -> dict[str, Any]:
    """The gateways published for the `previous` year (its `scores/*.json`), by community."""
    folder = previous.scores
    found = {}
    if folder.is_dir():
        for path in folder.glob("*.json"):
            try:
                found[path.stem] = {"year": previous.year,
                                    "reached": json.loads(path.read_text())["gateway"]["reached"]}
            except (ValueError, KeyError):
                continue
    return found


def prepare(report_dir: Path, data: NetworkData, scores: NetworkScores, params: YearParams | None) -> dict[str, bytes]:
    """Write `_work/<id>.json`, `_work/_network.json` (`ci_lib.execute.page_input`) and `data/<id>-outcomes.csv`;
    return the page inputs' bytes by name."""
    layout = YearLayout.of(report_dir)
    lab, inds, pp_gateways = labels(scores), indicators(scores), proof_point_gateways(scores)
    titles = {b.id: b.title for b in scores.rubric.benchmarks}
    network_info: NetworkInfo = {"title": params.title if params else f"Assessment {scores.year}", "year": scores.year,
                    "run_date": params.run_date if params else None, "framework": scores.rubric.framework,
                    "framework_title": scores.rubric.title}
    communities = data.communities.set_index("community_id")
    before = movement_year(params.previous_year if params is not None else None, scores.year)
    previous = previous_gateways(layout.sibling(before))
    years = earlier_years(layout)
    public = scores.public_outcomes
    by_community = dict(tuple(public.groupby("community_id", sort=False)))
    empty = public.iloc[0:0]
    written: dict[str, bytes] = {}
    plausibility = plausibility_notes(data, scores, lab)
    gaps = published_gaps(scores, {i["id"] for i in inds if not i["local"]})
    medians = median_gaps(gaps)
    lookups = outcome_words(inds, lab, scores.rubric.group_families)
    for cid, s in scores.scores.items():
        row = communities.loc[cid]
        effective = params.rules_for(scores.rubric, cid)[0] if params else scores.rubric.rules
        slice_ = by_community.get(cid, empty)
        local_ids = {i["id"] for i in (params.local_indicators_for(cid) if params else [])}
        shown = [i for i in inds if not i["local"] or i["id"] in local_ids]
        narrative = params.community(cid).get("narrative") if params else None
        work: CommunityInput = {
            "community": cast(CommunityInfo, {k: clean(row.get(k)) for k in CommunityInfo.__annotations__}),
            "network": network_info,
            "scores": s,
            "outcomes": cast(list[OutcomeRow], public_rows(slice_)),
            "indicators": shown,
            "labels": lab,
            "gateway_order": scores.rubric.gateway_ids,
            "proof_point_gateways": pp_gateways,
            "pillar_order": scores.rubric.pillar_ids,
            "benchmark_titles": titles,
            "rules": dict(effective),
            "previous": previous.get(cid),
            "earlier_pages": community_pages(years, cid),
            "narrative": None if narrative is None else str(narrative),
            "narratives": narratives(params, cid, {i["id"] for i in shown}),
            "plausibility": plausibility.get(cid, []),
            "network_gaps": [medians[key] for key in gap_keys(s["disparities"]) if key in medians],
        }
        payload = dumps(work)
        write_if_changed(layout.page_input(cid), payload)
        written[cid] = payload
        write_if_changed(layout.outcomes_csv(cid), outcomes_csv(slice_, lookups))
    totals = public[(public["group"] == "all") & public["value"].notna()]
    network: NetworkInput = {
        "year": scores.year,
        "framework_title": scores.rubric.title,
        "network": network_info,
        "rollup": scores.rollup,
        "labels": lab,
        "pillar_order": scores.rubric.pillar_ids,
        "members": [cast(Member, {k: s[k] for k in Member.__annotations__}) for s in scores.scores.values()],
        "outcomes_all": [{"community_id": c, "indicator_id": i, "year": int(y), "value": float(v)}
                         for c, i, y, v in totals[["community_id", "indicator_id", "year", "value"]].to_numpy()],
        "indicator_names": {i["id"]: i["name"] for i in inds if not i["local"]},
        "previous": {"year": before, "reached": {cid: p["reached"] for cid, p in previous.items()}}
        if previous else None,
        "gateway_order": scores.rubric.gateway_ids,
        "proof_point_gateways": pp_gateways,
        "gaps": measured_gaps(gaps),
    }
    payload = dumps(network)
    write_if_changed(layout.network_input, payload)
    written["_network"] = payload
    return written
