#!/usr/bin/env bash
# Re-fetch the vendored BarcodeDetector polyfill and its ZXing-C++ reader wasm from the npm
# registry with `npm pack` (no install, no build step), check the wasm against the SHA-256 the
# polyfill itself expects, and print the digests to put in README.md.
#
#   static/vendor/barcode-detector/update.sh            # the version pinned below
#   static/vendor/barcode-detector/update.sh 3.2.3      # another barcode-detector version
#
# Afterwards: update README.md (versions, sha256), the service worker's cache name
# (static/js/checkin-sw.js) and run tests/e2e/test_door_scanner.py.
set -euo pipefail

VERSION="${1:-3.2.2}"
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

npm pack --silent "barcode-detector@${VERSION}" >/dev/null
mkdir detector && tar -xzf "barcode-detector-${VERSION}.tgz" -C detector
ZXING="$(node -p "require('./detector/package/package.json').dependencies['zxing-wasm']")"
npm pack --silent "zxing-wasm@${ZXING}" >/dev/null
mkdir zxing && tar -xzf "zxing-wasm-${ZXING}.tgz" -C zxing

# The pure ES-module build: ponyfill.js (exports BarcodeDetector and prepareZXingModule, leaves
# window alone) and the chunk it imports, which carries zxing-wasm's reader glue.
cp detector/package/dist/es/ponyfill.js detector/package/dist/es/zxing-exported.js "$HERE/"
cp detector/package/LICENSE "$HERE/LICENSE"
cp zxing/package/LICENSE "$HERE/LICENSE.zxing-wasm"
cp zxing/package/dist/reader/zxing_reader.wasm "$HERE/"

expected="$(grep -o '"[0-9a-f]\{64\}"' "$HERE/zxing-exported.js" | head -1 | tr -d '"')"
actual="$(sha256sum "$HERE/zxing_reader.wasm" | cut -d' ' -f1)"
if [ "$expected" != "$actual" ]; then
  echo "zxing_reader.wasm sha256 $actual is not the $expected the polyfill expects" >&2
  exit 1
fi
echo "barcode-detector ${VERSION}, zxing-wasm ${ZXING}"
(cd "$HERE" && sha256sum ponyfill.js zxing-exported.js zxing_reader.wasm)
