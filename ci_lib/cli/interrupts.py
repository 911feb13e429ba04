"""How a run ends on Ctrl-C or SIGTERM: its workers are stopped, it says so in one line, and exits 128 + signal."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any


class Terminated(KeyboardInterrupt):
    """SIGTERM (a scheduler or `kill` ending the run): handled as Ctrl-C is, and exits 128 + 15."""

    signum = signal.SIGTERM


class Interrupted(Exception):
    """A run ended by Ctrl-C or SIGTERM after `finished` notebooks: one line, exit 128 + the signal."""

    def __init__(self, finished: int, signum: int):
        verb = "terminated" if signum == signal.SIGTERM else "interrupted"
        super().__init__(f"{verb}; {finished} notebooks finished, rerun to resume")
        self.exit_code = 128 + signum


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While a run executes, SIGTERM unwinds it as Ctrl-C does: its workers are stopped and it says so."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, frame: Any) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
