#!/usr/bin/env bash
# The whole test suite: installs what is missing (npm packages; etcd, Docker,
# busybox-static and gcc through apt on Debian as root), starts dockerd when
# it is not running (and stops it again at the end), builds the project and
# the local test images, then runs unit, integration and end-to-end tests.
# Integration tests start and stop their own etcd and apiserver.
source "$(dirname "$0")/lib.sh"

ensure_node
ensure_npm_deps
ensure_etcd
ensure_openssl
ensure_docker
build
ensure_test_images

report="$(mktemp -t skiff-vitest-XXXXXX.json)"
trap 'rm -f "$report"; stop_started_dockerd' EXIT
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
set -e
# One plain summary line, whatever the runner printed above it.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report" 2>/dev/null || true
exit $status
