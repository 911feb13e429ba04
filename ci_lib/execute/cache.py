"""One incremental model of a year: what each output depends on (declared once) and one ledger of what is done.

`DEPENDS_ON` names the inputs of each kind of output; every key is a sha256 over exactly those inputs
(`key_of`), the manifest records the year's inputs named in `RECORDED`, and `verify` checks those. The ledger,
`reports/<year>/_work/ledger.json`, holds each notebook's key once its output is written (an interrupted run
leaves no false entry), the year's key when a whole run succeeded, and the file states its inputs were hashed
in (`unchanged.Digests`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from ci_lib import __version__
from ci_lib.atomic import write_json
from ci_lib.layout import YearLayout

LOCK_FILES = ("requirements.lock", "environment.yml")
LEDGER_FILE = "ledger.json"

# What each output depends on, the one declaration. A notebook page (`communities/<id>.ipynb`, `index.ipynb`,
# and `scores/<id>.json` written with it): its template's code, its parameters and its work file (data slice,
# scores, effective rules, the previous year's gateways); a local section: its notebook and its page's key; the
# year (the no-change answer of `unchanged`): every file those are made from. All: the kit and the environment.
DEPENDS_ON: dict[str, tuple[str, ...]] = {
    "notebook": ("kit", "code", "lock", "template", "parameters", "work"),
    "local": ("kit", "code", "lock", "template", "parameters", "page"),
    "year": ("kit", "code", "lock", "options", "data", "params", "templates", "local", "earlier", "previous"),
}
# The year's inputs the manifest records, by manifest key; `ci-assess verify` checks each against the files now.
# (the rubric is part of the kit's code, and recorded on its own since a framework names it)
RECORDED: dict[str, str] = {"data": "inputs", "params": "params", "rubric": "rubric_sha256", "kit": "kit_version",
                            "lock": "lock_sha256", "previous": "previous_year"}


def key_of(kind: str, inputs: dict[str, Any]) -> str:
    """sha256 over exactly the inputs `DEPENDS_ON[kind]` declares (bytes by their sha256)."""
    declared = DEPENDS_ON[kind]
    if set(inputs) != set(declared):
        raise ValueError(f"a {kind} key is declared over {sorted(declared)}, given {sorted(inputs)}")
    payload = {k: hashlib.sha256(v).hexdigest() if isinstance(v, bytes) else v for k, v in inputs.items()}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def template_sha256(path: str) -> str:
    """sha256 of a template's code cells, kept per process while the file's size and modification time stay
    the same (a long-lived process, such as a lab session or a test, sees an edited template)."""
    stat = Path(path).stat()
    return _code_cells_sha256(path, stat.st_size, stat.st_mtime_ns)


@cache
def _code_cells_sha256(path: str, size: int, mtime_ns: int) -> str:
    import nbformat  # here, not at the top: the no-change check imports this module and must stay light

    nb = nbformat.read(path, as_version=4)
    code = "\n\x1e".join(c.source for c in nb.cells if c.cell_type == "code")
    return hashlib.sha256(code.encode()).hexdigest()


@cache
def kit_code_sha256() -> str:
    """The kit's source (and rubrics): a code change re-executes, even without a version bump."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in {".py", ".yml", ".j2"} and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


KIT_CHECKOUT = Path(__file__).resolve().parents[2]


def lock_root(root: Path | None = None) -> Path:
    """Where the environment lock lives: `root`, else the working directory, else the kit's own checkout."""
    if root is not None:
        return root
    here = Path(".")
    return here if (here / LOCK_FILES[0]).exists() or not (KIT_CHECKOUT / LOCK_FILES[0]).exists() else KIT_CHECKOUT


def lock_sha256(root: Path | None = None) -> str:
    """sha256 of the locked environment: `requirements.lock` (pip) then `environment.yml` (conda)."""
    root = lock_root(root)
    digest = hashlib.sha256()
    for name in LOCK_FILES:
        path = root / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(template: str, parameters: dict[str, Any], work: bytes | str, lock: str, kind: str = "notebook") -> str:
    """A notebook's key; for a local section (`kind="local"`), `work` is its page's key."""
    return key_of(kind, {"kit": __version__, "code": kit_code_sha256(), "lock": lock,
                         "template": template_sha256(template), "parameters": parameters,
                         "work" if kind == "notebook" else "page": work})


def ledger_path(report_dir: Path) -> Path:
    return YearLayout.of(report_dir).work_file(LEDGER_FILE)


def read_ledger(report_dir: Path) -> dict[str, Any]:
    """The year's ledger: {"notebooks": {name: key}, "year": key or None, "files": {name: state + sha256}}."""
    try:
        data = json.loads(ledger_path(report_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    for part in ("notebooks", "files"):
        if not isinstance(data.get(part), dict):
            data[part] = {}
    data.setdefault("year", None)
    return data


@contextlib.contextmanager
def updating_ledger(report_dir: Path) -> Iterator[dict[str, Any]]:
    """Read, change and write the ledger under a lock: shards of one year may run at once on a shared folder."""
    path = ledger_path(report_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f".{LEDGER_FILE}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = read_ledger(report_dir)
        before = json.dumps(data, sort_keys=True)
        yield data
        if json.dumps(data, sort_keys=True) != before:
            write_json(path, {"year": data["year"], "notebooks": dict(sorted(data["notebooks"].items())),
                              "files": dict(sorted(data["files"].items()))})


def is_fresh(done: dict[str, str], name: str, key: str, outputs: list[Path]) -> bool:
    """Whether `name` is done (`done`: the ledger's notebooks) with `key` and its outputs are in place."""
    return done.get(name) == key and all(p.exists() for p in outputs)


def mark_done(report_dir: Path, name: str, key: str) -> None:
    with updating_ledger(report_dir) as ledger:
        ledger["notebooks"][name] = key


def clear(report_dir: Path, names: list[str]) -> None:
    """Before they run again: an interrupted run must not leave these notebooks' old keys behind."""
    if names:
        with updating_ledger(report_dir) as ledger:
            for name in names:
                ledger["notebooks"].pop(name, None)
