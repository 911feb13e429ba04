"""The scores JSON (`reports/<year>/scores/<id>.json`) in words: the one description that the data contract
page, the release's data dictionary and DESIGN.md's contract share. Fields are only ever added."""

from __future__ import annotations

SCORES_SCHEMA = """\
{ "community_id", "name", "state", "year", "framework",
  "gateway": {"reached": "emerging", "next": "sustaining", "missing": [benchmark ids], "incomplete": bool},
  "pillars": {pillar_id: {gateway_id: share_0_to_1}},
  "benchmarks": [{"benchmark_id", "gateway", "pillar", "status", "credit", "evidence", "carried_forward",
                  "self_status", "review_note"}],
  "outcomes": [{"indicator_id", "group", "family", "core", "baseline_year", "baseline", "latest_year", "latest",
               "change_pp", "change_pct", "change_kind": "points|relative", "streak", "baseline_fallback", "target",
               "target_year", "on_track",
               "trend": "improving|declining|flat|insufficient_data", "suppressed": bool}],
  "disparities": [{"indicator_id", "group", "family", "reference_group", "core", "baseline_year", "latest_year",
                   "gap_baseline_pp", "gap_latest_pp", "gap_change_pp",
                   "gap_trend": "narrowing|widening|reversed|flat|insufficient_data", "closing": bool|null,
                   "suppressed": bool}],
  "summary": {"indicators_improving_share", "gaps_closing_share", "proof_point": bool, "proof_point_basis",
              "gaps_closing_by_family", "not_rated"},
  "missing_ratings": [benchmark ids], "overrides": [{"rule", "value", "default", "source"}],
  "provenance": {"kit_version", "rubric_sha256", "data_sha256", "params_sha256"} }"""

FIELD_NOTES: list[tuple[str, str]] = [
    ("gateway.incomplete", "true when at least one benchmark of the framework has no rating this year (`not_rated`): "
                           "the gateway is computed from what was rated."),
    ("benchmarks[].status", "`met`, `in_progress`, `not_started` or `not_rated` (no rating row; credit 0)."),
    ("benchmarks[].carried_forward", "true when `carry_forward_unrated` took last year's rating for this one."),
    ("benchmarks[].self_status / review_note", "the partnership's self-rating (`met`, `in_progress`, `not_started`, "
                                               "or null when not recorded) beside `status`, the network's reviewed "
                                               "rating that scores; the reviewer's note (empty when none)."),
    ("outcomes[].family / core", "the group's comparison family (`all` for all students); whether the indicator "
                                 "counts toward the proof point."),
    ("outcomes[].change_pp / change_pct", "latest minus baseline in the indicator's unit (percentage points for "
                                          "percents), and the same change relative to the baseline, in percent."),
    ("outcomes[].change_kind", "how the trend measured change against the minimum change: `points` (later minus "
                               "earlier: percents, rates) or `relative` (in percent of the earlier value: counts, "
                               "currency, scores; see Units)."),
    ("outcomes[].streak", "consecutive year-over-year periods, ending at the latest year, that moved in the latest "
                          "move's direction (0 when the latest move is flat or unknown)."),
    ("outcomes[].baseline_fallback", "true when the configured baseline year had no publishable value and the "
                                     "earliest later year served."),
    ("outcomes[].target / target_year / on_track", "the all-students target from params, and whether the latest "
                                                  "value is at or past the straight path from the baseline to it."),
    ("disparities[].gap_*_pp", "the family's reference minus the group (reversed for lower-is-better): positive "
                               "means the group is behind."),
    ("disparities[].gap_trend / closing", "`reversed`: the group was behind and is now ahead: the gap closed "
                                          "entirely (closing). `narrowing` is closing; `widening` and `flat` are not; "
                                          "`closing` is null when unknown or when the group was never behind."),
    ("outcomes[].estimate / baseline_period_start / latest_period_start / change_moe / trend_reason",
     "only on rows of an indicator declared `estimate: true` or with a period time frame (`2005-2009`): whether it "
     "is an estimate; the first year of the baseline's and the latest's period (null for a single year; "
     "`baseline_year`/`latest_year` are the end years); the margin of error of the change, sqrt(MOE_1^2 + MOE_2^2) "
     "(null without margins of error); and why the trend is flat or not computed when the usual rule is not the "
     "reason: `within_margin_of_error` (the change is no larger than `change_moe`: flat) or `overlapping_periods` "
     "(only periods overlapping the latest one: insufficient_data); null otherwise."),
    ("summary.indicators_improving_share", "share of core indicators (all students, known trend) improving."),
    ("summary.gaps_closing_share / gaps_closing_by_family", "share of the core indicators' gaps closing (closing "
                                                           "not null), overall and per family."),
    ("summary.proof_point_basis", "what decided the proof point: `core_indicators_known`, "
                                  "`core_indicators_improving`, `improving_share`, `share_required`, "
                                  "`min_indicators`, `gaps_known`, `gaps_closing`, `gaps_closing_share`, "
                                  "`gap_share_required` (null: not required), `met`, `reason` "
                                  "(`met`, `too_few_core_indicators`, `improving_share_below`, `gap_share_below`) "
                                  "and `sentence`, the rule and its outcome in words."),
    ("summary.not_rated", "how many benchmarks have no rating this year."),
]


def scores_markdown() -> str:
    """The scores JSON schema and what each added field means, for docs/data-contract.md and the data dictionary."""
    lines = ["## Scores JSON (`reports/<year>/scores/<community_id>.json`)", "", "```", SCORES_SCHEMA, "```", "",
             "| field | meaning |", "|---|---|"]
    lines += [f"| `{name}` | {text} |" for name, text in FIELD_NOTES]
    return "\n".join(lines) + "\n"


def rules_markdown() -> str:
    """The scoring rules with their defaults (rubric defaults; params override per year and per community)."""
    import json

    from ci_lib.inputs.rules import RULES

    lines = ["## Scoring rules (`rules:` in the rubric, `params/<year>/network.yml` and `<community>.yml`)", "",
             "| rule | default | meaning |", "|---|---|---|"]
    lines += [f"| `{r.name}` | `{json.dumps(r.default)}` | {r.doc} |" for r in RULES.values()]
    lines += ["", "`reference_groups` defaults to each family's `reference` in the rubric (race/ethnicity `white`, "
              "income `not_low_income`, English learner status `not_english_learner`, disability `no_disability`, "
              "gender `male`, the female and male x race intersections `female_white` and `male_white`, and their "
              "x income and x English learner families `female_not_low_income`, `female_not_english_learner` and "
              "the male ones). Params may add groups (`groups: [{id, label, family, aliases}]`) and combined "
              "groups (`combined_groups: [{id, label, family, members}]`, the union of disjoint groups of one "
              "family, such as students of color; see the user guide). Params "
              "may also set `targets: {indicator_id: {value, year}}` (network-wide in network.yml, per community in "
              "its file), `narrative` and `narratives: {indicator_id: text}` (the story behind the curve, Markdown "
              "shown without raw HTML), and local indicators with `id`, `name`, `stage`, `polarity`, `unit` "
              "(`percent`, `rate_per_1000`, `count`, `currency`, `score`), `indicator`, `core` (counted toward "
              "the proof point only when true), `min_change`, `linked_outcome` and `estimate` (true: a survey "
              "estimate, see Estimates and periods above); any other key is an error."]
    return "\n".join(lines) + "\n"
