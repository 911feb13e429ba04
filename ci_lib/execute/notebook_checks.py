"""`ci-assess check-notebooks`: the rules notebook templates follow, checked before they are committed.

- the parameters cell is tagged `parameters` (papermill injects values after it), and every parameter is
  used in a later cell;
- no absolute paths (`/home`, `/Users`, `C:\\`, a string literal starting with `/`): a template runs on any
  machine, from the project;
- no network access (imports of requests, urllib, httpx, socket...; http(s):// literals in code): the
  assessment uses only its inputs, and an executed notebook must be reproducible;
- plots only through the kit (`ci_lib.pages.plots`): no `plt.`, `sns.`, matplotlib or seaborn in notebook code,
  so every figure has alt text, a data table and the colour-blind-safe palette;
- each `.ipynb` has its jupytext `.py` pair with the same cells (type and source), and is committed
  without outputs or execution counts (diffable notebooks; see `.pre-commit-config.yaml`).

Each problem reads `file:cell N: message` (cells numbered from 1 as they appear, markdown included).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jupytext
import nbformat

NETWORK_MODULES = {"requests", "urllib", "urllib2", "urllib3", "httpx", "socket", "aiohttp", "http", "ftplib",
                   "smtplib", "websocket", "websockets", "pycurl"}
PLOT_MODULES = {"matplotlib", "seaborn", "pylab"}
ABSOLUTE_TEXT = re.compile(r"(?<![\w.])/(home|Users)\b|(?<![A-Za-z0-9])[A-Za-z]:\\")
ABSOLUTE_LITERAL = re.compile(r"^(/[^/\s]|~/|[A-Za-z]:[\\/])")
URL = re.compile(r"https?://", re.IGNORECASE)
DIRECT_PLOT = re.compile(r"\b(plt|sns|matplotlib|seaborn)\.")
SKIP_DIRS = {".ipynb_checkpoints"}


@dataclass(frozen=True, order=True)
class NotebookProblem:
    file: str
    cell: int | None  # 1-based; None for a problem of the whole file
    message: str

    def __str__(self) -> str:
        return f"{self.file}:cell {self.cell}: {self.message}" if self.cell else f"{self.file}: {self.message}"


def templates(notebooks_dir: str | Path) -> list[Path]:
    root = Path(notebooks_dir)
    return sorted(p for p in root.rglob("*.ipynb") if not SKIP_DIRS & set(p.relative_to(root).parts))


def display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def read(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


# -- diffable notebooks ------------------------------------------------------------------------------
def cells_of(notebook: Any) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in notebook.cells]


def pairing_problems(path: Path) -> list[NotebookProblem]:
    """The `.py` pair exists and jupytext reads both into the same cells (type and source; metadata ignored)."""
    pair = path.with_suffix(".py")
    name = display(path)
    if not pair.exists():
        return [NotebookProblem(name, None, f"no paired {pair.name}: run `jupytext --set-formats ipynb,py:percent "
                                            f"{name}` (or let the pre-commit hook do it)")]
    try:
        a, b = cells_of(jupytext.read(path)), cells_of(jupytext.read(pair))
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one problem to report
        return [NotebookProblem(name, None, f"cannot be read with jupytext: {exc}")]
    for index, (x, y) in enumerate(zip(a, b, strict=False), start=1):
        if x != y:
            what = "cell type" if x[0] != y[0] else "source"
            return [NotebookProblem(name, index, f"{what} differs from {pair.name}: run `jupytext --sync {name}`")]
    if len(a) != len(b):
        return [NotebookProblem(name, min(len(a), len(b)) + 1,
                                f"{len(a)} cells here, {len(b)} in {pair.name}: run `jupytext --sync {name}`")]
    return []


def check_pairing(notebooks_dir: str | Path) -> list[NotebookProblem]:
    """Every `.ipynb` template has its jupytext `.py` pair, in sync."""
    return [p for path in templates(notebooks_dir) for p in pairing_problems(path)]


def outputs_problems(path: Path, notebook: Any | None = None) -> list[NotebookProblem]:
    notebook = notebook if notebook is not None else read(path)
    found = []
    for index, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            found.append(NotebookProblem(display(path), index, "has outputs: strip them (nbstripout)"))
        elif cell.get("execution_count") is not None:
            found.append(NotebookProblem(display(path), index, "has an execution count: strip it (nbstripout)"))
    return found


def check_outputs_stripped(notebooks_dir: str | Path) -> list[NotebookProblem]:
    """Templates are committed without outputs and execution counts."""
    return [p for path in templates(notebooks_dir) for p in outputs_problems(path)]


# -- code rules ------------------------------------------------------------------------------------
def python_source(source: str) -> str:
    """Cell source with IPython magics and shell escapes commented out, so `ast` can parse it."""
    return "\n".join(("# " + line) if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(python_source(source))
    except SyntaxError:
        return None


def assigned_names(tree: ast.Module) -> list[str]:
    names: list[str] = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
            if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return list(dict.fromkeys(names))


def used_names(source: str) -> set[str]:
    tree = parse(source)
    if tree is None:  # unparseable: any mention counts as a use
        return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", source))
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def parameter_problems(path: Path, notebook: Any) -> list[NotebookProblem]:
    name = display(path)
    code = [(i, c) for i, c in enumerate(notebook.cells, start=1) if c.cell_type == "code"]
    tagged = [(i, c) for i, c in code if "parameters" in c.metadata.get("tags", [])]
    if not tagged:
        first = code[0][0] if code else None
        return [NotebookProblem(name, first, "no cell is tagged `parameters` (papermill injects the values after "
                                             "it): tag the cell that sets the defaults")]
    problems = []
    if len(tagged) > 1:
        problems += [NotebookProblem(name, i, "another cell tagged `parameters`: keep one") for i, _ in tagged[1:]]
    index, cell = tagged[0]
    tree = parse(cell.source)
    if tree is None:
        return [*problems, NotebookProblem(name, index, "the parameters cell is not valid Python")]
    later = set().union(*[used_names(c.source) for i, c in code if i > index]) if code else set()
    for param in assigned_names(tree):
        if param not in later:
            problems.append(NotebookProblem(name, index, f"parameter `{param}` is never used in a later cell"))
    return problems


def string_literals(tree: ast.Module) -> list[str]:
    """String constants; of an f-string only its leading text (`f"{root}/data"` is relative)."""
    inner = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values[1:]}
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in inner]


def imported_modules(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def code_problems(path: Path, notebook: Any) -> list[NotebookProblem]:
    name = display(path)
    problems = []
    for index, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code":
            continue

        def problem(message: str, index: int = index) -> None:
            problems.append(NotebookProblem(name, index, message))

        source = cell.source
        tree = parse(source)
        literals = string_literals(tree) if tree else [m[1] for m in re.findall(r"([\"'])(.*?)\1", source)]
        modules = imported_modules(tree) if tree else set(re.findall(r"^\s*(?:from|import)\s+(\w+)", source, re.M))
        if ABSOLUTE_TEXT.search(source) or any(ABSOLUTE_LITERAL.match(s) for s in literals):
            problem("absolute path in code: use a path relative to the project (e.g. report_dir)")
        network = sorted(modules & NETWORK_MODULES)
        if network:
            problem(f"network access (imports {', '.join(network)}): notebooks read only the year's inputs")
        if any(URL.search(s) for s in literals):
            problem("network access (an http(s):// address in code): notebooks read only the year's inputs")
        plotting = sorted(modules & PLOT_MODULES)
        if plotting or DIRECT_PLOT.search(source) or re.search(r"^\s*%matplotlib", source, re.M):
            what = f"imports {', '.join(plotting)}" if plotting else "calls matplotlib/seaborn directly"
            problem(f"plot outside the kit ({what}): make figures with ci_lib.pages.plots (alt text, data table, "
                    "palette)")
    return problems


# -- all rules -------------------------------------------------------------------------------------
def check_notebook(path: str | Path) -> list[NotebookProblem]:
    path = Path(path)
    try:
        notebook = read(path)
    except Exception as exc:  # noqa: BLE001 - an unreadable template is one problem to report
        return [NotebookProblem(display(path), None, f"not a readable notebook: {exc}")]
    return sorted([*parameter_problems(path, notebook), *code_problems(path, notebook),
                   *outputs_problems(path, notebook), *pairing_problems(path)],
                  key=lambda p: (p.cell or 0, p.message))


def check_notebooks(notebooks_dir: str | Path) -> list[NotebookProblem]:
    return [p for path in templates(notebooks_dir) for p in check_notebook(path)]
