"""The no-change re-run: when nothing a year's outputs depend on has changed, say so, quickly.

A full run re-validates and re-scores the network, re-prepares every slice and re-checks every
notebook's cache key (about 1.5 s, plus about 1 s importing pandas, pandera and papermill) only to find
everything cached. So a whole-year run (`--force` included) in which every notebook succeeded records the
year's key in the ledger (`cache.read_ledger`): one sha256 over the year's inputs as `cache.DEPENDS_ON["year"]` declares them (the
bytes of every data and params file, the templates and local notebooks, the kit's code and version, the
locked environment, the run's options, the earlier years' pages the year links to and the previous year's
published scores that movement reads), computed before the run started. The next run with the same
key and every output in place reports all notebooks as cached after hashing the inputs (tens of
milliseconds; a file whose size, times and inode are unchanged is not read again, see `Digests`) and
importing nothing heavy. Any doubt falls back to the full run, which still skips every
unchanged notebook by its own cache key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ci_lib import __version__
from ci_lib.atomic import write_json
from ci_lib.digest import file_sha256
from ci_lib.execute import cache
from ci_lib.execute.results import RunOptions, RunReport, TaskResult
from ci_lib.inputs.parameters import data_dir_for, load_params, movement_year, read_yaml
from ci_lib.layout import YearLayout


def file_state(path: Path) -> list[int]:
    """What changes whenever a file's bytes do: size, modification and change times (ns), inode."""
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


class Digests:
    """sha256 of input files, each reused while the file's state (`file_state`) is the one it was hashed in.

    What git's index does: without it the no-change check reads every byte of the data folder on every
    run, about 0.65 s a gigabyte here, so a multi-gigabyte student-level file alone would break the 2 s
    budget. The change time cannot be set back by a tool that restores modification times, so a file
    rewritten with the same size and an old timestamp is still hashed again.
    """

    def __init__(self, known: dict[str, list[Any]], name: Callable[[Path], str]):
        self.known, self.name = known, name  # files by `name`: their path relative to the project
        self.now: dict[str, list[Any]] = {}  # what this computation saw: saved once the run is known good

    @classmethod
    def stored(cls, opts: RunOptions) -> Digests:
        return cls(cache.read_ledger(report_dir(opts))["files"], opts.relative)

    def __call__(self, path: Path) -> str:
        name = self.name(path)
        state = file_state(path)  # before reading: a file changed while it is hashed is hashed again next time
        entry = self.known.get(name)
        digest = entry[-1] if isinstance(entry, list) and entry[:-1] == state else file_sha256(path)
        self.now[name] = [*state, digest]
        return str(digest)

    def as_remembered(self, path: Path) -> bool:
        """Whether `path`, hashed by this computation, holds the bytes it held in the last remembered run."""
        before, now = self.known.get(self.name(path)), self.now.get(self.name(path))
        return isinstance(before, list) and now is not None and before[-1] == now[-1]

    def save(self, ledger: dict[str, Any]) -> None:
        ledger["files"] = self.now


_DIGESTS: dict[str, Digests] = {}  # the digests behind each key `inputs_key` returned, until it is remembered


def tree_sha256(root: Path, digest: Callable[[Path], str] = file_sha256) -> dict[str, str]:
    """Every file under `root` (or `root` itself), by relative path."""
    if root.is_file():
        return {root.name: digest(root)}
    return {p.relative_to(root).as_posix(): digest(p) for p in sorted(root.rglob("*")) if p.is_file()}


def validated_settings(opts: RunOptions, params_dir: Path, digests: Digests) -> tuple[str | None, list[str], int]:
    """`data:` and `previous_year:` of network.yml and the `extra_notebook`s of a year's params, read only from
    validated params.

    Once `digests` has hashed the params files: when every one holds the bytes of the last remembered run
    (which validated them), they are read again with the params loader; otherwise they are validated first
    (`load_params`), so an invalid or hostile file stops here with the run's own error, before anything
    else reads it.
    """
    files = sorted(params_dir.glob("*.yml"))
    if (params_dir / "network.yml") in files and all(digests.as_remembered(p) for p in files):
        network = read_yaml(params_dir / "network.yml")
        entries = [read_yaml(p) for p in files if p.name != "network.yml" and b"extra_notebook" in p.read_bytes()]
    else:
        params = load_params(opts.year, opts.params_root)
        network, entries = {"data": params.data, "previous_year": params.previous_year}, list(params.communities.values())
    data = None if network.get("data") is None else str(network["data"])
    previous = movement_year(network.get("previous_year"), opts.year)
    return data, sorted(str(e["extra_notebook"]) for e in entries if e.get("extra_notebook")), previous


def previous_scores(reports_root: Path, previous: int) -> dict[str, str]:
    """The previous year's published scores by file, which movement reads: an input of the year like its data."""
    folder = YearLayout(reports_root, previous).scores
    return tree_sha256(folder) if folder.is_dir() else {}


