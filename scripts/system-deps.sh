#!/usr/bin/env bash
# Install the system packages perfdash needs, if missing: Chromium (kaleido charts for the board pack and
# Playwright browser tests), PostgreSQL (store tests and deployments), poppler-utils (PDF checks), DejaVu fonts,
# nginx-light (the deployment guide's reverse proxy, tested as written).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "perfdash: please install these system packages: ${need[*]} (needs root and apt-get)" >&2
  exit 1
fi
echo "perfdash: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
