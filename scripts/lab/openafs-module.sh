#!/usr/bin/env bash
# Boot lab: the OpenAFS kernel module (openafs.ko) for the lab's kernel, built from Debian's
# packages into a cache dir, as DKMS would build it on a client, but without installing anything
# into / (no dkms, no headers in /usr/src, no /lib/modules).
#
#   scripts/lab/openafs-module.sh
#
# Which packages: apt-resolve.mjs resolves them from what apt offers today, before anything is
# downloaded: openafs-modules-dkms at the version of the installed openafs-client (its afsd talks
# to this module: they must match), linux-headers-KVER at the version of the lab's kernel image
# (kernel.sh's), and the two packages those headers depend on (linux-headers-*-common,
# linux-kbuild-*) at the newest versions the headers' Depends accept (=, >=: the archive moves the
# kbuild package on by itself). apt-get download them (SHA256 checked against apt's lists), dpkg -x
# into a work dir, point the headers' Makefile at the work dir, then the build rule of the
# package's own dkms.conf: ./configure --disable-linux-syscall-probing
# --with-afs-sysname=amd64_linux26 --with-linux-kernel-packaging --with-linux-kernel-headers=DIR
# && make. The package's source is already OpenAFS's kernel-module-only tree (`make libafs_tree`:
# its Makefile builds src/config and src/libafs, no userland); most of the time is configure's
# ~370 kernel feature probes, one kbuild run each, one after another (the log ends with the split).
# The module's vermagic is checked against the kernel's; debug sections are stripped.
# Needs gcc and make (on every machine of this kind). Takes several minutes once (`make test`
# starts it at the beginning, in the background: scripts/lab/prepare.sh); cached by every package's
# version and SHA256, the compiler and RECIPE (bump it when the build steps change; comments and
# logging do not need a rebuild). Interrupted (INT, TERM) or failed, it stops the build and
# removes its work dir: nothing half-built is ever marked complete. A package apt can no longer
# download (lists older than the archive): apt-get update once, then everything is resolved anew.
#
# Environment:
#   AFSBOOT_LAB_CACHE  cache dir (default /var/cache/afsboot-lab)
#   AFSBOOT_LAB_KVER   kernel ABI (default: what linux-image-amd64 depends on, as kernel.sh)
#
# Prints on stdout, one KEY=VALUE a line (logs go to stderr): kernel.sh's lines, then
#   AFSBOOT_LAB_OPENAFS_KO (the module), AFSBOOT_LAB_OPENAFS_VERSION (the OpenAFS package version)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${AFSBOOT_LAB_CACHE:-/var/cache/afsboot-lab}

log() { echo "openafs-module.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

for c in node apt-get apt-cache dpkg-deb gcc make flock sha256sum modinfo strip setsid; do
  command -v "$c" >/dev/null || die "$c is missing (apt-get install -y apt dpkg gcc make util-linux coreutils kmod binutils)"
done
# shellcheck source=SCRIPTDIR/cache-lib.sh
. "$HERE/cache-lib.sh"

# before anything is downloaded: every package and version, from what apt offers today (the
# headers' -common and linux-kbuild-* as their Depends allow, never assumed equal to the headers')
resolved=$(resolve_debs openafs)
deb_of() { sed -n "s/^AFSBOOT_LAB_DEB_$1=//p" <<<"$resolved"; }
KVER=$(sed -n 's/^AFSBOOT_LAB_KVER=//p' <<<"$resolved")
OAFS_VERSION=$(deb_of openafs | cut -d' ' -f2)
case $KVER in
  *-amd64) SYSNAME=amd64_linux26 ;; # what the package's dkms.conf derives for amd64 kernels
  *) die "only amd64 kernels are supported (got $KVER)" ;;
esac
# the same ABI and version kernel.sh prepares (it resolves the same way)
kernel_env=$(AFSBOOT_LAB_KVER=$KVER "$HERE/kernel.sh")
MD=$(sed -n 's/^AFSBOOT_LAB_MODULES_DIR=//p' <<<"$kernel_env")
[ -d "$MD" ] || die "kernel.sh gave no modules dir"

# bump RECIPE when the build steps change (comments and logging do not need a rebuild)
RECIPE=2
CONFIGURE=(--disable-linux-syscall-probing "--with-afs-sysname=$SYSNAME" --with-linux-kernel-packaging)
key=$(
  {
    echo "recipe $RECIPE ${CONFIGURE[*]}"
    for role in kernel headers common kbuild openafs; do echo "$role $(deb_of $role)"; done
    echo "gcc $(gcc -dumpfullversion)"
  } | sha256sum | cut -c1-16
)
DIR=$CACHE/openafs/$key
KO=$DIR/openafs.ko

print_paths() {
  printf '%s\n' "$kernel_env"
  printf 'AFSBOOT_LAB_OPENAFS_KO=%s\n' "$KO"
  printf 'AFSBOOT_LAB_OPENAFS_VERSION=%s\n' "$OAFS_VERSION"
}
cache_complete() { [ -s "$KO" ] && [ -f "$DIR/complete" ] && touch "$DIR"; }

