# Everything runs inside .venv, created on demand from the repo's own files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLUGINS := $(sort $(wildcard plugins/*/pyproject.toml))
PLUGIN_DIRS := $(patsubst %/pyproject.toml,%,$(PLUGINS))
STAMP := $(VENV)/.installed

.PHONY: install test lint demo clean tox

install: $(STAMP)

$(STAMP): pyproject.toml $(PLUGINS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]" $(foreach d,$(PLUGIN_DIRS),-e "$(d)[dev]")
	touch $(STAMP)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mkdocs build --strict --quiet

# The tox matrix (tox.ini); every pyenv interpreter 3.10-3.13 is made visible at once.
# Pass envs and arguments with TOX_ARGS, e.g. make tox TOX_ARGS="-e core-only".
tox: install
	PYENV_VERSION="$${PYENV_VERSION:-$$(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[0-3]\.[0-9]+$$' | paste -sd: -)}" $(BIN)/tox $(TOX_ARGS)

demo: install
	$(BIN)/python examples/run_demo.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .tox
