"""Notebooks that stand alone: a community page or the explorer, run without a prior `ci-assess run`.

`papermill notebooks/community.ipynb out.ipynb -p community_id ID -p year 2025` (run in the project) and a
top-to-bottom run in JupyterLab (which runs a notebook in `notebooks/`) find the project by walking up to
the folder holding `params/`. When the year has no prepared slices yet, they are prepared into
`reports/<year>/` exactly as `ci-assess run` prepares them (`score_year`, then `prepare`: one
implementation), so the page shows what the pipeline would publish.

Imported only off the pipeline's path: a run passes `report_dir` and its slices already exist, so the
notebook's load stays a file read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ci_lib.errors import KitError
from ci_lib.layout import YearLayout

DEMO_DATA = Path("data/demo")


class NotebookError(KitError):
    """A user-facing error inside a notebook: shown as its message, without a traceback wall."""

    def _render_traceback_(self) -> list[str]:  # IPython shows these lines instead of the traceback
        return [f"{type(self).__name__}: {line}" if i == 0 else line for i, line in enumerate(str(self).splitlines())]


def find_project(*starts: str | Path | None) -> Path:
    """The nearest folder holding `params/`, from each start in turn (default: here) upwards."""
    tried = [Path(s) for s in starts if s] or [Path.cwd()]
    for start in tried:
        here = start.resolve()
        for folder in (here, *here.parents):
            if (folder / "params").is_dir():
                return folder
    raise NotebookError(f"no params/ folder in {tried[0].resolve()} or above: run the notebook inside the project "
                        "(JupyterLab: `ci-assess lab`; papermill: from the project root)")


def year_dir(report_dir: str | Path | None, year: int) -> Path:
    """`report_dir` as given; empty: `reports/<year>` of the project found from here."""
    if report_dir:
        return Path(report_dir)
    return YearLayout(find_project() / "reports", year).report_dir


def prepare_year(year: int, report_dir: Path) -> Path:
    """Validate, score and prepare the year into `report_dir` as `ci-assess run` does; return `report_dir`."""
    from ci_lib.execute.prepare import prepare
    from ci_lib.execute.results import RunOptions
    from ci_lib.execute.run import score_year
    from ci_lib.inputs.parameters import data_dir_for, load_params

    root = find_project(report_dir, Path.cwd())
    params_root = root / "params"
    try:
        params = load_params(year, params_root)
        data_dir = data_dir_for(params.data, params_root)
        if data_dir and not Path(data_dir).is_dir():
            shown = params.data or data_dir
            hint = ("run `ci-assess demo --generate-only` first" if Path(str(params.data)) == DEMO_DATA
                    else f"put the year's input files there, or change `data:` in params/{year}/network.yml")
            raise NotebookError(f"no data at {shown}: {hint}")
        opts = RunOptions(year=int(year), params_root=str(params_root), reports_root=str(report_dir.parent),
                          project_root=str(root))
        params, scores, data = score_year(opts)
        prepare(report_dir, data, scores, params)
    except NotebookError:
        raise
    except KitError as exc:  # invalid params or data: the same messages as `ci-assess validate`
        raise NotebookError(f"cannot prepare {year}:\n{exc}") from None
    return report_dir


def prepared_dir(report_dir: str | Path | None, year: int, needed: Callable[[YearLayout], Path]) -> Path:
    """The year's folder, prepared first when `needed` (a path of its layout) is missing."""
    folder = year_dir(report_dir, year)
    if not needed(YearLayout.of(folder)).exists():
        prepare_year(year, folder)
    return folder
