"""`ci-assess`: a thin command-line layer over the library. User errors exit 2 without a traceback.

The commands and their options are in `registry` (in pipeline order), their work in the `*_commands` modules;
this module builds the parser and maps every error to one line and an exit code.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from ci_lib import __version__
from ci_lib.cli.interrupts import Interrupted
from ci_lib.cli.registry import BY_NAME, COMMANDS
from ci_lib.errors import InvalidInput, KitError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ci-assess", description="Civic Infrastructure Assessment Kit")
    parser.add_argument("--version", action="version", version=f"ci-assess {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_arguments(sub.add_parser(command.name, help=command.help))
    return parser


def main(argv: list[str] | None = None) -> int:
    """The `ci-assess` command; `argv=None` means this process's own command line (the console script)."""
    try:
        return run_command(argv)
    finally:
        if argv is None and threading.current_thread() is threading.main_thread():
            # The command is over; what is left is the interpreter waiting for released pool workers to stop
            # their kernels (well under a second). A Ctrl-C then would only print a traceback from that wait.
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_command(argv: list[str] | None) -> int:
    """Parse `argv` and run its command: bad input, kit errors, a full disk and interrupts end in one line."""
    args = build_parser().parse_args(argv)
    try:
        return BY_NAME[args.command].run(args)
    except InvalidInput as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s); nothing was written.", file=sys.stderr)
        return 2
    except KitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Interrupted as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        reason = "the disk is full" if exc.errno == 28 else exc.strerror or str(exc)
        print(f"error: {where}{reason}. Files already written are complete (writes are atomic); "
              "re-run to resume.", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print("interrupted; completed notebooks are kept and the next run resumes", file=sys.stderr)
        return 128 + getattr(exc, "signum", signal.SIGINT)
