# Ballotchain: everything runs from a virtualenv in .venv/, created on demand.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install native test lint typecheck layers test-gmpy2 test-native bench ct demo wheel-check clean

install: $(STAMP)

# The native backend is built by native/build_native.py alone (sources, flags, which GMP: the
# system's, else the copy in the gmpy2 wheel; BALLOTCHAIN_GMP=system|gmpy2 forces one). setuptools'
# notice about editable installs (not a problem, but a screen of text) is silenced.
$(STAMP): pyproject.toml setup.py native/*.c native/*.h native/build_native.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel cffi gmpy2
	PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install -q -e '.[dev]'
	$(PY) native/build_native.py || echo "ballotchain: native backend not built; the engine will use gmpy2"
	touch $(STAMP)

# Rebuild the extension in place after editing native/ (what install does once).
native: install
	$(PY) native/build_native.py

lint: install
	$(VENV)/bin/ruff check engine tests benchmarks native
	$(VENV)/bin/ruff format --check engine tests benchmarks native

typecheck: install
	$(VENV)/bin/mypy engine

layers: install
	$(VENV)/bin/lint-imports

# Tests marked once (pytest.mark.once: docs, the native build, the README walk-through, the HTTP
# fuzzer, JSON schemas) do not depend on the backend: the gmpy2 pass leaves them to the native pass,
# and runs them itself when the native backend is not built (then there is no native pass).
test-gmpy2: install
	@if $(PY) -c "import engine._native" 2>/dev/null; then only='not once'; else only=''; fi; \
	echo "ENGINE_BACKEND=gmpy2 $(PY) -m pytest -n 2 -m '$$only' tests"; \
	ENGINE_BACKEND=gmpy2 $(PY) -m pytest -n 2 -m "$$only" tests

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

# pip wheel . into build/wheel-check, then install that wheel alone into a new virtualenv and load
# the native backend from it (a few minutes: the build and the dependencies are fetched afresh).
WHEEL_CHECK := build/wheel-check
wheel-check: install
	rm -rf $(WHEEL_CHECK) build/lib.* build/temp.* build/bdist.*
	$(PY) -m pip wheel -q --no-deps . -w $(WHEEL_CHECK)/dist
	$(PYTHON) -m venv $(WHEEL_CHECK)/venv
	$(WHEEL_CHECK)/venv/bin/python -m pip install -q $(WHEEL_CHECK)/dist/ballotchain-*.whl
	cd $(WHEEL_CHECK) && venv/bin/python -c "from engine.backend import load_backend; \
		b = load_backend('native'); print('wheel-check: the wheel loads the native backend on', b.gmp_source)"

clean:
	rm -rf $(VENV) build *.egg-info engine/_native*.so
