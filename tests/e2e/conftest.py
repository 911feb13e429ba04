"""The browser tests' fixtures (helpers in tests/e2e/browser_support.py).

Only tests that name them get them: the other e2e tests use none of these names, and nothing here imports
Playwright until a fixture runs (each browser module skips itself first when chromium or Playwright is absent).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.browser_support import Served, Tab, launch_chromium, serve_reports, tab_at


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def site(demo_site) -> Iterator[Served]:
    """The 70-member demo year over HTTP, plus what the tests compare it with (scores JSON, manifest)."""
    with serve_reports(demo_site.report_dir) as served:
        yield served


@pytest.fixture()
def tab(browser, site) -> Iterator[Tab]:
    """A desktop-width tab (1280 x 900) on the site."""
    with tab_at(browser, site, 1280, 900) as tab:
        yield tab
