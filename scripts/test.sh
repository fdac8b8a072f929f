#!/usr/bin/env bash
# The whole test suite: installs what is missing (npm packages; etcd through
# apt on Debian as root), builds, then runs unit and integration tests.
# Integration tests start and stop their own etcd and apiserver.
source "$(dirname "$0")/lib.sh"

ensure_node
ensure_npm_deps
ensure_etcd
ensure_openssl
build

report="$(mktemp -t skiff-vitest-XXXXXX.json)"
trap 'rm -f "$report"' EXIT
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
