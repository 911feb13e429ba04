"""The pinned environment: `requirements.lock` (pip) and `environment.yml` (conda), and drift from them.

`ci-assess doctor` compares the installed distributions with the lock; `python -m ci_lib.tools.environment`
writes `environment.yml` from the lock (run by `make lock`). Standard library only, so it works before
the kit's dependencies are installed.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from ci_lib.errors import KitError

LOCK = "requirements.lock"
PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#\\]+)\s*(?:;\s*([^#\\]+))?")
LOCK_PYTHON = re.compile(r"^#.*\bPython (3\.\d+)")

# Packages whose conda-forge name differs from the PyPI one (or that conda-forge ships differently): they are
# installed by pip inside the conda environment. Every other locked package keeps its name on conda-forge.
PIP_ONLY = {"duckdb", "playwright", "tzdata", "msgpack", "fastjsonschema", "ast-serialize", "librt", "lazy-importer",
            "nest-asyncio2", "typing-inspection", "ipython-pygments-lexers"}
# conda-forge spells these with underscores (conda does not normalise names the way pip does)
CONDA_SPELLING = {"jupyter-client": "jupyter_client", "jupyter-core": "jupyter_core", "et-xmlfile": "et_xmlfile",
                  "jupyterlab-pygments": "jupyterlab_pygments", "jupyterlab-widgets": "jupyterlab_widgets",
                  "typing-extensions": "typing_extensions", "stack-data": "stack_data", "pure-eval": "pure_eval",
                  "mypy-extensions": "mypy_extensions", "typing-inspect": "typing_inspect"}


def normalise(name: str) -> str:
    """PEP 503 name: `PyYAML`, `pyyaml` and `py_yaml` are the same distribution family."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Lock:
    path: Path
    pins: dict[str, str]  # normalised name -> version
    python: str | None  # "3.11"


def find_lock(path: str | Path | None = None) -> Path:
    """An explicit path, else `requirements.lock` in the working directory, else in the kit's checkout."""
    if path is not None:
        found = Path(path)
        if not found.is_file():
            raise KitError(f"{found}: no such lock file")
        return found
    for folder in (Path("."), Path(__file__).resolve().parents[2]):
        if (folder / LOCK).is_file():
            return folder / LOCK
    raise KitError(f"{LOCK}: not found in the working directory or the kit's checkout (`make lock` writes it)")


def marker_applies(marker: str | None) -> bool:
    if not marker:
        return True
    try:
        from packaging.markers import Marker
    except ImportError:  # pragma: no cover - packaging comes with the locked environment
        return True
    return bool(Marker(marker).evaluate())


def read_lock(path: str | Path | None = None) -> Lock:
    found = find_lock(path)
    pins: dict[str, str] = {}
    python = None
    for line in found.read_text(encoding="utf-8").splitlines():
        header = LOCK_PYTHON.match(line)
        if header and python is None:
            python = header.group(1)
        match = PIN.match(line)
        if match and marker_applies(match.group(3)):
            pins[normalise(match.group(1))] = match.group(2)
    if not pins:
        raise KitError(f"{found}: no `name==version` pins")
    return Lock(found, pins, python)


@dataclass
class Drift:
    lock: Lock
    python: str
    missing: list[str] = field(default_factory=list)  # locked, not installed
    different: list[tuple[str, str, str]] = field(default_factory=list)  # (name, locked, installed)
    extra: list[str] = field(default_factory=list)  # installed, not in the lock (information, not drift)

    @property
    def python_differs(self) -> bool:
        return self.lock.python is not None and self.lock.python != self.python

    @property
    def in_sync(self) -> bool:
        return not (self.missing or self.different or self.python_differs)


def installed() -> dict[str, str]:
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(normalise(name), dist.version)
    return found


def doctor(lock_path: str | Path | None = None, present: dict[str, str] | None = None,
           python: str | None = None) -> Drift:
    lock = read_lock(lock_path)
    present = installed() if present is None else {normalise(k): v for k, v in present.items()}
    drift = Drift(lock, python or f"{sys.version_info.major}.{sys.version_info.minor}")
    for name, version in sorted(lock.pins.items()):
        if name not in present:
            drift.missing.append(name)
        elif present[name] != version:
            drift.different.append((name, version, present[name]))
    own = {"ci-assess", "pip", "setuptools", "wheel", "uv"}
    drift.extra = sorted(set(present) - set(lock.pins) - own)
    return drift


def report(drift: Drift) -> list[str]:
    lock = drift.lock
    lines = [f"lock: {lock.path} ({len(lock.pins)} pinned distributions)",
             f"python: {drift.python} (lock: {lock.python or 'not recorded'})"
             + ("  <- differs" if drift.python_differs else "")]
    lines += [f"missing: {name}=={lock.pins[name]} is not installed" for name in drift.missing]
    lines += [f"different: {name} {installed_version} installed, lock has {locked}"
              for name, locked, installed_version in drift.different]
    if drift.extra:
        lines.append(f"not in the lock (not drift): {', '.join(drift.extra)}")
    if drift.in_sync:
        lines.append("in sync: the installed environment matches the lock")
    else:
        count = len(drift.missing) + len(drift.different) + int(drift.python_differs)
        lines.append(f"DRIFT: {count} difference(s); reinstall with `pip install -r {lock.path.name}` "
                     "then `pip install -e . --no-deps` (or delete .venv and run make)")
    return lines

def environment_yml(lock: Lock) -> str:
    """The conda environment equal to the lock: conda-forge packages by name, the rest through pip."""
    conda = [f"  - {CONDA_SPELLING.get(n, n)}=={v}" for n, v in sorted(lock.pins.items()) if n not in PIP_ONLY]
    pip = [f"      - {n}=={v}" for n, v in sorted(lock.pins.items()) if n in PIP_ONLY]
    return "\n".join([
        "# Conda environment of the kit, equal to requirements.lock (the same versions; Python 3.11).",
        "# Generated from the lock by `make lock` (python -m ci_lib.tools.environment > environment.yml): do not edit.",
        "# Packages conda-forge names differently are installed by pip inside the environment.",
        "#   conda env create -f environment.yml && conda activate ci-assess",
        "name: ci-assess",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python={lock.python or '3.11'}",
        "  - pip",
        *conda,
        "  - pip:",
        *pip,
        "      - -e .",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    sys.stdout.write(environment_yml(read_lock(args[0] if args else None)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
