"""A deterministic synthetic network: 70 partnerships, 8 school years, 7 outcomes x 14 groups.

Same seed, same bytes. It is built to exercise the kit: a realistic spread of gateways, gaps that
close in some places and widen in others, small groups that must be suppressed, years that are
missing, communities that report percents instead of counts, and a few local indicators.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ci_lib.inputs.rubric import Rubric, load_rubric

PLACES = [
    "Alder Bay", "Ashford", "Bell Prairie", "Birch Falls", "Brookhaven", "Calder", "Cedar Bluff", "Clearwater",
    "Copper Ridge", "Crescent City", "Dover Flats", "Eastmoor", "Elk Valley", "Fairmont", "Fox River",
    "Glenwood", "Granite Park", "Harbor Point", "Hazelton", "Highland", "Iron Springs", "Juniper", "Kingsport",
    "Lake Marion", "Laurel Hill", "Lincoln Heights", "Maple Grove", "Meadowbrook", "Millbrook", "Mesa Verde",
    "New Haven Valley", "North Fork", "Oak Harbor", "Orchard City", "Pine Bluff", "Pleasant Ridge", "Port Ellis",
    "Prairie View", "Quarry Hill", "Red Rock", "Riverton", "Rolling Plains", "Saguaro", "Salem Crossing",
    "Sandy Point", "Shelby", "Silver Lake", "South Bend Valley", "Spring Garden", "Stone Creek", "Summit",
    "Sunnyside", "Tall Pines", "Three Rivers", "Timber Ridge", "Twin Forks", "Union Gap", "Valley Forge",
    "Walnut Creek", "West End", "Whitewater", "Willow Springs", "Windham", "Woodland", "Yellow Pine",
    "Zion Heights", "Bayou Terrace", "Canyon Rim", "Delta Shores", "Evergreen",
]
STATES = ["OH", "KY", "TX", "WA", "OR", "CA", "MN", "WI", "MI", "IN", "TN", "GA", "NC", "VA", "NY", "PA", "AZ",
          "NM", "CO", "UT", "MO", "IA", "LA", "FL"]
KINDS = ["Cradle to Career Partnership", "Promise", "Alliance for Education", "StriveTogether Partnership",
         "Learns", "Education Collaborative", "Youth Futures"]
ANCHORS = ["United Way of", "Community Foundation of", "University of", "Chamber of Commerce of",
           "Public Schools of", "Education Fund of"]
BASE_RATE = {"kindergarten_readiness": 45, "early_grade_reading": 42, "middle_grade_math": 31, "hs_graduation": 83,
             "postsecondary_enrollment": 58, "postsecondary_completion": 38, "employment": 64}
RACE_GAP = {"white": 0.0, "asian": -3.0, "black": 14.0, "hispanic": 11.0, "american_indian": 15.0,
            "pacific_islander": 9.0, "two_or_more": 5.0}
OTHER_GAP = {"low_income": 13.0, "not_low_income": -6.0, "english_learner": 16.0, "female": -2.0, "male": 2.0,
             "disability": 20.0}
COMPLEMENT = {"not_english_learner": ("english_learner", -1.5), "no_disability": ("disability", -2.5)}
"""Groups drawn from a second random stream (the complements that give English learners and students with
disabilities their reference groups), so that adding them left every other number of the demo as it was."""
LOCAL_INDICATORS = [
    {"id": "chronic_absence", "name": "Chronic absence", "stage": "k12", "polarity": "lower_is_better",
     "unit": "percent", "indicator": "Share of students missing 10% or more of school days"},
    {"id": "fafsa_completion", "name": "FAFSA completion", "stage": "postsecondary", "polarity": "higher_is_better",
     "unit": "percent", "indicator": "Share of high school seniors completing the FAFSA"},
]
DEMO_YEAR = 2025
TARGETS = {"kindergarten_readiness": {"value": 55, "year": 2030}, "early_grade_reading": {"value": 50, "year": 2030},
           "hs_graduation": {"value": 90, "year": 2028}}
NARRATIVE = ("Partners read the {year} results together in the spring. **What works**: summer bridge programs "
             "and the attendance campaign. *What is next*: a data-sharing agreement with the community college.")
STORIES = {"hs_graduation": "Graduation rose where ninth-grade success teams started; the story is uneven by school.",
           "chronic_absence": "Absence fell after the bus-route changes; families named transport as the first barrier.",
           "fafsa_completion": "Completion nights at every high school, run with the college access network."}


def slug(text: str) -> str:
    return "-".join("".join(ch.lower() if ch.isalnum() else " " for ch in text).split())


def communities_table(rng: np.random.Generator, n: int) -> pd.DataFrame:
    rows = []
    for i in range(n):
        place = PLACES[i % len(PLACES)] + ("" if i < len(PLACES) else f" {i // len(PLACES) + 1}")
        kind = KINDS[int(rng.integers(len(KINDS)))]
        state = STATES[int(rng.integers(len(STATES)))]
        rows.append({
            "community_id": slug(place),
            "name": f"{place} {kind}",
            "state": state,
            "anchor_entity": f"{ANCHORS[int(rng.integers(len(ANCHORS)))]} {place}",
            "joined_year": int(rng.integers(2010, 2024)),
            "region": ["Midwest", "South", "West", "Northeast"][int(rng.integers(4))],
            "website": f"https://{slug(place)}.example.org" if rng.random() < 0.8 else "",
        })
    return pd.DataFrame(rows)


def maturity_levels(rng: np.random.Generator, n: int) -> np.ndarray:
    """How many gateways each member has fully met (0 = still exploring)."""
    return rng.choice([0, 1, 2, 3, 4], size=n, p=[0.12, 0.3, 0.3, 0.2, 0.08])


def benchmark_rows(rng: np.random.Generator, rubric: Rubric, ids: list[str], levels: np.ndarray,
                   last_year: int) -> pd.DataFrame:
    order = {g: i for i, g in enumerate(rubric.gateway_ids)}
    rows: list[dict[str, Any]] = []
    for year, lag in ((last_year - 1, 1), (last_year, 0)):
        for cid, level in zip(ids, levels, strict=True):
            level = max(0, int(level) - (lag if rng.random() < 0.35 else 0))
            for b in rubric.benchmarks:
                g = order[b.gateway]
                if g < level:
                    status = "met"
                elif g == level:
                    status = rng.choice(["met", "in_progress", "not_started"], p=[0.55, 0.35, 0.10])
                elif g == level + 1:
                    status = rng.choice(["met", "in_progress", "not_started"], p=[0.15, 0.35, 0.50])
                else:
                    status = rng.choice(["in_progress", "not_started"], p=[0.15, 0.85])
                if rng.random() < 0.01:
                    continue  # a missing rating: scored as not_started and flagged
                evidence = ""
                if status != "not_started":
                    evidence = (f"https://{cid}.example.org/evidence/{b.id}" if rng.random() < 0.6
                                else f"{b.evidence_expected.split(',')[0]} ({year})")
                rows.append({"community_id": cid, "year": year, "benchmark_id": b.id, "status": str(status),
                             "evidence": evidence, "reviewer": f"reviewer-{int(rng.integers(1, 6))}"})
    return pd.DataFrame(rows)


SPLITS = (["low_income", "not_low_income"], ["english_learner", "not_english_learner"], ["female", "male"],
          ["disability", "no_disability"])
"""Families whose groups add up to all students: their numerators are made to add up to all's too."""


