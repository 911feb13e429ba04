"""Execution benchmark: the kit against the naive loop of `papermill` CLI calls, measured in one run.

    python benchmarks/bench_execute.py [--sizes 70,280,1000] [--jobs N] [--skip-naive] [--repeat K]

For 70 communities it measures (1) the naive baseline: one `papermill` CLI call per community, same
template and parameters, serial; (2) the kit end to end (score, execute on warm kernels, built-in
render); (3) the no-change re-run (everything cached, render only what changed), in process and as a
new `ci-assess assess` process, and the first no-change `ci-assess run` and `assess` after a forced run
and after `ci-assess verify`; (4) with `quarto` on PATH, a whole Quarto render and the incremental
`assess --engine quarto` after one community's narrative changes (skipped, and said so, without it); (5) the
CPU a notebook costs in its kernel and its worker, against the same cells emptied (what the execution
machinery alone costs). Then time per community at each
size. It prints times and ratios, the peak memory of the whole process tree, and the size of the built site
(bytes and files of `reports/<year>/_site`) at each size.

A shared 2-core machine's speed drifts by a fifth or more between minutes, so the 70-community run is
repeated `--repeat` times (default 3), each on a new project, and the median is what the target and the
speed-up are judged on; every run is printed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# The kit is imported inside the functions that use it, never at the top: each worker of the pool is a
# spawned process, and spawn runs the parent's main script again (as `__mp_main__`). With the kit imported
# here, every worker paid about half a CPU-second more (pandas, the scoring, the site) before starting its
# kernel, which a `ci-assess` worker does not: its main script imports only the light CLI module.
if TYPE_CHECKING:
    from ci_lib.pipeline import AssessOptions

YEAR = 2025


class PeakMemory:
    """Samples the resident memory of this process and all its descendants (kernels, workers)."""

    def __init__(self, interval: float = 0.25):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()

    def tree_rss(self) -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            pid, ppid = int(entry.name), int(fields.get("PPid", "0").strip())
            children.setdefault(ppid, []).append(pid)
            rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
        total, stack = 0, [os.getpid()]
        while stack:
            pid = stack.pop()
            total += rss.get(pid, 0)
            stack.extend(children.get(pid, []))
        return total

    def __enter__(self) -> PeakMemory:
        def loop() -> None:
            while not self._stop.is_set():
                self.peak = max(self.peak, self.tree_rss())
                self._stop.wait(self.interval)

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def project(root: Path, n: int, jobs: int | None = None) -> AssessOptions:
    from ci_lib.pipeline import AssessOptions
    from ci_lib.tools import demo

    data = root / "data"
    info = demo.generate(data, n=n)
    demo.write_demo_params(root / "params", YEAR, str(data), info["local"])
    return AssessOptions(year=YEAR, data=str(data), params_root=str(root / "params"),
                         reports_root=str(root / "reports"), notebooks=str(REPO / "notebooks"), jobs=jobs,
                         render=True, engine="builtin")


def naive(opts: AssessOptions) -> float:
    """One `papermill` CLI call per community (fresh kernel and imports each time), as a naive script would."""
    from ci_lib.execute.prepare import prepare
    from ci_lib.pipeline import score_year

    params, scores, data = score_year(opts.run_options())
    report_dir = Path(opts.reports_root) / str(YEAR)
    prepare(report_dir, data, scores, params)
    out = report_dir / "naive"
    out.mkdir(parents=True, exist_ok=True)
    papermill = shutil.which("papermill", path=str(Path(sys.executable).parent)) or "papermill"
    started = time.perf_counter()
    for cid in scores.scores:
        subprocess.run([papermill, str(REPO / "notebooks" / "community.ipynb"), str(out / f"{cid}.ipynb"),
                        "-p", "community_id", cid, "-p", "year", str(YEAR), "-p", "report_dir", "..",
                        "--cwd", str(out), "--no-progress-bar"], check=True, capture_output=True)
    return time.perf_counter() - started


def tree_cpu() -> float:
    """CPU seconds (user + system) of this process and of its finished descendants (workers, their kernels)."""
    own, done = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + done.ru_utime + done.ru_stime


def kit(opts: AssessOptions) -> tuple[float, float, float, float]:
    """What `ci-assess assess --engine builtin` does: run (page bodies exported as notebooks finish), render.

    Returns wall seconds end to end, for the run and for the render, and the CPU seconds of the whole
    process tree. The end is when the render is done and the pool's workers have exited with their kernels
    (they stop while the render runs), which is when a `ci-assess assess` process could end.
    """
    from ci_lib.pipeline import assess_year

    cpu = tree_cpu()
    started = time.perf_counter()
    marks: list[float] = []
    report = assess_year(opts, executed=lambda report: marks.append(time.perf_counter()))
    executed, rendered = marks[0], time.perf_counter()
    while multiprocessing.active_children():  # joins the workers that have exited; their CPU is then counted
        time.sleep(0.01)
    assert not report.failed, [r.error for r in report.failed]
    return time.perf_counter() - started, executed - started, rendered - executed, tree_cpu() - cpu


def timings(opts: AssessOptions) -> dict:
    return json.loads((Path(opts.reports_root) / str(YEAR) / "timings.json").read_text())


def phase(opts: AssessOptions, name: str) -> float:
    return float(timings(opts)[name])


def notebook_spread(opts: AssessOptions) -> str:
    """Median and 90th-percentile executed notebook, and the slowest: a heavy tail shows a page doing more."""
    times = sorted((v["seconds"], k) for k, v in timings(opts)["notebooks"].items() if v["status"] == "ok")
    if not times:
        return "no notebook executed"
    median = statistics.median(t for t, _ in times)
    p90 = times[min(len(times) - 1, int(0.9 * len(times)))][0]
    return f"notebook median {median:.2f} s, p90 {p90:.2f} s, slowest {times[-1][1]} {times[-1][0]:.2f} s"


def kit_line(n: int, opts: AssessOptions, total: float, execute_s: float, render_s: float, cpu: float, peak: int) -> str:
    """One size's end-to-end result, with where its time went."""
    return (f"{f'kit end to end, {n} communities:':41s}{total:7.1f} s (run {execute_s:.1f} s, of which scoring "
            f"{phase(opts, 'score_s'):.1f} s; render {render_s:.1f} s; {notebook_spread(opts)}); "
            f"CPU {cpu:.1f} s ({cpu / total:.2f} cores busy); peak memory {peak / 2**30:.2f} GiB")


