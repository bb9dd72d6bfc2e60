# The two commands of the README do all the set-up on a fresh machine:
#   make serve   install, build, and serve the site on http://127.0.0.1:8000
#   make test    install (Chromium from Debian if missing) and run every test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export NO_MKDOCS_2_WARNING := 1

.PHONY: install build serve test test-fast chromium bench offline clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

build: install
	$(VENV)/bin/mkdocs build --strict

serve: build
	$(PY) -m sitebuild.serve site --port $(PORT)

# Debian's Chromium for the browser tests (never a browser download), and
# poppler-utils for counting the pages of printed PDFs.
chromium:
	@if [ ! -x /usr/bin/chromium ] || ! command -v pdfinfo >/dev/null; then \
		echo "Installing Debian packages: chromium poppler-utils"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	fi

test: install chromium build
	$(PY) -m pytest -p no:cacheprovider

test-fast: install
	$(PY) -m pytest -p no:cacheprovider -m "not browser"

bench: install chromium build
	$(PY) -m bench

offline: install build
	$(PY) -m sitebuild.offline site dist

clean:
	rm -rf site dist .cache
