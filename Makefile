# `make run` — set up and run swarmbot on one machine (SQLite + the built-in Slack emulator).
# `make test` — set up and run the whole test suite.
# `make demo` — play the scripted scenarios in a throwaway sandbox and print what happened.
# `make lint` — ruff and mypy (configured in pyproject.toml), as CI runs them.
# `make i18n` — extract the shown strings, update the .po catalogs, compile the .mo files.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=
# `make test` spreads test modules over the cores (pytest-xdist); PYTEST_WORKERS=0 runs them in one
PYTEST_WORKERS ?= auto

.PHONY: install run demo test lint bench clean i18n

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "swarmbot needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: install
	$(VENV)/bin/swarmbot sandbox

demo: install
	$(VENV)/bin/swarmbot demo

i18n: install
	$(VENV)/bin/python -m bot.i18n.catalog
	$(VENV)/bin/python -m bot.i18n.catalog check

test: install
	$(VENV)/bin/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) var .pytest_cache
