"""Params scaffolding for analysts: `new-community`, `params` and `new-year` never overwrite an edited file."""

from __future__ import annotations

from pathlib import Path

from ci_lib.atomic import write_text
from ci_lib.errors import KitError
from ci_lib.ids import check_community_id
from ci_lib.inputs.parameters import load_params

TEMPLATE = """\
# Params for {cid}, assessment year {year}. Every rule set here overrides the network's and the
# rubric's defaults, and is listed on the community's page and on the Methods page.
community_id: {cid}

# rules:
#   reference_groups:             # each comparison family's reference (the rubric's: white, not_low_income, ...)
#     race_ethnicity: white       # or `highest` (the best group at the baseline) or `all`
#   min_cell: 20                  # suppress values from fewer students (raise the network's, never lower it)
#   baseline: fallback            # or strict: no later year stands in for a baseline year without data
#   carry_forward_unrated: false  # true: a benchmark without a rating this year takes last year's
#   trend:
#     method: baseline            # baseline | prior | consecutive
#     min_change_pp: 1.0          # smaller changes are "flat"
#     periods: 3                  # moves in a row, for `consecutive`
# baseline_year: 2018             # default: the earliest year with data

# local_indicators:               # indicators of your own, also listed in outcomes.csv
#   - id: chronic_absence
#     name: Chronic absence
#     polarity: lower_is_better   # or higher_is_better
#     unit: percent
#     stage: k12

# targets:                       # this community's own targets (replace the network's for that indicator)
#   hs_graduation: {{value: 90, year: 2028}}

# narrative: |
#   A short paragraph shown on the community page (Markdown; no raw HTML).
# narratives:                     # the story behind each curve, shown under its chart
#   hs_graduation: Graduation rose where ninth-grade success teams started.

# extra_notebook: notebooks/local/{cid}.ipynb   # a local section executed after the standard notebook
"""


def community_template(cid: str, year: int) -> str:
    """A community's params file with nothing set: every setting shown as a commented example."""
    return TEMPLATE.format(cid=cid, year=year)


def new_community(cid: str, year: int, params_root: str | Path = "params", force: bool = False) -> Path:
    try:
        check_community_id(cid)
    except ValueError as exc:
        raise KitError(str(exc)) from exc
    folder = Path(params_root) / str(year)
    if not (folder / "network.yml").exists():
        raise KitError(f"{folder / 'network.yml'}: no params for {year}; create the year first with "
                       f"`ci-assess new-year {year}` (from the latest year of {params_root})")
    path = folder / f"{cid}.yml"
    if path.exists() and not force:
        raise KitError(f"{path}: already exists (an analyst may have edited it); not overwritten")
    write_text(path, community_template(cid, year))
    load_params(year, params_root)  # the new file must validate with the rest of the year
    return path


def missing_params(community_ids: list[str], year: int, params_root: str | Path = "params") -> list[Path]:
    """Create params for every community that has none yet; existing files are left untouched."""
    folder = Path(params_root) / str(year)
    created = []
    for cid in sorted(community_ids):
        if not (folder / f"{cid}.yml").exists():
            created.append(new_community(cid, year, params_root))
    return created
