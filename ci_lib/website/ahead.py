"""Page bodies exported while the notebooks still run, for the built-in render that follows in the same process.

`ci-assess assess` runs the year, then renders it. Exporting a page body (nbconvert) was most of the
render, done on one core after the last notebook. `PagesAhead.add` exports each notebook as soon as its
result arrives, while the workers execute the next ones; the render then only lays out the pages.

A body is used only for the exact bytes it was made from (keyed by the notebook's sha256), so a notebook
changed afterwards (a merged local section, a second run) is exported again by the render, as before.
The bodies wait in a temporary directory, not in memory: a thousand pages would hold a quarter of a GB.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ci_lib.atomic import write_text


class PagesAhead:
    """Bodies exported ahead of the render; `take` hands each out once. Use as a context manager."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="ci-assess-pages-"))
        self.bodies: dict[str, Path] = {}  # notebook sha256 -> body file
        self._exporter: Any = None

    def __enter__(self) -> PagesAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        self.bodies.clear()

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

