"""The analyst's explorer (`notebooks/explore.ipynb`): pick a community, an indicator, groups and years.

Everything here reads a year's *published* outputs only — `reports/<year>/scores/<id>.json` and
`reports/<year>/data/<id>-outcomes.csv` (suppressed values are blank there) — plus labels from the
prepared `_work/<id>.json` slices when they are present, else from the rubric. So nothing a reader of the
site could not see is ever shown, and the explorer works on any published year, even a downloaded one.
A year not run yet (`load_or_prepare_year`, as the notebook does) is read from its prepared slices, which
hold the same public values: prepared first, as `ci-assess run` prepares them, when there are none.

The widget callbacks in `build_widgets` only call the plain functions of `Explorer`, which tests call too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ci_lib import vocabulary as words
from ci_lib.errors import KitError
from ci_lib.execute.page_input import load_community_input, load_network_input
from ci_lib.layout import YearLayout
from ci_lib.pages import markup as html
from ci_lib.pages import plots

Years = tuple[int, int] | None


@dataclass
class Explorer:
    """One published year: every member's scores and published outcome values."""

    report_dir: Path
    year: int
    scores: dict[str, dict[str, Any]]
    outcomes: pd.DataFrame  # community_id, indicator_id, group, year, value (NaN = suppressed or missing)
    indicator_info: dict[str, dict[str, Any]]  # id -> name, polarity, unit, local (rubric order)
    group_labels: dict[str, str]  # id -> label (rubric order, `all` first)
    gateway_labels: dict[str, str] = field(default_factory=dict)

    # -- choices -------------------------------------------------------------------------------
    def communities(self) -> pd.DataFrame:
        """Members of the year, by name: community_id (index), name, state, gateway (reached, as a label)."""
        rows = [{"community_id": cid, "name": s["name"], "state": s.get("state", ""),
                 "gateway": words.gateway_label(s["gateway"]["reached"], self.gateway_labels)}
                for cid, s in self.scores.items()]
        frame = pd.DataFrame(rows, columns=["community_id", "name", "state", "gateway"])
        return frame.sort_values(["name", "community_id"]).set_index("community_id")

    def indicators(self, community_id: str) -> dict[str, str]:
        """Indicators with at least one published value for the community: id -> name, in rubric order."""
        part = self._community(community_id)
        present = set(part.loc[part["value"].notna(), "indicator_id"])
        return {i: self.indicator_name(i) for i in self._ordered_indicators() if i in present}

    def groups(self, community_id: str, indicator_id: str) -> dict[str, str]:
        """Groups with at least one published value: id -> label, `all` first, then in rubric order."""
        part = self._slice(community_id, indicator_id)
        present = {str(g) for g in part.loc[part["value"].notna(), "group"]}
        ordered = [g for g in self.group_labels if g in present] + sorted(present - set(self.group_labels))
        return {g: self.group_labels.get(g, g) for g in ordered}

    def years(self, community_id: str, indicator_id: str) -> list[int]:
        """Years with a published row for the indicator (any group), ascending."""
        return sorted(int(y) for y in self._slice(community_id, indicator_id)["year"].unique())

    def indicator_name(self, indicator_id: str) -> str:
        return str(self.indicator_info.get(indicator_id, {}).get("name", indicator_id))

    def default_community(self) -> str:
        ids = list(self.communities().index)
        if not ids:
            raise KitError(f"{self.report_dir}: no community scores published")
        return str(ids[0])

    # -- data ----------------------------------------------------------------------------------
    def series(self, community_id: str, indicator_id: str, groups: list[str] | tuple[str, ...] | None = None,
               years: Years = None) -> pd.DataFrame:
        """Published values, long: group, label, year, value (NaN where suppressed or missing), trend.

        `groups`: ids to keep (default: every group with a value); `years`: an inclusive (first, last) range.
        `trend` is the group's trend in the scores (over the whole published series, not the chosen years).
        """
        part = self._slice(community_id, indicator_id)
        if groups is not None:
            part = part[part["group"].isin(list(groups))]
        if years is not None:
            first, last = years
            part = part[(part["year"] >= first) & (part["year"] <= last)]
        order = {g: i for i, g in enumerate(self.group_labels)}
        trends = {o["group"]: o["trend"] for o in self.scores[community_id]["outcomes"]
                  if o["indicator_id"] == indicator_id}
        out = part.assign(label=part["group"].map(lambda g: self.group_labels.get(g, g)),
                          trend=part["group"].map(lambda g: trends.get(g, "insufficient_data")),
                          _order=part["group"].map(lambda g: order.get(g, len(order))))
        out = out.sort_values(["_order", "group", "year"])
        return out[["group", "label", "year", "value", "trend"]].reset_index(drop=True)

    def table(self, community_id: str, indicator_id: str, groups: list[str] | tuple[str, ...] | None = None,
              years: Years = None) -> pd.DataFrame:
        """The series as a table: one row per year, one column per group (labels), values in percent."""
        long = self.series(community_id, indicator_id, groups, years)
        if long.empty:
            return pd.DataFrame(index=pd.Index([], name="year"))
        wide = long.pivot(index="year", columns="label", values="value").sort_index()
        wide = wide[list(dict.fromkeys(long["label"]))]
        wide.columns.name = None
        return wide

    def marked_table(self, community_id: str, indicator_id: str, groups: list[str] | tuple[str, ...] | None = None,
                     years: Years = None) -> pd.DataFrame:
        """`table` with each blank cell's mark (`vocabulary.MARKS`): why it is blank, as the pages say it."""
        wide = self.table(community_id, indicator_id, groups, years).astype(object)
        part = self._slice(community_id, indicator_id)
        marks = {(self.group_labels.get(g, g), int(y)): words.CELL_MARKS.get(str(status))
                 for g, y, status in zip(part["group"], part["year"], part["status"], strict=True)}
        for label in wide.columns:
            for year in wide.index:
                if pd.isna(wide.at[year, label]):
                    wide.at[year, label] = marks.get((label, int(year))) or words.MISSING
        return wide

    def network_distribution(self, indicator_id: str, year: int, community_id: str | None = None,
                             group: str = "all") -> pd.DataFrame:
        """Every member's published value for one indicator, group and year, best first.

        Columns: community_id, name, value, rank (1 = best, polarity-aware; ties share the better rank),
        percentile (share of members with a published value that the member equals or beats, 0-100) and
        selected (the explored community). Members with no published value that year are left out.
        """
        rows = self.outcomes[(self.outcomes["indicator_id"] == indicator_id) & (self.outcomes["group"] == group)
                             & (self.outcomes["year"] == year) & self.outcomes["value"].notna()]
        rows = rows[rows["community_id"].isin(list(self.scores))]
        frame = pd.DataFrame({"community_id": rows["community_id"].astype(str).to_numpy(),
                              "value": rows["value"].astype(float).to_numpy()})
        frame["name"] = frame["community_id"].map(lambda c: self.scores[c]["name"])
        sign = -1.0 if self.indicator_info.get(indicator_id, {}).get("polarity") == "lower_is_better" else 1.0
        goodness = frame["value"] * sign
        frame["rank"] = goodness.rank(ascending=False, method="min").astype("Int64")
        frame["percentile"] = (goodness.rank(pct=True, method="max") * 100).round(0).astype("Int64")
        frame["selected"] = frame["community_id"] == community_id
        frame = frame.sort_values(["rank", "name"]).reset_index(drop=True)
        return frame[["community_id", "name", "value", "rank", "percentile", "selected"]]

    def standing(self, community_id: str, indicator_id: str, year: int, group: str = "all") -> dict[str, Any] | None:
        """The community's place in the network: value, rank, of (members ranked), percentile, median."""
        dist = self.network_distribution(indicator_id, year, community_id, group)
        chosen = dist[dist["selected"]]
        if chosen.empty:
            return None
        row = chosen.iloc[0]
        return {"community_id": community_id, "indicator_id": indicator_id, "group": group, "year": year,
                "value": float(row["value"]), "rank": int(row["rank"]), "of": len(dist),
                "percentile": int(row["percentile"]), "median": round(float(dist["value"].median()), 1)}

    def compare_year(self, community_id: str, indicator_id: str, groups: list[str] | tuple[str, ...] | None = None,
                     years: Years = None) -> int:
        """The year the network is compared in: the last chosen year with a published value."""
        series = self.series(community_id, indicator_id, groups, years)
        known = series.loc[series["value"].notna(), "year"]
        return int(known.max()) if len(known) else (years[1] if years else self.year)

    # -- views ---------------------------------------------------------------------------------
    def figure(self, community_id: str, indicator_id: str, groups: list[str] | tuple[str, ...] | None = None,
               years: Years = None, compare_year: int | None = None) -> plots.Figure:
        """Lines of the chosen groups, and the network's distribution in `compare_year` (default: the last
        chosen year with data) with the community marked."""
        series = self.series(community_id, indicator_id, groups, years)
        if compare_year is None:
            compare_year = self.compare_year(community_id, indicator_id, groups, years)
        dist = self.network_distribution(indicator_id, compare_year, community_id)
        info = self.indicator_info.get(indicator_id, {})
        name = f"{self.scores[community_id]['name']}: {self.indicator_name(indicator_id)}"
        if info.get("polarity") == "lower_is_better":
            name += " — lower is better"
        styles = plots.group_styles(list(self.group_labels))
        return plots.explore_chart(series, name, styles, self.group_labels, dist, compare_year,
                                   unit=str(info.get("unit") or "percent"))

    # -- internals -----------------------------------------------------------------------------
    def _community(self, community_id: str) -> pd.DataFrame:
        if community_id not in self.scores:
            raise KitError(f"{community_id}: not a community of {self.report_dir}")
        return self.outcomes[self.outcomes["community_id"] == community_id]

    def _slice(self, community_id: str, indicator_id: str) -> pd.DataFrame:
        part = self._community(community_id)
        return part[part["indicator_id"] == indicator_id]

    def _ordered_indicators(self) -> list[str]:
        known = list(self.indicator_info)
        return known + sorted(set(self.outcomes["indicator_id"]) - set(known))


