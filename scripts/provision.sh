#!/usr/bin/env bash
# Provisions what the test suites need on a fresh Debian machine. Idempotent.
# Today: the Node dependencies (native addons bcrypt and better-sqlite3 are built from source
# when no prebuilt binary can be fetched). The servers and agents suites add sshd and dockerd
# here (see docs/testing.md).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> Node $(node --version), npm $(npm --version)"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci"
  npm ci --no-audit --no-fund
fi
node -e "require('better-sqlite3'); require('bcrypt')" || {
  echo "==> rebuilding native addons"
  npm rebuild better-sqlite3 bcrypt
}
echo "==> provisioned"
