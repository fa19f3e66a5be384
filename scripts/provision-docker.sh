#!/usr/bin/env bash
# Provisions a Docker engine for the suites that need one (the agent daemon's Docker methods,
# later deployments): Debian's docker.io, a dockerd started by hand when none answers (no
# systemd here), and the test image tomo-test/busybox:1.35 built with `docker import` from
# busybox-static (no registry is reachable), and Debian's docker-registry, which the deployment
# suites start themselves on a loopback port. Idempotent; run as root.
set -euo pipefail

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

if [ "$(id -u)" -ne 0 ]; then
  echo "==> not root: cannot provision Docker; the Docker suites will skip" >&2
  exit 0
fi

if installed docker.io && [ -x /usr/sbin/dockerd ] && installed docker-registry; then
  echo "==> docker.io and docker-registry present"
else
  export DEBIAN_FRONTEND=noninteractive
  echo "==> apt-get install docker.io"
  apt-get update -q
  # Maintainer scripts must not try to start services through a missing init (see
  # provision-ssh.sh); dockerd is started below.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from scripts/provision-docker.sh\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  # docker-registry: a real registry the deployment suites start on loopback for `docker pull`.
  apt-get install -y -q --no-install-recommends docker.io docker-registry
fi

if /usr/bin/docker info >/dev/null 2>&1; then
  echo "==> dockerd answers"
else
  echo "==> starting dockerd (log: /var/log/dockerd.log)"
  # vfs works on any filesystem, also where overlay mounts are not allowed (INFRA recipe).
  setsid /usr/sbin/dockerd --storage-driver=vfs >>/var/log/dockerd.log 2>&1 </dev/null &
  for _ in $(seq 60); do
    /usr/bin/docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  /usr/bin/docker info >/dev/null 2>&1 || {
    echo "==> dockerd did not start; last lines of its log:" >&2
    tail -n 20 /var/log/dockerd.log >&2
    exit 1
  }
fi
echo "==> $(/usr/bin/docker version --format 'Docker engine {{.Server.Version}}, API {{.Server.APIVersion}}')"

image=tomo-test/busybox:1.35
if /usr/bin/docker image inspect "$image" >/dev/null 2>&1; then
  echo "==> $image present"
else
  root=$(mktemp -d)
  mkdir -p "$root/bin"
  cp /bin/busybox "$root/bin/"
  for applet in sh ls echo cat sleep httpd wget env id mkdir; do ln -s busybox "$root/bin/$applet"; done
  tar -C "$root" -c . | /usr/bin/docker import - "$image" >/dev/null
  rm -rf "$root"
  echo "==> built $image"
fi
