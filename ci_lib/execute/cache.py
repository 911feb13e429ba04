"""Cache keys: a notebook is skipped when nothing that shapes its output changed.

key = sha256(template code cells, parameters, work file bytes (its data slice, scores, params and
rubric hashes), kit version and the kit's own source code, locked environment). A stamp `_work/<name>.done`
holding the key is written only after the notebook itself was written, so an interrupted run leaves no false
stamp.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from ci_lib import __version__
from ci_lib.atomic import write_text
from ci_lib.layout import YearLayout

LOCK_FILES = ("requirements.lock", "environment.yml")


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


def cache_key(template: str, parameters: dict[str, Any], work: bytes, lock: str) -> str:
    payload = json.dumps({"template": template_sha256(template), "parameters": parameters, "kit": __version__,
                          "code": kit_code_sha256(), "lock": lock}, sort_keys=True).encode()
    return hashlib.sha256(payload + b"\x00" + work).hexdigest()


def stamp_path(report_dir: Path, name: str) -> Path:
    return YearLayout.of(report_dir).work_file(f"{name}.done")


def is_fresh(report_dir: Path, name: str, key: str, outputs: list[Path]) -> bool:
    stamp = stamp_path(report_dir, name)
    return stamp.exists() and stamp.read_text().strip() == key and all(p.exists() for p in outputs)


def mark_done(report_dir: Path, name: str, key: str) -> None:
    write_text(stamp_path(report_dir, name), key + "\n")


def clear(report_dir: Path, name: str) -> None:
    stamp_path(report_dir, name).unlink(missing_ok=True)
