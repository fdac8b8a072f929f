#!/usr/bin/env bash
# Start Skiff's control plane on this machine: a local etcd and the apiserver
# with TLS and a bearer token, and an admin kubeconfig at ~/.skiff/kubeconfig.
# Installs what is missing first. Runs in the foreground; Ctrl-C stops both.
source "$(dirname "$0")/lib.sh"

ensure_node
ensure_npm_deps
ensure_etcd
ensure_openssl
build

exec node dist/src/cli/main.js up "$@"
