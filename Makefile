# The two commands of the README do all the set-up on a fresh machine:
#   make serve   install, build, and serve the site on http://127.0.0.1:8000
#   make test    install (Chromium from Debian if missing) and run every test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export NO_MKDOCS_2_WARNING := 1

.PHONY: install build serve test test-fast browsers chromium pdf-libs pdf bench offline clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,pdf]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

# The site with its PDFs (OAMT_PDF=1), so that a served copy links and keeps them.
build: install pdf-libs
	OAMT_PDF=1 $(VENV)/bin/mkdocs build --strict

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

# WeasyPrint's system libraries (Pango, HarfBuzz) and the fonts the PDFs use, from Debian.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation fonts-dejavu-core
pdf-libs:
	@if ! dpkg-query -W $(PDF_LIBS) >/dev/null 2>&1; then \
		echo "Installing Debian packages: $(PDF_LIBS)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
			--no-install-recommends $(PDF_LIBS) >/dev/null; \
	fi

# The handbook and the job-aid pack (A4, US Letter) as PDFs in site/pdf/ (sitebuild/pdf.py). `make build`
# makes them inside the build (OAMT_PDF=1) so that the copy links and lists them; --if-missing
# makes them afterwards if a build did not.
pdf: build
	$(PY) -m sitebuild.pdf site --if-missing

# Two processes: one runs every browser test, one after another; the other runs the rest beside them
# (tests/conftest.py, BrowserGroupScheduling), at a lower priority.
test: install browsers pdf-libs build
	$(PY) -m pytest -p no:cacheprovider -n 2

test-fast: install
	$(PY) -m pytest -p no:cacheprovider -m "not browser"

# Lighthouse is installed for the benchmark only (bench/package.json), not for `make test`.
bench/node_modules/.installed: bench/package.json bench/package-lock.json
	npm ci --prefix bench --no-audit --no-fund --loglevel=error
	touch $@

bench: install browsers build bench/node_modules/.installed
	$(PY) -m bench

offline: pdf
	$(PY) -m sitebuild.offline site dist

clean:
	rm -rf site dist .cache
