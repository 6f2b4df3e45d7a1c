# Two entry points (README's Quick start): `make demo` and `make test`. Each creates the virtual
# environment in .venv on first use and reuses it afterwards; an edit to pyproject.toml or the lock
# file reinstalls.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: demo test lint typecheck unit bench lock clean

demo: $(VENV)/.runtime
	@mkdir -p out
	$(BIN)/captainred run manhattan-recon --seed 7 --json out/manhattan-recon.json --report out/manhattan-recon.md
	@echo "Wrote out/manhattan-recon.json and out/manhattan-recon.md"

test: $(VENV)/.dev lint typecheck unit

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(VENV)/.dev
	$(BIN)/mypy

unit: $(VENV)/.dev
	$(BIN)/pytest -n auto

bench: $(VENV)/.dev
	$(BIN)/python benchmarks/bench_engine.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP_INSTALL) -c $(LOCK) -e .
	@touch $@

$(VENV)/.dev: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP_INSTALL) -c $(LOCK) -e '.[dev]'
	@touch $@ $(VENV)/.runtime

# Refresh the lock from a clean environment: `make lock`.
lock:
	rm -rf /tmp/captainred-lock && $(PYTHON) -m venv /tmp/captainred-lock
	/tmp/captainred-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/captainred-lock/bin/pip freeze --exclude-editable | grep -v '^captainred' > $(LOCK)

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
