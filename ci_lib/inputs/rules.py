"""The scoring rules, once: each rule's name, default, meaning, check and sentence.

The rubric takes its defaults from here (`DEFAULT_RULES`), params validation its checks (`rule_problem`),
scoring its sub-defaults (`default_of`), docs/data-contract.md its table (`rules_markdown` in
`ci_lib.scoring.schema`) and the Methods page its words (`Rule.sentence`, given the effective rules the
manifest recorded). A new rule is one row of `RULES`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ci_lib.escape import markdown_code

GATEWAY_METHODS = ("all_met", "share")
BASELINE_MODES = ("fallback", "strict")
TREND_METHODS = ("baseline", "prior", "consecutive")
HIGHEST = "highest"  # a race family's reference may be its best-performing group in the baseline year

Rules = dict[str, Any]


@dataclass(frozen=True)
class Unit:
    """What an indicator's values are, and so how a change is measured, checked and shown.

    `change` is `points` (later minus earlier, in the unit: percentage points for percents) or `relative`
    (the change as a percent of the earlier value, Results-Based Accountability's "baseline % change"): a
    $1,000 rise means little for a median income of $90,000 and much for one of $20,000, and a count or a
    score has no points to speak of. `min_change` is the default "flat" threshold of a relative unit, a
    percent of the earlier value (points units use the trend rule's `min_change_pp`); an indicator's own
    `min_change` replaces either, in the same measure. `per` is what numerator / denominator is multiplied
    by (None: the unit is not a share of counts, so rows give `value`); `high` the largest value allowed.
    Disparity gaps (differences in points) are computed only for units with `gaps`.
    """

    id: str
    label: str
    change: str
    min_change: float | None
    per: int | None
    high: float | None
    gaps: bool

    def format(self, value: float | None, missing: str = "suppressed or missing") -> str:
        """A value as a reader sees it: `12.3%`, `12.3 per 1,000`, `1,204`, `$52,000`, `512.3`."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return missing
        return {"percent": f"{value:.1f}%", "rate_per_1000": f"{value:,.1f} per 1,000", "count": f"{value:,.0f}",
                "currency": f"${value:,.0f}"}.get(self.id, f"{value:,.1f}")


UNIT_TABLE: dict[str, Unit] = {u.id: u for u in (
    Unit("percent", "percent", "points", None, 100, 100, True),
    Unit("rate_per_1000", "rate per 1,000", "points", None, 1000, 1000, True),
    Unit("count", "count", "relative", 1.0, None, None, False),
    Unit("currency", "currency (dollars)", "relative", 1.0, None, None, False),
    Unit("score", "score", "relative", 1.0, None, None, False),
)}
UNITS = tuple(UNIT_TABLE)
DEFAULT_UNIT = "percent"


def unit_of(unit: str | None) -> Unit:
    """The unit named (an indicator without a known unit is a percent, as the contract's `value` was)."""
    return UNIT_TABLE.get(unit or DEFAULT_UNIT, UNIT_TABLE[DEFAULT_UNIT])


def units_sentence() -> str:
    """How non-percent indicators are measured, in readers' words (the Methods page, when a network has some)."""
    relative = [u for u in UNIT_TABLE.values() if u.change == "relative"]
    least = sorted({u.min_change for u in relative if u.min_change is not None})
    plural = {"percent": "percents", "rate_per_1000": "rates per 1,000"}
    kinds = [u.label for u in relative]
    return (f"**Units**: {', '.join(kinds[:-1])} and {kinds[-1]} indicators change *relative* to the earlier value: "
            f"a move smaller than {' or '.join(f'{m:g}' for m in least)} % of it (or the indicator's own minimum "
            "change, in percent) is *flat*. They have no disparity gaps: a gap is a difference in percentage points, "
            f"measured for {' and '.join(plural.get(u.id, u.label) for u in UNIT_TABLE.values() if u.gaps)} only.")


def units_markdown() -> str:
    """The units table of docs/data-contract.md."""
    lines = ["| unit | values | a change is measured as | default minimum change | disparity gaps |",
             "|---|---|---|---|---|"]
    for u in UNIT_TABLE.values():
        values = (f"0 to {u.high:g} (numerator / denominator x {u.per}, or `value`)" if u.per
                  else "any number >= 0, given as `value` (no numerator/denominator)")
        measure = ("points: later minus earlier, in the unit" if u.change == "points"
                   else "relative: the change in percent of the earlier value")
        least = ("the trend rule's `min_change_pp` (points)" if u.min_change is None
                 else f"{u.min_change:g} % of the earlier value")
        lines.append(f"| `{u.id}` | {values} | {measure} | {least} | {'yes' if u.gaps else 'no'} |")
    return "\n".join(lines) + "\n"


def names(keys: Any) -> str:
    return ", ".join(sorted(str(k) for k in keys))


def is_number(value: Any, low: float, high: float) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and low <= value <= high)


def is_whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


# -- checks: why a value cannot be used (None when it is fine) ---------------------------------------------
def share_check(value: Any) -> str | None:
    return None if is_number(value, 0, 1) else f"must be a number from 0 to 1, not {value!r}"


def gap_share_check(value: Any) -> str | None:
    return None if value is None or is_number(value, 0, 1) else \
        f"must be a number from 0 to 1, or null (gaps reported, not required), not {value!r}"


def min_indicators_check(value: Any) -> str | None:
    return None if is_whole(value, 1, 100) else f"must be a whole number from 1 to 100, not {value!r}"


def baseline_check(value: Any) -> str | None:
    return None if value in BASELINE_MODES else f"must be one of {', '.join(BASELINE_MODES)}, not {value!r}"


def flag_check(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, not {value!r}"


def reference_groups_check(value: Any) -> str | None:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return f"must be a mapping of family to group, such as {{race_ethnicity: white}}, not {value!r}"
    return None


def min_cell_check(value: Any) -> str | None:
    return None if is_whole(value, 0, 10**9) else f"must be a whole number >= 0, not {value!r}"


def baseline_year_check(value: Any) -> str | None:
    return None if value is None or is_whole(value, 1990, 2100) else f"must be a year (1990-2100), not {value!r}"


def gateway_rule_check(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"must be a mapping such as {{method: share, threshold: 0.8}}, not {value!r}"
    if set(value) - {"method", "threshold"}:
        return f"unknown key(s) {names(set(value) - {'method', 'threshold'})}; known: method, threshold"
    if value.get("method", "all_met") not in GATEWAY_METHODS:
        return f"method must be one of {', '.join(GATEWAY_METHODS)}, not {value.get('method')!r}"
    if "threshold" in value and not is_number(value["threshold"], 0, 1):
        return f"threshold must be a number from 0 to 1, not {value['threshold']!r}"
    return None


def trend_check(value: Any) -> str | None:
    known = {"method", "min_change_pp", "periods"}
    if not isinstance(value, dict):
        return f"must be a mapping such as {{method: baseline, min_change_pp: 1.0}}, not {value!r}"
    if set(value) - known:
        return f"unknown key(s) {names(set(value) - known)}; known: {names(known)}"
    if value.get("method", "baseline") not in TREND_METHODS:
        return f"method must be one of {', '.join(TREND_METHODS)}, not {value.get('method')!r}"
    if "min_change_pp" in value and not is_number(value["min_change_pp"], 0, 100):
        return f"min_change_pp must be a number from 0 to 100, not {value['min_change_pp']!r}"
    if "periods" in value and not is_whole(value["periods"], 1, 100):
        return f"periods must be a whole number >= 1, not {value['periods']!r}"
    return None


def plausibility_check(value: Any) -> str | None:
    known = {"max_jump_pp"}
    if not isinstance(value, dict):
        return f"must be a mapping such as {{max_jump_pp: 25}}, not {value!r}"
    if set(value) - known:
        return f"unknown key(s) {names(set(value) - known)}; known: {names(known)}"
    if "max_jump_pp" in value and not is_number(value["max_jump_pp"], 0, 100):
        return f"max_jump_pp must be a number from 0 to 100, not {value['max_jump_pp']!r}"
    return None


# -- sentences: what the effective rules say, in readers' words (the Methods page) --------------------------
def gateway_rule_sentence(rules: Rules) -> str:
    rule = rules["gateway_rule"]
    if rule.get("method", "all_met") == "all_met":
        return "every rated benchmark of that gateway and of all earlier gateways is met"
    return (f"the share of benchmark credit of that gateway and every earlier one is at least "
            f"{rule.get('threshold')}")


def in_progress_credit_sentence(rules: Rules) -> str:
    return f"A benchmark in progress earns {rules['in_progress_credit']} credit."


def carry_forward_sentence(rules: Rules) -> str:
    return (" (this network carries last year's rating forward instead, flagged *carried forward* on the page)"
            if rules.get("carry_forward_unrated") else "")


def trend_sentence(rules: Rules) -> str:
    trend = rules["trend"]
    baseline = (f"baseline year {rules['baseline_year']}" if rules.get("baseline_year")
                else "baseline year (the earliest year with data unless params set one)")
    compared = {"baseline": baseline, "prior": "previous reported year",
                "consecutive": f"{trend['periods']} previous reported years, every move in the same direction"}
    return (f"**Trend** (method {markdown_code(trend['method'])}): the latest year is compared with the "
            + compared.get(trend["method"], trend["method"])
            + f"; a change smaller than {trend['min_change_pp']} percentage points (or the indicator's own minimum "
            "change) is *flat*; with fewer than two usable years the trend is *insufficient data*. Polarity decides "
            "whether a rise is good.")


def baseline_sentence(rules: Rules) -> str:
    if rules.get("baseline") == "strict":
        return "**Baseline**: when the baseline year has no publishable value, the trend is *insufficient data* " \
               "(`baseline: strict`)."
    return ("**Baseline**: when the baseline year has no publishable value, the earliest later year with one "
            "serves, and the page says *baseline fallback* (`baseline: fallback`).")


def proof_point_sentence(rules: Rules) -> str:
    min_indicators, gap_share = rules.get("proof_point_min_indicators"), rules.get("proof_point_gap_share")
    return (f"**Proof point** (the rule applied): at least {rules['proof_point_share']:.0%} of the core indicators "
            "(all students) improving"
            + (f", over at least {min_indicators} core indicators with a known trend" if min_indicators else "")
            + ("; the share of gaps closing is reported, not required." if gap_share is None else
               f", and at least {gap_share:.0%} of the core indicators' gaps closing.")
            + " Each community page says which of these decided.")


def suppression_sentence(min_cell: int) -> str:
    """The suppression rule in readers' words: the one place it is worded."""
    return (f"a value from fewer than {min_cell} students is not shown, not downloadable and not used in any "
            "change, trend or gap. Where groups add up to a total (all students by race/ethnicity, income or "
            "gender, for instance), the total minus the shown groups gives the blank groups' combined result, so "
            "further groups are blanked, smallest first, until no blank group stands alone beside its total and "
            f"the students behind the blanks number none or at least {min_cell}; a blanked total keeps at least "
            f"{min_cell} of its own students blank too (where none of this can be done, the total is blanked). "
            "No result of "
            f"fewer than {min_cell} students, alone or combined, can be worked out from what is published.")


def min_cell_sentence(rules: Rules) -> str:
    return f"**Suppression**: {suppression_sentence(rules['min_cell'])}"


def reference_groups_sentence(rules: Rules) -> str:
    refs = rules.get("reference_groups") or {}
    return "Reference groups: " + (", ".join(f"{f} `{g}`" for f, g in sorted(refs.items())) or "the rubric's") + "."


@dataclass(frozen=True)
class Rule:
    """One scoring rule: its default, what it means (data contract), its check and its sentence (Methods).

    Rules that only make sense together share a sentence: `proof_point_share` speaks for the two other proof
    point rules, `trend` for `baseline_year`, `gateway_rule` for `in_progress_credit`'s context.
    """

    name: str
    default: Any
    doc: str
    check: Callable[[Any], str | None]
    sentence: Callable[[Rules], str] | None = None

    def problem(self, value: Any) -> str | None:
        return self.check(value)


RULES: dict[str, Rule] = {r.name: r for r in (
    Rule("in_progress_credit", 0.5,
         "Credit a benchmark in progress earns (0 to 1); met earns 1, not started and not rated 0.",
         share_check, in_progress_credit_sentence),
    Rule("gateway_rule", {"method": "all_met", "threshold": 1.0},
         "`{method: all_met}`: a gateway is reached when every rated benchmark of it and of all earlier "
         "gateways is met; `{method: share, threshold: 0.8}`: when the mean credit of the rated "
         "benchmarks of each is at least the threshold. Unrated benchmarks neither help nor block; the "
         "gateway then carries `incomplete: true`.",
         gateway_rule_check, gateway_rule_sentence),
    Rule("trend", {"method": "baseline", "min_change_pp": 1.0, "periods": 3},
         "`method: baseline` (latest vs baseline), `prior` (vs the previous reported year) or `consecutive` "
         "(the last `periods` moves all the same way); a change smaller than `min_change_pp` is flat.",
         trend_check, trend_sentence),
    Rule("reference_groups", {},  # per family; the rubric's families give the defaults (`Rubric.rules`)
         "The reference group of each comparison family (`{race_ethnicity: white}`); a gap is the "
         "reference minus the group, within the family only. A race family may take `highest` "
         "(its best group in the baseline year); any family may take `all`.",
         reference_groups_check, reference_groups_sentence),
    Rule("proof_point_share", 0.60,
         "Share of core indicators (all students, known trend) that must be improving for the "
         "outcomes proof point.",
         share_check, proof_point_sentence),
    Rule("proof_point_min_indicators", 4,
         "Core indicators with a known trend needed before the share means anything.",
         min_indicators_check),
    Rule("proof_point_gap_share", None,  # reported, not required: a network may require a share of gaps closing
         "Share of core indicators' disparity gaps that must be closing; null (the default): "
         "reported, not required.",
         gap_share_check),
    Rule("min_cell", 10,
         "Values from fewer students are suppressed; a community may raise it, never lower it.",
         min_cell_check, min_cell_sentence),
    Rule("baseline_year", None,
         "The baseline year of every trend (default: the first year with data).",
         baseline_year_check),
    Rule("baseline", "fallback",
         "`fallback` (default): when the baseline year has no publishable value, the earliest later year "
         "serves and the row says `baseline_fallback`; `strict`: no trend instead.",
         baseline_check, baseline_sentence),
    Rule("carry_forward_unrated", False,
         "When true, a benchmark without a rating this year takes last year's rating, flagged "
         "`carried_forward`.",
         flag_check, carry_forward_sentence),
    Rule("plausibility", {"max_jump_pp": 25.0},
         "Warnings of `validate` and the page's data notes, never errors: a percent that moves more than "
         "`max_jump_pp` points from one reported year to the next (beyond what sampling noise explains where "
         "counts are given) is flagged. See Plausibility warnings.",
         plausibility_check),
)}

DEFAULT_RULES: Rules = {name: rule.default for name, rule in RULES.items()}
RULE_DOCS: dict[str, str] = {name: rule.doc for name, rule in RULES.items()}
RENAMED_RULES = {"reference_group": "reference_groups: {race_ethnicity: GROUP} (a reference per comparison family)"}


def defaults() -> Rules:
    """A fresh copy of the defaults (callers merge into it)."""
    return copy.deepcopy(DEFAULT_RULES)


def default_of(rule: str, key: str | None = None) -> Any:
    """A rule's default, or one key of a mapping rule's default (`default_of("trend", "periods")`)."""
    value = RULES[rule].default
    return value if key is None else value[key]


def rule_problem(key: str, value: Any) -> str | None:
    """Why a rule value cannot be used (None when it is fine); keys are the rule names of `RULES`."""
    rule = RULES.get(key)
    return None if rule is None else rule.problem(value)


def sentence(rule: str, rules: Rules) -> str:
    """What the effective `rules` say about `rule`, in the Methods page's words."""
    say = RULES[rule].sentence
    if say is None:
        raise KeyError(f"rule {rule!r} is described with another rule's sentence")
    return say(rules)
