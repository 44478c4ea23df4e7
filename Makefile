# StockBook developer commands. `make run` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install run test lint format migrate clean bench

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "StockBook needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

run: install  ## serve on the embedded SQLite database (127.0.0.1:8000)
	$(BIN)/stockbook migrate
	$(BIN)/stockbook serve

lint: install  ## import contracts, ruff, mypy --strict
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint  ## lint, then the whole test suite with coverage (fails under 90 %)
	$(BIN)/pytest --cov --cov-report=term

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: install  ## apply all migrations to STOCKBOOK_DATABASE_URL
	$(BIN)/stockbook migrate

bench: install  ## load and scaling benchmarks (needs wrk; PostgreSQL with STOCKBOOK_BENCH_DATABASE_URL)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