cached_or_lock "$CACHE/openafs/.lock" "$KO"

t0=$(date +%s%N)
rm -rf "$CACHE/openafs/.tmp".* # left by a run that was killed (we hold the lock)
TMP=$(mktemp -d "$CACHE/openafs/.tmp.XXXXXX")
BUILD_PID=
# bash runs no EXIT trap on a signal of its own: stop the build's process group, then exit
# shellcheck disable=SC2317 # runs through the traps
stop_build() { if [ -n "$BUILD_PID" ]; then kill -TERM -- "-$BUILD_PID" 2>/dev/null || true; wait "$BUILD_PID" 2>/dev/null || true; fi; }
trap 'stop_build; rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
chmod 755 "$TMP"

debs=()
for role in headers common kbuild openafs; do
  rc=0
  f=$(fetch_deb "$(deb_of $role)" "$TMP") || rc=$?
  if [ "$rc" = 3 ]; then rm -rf "$TMP"; trap - EXIT; apt_update_and_rerun "$0" "$@"; fi
  [ "$rc" = 0 ] || exit "$rc"
  debs+=("$f")
done

R=$TMP/root
H_PKG=$(deb_of headers | cut -d" " -f1)
for d in "${debs[@]}"; do
  log "dpkg -x $(basename "$d")"
  dpkg -x "$d" "$R"
done

HDIR=$R/usr/src/$H_PKG
[ -f "$HDIR/Makefile" ] || die "$H_PKG has no usr/src/$H_PKG/Makefile"
# the flavour's Makefile includes the common tree by its installed (absolute) path
sed -i "s#^include /usr/src/#include $R/usr/src/#" "$HDIR/Makefile"
grep -q "^include $R/usr/src/" "$HDIR/Makefile" || die "unexpected $H_PKG Makefile: $(head -n 5 "$HDIR/Makefile")"
# scripts and tools are links into the kbuild package; they must resolve inside the work dir
for l in scripts tools; do
  [ -L "$HDIR/$l" ] || continue
  target=$(readlink "$HDIR/$l")
  case $target in /*) ln -sfn "$R$target" "$HDIR/$l" ;; esac
  [ -e "$HDIR/$l/." ] || die "$HDIR/$l points at $(readlink "$HDIR/$l"), which is missing"
done

SRC=$(find "$R/usr/src" -maxdepth 1 -type d -name 'openafs-*' -print | head -n 1)
if [ -z "$SRC" ] || [ ! -x "$SRC/configure" ]; then die "openafs-modules-dkms has no usr/src/openafs-*/configure"; fi
log "building openafs.ko $OAFS_VERSION for $KVER (several minutes; log: $TMP/build.log while it runs)"
# in the background, in a process group of its own (setsid), so that a signal stops all of make
# shellcheck disable=SC2016 # expanded by the inner bash
# (configure's ~370 kernel feature probes, each a kbuild run of its own, are most of the time)
setsid bash -c 'cd "$1" && shift && t=$SECONDS && ./configure "$@" && c=$((SECONDS - t)) &&
  nice -n 10 make -j"$(nproc)" && echo "afsboot-timing: configure $c s, make $((SECONDS - t - c)) s"' build \
  "$SRC" "${CONFIGURE[@]}" "--with-linux-kernel-headers=$HDIR" >"$TMP/build.log" 2>&1 </dev/null &
BUILD_PID=$!
if ! wait "$BUILD_PID"; then
  BUILD_PID=
  tail -n 30 "$TMP/build.log" >&2
  die "the module build failed (the last lines above)"
fi
BUILD_PID=
timing=$(sed -n 's/^afsboot-timing: //p' "$TMP/build.log")
built=$(find "$SRC/src/libafs" -path '*/MODLOAD-*' -name openafs.ko -print | head -n 1)
[ -s "$built" ] || die "the build left no openafs.ko under $SRC/src/libafs"

# the kernel refuses a module built for another kernel: compare with one of its own modules
want=$(modinfo -F vermagic "$(find "$MD/kernel/fs" -name '*.ko*' -print | head -n 1)")
got=$(modinfo -F vermagic "$built")
[ "$want" = "$got" ] || die "openafs.ko vermagic '$got' is not the kernel's '$want'"
strip --strip-debug "$built"

mkdir -p "$DIR"
cp "$built" "$KO.tmp"
mv "$KO.tmp" "$KO"
printf 'kernel=%s %s\nopenafs=%s\nvermagic=%s\nsha256=%s\n' "$KVER" "$(deb_of kernel | cut -d' ' -f2)" "$OAFS_VERSION" "$got" \
  "$(sha256sum "$KO" | cut -d' ' -f1)" >"$DIR/complete" # last: its presence marks the module complete
prune_cache "$CACHE/openafs"
log "built $KO: $(stat -c %s "$KO") bytes ($((($(date +%s%N) - t0) / 1000000)) ms; $timing)"
print_paths
