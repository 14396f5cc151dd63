# The two commands of the README: `make run` (the embedded stack) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# checkov scans the Helm chart in the tests; its dependencies clash with the services', so it has a venv of its own.
CHECKOV_VENV ?= .venv-checkov
export ORDNING_CHECKOV ?= $(CURDIR)/$(CHECKOV_VENV)/bin/checkov
# mutmut has a venv of its own too (constraints-mutmut.txt); it runs the tests with .venv's python.
MUTMUT_VENV ?= .venv-mutmut
PACKAGES := -e shared -e services/processes -e services/deviations -e services/risks -e services/reporting -e services/notify -e services/web
export ORDNING_DATA_DIR ?= $(CURDIR)/var
# `TOKEN=$$(make token USER_NAME=anna)` must capture the token alone: make echoes no recipe line, and the
# install steps write to stderr.
.SILENT:

.PHONY: install browser pdf-libs run test unit token bench mutation clean

$(BIN)/python:
	echo "creating $(VENV) ..." >&2
	$(PYTHON) -m venv $(VENV) >&2

# Two stamps: what the services need to run (`make run`, `make token`), then the test tooling on top
# (`make test`), so neither reinstalls what the other put there.
$(VENV)/.runtime: $(BIN)/python constraints.txt shared/pyproject.toml services/*/pyproject.toml
	echo "installing the services' packages into $(VENV) ..." >&2
	# Setuptools new enough to build the packages in this venv itself (--no-build-isolation below), which
	# saves an isolated build environment per package on the first `make run`.
	$(BIN)/python -m pip install --quiet -c constraints.txt "setuptools>=70.1" >&2
	# --no-compile: Python compiles what the services import when they first import it, not every module
	# of every dependency (most of them never imported) up front. setuptools' advice on editable installs
	# (a banner per package) is not for the newcomer running `make run`.
	PYTHONWARNINGS="ignore:Editable installation" \
	  $(BIN)/python -m pip install --quiet --no-build-isolation --no-compile -c constraints.txt $(PACKAGES) >&2
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt constraints.txt
	echo "installing the test tooling into $(VENV) ..." >&2
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-dev.txt >&2
	touch $@

$(CHECKOV_VENV)/.installed: constraints-checkov.txt
	echo "installing checkov into $(CHECKOV_VENV) ..." >&2
	$(PYTHON) -m venv $(CHECKOV_VENV) >&2
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade "pip>=24" >&2
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -c constraints-checkov.txt checkov >&2
	touch $@

$(MUTMUT_VENV)/.installed: constraints-mutmut.txt
	echo "installing mutmut into $(MUTMUT_VENV) ..." >&2
	$(PYTHON) -m venv $(MUTMUT_VENV) >&2
	$(MUTMUT_VENV)/bin/python -m pip install --quiet --upgrade "pip>=24" >&2
	$(MUTMUT_VENV)/bin/python -m pip install --quiet -c constraints-mutmut.txt mutmut >&2
	touch $@

install: $(VENV)/.dev $(CHECKOV_VENV)/.installed pdf-libs

# The browser tests drive Debian's chromium through chromium-driver; installed here when missing (as root).
browser:
	tools/install-browser.sh

# The reporting service's PDFs (WeasyPrint) need pango and a font; installed here when missing (as root).
pdf-libs:
	tools/install-pdf-libs.sh

run: $(VENV)/.runtime pdf-libs
	$(BIN)/ordning-run

test: install browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

unit: install
	$(BIN)/python -m pytest -m "not integration and not e2e" $(PYTEST_ARGS)

token: $(VENV)/.runtime
	$(BIN)/ordning-token $(USER_NAME)

# The ingest benchmark (PostgreSQL), then the embedded stack's memory (BENCH=memory or ingest runs one);
# BENCH=web: the inbox and case pages' server time with 10,000 cases (bench/web_pages.py);
# BENCH=reporting: the rebuild and the kvalitetsberättelse figures with 1,000,000 events (bench/reporting.py);
# BENCH=reporting_propagation: from a report's commit to its count in reporting (bench/reporting_propagation.py);
# BENCH=report_suppression: a yearly report's small counts suppressed, 30 to 1,000 units (bench/report_suppression.py).
bench: $(VENV)/.dev
	if [ -z "$(BENCH)" ] || [ "$(BENCH)" = ingest ]; then $(BIN)/python bench/post_deviation.py; fi
	if [ -z "$(BENCH)" ] || [ "$(BENCH)" = memory ]; then $(BIN)/python bench/embedded_memory.py; fi
	if [ "$(BENCH)" = web ] || [ "$(BENCH)" = reporting ] || [ "$(BENCH)" = reporting_propagation ] \
			|| [ "$(BENCH)" = report_suppression ]; then \
		$(BIN)/python bench/$(BENCH:web=web_pages).py; fi

# Not part of `test` or CI: mutmut over the unit tests of deviations' domain, shared auth and processes'
# domain, a score per module (15-30 min on the shared 2 cores; MUTATION_MODULES picks some).
mutation: $(VENV)/.dev $(MUTMUT_VENV)/.installed
	ORDNING_MUTMUT=$(CURDIR)/$(MUTMUT_VENV)/bin/mutmut $(BIN)/python tools/mutation.py $(MUTATION_MODULES)

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(MUTMUT_VENV) var
