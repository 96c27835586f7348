# The contact hub. `make run` serves it with the embedded defaults; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TOOLS := .tools
PRISM := $(TOOLS)/node_modules/.bin/prism

.PHONY: run test test-deps bench lint clean

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || scripts/system-packages.sh ensurepip:python3-venv
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/hub check
	$(BIN)/hub migrate
	$(BIN)/hub demo --if-empty
	$(BIN)/hub serve

$(PRISM):
	@command -v npm >/dev/null || scripts/system-packages.sh npm:npm
	npm install --silent --no-audit --no-fund --prefix $(TOOLS) @stoplight/prism-cli@5.14.2

test-deps: $(INSTALLED) $(PRISM)
	scripts/system-packages.sh doveadm:dovecot-imapd /usr/bin/chromium:chromium \
	  /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:fonts-dejavu-core \
	  /usr/share/fonts/truetype/wqy/wqy-microhei.ttc:fonts-wqy-microhei

test: test-deps
	scripts/run-tests.sh -q

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(INSTALLED)
	@# Run as modules from the project root, so a bench named like a standard module (email) shadows nothing.
	@# Every bench runs even when one fails; the exit status says whether any did.
	@status=0; for script in bench/*.py; do \
	  name=$$(basename $$script .py); \
	  case $$name in _*) continue;; esac; \
	  echo "== bench/$$name.py"; $(BIN)/python -m bench.$$name || status=1; \
	done; exit $$status

clean:
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache
