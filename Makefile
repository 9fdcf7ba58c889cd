# `make demo` and `make test` set up .venv themselves; both are idempotent.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.sknn-installed
# The CPU build of torch; pyproject.toml itself only asks for torch>=2.2.
TORCH  ?= torch==2.13.0
# `make test-min`: the suite on the lowest versions pyproject.toml promises.
VENV_MIN  := .venv-min
PY_MIN    := $(VENV_MIN)/bin/python
STAMP_MIN := $(VENV_MIN)/.sknn-installed
MIN_PINS  := .ci/min-versions.txt

.PHONY: demo test test-min bench fuzz docs clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -e ".[test,onnx,scale,docs]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/tabular_pipeline.py

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -q -n auto

$(PY_MIN):
	$(PYTHON) -m venv $(VENV_MIN)

# Core dependencies at their floors plus the test runner; the optional
# extras' tests skip there.
$(STAMP_MIN): $(PY_MIN) pyproject.toml $(MIN_PINS)
	$(PY_MIN) -m pip install -q -r $(MIN_PINS) -e . pytest pytest-xdist hypothesis
	touch $(STAMP_MIN)

test-min: $(STAMP_MIN)
	$(PY_MIN) -m pytest -q -n auto

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

# The documentation site, offline, every gallery example run: docs/_build/html.
docs: $(STAMP)
	MPLBACKEND=Agg $(PY) -m sphinx -b html -j 1 docs docs/_build/html

# The fuzz test with a large budget (CI runs a small one).
fuzz: $(STAMP)
	SKNN_FUZZ_PROFILE=explore SKNN_FUZZ_EXAMPLES=$(or $(EXAMPLES),1000) \
		$(PY) -m pytest -q -n auto tests/test_fuzz.py::test_fuzz

clean:
	rm -rf $(VENV) $(VENV_MIN) build *.egg-info
