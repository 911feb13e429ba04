"""Every path of an assessment year in one place: `reports/<year>/...` and its sibling years.

The layout is part of the public interface (DESIGN.md "Layout"): the notebooks, the site builders, the
caches and `verify` all read and write the same files, so they ask one owner for their paths instead of
joining strings themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ci_lib.errors import KitError
from ci_lib.ids import check_community_id

YEAR_GLOB = "[0-9][0-9][0-9][0-9]"

NETWORK_WORK = "_network"  # the network notebook's page input: `_work/_network.json`


class NotAYearFolder(KitError, ValueError):
    """A folder given as a year's outputs is not named by a year (`reports/<year>`)."""


@dataclass(frozen=True)
class YearLayout:
    """The files of one year under a reports root (`reports/<year>/`)."""

    reports_root: Path
    year: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "reports_root", Path(self.reports_root))
        object.__setattr__(self, "year", int(self.year))

    @classmethod
    def of(cls, report_dir: str | Path) -> YearLayout:
        """The layout of an existing year folder (`reports/2025` → root `reports`, year 2025).

        A notebook is given its year folder relative to where it runs (`..` from `communities/`): such a
        path is resolved to find its year."""
        path = Path(report_dir)
        if not path.name.isdigit():
            path = path.resolve()
        if not path.name.isdigit():
            raise NotAYearFolder(f"{path}: not a year folder (expected reports/<year>)")
        return cls(path.parent, int(path.name))

    # the year's folders
    @property
    def report_dir(self) -> Path:
        return self.reports_root / str(self.year)

    @property
    def communities(self) -> Path:
        """Executed community notebooks (`communities/<id>.ipynb`)."""
        return self.report_dir / "communities"

    @property
    def failed(self) -> Path:
        """Failed notebooks kept with their error cell."""
        return self.report_dir / "failed"

    @property
    def scores(self) -> Path:
        return self.report_dir / "scores"

    @property
    def data(self) -> Path:
        """Public (suppressed) outcome slices, one CSV a community."""
        return self.report_dir / "data"

    @property
    def local(self) -> Path:
        """Executed local-section notebooks, merged into the community notebook afterwards."""
        return self.report_dir / "local"

    @property
    def work(self) -> Path:
        """Private working files: page inputs and the year's ledger (`execute.cache`)."""
        return self.report_dir / "_work"

    @property
    def site(self) -> Path:
        return self.report_dir / "_site"

    @property
    def quarto(self) -> Path:
        """The Quarto project written for `render --engine quarto`."""
        return self.report_dir / "_quarto"

    @property
    def downloads(self) -> Path:
        return self.report_dir / "downloads"

    # the year's files
    @property
    def manifest(self) -> Path:
        return self.report_dir / "manifest.json"

    @property
    def timings(self) -> Path:
        return self.report_dir / "timings.json"

    @property
    def network_notebook(self) -> Path:
        """The executed network roll-up notebook (the site's home page)."""
        return self.report_dir / "index.ipynb"

    @property
    def failed_network_notebook(self) -> Path:
        return self.failed / "network.ipynb"

    @property
    def network_input(self) -> Path:
        """The network notebook's page input."""
        return self.work / f"{NETWORK_WORK}.json"

    @property
    def scores_csv(self) -> Path:
        return self.downloads / "scores.csv"

    @property
    def network_outcomes_csv(self) -> Path:
        """Every published member's outcome rows in one file (`data/<id>-outcomes.csv` one after another)."""
        return self.downloads / "outcomes.csv"

    @property
    def gaps_csv(self) -> Path:
        return self.downloads / "gaps.csv"

    @property
    def workbook(self) -> Path:
        """The network's Excel workbook: a sheet per table and a README sheet."""
        return self.downloads / f"assessment-{self.year}.xlsx"

    @property
    def site_index(self) -> Path:
        return self.site / "index.html"

    def shard_manifest(self, index: int, total: int) -> Path:
        return self.report_dir / f"manifest.shard-{index}-of-{total}.json"

    def shard_timings(self, index: int, total: int) -> Path:
        return self.report_dir / f"timings.shard-{index}-of-{total}.json"

    # per community
    def notebook(self, community_id: str) -> Path:
        return self.communities / f"{check_community_id(community_id)}.ipynb"

    def failed_notebook(self, community_id: str) -> Path:
        return self.failed / f"{check_community_id(community_id)}.ipynb"

    def local_notebook(self, community_id: str) -> Path:
        return self.local / f"{check_community_id(community_id)}.ipynb"

    def failed_local_notebook(self, community_id: str) -> Path:
        return self.failed / f"{check_community_id(community_id)}.local.ipynb"

    def scores_file(self, community_id: str) -> Path:
        return self.scores / f"{check_community_id(community_id)}.json"

    def outcomes_csv(self, community_id: str) -> Path:
        return self.data / f"{check_community_id(community_id)}-outcomes.csv"

    def page_input(self, community_id: str) -> Path:
        """A community notebook's page input (`_work/<id>.json`)."""
        return self.work / f"{check_community_id(community_id)}.json"

    def work_file(self, name: str) -> Path:
        """Any file in `_work/` (the ledger and its lock)."""
        return self.work / name

    def page(self, community_id: str) -> Path:
        """The community's published page."""
        return self.site / "communities" / f"{check_community_id(community_id)}.html"

    # sibling years
    def sibling(self, year: int) -> YearLayout:
        return YearLayout(self.reports_root, year)

    @staticmethod
    def under(reports_root: str | Path) -> list[YearLayout]:
        """Every year folder under a reports root, oldest first."""
        root = Path(reports_root)
        return [YearLayout(root, int(p.name)) for p in sorted(root.glob(YEAR_GLOB)) if p.is_dir()]

    def years(self) -> list[YearLayout]:
        """Every year folder under the reports root, oldest first (this year's included when it exists)."""
        return self.under(self.reports_root)

    def earlier_years(self) -> list[YearLayout]:
        """Year folders before this one, oldest first (published or not)."""
        return [y for y in self.years() if y.year < self.year]

    def published(self) -> bool:
        """The year has a built site."""
        return self.site_index.exists()

    @property
    def archive(self) -> Path:
        """The reports root's index of published years (`reports/index.html`)."""
        return self.reports_root / "index.html"
