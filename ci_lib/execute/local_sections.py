"""Local sections: a community's own notebook (`extra_notebook` in its params), run after the standard one.

It gets the same parameters, runs with the same engine, and on success its cells are appended to the
community's executed notebook under a "Local section" heading, so Quarto and the built-in renderer both
show it on the community's page. A failing local section is kept in `failed/` and reported; the
standard page is still published, without it: a section merged by an earlier run is taken out again when it
now fails or is no longer named (`drop_local`), so the page shows what the run reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat

from ci_lib.atomic import write_text
from ci_lib.errors import KitError

TAG = "ci-local-section"


def extra_notebook(params_entry: dict[str, Any], cid: str, project_root: Path = Path(".")) -> Path | None:
    """The validated path of a community's local notebook: relative, inside the project, an existing .ipynb."""
    value = params_entry.get("extra_notebook")
    if not value:
        return None
    path = Path(str(value))
    where = f"params/<year>/{cid}.yml::extra_notebook"
    if path.is_absolute() or ".." in path.parts or path.suffix != ".ipynb":
        raise KitError(f"{where}: must be a relative path to an .ipynb inside the project, not {value!r}")
    if not (project_root / path).exists():
        raise KitError(f"{where}: {value} does not exist")
    return project_root / path


def merge_local(main: Path, local: Path, title: str = "Local section") -> None:
    """Append the local notebook's cells to the community notebook (replacing a previous local section)."""
    nb = nbformat.read(main, as_version=4)
    extra = nbformat.read(local, as_version=4)
    nb.cells = [c for c in nb.cells if TAG not in c.metadata.get("tags", [])]
    heading = nbformat.v4.new_markdown_cell(f"## {title}")
    added = [heading, *[c for c in extra.cells if c.cell_type != "raw"
                        and "injected-parameters" not in c.metadata.get("tags", [])]]
    for index, cell in enumerate(added):
        cell.metadata.setdefault("tags", [])
        if TAG not in cell.metadata["tags"]:
            cell.metadata["tags"].append(TAG)
        cell.id = f"local-{index}"
    nb.cells.extend(added)
    write_text(main, nbformat.writes(nb))


def drop_local(main: Path) -> bool:
    """Take a merged local section out of the community notebook again; True when there was one.

    The notebook's other cells are written back as they were, so its bytes are those of a run without it.
    """
    try:
        data = main.read_bytes()
    except FileNotFoundError:
        return False
    if TAG.encode() not in data:  # (most notebooks: not parsed at all)
        return False
    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    kept = [c for c in nb.cells if TAG not in c.metadata.get("tags", [])]
    if len(kept) == len(nb.cells):
        return False
    nb.cells = kept
    write_text(main, nbformat.writes(nb))
    return True