def previous_record(reports_root: Path, previous: int) -> dict[str, Any]:
    """What the manifest records of the previous year: which year, and one sha256 over its published scores."""
    scores = previous_scores(reports_root, previous)
    digest = hashlib.sha256(json.dumps(scores, sort_keys=True).encode()).hexdigest() if scores else None
    return {"year": previous, "scores_sha256": digest}


def earlier_years(reports_root: Path, year: int) -> dict[str, Any]:
    """Which pages of earlier years were published: a page links them."""
    state: dict[str, Any] = {}
    for folder in YearLayout(reports_root, year).earlier_years():
        site = folder.site
        state[str(folder.year)] = {
            "site": folder.published(),
            "pages": sorted(p.name for p in (site / "communities").glob("*.html")),
        }
    return state


def inputs_key(opts: RunOptions) -> str | None:
    """One key over everything the year's outputs depend on; None when an input cannot be read.

    Invalid params raise the `KitError` the run would (see `validated_settings`).
    """
    params_dir = Path(opts.params_root) / str(opts.year)
    digests = Digests.stored(opts)
    try:
        params_files = tree_sha256(params_dir, digests)
        network_data, local, previous = validated_settings(opts, params_dir, digests)
        data = opts.data or data_dir_for(network_data, opts.params_root)
        if not data:
            return None
        notebooks = Path(opts.notebooks)
        parts: dict[str, Any] = {
            "kit": __version__,
            "code": cache.kit_code_sha256(),
            "lock": cache.lock_sha256(),
            # paths as the manifest records them (relative to the project): a moved project keeps its key
            "options": {"year": opts.year, "data": opts.relative(data), "params": opts.relative(opts.params_root)},
            "data": tree_sha256(Path(data), digests),
            "params": params_files,
            "templates": {name: file_sha256(notebooks / name) for name in ("community.ipynb", "network.ipynb")},
            "local": {path: file_sha256(Path(path)) for path in local},
            "earlier": earlier_years(Path(opts.reports_root), opts.year),
            "previous": {"year": previous, "scores": previous_scores(Path(opts.reports_root), previous)},
        }
    except (OSError, ValueError):
        return None
    key = cache.key_of("year", parts)
    _DIGESTS[key] = digests
    return key


def report_dir(opts: RunOptions) -> Path:
    return YearLayout(Path(opts.reports_root), opts.year).report_dir


def remembers(opts: RunOptions) -> bool:
    """Only whole-year runs are remembered (`--only` and `--shard` decide part of a year). A forced one is: its
    outputs are exactly what its inputs give, so the next run without `--force` may take the no-change answer."""
    return not (opts.only or opts.shard)


def applies(opts: RunOptions) -> bool:
    """Whether the no-change answer may be given: a remembered kind of run, not `--force` (which always runs)."""
    return remembers(opts) and not opts.force


def forget(opts: RunOptions) -> None:
    """Called before a full run writes anything: an interrupted run leaves no year key behind."""
    with cache.updating_ledger(report_dir(opts)) as ledger:
        ledger["year"] = None


def remember(opts: RunOptions, key: str | None, report: RunReport) -> None:
    digests = _DIGESTS.pop(key, None) if key else None
    if key and remembers(opts) and not report.failed:
        with cache.updating_ledger(report_dir(opts)) as ledger:
            ledger["year"] = key
            if digests is not None:
                digests.save(ledger)


def unchanged_run(opts: RunOptions, key: str | None,
                  progress: Callable[[TaskResult, int, int], None] | None = None) -> RunReport | None:
    """The report of a run that would find everything cached, or None when a full run is needed.

    `key` is `inputs_key(opts)`, computed by the caller, which also remembers it after a full run.
    """
    if not applies(opts) or key is None:
        return None
    layout = YearLayout(Path(opts.reports_root), opts.year)
    folder = layout.report_dir
    ledger = cache.read_ledger(folder)
    if key != ledger["year"]:
        return None
    try:
        manifest = json.loads(layout.manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    results = []
    for name, entry in manifest.get("notebooks", {}).items():
        output = folder / entry.get("output", "")
        if entry.get("status") != "ok" or not output.is_file() or name not in ledger["notebooks"]:
            return None
        results.append(TaskResult(name, "cached", 0.0, "", str(output)))
    for cid in manifest.get("communities", []):
        if not layout.scores_file(cid).is_file() or not layout.outcomes_csv(cid).is_file():
            return None
    results.sort(key=lambda r: r.name)
    digests = _DIGESTS.pop(key, None)
    if digests is not None and digests.now != digests.known:  # the same bytes, new file states (a copy, a touch)
        with cache.updating_ledger(folder) as ledger:
            digests.save(ledger)
    for done, result in enumerate(results, 1):
        if progress:
            progress(result, done, len(results))
    write_json(layout.timings, {"year": opts.year, "score_s": 0.0, "execute_s": 0.0, "unchanged": True,
                                             "notebooks": {r.name: {"status": "cached", "seconds": 0.0, "attempts": 1}
                                                           for r in results}})
    return RunReport(folder, results, manifest)
