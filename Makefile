# The case transfer service. `make help` lists the targets.
# Each target sets up its own virtual environment from pyproject.toml and the MASH
# pages' front-end packages from package-lock.json (npm ci), so a fresh clone needs only
# Python 3.11+, Node.js 20+ with npm, and make.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help run test lint typecheck openapi bench clean

help: ## Show this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml clients/python/pyproject.toml package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,bench]" -e "clients/python[test]"
	npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

run: $(STAMP) ## Start the service on SQLite under ./var (development tokens printed on first run; MASH pages at /mash/)
	$(BIN)/case-transfer serve $(ARGS)

test: $(STAMP) lint typecheck ## Run the whole test suite, the Python client's too (lint, types, SQLite; PostgreSQL too if CASE_TRANSFER_TEST_POSTGRES_URL is set)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal -p no:cacheprovider

lint: $(STAMP) ## ruff: lint and formatting (the service and the Python client)
	$(BIN)/ruff check service tests bench clients/python
	$(BIN)/ruff format --check service tests bench clients/python

typecheck: $(STAMP) ## mypy --strict on the service and on the Python client (its own config)
	$(BIN)/mypy
	cd clients/python && ../../$(BIN)/mypy

openapi: $(STAMP) ## Regenerate the committed openapi/openapi.json
	$(BIN)/case-transfer openapi

bench: $(STAMP) ## Benchmark on SQLite and PostgreSQL against baselines (HTTP load from wrk if installed: apt-get install wrk); JSON and PNG in bench/results (ARGS="--duration 10 --concurrency 16 --stores sqlite,postgres --scale 1")
	$(BIN)/python -m bench $(ARGS)

clean: ## Remove the virtual environment, front-end packages and local data
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache .hypothesis
