# The two commands a newcomer needs: `make lab` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8888

.PHONY: lab test lint bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

## make lab: create .venv, install perfnb with everything, start JupyterLab on tutorials/
lab: $(STAMP)
	@echo "JupyterLab on tutorials/ — open the URL printed below (http://127.0.0.1:$(PORT)/lab?token=...)"
	$(VENV)/bin/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) --ServerApp.root_dir=tutorials

## make test: create/update .venv with the dev extra and run the whole suite
test: $(STAMP)
	$(PY) -m ruff check perfnb tests benchmarks
	$(PY) -m mypy
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check perfnb tests benchmarks
	$(PY) -m mypy

## make bench: the overhead benchmark; writes benchmarks/results/
bench: $(STAMP)
	$(PY) benchmarks/overhead.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
