# The two commands of the README: `make run` (the embedded stack) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# checkov scans the Helm chart in the tests; its dependencies clash with the services', so it has a venv of its own.
CHECKOV_VENV ?= .venv-checkov
export ORDNING_CHECKOV ?= $(CURDIR)/$(CHECKOV_VENV)/bin/checkov
# mutmut has a venv of its own too (constraints-mutmut.txt); it runs the tests with .venv's python.
MUTMUT_VENV ?= .venv-mutmut
PACKAGES := -e shared -e services/processes -e services/deviations
export ORDNING_DATA_DIR ?= $(CURDIR)/var

.PHONY: install run test unit token bench mutation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

$(VENV)/.installed: $(BIN)/python constraints.txt requirements-dev.txt shared/pyproject.toml services/*/pyproject.toml
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-dev.txt $(PACKAGES)
	touch $@

$(CHECKOV_VENV)/.installed: constraints-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade "pip>=24"
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -c constraints-checkov.txt checkov
	touch $@

$(MUTMUT_VENV)/.installed: constraints-mutmut.txt
	$(PYTHON) -m venv $(MUTMUT_VENV)
	$(MUTMUT_VENV)/bin/python -m pip install --quiet --upgrade "pip>=24"
	$(MUTMUT_VENV)/bin/python -m pip install --quiet -c constraints-mutmut.txt mutmut
	touch $@

install: $(VENV)/.installed $(CHECKOV_VENV)/.installed

run: install
	$(BIN)/ordning-run

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

unit: install
	$(BIN)/python -m pytest -m "not integration and not e2e" $(PYTEST_ARGS)

token: install
	$(BIN)/ordning-token $(USER_NAME)

bench: install
	$(BIN)/python bench/post_deviation.py

# Not part of `test` or CI: mutmut over the unit tests of deviations' domain, shared auth and processes'
# domain, a score per module (15-30 min on the shared 2 cores; MUTATION_MODULES picks some).
mutation: $(VENV)/.installed $(MUTMUT_VENV)/.installed
	ORDNING_MUTMUT=$(CURDIR)/$(MUTMUT_VENV)/bin/mutmut $(BIN)/python tools/mutation.py $(MUTATION_MODULES)

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(MUTMUT_VENV) var
