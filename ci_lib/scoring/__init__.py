"""Pure scoring: validated tables + rubric + params -> scores for every community, in one pass.

No I/O happens here. The result holds the JSON-ready scores of DESIGN.md per community, the public
(suppressed, rounded) outcomes table that notebooks and downloads use, and the network roll-up.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ci_lib import __version__
from ci_lib.inputs.contract import MOE_COLUMNS
from ci_lib.inputs.load import NetworkData
from ci_lib.inputs.parameters import YearParams
from ci_lib.inputs.rubric import Rubric
from ci_lib.inputs.rules import unit_of
from ci_lib.scoring.combined import with_combined_groups
from ci_lib.scoring.disparities import disparity_gaps
from ci_lib.scoring.outcomes import outcome_trends
from ci_lib.scoring.ratings import benchmark_credits, gateways_reached, pillar_matrix
from ci_lib.scoring.rules import rules_table
from ci_lib.scoring.summary import basis_of, community_summary, network_rollup
from ci_lib.scoring.suppression import public_table, suppress


@dataclass
class NetworkScores:
    year: int
    rubric: Rubric
    scores: dict[str, dict[str, Any]]
    public_outcomes: pd.DataFrame
    rollup: dict[str, Any]
    slice_sha256: dict[str, str] = field(default_factory=dict)


def clean(value: Any) -> Any:
    """JSON-safe scalars: NaN/NA -> None, numpy -> Python, floats rounded to 0.1 by the caller."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def json_columns(frame: pd.DataFrame, columns: list[str]) -> list[list[Any]]:
    """Columns as lists of JSON-safe Python values (None for missing), converted column-wise, not per cell."""
    out = []
    for column in columns:
        series = frame[column]
        missing = series.isna().to_numpy()
        values = series.tolist()  # Python scalars, not numpy ones
        if missing.any():
            for at in np.flatnonzero(missing).tolist():
                values[at] = None
        out.append(values)
    return out


def to_records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    return [dict(zip(columns, row, strict=True)) for row in zip(*json_columns(frame, columns), strict=True)] \
        if len(frame) else []


def records_by_community(frame: pd.DataFrame, columns: list[str], order: list[str]) -> dict[str, list[dict[str, Any]]]:
    """JSON-ready rows grouped by community, in one pass over the whole network's table."""
    out: dict[str, list[dict[str, Any]]] = {}
    ordered = frame.sort_values(["community_id", *order], kind="stable")
    for cid, record in zip(ordered["community_id"].tolist(), to_records(ordered, columns), strict=True):
        out.setdefault(cid, []).append(record)
    return out


def as_text(column: pd.Series) -> pd.Series:
    """`column.astype("string")`, a number column's distinct values converted once each (years and counts repeat).

    Text and mixed columns are converted as they are; so is a float column holding -0.0, which factorizes
    with 0.0 but prints otherwise.
    """
    kind = column.dtype.kind
    if kind not in "iufb" or (kind == "f" and bool(((column == 0) & np.signbit(column.astype(float))).any())):
        return column.astype("string")
    codes, uniques = pd.factorize(column)
    text = pd.Series(uniques).astype("string").array.take(codes, allow_fill=True)
    return pd.Series(text, index=column.index, name=column.name)


