# `make run` sets up and starts the app on demo data; `make check` is the one-minute loop (lint and every test
# that needs neither a browser nor PostgreSQL); `make test` sets up and runs every test (CI).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PORT ?= 8501

.PHONY: run check test lint format system-deps bench clean-data

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Chromium (board pack charts, browser tests), PostgreSQL (store tests), poppler (PDF checks), fonts.
system-deps:
	bash scripts/system-deps.sh

# python dashboard.py is `streamlit run dashboard.py`, warmed for the first visitor (perfdash.ui.serve).
run: $(STAMP) system-deps
	$(BIN)/python dashboard.py --server.port $(PORT)

# lint-imports checks the layer contracts in pyproject.toml ([tool.importlinter]).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Two xdist workers: the machine's two cores. Every server a test starts takes a free port and a temporary
# directory, and PostgreSQL databases are named by worker process, so workers never collide.
# Property tests draw a fifth of their examples here (PERFDASH_QUICK_PROPERTIES); `make test` draws them all.
# tests/e2e is not even collected: every test there drives Chromium, and importing Playwright costs each worker.
check: $(STAMP) lint
	PERFDASH_QUICK_PROPERTIES=1 $(BIN)/python -m pytest -n 2 -p no:cacheprovider -m "not browser and not postgres" --ignore=tests/e2e

# PERFDASH_REQUIRE_* make a missing PostgreSQL or Chromium fail the run instead of skipping tests.
test: $(STAMP) system-deps lint
	PERFDASH_REQUIRE_POSTGRES=1 PERFDASH_REQUIRE_BROWSER=1 $(BIN)/python -m pytest -n 2

bench: $(STAMP) system-deps
	for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean-data:
	rm -f data/perfdash.sqlite data/perfdash.sqlite-wal data/perfdash.sqlite-shm
