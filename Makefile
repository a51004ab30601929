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

# The second ansible-core line: the newest 2.21 on the first working Python 3.12+ (python3.12..3.14 on
# PATH, then pyenv's). `NEXT_PYTHON=` (empty) skips it; `NEXT_PYTHON=/path/python3.12` chooses one.
NEXT_VENV ?= .venv-2.21
NEXT_PYTHON ?= $(shell for p in python3.12 python3.13 python3.14 $$HOME/.pyenv/versions/3.1[234]*/bin/python3; do \
	  q=$$(command -v $$p 2>/dev/null) && "$$q" -c 'import sys, ssl, venv, ensurepip; sys.exit(sys.version_info < (3, 12))' \
	  >/dev/null 2>&1 && { echo "$$q"; break; }; done)
LINES := build/core-lines.txt
# What ran, per ansible-core line, for the summary at the end of `make test`.
define record
@mkdir -p build && printf '%s\n' "$$($(BIN)/python -c 'import ansible, platform; print("ansible-core %s on Python %s" % (ansible.__version__, platform.python_version()))') ($(VENV)): $(1) passed" >> $(LINES)
endef

.PHONY: demo test lint sanity unit integration artifact molecule next-line lines-reset venv link clean

## demo: start the lab, run the main job against it, show the outcome, stop the lab
demo: venv link
	$(BIN)/python -m tools.demo

## test: every test tier (lint, ansible-test sanity, unit + lab conformance, integration, artifact,
## Molecule) on ansible-core 2.19 / Python 3.11, then sanity, unit and integration again on the
## newest ansible-core 2.21 when a Python 3.12+ interpreter is on the machine
test: lines-reset lint sanity unit integration realike artifact molecule molecule-realike next-line
	@echo "make test: all tiers passed. ansible-core lines:"
	@sed 's/^/  /' $(LINES)

lines-reset:
	@mkdir -p build && rm -f $(LINES)

## next-line: sanity, unit and integration on ansible-core 2.21 (Python 3.12+) in $(NEXT_VENV)
next-line:
	@if [ -z "$(NEXT_PYTHON)" ] && [ "$(origin NEXT_PYTHON)" != file ]; then \
		echo "ansible-core 2.21: SKIPPED, NEXT_PYTHON was set empty ($(origin NEXT_PYTHON))" | tee -a $(LINES); \
	elif [ -z "$(NEXT_PYTHON)" ]; then \
		echo "ansible-core 2.21: SKIPPED, no working Python 3.12+ found (python3.12..3.14, ~/.pyenv/versions/3.1x)" | tee -a $(LINES); \
	else \
		echo "== ansible-core 2.21 line: $(NEXT_PYTHON) in $(NEXT_VENV)"; \
		$(MAKE) --no-print-directory VENV=$(NEXT_VENV) PYTHON=$(NEXT_PYTHON) sanity unit integration; \
	fi

venv: $(STAMP)

# requirements*.txt say what is needed (ranges for the collection); CONSTRAINTS pins the exact test versions.
CONSTRAINTS := tests/constraints.txt
$(STAMP): requirements.txt meta/ee-requirements.txt requirements-dev.txt $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt -c $(CONSTRAINTS)
	touch $(STAMP)

link:
	@mkdir -p $(dir $(LINK))
	@test -L $(LINK) || ln -s $(CURDIR) $(LINK)

lint: venv link
	$(BIN)/ruff check .
	$(BIN)/yamllint -s .
	$(BIN)/ansible-lint --offline --profile production -q
	$(BIN)/antsibull-changelog lint
	$(call record,lint)

sanity: venv
	VENV=$(CURDIR)/$(VENV) tests/sanity/run
	$(call record,sanity)

unit: venv link
	$(BIN)/python -m pytest -q -n 2 tests/unit tests/emulator tests/browser tests/reliability --ignore=tests/reliability/test_rollout.py \
		--ignore=tests/reliability/test_playbook_secrets.py --ignore=tests/reliability/test_role_bad_input.py
	$(call record,unit)

# Two pytest workers, one test file per worker at a time (--dist loadfile: a module-scoped lab such as
# test_failure_classes.py's is started once, not once per worker); every test has its own lab on free ports and its
# own tmp_path. Files go out in the order given (--no-loadscope-reorder), the longest first, so that no long file
# starts last and runs alone: the 50-router rollout, then every playbook under -vvvv, then the role's bad-input
# catalogue (on a shared 2-core machine: 10 -> 6 min). INTEGRATION_WORKERS=0 runs them one after another (-n 0).
INTEGRATION_WORKERS ?= 2
integration: venv link
	@if compgen -G "tests/integration/test_*.py" >/dev/null; then \
		$(BIN)/python -m pytest -q -n $(INTEGRATION_WORKERS) --dist loadfile --no-loadscope-reorder \
			tests/reliability/test_rollout.py tests/reliability/test_playbook_secrets.py \
			tests/reliability/test_role_bad_input.py tests/integration; \
	else echo "integration: no integration tests yet"; fi
	$(call record,integration)

