# The two commands: `make demo` and `make test`. Both bootstrap what they need first (scripts/bootstrap.sh).
VENV := .venv
PY := $(VENV)/bin/python
# The pinned pyright from package-lock.json; what it checks is [tool.pyright] include in pyproject.toml.
PYRIGHT := node_modules/.bin/pyright

.PHONY: bootstrap demo test test-unit test-integration lint typecheck lock contracts bench messages

bootstrap:
	@scripts/bootstrap.sh

demo: bootstrap
	$(VENV)/bin/mcred demo

test: bootstrap
	@scripts/install-chromium.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PYRIGHT)
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

typecheck: bootstrap
	$(PYRIGHT)

# Re-resolve both locks from pyproject.toml with a pinned uv in a scratch virtualenv (nothing of .venv is used):
# requirements-dev.lock is runtime + dev; requirements.lock, the runtime alone, is resolved within it, so the
# two agree on every package they share. Every line carries its sha256 hashes (pip --require-hashes). The
# build backend (pyproject's [build-system] requires) is in both: the project is installed without isolation.
# Versions already locked are kept unless pyproject.toml rules them out; `make lock LOCK_EXTRA=--upgrade` moves
# everything to the newest allowed (or LOCK_EXTRA="--upgrade-package NAME").
UV_VERSION := 0.13.9
LOCK_VENV := build/lock-venv
LOCK_FLAGS := --quiet --generate-hashes --python-version 3.13 --python-platform linux --custom-compile-command 'make lock'
lock:
	rm -rf $(LOCK_VENV)
	$(PY) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(LOCK_VENV)/bin/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' > build/build-system.in
	$(LOCK_VENV)/bin/uv pip compile pyproject.toml build/build-system.in --extra dev $(LOCK_FLAGS) $(LOCK_EXTRA) -o requirements-dev.lock
	$(LOCK_VENV)/bin/uv pip compile pyproject.toml build/build-system.in -c requirements-dev.lock $(LOCK_FLAGS) $(LOCK_EXTRA) -o requirements.lock
	rm -rf $(LOCK_VENV) build/build-system.in

# The console's messages: English in the code and templates (babel.cfg says where), merged into the Polish
# catalogue; new ones arrive untranslated and tests/unit/test_catalogue.py fails until each is translated.
messages: bootstrap
	@mkdir -p build
	$(VENV)/bin/pybabel extract -F babel.cfg --no-location --sort-output -k _ -k ngettext:1,2 -o build/console.pot .
	$(VENV)/bin/pybabel update -i build/console.pot -d common/web/locale -D console --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date -w 110

# Recompile contracts/src/*.sol with the pinned solcjs into contracts/artifacts (committed).
contracts: bootstrap
	node contracts/compile.mjs

# Every benchmark beside its baseline: a table, and the figures in data/bench/results.json (docs/performance.md).
# A failed part is shown in its rows and recorded in the JSON; the others still run; the exit status is then 1.
# BENCH_ARGS=--quick is the smoke run (a couple of minutes); BENCH_ARGS="--only issuance" one part.
bench: bootstrap
	$(PY) -m bench $(BENCH_ARGS)
