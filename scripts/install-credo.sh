#!/usr/bin/env bash
# Installs the Credo 0.5 holder used by the wallet-compatibility tests (wallets/credo), offline-safe:
# - npm ci --ignore-scripts: a dependency's preinstall insists on pnpm and the askar binding's install
#   script downloads its native library from GitHub; both fail here;
# - the two ffi packages are rebuilt against the local Node headers;
# - libaries_askar.so comes from the aries-askar 0.3.2 wheel on PyPI (the version the binding expects).
# Idempotent: skipped while package-lock.json is unchanged.
set -euo pipefail
cd "$(dirname "$0")/../wallets/credo"
want=$(sha256sum package-lock.json | cut -d' ' -f1)
[ "$(cat node_modules/.mcred-stamp 2>/dev/null)" = "$want" ] && [ -f lib/libaries_askar.so ] && exit 0
echo "bootstrap: installing the Credo test holder (wallets/credo)"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
npm rebuild --loglevel=error @2060.io/ref-napi @2060.io/ffi-napi >/dev/null
rm -rf lib wheel && mkdir -p lib wheel
../../.venv/bin/python -m pip download --quiet --disable-pip-version-check --no-deps \
    --only-binary=:all: --platform "manylinux2014_$(uname -m)" aries-askar==0.3.2 -d wheel
../../.venv/bin/python - <<'PY'
import glob, zipfile
wheel = glob.glob("wheel/aries_askar-0.3.2-*.whl")[0]
with zipfile.ZipFile(wheel) as archive, open("lib/libaries_askar.so", "wb") as out:
    out.write(archive.read("aries_askar/libaries_askar.so"))
PY
rm -rf wheel
echo "$want" > node_modules/.mcred-stamp