def adding_up(nums: dict[str, int], dens: dict[str, int], groups: list[str]) -> None:
    """Scale the groups' successes (drawn each on its own) to add up to all's, none above its group's size.

    Drawn independently, the groups of a family counted up to a fifth more successes than all students (a
    plausibility warning on every page); scaling keeps each group's rate as drawn, within rounding, and
    draws nothing more, so every other number of the demo stays as it was.
    """
    total = nums["all"]
    if len(groups) < 2 or sum(dens[g] for g in groups) != dens["all"]:
        for g in groups:  # a family given in part: a group never counts more successes than all students
            nums[g] = min(nums[g], total)
        return
    first, second = groups
    drawn = nums[first] + nums[second]
    share = nums[first] / drawn if drawn else dens[first] / dens["all"]
    nums[first] = min(dens[first], max(total - dens[second], round(total * share)))
    nums[second] = total - nums[first]


RATED_UP = {"not_started": "in_progress", "in_progress": "met"}
RATED_DOWN = {"met": "in_progress", "in_progress": "not_started"}
REVIEW_NOTES = {"lower": "The evidence shows the work under way, not yet in place across the partners.",
                "higher": "The evidence submitted meets this level; rated up on review."}


def self_ratings(benchmarks: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The partnerships' own ratings beside the reviewed ones, from a stream of their own (the reviewed ratings,
    and so every score, stay those of the demo before self-ratings): most agree, about one in twelve rated
    itself a step above the review, one in seventy a step below, each with the reviewer's note."""
    draw = rng.random(len(benchmarks))
    status = benchmarks["status"]
    above = (draw < 0.08) & status.isin(list(RATED_UP))
    below = (draw > 0.985) & status.isin(list(RATED_DOWN))
    mine = status.mask(above, status.map(RATED_UP)).mask(below, status.map(RATED_DOWN))
    notes = pd.Series("", index=benchmarks.index).mask(above, REVIEW_NOTES["lower"]).mask(below, REVIEW_NOTES["higher"])
    return benchmarks.assign(self_status=mine, review_note=notes)


