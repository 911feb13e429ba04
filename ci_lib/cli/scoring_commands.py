"""`score`: a year's scores without notebooks (the fast path, and JSON for scripting)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ci_lib.errors import KitError

# An item separator no output of json holds (it escapes every control character): it marks, for `indented_json`,
# where json's C encoder put a boundary between items, so the indentation can be added with str.replace.
MARK = ",\x00"
MEMBERS = "},\x00{"  # the boundary between two dicts of a list: a dict's next item is a key, never a '{'
MEMBERS_AT = "\x01"


def flat(value: Any) -> bool:
    """A value json writes alike with and without indent: a scalar or an empty container."""
    return not isinstance(value, dict | list | tuple) or not value


def flat_dict(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(map(flat, value.values()))


def indented_json(value: Any) -> str:
    """`json.dumps(value, indent=1, ensure_ascii=False)`, byte for byte, at the speed of json's C encoder.

    With `indent`, json encodes in Python (14 M small pieces for 1,000 members); without it, in C. A container
    of scalars (or a list of such dicts: the outcome, gap and benchmark rows) is encoded in one C call with
    `MARK` between its items and indented by replacing the marks; only the few containers above them are
    walked here. tests/unit/cli/test_indented_json.py checks it against json on arbitrary values.
    """
    parts: list[str] = []
    write_indented(value, 0, parts)
    return "".join(parts)


def key_text(key: Any) -> str:
    if isinstance(key, str):
        return json.encoder.encode_basestring(key)  # type: ignore[attr-defined]
    return json.dumps({key: None}, ensure_ascii=False)[1:-len(": null}")]  # int, float, bool, None: as json does


def write_indented(value: Any, depth: int, parts: list[str]) -> None:
    inner, outer = "\n" + " " * (depth + 1), "\n" + " " * depth
    if flat(value):
        parts.append(json.dumps(value, ensure_ascii=False))
        return
    is_dict = isinstance(value, dict)
    items = list(value.values()) if is_dict else list(value)
    rows = not is_dict and all(map(flat_dict, items))
    if rows or all(map(flat, items)):
        text = json.dumps(value if is_dict else items, ensure_ascii=False, separators=(MARK, ": "))
        if not rows:
            parts += [text[0], inner, text[1:-1].replace(MARK, "," + inner), outer, text[-1]]
            return
        innermost = inner + " "
        body = text[2:-2].replace(MEMBERS, MEMBERS_AT).replace(MARK, "," + innermost)
        parts += ["[", inner, "{", innermost, body.replace(MEMBERS_AT, inner + "}," + inner + "{" + innermost),
                  inner, "}", outer, "]"]
        return
    parts.append("{" if is_dict else "[")
    keys = list(value) if is_dict else [None] * len(items)
    for position, (key, item) in enumerate(zip(keys, items, strict=True)):
        parts.append(("," if position else "") + inner)
        if is_dict:
            parts.append(key_text(key) + ": ")
        write_indented(item, depth + 1, parts)
    parts += [outer, "}" if is_dict else "]"]


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
        sys.stdout.write(indented_json(payload) + "\n")  # one write: 90 MB at 1,000 members
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
