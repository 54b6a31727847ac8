# Two entry points for a fresh clone: `make run` and `make test`. Both create .venv as needed.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup setup-dev run test check lint format clean eval bench load

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[api]'
	touch $@

# torch is pinned to the local CPU build first: a bare requirement would pull the CUDA wheels.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

setup: $(VENV)/.installed
setup-dev: $(VENV)/.installed-dev

## The main job: the API on http://127.0.0.1:8000 (docs at /api/v1/docs), SQLite under var/.
run: setup
	$(BIN)/matcher kb validate
	$(BIN)/matcher serve

## Lint, type-check, then the whole test suite; storage and API tests also run on a throwaway PostgreSQL
## (scripts/test-postgres.sh installs and starts it on 127.0.0.1) and the map page runs in Debian's Chromium
## (scripts/ensure-browser.sh installs it); under CI both are required.
test: check
	@scripts/ensure-browser.sh || { [ -z "$$CI" ] || exit 1; echo "browser test skipped" >&2; }
	@if url=$$(scripts/test-postgres.sh); then export TEST_DATABASE_URL=$$url; \
	elif [ -n "$$CI" ]; then echo "CI needs PostgreSQL for the storage tests" >&2; exit 1; \
	else echo "PostgreSQL unavailable: storage and API tests run on SQLite only" >&2; fi; \
	$(BIN)/pytest

## Figures for the README: ranking quality, engine speed, service load.
eval: setup-dev
	$(BIN)/matcher eval
bench: setup-dev
	$(BIN)/matcher bench
load: setup-dev
	$(BIN)/matcher load-test

check: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
