# resident: the README's two commands are `make run` and `make test`.
# Every target installs what is missing first (Python venv from
# requirements.lock, npm packages from package-lock.json, the solc wrapper).

SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
SOLC_VERSION := $(shell sed -n 's/^ *version: *\([0-9][0-9.]*\) *$$/\1/p' brownie-config.yaml | head -n 1)

# py-solc-x (Brownie's compiler front) finds `solc-v<version>` here.
export SOLCX_BINARY_PATH := $(VENV)/solcx
export PATH := $(BIN):$(PATH)
export PYTHONPATH := $(CURDIR)
export PYTHONDONTWRITEBYTECODE := 1

PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
SOLC := $(SOLCX_BINARY_PATH)/solc-v$(SOLC_VERSION)
ANVIL := $(BIN)/anvil
WEB_STAMP := backend/web/static/vendor/.installed

LINT_VENV := $(CURDIR)/.venv-lint
LINT_STAMP := $(LINT_VENV)/.installed
FUZZ_VENV := $(CURDIR)/.venv-fuzz
FUZZ_STAMP := $(FUZZ_VENV)/.installed

.PHONY: run test setup compile bench lint fuzz clean rehearse

setup: $(PY_STAMP) $(NODE_STAMP) $(SOLC) $(ANVIL) $(WEB_STAMP)

$(PY_STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed: install python3 and python3-venv"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# --no-deps: the lock pins every package; it knowingly overrides Brownie's
	# python-dotenv pin (see pyproject.toml), which pip's resolver would refuse.
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "Node.js 20 and npm are needed: apt-get install nodejs npm"; exit 1; }
	# --ignore-scripts: anvil's postinstall only checks for the platform
	# binary, which npm installs as an optional dependency anyway.
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

$(SOLC): tools/solc-native.js $(NODE_STAMP) $(PY_STAMP)
	mkdir -p $(SOLCX_BINARY_PATH)
	ln -sfn $(CURDIR)/tools/solc-native.js $@
	$@ --version | grep -q "Version: $(SOLC_VERSION)+" || { echo "npm solc is not $(SOLC_VERSION): align package.json with brownie-config.yaml"; exit 1; }

$(ANVIL): $(NODE_STAMP) $(PY_STAMP)
	# Brownie launches and stops `anvil` by name: link the real binary, not
	# npm's Node launcher, so stopping it stops the chain.
	ln -sfn $(CURDIR)/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil $@
	$@ --version >/dev/null

# The pages' browser libraries (Chart.js, ZXing, Swagger UI for /docs), copied from node_modules: no CDN at run time.
# The web font's subset takes the characters of the pages' texts (backend/web/webfont.py).
$(WEB_STAMP): tools/build_web.py backend/web/vendor.py backend/web/webfont.py $(wildcard backend/web/static/i18n/*.json) \
		$(wildcard backend/web/templates/*.html) $(wildcard backend/web/static/js/*.js) $(NODE_STAMP) $(PY_STAMP)
	$(BIN)/python tools/build_web.py
	touch $@

# Slither has dependencies of its own (newer than Brownie's pins): own venv.
$(LINT_STAMP): tools/slither.lock
	test -x $(LINT_VENV)/bin/python || $(PYTHON) -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/slither.lock
	touch $@

# Static analysis of the contracts. Excluded detectors: `timestamp` (expiry
# is about time by design) and `unindexed-event-address` (Paused/Unpaused
# keep OpenZeppelin's signatures so tools recognise them).
lint: setup $(LINT_STAMP)
	VIRTUAL_ENV=$(LINT_VENV) $(LINT_VENV)/bin/slither contracts --config-file slither.config.json --fail-pedantic \
		--solc $(SOLC) --solc-standard-json

# schemathesis 4 needs a newer hypothesis than Brownie's pin: own venv too.
$(FUZZ_STAMP): tools/schemathesis.lock
	test -x $(FUZZ_VENV)/bin/python || $(PYTHON) -m venv $(FUZZ_VENV)
	$(FUZZ_VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/schemathesis.lock
	touch $@

# schemathesis over the whole OpenAPI against `make run`'s stack, anonymously and as holder, venue desk and
# staff; fails on any 5xx. About 3 minutes: a time budget per role (tools/fuzz.py --help).
fuzz: setup $(FUZZ_STAMP)
	$(BIN)/python tools/fuzz.py

compile: setup
	$(BIN)/brownie compile

run: setup
	$(BIN)/python tools/run_local.py

test: setup lint $(FUZZ_STAMP)
	$(BIN)/brownie compile
	$(BIN)/brownie test tests/contracts tests/scripts --network anvil
	# The backend suite runs on SQLite and on a real PostgreSQL server (installed and started if missing),
	# one pytest-xdist worker a core, a module's tests on one worker (its module fixtures are set up once).
	# Each worker has its own anvil, IPFS node and databases (free ports, random names).
	RESIDENT_TEST_POSTGRES_URL=$$(tools/postgres.sh) && export RESIDENT_TEST_POSTGRES_URL && \
		$(BIN)/python -m pytest -p no:pytest-brownie tests/backend tests/metadata tests/tools -q -n auto --dist loadscope
	# Every route of the OpenAPI, generated input, four roles: no 5xx (see `fuzz`).
	$(BIN)/python tools/fuzz.py
	# The web app in headless Chromium (Debian's, installed if missing) against `make run`'s stack.
	tools/chromium.sh >/dev/null && $(BIN)/python -m pytest -p no:pytest-brownie tests/web -q

# The demo's life on a rehearsal chain (2 s blocks, an RPC fault proxy, base-fee spikes, dropped transactions,
# reorgs, rollbacks), then the chain checked against the database; exits 1 when a check fails.
rehearse: setup
	$(BIN)/brownie compile
	$(BIN)/python tools/rehearsal/run.py $(REHEARSE_ARGS)

bench: setup
	# Each bench exits 1 when it misses a target; `-` runs the others anyway (each prints its own table).
	-$(BIN)/python bench/gas.py
	-$(BIN)/python bench/campaign.py
	-RESIDENT_TEST_POSTGRES_URL=$$(tools/postgres.sh) $(BIN)/python bench/indexer.py
	-$(BIN)/python bench/venue.py
	-$(BIN)/python bench/venue.py --postgres $$(tools/postgres.sh)
	-RESIDENT_TEST_POSTGRES_URL=$$(tools/postgres.sh) $(BIN)/python bench/kpi_series.py
	-$(BIN)/python bench/civic.py --postgres $$(tools/postgres.sh)
	-$(BIN)/python bench/console.py --postgres $$(tools/postgres.sh)
	-$(BIN)/python bench/poster.py
	-$(BIN)/python bench/rehearsal.py

clean:
	rm -rf build reports .hypothesis crytic-export
