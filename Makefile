# The project's vocabulary: make run, make test, make bench, make lint.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CLI := $(BIN)/syria-events
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck pytest bench bench-geoparse db-start db-stop migrate load clean venv postgis

# The virtualenv is rebuilt when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed

postgis:
	@bash scripts/ensure-postgis.sh

db-start: venv postgis
	$(CLI) db start

db-stop: venv
	$(CLI) db stop

migrate: db-start
	$(CLI) db migrate

load: migrate
	$(CLI) gazetteer load
	$(CLI) demo load

run: load
	$(CLI) serve --host $(HOST) --port $(PORT)

lint: venv
	$(BIN)/ruff check app tests bench alembic
	$(BIN)/ruff format --check app tests bench alembic

typecheck: venv
	$(BIN)/mypy app

pytest: db-start
	$(BIN)/pytest

test: lint typecheck pytest

# Read path on 200k generated events, then geoparsing quality and speed on the labelled set.
bench: migrate
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.geoparse.run

bench-geoparse: venv
	$(BIN)/python -m bench.geoparse.run

clean:
	-$(CLI) db stop
	rm -rf .data $(VENV) .pytest_cache .mypy_cache .ruff_cache bench/results
