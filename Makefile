# The two commands of the README do all the set-up on a fresh machine:
#   make serve   install, build, and serve the site on http://127.0.0.1:8000
#   make test    install (Chromium from Debian if missing) and run every test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export NO_MKDOCS_2_WARNING := 1

.PHONY: install build serve test test-fast browsers chromium bench offline clean

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

# Debian's Chromium for the browser tests (never a browser download), poppler-utils
# for counting the pages of printed PDFs, and Firefox ESR for the offline-copy
# cross-check (driven through Marionette).
browsers:
	@if [ ! -x /usr/bin/chromium ] || ! command -v pdfinfo >/dev/null; then \
		echo "Installing Debian packages: chromium poppler-utils"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	fi
	@if [ ! -x /usr/bin/firefox-esr ]; then \
		echo "Installing Debian package: firefox-esr"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			firefox-esr >/dev/null; \
	fi

chromium: browsers

test: install browsers build
	$(PY) -m pytest -p no:cacheprovider

test-fast: install
	$(PY) -m pytest -p no:cacheprovider -m "not browser"

# Lighthouse is installed for the benchmark only (bench/package.json), not for `make test`.
bench/node_modules/.installed: bench/package.json bench/package-lock.json
	npm ci --prefix bench --no-audit --no-fund --loglevel=error
	touch $@

bench: install browsers build bench/node_modules/.installed
	$(PY) -m bench

offline: install build
	$(PY) -m sitebuild.offline site dist

clean:
	rm -rf site dist .cache
