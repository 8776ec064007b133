#!/usr/bin/env bash
# Bootstrap everything `make demo` and `make test` need, from the project's own files:
# a Python 3.13 virtualenv with the locked dependencies (requirements-dev.lock) and the pinned npm tools
# (solc, anvil, pyright).
# Idempotent: each step is skipped while the files it installs from are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { printf 'bootstrap: %s\n' "$*" >&2; exit 1; }

is_py313() { [ -x "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; }

find_python() {
    local candidate
    for candidate in "${MCRED_PYTHON:-}" "$(command -v python3.13 || true)" "$(command -v python3 || true)"; do
        if [ -n "$candidate" ] && is_py313 "$candidate"; then echo "$candidate"; return 0; fi
    done
    if command -v pyenv >/dev/null 2>&1; then
        for candidate in "$(pyenv root)"/versions/3.13*/bin/python3; do
            if is_py313 "$candidate"; then echo "$candidate"; return 0; fi
        done
    fi
    return 1
}

stamp_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

# --- Prerequisites, all checked before anything is installed ------------------------------
PY=""
if ! is_py313 .venv/bin/python; then
    PY=$(find_python) || die "Python 3.13 not found (acapy-agent 1.7 requires it).
  Looked for: \$MCRED_PYTHON, python3.13 and python3 on PATH, then \$(pyenv root)/versions/3.13*/bin/python3.
  Get it with 'pyenv install 3.13' (https://github.com/pyenv/pyenv), your OS packages (python3.13),
  or python.org, then run this again; or point MCRED_PYTHON at a 3.13 interpreter."
fi
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || die "Node.js and npm not found.
  They install the pinned solc compiler and the anvil EVM node (package.json).
  Get Node 20 or newer from your OS packages (nodejs, npm), https://nodejs.org or nvm, then run this again."

# --- Python ---------------------------------------------------------------------------------
if [ -n "$PY" ]; then
    echo "bootstrap: creating .venv with $PY"
    rm -rf .venv
    "$PY" -m venv .venv
fi
# The development lock: the runtime packages (requirements.lock's versions) plus the test and profiling tools.
want=$(stamp_of requirements-dev.lock pyproject.toml)
if [ "$(cat .venv/.mcred-stamp 2>/dev/null)" != "$want" ]; then
    echo "bootstrap: installing locked Python dependencies (requirements-dev.lock)"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
    echo "$want" > .venv/.mcred-stamp
fi

# --- Node tools -----------------------------------------------------------------------------
want=$(stamp_of package-lock.json)
if [ "$(cat node_modules/.mcred-stamp 2>/dev/null)" != "$want" ]; then
    echo "bootstrap: installing pinned npm tools (package-lock.json)"
    # --ignore-scripts: anvil's postinstall only links the platform binary we locate ourselves.
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    echo "$want" > node_modules/.mcred-stamp
fi

# --- The outside wallet and verifier the interoperability tests run ------------------------------
scripts/install-credo.sh wallets/credo 0.3.2
scripts/install-credo.sh wallets/credo06 0.4.6
scripts/install-dcc-verifier.sh
