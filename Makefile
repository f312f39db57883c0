# Two commands do all the set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
DEMO   ?= demo-out

.PHONY: demo test lint unit bench clean packdata

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(PY) -m dossier.demo $(DEMO)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests benchmarks corpus templates
	$(VENV)/bin/mypy

unit: $(VENV)/.installed
	$(PY) -m pytest -q

test: lint unit

# After editing a pack's YAML or a schema: the pre-parsed copy installed packs load from
# (outlines/<id>/parsed-yaml.json; tests/core/test_packdata.py fails while it is stale).
packdata: $(VENV)/.installed
	$(PY) -m dossier.packdata

bench: $(VENV)/.installed
	$(PY) benchmarks/parse.py
	$(PY) benchmarks/check.py

clean:
	rm -rf $(VENV) $(DEMO) build dist .pytest_cache .mypy_cache .ruff_cache