## artifact: build the collection tarball, install it into a fresh runtime-only venv, check it there
artifact: venv
	$(BIN)/python tests/artifact/check.py --python $(PYTHON)
	$(call record,artifact)

## molecule: the role's Molecule scenarios (extensions/molecule) against the lab; `realike` needs real IKE: molecule-realike
molecule: venv link
	@if compgen -G "extensions/molecule/*/molecule.yml" >/dev/null; then \
		cd $(CURDIR) && PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/molecule test --all --exclude realike; \
	else echo "molecule: no scenarios yet"; fi
	$(call record,molecule)

## molecule-realike: the scenario `realike` (the role against strongSwan charons in network namespaces, ~1 min);
## SKIPPED with the reason where real IKE cannot run (not root, no `ip netns`, no /dev/net/tun, packages missing)
.PHONY: molecule-realike molecule-realike-run
molecule-realike: venv link
	@mkdir -p build; reasons="$$($(BIN)/python -m emulator.strongswan.host | paste -sd ';' - | sed 's/;/; /g')"; \
	if [ -n "$$reasons" ]; then echo "molecule realike: SKIPPED, real IKE cannot run here: $$reasons" | tee -a $(LINES); \
	else $(MAKE) --no-print-directory molecule-realike-run; fi

molecule-realike-run:
	cd $(CURDIR) && PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/molecule test -s realike
	$(call record,molecule-realike)

clean:
	rm -rf build tests/output .pytest_cache

## docs-screenshot: docs/img/fleet-report.png (the README's picture) from a real rollout against the lab, in Chromium
.PHONY: docs-screenshot
docs-screenshot: venv link
	VPCLINK_DOCS_SCREENSHOT=1 $(BIN)/python -m pytest -q tests/integration/test_fleet_report.py -k rollout_check_mode_and_verify

## bench: fleet benchmark (not part of `make test`, heavy): for each N, site.yml cold/warm, verify.yml, the ping and
## debug floors at every BENCH_FORKS value, and the physical reference (librouteros, no Ansible); N over lab processes
## of at most BENCH_PER_LAB routers. Writes benchmarks/results/<date>.{json,md,png}. `make bench BENCH_N="50 1000"`;
## BENCH_BASELINE=1 adds community.routeros (N <= 200)
BENCH_N ?= 50 200 1000
BENCH_FORKS ?= 10 50
BENCH_PER_LAB ?= 200
BENCH_BASELINE ?=
BENCH_ARGS ?=
BENCH_VENV := benchmarks/.venv-baseline
BENCH_STAMP := $(BENCH_VENV)/.installed
BENCH_DATE ?= $(shell date +%F)
# where the results go (trial runs: somewhere under build/, never committed)
BENCH_OUT ?= benchmarks/results
.PHONY: bench

# the baseline venv: community.routeros for BENCH_BASELINE=1, matplotlib for the plot
$(BENCH_STAMP): benchmarks/requirements-baseline.txt
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q --disable-pip-version-check -r benchmarks/requirements-baseline.txt
	touch $(BENCH_STAMP)

bench: venv link $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.run --n $(BENCH_N) --forks $(BENCH_FORKS) --per-lab $(BENCH_PER_LAB) --date $(BENCH_DATE) --out $(BENCH_OUT) \
		$(if $(BENCH_BASELINE),--baseline) $(BENCH_ARGS)
	$(BENCH_VENV)/bin/python benchmarks/plot.py $(BENCH_OUT)/$(BENCH_DATE).json $(BENCH_OUT)/$(BENCH_DATE).png

## ---- real IKE (strongSwan in network namespaces; root, Debian packages in emulator/strongswan/host.py) ----
## corpus: run every case of tools/ike_corpus_cases.py between two charons, write tests/data/ike-corpus/*.jsonl (~2 min)
## realike: the real-IKE tests (a tunnel, a ping through ESP); SKIPPED with the reason where real IKE cannot run
.PHONY: corpus realike
corpus: venv
	$(BIN)/python -m tools.ike_corpus

realike: venv link
	$(BIN)/python -m pytest -q -rs -p no:cacheprovider tests/realike
	$(call record,realike)

## diagnose-score: the diagnosis scored on the corpus, per class, log level and side and for both ends together
## (ranked first, among the candidates, certain but wrong); `make diagnose-score SCORE_ARGS=--misses` lists the misses
.PHONY: diagnose-score
diagnose-score: venv link
	PYTHONPATH=$(COLLECTIONS) $(BIN)/python -m tools.diagnose_score $(SCORE_ARGS)
