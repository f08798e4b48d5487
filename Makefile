# Waymark: `make run` serves the demo service; `make test` runs every test. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-browser install install-test install-browser install-bench assets lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the package definition changes.
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[serve,queue,postgres]'
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,serve,queue,postgres]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-browser: setup.cfg pyproject.toml $(VENV)/.installed-test
	$(BIN)/pip install --quiet -e '.[test,serve,queue,postgres,browser]'
	touch $@

$(VENV)/.installed-bench: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[serve,queue,postgres,bench]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed

install: $(VENV)/.installed assets

install-test: $(VENV)/.installed-test assets

install-browser: $(VENV)/.installed-browser assets

install-bench: $(VENV)/.installed-bench assets

run: install
	$(BIN)/waymark db upgrade
	$(BIN)/waymark demo --if-empty
	$(BIN)/waymark run --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/bandit -c pyproject.toml -r app models competences exports -q
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Browser journeys and accessibility checks: Playwright driving Debian's Chromium (never a downloaded browser).
test-browser: install-browser
	$(BIN)/python -m pytest -m browser tests/browser $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache
