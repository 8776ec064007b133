#!/usr/bin/env bash
# Installs a stock Credo holder for the wallet-compatibility tests, offline-safe:
#   scripts/install-credo.sh wallets/credo 0.3.2      Credo 0.5 (DIDComm)
#   scripts/install-credo.sh wallets/credo06 0.4.6    Credo 0.6.3 (OpenID4VC; @credo-ts/node has no 0.6 release
#                                                      on npm: the holder supplies its agent dependencies)
# - npm ci --ignore-scripts: a dependency's preinstall insists on pnpm and the askar binding's install script
#   downloads its native library from GitHub; both fail here;
# - the two ffi packages are rebuilt against the local Node headers;
# - libaries_askar.so comes from the aries-askar wheel on PyPI of the version the binding expects.
# Idempotent: skipped while the folder's package-lock.json is unchanged.
set -euo pipefail
folder=$1 askar=$2
cd "$(dirname "$0")/../$folder"
want=$(sha256sum package-lock.json | cut -d' ' -f1)
[ "$(cat node_modules/.mcred-stamp 2>/dev/null)" = "$want" ] && [ -f lib/libaries_askar.so ] && exit 0
echo "bootstrap: installing the Credo test holder ($folder)"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
npm rebuild --loglevel=error @2060.io/ref-napi @2060.io/ffi-napi >/dev/null
rm -rf lib wheel && mkdir -p lib wheel
../../.venv/bin/python -m pip download --quiet --disable-pip-version-check --no-deps \
    --only-binary=:all: --platform "manylinux2014_$(uname -m)" "aries-askar==$askar" -d wheel
../../.venv/bin/python - "$askar" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(f"wheel/aries_askar-{sys.argv[1]}-*.whl")[0]
with zipfile.ZipFile(wheel) as archive, open("lib/libaries_askar.so", "wb") as out:
    out.write(archive.read("aries_askar/libaries_askar.so"))
PY
rm -rf wheel
echo "$want" > node_modules/.mcred-stamp