def site_size(opts: AssessOptions) -> tuple[int, int, int]:
    """The built site (`reports/<year>/_site`): total bytes, files, and bytes of its largest file."""
    files = [p for p in (Path(opts.reports_root) / str(YEAR) / "_site").rglob("*") if p.is_file()]
    sizes = [p.stat().st_size for p in files]
    return sum(sizes), len(files), max(sizes, default=0)


def site_line(n: int, opts: AssessOptions) -> str:
    """One size's built site: what publishing it costs in disk and transfer (#23 item 2)."""
    total, files, largest = site_size(opts)
    return (f"{f'site size, {n} communities:':41s}{total / 2**20:7.1f} MiB ({total:,} bytes in {files:,} files, "
            f"{total / max(1, files) / 1024:.1f} KiB a file, the largest {largest / 1024:.0f} KiB)")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def per_notebook_cost(opts: AssessOptions, count: int = 30) -> None:
    """CPU per notebook, one after another on one warm kernel: in the kernel, and in the worker (here).

    Once with the community template and once with the same cells emptied (`None`): the second is the
    floor that papermill, nbclient and ipykernel cost per notebook of this many cells, whatever it shows.
    """
    import nbformat

    from ci_lib.execute.engine import WarmKernel, execute

    report_dir = Path(opts.reports_root) / str(YEAR)
    ids = sorted(json.loads((report_dir / "manifest.json").read_text())["communities"])[:count + 1]
    template = REPO / "notebooks" / "community.ipynb"
    emptied = nbformat.read(template, as_version=4)
    for cell in emptied.cells:
        if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
            cell.source = "None"
    out = report_dir / "_bench"  # `report_dir: ..` from here is the year's folder
    out.mkdir(exist_ok=True)
    nbformat.write(emptied, out / "emptied.ipynb")
    cells = sum(c.cell_type == "code" for c in emptied.cells) + 1  # and papermill's injected parameters
    kernel = WarmKernel()
    try:
        costs = []
        for path in (template, out / "emptied.ipynb"):
            def one(cid: str, path: Path = path) -> None:
                execute(path, out / f"{cid}.ipynb", {"community_id": cid, "year": YEAR, "report_dir": ".."}, kernel)

            one(ids[0])  # first notebook on this kernel: not counted
            assert kernel.pid is not None
            in_kernel, in_worker = cpu_seconds(kernel.pid), time.process_time()
            for cid in ids[1:]:
                one(cid)
            n = len(ids) - 1
            costs.append(((cpu_seconds(kernel.pid) - in_kernel) / n, (time.process_time() - in_worker) / n))
    finally:
        kernel.shutdown()
        shutil.rmtree(out, ignore_errors=True)
    (page_k, page_w), (floor_k, floor_w) = costs
    print(f"CPU per notebook, one warm kernel ({cells} code cells): community template {page_k:.3f} s in the kernel "
          f"+ {page_w:.3f} s in the worker; the same cells emptied {floor_k:.3f} s + {floor_w:.3f} s "
          f"(the floor of papermill, nbclient and ipykernel)")


