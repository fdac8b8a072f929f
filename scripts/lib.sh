# Shared steps of the set-up scripts: install what is missing, build.
# Sourced by scripts/start.sh and scripts/test.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

APT_UPDATED=0
apt_install() {
  # On Debian as root, install the named packages; elsewhere, say what is needed.
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    if [ "$APT_UPDATED" = 0 ]; then
      say "apt-get update"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
      APT_UPDATED=1
    fi
    say "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    die "missing $*: install it (Debian/Ubuntu: sudo apt-get install $*) and run this again"
  fi
}

ensure_node() {
  command -v node >/dev/null 2>&1 || die "Node.js 20 or newer is required (https://nodejs.org)"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || die "Node.js 20 or newer is required (found $(node --version))"
}

ensure_npm_deps() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

ensure_etcd() {
  if ! command -v etcd >/dev/null 2>&1; then
    apt_install etcd-server
  fi
  command -v etcd >/dev/null 2>&1 || die "etcd is not on PATH after installing etcd-server"
}

ensure_openssl() {
  command -v openssl >/dev/null 2>&1 || apt_install openssl
}

build() {
  say "npm run build"
  npm run --silent build
}

# Docker: install Debian's docker.io when missing and start dockerd when it
# is not answering. DOCKERD_STARTED_PID is set when this script started it,
# so the caller can stop exactly that process (and nothing it did not start).
DOCKERD_STARTED_PID=""
docker_answers() { docker info >/dev/null 2>&1; }
ensure_docker() {
  if ! command -v dockerd >/dev/null 2>&1; then
    apt_install docker.io
  fi
  command -v docker >/dev/null 2>&1 || die "the docker CLI is not on PATH after installing docker.io"
  if docker_answers; then return; fi
  [ "$(id -u)" = 0 ] || die "the Docker engine is not running: start it (sudo systemctl start docker, or sudo dockerd) and run this again"
  local log="${SKIFF_DOCKERD_LOG:-/tmp/skiff-dockerd.log}"
  say "starting dockerd (log: $log)"
  dockerd >"$log" 2>&1 &
  DOCKERD_STARTED_PID=$!
  for _ in $(seq 1 60); do
    docker_answers && return
    kill -0 "$DOCKERD_STARTED_PID" 2>/dev/null || die "dockerd exited at start; see $log"
    sleep 0.5
  done
  die "dockerd did not answer within 30 s; see $log"
}

stop_started_dockerd() {
  if [ -n "$DOCKERD_STARTED_PID" ] && kill -0 "$DOCKERD_STARTED_PID" 2>/dev/null; then
    kill "$DOCKERD_STARTED_PID" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$DOCKERD_STARTED_PID" 2>/dev/null || return 0; sleep 0.25; done
  fi
}

ensure_test_images() {
  command -v gcc >/dev/null 2>&1 || apt_install gcc libc6-dev
  say "building the local images"
  bash scripts/build-images.sh
}
