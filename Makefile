# Two entry points (README's Quick start): `make demo` and `make test`. Each creates the virtual
# environment in .venv on first use and reuses it afterwards; an edit to pyproject.toml or the lock
# file reinstalls.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check

VIEWER_BUILT := src/captainred/replay/static/index.html
VIEWER_SOURCES := $(wildcard viewer/src/*) viewer/index.html viewer/vite.config.js viewer/package-lock.json

.PHONY: demo test lint typecheck unit system-packages viewer view bench lock clean bytecode

demo: $(VENV)/.runtime $(VIEWER_BUILT) bytecode
	@mkdir -p out
	$(BIN)/captainred run manhattan-recon --seed 7 --json out/manhattan-recon.json --report out/manhattan-recon.md \
		--replay out/manhattan-recon.crr
	@echo "Wrote out/manhattan-recon.json, out/manhattan-recon.md and the replay out/manhattan-recon.crr"
	@echo "Watch it in the browser: make view  (or .venv/bin/captainred view out/manhattan-recon.crr)"

view: $(VENV)/.runtime $(VIEWER_BUILT)
	$(BIN)/captainred view out/manhattan-recon.crr

test: $(VENV)/.dev $(VIEWER_BUILT) system-packages lint typecheck unit

# The browser viewer's front-end: npm packages from the registry, built by Vite into the Python package.
viewer: $(VIEWER_BUILT)

viewer/node_modules/.package-lock.json: viewer/package-lock.json
	cd viewer && npm ci --no-audit --no-fund --loglevel=error

$(VIEWER_BUILT): viewer/node_modules/.package-lock.json $(VIEWER_SOURCES)
	cd viewer && npm run build --silent

# Debian packages the tests need, installed when missing: Chromium, which the browser tests drive through
# Playwright (never a browser download of its own), and PostgreSQL, which the campaign store's tests start
# on a loopback port of their own.
system-packages:
	@missing=""; \
	command -v chromium >/dev/null || missing="chromium"; \
	{ command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		echo "Installing Debian packages:$$missing"; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

typecheck: $(VENV)/.dev
	$(BIN)/mypy

unit: $(VENV)/.dev bytecode
	$(BIN)/pytest -n auto

bench: $(VENV)/.dev $(VIEWER_BUILT) system-packages bytecode
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_viewer.py
	$(BIN)/python benchmarks/bench_sweep.py
	$(BIN)/python benchmarks/bench_rl.py

# The package byte-compiled in place: the editable install leaves that to the first import, and where
# the environment forbids writing it (PYTHONDONTWRITEBYTECODE) every process would compile the sources
# afresh, 0.1 s each (a sweep's workers, every CLI test). A source edited since is compiled in memory.
bytecode: $(VENV)/.runtime
	@$(BIN)/python -m compileall -q src >/dev/null

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP_INSTALL) -c $(LOCK) -e .
	@touch $@

# torch first, by its exact version (the CPU build), so that nothing below can pull the CUDA one.
$(VENV)/.dev: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP_INSTALL) -c $(LOCK) torch==2.13.0
	$(PIP_INSTALL) -c $(LOCK) -e '.[dev]'
	@touch $@ $(VENV)/.runtime

# Refresh the lock from a clean environment: `make lock`.
lock:
	rm -rf /tmp/captainred-lock && $(PYTHON) -m venv /tmp/captainred-lock
	/tmp/captainred-lock/bin/pip install --quiet torch==2.13.0
	/tmp/captainred-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/captainred-lock/bin/pip freeze --exclude-editable | grep -v '^captainred' > $(LOCK)

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis viewer/node_modules src/captainred/replay/static
