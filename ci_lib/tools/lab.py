"""`ci-assess lab`: JupyterLab in the project root, where `notebooks/`, `params/` and `reports/` live."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from ci_lib.errors import KitError

INSTALL_HINT = ("JupyterLab is not installed: `make lab` (the pinned requirements.lock), or "
                "pip install -r requirements.lock in this environment, then ci-assess lab again")
ALLOW_ROOT = "--allow-root"


def project_root(start: str | Path | None = None) -> Path:
    """The nearest folder, from `start` (default: here) upwards, that holds `notebooks/` beside `params/`,
    `reports/` or `pyproject.toml`; `start` itself when there is none."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "notebooks").is_dir() and any((folder / name).exists()
                                                   for name in ("params", "reports", "pyproject.toml")):
            return folder
    return here


def find_jupyter_lab() -> str | None:
    """`jupyter-lab` of this environment first (a venv need not be activated), then the PATH."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return shutil.which("jupyter-lab", path=search)


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab_argv(root: Path, extra: list[str] | None = None, as_root: bool = False) -> list[str]:
    """The command `ci-assess lab` runs: `jupyter lab` serving the project root; as root (a container, a
    CI runner) with `--allow-root`, without which JupyterLab refuses to start."""
    exe = find_jupyter_lab()
    if exe is None:
        raise KitError(INSTALL_HINT)
    extra = list(extra or [])
    if as_root and ALLOW_ROOT not in extra:
        extra.insert(0, ALLOW_ROOT)
    return [exe, f"--ServerApp.root_dir={root}", *extra]
