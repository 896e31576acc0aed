# Two commands: `make run` and `make test`. Everything else here is what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
JS     := tests/interop/js

.PHONY: install run test check bench fuzz clean

# Python writes and reuses byte-compiled modules here, even where the environment asks it not to
# (PYTHONDONTWRITEBYTECODE): otherwise every process that the tests, the benchmarks and `make run`
# start (servers, workers, the CLI) compiles the whole package again (~0.15 s each).
unexport PYTHONDONTWRITEBYTECODE

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# What serving needs (make run), and everything for the tests and checks (make test, make check).
$(VENV)/.serve-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.serve-installed

# Independent verifiers (Digital Bazaar, DCC, panva/jose) from the npm registry, pinned by the lock file.
$(JS)/node_modules/.installed: $(JS)/package.json $(JS)/package-lock.json
	cd $(JS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium for the browser tests (tests/browser): the Python playwright package drives it
# through executable_path; no browser is ever downloaded (no `playwright install`). Only when missing.
CHROMIUM := /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# apt-get waits up to 10 minutes for the dpkg lock held by another install instead of failing.
APT      := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600

$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests..."
	$(APT) install -y -qq --no-install-recommends chromium > /dev/null \
	  || { $(APT) update -qq && $(APT) install -y -qq --no-install-recommends chromium > /dev/null; }
	test -x $@

# DejaVu fonts for the generated default badge images (Pillow finds them by file name in the
# system font folders), and a Java runtime for the Nu Html Checker (tests/web/pages/test_html5.py).
FONT := /usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf
$(FONT):
	$(APT) install -y -qq --no-install-recommends fonts-dejavu-core > /dev/null \
	  || { $(APT) update -qq && $(APT) install -y -qq --no-install-recommends fonts-dejavu-core > /dev/null; }
	test -f $@

# Pango (and HarfBuzz's subsetter) for WeasyPrint, which draws the certificate PDF; loaded only
# when a PDF is asked for. Only when missing.
.PHONY: pango
pango:
	@ldconfig -p | grep -q libpangoft2-1.0 && ldconfig -p | grep -q libharfbuzz-subset \
	  || $(APT) install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 > /dev/null \
	  || { $(APT) update -qq && $(APT) install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 > /dev/null; }

.PHONY: java
java:
	@command -v java > /dev/null || $(APT) install -y -qq --no-install-recommends default-jre-headless > /dev/null \
	  || { $(APT) update -qq && $(APT) install -y -qq --no-install-recommends default-jre-headless > /dev/null; }

install: $(VENV)/.installed $(JS)/node_modules/.installed $(CHROMIUM) $(FONT) pango java

# The demo on a fresh machine: SQLite in ./instance unless BADGER_DATABASE_URL says otherwise.
# Only Badger and its runtime dependencies: no test extras, no browser, no npm verifiers. The
# DejaVu fonts draw the generated badge images; Pango lets WeasyPrint draw the certificate PDF.
run: $(VENV)/.serve-installed $(FONT) pango
	$(BIN)/badger db upgrade
	$(BIN)/badger demo > /dev/null
	@echo
	@echo "Badger is starting: open the issuer and credential pages listed above, or the verify"
	@echo "page to check a badge (drop its PNG or paste its URL). Stop with Ctrl+C."
	@echo
	$(BIN)/badger serve --host 127.0.0.1 --port 5000

# The whole suite on three pytest-xdist workers (two cores; many tests wait on servers, workers
# and verifiers they start), warnings as errors, coverage with a floor, the
# slowest tests listed at the end (pyproject.toml [tool.pytest.ini_options], [tool.coverage]).
test: install
	$(BIN)/python -m pytest -n 3 --cov --durations=15

# The developer's loop (under 2 minutes): lint, types, import contracts, the library tests.
check: $(VENV)/.installed
	$(BIN)/ruff check badger tests bench
	$(BIN)/ruff format --check badger tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n 2 tests/baking tests/credentials tests/jsonld tests/keys tests/proofs tests/status tests/verification tests/test_layering.py tests/test_contracts.py

# Each prints its figures against its reference in the same run (vc.js, a bare Flask app).
bench: install
	$(BIN)/python bench/bench_sign_verify.py
	$(BIN)/python bench/bench_baking.py
	$(BIN)/python bench/bench_bulk.py
	@command -v wrk > /dev/null || $(APT) install -y -qq --no-install-recommends wrk > /dev/null \
	  || { $(APT) update -qq && $(APT) install -y -qq --no-install-recommends wrk > /dev/null; }
	$(BIN)/python bench/bench_http.py
	$(BIN)/python bench/bench_pages.py

# Property-based fuzzing of the published OpenAPI (schemathesis), not part of `make test`:
# 700 examples per operation, a new seed each run (> 10,000 requests; the count is printed).
# No 5xx, no answer outside the description. BADGER_FUZZ_STRICT=1 also asks that every
# request the description allows be accepted.
FUZZ_EXAMPLES ?= 700
fuzz: $(VENV)/.installed
	BADGER_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -s -n 0 tests/security/test_fuzz.py

# Translations: one gettext domain per area, mapped by babel/<domain>.cfg. Workflow: mark new
# text (_() in Python and Jinja, N_() in badger.verification), `make translations` (extracts
# every domain and merges it into badger/translations/{fr,en}/LC_MESSAGES/<domain>.po),
# translate the new French msgstr, run `make translations` again to compile the .mo, and commit
# both .po and .mo (tests/web/pages/test_i18n.py fails on a missing French text or a stale .mo).
# The .po files carry no creation date or tool version, so they change only when their text does.
DOMAINS_CFG := $(wildcard babel/*.cfg)
.PHONY: translations
translations: $(VENV)/.installed
	@mkdir -p build
	@for cfg in $(DOMAINS_CFG); do d=$${cfg#babel/}; d=$${d%.cfg}; \
	  $(BIN)/pybabel -q extract -F $$cfg -k _l -k N_ --no-location --sort-output --ignore-dirs=".* _* node_modules tests bench schemas instance" -o build/badger-$$d.pot . && \
	  for l in fr en; do po=badger/translations/$$l/LC_MESSAGES/$$d.po; \
	    if [ -f $$po ]; then $(BIN)/pybabel -q update -N -w 100 -i build/badger-$$d.pot -D $$d -d badger/translations -l $$l; \
	    else $(BIN)/pybabel -q init -w 100 -i build/badger-$$d.pot -D $$d -d badger/translations -l $$l; fi; \
	    sed -i -e '/^"POT-Creation-Date: /d' -e '/^"Generated-By: /d' $$po; done && \
	  $(BIN)/pybabel -q compile -d badger/translations -D $$d; done

clean:
	rm -rf $(VENV) $(JS)/node_modules .pytest_cache .hypothesis
