# The two commands a newcomer needs: `make lab` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8888

.PHONY: lab test lint bench clean chromium frontend

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

## make lab: create .venv, install perfnb with everything, start JupyterLab on tutorials/
lab: $(STAMP) frontend
	@echo "JupyterLab on tutorials/ — open the URL printed below (http://127.0.0.1:$(PORT)/lab?token=...)"
	$(VENV)/bin/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) --ServerApp.root_dir=tutorials

## Browser tests use Debian's chromium (never a browser downloaded by a test tool).
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

## The TypeScript packages: panel/ (the shared views, bundled for the widget) then labextension/.
frontend:
	@for d in panel labextension; do \
	  if [ -f $$d/package.json ]; then \
	    if [ ! -d $$d/node_modules ] || [ $$d/package-lock.json -nt $$d/node_modules/.package-lock.json ]; then \
	      (cd $$d && npm ci --no-audit --no-fund --loglevel=error) || exit 1; fi; \
	    (cd $$d && npm run --silent build) || exit 1; \
	  fi; \
	done
	@# JupyterLab in .venv loads the labextension just built (a link, as `pip install` would copy it)
	@if [ -f perfnb/labextension/package.json ] && [ -x $(VENV)/bin/jupyter ]; then \
	  PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/jupyter labextension develop --overwrite . >/dev/null 2>&1 || exit 1; fi

## make test: create/update .venv with the dev extra and run the whole suite
test: $(STAMP) chromium frontend
	$(PY) -m ruff check perfnb tests benchmarks
	$(PY) -m mypy
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check perfnb tests benchmarks
	$(PY) -m mypy

## make bench: the overhead benchmark; writes benchmarks/results/ (every profiler side by side) and
## benchmarks/results/overhead_targets/ (bare and %%perf only, 31 rounds: the figures the targets are judged on)
bench: $(STAMP)
	$(PY) benchmarks/overhead.py
	$(PY) benchmarks/overhead.py --repeats 31 --modes "%%perf,%%perf+display" --out benchmarks/results/overhead_targets

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
