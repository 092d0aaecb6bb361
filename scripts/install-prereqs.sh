#!/usr/bin/env bash
# Installs what `make test` and `make demo` need on a fresh Debian machine, and nothing that is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# command -> Debian package providing it
declare -A packages=(
  [buildah]=buildah
  [skopeo]=skopeo
  [docker-registry]=docker-registry
  [prometheus-pushgateway]=prometheus-pushgateway
  [promtool]=prometheus
  [htpasswd]=apache2-utils
  [openssl]=openssl
  [jq]=jq
)
if [ "${WITH_CHROMIUM:-1}" = 1 ]; then packages[chromium]=chromium; fi

missing=()
for cmd in "${!packages[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${packages[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The Debian services must not keep running on the machine; tests start their own on free ports.
  for svc in prometheus prometheus-pushgateway docker-registry prometheus-node-exporter; do
    $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || $sudo service "$svc" stop >/dev/null 2>&1 || true
  done
fi

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20 || (a===20 && b<19)) { console.error(`Node >= 20.19 needed, found ${process.versions.node}`); process.exit(1) }'

stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  npm ci --no-audit --no-fund
fi
