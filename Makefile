# The two commands a newcomer needs: `make demo` runs Livedesk, `make test` runs every test.
# Both set up what they need themselves (a virtualenv in .venv; Debian's chromium for the
# browser tests, when running as root; axe-core from npm for their accessibility checks).

VENV ?= .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
# Test processes (pytest-xdist; a module stays on one worker). 0 runs everything in one process.
TEST_WORKERS ?= 2
PYTEST := $(VENV)/bin/pytest -q -n $(TEST_WORKERS) --dist loadfile

.PHONY: demo test test-sqlite test-postgres bench lint install

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(VENV)/bin/livedesk demo

test: $(VENV)/.installed
	scripts/ensure-chromium
	scripts/ensure-axe
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: $(VENV)/.installed
	$(PYTEST)

# The database-facing tests again on PostgreSQL (tests/conftest.py leaves out the ones that never
# touch a database; the browser tests once, on SQLite, are enough).
test-postgres: $(VENV)/.installed
	@if $(PY) scripts/pg_reachable.py "$(PG_TEST_URL)"; then \
		LIVEDESK_TEST_DATABASE_URL="$(PG_TEST_URL)" $(PYTEST) -m "not browser"; \
	elif [ -n "$$LIVEDESK_REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL at $(PG_TEST_URL) is required but unreachable"; exit 1; \
	else \
		echo "skipping the PostgreSQL run: no server at $(PG_TEST_URL)"; \
	fi

# ruff, the direction of imports (contracts in pyproject.toml) and the type checker.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
