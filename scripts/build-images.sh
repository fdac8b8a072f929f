#!/usr/bin/env bash
# Builds the images Skiff's tests and `skiff up` run, without any registry:
#   skiff/busybox:latest  Debian's static busybox with its applets
#   skiff/pause:latest    the pod sandbox (images/pause/pause.c)
#   skiff/echo:latest     an HTTP server answering with its pod name (images/echo/echo-server.c), plus busybox
# Each is a single layer made from a root filesystem assembled here and fed to
# `docker import`, so nothing is ever pulled (not even a base image) and no
# builder plugin is needed. An image whose inputs (sources, busybox binary,
# compiler, this script) hash to the label it already carries is left alone.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGES="$ROOT/images"
DOCKER="${DOCKER:-docker}"
BUSYBOX_BIN="${SKIFF_BUSYBOX:-/bin/busybox}"
HASH_LABEL="io.skiff.image.inputs"

die() { printf 'build-images: %s\n' "$*" >&2; exit 1; }

"$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1 \
  || die "cannot reach the Docker engine (is dockerd running and /var/run/docker.sock accessible?)"
command -v gcc >/dev/null 2>&1 || die "gcc is required to build the pause and echo images (Debian: apt-get install gcc libc6-dev)"

if [ -z "${SKIFF_BUSYBOX:-}" ] && ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null 2>&1 \
      || { DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
           && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null; } \
      || die "could not install busybox-static with apt-get"
  else
    die "a static busybox is required: install busybox-static (Debian: sudo apt-get install busybox-static) or set SKIFF_BUSYBOX"
  fi
fi
[ -x "$BUSYBOX_BIN" ] || die "no busybox at $BUSYBOX_BIN"

# Several test processes may call this at once; one build at a time.
exec 9>"${TMPDIR:-/tmp}/skiff-build-images.lock"
flock 9

WORK="$(mktemp -d "${TMPDIR:-/tmp}/skiff-images.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

GCC_VERSION="$(gcc --version | head -n1)"

inputs_hash() {
  # content hash of the named files and directories, plus the compiler and this script
  {
    printf '%s\n' "$GCC_VERSION"
    sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1
    local p
    for p in "$@"; do
      if [ -d "$p" ]; then
        (cd "$p" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
      else
        sha256sum "$p" | cut -d' ' -f1
      fi
    done
  } | sha256sum | cut -c1-32
}

current_hash() {
  "$DOCKER" image inspect --format "{{index .Config.Labels \"$HASH_LABEL\"}}" "$1" 2>/dev/null || true
}

busybox_rootfs() {
  # $1: directory to fill with busybox, its applet links and a minimal /etc
  local r="$1" applet
  mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/root" "$r/var/www" "$r/proc" "$r/sys" "$r/dev" "$r/usr"
  chmod 1777 "$r/tmp"
  chmod 700 "$r/root"
  cp "$BUSYBOX_BIN" "$r/bin/busybox"
  for applet in $("$BUSYBOX_BIN" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$r/bin/$applet"
  done
  # scripts that start with #!/usr/bin/env or call /sbin/... find the same applets
  ln -s bin "$r/sbin"
  ln -s ../bin "$r/usr/bin"
  ln -s ../bin "$r/usr/sbin"
  cp "$IMAGES/rootfs/etc/passwd" "$IMAGES/rootfs/etc/group" "$r/etc/"
}

import_image() {
  # $1 image, $2 rootfs directory, $3 inputs hash, rest: --change arguments
  local image="$1" rootfs="$2" hash="$3"
  shift 3
  local old
  old="$("$DOCKER" image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
  local id
  id="$(tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -cf - . \
    | "$DOCKER" import --change "LABEL $HASH_LABEL=$hash" "$@" --message "$image built by scripts/build-images.sh" - "$image")"
  # the image this one replaced is dangling now; keep it only while a container still uses it
  if [ -n "$old" ] && [ "$old" != "$id" ]; then
    "$DOCKER" image rm "$old" >/dev/null 2>&1 || true
  fi
  printf '%s built (%s)\n' "$image" "${id:0:19}"
}

build_busybox() {
  local image=skiff/busybox:latest hash
  hash="$(inputs_hash "$BUSYBOX_BIN" "$IMAGES/rootfs")"
  if [ "$(current_hash "$image")" = "$hash" ]; then
    printf '%s up to date\n' "$image"
    return
  fi
  local r="$WORK/busybox"
  busybox_rootfs "$r"
  import_image "$image" "$r" "$hash" --change 'CMD ["sh"]'
}

build_pause() {
  local image=skiff/pause:latest hash
  hash="$(inputs_hash "$IMAGES/pause")"
  if [ "$(current_hash "$image")" = "$hash" ]; then
    printf '%s up to date\n' "$image"
    return
  fi
  local r="$WORK/pause"
  mkdir -p "$r"
  gcc -static -Os -s -Wall -o "$r/pause" "$IMAGES/pause/pause.c"
  import_image "$image" "$r" "$hash" --change 'ENTRYPOINT ["/pause"]'
}

build_echo() {
  local image=skiff/echo:latest hash
  hash="$(inputs_hash "$IMAGES/echo" "$BUSYBOX_BIN" "$IMAGES/rootfs")"
  if [ "$(current_hash "$image")" = "$hash" ]; then
    printf '%s up to date\n' "$image"
    return
  fi
  local r="$WORK/echo"
  busybox_rootfs "$r"
  gcc -static -Os -s -Wall -pthread -D_GNU_SOURCE -o "$r/bin/echo-server" "$IMAGES/echo/echo-server.c"
  import_image "$image" "$r" "$hash" --change 'CMD ["/bin/echo-server"]' --change 'EXPOSE 8080/tcp'
}

build_busybox
build_pause
build_echo

# Version tags of the echo image, so that a rollout has something to roll to
# (`skiff set image deployment/web web=skiff/echo:2.0`).
for tag in 1.0 2.0; do
  "$DOCKER" tag skiff/echo:latest "skiff/echo:$tag"
done