def cli_rerun(opts: AssessOptions, command: str = "assess") -> float:
    """What staff see: `ci-assess assess` (or `run`) again on an unchanged year, as a new process."""
    script = shutil.which("ci-assess", path=str(Path(sys.executable).parent)) or "ci-assess"
    engine = ["--engine", "builtin"] if command == "assess" else []
    started = time.perf_counter()
    subprocess.run([script, command, "--year", str(YEAR), "--data", str(opts.data), "--params", opts.params_root,
                    "--reports", opts.reports_root, "--notebooks", opts.notebooks, *engine, "--quiet"],
                   check=True, capture_output=True)
    return time.perf_counter() - started


def no_change_after(opts: AssessOptions, step: str) -> str:
    """The first no-change `ci-assess run` and `assess` (new processes) after `step`: a forced run of the whole
    year (`run --force`) or `ci-assess verify` (which re-derives it elsewhere and must leave it as it was).

    Each must take the fast path (`timings.json` says `unchanged`), not re-score and re-check every notebook."""
    from dataclasses import replace

    from ci_lib.pipeline import assess_year
    from ci_lib.release.verify import verify_year

    if step == "run --force":
        assert not assess_year(replace(opts, force=True, render=False)).failed
    else:
        verified = verify_year(Path(opts.reports_root) / str(YEAR), notebooks=opts.notebooks, jobs=opts.jobs)
        assert verified.ok, (verified.problems, verified.differing)
    run_s = cli_rerun(opts, "run")
    fast = timings(opts).get("unchanged") is True
    assess_s = cli_rerun(opts, "assess")
    worst = max(run_s, assess_s)
    return (f"{f'no-change after `{step}`, new processes:':41s}{worst:7.2f} s (`ci-assess run` {run_s:.2f} s, "
            f"`assess` {assess_s:.2f} s; fast path {'taken' if fast else 'NOT taken'}; target <= 1 s: "
            f"{'met' if worst <= 1 and fast else 'not met'})")


def edit_one_narrative(opts: AssessOptions) -> str:
    """Update the first community's narrative in its params file, as its analyst would: that community's
    notebook is re-run and its page changes; no other page does. Returns the community's id."""
    import yaml

    community = opts_ids(opts)[0]
    path = Path(opts.params_root) / str(YEAR) / f"{community}.yml"
    params = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {"community_id": community}
    params["narrative"] = (str(params.get("narrative") or "") + " Updated after the fall convening.").strip()
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    return community


