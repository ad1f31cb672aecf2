# The two commands a newcomer needs: `make train` and `make test`. CI runs `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The torch build to install first. torch==2.13.0 is the CPU build on this project's machines;
# on a GPU box use e.g. `make train TORCH=torch` to take PyPI's default (CUDA) build.
TORCH ?= torch==2.13.0
ARGS ?=
# test-newest-torch's own venv: the newest torch and numpy on PyPI (on Linux PyPI's torch is the
# CUDA build, a few GB; it runs on a CPU too). CI keeps the pinned build above.
NEWEST_VENV ?= .venv-newest
# Material for MkDocs prints a banner about MkDocs 2 on every build; the docs pin mkdocs<2.
export NO_MKDOCS_2_WARNING := 1

.PHONY: train test test-fast test-newest-torch lint install clean docs docs-gen docs-serve docs-pictures docs-screens i18n

train: $(VENV)/.installed
	$(BIN)/toygan train $(ARGS)

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy toygan_tui
	$(BIN)/python -m pytest
	$(BIN)/mkdocs build --strict

# The documentation site (docs/, mkdocs.yml). docs-gen writes the options tables from the CLI;
# docs-pictures retrains a few short runs and rewrites docs/img/ (minutes); docs-screens takes
# a screenshot of every page in headless Chromium (Debian's chromium) into build/docs-screens/.
docs: $(VENV)/.installed-dev
	$(BIN)/python bench/docs_gen.py
	$(BIN)/mkdocs build --strict

# The translations (toygan_tui/locale/): collect the messages, merge them into each language's
# .po, compile the .mo (committed, so installing needs no Babel). Translate in the .po, rerun.
i18n: $(VENV)/.installed-dev
	$(BIN)/python bench/i18n.py

docs-gen: $(VENV)/.installed
	$(BIN)/python bench/docs_gen.py

docs-serve: $(VENV)/.installed-dev
	$(BIN)/mkdocs serve

docs-pictures: $(VENV)/.installed-dev
	$(BIN)/python bench/docs_pictures

docs-screens: docs
	$(BIN)/python bench/docs_screens

# The developer's lane, about 2 minutes on 2 cores: lint and every test not marked slow (the
# pseudo-terminal, fresh-interpreter and long training tests, which `make test` adds).
test-fast: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy toygan_tui
	$(BIN)/python -m pytest -m "not slow"

test-newest-torch:
	test -x $(NEWEST_VENV)/bin/python || $(PYTHON) -m venv $(NEWEST_VENV)
	$(NEWEST_VENV)/bin/python -m pip install -q --upgrade pip
	$(NEWEST_VENV)/bin/python -m pip install -q --upgrade torch numpy
	$(NEWEST_VENV)/bin/python -m pip install -q -e ".[dev]"
	$(NEWEST_VENV)/bin/python -c "import numpy, torch; print('torch', torch.__version__, 'numpy', numpy.__version__)"
	$(NEWEST_VENV)/bin/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy toygan_tui

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH)"
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e ".[dev,docs]"
	touch $@

clean:
	rm -rf $(VENV) $(NEWEST_VENV) build site *.egg-info .pytest_cache .ruff_cache .mypy_cache
