"""`score`: a year's scores without notebooks (the fast path, and JSON for scripting)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ci_lib.errors import KitError


def add_score_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("data_dir")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--community")
    p.add_argument("--json", dest="as_json", action="store_true", help="print the scores JSON")
    p.add_argument("--params", default="params")


def score(data_dir: str, year: int, community: str | None = None, as_json: bool = False,
          params: str = "params") -> int:
    """A table of every member's gateway and summary, or (`as_json`) the scores JSON of one or all."""
    from ci_lib.inputs.load import load_network
    from ci_lib.inputs.parameters import load_params
    from ci_lib.inputs.rubric import load_rubric
    from ci_lib.scoring import score_network

    year_params = load_params(year, params) if (Path(params) / str(year) / "network.yml").exists() else None
    rubric = year_params.rubric() if year_params else load_rubric("toa-2019")
    data = load_network(data_dir, rubric, year_params.local_indicator_units() if year_params else (),
                        year_params.estimate_indicator_ids() if year_params else ())
    only = [community] if community else None
    if community and community not in set(data.communities["community_id"]):
        raise KitError(f"--community {community}: not in {data_dir}/communities.csv")
    scores = score_network(data, rubric, year_params, year, only)
    if as_json:
        payload: Any = scores.scores[community] if community else list(scores.scores.values())
        json.dump(payload, sys.stdout, indent=1, ensure_ascii=False)
        print()
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Scores {year} ({rubric.framework})")
    for col in ("community", "gateway", "next", "missing", "core improving", "gaps closing", "proof point"):
        table.add_column(col)
    incomplete = 0
    for s in scores.scores.values():
        summ, gateway = s["summary"], s["gateway"]
        incomplete += bool(gateway.get("incomplete"))
        table.add_row(s["community_id"], rubric.gateway_label(gateway["reached"]) + (" *" if gateway.get("incomplete") else ""),
                      rubric.gateway_label(gateway["next"]) if gateway["next"] else "–", str(len(gateway["missing"])),
                      "–" if summ["indicators_improving_share"] is None else f"{summ['indicators_improving_share']:.0%}",
                      "–" if summ["gaps_closing_share"] is None else f"{summ['gaps_closing_share']:.0%}",
                      "yes" if summ["proof_point"] else "no")
    if incomplete:
        table.caption = f"* assessment incomplete: {incomplete} member(s) have benchmarks not rated (see `validate`)"
    Console().print(table)
    return 0
