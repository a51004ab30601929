# The two commands users need are `make demo` and `make test`; everything else serves them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
COLLECTIONS := $(CURDIR)/build/collections
LINK := $(COLLECTIONS)/ansible_collections/vpclink/routeros
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: demo test lint sanity unit integration venv link clean

## demo: start the lab, run the main job against it, show the outcome, stop the lab
demo: venv link
	$(BIN)/python -m tools.demo

## test: every test tier (lint, ansible-test sanity, unit + lab conformance, integration)
test: lint sanity unit integration
	@echo "make test: all tiers passed"

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

link:
	@mkdir -p $(dir $(LINK))
	@test -L $(LINK) || ln -s $(CURDIR) $(LINK)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/yamllint -s .

sanity: venv
	VENV=$(CURDIR)/$(VENV) tests/sanity/run

unit: venv link
	$(BIN)/python -m pytest -q -n 2 tests/unit tests/emulator

integration: venv link
	@if compgen -G "tests/integration/test_*.py" >/dev/null; then \
		$(BIN)/python -m pytest -q tests/integration; \
	else echo "integration: no integration tests yet"; fi

clean:
	rm -rf build tests/output .pytest_cache
