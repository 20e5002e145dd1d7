# Two commands matter: `make run` (the dashboard on the local sandbox) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test test-fast bench serve lint install install-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Set up, seed the demo organisation, and serve the dashboard on 127.0.0.1:$(PORT), with a
## background-job worker beside it (stopped with the server).
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py sandbox_seed
	@$(BIN)/python manage.py jobs_worker --no-reload & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT; \
	  trap 'exit 130' INT; trap 'exit 143' TERM; \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## Set up and run the whole test suite (SQLite; PostgreSQL and Redis too when their URLs are set).
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL$$TEST_CACHE_URL" ]; then \
	  echo "== again against $${TEST_DATABASE_URL:-the default database} and $${TEST_CACHE_URL:-the default cache}"; \
	  DATABASE_URL="$${TEST_DATABASE_URL:-$$DATABASE_URL}" CACHE_URL="$${TEST_CACHE_URL:-$$CACHE_URL}" \
	    $(BIN)/python -m pytest $(PYTEST_ARGS); \
	fi

## The fast tier alone: pure logic and the layering, no server, in seconds.
test-fast: install-dev
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .

## Benchmarks: ratios measured in one run (not timed tests).
bench: install-dev
	$(BIN)/python -m pytest tests/benchmarks -s -q -p no:randomly $(PYTEST_ARGS)

## Production-style serving: gunicorn with threaded workers (see README, Deployment).
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/gunicorn dashboard.wsgi:application -c gunicorn.conf.py