def outcome_rows(rng: np.random.Generator, ids: list[str], levels: np.ndarray,
                 local: dict[str, list[str]], last_year: int,
                 complements: np.random.Generator | None = None) -> pd.DataFrame:
    years = list(range(last_year - 7, last_year + 1))
    frames = []
    race_ids = list(RACE_GAP)
    for cid, level in zip(ids, levels, strict=True):
        size = float(rng.lognormal(6.5, 0.7))  # cohort size per grade, ~ 660 median
        race_share = rng.dirichlet([30, 4, 10, 12, 1.0, 0.6, 3])
        low_income_share = float(rng.uniform(0.3, 0.75))
        el_share, swd_share = float(rng.uniform(0.03, 0.2)), float(rng.uniform(0.09, 0.16))
        effect = float(rng.normal(0, 6))
        improvement = float(rng.normal(-0.15 + 0.3 * level, 0.4))  # pp per year
        gap_closing = float(rng.normal(0.02 * level - 0.01, 0.04))  # share of the gap closed per year
        reports_percent = rng.random() < 0.05
        indicators = [*BASE_RATE, *local.get(cid, [])]
        for indicator in indicators:
            base = BASE_RATE.get(indicator, 30.0 if indicator == "fafsa_completion" else 22.0)
            sign = -1 if indicator == "chronic_absence" else 1
            slope = improvement + float(rng.normal(0, 0.5))
            start_year = years[0] + (int(rng.integers(1, 4)) if rng.random() < 0.15 else 0)
            for y, year in enumerate(years):
                if year < start_year or (year == last_year - 5 and rng.random() < 0.4) or rng.random() < 0.02:
                    continue  # missing years: late starts, the pandemic gap, lost files
                n_all = max(1, int(rng.normal(size, size * 0.05)))
                race_counts = rng.multinomial(n_all, race_share)
                income = rng.binomial(n_all, low_income_share)
                female = rng.binomial(n_all, 0.49)
                dens = {"all": n_all, **dict(zip(race_ids, race_counts, strict=True)), "low_income": income,
                        "not_low_income": n_all - income, "english_learner": rng.binomial(n_all, el_share),
                        "female": female, "male": n_all - female, "disability": rng.binomial(n_all, swd_share)}
                closing = min(1.6, max(0.0, 1 - gap_closing * y))
                rates = {g: base + effect + slope * y * sign - sign * closing * gap
                         for g, gap in {**RACE_GAP, **OTHER_GAP}.items()}
                nums = {g: int(rng.binomial(d, min(0.98, max(0.02, rates[g] / 100)))) for g, d in dens.items() if g != "all"}
                for part in (race_ids, ["low_income", "not_low_income"], ["female", "male"]):
                    nums.setdefault("all", sum(nums[g] for g in part))
                if complements is not None:
                    for g, (other, gap) in COMPLEMENT.items():
                        dens[g] = n_all - dens[other]
                        rate = base + effect + slope * y * sign - sign * closing * gap
                        nums[g] = int(complements.binomial(dens[g], min(0.98, max(0.02, rate / 100))))
                for part in SPLITS:
                    adding_up(nums, dens, [g for g in part if g in nums])
                for g, d in dens.items():
                    if d == 0:
                        continue
                    row = {"community_id": cid, "indicator_id": indicator, "year": year, "group": g,
                           "numerator": nums[g], "denominator": int(d), "value": ""}
                    if reports_percent and indicator == "employment":
                        if d < 10:
                            continue
                        row.update(numerator="", denominator="", value=f"{100 * nums[g] / d:.1f}")
                    frames.append(row)
    return pd.DataFrame(frames)


