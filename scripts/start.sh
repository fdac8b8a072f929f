#!/usr/bin/env bash
# Start a local Skiff cluster on this machine (`skiff up`: etcd, the control
# plane, and two nodes on Docker) with an admin kubeconfig at
# ~/.skiff/kubeconfig. Installs what is missing first (etcd, Docker) and starts
# dockerd when it is not running. Returns once every node is Ready; `skiff
# down` stops the cluster.
source "$(dirname "$0")/lib.sh"

ensure_node
ensure_npm_deps
ensure_etcd
ensure_openssl
case " $* " in
  *" --runtime simulated "*|*" --runtime=simulated "*) ;;
  *) ensure_docker ;;
esac
build

exec node dist/src/cli/main.js up "$@"
