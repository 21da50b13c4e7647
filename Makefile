# The two commands of the README: `make demo` and `make test`. Each one does its own set-up
# (Debian packages, .venv, the project and its test tools) and is quick when that is done.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: demo test setup debian native lint bench clean

demo: setup
	bash scripts/demo.sh

test: setup lint
	$(BIN)/pytest

setup: debian $(VENV)/.installed native

# The intake's parsers compiled with mypyc (secops/native.py): quick when built for the current
# sources. A failure leaves them as Python (slower, same results) and says so.
native: $(VENV)/.installed
	-@$(BIN)/python -m secops.native build

# Checked every time (dpkg-query is fast); installs only what is missing.
debian:
	@bash scripts/setup-debian.sh

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

lint: setup
	$(BIN)/ruff check secops monitors infra tests bench
	$(BIN)/ruff format --check secops monitors infra tests bench
	$(BIN)/mypy
	$(BIN)/ansible-lint playbooks/

bench: setup
	$(BIN)/python bench/lab_up.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
