# cdmkit — the two commands a fresh machine needs: `make demo` and `make test`.
# Both create .venv on first use and reuse it afterwards (reinstalling only when pyproject.toml changes).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: demo test venv venv-test kernel bench lab clean-reports help

help:
	@echo "make demo   - set up .venv and run the full four-stage demo report"
	@echo "make test   - set up .venv with test extras and run the whole test suite"
	@echo "make bench  - run the benchmarks in bench/ (installs the peer tools)"
	@echo "make lab    - open the stage notebooks in JupyterLab"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip wheel

# One stamp per dependency set: a changed pyproject.toml triggers a reinstall.
$(VENV)/.core-installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name cdmkit --display-name "cdmkit (Python 3)"
	touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.core-installed
	$(PIP) install -e ".[test,spark]"
	touch $@

venv: $(VENV)/.core-installed
venv-test: $(VENV)/.test-installed
kernel: venv

demo: venv
	$(BIN)/cdmkit demo

test: venv-test
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: venv-test
	$(BIN)/python bench/run_all.py

# JupyterLab on the stage notebooks; root needs --allow-root. Each notebook is listed once:
# the jupytext sources NN-<stage>.py are hidden (opening the paired .ipynb keeps them in sync).
LAB_HIDE := ["__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", "[0-9][0-9]-*.py"]
lab: venv
	$(BIN)/jupyter lab notebooks '--ContentsManager.hide_globs=$(LAB_HIDE)' \
		$$( [ "$$(id -u)" = 0 ] && echo --allow-root )

clean-reports:
	rm -rf reports