def _year_folder(report_dir: Path, year: int | None) -> Path:
    """`report_dir` is a year's folder (reports/2025); the reports root with `year` is accepted too."""
    if year is not None and not (report_dir / "scores").is_dir() and (report_dir / str(year) / "scores").is_dir():
        return report_dir / str(year)
    return report_dir


def read_outcomes_csv(path: Path, community_id: str) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"indicator_id": str, "group": str}, keep_default_na=False, na_values=[""])
    missing = {"indicator_id", "group", "year", "value"} - set(frame.columns)
    if missing:
        raise KitError(f"{path}: not a published outcomes file (no {', '.join(sorted(missing))})")
    frame["year"] = frame["year"].astype(int)
    frame["value"] = frame["value"].astype(float)
    frame["community_id"] = community_id  # (files of older kits have no community_id column)
    frame["status"] = frame["status"].fillna("").astype(str) if "status" in frame else ""
    return frame[["community_id", "indicator_id", "group", "year", "value", "status"]]


def load_year(report_dir: str | Path, year: int | None = None) -> Explorer:
    """Read a published year (`reports/<year>`): scores JSON and outcomes CSV of every member."""
    folder = _year_folder(Path(report_dir), year)
    score_files = sorted((folder / "scores").glob("*.json"))
    if not score_files:
        raise KitError(f"{folder / 'scores'}: no published scores; run the year first "
                       "(ci-assess run --year YEAR) or point report_dir at a published year")
    scores: dict[str, dict[str, Any]] = {}
    for path in score_files:
        try:
            scores[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise KitError(f"{path}: not valid JSON ({exc})") from exc
    return _explorer(folder, scores, year)


def load_or_prepare_year(report_dir: str | Path, year: int) -> Explorer:
    """`load_year`; a year not run yet is read from its prepared slices (public, suppressed values only),
    prepared first as `ci-assess run` does (`ci_lib.pages.standalone`). `report_dir` "" is `reports/<year>`
    of the project."""
    if report_dir and any((_year_folder(Path(report_dir), year) / "scores").glob("*.json")):
        return load_year(report_dir, year)
    from ci_lib.pages.standalone import prepared_dir, year_dir

    folder = _year_folder(year_dir(report_dir, year), year)
    if any((folder / "scores").glob("*.json")):
        return load_year(folder, year)
    folder = prepared_dir(folder, year, lambda layout: layout.network_input)
    layout = YearLayout.of(folder)
    network = load_network_input(layout.network_input)
    scores = {}
    for member in network["members"]:
        cid = member["community_id"]
        scores[cid] = load_community_input(layout.page_input(cid), year)["scores"]
    return _explorer(folder, scores, year)


def _explorer(folder: Path, scores: dict[str, dict[str, Any]], year: int | None) -> Explorer:
    years = {int(s["year"]) for s in scores.values()}
    if len(years) != 1 or (year is not None and years != {int(year)}):
        raise KitError(f"{folder}: scores are for {', '.join(map(str, sorted(years)))}, not {year}")
    frames = []
    for cid in scores:
        path = folder / "data" / f"{cid}-outcomes.csv"
        if path.exists():
            frames.append(read_outcomes_csv(path, cid))
    columns = ["community_id", "indicator_id", "group", "year", "value", "status"]
    outcomes = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    frameworks = {s["framework"] for s in scores.values()}
    info, groups, gateways = labels_for(folder, sorted(frameworks)[0], list(scores))
    return Explorer(folder, years.pop(), scores, outcomes, info, groups, gateways)


def labels_for(folder: Path, framework: str, community_ids: list[str]) -> tuple[dict[str, dict[str, Any]],
                                                                                 dict[str, str], dict[str, str]]:
    """Indicator names and group/gateway labels: from the prepared slices when present, else the rubric."""
    info: dict[str, dict[str, Any]] = {}
    groups: dict[str, str] = {}
    gateways: dict[str, str] = {}
    layout = YearLayout.of(folder) if folder.name.isdigit() else None  # a published copy has no page inputs
    paths = [layout.page_input(cid) for cid in community_ids] if layout else []
    for path in paths:
        if layout is None or not path.exists():
            continue
        work = load_community_input(path, layout.year)
        for item in work["indicators"]:
            info.setdefault(item["id"], dict(item))
        groups.update({k: v for k, v in work["labels"].get("groups", {}).items() if k not in groups})
        gateways.update(work["labels"].get("gateways", {}))
    if not groups:
        from ci_lib.inputs.rubric import load_rubric

        rubric = load_rubric(framework)
        info = {o.id: {"id": o.id, "name": o.name, "polarity": o.polarity, "unit": o.unit, "local": o.local}
                for o in rubric.outcomes}
        groups = {g.id: g.label for g in rubric.groups}
        gateways = words.gateway_labels(rubric.gateways)
    groups = {"all": groups.get("all", "All students"), **{k: v for k, v in groups.items() if k != "all"}}
    return info, groups, gateways


# -- widgets -------------------------------------------------------------------------------------
def html_output(markup: str) -> tuple[dict[str, Any], ...]:
    """An Output widget's content: one HTML display (set directly, so it works with or without a kernel)."""
    return ({"output_type": "display_data", "data": {"text/html": str(markup), "text/plain": "(HTML)"},
             "metadata": {}},)


@dataclass
class ExplorerWidgets:
    """The controls and outputs of the explorer; displaying it shows the whole layout."""

    explorer: Explorer
    community: Any
    indicator: Any
    groups: Any
    years: Any
    chart: Any
    table: Any
    network: Any
    box: Any
    state: dict[str, Any] = field(default_factory=dict)
    busy: bool = False

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.box._repr_mimebundle_(**kwargs)

    # each callback only calls Explorer's plain functions, then re-renders the outputs
    def on_community(self, _change: Any = None) -> None:
        cid = self.community.value
        with self.holding():
            choices = self.explorer.indicators(cid)
            keep = self.indicator.value if self.indicator.value in choices else next(iter(choices), None)
            self.indicator.options = [(name, i) for i, name in choices.items()]
            self.indicator.value = keep
            self.reset_groups_and_years()
        self.refresh()

    def on_indicator(self, _change: Any = None) -> None:
        with self.holding():
            self.reset_groups_and_years()
        self.refresh()

    def on_selection(self, _change: Any = None) -> None:
        self.refresh()

    def reset_groups_and_years(self) -> None:
        cid, indicator = self.community.value, self.indicator.value
        if indicator is None:
            self.groups.options, self.groups.value = [], ()
            return
        choices = self.explorer.groups(cid, indicator)
        kept = tuple(g for g in self.groups.value if g in choices) or tuple(g for g in ("all",) if g in choices)
        self.groups.options = [(label, g) for g, label in choices.items()]
        self.groups.value = kept
        years = self.explorer.years(cid, indicator) or [self.explorer.year]
        low, high = min(years), max(years)
        # widen before narrowing so the slider never holds min > max
        self.years.min, self.years.max = min(low, self.years.min), max(high, self.years.max)
        self.years.value = (low, high)
        self.years.min, self.years.max = low, high

    def holding(self) -> _Hold:
        return _Hold(self)

    def refresh(self) -> None:
        if self.busy:
            return
        cid, indicator = self.community.value, self.indicator.value
        if indicator is None:
            message = html_output("<p>No published outcome values for this community.</p>")
            self.chart.outputs = self.table.outputs = self.network.outputs = message
            self.state = {"community_id": cid, "indicator_id": None}
            return
        groups, years = list(self.groups.value) or None, tuple(self.years.value)
        table = self.explorer.table(cid, indicator, groups, years)
        compare = self.explorer.compare_year(cid, indicator, groups, years)
        figure = self.explorer.figure(cid, indicator, groups, years, compare)
        dist = self.explorer.network_distribution(indicator, compare, cid)
        standing = self.explorer.standing(cid, indicator, compare)
        self.state = {"community_id": cid, "indicator_id": indicator, "groups": groups, "years": years,
                      "table": table, "figure": figure, "distribution": dist, "standing": standing,
                      "compare_year": compare}
        name = self.explorer.indicator_name(indicator)
        self.chart.outputs = html_output(html.figure(figure, f"explore-{cid}-{indicator}"))
        marked = self.explorer.marked_table(cid, indicator, groups, years)
        self.table.outputs = html_output(html.table_with_legend(marked, f"{name}: published values (%)"))
        where = ("has no published all-students value" if standing is None else
                 f"ranks {standing['rank']} of {standing['of']} (percentile {standing['percentile']}; "
                 f"network median {standing['median']:.1f}%)")
        view = dist.set_index("name")[["value", "rank", "percentile"]]
        view.index.name = "member"
        caption = f"{name}, all students, {compare}: {self.explorer.scores[cid]['name']} {where}"
        self.network.outputs = html_output(html.table(view, caption, classes="data network-distribution"))


class _Hold:
    """Changing several controls at once re-renders once, at the end."""

    def __init__(self, widgets: ExplorerWidgets):
        self.widgets = widgets

    def __enter__(self) -> None:
        self.previous = self.widgets.busy
        self.widgets.busy = True

    def __exit__(self, *exc: object) -> None:
        self.widgets.busy = self.previous


def build_widgets(explorer: Explorer, community_id: str | None = None) -> ExplorerWidgets:
    """Dropdowns for community and indicator, a multi-select of groups, a year range, and three outputs."""
    import ipywidgets as w

    members = explorer.communities()
    start = community_id or explorer.default_community()
    if start not in members.index:
        raise KitError(f"{start}: not a community of {explorer.report_dir}")
    community = w.Dropdown(options=[(f"{row['name']} ({row['state']})", cid) for cid, row in members.iterrows()],
                           value=start, description="Community")
    indicator = w.Dropdown(options=[], description="Indicator")
    groups = w.SelectMultiple(options=[], rows=8, description="Groups")
    years = w.IntRangeSlider(value=(explorer.year, explorer.year), min=explorer.year - 30, max=explorer.year,
                             step=1, description="Years")
    chart, table, network = w.Output(), w.Output(), w.Output()
    controls = w.HBox([w.VBox([community, indicator, years]), groups])
    box = w.VBox([controls, chart, w.HBox([table, network])])
    ui = ExplorerWidgets(explorer, community, indicator, groups, years, chart, table, network, box)
    ui.on_community()
    community.observe(lambda change: ui.on_community(change), names="value")
    indicator.observe(lambda change: None if ui.busy else ui.on_indicator(change), names="value")
    groups.observe(lambda change: None if ui.busy else ui.on_selection(change), names="value")
    years.observe(lambda change: None if ui.busy else ui.on_selection(change), names="value")
    return ui
