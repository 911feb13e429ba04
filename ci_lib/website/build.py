"""`ci-assess render`: build `reports/<year>/_site` into a temporary directory, then swap it in.

A failed build (Quarto error, full disk) leaves the previous site exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_lib import __version__
from ci_lib.atomic import write_text
from ci_lib.errors import KitError
from ci_lib.layout import YearLayout
from ci_lib.website.content import YearContent
from ci_lib.website.indicators import page_keys as indicator_page_keys
from ci_lib.website.listing import page_keys as listing_page_keys
from ci_lib.website.quarto import quarto_available, render_quarto, write_project

if TYPE_CHECKING:
    from ci_lib.website.ahead import PagesAhead


def choose_engine(engine: str) -> str:
    if engine == "auto":
        return "quarto" if quarto_available() else "builtin"
    if engine == "quarto" and not quarto_available():
        raise KitError("--engine quarto: the `quarto` executable is not on PATH (install Quarto, or use --engine builtin)")
    if engine not in {"quarto", "builtin"}:
        raise KitError(f"unknown engine {engine!r}: use auto, quarto or builtin")
    return engine


def swap_in(build: Path, site: Path) -> None:
    old = site.with_name(f".site-old-{os.getpid()}")
    if site.exists():
        site.rename(old)
    build.rename(site)
    shutil.rmtree(old, ignore_errors=True)


BUILD_FILE = ".build.json"
SITE_CODE = (Path(__file__).parent, Path(__file__).resolve().parents[1] / "escape.py",  # how page text is escaped
             Path(__file__).resolve().parents[2] / "_quarto.yml")


def chrome_key(content: YearContent, engine: str) -> str:
    """What every page depends on: engine, kit version, templates, assets, the year's title and rubric."""
    digest = hashlib.sha256(f"{engine}|{__version__}|{content.title}|{content.manifest.get('run_date')}|"
                            f"{content.rubric.sha256}|{content.manifest['data_sha256']}|{content.years}".encode())
    for root in SITE_CODE:
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file() and path.suffix in {".py", ".j2", ".css", ".scss", ".js", ".yml", ".html"}:
                digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def page_keys(content: YearContent, engine: str) -> dict[str, str]:
    """A key per page: the chrome key plus the cache key of the notebook(s) the page shows.

    Indicator pages depend on what they show of the members' published scores (`ci_lib.website.indicators`).
    The listing pages depend on what they show (`ci_lib.website.listing.page_keys`). Methods and Downloads
    depend on every notebook's entry, local sections included, and on its status as well as its key: a notebook
    that failed, then ran with the same inputs, changes them only by its status.
    """
    chrome = chrome_key(content, engine)
    notebooks = content.manifest["notebooks"]

    def key(*parts: str) -> str:
        return hashlib.sha256("|".join((chrome, *parts)).encode()).hexdigest()

    every = ",".join(f"{name}:{entry.get('cache_key', '')}:{entry.get('status', '')}"
                     for name, entry in sorted(notebooks.items()))
    keys = {"index.html": key(notebooks.get("_network", {}).get("cache_key", "")),
            "methods.html": key(every), "downloads.html": key(every)}
    keys.update(listing_page_keys(content, key))  # what the listing shows, hashed: names, states, gateways, notices
    keys.update({f"communities/{cid}.html": key(notebooks[cid]["cache_key"],
                                                 notebooks.get(f"{cid}:local", {}).get("cache_key", ""),
                                                 notebooks.get(f"{cid}:local", {}).get("status", ""))
                 for cid in content.scores})
    keys.update(indicator_page_keys(content, key))  # what they show, hashed: any member's scores, nothing else
    return keys


def previous_keys(site: Path) -> dict[str, str]:
    try:
        return dict(json.loads((site / BUILD_FILE).read_text()))
    except (OSError, ValueError):
        return {}


def render(report_dir: str | Path, engine: str = "auto", force: bool = False,
           ahead: PagesAhead | None = None) -> dict[str, Any]:
    """Build the site; pages whose notebooks and templates are unchanged are carried over, not rebuilt.

    `ahead`: page bodies the built-in renderer may take instead of exporting them, and the indicator pages and
    downloads built while the notebooks ran, taken when built from the same content (see `PagesAhead`).
    """
    report_dir = Path(report_dir)
    started = time.perf_counter()
    content = YearContent.load(report_dir)
    built = ahead.site(content) if ahead is not None else None  # (its indicator views and bodies taken over)
    chosen = choose_engine(engine)
    layout = YearLayout.of(report_dir)
    site = layout.site
    keys = page_keys(content, chosen)
    old = {} if force else previous_keys(site)
    info: dict[str, Any] = {"engine": chosen, "site": str(site), "communities": len(content.scores),
                            "failed": content.failed()}
    if old == keys and layout.site_index.exists():
        info.update(seconds=round(time.perf_counter() - started, 3), pages=len(keys), rendered=0)
        return info
    from ci_lib.website.builtin import render_builtin, write_archive  # nbconvert and Jinja: only when a page is built
    from ci_lib.website.downloads import downloads_exist, move_downloads, write_downloads  # pandas: likewise

    if force or old.get("downloads.html") != keys["downloads.html"] or not downloads_exist(layout):
        # (the Downloads page's key covers every notebook: their inputs are unchanged)
        move_downloads(built, layout) if built is not None else write_downloads(content)
    write_project(content)
    build = report_dir / f".site-build-{os.getpid()}"
    shutil.rmtree(build, ignore_errors=True)
    stale: set[str] | None = None
    # Quarto: only when the same pages exist and some are unchanged (a full render starts from an empty folder)
    partial = chosen == "builtin" or (set(old) == set(keys) and any(old[p] == k for p, k in keys.items()))
    if old and partial and site.is_dir():
        shutil.copytree(site, build)
        stale = {page for page, key in keys.items() if old.get(page) != key}
    else:
        build.mkdir(parents=True)
    try:
        if chosen == "quarto":
            info.update(render_quarto(content, build, stale))
        else:
            info.update(render_builtin(content, build, stale, ahead))
        write_text(build / BUILD_FILE, json.dumps(keys, indent=0, sort_keys=True))
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    swap_in(build, site)
    write_archive(layout.reports_root)
    info.update(seconds=round(time.perf_counter() - started, 3))
    return info


def refresh_other_years(report_dir: str | Path) -> list[int]:
    """Re-render the other years' built-in sites so their year switchers list every published year."""
    layout = YearLayout.of(report_dir)
    refreshed = []
    for other in layout.years():
        if other.year == layout.year or not (other.site / BUILD_FILE).exists() or not other.manifest.exists():
            continue
        if render(other.report_dir, "builtin").get("rendered", 0):
            refreshed.append(other.year)
    return refreshed
