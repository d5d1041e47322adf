# The project's vocabulary: make run, make test, make bench, make lint.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CLI := $(BIN)/syria-events
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck pytest bench bench-geoparse bench-compare wrk db-start db-stop migrate load clean venv postgis assets chromium gdal servers

# The virtualenv is rebuilt when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed

postgis:
	@bash scripts/ensure-postgis.sh

# GDAL's ogrinfo/ogr2ogr from apt: the OGC API tests drive the real API with its OAPIF driver.
gdal:
	@bash scripts/ensure-gdal.sh

# nginx, Redis and PgBouncer from apt: the scaled-out topology's test starts its own on loopback.
servers:
	@bash scripts/ensure-servers.sh

# wrk from apt: the load generator of make bench-compare.
wrk:
	@bash scripts/ensure-wrk.sh

# The map page's MapLibre GL JS and offline basemap, from the npm registry at the lockfile's versions (node/npm from apt
# when missing), copied into the git-ignored app/map/static/vendor/; redone when the pins change.
MAP_VENDOR := app/map/static/vendor/basemap/basemap.json
$(MAP_VENDOR): app/map/web/package.json app/map/web/package-lock.json scripts/build-map-assets.sh
	@bash scripts/build-map-assets.sh

assets: $(MAP_VENDOR)

# Debian's Chromium, which the map page's browser test drives (never Playwright's downloads).
chromium:
	@bash scripts/ensure-chromium.sh

db-start: venv postgis
	$(CLI) db start

db-stop: venv
	$(CLI) db stop

migrate: db-start
	$(CLI) db migrate

load: migrate
	$(CLI) gazetteer load
	$(CLI) demo load

run: load assets
	$(CLI) serve --host $(HOST) --port $(PORT)

lint: venv
	$(BIN)/ruff check app tests bench alembic
	$(BIN)/ruff format --check app tests bench alembic

typecheck: venv
	$(BIN)/mypy app

pytest: db-start assets chromium gdal servers
	$(BIN)/pytest

test: lint typecheck pytest

# Read path on 200k generated events, then geoparsing quality and speed on the labelled set,
# then this API beside tipg and the floor on the same events (one load serves both), then the
# scaled-out topology under load (its own clusters), then the sizes measured so far side by side.
EVENTS ?= 200000
bench: migrate wrk servers
	$(BIN)/python -m bench.run --events $(EVENTS)
	$(BIN)/python -m bench.geoparse.run
	$(BIN)/python -m bench.compare --events $(EVENTS)
	$(BIN)/python -m bench.topology --events $(EVENTS)
	$(BIN)/python -m bench.scale

# This API, tipg (its own venv: bench/.venv-tipg from bench/tipg/requirements.txt) and a
# framework-free floor on the same bench events, under wrk; bench/results/compare-N.json.
bench-compare: migrate wrk
	$(BIN)/python -m bench.compare --events $(EVENTS)

bench-geoparse: venv
	$(BIN)/python -m bench.geoparse.run

clean:
	-$(CLI) db stop
	-t=$$(readlink .data/server 2>/dev/null); case "$$t" in /var/lib/syria-events/?*) rm -rf "$$t";; esac
	rm -rf .data $(VENV) .pytest_cache .mypy_cache .ruff_cache bench/results \
		app/map/web/node_modules app/map/static/vendor test-artifacts
