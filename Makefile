# Turvaverkko — the two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run demo test lint format migrate check-compose bench lock clean

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

test: $(STAMP)  ## the whole suite against the real PostgreSQL and RabbitMQ
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

clean:
	rm -rf $(VENV) .run .pytest_cache .ruff_cache
