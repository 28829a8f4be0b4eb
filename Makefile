# Turvaverkko — the two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

WEB_STAMP := web/node_modules/.package-lock.json

.PHONY: run demo test lint format migrate check-compose bench lock clean web web-test web-api

# Create the virtual environment if absent and install exactly the pinned set.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)  ## migrate, then run every service and worker in the foreground
	$(BIN)/turvaverkko run

demo: $(STAMP)  ## load the synthetic demo data into the stack `make run` runs (development only)
	$(BIN)/turvaverkko demo

test: $(STAMP)  ## the whole suite against the real PostgreSQL and RabbitMQ (the web UI's first)
	@$(MAKE) --no-print-directory web-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(STAMP)
	$(BIN)/turvaverkko migrate

check-compose: $(STAMP)
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec compose.yaml

bench: $(STAMP)  ## the benchmarks; figures go into the README's performance table
	$(BIN)/python bench/relay.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/single.py
	$(BIN)/python bench/csv_import.py
	$(BIN)/python bench/aggregates.py

# Re-pin every package after changing pyproject.toml's dependencies.
lock:
	rm -rf /tmp/turvaverkko-lock && $(PYTHON) -m venv /tmp/turvaverkko-lock
	/tmp/turvaverkko-lock/bin/pip install --quiet -e '.[dev]'
	( echo '# Exact versions of every package, direct and transitive. `make` installs with `pip install -c constraints.txt`.'; \
	  echo '# Regenerate: make lock'; \
	  /tmp/turvaverkko-lock/bin/pip freeze --exclude-editable ) > constraints.txt

# The web UI (web/): its Node packages exactly as package-lock.json pins them, installed again
# when node_modules is absent or older than the lock file (npm writes the stamp itself).
$(WEB_STAMP): web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $(WEB_STAMP)

web: $(WEB_STAMP)  ## build the web UI into web/dist/
	cd web && npm run build

web-test: $(WEB_STAMP)  ## the web UI's type check and unit tests
	cd web && npm run typecheck && npm test

# After an API or route change: the OpenAPI documents, the UI's route table and the typed clients'
# types regenerated (tests fail until they are).
web-api: $(STAMP) $(WEB_STAMP)
	$(BIN)/python web/scripts/openapi.py
	$(BIN)/turvaverkko ui-routes > web/src/routes.json
	cd web && npm run api-types

clean:
	rm -rf $(VENV) .run .pytest_cache .ruff_cache web/node_modules web/dist
