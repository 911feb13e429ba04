"""What every browser test shares: Debian chromium through Playwright, a year's site over local HTTP, a recording tab.

Playwright never downloads a browser here: it launches /usr/bin/chromium. The server serves the whole `reports/`
folder (the archive and the year links work as published) from 127.0.0.1 on an ephemeral port, and nothing else may
be requested. Full-page screenshots land in test-artifacts/screenshots/ (an artifact, not an assertion).
Accessibility is checked with axe-core from node_modules (`npm install` at the repository root). The pytest fixtures
built on these helpers (`browser`, `site`, `tab`) are in tests/e2e/conftest.py.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest

from tests.paths import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"


def require_browser() -> Any:
    """Skip the calling test module unless Debian's chromium and Playwright are both here; return playwright.sync_api.

    Called at a browser module's top level, so the module is skipped as a whole (as `pytest.skip` there would)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: the browser tests drive Debian's chromium (apt-get install chromium)",
                    allow_module_level=True)
    return pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """Debian's chromium, headless, with nothing that would phone home."""
    playwright_sync = require_browser()
    with playwright_sync.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class Served:
    """A year's site served with its `reports/` folder: `year_base` is the year's site root, `base` the archive's."""

    base: str
    year_base: str
    report_dir: Path
    scores: dict[str, dict[str, Any]]
    manifest: dict[str, Any]

    @property
    def year(self) -> Any:
        return self.manifest["year"]


@contextmanager
def serve_reports(report_dir: Path) -> Iterator[Served]:
    reports = report_dir.parent
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(reports)))
    thread = threading.Thread(target=server.serve_forever, name="reports-server", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    scores = {p.stem: json.loads(p.read_text()) for p in sorted((report_dir / "scores").glob("*.json"))}
    try:
        yield Served(base, f"{base}{report_dir.name}/_site/", report_dir, scores,
                     json.loads((report_dir / "manifest.json").read_text()))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Tab:
    """A page in a fresh browser context, recording every console error and failed or foreign request.

    Anything under `base` (the server's root) may be requested; `open` takes a full URL or a path under `root`
    (the year's site root)."""

    page: Any
    base: str
    root: str
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.set_default_timeout(10_000)
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text} ({m.location})")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught exception: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url} ({r.failure})"))
        self.page.on("response", lambda r: self.errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        self.page.on("request", lambda r: None if r.url.startswith((self.base, "data:"))
                     else self.errors.append(f"external request: {r.url}"))

    def open(self, path_or_url: str) -> Any:
        url = urljoin(self.root, path_or_url)
        response = self.page.goto(url)
        assert response is not None and response.status == 200, f"{path_or_url}: {response and response.status}"
        return self.page

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@contextmanager
def tab_at(browser: Any, site: Served, width: int, height: int = 800) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        yield Tab(context.new_page(), site.base, site.year_base)
    finally:
        context.close()


def fetch_file(page: Any, href: str, content_types: dict[str, str]) -> bytes:
    """A link's file fetched through the page: status 200, not empty, and the content type its suffix calls for."""
    response = page.request.get(href)
    assert response.status == 200, href
    body = response.body()
    assert body, f"{href}: empty body"
    suffix = Path(href.split("?")[0]).suffix
    if suffix in content_types:
        assert response.headers["content-type"].startswith(content_types[suffix]), (href, response.headers)
    return body


def require_axe() -> None:
    if not AXE.exists():
        pytest.skip(f"{AXE.relative_to(REPO_ROOT)} missing: run `npm install` (or `npm ci`) at the repository root")


def serious_axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
            for v in result["violations"] if v["impact"] in {"serious", "critical"}]


def most_gaps(scores: dict[str, dict[str, Any]]) -> str:
    """The community with the longest profile: most published gaps, then most indicators (the print worst case)."""
    def size(cid: str) -> tuple[int, int, str]:
        s = scores[cid]
        return (sum(not d.get("suppressed") for d in s["disparities"]), len({o["indicator_id"] for o in s["outcomes"]}), cid)
    return max(scores, key=size)
