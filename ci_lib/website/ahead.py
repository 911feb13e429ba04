"""Page bodies exported while the notebooks still run, for the built-in render that follows in the same process.

`ci-assess assess` runs the year, then renders it. Exporting a page body (nbconvert) was most of the
render, done on one core after the last notebook. `PagesAhead.add` exports each notebook as soon as its
result arrives, while the workers execute the next ones; the render then only lays out the pages.

A body is used only for the exact bytes it was made from (keyed by the notebook's sha256), so a notebook
changed afterwards (a merged local section, a second run) is exported again by the render, as before.
The bodies wait in a temporary directory, not in memory: a thousand pages would hold a quarter of a GB.

What depends only on the scores and the inputs (the indicator pages with their distribution figures, the
network CSVs and the workbook: 2-3 s on one core at 70 members, after the last notebook) is built as soon
as the year is scored (`expect`), in a thread of this process, from the manifest the run will write if every
notebook succeeds. A core the notebooks leave idle (the slow `_network` notebook, the run's tail) then does
it. The render takes that work (`site`) only when its own content gives the same pages: the same published
scores and the same manifest but for the notebooks' entries (what the pages show of them is which members
are published, which the scores say); else it builds them itself, and a failure here is reported by the
render's own attempt.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ci_lib.atomic import write_text
from ci_lib.website.content import YearContent

# What the site built ahead derives from its content and the render may take over (`YearContent.derive` names)
TAKEN_OVER = ("indicators", "indicator_bodies")


class PagesAhead:
    """Bodies exported ahead of the render; `take` hands each out once. Use as a context manager."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="ci-assess-pages-"))
        self.bodies: dict[str, Path] = {}  # notebook sha256 -> body file
        self._exporter: Any = None
        self._expected: YearContent | None = None  # the content the run will publish if every notebook succeeds
        self._downloads: dict[str, Path] | None = None
        self._builder: threading.Thread | None = None

    def __enter__(self) -> PagesAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._wait()
        shutil.rmtree(self.folder, ignore_errors=True)
        if self._expected is not None:
            shutil.rmtree(self.downloads_folder(self._expected), ignore_errors=True)
        self.bodies.clear()

    # -- the score-only pages and files ------------------------------------------------------------------
    def expect(self, report_dir: Path, manifest: dict[str, Any], scores: dict[str, dict[str, Any]]) -> None:
        """Start building the site's score-only work for this content (`manifest`: as the run will write it if
        every notebook succeeds; `scores`: every member's published scores, as its scores JSON will hold them)."""
        try:
            from ci_lib.inputs.rubric import load_rubric

            self._expected = YearContent(Path(report_dir), manifest, scores, load_rubric(manifest["framework"]))
        except Exception:  # noqa: BLE001 - an optimisation: the render does the same work and reports errors
            return
        self._builder = threading.Thread(target=self._build, args=(self._expected,), name="ci-assess-site-ahead",
                                         daemon=True)
        self._builder.start()

    @staticmethod
    def downloads_folder(content: YearContent) -> Path:
        return content.report_dir / f".downloads-ahead-{os.getpid()}"  # beside downloads/: moved, not copied

    def _build(self, content: YearContent) -> None:
        try:
            from ci_lib.website import indicators
            from ci_lib.website.downloads import write_downloads

            indicators.bodies(content)
            self._downloads = write_downloads(content, into=self.downloads_folder(content))
        except Exception:  # noqa: BLE001 - as above: what failed here fails again, reported, in the render
            self._downloads = None

    def _wait(self) -> None:
        if self._builder is not None:
            self._builder.join()
            self._builder = None

    def site(self, content: YearContent) -> dict[str, Path] | None:
        """Once the run is done: hand `content` what was built ahead for the same pages (its derived indicator
        views and bodies) and return the downloads built ahead (None: none, or not for this content)."""
        self._wait()
        expected = self._expected
        if expected is None or self._downloads is None or not same_pages(expected, content):
            return None
        for name in TAKEN_OVER:
            if name in expected.derived:
                content.derived.setdefault(name, expected.derived[name])
        return self._downloads

    def add(self, result: Any) -> None:
        """Export the notebook of a finished run result (`TaskResult`); other results are left alone.

        A local section is merged into its page afterwards, so its own notebook is never a page. Any
        failure here only means the render exports that page itself, and reports what is wrong then.
        """
        if result.status != "ok" or not result.output or result.name.endswith(":local"):
            return
        try:
            data = Path(result.output).read_bytes()
            from ci_lib.website.builtin import export_body, exporter  # nbconvert: only once a notebook has run

            if self._exporter is None:
                self._exporter = exporter()
            key = hashlib.sha256(data).hexdigest()
            body = export_body(self._exporter, data)
            self.bodies[key] = write_text(self.folder / f"{key}.html", body)
        except Exception:  # noqa: BLE001 - an optimisation: the render does the same work and reports errors
            return

    def take(self, data: bytes) -> Markup | None:
        """The body exported from exactly these notebook bytes, if any (each is handed out once)."""
        path = self.bodies.pop(hashlib.sha256(data).hexdigest(), None)
        if path is None:
            return None
        body = path.read_text(encoding="utf-8")
        path.unlink()
        return Markup(body)


def same_pages(built: YearContent, content: YearContent) -> bool:
    """Whether the score-only pages and files of `built` are those of `content`: the same published members'
    scores and the same manifest but for its notebooks' entries (cache keys, errors). Compared as values (a
    NaN, were one published, would differ from itself: the render then builds them itself)."""
    def record(c: YearContent) -> dict[str, Any]:
        return {k: v for k, v in c.manifest.items() if k != "notebooks"}

    return built.scores == content.scores and record(built) == record(content) and built.report_dir == content.report_dir