def slice_hashes(data: NetworkData, year: int) -> dict[str, str]:
    """sha256 of each community's rows in every input table (rows joined vectorised, hashed per community)."""
    digests: dict[str, Any] = {}
    for name, frame in (("communities", data.communities), ("benchmarks", data.benchmarks), ("outcomes", data.outcomes)):
        if name == "benchmarks":
            frame = frame[frame["year"] == year]
        if name == "outcomes":  # estimate columns left blank everywhere do not change what the data says
            frame = frame.drop(columns=[c for c in ESTIMATE_COLUMNS if c in frame and frame[c].isna().all()])
        ordered = frame.sort_values(list(frame.columns[:4]), kind="stable")
        ordered = pd.DataFrame({c: as_text(ordered[c]) for c in ordered.columns}).fillna("")
        if ordered.empty:
            continue
        cells = [pa.array(ordered[c]).cast(pa.large_string()) for c in ordered.columns]
        text_of = {part: pa.scalar(part, pa.large_string()) for part in (f"{name}\x1e", "\n", "\x1f", "")}
        joined = pc.binary_join_element_wise(*cells, text_of["\x1f"])
        lines = pc.binary_join_element_wise(text_of[f"{name}\x1e"], joined, text_of["\n"], text_of[""])
        lines = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
        # the lines' UTF-8 bytes, end to end: each community's rows are one run of them (sorted by community first)
        _, offset_buffer, text = lines.buffers()
        offsets = np.frombuffer(offset_buffer, dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
        ids = ordered["community_id"].to_numpy(dtype=object)
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        ends = np.r_[starts[1:], len(ids)]
        view = memoryview(text)
        for cid, start, end in zip(ids[starts], offsets[starts].tolist(), offsets[ends].tolist(), strict=True):
            digests.setdefault(cid, hashlib.sha256()).update(view[start:end])
    return {cid: d.hexdigest() for cid, d in digests.items()}


ESTIMATE_COLUMNS = (*MOE_COLUMNS, "period_start")
OUTCOME_FIELDS = ["indicator_id", "group", "baseline_year", "baseline", "latest_year", "latest", "change_pp", "change_pct",
                  "change_kind", "streak", "baseline_fallback", "target", "target_year", "on_track", "trend", "suppressed", "family",
                  "core"]
DISPARITY_FIELDS = ["indicator_id", "group", "family", "reference_group", "baseline_year", "latest_year",
                    "gap_baseline_pp", "gap_latest_pp", "gap_change_pp", "gap_trend", "closing", "suppressed", "core"]
# added to the outcome rows of estimates and periods only, so other scores read exactly as before
ESTIMATE_FIELDS = ["estimate", "baseline_period_start", "latest_period_start", "change_moe", "trend_reason"]
BENCHMARK_FIELDS = ["benchmark_id", "gateway", "pillar", "status", "credit", "evidence", "carried_forward", "self_status",
                    "review_note"]


def outcome_records(trends: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """The outcome rows by community; those of an estimate or a period also carry `ESTIMATE_FIELDS`."""
    flagged = trends["estimate"] | trends["baseline_period_start"].notna() | trends["latest_period_start"].notna()
    if not flagged.any():
        return records_by_community(trends, OUTCOME_FIELDS, ["indicator_id", "group"])
    rows = records_by_community(trends.assign(flagged=flagged), [*OUTCOME_FIELDS, *ESTIMATE_FIELDS, "flagged"],
                                ["indicator_id", "group"])
    for records in rows.values():
        for record in records:
            if not record.pop("flagged"):
                for name in ESTIMATE_FIELDS:
                    del record[name]
    return rows


def indicator_table(rubric: Rubric) -> pd.DataFrame:
    """What scoring needs of each indicator: polarity sign, core or not, its own minimum change, its unit."""
    return pd.DataFrame({"sign": [o.sign for o in rubric.outcomes], "core": [o.core for o in rubric.outcomes],
                         "min_change": [np.nan if o.min_change is None else o.min_change for o in rubric.outcomes],
                         "unit": [o.unit for o in rubric.outcomes],
                         "estimate": [o.estimate for o in rubric.outcomes]},
                        index=pd.Index([o.id for o in rubric.outcomes], name="indicator_id"))


def target_table(params: YearParams | None, ids: list[str]) -> pd.DataFrame:
    rows = [{"community_id": cid, "indicator_id": indicator, "target": float(t["value"]), "target_year": int(t["year"])}
            for cid in ids for indicator, t in (params.targets_for(cid).items() if params else [])]
    return pd.DataFrame(rows, columns=["community_id", "indicator_id", "target", "target_year"])


def key_dtypes(outcomes: pd.DataFrame, ids: list[str], rules: pd.DataFrame, rubric: Rubric) -> dict[str, pd.CategoricalDtype]:
    """Categorical dtypes (sorted categories: the strings' own order) for the key columns of the outcome scoring."""
    references = [v for c in rules.columns if c.startswith("reference_") for v in rules[c].dropna().tolist()]
    groups = {*outcomes["group"].dropna().tolist(), *references, "all",
              *(g for f in rubric.families.values() for g in f.groups)}
    return {"community_id": pd.CategoricalDtype(sorted({*ids, *outcomes["community_id"].dropna().unique().tolist()})),
            "indicator_id": pd.CategoricalDtype(sorted({*outcomes["indicator_id"].dropna().unique().tolist(),
                                                               *(o.id for o in rubric.outcomes)})),
            "group": pd.CategoricalDtype(sorted(groups))}


def coded(frame: pd.DataFrame, dtypes: dict[str, pd.CategoricalDtype]) -> pd.DataFrame:
    """`frame.astype(dtypes)` for the key columns it has, each distinct text looked up once."""
    out = {}
    for column, dtype in dtypes.items():
        if column in frame.columns:
            codes, uniques = pd.factorize(frame[column])
            at = np.append(dtype.categories.get_indexer(pd.Index(uniques)), -1)  # codes of -1 (missing) stay -1
            out[column] = pd.Categorical.from_codes(at[codes], dtype=dtype)
    return frame.assign(**out)


def as_texts(frame: pd.DataFrame, dtypes: dict[str, Any]) -> pd.DataFrame:
    """`frame.astype(dtypes)` for its coded key columns: the text of each category taken by code."""
    out = {}
    for column, dtype in dtypes.items():
        categorical = frame[column].array
        texts = pd.array(np.asarray(categorical.categories, dtype=object), dtype=dtype)
        out[column] = pd.Series(texts.take(categorical.codes, allow_fill=True), index=frame.index)
    return frame.assign(**out)


def score_network(data: NetworkData, rubric: Rubric, params: YearParams | None, year: int,
                  communities: list[str] | None = None) -> NetworkScores:
    """Score every community (or the listed ones) of the network for `year`."""
    local = params.local_indicators if params else []
    if params:
        local = [*local, *[i for c in params.communities.values() for i in c.get("local_indicators", [])]]
    rubric = rubric.with_local_outcomes(local)
    if params:
        rubric = rubric.with_groups(params.all_groups(), params.all_groups("combined_groups"))
    members = data.communities[data.communities["joined_year"].fillna(0) <= year]
    ids = sorted(members["community_id"]) if communities is None else sorted(communities)
    rules, overrides = rules_table(ids, rubric, params)

    in_network = data.benchmarks["community_id"].isin(ids)
    ratings = data.benchmarks[(data.benchmarks["year"] == year) & in_network]
    previous = data.benchmarks[(data.benchmarks["year"] == year - 1) & in_network]
    credits = benchmark_credits(ratings, rubric, ids, rules, previous)
    matrix = pillar_matrix(credits)

    outcomes = data.outcomes[(data.outcomes["year"] <= year) & data.outcomes["community_id"].isin(ids)]
    min_cell = rules.set_index("community_id")["min_cell"]
    combined = {cid: {str(c["id"]): [str(m) for m in c["members"]] for c in params.combined_groups_for(cid)}
                for cid in ids} if params else {}
    outcomes = with_combined_groups(outcomes, combined, min_cell)  # before suppression: see scoring/combined.py
    indicators = indicator_table(rubric)
    dtypes = key_dtypes(outcomes, ids, rules, rubric)
    text_dtypes = {c: outcomes[c].dtype for c in dtypes}
    outcomes = coded(outcomes, dtypes)
    cells = suppress(outcomes, min_cell, rubric.partitions, rubric.partition_totals, rubric.combined,
                     per=indicators["unit"].map(lambda u: unit_of(u).per))
    families = rubric.group_families
    trends = outcome_trends(cells, coded(rules, dtypes), indicators, coded(target_table(params, ids), dtypes), families)
    gaps = disparity_gaps(cells, trends, indicators["unit"], {f.id: list(f.groups) for f in rubric.families.values()})
    summary = community_summary(trends, gaps, rules)
    reached = gateways_reached(credits, rubric, rules, summary.set_index("community_id")["proof_point"])

    names = members.set_index("community_id")
    hashes = slice_hashes(data, year)
    bench_rows = records_by_community(credits, BENCHMARK_FIELDS, ["gateway_order", "pillar", "benchmark_id"])
    outcome_rows = outcome_records(trends)
    gap_rows = records_by_community(gaps, DISPARITY_FIELDS, ["indicator_id", "group"])
    missing_ratings = credits[credits["missing_rating"]].groupby("community_id")["benchmark_id"].agg(sorted)
    pillars_by: dict[str, dict[str, dict[str, float | None]]] = {cid: {p: {} for p in rubric.pillar_ids} for cid in ids}
    for cid, pillar, gw, share in matrix[["community_id", "pillar", "gateway", "share"]].itertuples(index=False):
        pillars_by[cid][pillar][gw] = clean(share)
    reached_by = reached.set_index("community_id").to_dict("index")
    summary_by = summary.set_index("community_id").to_dict("index")
    scores: dict[str, dict[str, Any]] = {}
    for cid in ids:
        gateway = reached_by[cid]
        summ = summary_by[cid]
        scores[cid] = {
            "community_id": cid,
            "name": str(names.at[cid, "name"]),
            "state": str(names.at[cid, "state"]),
            "year": year,
            "framework": rubric.framework,
            "gateway": {"reached": clean(gateway["reached"]), "next": clean(gateway["next"]), "missing": list(gateway["missing"]),
                        "incomplete": bool(gateway["incomplete"])},
            "pillars": pillars_by[cid],
            "benchmarks": bench_rows.get(cid, []),
            "outcomes": outcome_rows.get(cid, []),
            "disparities": gap_rows.get(cid, []),
            "summary": {"indicators_improving_share": clean(summ["indicators_improving_share"]),
                        "gaps_closing_share": clean(summ["gaps_closing_share"]),
                        "proof_point": bool(summ["proof_point"]),
                        "proof_point_basis": basis_of(summ),
                        "gaps_closing_by_family": summ["gaps_closing_by_family"],
                        "not_rated": len(missing_ratings.get(cid, []))},
            "missing_ratings": list(missing_ratings.get(cid, [])),
            "overrides": overrides[cid],
            "provenance": {"kit_version": __version__, "rubric_sha256": rubric.sha256,
                           "data_sha256": hashes.get(cid, ""),
                           "params_sha256": params.params_sha256_for(cid) if params else ""},
        }
    public = as_texts(public_table(cells), text_dtypes)  # the ids as text again for notebooks and downloads
    proof_point_gateway = next((g["id"] for g in rubric.gateways if g.get("requires_proof_point")), None)
    rollup = network_rollup(scores, rubric.gateway_ids, rubric.pillar_ids, proof_point_gateway)
    return NetworkScores(year=year, rubric=rubric, scores=scores, public_outcomes=public, rollup=rollup,
                         slice_sha256=hashes)
