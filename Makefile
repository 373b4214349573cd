# Every target is idempotent: run it again and it only does what is missing.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AXE := node_modules/axe-core/axe.min.js
# What `ruff format` lays out (lint checks it, format rewrites it).
FORMATTED := app tests migrations wsgi.py bench

.PHONY: setup run test lint typecheck format hooks translations extract-messages browser-deps clean lock

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	# Exactly what was tested: every package at its locked version, checked by hash.
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

## lock: refresh requirements.lock from pyproject.toml after changing a dependency
lock:
	$(PYTHON) -m venv .venv-tools
	.venv-tools/bin/pip install --quiet uv==0.13.9
	.venv-tools/bin/uv pip compile pyproject.toml --extra dev --generate-hashes \
		--python-version 3.11 --quiet --output-file requirements.lock

translations: $(STAMP)
	$(BIN)/pybabel compile -d translations --statistics

## setup: virtual environment, dependencies, compiled translations, migrated database, schemes loaded
setup: $(STAMP) translations
	$(BIN)/aides db upgrade
	$(BIN)/aides schemes load
	$(BIN)/aides search reindex

## run: set up, then serve on http://127.0.0.1:5000
run: setup
	$(BIN)/flask --app wsgi run --host 127.0.0.1 --port 5000

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $(AXE)

## test: set up for tests, then the whole suite (browser tests run where Chromium is installed)
test: $(STAMP) translations $(AXE)
	TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/pytest $(PYTEST_ARGS)

## lint: what CI checks first (rules, layout, security); `make format` fixes most of it
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check $(FORMATTED)
	$(BIN)/bandit -q -r app

## typecheck: mypy, as CI runs it
typecheck: $(STAMP)
	$(BIN)/mypy

## format: lay the code out and apply ruff's safe fixes (then `make lint` passes on layout)
format: $(STAMP)
	$(BIN)/ruff format $(FORMATTED)
	$(BIN)/ruff check --fix .

## hooks: run `make lint` and `make typecheck` before each commit (.pre-commit-config.yaml)
hooks: $(STAMP)
	$(BIN)/pre-commit install

## extract-messages: refresh translations/messages.pot and merge it into the catalogs
extract-messages: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k _l -k N_ -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations

clean:
	rm -rf $(VENV) .venv-tools node_modules instance
