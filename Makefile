# Two commands: `make run` (set up and start the app on demo data) and `make test` (set up and run every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PORT ?= 8501

.PHONY: run test lint format system-deps bench clean-data

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Chromium (board pack charts, browser tests), PostgreSQL (store tests), poppler (PDF checks), fonts.
system-deps:
	bash scripts/system-deps.sh

run: $(STAMP) system-deps
	$(BIN)/python -m streamlit run dashboard.py --server.port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# PERFDASH_REQUIRE_* make a missing PostgreSQL or Chromium fail the run instead of skipping tests.
test: $(STAMP) system-deps lint
	PERFDASH_REQUIRE_POSTGRES=1 PERFDASH_REQUIRE_BROWSER=1 $(BIN)/python -m pytest

bench: $(STAMP) system-deps
	for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean-data:
	rm -f data/perfdash.sqlite data/perfdash.sqlite-wal data/perfdash.sqlite-shm
