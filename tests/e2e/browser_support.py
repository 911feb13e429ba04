"""What the layout and print browser tests share: Debian chromium through Playwright, a site over local HTTP.

The same approach as tests/e2e/test_browser.py (which keeps its own fixtures): Playwright never downloads a
browser, it launches /usr/bin/chromium; the server serves the whole `reports/` folder (the archive and the
year links work as published) from 127.0.0.1 on an ephemeral port, and nothing else may be requested.
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

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]


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
    """A page in a fresh browser context, recording every console error and failed or foreign request."""

    page: Any
    base: str
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.set_default_timeout(10_000)
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught exception: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url} ({r.failure})"))
        self.page.on("response", lambda r: self.errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        self.page.on("request", lambda r: None if r.url.startswith((self.base, "data:"))
                     else self.errors.append(f"external request: {r.url}"))

    def open(self, url: str) -> Any:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, f"{url}: {response and response.status}"
        return self.page


@contextmanager
def tab_at(browser: Any, base: str, width: int, height: int = 800) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        yield Tab(context.new_page(), base)
    finally:
        context.close()


def most_gaps(scores: dict[str, dict[str, Any]]) -> str:
    """The community with the longest profile: most published gaps, then most indicators (the print worst case)."""
    def size(cid: str) -> tuple[int, int, str]:
        s = scores[cid]
        return (sum(not d.get("suppressed") for d in s["disparities"]), len({o["indicator_id"] for o in s["outcomes"]}), cid)
    return max(scores, key=size)
