#!/usr/bin/env bash
# `make serve`: the app as at a venue. gunicorn on loopback, Caddy in front with HTTPS from its
# own certificate authority, so phones on the LAN get a secure context (camera, offline door).
# Stops both on Ctrl-C. Settings (environment): HTTPS_PORT (8443), HTTP_PORT (8080, hands out
# the root certificate), APP_PORT (8000), WORKERS (4), SERVE_NAMES (extra host names).
set -euo pipefail
cd "$(dirname "$0")/.."

HTTPS_PORT="${HTTPS_PORT:-8443}"
HTTP_PORT="${HTTP_PORT:-8080}"
APP_PORT="${APP_PORT:-8000}"
WORKERS="${WORKERS:-4}"
DATA="$PWD/instance/caddy"
mkdir -p "$DATA"
chmod 700 "$DATA"

# Every IPv4 address of this machine (no packet is sent to find them), then localhost.
mapfile -t addresses < <(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+(\.[0-9]+){3}$' || true)
names=("${addresses[@]}" localhost 127.0.0.1 ${SERVE_NAMES:-})
sites=""
for name in "${names[@]}"; do sites+="${sites:+, }https://$name:$HTTPS_PORT"; done
primary="${addresses[0]:-localhost}"

export WORKSHOP_CADDY_SITES="$sites"
export WORKSHOP_CADDY_HTTPS_PORT="$HTTPS_PORT" WORKSHOP_CADDY_HTTP_PORT="$HTTP_PORT"
export WORKSHOP_CADDY_DATA="$DATA" WORKSHOP_APP_ADDRESS="127.0.0.1:$APP_PORT"
export WORKSHOP_BASE_URL="https://$primary:$HTTPS_PORT"
export WORKSHOP_PROXY_FIX=1  # Caddy sets X-Forwarded-For/-Proto: limits see the phones' addresses

pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

if [ -f deploy/gunicorn.conf.py ]; then
  .venv/bin/gunicorn -c deploy/gunicorn.conf.py --workers "$WORKERS" --bind "127.0.0.1:$APP_PORT" wsgi:app &
else
  .venv/bin/gunicorn --workers "$WORKERS" --bind "127.0.0.1:$APP_PORT" wsgi:app &
fi
pids+=($!)
XDG_DATA_HOME="$DATA" XDG_CONFIG_HOME="$DATA" caddy run --adapter caddyfile --config deploy/Caddyfile &
pids+=($!)

root="$DATA/pki/authorities/local/root.crt"
for _ in $(seq 1 100); do [ -s "$root" ] && break; sleep 0.1; done
[ -s "$root" ] || { echo "Caddy did not create its root certificate ($root)" >&2; exit 1; }

cat <<INFO

  Open on the phones:  https://$primary:$HTTPS_PORT/
  (also: ${sites})

  Once per phone, trust this venue's certificate authority:
    1. On the phone, open  http://$primary:$HTTP_PORT/workshop-root.crt
    2. Android: Settings > Security > Encryption & credentials > Install a certificate >
       CA certificate > choose workshop-root.crt (wording varies by maker).
       iPhone: allow the download, then Settings > General > VPN & Device Management >
       the "Workshop venue CA" profile > Install; then Settings > General > About >
       Certificate Trust Settings > turn on full trust for it.
    3. Open the https address above: no warning, and the door scanner can use the camera.
  Root certificate file: $root (SHA-256 $(openssl x509 -in "$root" -noout -fingerprint -sha256 | cut -d= -f2))

INFO
.venv/bin/python -c "import qrcode, sys; q = qrcode.QRCode(border=1); q.add_data(sys.argv[1]); q.print_ascii(invert=True)" "http://$primary:$HTTP_PORT/workshop-root.crt" || true
echo "  (QR: the root certificate's address; stop with Ctrl-C)"
wait -n
