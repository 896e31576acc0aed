# Two commands: `make run` and `make test`. Everything else here is what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
JS     := tests/interop/js

.PHONY: install run test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

# Independent verifiers (Digital Bazaar, DCC, panva/jose) from the npm registry, pinned by the lock file.
$(JS)/node_modules/.installed: $(JS)/package.json $(JS)/package-lock.json
	cd $(JS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed $(JS)/node_modules/.installed

# The demo on a fresh machine: SQLite in ./instance unless BADGER_DATABASE_URL says otherwise.
# Only the Python side is needed to serve (the npm verifiers are for the tests).
run: $(VENV)/.installed
	$(BIN)/badger db upgrade
	$(BIN)/badger demo > /dev/null
	@echo
	@echo "Badger is starting: open the issuer and credential pages listed above, or the verify"
	@echo "page to check a badge (drop its PNG or paste its URL). Stop with Ctrl+C."
	@echo
	$(BIN)/badger serve --host 127.0.0.1 --port 5000

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/bench_sign_verify.py

clean:
	rm -rf $(VENV) $(JS)/node_modules .pytest_cache .hypothesis
