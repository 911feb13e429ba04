"""`ci-assess review`: where the network's reviewed ratings differ from the partnerships' self-ratings.

`benchmarks.csv` keeps both: `status` (the reviewed rating, the one that scores) and `self_status` (the
partnership's own). Staff read the summary per community: how many benchmarks were self-rated and reviewed,
which ratings the review changed, with the reviewer's note, and the gateway the self-ratings alone would give
beside the one that counts.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd

from ci_lib.cycle.year import year_params_and_data
from ci_lib.inputs.contract import STATUSES
from ci_lib.inputs.load import NetworkData, load_year
from ci_lib.inputs.rubric import Rubric
from ci_lib.scoring import score_network

RANK = {status: i for i, status in enumerate(STATUSES)}  # not_started < in_progress < met

# The JSON of `ci-assess review --json` (fields are only ever added):
REVIEW_SCHEMA = """\
{ "year", "framework", "data",
  "totals": {"communities", "rated", "self_rated", "reviewed", "differ", "communities_differing"},
  "communities": [{"community_id", "name", "rated", "self_rated", "reviewed", "differ", "reviewed_lower",
                   "reviewed_higher", "gateway": {"reviewed", "self_rated"},
                   "differences": [{"benchmark_id", "gateway", "pillar", "title", "self_status", "status",
                                    "reviewer", "review_note"}]}] }"""


def text(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(value).strip()


def self_rated_network(data: NetworkData) -> NetworkData:
    """The network as the partnerships rated themselves: `self_status` in place of `status` where given."""
    bench = data.benchmarks.copy()
    mine = bench["self_status"].astype("string").fillna("").str.strip()
    bench["status"] = bench["status"].where(mine == "", mine)
    return dataclasses.replace(data, benchmarks=bench)


def differences(rows: pd.DataFrame, rubric: Rubric) -> list[dict[str, Any]]:
    """A community's ratings whose self-rating differs from the reviewed one, in the rubric's order."""
    by_id = {b.id: b for b in rubric.benchmarks}
    order = {b.id: i for i, b in enumerate(rubric.benchmarks)}
    out = []
    for row in sorted(rows.itertuples(index=False), key=lambda r: order.get(r.benchmark_id, len(order))):
        mine, reviewed = text(row.self_status), text(row.status)
        if mine and mine != reviewed:
            b = by_id.get(row.benchmark_id)
            out.append({"benchmark_id": row.benchmark_id, "gateway": b.gateway if b else None,
                        "pillar": b.pillar if b else None, "title": b.title if b else "", "self_status": mine,
                        "status": reviewed, "reviewer": text(row.reviewer), "review_note": text(row.review_note)})
    return out


def review_summary(year: int, params_root: str | Path = "params", data: str | None = None) -> dict[str, Any]:
    """Per member of `year`: self-rated, reviewed and differing ratings, the differences, and both gateways."""
    params, data_dir = year_params_and_data(year, params_root, data)
    rubric = params.rubric()
    network = load_year(data_dir, params, rubric)
    reviewed = score_network(network, rubric, params, year).scores
    self_rated = score_network(self_rated_network(network), rubric, params, year).scores
    ratings = network.benchmarks[network.benchmarks["year"] == year]
    by_community = {cid: rows for cid, rows in ratings.groupby("community_id", sort=False)}
    communities = []
    for cid, scores in reviewed.items():
        rows = by_community.get(cid, ratings.iloc[0:0])
        found = differences(rows, rubric)
        mine = rows["self_status"].astype("string").fillna("").str.strip()
        communities.append({
            "community_id": cid, "name": scores["name"], "rated": len(rows), "self_rated": int((mine != "").sum()),
            "reviewed": int((rows["reviewer"].astype("string").fillna("").str.strip() != "").sum()),
            "differ": len(found),
            "reviewed_lower": sum(RANK[d["status"]] < RANK[d["self_status"]] for d in found),
            "reviewed_higher": sum(RANK[d["status"]] > RANK[d["self_status"]] for d in found),
            "gateway": {"reviewed": scores["gateway"]["reached"], "self_rated": self_rated[cid]["gateway"]["reached"]},
            "differences": found,
        })
    totals = {key: sum(c[key] for c in communities) for key in ("rated", "self_rated", "reviewed", "differ")}
    return {"year": year, "framework": rubric.framework, "data": str(data_dir),
            "totals": {"communities": len(communities), **totals,
                       "communities_differing": sum(1 for c in communities if c["differ"])},
            "communities": communities}


def record_review(year: int, community_id: str, benchmark_id: str, status: str, reviewer: str, note: str = "",
                  params_root: str | Path = "params", data: str | None = None) -> tuple[str, str]:
    """Staff's reviewed rating of one benchmark: `status` (the rating that scores), `reviewer` and `review_note`
    written into the year's row of `benchmarks.csv`, the partnership's `self_status` kept. A row with no
    self-rating yet gets one from its current `status` (what the partnership said, before the review changed
    it). Only that row's text changes (the file's other rows keep their bytes); returns (before, after).
    """
    from ci_lib.atomic import write_if_changed
    from ci_lib.cycle.collect import year_text
    from ci_lib.cycle.records import CsvRecords
    from ci_lib.errors import KitError

    params, data_dir = year_params_and_data(year, params_root, data)
    rubric = params.rubric()
    if status not in STATUSES:
        raise KitError(f"--set {community_id} {benchmark_id} {status}: the status must be one of {', '.join(STATUSES)}")
    if benchmark_id not in {b.id for b in rubric.benchmarks}:
        raise KitError(f"--set {community_id} {benchmark_id}: not a benchmark of framework {rubric.framework}")
    if not reviewer.strip():
        raise KitError("--reviewer: say who reviewed the rating (it is what makes the rating a reviewed one)")
    path = Path(data_dir) / "benchmarks.csv"
    if not path.exists():
        raise KitError(f"{path}: no benchmarks.csv (a review records into the CSV table; collect the forms first)")
    table = CsvRecords.read(path)
    for column in ("reviewer", "self_status", "review_note"):
        table.add_column(column)
    record = next((r for r in table.records if (table.value(r, "community_id"), year_text(table.value(r, "year")),
                                                table.value(r, "benchmark_id")) == (community_id, str(year), benchmark_id)),
                  None)
    if record is None:
        raise KitError(f"{path}: no {year} rating of {benchmark_id} for {community_id} to review (collect its form first)")
    before = table.value(record, "status")
    cells = list(record.cells)
    if not table.value(record, "self_status"):
        cells[table.index("self_status")] = before
    cells[table.index("status")], cells[table.index("reviewer")] = status, reviewer.strip()
    cells[table.index("review_note")] = note.strip()
    table.replace(record, cells)
    write_if_changed(path, table.text().encode("utf-8"))
    return before, status
