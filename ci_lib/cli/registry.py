"""Every `ci-assess` command, in pipeline order: its name, its help line, its options, and the typed function
that does it. `ci-assess --help` lists them in this order.

A command's function takes plain typed parameters (or a frozen dataclass), never an argparse Namespace: the
CLI layer converts, by parameter name unless the command says otherwise. Each function imports what it needs
when it runs, so that building the parser (and `--help`, and a no-change `run`) stays light.
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ci_lib.cli import (
    cycle_commands,
    input_commands,
    pipeline_commands,
    release_commands,
    scoring_commands,
    tool_commands,
    website_commands,
)


@dataclass(frozen=True)
class Command:
    """One subcommand. `function` returns the exit code (None counts as 0)."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    function: Callable[..., int | None]
    convert: Callable[[argparse.Namespace], dict[str, Any]] | None = None  # default: options named as parameters

    def keyword_arguments(self, args: argparse.Namespace) -> dict[str, Any]:
        """The parsed options as `function`'s keyword arguments."""
        if self.convert is not None:
            return self.convert(args)
        return {name: getattr(args, name) for name in inspect.signature(self.function).parameters if name in args}

    def run(self, args: argparse.Namespace) -> int:
        return int(self.function(**self.keyword_arguments(args)) or 0)


COMMANDS: list[Command] = [
    # inputs
    Command("validate", "check a data directory against the data contract",
            input_commands.add_validate_options, input_commands.validate),
    Command("import", "import partner data formats into long outcomes rows",
            input_commands.add_import_options, input_commands.import_rows),
    Command("params", "create missing params from communities.csv (never overwrites)",
            input_commands.add_params_options, input_commands.create_params),
    Command("new-community", "scaffold params/<year>/<ID>.yml with commented defaults",
            input_commands.add_new_community_options, input_commands.new_community),
    # the yearly cycle
    Command("new-year", "start params/<YEAR>/ from the previous year (never overwrites); what to review",
            cycle_commands.add_new_year_options, cycle_commands.new_year),
    Command("forms", "self-assessment workbooks (.xlsx), one per member, to fill in and return",
            cycle_commands.add_forms_options, cycle_commands.forms),
    Command("collect", "merge returned forms into benchmarks.csv and outcomes.csv (errors as file:sheet:row:column)",
            cycle_commands.add_collect_options, cycle_commands.collect),
    Command("review", "self-ratings against the network's reviewed ratings, per community",
            cycle_commands.add_review_options, cycle_commands.review),
    Command("status", "where the year's cycle stands per community: form, data, notebook, page",
            cycle_commands.add_status_options, cycle_commands.status),
    # scoring
    Command("score", "scores without notebooks (fast path)", scoring_commands.add_score_options,
            scoring_commands.score),
    # execute and render
    Command("run", "execute the notebooks of a year", pipeline_commands.add_run_options, pipeline_commands.do_run,
            pipeline_commands.run_arguments),
    Command("render", "build reports/<year>/_site", pipeline_commands.add_render_options,
            pipeline_commands.do_render),
    Command("assess", "run + render", pipeline_commands.add_assess_options, pipeline_commands.do_assess,
            pipeline_commands.run_arguments),
    Command("merge", "join shard manifests (after --shard runs) into manifest.json",
            pipeline_commands.add_merge_options, pipeline_commands.merge),
    # the website
    Command("audit-site", "scan a built site for leaks, unescaped markup, alt text, links",
            website_commands.add_audit_options, website_commands.audit_site),
    # release
    Command("publish", "release bundle ci-assessment-<year>.tar.gz (site, manifest, SHA256SUMS)",
            release_commands.add_publish_options, release_commands.publish_year),
    Command("verify", "re-derive a published year from its manifest; compare byte for byte",
            release_commands.add_verify_options, release_commands.verify),
    # tools
    Command("demo", "generate data/demo and assess it", tool_commands.add_demo_options, tool_commands.demo),
    Command("doctor", "compare the installed packages with requirements.lock (exit 1 on drift)",
            tool_commands.add_doctor_options, tool_commands.doctor),
    Command("lab", "JupyterLab in the project root (needs the [lab] extra)", tool_commands.add_lab_options,
            tool_commands.lab),
    Command("check-notebooks", "notebook rules: parameters, paths, network, plots, pairing, outputs",
            tool_commands.add_check_notebooks_options, tool_commands.check_notebooks),
    Command("docs", "regenerate docs/data-contract.md from the schemas", tool_commands.add_docs_options,
            tool_commands.docs),
]

BY_NAME = {command.name: command for command in COMMANDS}
