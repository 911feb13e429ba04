# Two entry points for a fresh clone: `make assess` (full demo assessment) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
YEAR ?= 2025
JOBS ?=

.PHONY: assess test lint typecheck bench lab clean-reports browsers

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,dask]"
	touch $(STAMP)

assess: $(STAMP)
	$(BIN)/ci-assess demo --year $(YEAR) $(if $(JOBS),--jobs $(JOBS))

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check ci_lib tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_execute.py

lab: $(STAMP)
	$(BIN)/ci-assess lab

clean-reports:
	rm -rf reports/*/