def generate(out_dir: str | Path = "data/demo", seed: int = 2025, n: int = 70,
             framework: str = "toa-2019", year: int = DEMO_YEAR) -> dict[str, Any]:
    """Write communities/benchmarks/outcomes CSVs (8 school years to `year`; ratings for `year` and the
    year before) and return what the demo's params need."""
    rng = np.random.default_rng(seed)
    rubric = load_rubric(framework)
    communities = communities_table(rng, n)
    ids = list(communities["community_id"])
    levels = maturity_levels(rng, n)
    local = {cid: [LOCAL_INDICATORS[i % 2]["id"]] for i, cid in enumerate(ids[3:n:9])}
    benchmarks = self_ratings(benchmark_rows(rng, rubric, ids, levels, year), np.random.default_rng([seed, 2]))
    outcomes = outcome_rows(rng, ids, levels, local, year, np.random.default_rng([seed, 1]))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in (("communities", communities), ("benchmarks", benchmarks), ("outcomes", outcomes)):
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, lineterminator="\n")
        target = out / f"{name}.csv"
        tmp = target.with_suffix(".csv.tmp")
        tmp.write_text(buffer.getvalue(), encoding="utf-8")
        tmp.replace(target)
    by_id = {i["id"]: i for i in LOCAL_INDICATORS}
    return {
        "local": {cid: [by_id[i] for i in inds] for cid, inds in local.items()},
        "communities": ids,
    }


def write_demo_params(root: str | Path, year: int, data_dir: str, local: dict[str, list[dict[str, Any]]],
                      framework: str = "toa-2019") -> list[Path]:
    """Create params for the demo year without overwriting files an analyst may have edited."""
    folder = Path(root) / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    network = folder / "network.yml"
    if not network.exists():
        network.write_text(
            "# Year-wide settings for the demo network. Every rule here overrides the rubric's default\n"
            "# and is listed on the Methods page and on each community page.\n"
            + yaml.safe_dump({"year": year, "framework": framework, "data": data_dir,
                              "title": f"Demo Network Assessment {year}", "run_date": f"{year}-11-15",
                              "rules": {"baseline_year": year - 7, "min_cell": 10},
                              "targets": TARGETS}, sort_keys=False),
            encoding="utf-8")
        written.append(network)
    for cid, indicators in local.items():
        path = folder / f"{cid}.yml"
        if not path.exists():
            stories = {i: STORIES[i] for i in ("hs_graduation", *(d["id"] for d in indicators)) if i in STORIES}
            path.write_text(f"# Overrides, local indicators and the story behind the curves for {cid}.\n"
                            + yaml.safe_dump({"community_id": cid, "local_indicators": indicators,
                                              "narrative": NARRATIVE.format(year=year), "narratives": stories},
                                             sort_keys=False, width=110),
                            encoding="utf-8")
            written.append(path)
    return written
