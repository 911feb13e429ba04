"""The pinned environment: requirements.lock covers pyproject, environment.yml equals it, `ci-assess doctor`
reports drift, and the run manifest records the lock's hash."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from importlib import metadata

import yaml

from ci_lib.cli import main
from ci_lib.execute import cache
from ci_lib.tools.environment import doctor, environment_yml, normalise, read_lock
from tests.conftest import REPO

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def requirement_name(spec: str) -> str:
    return normalise(re.match(r"[A-Za-z0-9._-]+", spec).group(0))  # type: ignore[union-attr]


def test_lock_pins_every_dependency_and_the_dev_and_dask_extras():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lock = read_lock(REPO / "requirements.lock")
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"],
              *project["optional-dependencies"]["dask"]]
    assert {requirement_name(s) for s in wanted} <= set(lock.pins)
    assert lock.python == "3.11"
    text = (REPO / "requirements.lock").read_text()
    header = "".join(line for line in text.splitlines(keepends=True)[:12] if line.startswith("#"))
    assert "`make lock`" in header and "pip install -r requirements.lock" in header  # regenerate, install
    assert "--hash" not in text
    for line in text.splitlines():
        assert not line.strip() or line.lstrip().startswith("#") or re.fullmatch(r"[a-z0-9._-]+==\S+", line)


def test_environment_yml_is_the_lock_for_conda():
    lock = read_lock(REPO / "requirements.lock")
    text = (REPO / "environment.yml").read_text()
    assert text == environment_yml(lock), "environment.yml is stale: run `make lock`"
    env = yaml.safe_load(text)
    assert env["channels"] == ["conda-forge"] and "python=3.11" in env["dependencies"]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip[-1] == "-e ."
    pinned = [d for d in env["dependencies"] if isinstance(d, str) and "==" in d] + pip[:-1]
    versions = {normalise(d.split("==")[0]): d.split("==")[1] for d in pinned}
    assert versions == lock.pins


def test_makefile_installs_from_the_lock_and_can_regenerate_it():
    makefile = (REPO / "Makefile").read_text()
    stamp = re.search(r"^\$\(STAMP\):(.*)$", makefile, re.M)
    assert stamp and "requirements.lock" in stamp.group(1)
    assert "pip install -q -r requirements.lock" in makefile and "pip install -q -e . --no-deps" in makefile
    assert re.search(r"^lock:", makefile, re.M)


def installed_version(name: str) -> str:
    return metadata.version(name)


def doctor_output_in_sync(tmp_path, capsys) -> str:
    """What `ci-assess doctor` prints against a lock that pins what is installed (it must exit 0)."""
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"# pinned for Python {PYTHON}\npyyaml=={installed_version('PyYAML')}\n"
                    f"pandas=={installed_version('pandas')}\n    # via ci-assess (pyproject.toml)\n")
    assert main(["doctor", "--lock", str(lock)]) == 0
    return capsys.readouterr().out


def test_doctor_is_quiet_when_the_environment_matches(tmp_path, capsys):
    out = doctor_output_in_sync(tmp_path, capsys)
    assert "in sync" in out and f"python: {PYTHON} (lock: {PYTHON})" in out
    assert "speed tricks on (CI_ASSESS_NO_COMPAT=1 turns them off): skip_validation_on_write" in out


def test_doctor_says_when_the_kill_switch_turned_the_speed_tricks_off(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CI_ASSESS_NO_COMPAT", "1")
    out = doctor_output_in_sync(tmp_path, capsys)
    assert "speed tricks on (CI_ASSESS_NO_COMPAT=1 turns them off): none; off" in out and "fast_svg_text" in out


def test_doctor_lists_missing_and_different_packages_and_exits_1(tmp_path, capsys):
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"# pinned for Python {PYTHON}\npandas==0.0.1\nsurely-not-installed-pkg==1.0\n"
                    f"PyYAML=={installed_version('PyYAML')}\n")
    assert main(["doctor", "--lock", str(lock)]) == 1
    err = capsys.readouterr().err
    assert "missing: surely-not-installed-pkg==1.0" in err
    assert f"different: pandas {installed_version('pandas')} installed, lock has 0.0.1" in err
    assert "pyyaml" not in err and "DRIFT: 2 difference(s)" in err


def test_doctor_reports_another_python_as_drift(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"# pinned for Python 3.9\npandas=={installed_version('pandas')}\n")
    drift = doctor(lock)
    assert drift.python_differs and not drift.in_sync and not drift.missing and not drift.different
    assert doctor(lock, present={"pandas": installed_version("pandas")}, python="3.9").in_sync


def test_the_manifest_records_the_hash_of_the_lock(small_run, tmp_path):
    project = small_run[0]
    manifest = json.loads((project.report_dir / "manifest.json").read_text())
    assert manifest["lock_sha256"] == cache.lock_sha256()
    (tmp_path / "requirements.lock").write_text("pandas==1.0\n")
    first = cache.lock_sha256(tmp_path)
    (tmp_path / "requirements.lock").write_text("pandas==1.1\n")
    assert cache.lock_sha256(tmp_path) != first  # a changed lock changes every cache key
