#!/usr/bin/env bash
# Headless Chromium for the tests of the verifier's web page (Debian's `chromium` package). Skipped when a
# Chromium is already there (MCRED_CHROMIUM, or chromium / chromium-browser on PATH).
set -euo pipefail
for candidate in "${MCRED_CHROMIUM:-}" chromium chromium-browser; do
    [ -n "$candidate" ] && command -v "$candidate" >/dev/null && exit 0
done
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "bootstrap: installing Chromium (apt-get install chromium) for the web page tests"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; }
    exit 0
fi
echo "bootstrap: the web page tests need Chromium and this script cannot install it here (needs apt-get as root)." >&2
echo "  Debian/Ubuntu: sudo apt-get install chromium   macOS: brew install --cask chromium" >&2
echo "  or point MCRED_CHROMIUM at a Chromium/Chrome binary." >&2
exit 1
