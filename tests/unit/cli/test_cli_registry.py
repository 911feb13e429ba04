"""The `ci-assess` registry: every command is listed with help in pipeline order, and the function behind it takes
typed arguments (the CLI converts the argparse Namespace; the library never sees one)."""

from __future__ import annotations

import argparse
import inspect
import re
import subprocess
import sys

import pytest

from ci_lib.cli import build_parser, main
from ci_lib.cli.registry import COMMANDS
from tests.conftest import REPO

# The commands of the single-module CLI before the registry (DESIGN.md's CLI section names most); none may go missing.
OLD_COMMANDS = {"validate", "score", "run", "render", "assess", "demo", "new-community", "params", "import",
                "merge", "audit-site", "doctor", "verify", "publish", "lab", "check-notebooks", "docs"}
CYCLE_COMMANDS = {"new-year", "forms", "collect", "review", "status"}  # #22: the yearly cycle

# One sample command line per command: what the registry must turn into a call of its function.
SAMPLE_ARGV = {
    "validate": ["validate", "data/demo", "--year", "2025", "--strict"],
    "import": ["import", "cia", "table.csv", "--community", "a", "--indicator", "b", "--out", "o.csv"],
    "params": ["params", "--year", "2025"],
    "new-community": ["new-community", "alder-bay", "--year", "2025"],
    "score": ["score", "data/demo", "--year", "2025", "--json"],
    "run": ["run", "--year", "2025", "--only", "a", "b", "--shard", "0/2", "--cold"],
    "render": ["render", "--year", "2025"],
    "assess": ["assess", "--year", "2025", "--engine", "builtin"],
    "merge": ["merge", "--year", "2025"],
    "audit-site": ["audit-site", "reports/2025/_site"],
    "publish": ["publish", "--year", "2025"],
    "verify": ["verify", "reports/2025", "--keep"],
    "demo": ["demo", "--generate-only"],
    "doctor": ["doctor"],
    "lab": ["lab", "--", "--no-browser"],
    "check-notebooks": ["check-notebooks"],
    "docs": ["docs", "--check"],
    "forms": ["forms", "--year", "2026", "--out", "forms/2026", "--community", "a", "--community", "b"],
    "collect": ["collect", "returned", "--year", "2026", "--data", "data/demo"],
    "new-year": ["new-year", "2026", "--from", "2025", "--data", "data/demo"],
    "review": ["review", "--year", "2025", "--json"],
    "status": ["status", "--year", "2025", "--json"],
}


def test_the_old_command_set_is_all_there_in_pipeline_order():
    names = [command.name for command in COMMANDS]
    assert OLD_COMMANDS <= set(names) and set(names) - OLD_COMMANDS <= CYCLE_COMMANDS and len(names) == len(set(names))
    order = names.index
    assert order("validate") < order("score") < order("run") < order("render") < order("audit-site") < order("publish")


def test_help_lists_every_command_with_its_help_in_registry_order():
    out = subprocess.run([sys.executable, "-m", "ci_lib.cli", "--help"], capture_output=True, text=True, check=True,
                         cwd=REPO).stdout
    listed = re.findall(r"^    ([a-z][a-z-]+) ", out, re.M)
    assert listed == [command.name for command in COMMANDS]
    for command in COMMANDS:
        assert command.help.strip()
        assert command.help.split()[0] in out


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_the_function_behind_a_command_takes_typed_arguments_not_a_namespace(command):
    signature = inspect.signature(command.function)
    for parameter in signature.parameters.values():
        annotation = str(parameter.annotation)
        assert parameter.annotation is not inspect.Parameter.empty, f"{command.name}: {parameter.name} untyped"
        assert "Namespace" not in annotation and annotation not in {"Any", "typing.Any"}, (command.name, parameter)
        assert parameter.annotation is not argparse.Namespace


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_parsed_options_bind_to_the_function_and_no_option_is_dropped(command):
    args = build_parser().parse_args(SAMPLE_ARGV[command.name])
    assert args.command == command.name
    keywords = command.keyword_arguments(args)
    inspect.signature(command.function).bind(**keywords)  # every required parameter given, none unknown
    assert not any(isinstance(value, argparse.Namespace) for value in keywords.values())
    if command.convert is None:  # converted by name: every option the parser produced reaches the function
        assert set(vars(args)) - {"command"} <= set(keywords)


def test_run_options_arrive_as_one_frozen_value():
    from ci_lib.pipeline import AssessOptions

    run = next(c for c in COMMANDS if c.name == "run")
    keywords = run.keyword_arguments(build_parser().parse_args(SAMPLE_ARGV["run"]))
    assert keywords["options"] == AssessOptions(year=2025, only=("a", "b"), shard=(0, 2), timeout=600, warm=False)
    with pytest.raises(AttributeError):
        keywords["options"].year = 2024  # type: ignore[misc]


def test_the_library_modules_have_no_namespace_command_left():
    """The old `command(args)` entry points of the library modules are gone: the CLI owns the conversion."""
    import importlib

    for module in ("ci_lib.tools.environment", "ci_lib.release.verify", "ci_lib.release.publish", "ci_lib.tools.lab",
                   "ci_lib.execute.notebook_checks", "ci_lib.tools.docgen"):
        assert not hasattr(importlib.import_module(module), "command"), module


def test_docs_and_doctor_find_the_kits_checkout_from_any_folder(tmp_path, monkeypatch, capsys):
    """Without --root or --lock, the default is the kit's checkout, not the working directory."""
    monkeypatch.chdir(tmp_path)
    assert main(["docs", "--check"]) == 0
    assert str(REPO / "docs" / "data-contract.md") in capsys.readouterr().out
    from ci_lib.tools.environment import find_lock

    assert find_lock() == REPO / "requirements.lock"
