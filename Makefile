# Two entry points: `make run` starts everything, `make test` tests everything.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench import clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m scripts.run

test: $(STAMP)
	$(PY) -m scripts.system_deps
	$(PY) -m scripts.run_tests

bench: $(STAMP)
	$(PY) -m scripts.bench
	$(PY) -m scripts.bench_inventory
	$(PY) -m scripts.bench_catalog

clean:
	rm -rf data
