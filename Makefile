# Certinel: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# make demo PORT=8201: serve there, and make http://127.0.0.1:8201 the public address (QR codes,
# DIDs, credential ids, the log's name). Default: the port the demo was built for, else 8000.
# RESET=1 rebuilds the demo (e.g. for another port).
PORT   ?=
RESET  ?=

.PHONY: demo test test-sqlite test-postgres install browser lint typecheck bench messages clean help

help:
	@echo "make demo    build a demo province in SQLite and serve the portal on http://127.0.0.1:$(or $(PORT),8000)/"
	@echo "             (PORT=N serves on another port; RESET=1 rebuilds the demo)"
	@echo "make test    run the whole test suite on SQLite and on PostgreSQL"
	@echo "make bench   run the benchmarks in bench/ (large; minutes to hours)"
	@echo "make lint    ruff and mypy"

# --- installation -----------------------------------------------------------------------
$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(BIN)/.installed node_modules/.installed

# Debian's Chromium drives the browser tests; installed when missing and we may install it.
browser:
	@$(BIN)/python -m certinel.core.testing.browser --ensure

# --- the two commands ---------------------------------------------------------------------
demo: install
	$(BIN)/certinel demo $(if $(PORT),--port $(PORT)) $(if $(RESET),--reset)

# The two runs go side by side (one per core); each one's output is shown when it ends.
test: install browser
	@echo "Running the test suite on SQLite and on PostgreSQL side by side; each run's report follows when it ends."
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: install
	CERTINEL_TEST_DB=sqlite $(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

test-postgres: install
	CERTINEL_TEST_DB=postgres $(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# --- the rest -----------------------------------------------------------------------------
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy src/certinel

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

messages: install
	cd src/certinel && ../../$(BIN)/certinel makemessages -l en -l zh_Hans -i '*/tests/*' && ../../$(BIN)/certinel compilemessages

clean:
	rm -rf $(VENV) node_modules .pytest_cache build src/*.egg-info
