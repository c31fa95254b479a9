# cdmkit — the two commands a fresh machine needs: `make demo` and `make test`.
# Both create .venv on first use and reuse it afterwards (reinstalling only when pyproject.toml changes).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: demo test venv venv-test kernel bench lab docs clean-reports help \
	test-pandas3 test-lowest test-py313 ci-matrix

help:
	@echo "make demo   - set up .venv and run the full four-stage demo report"
	@echo "make test   - set up .venv with test extras, check the layer rules, run the whole test suite"
	@echo "make bench  - run the benchmarks in bench/ (installs the peer tools)"
	@echo "make lab    - open the stage notebooks in JupyterLab"
	@echo "make docs   - build the documentation site into site/ (warnings are errors)"
	@echo "make ci-matrix - the CI jobs beside make test: pandas 3, lowest versions, Python 3.13, docs"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip wheel

# One stamp per dependency set: a changed pyproject.toml triggers a reinstall.
# `make demo` needs the core and [lab] (notebook reports); `make test` what the whole suite needs.
$(VENV)/.lab-installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[lab]"
	$(BIN)/python -m ipykernel install --sys-prefix --name cdmkit --display-name "cdmkit (Python 3)"
	touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.lab-installed
	$(PIP) install -e ".[test,interop,spark]"
	touch $@

$(VENV)/.docs-installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[docs]"
	touch $@

venv: $(VENV)/.lab-installed
venv-test: $(VENV)/.test-installed
kernel: venv

demo: venv
	$(BIN)/cdmkit demo

# The layer rules (import-linter contracts in pyproject.toml) first: a broken one fails the target.
test: venv-test
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: venv-test
	$(BIN)/python bench/run_all.py

# The documentation site: API pages generated from the docstrings, any warning fails the build.
docs: $(VENV)/.docs-installed
	$(BIN)/python tools/gen_api_docs.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# --- The CI matrix beside `make test` (each job in its own venv; run by .ci/run) ---
# Non-slow suite: the slow tests execute notebooks and real data, covered once by `make test`;
# the Spark engine's tests (marker spark) need the [spark] extra and a JVM, which the legs leave out.
FAST := -m "not slow and not spark" -n 2 --dist loadgroup -p no:cacheprovider

# pandas 3: the core has no pandas cap; [interop] (recordlinkage 0.16, pandas < 3) is left out
# and its two tests skip with the reason.
.venv-pandas3/.installed: pyproject.toml
	$(PYTHON) -m venv .venv-pandas3
	.venv-pandas3/bin/python -m pip --disable-pip-version-check install -q -e ".[test]" "pandas>=3"
	touch $@

test-pandas3: .venv-pandas3/.installed
	.venv-pandas3/bin/python -c "import pandas, sys; assert pandas.__version__ >= '3', pandas.__version__; print('pandas', pandas.__version__)"
	.venv-pandas3/bin/python -m pytest $(FAST)

# The lowest versions pyproject.toml allows for every direct dependency (uv's lowest-direct).
.venv-lowest/.installed: pyproject.toml
	$(PYTHON) -m venv .venv-lowest
	.venv-lowest/bin/python -m pip --disable-pip-version-check install -q uv
	.venv-lowest/bin/python -m uv pip install -q -p .venv-lowest/bin/python \
		--resolution lowest-direct -e ".[test,interop]"
	touch $@

test-lowest: .venv-lowest/.installed
	.venv-lowest/bin/python -m pip --disable-pip-version-check list 2>/dev/null | \
		grep -iE "^(pandas|numpy|scipy|scikit-learn|pandera|rapidfuzz|pyarrow|duckdb|pydantic) "
	.venv-lowest/bin/python -m pytest $(FAST)

# Python 3.13: a python3.13 on PATH or pyenv's; else uv's standalone build (`uv python install
# 3.13`, uv from PyPI; the build itself is downloaded from GitHub). When neither works (Debian 12 has
# no python3.13 package; a machine without GitHub access) the job prints one SKIPPED line.
PY313 ?= $(shell for p in $$(command -v python3.13) /root/.pyenv/versions/3.13*/bin/python3.13; do "$$p" -c "import sys; assert sys.version_info[:2] == (3, 13)" 2>/dev/null && echo "$$p" && break; done)
.venv-py313/.installed: pyproject.toml
	$(PY313) -m venv .venv-py313
	.venv-py313/bin/python -m pip --disable-pip-version-check install -q -e ".[test,interop]"
	touch $@

.venv-uv/bin/uv:
	$(PYTHON) -m venv .venv-uv
	.venv-uv/bin/python -m pip --disable-pip-version-check install -q uv

test-py313:
	@py="$(PY313)"; \
	if [ -z "$$py" ]; then \
		$(MAKE) -s .venv-uv/bin/uv && \
		.venv-uv/bin/uv python install 3.13 >.venv-uv/python-install.log 2>&1 && \
		py=$$(.venv-uv/bin/uv python find 3.13); \
	fi; \
	if [ -z "$$py" ]; then \
		log=.venv-uv/python-install.log; \
		echo "test-py313: SKIPPED: no python3.13 on this machine, and 'uv python install 3.13' said:" \
			"$$(head -n 1 $$log 2>/dev/null) ($$(tail -n 1 $$log 2>/dev/null | sed 's/^ *cause: //'))" \
			"(docs/install.md)"; \
	else $(MAKE) .venv-py313/.installed PY313=$$py && \
		.venv-py313/bin/python -c "import sys; assert sys.version_info[:2] == (3, 13); print(sys.version)" && \
		.venv-py313/bin/python -m pytest $(FAST); fi

ci-matrix: test-pandas3 test-lowest test-py313 docs

# JupyterLab on the stage notebooks; root needs --allow-root. Each notebook is listed once:
# the jupytext sources NN-<stage>.py are hidden (opening the paired .ipynb keeps them in sync).
LAB_HIDE := ["__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", "[0-9][0-9]-*.py"]
lab: venv
	$(BIN)/jupyter lab notebooks '--ContentsManager.hide_globs=$(LAB_HIDE)' \
		$$( [ "$$(id -u)" = 0 ] && echo --allow-root )

clean-reports:
	rm -rf reports
