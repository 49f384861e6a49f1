# The two commands a new user needs:  make demo   and   make check
# Both set themselves up from nothing (virtual environment, pinned dependencies).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
PG_URL ?= postgres://postgres@127.0.0.1:5432/ketaclinic
HOST ?= 127.0.0.1
PORT ?= 8000
LINTED := src tests $(wildcard bench)

.PHONY: demo check lint typecheck test-sqlite test-postgres bench drill clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.base: $(BIN)/uv requirements/base.lock pyproject.toml
	$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes -r requirements/base.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.base requirements/dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes -r requirements/dev.lock
	touch $@

## Run the demo clinic on http://$(HOST):$(PORT) (SQLite under var/, demo data, demo logins).
demo: $(VENV)/.base
	$(BIN)/ketaclinic demo --host $(HOST) --port $(PORT)

## Every check CI runs: ruff, mypy, pytest on SQLite and on PostgreSQL (browser tests included).
check: $(VENV)/.dev
	scripts/ensure-chromium
	scripts/ensure-fonts
	scripts/ensure-node-tools
	scripts/ensure-nginx
	$(MAKE) --keep-going lint typecheck test-sqlite test-postgres

lint: $(VENV)/.dev
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/lint-imports

typecheck: $(VENV)/.dev
	$(BIN)/mypy src/ketaclinic

test-sqlite: $(VENV)/.dev
	$(BIN)/pytest -p no:cacheprovider

test-postgres: $(VENV)/.dev
	scripts/with-postgres $(BIN)/pytest -p no:cacheprovider

## Benchmarks (not tests): each script prints its figures; docs/PERFORMANCE.md quotes them.
bench: $(VENV)/.dev
	for script in bench/*.py; do $(BIN)/python -P $$script || exit 1; done

## The several-app-servers drill on PostgreSQL (docs/operations.md): prints one JSON line of zeros.
drill: $(VENV)/.dev
	scripts/drill-multi-server --seconds 20

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
