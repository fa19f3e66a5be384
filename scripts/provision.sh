#!/usr/bin/env bash
# Provisions what the test suites need on a fresh Debian machine. Idempotent.
# The Node dependencies (native addons bcrypt and better-sqlite3 are built from source when no
# prebuilt binary can be fetched), then OpenSSH for the SSH suites (scripts/provision-ssh.sh) and
# a Docker engine with a test image (scripts/provision-docker.sh).
# See docs/testing.md.
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
scripts/provision-ssh.sh
scripts/provision-docker.sh
echo "==> provisioned"
