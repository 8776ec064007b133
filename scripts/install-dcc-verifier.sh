#!/usr/bin/env bash
# Installs DCC's verifier-core (verifiers/dcc), which the interoperability tests run as an outside verifier.
# Idempotent: skipped while package-lock.json is unchanged.
set -euo pipefail
cd "$(dirname "$0")/../verifiers/dcc"
want=$(sha256sum package-lock.json | cut -d' ' -f1)
[ "$(cat node_modules/.mcred-stamp 2>/dev/null)" = "$want" ] && exit 0
echo "bootstrap: installing DCC's verifier-core (verifiers/dcc)"
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > node_modules/.mcred-stamp
