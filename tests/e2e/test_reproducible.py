"""Reproducible years: two builds of the same inputs in two project directories are byte-identical,
`ci-assess verify` re-derives a published year (and catches changed inputs and tampered outputs), and
`ci-assess publish` makes the same release bundle every time."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from ci_lib.cli import main
from ci_lib.pipeline import assess_year
from ci_lib.release.publish import publish, release_mtime
from ci_lib.release.verify import verify_year
from ci_lib.tools import demo
from ci_lib.website.build import render
from tests.conftest import NOTEBOOKS, YEAR, make_project

pytestmark = pytest.mark.slow


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_builds_in_different_directories_are_byte_identical(tmp_path):
    """Everything under reports/<year>/ (notebooks, figures, scores, site, manifest, the ledger's keys) but how the run
    went: timings.json, and the state (times, inode) in which each input file was last hashed (in the ledger)."""
    builds = []
    for root, jobs in ((tmp_path / "one", 2), (tmp_path / "two" / "deeper", 1)):
        project = make_project(root, n=4, seed=11)
        assess_year(project.options(jobs=jobs))
        render(project.report_dir, "builtin")
        builds.append(project)
    first, second = (tree(p.report_dir) for p in builds)
    assert set(first) == set(second)
    differing = sorted(name for name in first if first[name] != second[name])
    assert differing == ["_work/ledger.json", "timings.json"]
    assert {"manifest.json", "index.ipynb", "_site/index.html", "_site/.build.json"} <= set(first)
    ledgers = [json.loads(first["_work/ledger.json"]), json.loads(second["_work/ledger.json"])]
    assert len(ledgers[0]["notebooks"]) == 5 and ledgers[0]["notebooks"] == ledgers[1]["notebooks"]
    assert ledgers[0]["year"] == ledgers[1]["year"]  # only the file states differ
    for name, data in first.items():  # no machine-specific path anywhere in the outputs
        assert str(tmp_path).encode() not in data, name
    manifest = json.loads(first["manifest.json"])
    assert manifest["data_dir"] == "data" and manifest["params_dir"] == "params" and "timings" not in manifest
    timings = json.loads(first["timings.json"])
    assert timings["execute_s"] > 0 and all(n["seconds"] > 0 for n in timings["notebooks"].values())

    # a re-run from the cache and a re-render leave every published byte as it was
    again = assess_year(builds[0].options())
    assert {r.status for r in again.results} == {"cached"}
    render(builds[0].report_dir, "builtin")
    after = tree(builds[0].report_dir)
    assert sorted(n for n in first if after[n] != first[n]) == ["timings.json"]
    assert {n["status"] for n in json.loads(after["timings.json"])["notebooks"].values()} == {"cached"}


def test_verify_passes_on_an_untouched_year(copy_small_run, capsys):
    code = main(["verify", str(copy_small_run.report_dir), "--notebooks", str(NOTEBOOKS), "--jobs", "2"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "re-derive byte for byte" in out.out


def test_verify_catches_one_changed_input_value(copy_small_run, capsys):
    project = copy_small_run
    path = project.data / "outcomes.csv"
    header, *rows = (line.split(",") for line in path.read_text().splitlines())
    col = {name: i for i, name in enumerate(header)}
    latest = max(int(r[col["year"]]) for r in rows)
    row = next(r for r in rows if r[col["group"]] == "all" and int(r[col["year"]]) == latest and r[col["numerator"]])
    cid = row[col["community_id"]]
    row[col["numerator"]] = str(int(row[col["numerator"]]) // 2)  # one value, every other byte as it was
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n")

    result = verify_year(project.report_dir, NOTEBOOKS, jobs=2)
    assert not result.ok
    assert any(p.startswith("input changed:") and "outcomes.csv" in p for p in result.problems)
    differing = {d.split(":")[0] for d in result.differing}
    assert {f"scores/{cid}.json", f"data/{cid}-outcomes.csv", f"_site/communities/{cid}.html",
            "manifest.json"} <= differing
    assert main(["verify", str(project.report_dir), "--notebooks", str(NOTEBOOKS), "--jobs", "2"]) == 1
    err = capsys.readouterr().err
    assert "outcomes.csv" in err and f"scores/{cid}.json: differs" in err and "verify FAILED" in err


def test_verify_catches_a_tampered_published_scores_json(copy_small_run):
    project = copy_small_run
    path = sorted((project.report_dir / "scores").glob("*.json"))[0]
    scores = json.loads(path.read_text())
    scores["gateway"]["reached"] = "sustaining" if scores["gateway"]["reached"] != "sustaining" else "emerging"
    path.write_text(json.dumps(scores, indent=1))

    result = verify_year(project.report_dir, NOTEBOOKS, jobs=2)
    assert result.problems == []  # the inputs are those of the manifest...
    assert result.differing == [f"scores/{path.name}: differs"]  # ...but the published file is not what they give


def test_verify_an_earlier_year_whose_site_links_the_later_one(tmp_path):
    """2024's pages were refreshed when 2025 was published (year switcher): verify re-derives them beside it."""
    info = demo.generate(tmp_path / "data", n=2, seed=5)
    for year in (2024, 2025):
        demo.write_demo_params(tmp_path / "params", year, "data", info["local"])
    common = ["--params", str(tmp_path / "params"), "--reports", str(tmp_path / "reports"), "--notebooks",
              str(NOTEBOOKS), "--jobs", "2", "--quiet", "--engine", "builtin"]
    for year in (2024, 2025):
        assert main(["assess", "--year", str(year), "--data", str(tmp_path / "data"), *common]) == 0
    assert "2025/_site/" in (tmp_path / "reports" / "2024" / "_site" / "index.html").read_text()
    result = verify_year(tmp_path / "reports" / "2024", NOTEBOOKS, jobs=2)
    assert result.ok, (result.problems, result.differing)
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["2024", "2025", "index.html"]


def bundle_members(path: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(path) as tar:
        return {m.name: m for m in tar.getmembers()}


def test_publish_bundle_holds_site_manifest_dictionary_and_checksums(small_run, tmp_path):
    project = small_run[0]
    target, files = publish(project.report_dir, tmp_path)
    assert target == tmp_path / f"ci-assessment-{YEAR}.tar.gz"
    prefix = f"ci-assessment-{YEAR}/"
    members = bundle_members(target)
    assert all(name.rstrip("/") + "/" == prefix or name.startswith(prefix) for name in members)
    names = {name.removeprefix(prefix) for name, m in members.items() if m.isfile()}
    site = {p.relative_to(project.site).as_posix() for p in project.site.rglob("*") if p.is_file()}
    assert names == {f"site/{n}" for n in site - {".build.json"}} | {"manifest.json", "data-dictionary.md",
                                                                      "SHA256SUMS"}
    with tarfile.open(target) as tar:
        read = {n: tar.extractfile(prefix + n).read() for n in names}  # type: ignore[union-attr]
    assert read["manifest.json"] == (project.report_dir / "manifest.json").read_bytes()
    assert read["site/index.html"] == (project.site / "index.html").read_bytes()
    sums = dict(reversed(line.split("  ", 1)) for line in read["SHA256SUMS"].decode().splitlines())
    assert set(sums) == names - {"SHA256SUMS"}
    assert all(hashlib.sha256(read[n]).hexdigest() == h for n, h in sums.items())
    dictionary = read["data-dictionary.md"].decode()
    for text in ("## Input data contract", "`outcomes.csv`", "`numerator`", "Scores JSON", '"gap_trend"',
                 '"provenance"'):
        assert text in dictionary
    run_date = json.loads(read["manifest.json"])["run_date"]
    epoch = int(datetime.datetime.fromisoformat(run_date).replace(tzinfo=datetime.UTC).timestamp())
    assert release_mtime(json.loads(read["manifest.json"])) == epoch
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members.values()} == {(epoch, 0, 0, "", "")}
    assert list(members) == sorted(members)
    raw = target.read_bytes()
    assert raw[4:8] == b"\0\0\0\0" and not raw[3] & 0x08  # gzip: mtime 0, no file name
    assert gzip.decompress(raw)[:100].startswith(prefix.encode())


def test_publishing_twice_gives_the_same_bytes(small_run, tmp_path, capsys):
    project = small_run[0]
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert main(["publish", "--year", str(YEAR), "--reports", str(project.reports), "--out", str(out)]) == 0
    first, second = (out.joinpath(f"ci-assessment-{YEAR}.tar.gz").read_bytes() for out in outs)
    assert first == second
    assert hashlib.sha256(first).hexdigest() in capsys.readouterr().out
    with tarfile.open(fileobj=io.BytesIO(first)) as tar:
        assert f"ci-assessment-{YEAR}/site/index.html" in tar.getnames()


def test_publish_without_a_built_site_is_a_clear_error(project, capsys):
    assert main(["publish", "--year", str(YEAR), "--reports", str(project.reports)]) == 2
    assert "manifest.json: not found" in capsys.readouterr().err


def test_verify_ended_by_sigterm_removes_its_scratch_folder(copy_small_run):
    """A scheduler's SIGTERM mid-verify: exit 128 + 15, one line, and no `ci-verify-*` folder left in the temp dir."""
    import os
    import signal
    import subprocess
    import sys
    import time

    scratch_root = copy_small_run.root / "tmp"
    scratch_root.mkdir()
    env = os.environ | {"TMPDIR": str(scratch_root), "PYTHONPATH": str(Path(__file__).parents[2])}
    proc = subprocess.Popen([sys.executable, "-m", "ci_lib.cli", "verify", str(copy_small_run.report_dir),
                             "--notebooks", str(NOTEBOOKS), "--jobs", "1"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not any(scratch_root.glob("ci-verify-*/reports/*")) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert any(scratch_root.glob("ci-verify-*")), "verify never made its scratch folder"
        time.sleep(1.0)  # into the re-run
        os.kill(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 128 + signal.SIGTERM, err.decode()
    assert "Traceback" not in err.decode(), err.decode()
    assert list(scratch_root.glob("ci-verify-*")) == []
