"""`ci-assess audit-site`: prove a built site is safe to publish.

Fails on: an image without alt text; markup from data that reached a page unescaped (inline scripts,
event-handler attributes, javascript: URLs, raw user strings containing `<`); broken internal links;
and any suppressed value present in pages (community pages' data tables, the indicator pages' rows),
downloads or notebooks. Without counts it can only fail a single blank group beside a shown total; with the
private inputs (`--data`) suppression is recomputed from the counts, and every partition-year whose known
total minus its shown groups isolates 1 to min_cell - 1 students fails (`scoring.suppression.exposures`), so
the blanks are checked for completeness too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd
from bs4 import BeautifulSoup

from ci_lib import vocabulary
from ci_lib.inputs.parameters import YearParams
from ci_lib.inputs.rubric import Rubric, load_rubric
from ci_lib.scoring.rules import rules_table
from ci_lib.scoring.suppression import (
    KEY,
    combined_exposures,
    derivable_withheld,
    exposures,
    partition_layout,
    withheld_by_source,
)

ALLOWED_SCRIPT = re.compile(r"(\.\./)*assets/[a-z-]+\.js$")
EVENT_ATTR = re.compile(r"^on[a-z]+$")


@dataclass
class Audit:
    site: Path
    findings: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    def fail(self, where: Path | str, message: str) -> None:
        self.findings.append(f"{where}: {message}")

    def count(self, key: str, n: int = 1) -> None:
        self.checked[key] = self.checked.get(key, 0) + n


def audit_site(site: str | Path, data: str | Path | None = None, year: int | None = None,
               params_root: str | Path = "params") -> Audit:
    site = Path(site)
    audit = Audit(site)
    pages = sorted(site.rglob("*.html"))
    scores = {p.stem: json.loads(p.read_text()) for p in sorted((site / "scores").glob("*.json"))}
    for page in pages:
        check_page(audit, page, scores)
    published = published_outcomes(site)
    check_derivable(audit, published, scores)
    downloads = downloaded_outcomes(audit, site)
    for name, frame in downloads.items():
        check_derivable(audit, frame, scores, name)
        check_as_published(audit, name, frame, published)
    check_gap_downloads(audit, site, scores)
    check_blanks_everywhere(audit, site, published, scores)
    check_indicator_pages(audit, site, published)
    check_listing_index(audit, site, scores)
    if data is not None:
        check_against_private_inputs(audit, published, data, year, params_root, downloads)
    notebooks = site.parent / "communities"
    if notebooks.is_dir():
        check_notebooks(audit, notebooks, published)
    return audit


def check_listing_index(audit: Audit, site: Path, scores: dict[str, dict]) -> None:
    """`communities-index.json` (the listing's search index) holds, per published member, only what its scores
    file publishes (name, state, gateway reached), and each row leads to the member's page."""
    path = site / "communities-index.json"
    if not path.exists():
        return
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
        fields = {name: i for i, name in enumerate(index["fields"])}
        rows = {str(row[fields["id"]]): row for row in index["members"]}
    except (ValueError, KeyError, TypeError, IndexError) as e:
        audit.fail(path, f"not a listing index ({e.__class__.__name__}: {e})")
        return
    if set(fields) != {"id", "name", "state", "gateway"}:
        audit.fail(path, f"unexpected fields {sorted(fields)} (the index holds id, name, state and gateway only)")
        return
    for cid in sorted(set(rows) ^ set(scores)):
        audit.fail(path, f"{cid}: {'listed but not published' if cid in rows else 'published but not listed'}")
    for cid, row in rows.items():
        s = scores.get(cid)
        if s is None:
            continue
        audit.count("index rows")
        shown = (row[fields["name"]], row[fields["state"]], row[fields["gateway"]])
        if shown != (s["name"], s["state"], s["gateway"]["reached"] or "none"):
            audit.fail(path, f"{cid}: {shown} differs from scores/{cid}.json")
        if not (site / str(index.get("href", "")).replace("{id}", cid)).exists():
            audit.fail(path, f"{cid}: its link {index.get('href')!r} leads to no page")


def check_page(audit: Audit, page: Path, scores: dict[str, dict]) -> None:
    text = page.read_text(encoding="utf-8")
    soup = BeautifulSoup(text, "html.parser")
    audit.count("pages")
    for img in soup.find_all("img"):
        audit.count("images")
        if not str(img.get("alt") or "").strip():
            audit.fail(page, f"image without alt text: {str(img)[:80]}")
    for script in soup.find_all("script"):
        src = script.get("src")
        if not src or not ALLOWED_SCRIPT.search(str(src)):
            audit.fail(page, f"unexpected script: {str(script)[:80]}")
    for tag in soup.find_all(True):
        for attr, value in tag.attrs.items():
            if EVENT_ATTR.match(attr):
                audit.fail(page, f"event-handler attribute {attr} on <{tag.name}>")
            if attr in {"href", "src"} and isinstance(value, str) and value.strip().lower().startswith("javascript:"):
                audit.fail(page, f"javascript: URL in {attr}")
    for tag in soup.find_all(["a", "link", "img", "script"]):
        target = tag.get("href") or tag.get("src")
        if target:
            check_link(audit, page, str(target))
    cid = page.stem if page.parent.name == "communities" else None
    if cid and cid in scores:
        s = scores[cid]
        strings = [s["name"], *[b.get(key) or "" for b in s["benchmarks"] for key in ("evidence", "review_note")]]
        for value in strings:
            if any(ch in value for ch in "<>") and value in text:
                audit.fail(page, f"user text reached the page unescaped: {value[:60]!r}")


def check_link(audit: Audit, page: Path, target: str) -> None:
    parsed = urlparse(target)
    if parsed.scheme or target.startswith(("#", "//", "mailto:", "data:")):
        return
    path = (page.parent / unquote(parsed.path)).resolve()
    if not path.is_relative_to(audit.site.resolve()):
        audit.count("links to other years")  # the archive's cross-year links leave this year's site
        return
    audit.count("internal links")
    if parsed.path and not path.exists():
        audit.fail(page, f"broken internal link: {target}")


def published_outcomes(site: Path) -> pd.DataFrame:
    frames = []
    for path in sorted((site / "data").glob("*-outcomes.csv")):
        frame = pd.read_csv(path, dtype={"indicator_id": str, "group": str})
        frame["community_id"] = path.name.removesuffix("-outcomes.csv")
        frames.append(frame)
    columns = ["community_id", "indicator_id", "group", "year", "value"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def check_derivable(audit: Audit, published: pd.DataFrame, scores: dict[str, dict], source: str | None = None) -> None:
    """Without counts: a single blank member beside a shown total is its total minus the shown members.

    Two or more blanks beside a shown total are safe only if the students behind them number at least
    `min_cell`, which the published files cannot tell (they hold no counts): such partition-years are
    counted here and checked against the private counts with `--data` (`check_against_private_inputs`).
    `source`: the network download the rows come from (None: the communities' own files).
    """
    frameworks = {s["framework"] for s in scores.values()} or {"toa-2019"}
    for framework in frameworks:
        rubric = load_rubric(framework)
        for name, (total, groups) in partition_layout(rubric.partitions, partition_totals(rubric)).items():
            totals = published[(published["group"] == total) & published["value"].notna()]
            part = published[published["group"].isin(groups)].merge(totals[KEY], on=KEY)
            if part.empty:
                continue
            blanks = part[part["value"].isna()].groupby(KEY)["group"].agg(list)
            several = blanks.map(len) > 1
            audit.count("partition years checked", int(part[KEY].drop_duplicates().shape[0]))
            audit.count("partition years with several blanks left to the private counts",
                        int(several.sum()))
            for (cid, indicator, year), groups_blank in blanks[~several].items():
                audit.fail(source or f"data/{cid}-outcomes.csv", f"{name} group {groups_blank[0]} in {indicator} {year} is "
                           f"derivable from the total ({total}) and the other groups")


def partition_totals(rubric: Rubric) -> dict[str, str] | None:
    """Each partition's total group (rubrics before families add every partition up to `all`)."""
    return getattr(rubric, "partition_totals", None)


def check_blanks_everywhere(audit: Audit, site: Path, published: pd.DataFrame, scores: dict[str, dict]) -> None:
    """A blank (suppressed) cell must stay blank in the scores JSON and in the page's data tables."""
    blanks = published[published["value"].isna()]
    for cid, cells in blanks.groupby("community_id"):
        s = scores.get(str(cid))
        if s is None:
            continue
        for row in s["outcomes"]:
            for which in ("baseline", "latest"):
                year = row[f"{which}_year"]
                hit = cells[(cells["indicator_id"] == row["indicator_id"]) & (cells["group"] == row["group"])
                            & (cells["year"] == year)]
                audit.count("suppressed cells checked in JSON")
                if len(hit) and row[which] is not None:
                    audit.fail(site / "scores" / f"{cid}.json", f"{row['indicator_id']}/{row['group']}/{year} is "
                               f"suppressed in the CSV but shown as {row[which]}")
        page = site / "communities" / f"{cid}.html"
        if page.exists():
            check_page_tables(audit, page, cells, s)


def check_indicator_pages(audit: Audit, site: Path, published: pd.DataFrame) -> None:
    """The network's indicator pages show each member's latest all-students value: never one blank in its CSV."""
    alls = published[(published["group"] == "all") & published["value"].isna()]
    blank = set(zip(alls["community_id"], alls["indicator_id"], alls["year"].astype(int).astype(str), strict=True))
    for page in sorted((site / "indicators").glob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for table in soup.select("table.indicator-members[data-indicator]"):
            indicator = str(table["data-indicator"])
            for row in table.select("tbody tr[data-community]"):
                audit.count("indicator page rows checked")
                value, year = row.select_one("td.value"), row.select_one("td.year")
                if value is None or year is None:
                    audit.fail(page, f"indicator row without a value or year cell: {str(row)[:80]}")
                    continue
                shown_year = year.get_text(strip=True).rsplit("-", 1)[-1]  # 2019-2023: a period ending in 2023
                if (str(row["data-community"]), indicator, shown_year) in blank and (
                        re.search(r"\d", value.get_text()) or str(value.get("data-sort-value") or "")):
                    audit.fail(page, f"suppressed {indicator}/all/{shown_year} of {row['data-community']} shown as "
                               f"{value.get_text(strip=True)}")


def check_page_tables(audit: Audit, page: Path, blanks: pd.DataFrame, scores: dict) -> None:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for figure in soup.select("figure.chart[id^=outcome-]"):
        indicator = str(figure["id"]).removeprefix("outcome-")
        table = figure.select_one("details.data-table table")
        if table is None:
            audit.fail(page, f"chart {indicator} has no data table")
            continue
        headers = [th.get_text(strip=True) for th in table.select("thead th")]
        rows = {th.get_text(strip=True): [td.get_text(strip=True) for td in tr.select("td")]
                for tr in table.select("tbody tr") if (th := tr.select_one("th")) is not None}
        for _, cell in blanks[blanks["indicator_id"] == indicator].iterrows():
            audit.count("suppressed cells checked in pages")
            label = group_label(scores, cell["group"])
            if label in headers and str(int(cell["year"])) in rows:
                value = rows[str(int(cell["year"]))][headers.index(label) - 1]
                if value not in {"", *vocabulary.MARKS.values()}:  # a blank, or the mark saying why
                    audit.fail(page, f"suppressed {indicator}/{cell['group']}/{int(cell['year'])} shown as {value}")


def group_label(scores: dict, group: str) -> str:
    return load_rubric(scores["framework"]).group_label(group)


def check_notebooks(audit: Audit, folder: Path, published: pd.DataFrame) -> None:
    """Executed notebooks hold no counts or private rows: their data comes from the published slice only."""
    for path in sorted(folder.glob("*.ipynb")):
        audit.count("notebooks")
        text = path.read_text(encoding="utf-8")
        if '"numerator"' in text or '"denominator"' in text or "student_id" in text:
            audit.fail(path, "notebook holds counts or student-level fields")


def check_against_private_inputs(audit: Audit, published: pd.DataFrame, data: str | Path, year: int | None,
                                 params_root: str | Path, downloads: dict[str, pd.DataFrame] | None = None) -> None:
    """Recompute from the private counts: every cell that must be suppressed is blank, and no total minus
    its shown groups (directly, or through a total itself derived) isolates 1 to min_cell - 1 students;
    in the communities' files and in each network download (`downloads`, by file)."""
    from ci_lib.inputs.load import load_year
    from ci_lib.inputs.parameters import load_params
    from ci_lib.scoring import score_network

    if year is None:
        raise ValueError("--data needs --year")
    params = load_params(year, params_root)
    rubric = params.rubric()
    network = load_year(data, params, rubric)
    truth = score_network(network, rubric, params, year).public_outcomes
    secret = truth[truth["suppressed"]]
    audit.count("private suppressed cells checked", len(secret))
    sources: dict[str | None, pd.DataFrame] = {None: published}
    sources.update(downloads or {})
    for source, frame in sources.items():
        merged = secret.merge(frame, on=["community_id", "indicator_id", "group", "year"], how="inner",
                              suffixes=("_truth", ""))
        for row in merged[merged["value"].notna()].itertuples(index=False):
            audit.fail(source or f"data/{row.community_id}-outcomes.csv", f"{row.indicator_id}/{row.group}/"
                       f"{row.year} must be suppressed but is published as {row.value}")
        check_remainders(audit, frame, network.outcomes, rubric, params, source)


def check_remainders(audit: Audit, published: pd.DataFrame, private: pd.DataFrame, rubric: Rubric,
                     params: YearParams | None, source: str | None = None) -> None:
    """Fail for every partition-year whose known total minus its shown groups holds 0 < n < min_cell students."""
    ids = sorted(published["community_id"].unique())
    private = private[private["community_id"].isin(ids) & private["year"].isin(published["year"].unique())]
    cells = private.merge(published, on=[*KEY, "group"], how="left", suffixes=("", "_published"))
    min_cell = rules_table(ids, rubric, params)[0].set_index("community_id")["min_cell"]
    found = exposures(cells, cells["value_published"].notna(), min_cell, rubric.partitions, partition_totals(rubric))
    audit.count("partition years checked against the private counts", found.attrs["checked"])
    for row in found.itertuples(index=False):
        audit.fail(source or f"data/{row.community_id}-outcomes.csv", f"{row.indicator_id} {row.year} {row.partition}: the "
                   f"total minus the shown groups gives the result of {row.students} student(s) in {row.groups} "
                   f"(fewer than {int(min_cell[row.community_id])})")
    combined = combined_exposures(cells, cells["value_published"].notna(), min_cell, rubric.partitions,
                                  partition_totals(rubric))
    for row in combined.itertuples(index=False):
        audit.fail(source or f"data/{row.community_id}-outcomes.csv", f"{row.indicator_id} {row.year} {row.crossing}: "
                   f"adding and subtracting the shown groups gives the result of {row.students} student(s) in "
                   f"{row.groups} (fewer than {int(min_cell[row.community_id])})")
    withheld = derivable_withheld(cells, cells["value_published"].notna(), rubric.partitions, partition_totals(rubric))
    audit.count("cells withheld by the source checked", int(withheld_by_source(cells).sum()))
    for row in withheld.itertuples(index=False):
        audit.fail(source or f"data/{row.community_id}-outcomes.csv", f"{row.indicator_id} {row.year} {row.group}: withheld by "
                   "the source, but the published cells of its partition give it (the total minus the others)")


# -- the network downloads (ci_lib.website.downloads) ----------------------------------------------------
OUTCOME_KEY = ["community_id", "indicator_id", "group", "year"]


def downloaded_outcomes(audit: Audit, site: Path) -> dict[str, pd.DataFrame]:
    """The outcome rows of the network downloads, by file: `downloads/outcomes.csv` and the workbook's
    outcomes sheets (community_id, indicator_id, group, year, value)."""
    found: dict[str, pd.DataFrame] = {}
    network = site / "downloads" / "outcomes.csv"
    if network.is_file():
        frame = pd.read_csv(network, dtype={"community_id": str, "indicator_id": str, "group": str},
                            keep_default_na=False, na_values=[""])
        found["downloads/outcomes.csv"] = frame[[*OUTCOME_KEY, "value"]]
    for book in sorted((site / "downloads").glob("assessment-*.xlsx")):
        frame = workbook_table(audit, book, "outcomes")
        if frame is not None:
            found[f"downloads/{book.name}"] = frame[[*OUTCOME_KEY, "value"]]
    return found


def workbook_table(audit: Audit, path: Path, title: str) -> pd.DataFrame | None:
    """A table of the workbook (its sheet `title`, continued on "<title> 2", ...), or None with a finding."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is a finding, not a crash
        audit.fail(path, f"not a readable workbook ({exc})")
        return None
    try:
        names = [n for n in book.sheetnames if n == title or re.fullmatch(rf"{re.escape(title)} \d+", n)]
        if not names:
            audit.fail(path, f"no {title} sheet")
            return None
        rows: list[tuple] = []
        header: tuple = ()
        for name in names:
            sheet_rows = book[name].iter_rows(values_only=True)
            header = next(sheet_rows, ())
            rows += [r for r in sheet_rows if any(v is not None for v in r)]
    finally:
        book.close()
    audit.count("workbook rows checked", len(rows))
    width = len(header)  # (a row's blank last cells are not stored)
    frame = pd.DataFrame([(*r[:width], *[None] * (width - len(r))) for r in rows], columns=[str(h) for h in header])
    if "year" in frame:
        frame["year"] = pd.to_numeric(frame["year"], errors="coerce").astype("Int64")
    if "value" in frame:
        frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    return frame


def check_as_published(audit: Audit, source: str, frame: pd.DataFrame, published: pd.DataFrame) -> None:
    """A network download holds the communities' published rows: a value blank in a community's file is
    blank here too, and every value is the one its community's file publishes."""
    merged = frame.merge(published, on=OUTCOME_KEY, how="left", suffixes=("", "_published"), indicator=True)
    audit.count(f"rows of {source} checked against the communities' files", len(merged))
    for row in merged[merged["_merge"] == "left_only"].head(20).itertuples(index=False):
        audit.fail(source, f"{row.community_id} {row.indicator_id}/{row.group}/{row.year}: a row no community "
                   "file publishes")
    both = merged[merged["_merge"] == "both"]
    shown = both[both["value"].notna() & both["value_published"].isna()]
    for row in shown.itertuples(index=False):
        audit.fail(source, f"{row.community_id} {row.indicator_id}/{row.group}/{row.year} is suppressed in "
                   f"data/{row.community_id}-outcomes.csv but shown as {row.value}")
    differ = both[both["value"].notna() & both["value_published"].notna()
                  & ((both["value"] - both["value_published"]).abs() > 1e-9)]
    for row in differ.head(20).itertuples(index=False):
        audit.fail(source, f"{row.community_id} {row.indicator_id}/{row.group}/{row.year}: {row.value}, but "
                   f"{row.value_published} in data/{row.community_id}-outcomes.csv")


GAP_VALUES = ("gap_baseline_pp", "gap_latest_pp", "gap_change_pp")


def check_gap_downloads(audit: Audit, site: Path, scores: dict[str, dict]) -> None:
    """The gaps in `downloads/gaps.csv` and the workbook are the scores' own: a number the scores leave blank
    (suppressed) is blank there too."""
    truth = {(cid, d["indicator_id"], d["group"]): d for cid, s in scores.items() for d in s.get("disparities", [])}
    sources: dict[str, pd.DataFrame] = {}
    gaps = site / "downloads" / "gaps.csv"
    if gaps.is_file():
        sources["downloads/gaps.csv"] = pd.read_csv(gaps, dtype={"community_id": str, "indicator_id": str,
                                                                 "group": str}, keep_default_na=False, na_values=[""])
    for book in sorted((site / "downloads").glob("assessment-*.xlsx")):
        frame = workbook_table(audit, book, "gaps")
        if frame is not None:
            sources[f"downloads/{book.name}"] = frame
    for source, frame in sources.items():
        audit.count(f"gaps of {source} checked", len(frame))
        for row in frame.to_dict("records"):
            d = truth.get((str(row["community_id"]), str(row["indicator_id"]), str(row["group"])))
            values = {c: None if pd.isna(row.get(c)) else float(row[c]) for c in GAP_VALUES}
            where = f"{row['community_id']} {row['indicator_id']}/{row['group']}"
            if d is None:
                audit.fail(source, f"{where}: a gap the scores do not publish")
                continue
            for column, value in values.items():
                if value is not None and d.get(column) is None:
                    audit.fail(source, f"{where}: {column} is blank (suppressed) in the scores but shown as {value}")
                elif (value is None) != (d.get(column) is None) or (value is not None
                                                                     and abs(value - float(d[column])) > 1e-9):
                    audit.fail(source, f"{where}: {column} differs from scores/{row['community_id']}.json")
