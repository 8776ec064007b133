# The two commands: `make demo` and `make test`. Both bootstrap what they need first (scripts/bootstrap.sh).
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: bootstrap demo test test-unit test-integration lint lock contracts bench

bootstrap:
	@scripts/bootstrap.sh

demo: bootstrap
	$(VENV)/bin/mcred demo

test: bootstrap
	@scripts/install-chromium.sh
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

# The fast tier alone: no processes started.
test-unit: bootstrap
	$(PY) -m pytest tests/unit

# Real agents and a real chain, without the whole-stack e2e tier.
test-integration: bootstrap
	@scripts/install-chromium.sh
	$(PY) -m pytest -m "not e2e"

lint: bootstrap
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Re-resolve requirements.lock from pyproject.toml in a scratch virtualenv.
lock:
	rm -rf build/lock-venv
	$(PY) -m venv build/lock-venv
	build/lock-venv/bin/pip install --quiet --disable-pip-version-check setuptools -e '.[dev]'
	{ echo "# Exact versions for a reproducible install; regenerate with 'make lock' after changing pyproject.toml."; \
	  echo "# setuptools is here because the editable install of this project builds without isolation."; \
	  build/lock-venv/bin/pip freeze --all --exclude-editable --disable-pip-version-check \
	    | grep -v -e '^-e' -e '^pip==' | sort -f; } > requirements.lock
	rm -rf build/lock-venv

# Recompile contracts/src/*.sol with the pinned solcjs into contracts/artifacts (committed).
contracts: bootstrap
	node contracts/compile.mjs

# Every benchmark beside its baseline: a table, and the figures in data/bench/results.json (docs/performance.md).
bench: bootstrap
	$(PY) -m bench
