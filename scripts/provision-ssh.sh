#!/usr/bin/env bash
# Provisions what the SSH suites need on a Debian machine (run as root; no systemd required).
# Idempotent: installs only what is missing and runs `apt-get update` only when it installs.
#   openssh-server  /usr/sbin/sshd and ssh-keygen for test/support/sshd.ts (each suite starts its
#                   own sshd on a free loopback port; no system-wide sshd is started here)
#   sudo            for suites that run commands with sudo on the SSH host
#   busybox-static  a static busybox, for suites that need tools on a minimal host
#   openssl         the CLI that makes the self-signed certificate of the agent's wss:// test
#   git             catalog repositories (the marketplace suites build real ones and run git daemon)
# Docker: scripts/provision-docker.sh.
set -euo pipefail

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=()
if [ -x /usr/sbin/sshd ] && command -v ssh-keygen >/dev/null && installed openssh-server; then
  echo "==> openssh-server present ($(/usr/sbin/sshd -V 2>&1 | head -n 1))"
else
  missing+=(openssh-server)
fi
if command -v sudo >/dev/null && installed sudo; then
  echo "==> sudo present"
else
  missing+=(sudo)
fi
if command -v openssl >/dev/null && installed openssl; then
  echo "==> openssl present"
else
  missing+=(openssl)
fi
if command -v git >/dev/null; then
  echo "==> git present ($(git --version))"
else
  missing+=(git)
fi
if installed busybox-static; then
  echo "==> busybox-static present"
else
  missing+=(busybox-static)
fi

if [ "$(id -u)" -ne 0 ]; then
  [ "${#missing[@]}" -eq 0 ] || echo "==> not root: cannot install ${missing[*]}" >&2
  echo "==> not root: the SSH suites need root (useradd, sshd) and will skip" >&2
  exit 0
fi

if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  echo "==> apt-get update"
  apt-get update -q
  # Without systemd, the package's maintainer scripts would start a system-wide sshd on port 22
  # through invoke-rc.d. Tests start their own, so forbid service starts for the install (Docker's
  # Debian images ship this policy already; leave an existing one alone).
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from scripts/provision-ssh.sh\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  echo "==> apt-get install ${missing[*]}"
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "==> nothing to install"
fi

# sshd refuses to start without its privilege separation directory; /run is a tmpfs, so this is
# recreated on every boot (test/support/sshd.ts also creates it when missing).
if [ -d /run/sshd ]; then
  echo "==> /run/sshd present"
else
  mkdir -p /run/sshd
  chmod 0755 /run/sshd
  echo "==> created /run/sshd"
fi
