#!/usr/bin/env bash
# Builds skiff/skiff:latest, the image docker-compose.yml runs every component
# from, without any registry: a root filesystem assembled here from this
# machine's Node.js, etcd, openssl and static busybox (each with the shared
# libraries ldd names) plus the built project (dist, node_modules), fed to
# `docker import`. Run `npm run build` first (npm run compose:build does both).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DOCKER="${DOCKER:-docker}"
IMAGE="${SKIFF_IMAGE:-skiff/skiff:latest}"
BUSYBOX_BIN="${SKIFF_BUSYBOX:-/bin/busybox}"

die() { printf 'build-skiff-image: %s\n' "$*" >&2; exit 1; }

"$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "cannot reach the Docker engine (is dockerd running?)"
[ -f "$ROOT/dist/src/cli/main.js" ] || die "no build in dist/: run npm run build first"
NODE_BIN="$(command -v node)" || die "node not found"
ETCD_BIN="$(command -v etcd || echo /usr/bin/etcd)"
[ -x "$ETCD_BIN" ] || die "etcd not found (Debian: apt-get install etcd-server)"
OPENSSL_BIN="$(command -v openssl)" || die "openssl not found"
[ -x "$BUSYBOX_BIN" ] || die "no static busybox at $BUSYBOX_BIN (Debian: apt-get install busybox-static)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/skiff-image.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
R="$WORK/rootfs"
mkdir -p "$R"/{bin,etc,tmp,root,proc,sys,dev,usr/bin,usr/lib/ssl,app,var/lib}
chmod 1777 "$R/tmp"

copy_with_libs() {
  # $1 binary, $2 where it goes in the image; its shared libraries keep their paths
  local bin="$1" dest="$2" lib
  cp -L "$bin" "$R$dest"
  # POSIX classes only: Debian's default awk (mawk) has no \s, and a missed
  # dynamic loader leaves a binary that the image cannot start ("not found")
  for lib in $(ldd "$bin" 2>/dev/null | awk '/=> \//{print $3} /^[[:space:]]*\/lib/{print $1}'); do
    mkdir -p "$R$(dirname "$lib")"
    cp -L "$lib" "$R$lib"
  done
}

copy_with_libs "$NODE_BIN" /usr/bin/node
copy_with_libs "$OPENSSL_BIN" /usr/bin/openssl
cp -L "$ETCD_BIN" "$R/usr/bin/etcd"
[ -f /usr/lib/ssl/openssl.cnf ] && cp -L /usr/lib/ssl/openssl.cnf "$R/usr/lib/ssl/openssl.cnf"
cp "$BUSYBOX_BIN" "$R/bin/busybox"
for applet in $("$BUSYBOX_BIN" --list); do
  [ -e "$R/bin/$applet" ] || ln -s busybox "$R/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$R/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$R/etc/group"
printf 'hosts: files dns\n' >"$R/etc/nsswitch.conf"

cp -r "$ROOT/dist" "$ROOT/node_modules" "$ROOT/package.json" "$ROOT/manifests" "$R/app/"
mkdir -p "$R/app/scripts"
cat >"$R/usr/bin/skiff" <<'EOF'
#!/bin/sh
exec /usr/bin/node /app/dist/src/cli/main.js "$@"
EOF
chmod +x "$R/usr/bin/skiff"

old="$("$DOCKER" image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
id="$(tar --numeric-owner --owner=0 --group=0 -C "$R" -cf - . \
  | "$DOCKER" import \
      --change 'ENV PATH=/usr/bin:/bin' \
      --change 'WORKDIR /app' \
      --change 'ENTRYPOINT ["/usr/bin/skiff"]' \
      --message "$IMAGE built by scripts/build-skiff-image.sh" - "$IMAGE")"
if [ -n "$old" ] && [ "$old" != "$id" ]; then "$DOCKER" image rm "$old" >/dev/null 2>&1 || true; fi
printf '%s built (%s)\n' "$IMAGE" "${id:0:19}"
