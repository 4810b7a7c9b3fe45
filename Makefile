# Ballotchain: everything runs from a virtualenv in .venv/, created on demand.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install test lint typecheck layers test-gmpy2 test-native bench ct demo clean

install: $(STAMP)

$(STAMP): pyproject.toml setup.py native/*.c native/*.h native/build_native.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel cffi
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) native/build_native.py || echo "ballotchain: native backend not built; the engine will use gmpy2"
	touch $(STAMP)

lint: install
	$(VENV)/bin/ruff check engine tests benchmarks native
	$(VENV)/bin/ruff format --check engine tests benchmarks native

typecheck: install
	$(VENV)/bin/mypy engine

layers: install
	$(VENV)/bin/lint-imports

test-gmpy2: install
	ENGINE_BACKEND=gmpy2 $(PY) -m pytest -n 2 tests

test-native: install
	@if $(PY) -c "import engine._native" 2>/dev/null; then \
		ENGINE_BACKEND=native $(PY) -m pytest -n 2 tests; \
	else echo "native backend not built: skipping the native run"; fi

test: lint typecheck layers test-gmpy2 test-native

bench: install
	$(PY) benchmarks/micro.py
	$(VENV)/bin/ballotchain bench --json

ct: install
	$(PY) -m benchmarks.ct

demo: install
	rm -rf demo-out
	$(VENV)/bin/ballotchain demo --out demo-out

clean:
	rm -rf $(VENV) build *.egg-info engine/_native*.so