def quarto_incremental(opts: AssessOptions) -> str:
    """#23 item 6: with `quarto` on PATH, a whole Quarto render of the year, then the `assess --engine quarto`
    after one community's narrative is updated: how long each takes and how many sources Quarto was given."""
    from dataclasses import replace

    from ci_lib.pipeline import assess_year
    from ci_lib.website.quarto import quarto_available

    label = f"{'Quarto render, ' + str(len(opts_ids(opts))) + ' communities:':41s}"
    if not quarto_available():
        return f"{label}skipped (quarto is not on PATH)"
    quarto = replace(opts, engine="quarto")
    started = time.perf_counter()
    whole = assess_year(replace(quarto, execute=False, force_render=True)).site or {}
    whole_s = time.perf_counter() - started
    changed = edit_one_narrative(opts)
    started = time.perf_counter()
    after = assess_year(quarto)
    incremental_s = time.perf_counter() - started
    site = after.site or {}
    return (f"{label}{whole_s:7.1f} s whole ({whole.get('rendered')} of {whole.get('pages')} sources); after "
            f"the narrative of {changed} changed, `assess --engine quarto` {incremental_s:.1f} s "
            f"({site.get('rendered')} of {site.get('pages')} sources rendered)")


def opts_ids(opts: AssessOptions) -> list[str]:
    """The communities of the project's year (its scores files)."""
    return sorted(p.stem for p in (Path(opts.reports_root) / str(YEAR) / "scores").glob("*.json"))


def main() -> None:
    from ci_lib.pipeline import assess_year

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="70,280,1000")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the 70-community kit (the median counts)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    cores = len(os.sched_getaffinity(0))
    print(f"machine: {cores} cores; python {sys.version.split()[0]}; jobs {args.jobs or cores}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        naive_s = None
        if not args.skip_naive:
            naive_s = naive(project(root / "naive70", 70))
            print(f"naive papermill CLI loop, 70 communities: {naive_s:7.1f} s ({naive_s / 70:.2f} s each)")
        runs = []
        for r in range(max(1, args.repeat)):
            opts = project(root / f"n70-{r}", 70, args.jobs)
            with PeakMemory() as memory:
                total, execute_s, render_s, cpu = kit(opts)
            print(kit_line(70, opts, total, execute_s, render_s, cpu, memory.peak))
            runs.append(total)
        print(site_line(70, opts))
        total = statistics.median(runs)
        if len(runs) > 1:
            print(f"{'kit end to end, 70, median of ' + str(len(runs)) + ':':41s}{total:7.1f} s "
                  f"(runs {', '.join(f'{t:.1f}' for t in runs)})")
        if naive_s:
            print(f"speed-up over the naive loop:            {naive_s / total:7.1f}x (target >= 8x)")
        started = time.perf_counter()
        assess_year(opts)
        rerun = time.perf_counter() - started
        print(f"no-change re-run, in process:            {rerun:7.2f} s (target <= 2 s)")
        rerun_cli = cli_rerun(opts)
        print(f"no-change re-run, `ci-assess assess`:    {rerun_cli:7.2f} s (a new process, imports included)")
        for step in ("run --force", "verify"):
            print(no_change_after(opts, step))
        print(f"target 70 communities <= 15 s: {'met' if total <= 15 else 'not met'}")
        print(quarto_incremental(opts))
        per_notebook_cost(opts)
        for n in sizes:
            if n == 70:
                per = total / 70
            else:
                o = project(root / f"n{n}", n, args.jobs)
                with PeakMemory() as memory:
                    t, execute_s, render_s, cpu = kit(o)
                per = t / n
                print(kit_line(n, o, t, execute_s, render_s, cpu, memory.peak))
                print(site_line(n, o))
            print(f"time per community at {n:5d}: {per:.3f} s")


if __name__ == "__main__":
    main()
