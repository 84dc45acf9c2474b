#!/usr/bin/env bash
# Boot lab: the OpenAFS kernel module (openafs.ko) for the lab's kernel, built from Debian's
# packages into a cache dir, as DKMS would build it on a client, but without installing anything
# into / (no dkms, no headers in /usr/src, no /lib/modules).
#
#   scripts/lab/openafs-module.sh
#
# apt-get download: openafs-modules-dkms at the version of the installed openafs-client (its
# afsd talks to this module: they must match), linux-headers-KVER at the version of the lab's
# kernel image, and the two packages those headers depend on (linux-headers-*-common,
# linux-kbuild-*). dpkg -x all four into a work dir, point the headers' Makefile at the work dir,
# then the build rule of the package's own dkms.conf: ./configure --disable-linux-syscall-probing
# --with-afs-sysname=amd64_linux26 --with-linux-kernel-packaging --with-linux-kernel-headers=DIR
# && make. The module's vermagic is checked against the kernel's; debug sections are stripped.
# Needs gcc and make (on every machine of this kind). Takes several minutes once; cached by the
# package versions, the compiler and RECIPE (bump it when the build steps change; comments and
# logging do not need a rebuild). Interrupted (INT, TERM), it stops the build and removes its
# work dir.
#
# Environment:
#   AFSBOOT_LAB_CACHE  cache dir (default /var/cache/afsboot-lab)
#   AFSBOOT_LAB_KVER   kernel ABI (default: kernel.sh's)
#
# Prints on stdout, one KEY=VALUE a line (logs go to stderr): kernel.sh's lines, then
#   AFSBOOT_LAB_OPENAFS_KO (the module), AFSBOOT_LAB_OPENAFS_VERSION (the OpenAFS package version)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${AFSBOOT_LAB_CACHE:-/var/cache/afsboot-lab}

log() { echo "openafs-module.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

for c in apt-get dpkg-deb dpkg-query gcc make flock sha256sum modinfo strip; do
  command -v "$c" >/dev/null || die "$c is missing (apt-get install -y apt dpkg gcc make util-linux coreutils kmod binutils)"
done

kernel_env=$("$HERE/kernel.sh")
getenv() { sed -n "s/^$1=//p" <<<"$kernel_env"; }
KVER=$(getenv AFSBOOT_LAB_KVER)
KDEB=$(getenv AFSBOOT_LAB_KERNEL_DEB)
MD=$(getenv AFSBOOT_LAB_MODULES_DIR)
if [ -z "$KVER" ] || [ ! -f "$CACHE/debs/$KDEB" ]; then die "kernel.sh gave no kernel ABI or package"; fi
KPKG_VERSION=$(dpkg-deb -f "$CACHE/debs/$KDEB" Version)
OAFS_VERSION=$(dpkg-query -W -f '${Version}' openafs-client 2>/dev/null) ||
  die "openafs-client is not installed: its afsd goes into the base initrd beside the module (apt-get install openafs-client)"
case $KVER in
  *-amd64) SYSNAME=amd64_linux26 ;; # what the package's dkms.conf derives for amd64 kernels
  *) die "only amd64 kernels are supported (got $KVER)" ;;
esac

RECIPE=1
CONFIGURE=(--disable-linux-syscall-probing "--with-afs-sysname=$SYSNAME" --with-linux-kernel-packaging)
key=$(
  {
    echo "recipe $RECIPE ${CONFIGURE[*]}"
    echo "kernel $KVER $KPKG_VERSION"
    echo "openafs $OAFS_VERSION"
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
cache_complete() { [ -s "$KO" ] && [ -f "$DIR/complete" ]; }

# shellcheck source=SCRIPTDIR/cache-lib.sh
. "$HERE/cache-lib.sh"
cached_or_lock "$CACHE/openafs/.lock" "$KO"
mkdir -p "$CACHE/debs"

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

# fetch PKG VERSION: the .deb from the cache, else apt-get download; prints its path
fetch() {
  local pkg=$1 ver=$2 f
  f=$CACHE/debs/${pkg}_${ver//:/%3a}_$3.deb
  if [ -s "$f" ] && dpkg-deb --info "$f" >/dev/null 2>&1; then
    echo "$f"
    return 0
  fi
  mkdir -p "$TMP/dl"
  chown _apt "$TMP/dl" 2>/dev/null || true # apt's download sandbox user
  log "apt-get download $pkg=$ver"
  # no package cache files: apt's own in /var/cache/apt stay as they are
  (cd "$TMP/dl" && apt-get download -q -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= "$pkg=$ver" >&2) ||
    die "apt-get download $pkg=$ver failed (run apt-get update first? is it still in the archive?)"
  local got
  got=$(find "$TMP/dl" -maxdepth 1 -name "${pkg}_*.deb" -print | head -n 1)
  [ -n "$got" ] || die "apt-get download $pkg left no .deb"
  mv "$got" "$f"
  echo "$f"
}

R=$TMP/root
H_PKG=linux-headers-$KVER
h_deb=$(fetch "$H_PKG" "$KPKG_VERSION" amd64)
# the headers name their common part and kbuild tools in Depends, with exact versions:
#   linux-headers-6.1.0-56-common (= 6.1.192-2), linux-kbuild-6.1 (>= 6.1.192-2), ...
deps=$(dpkg-deb -f "$h_deb" Depends)
common=$(grep -oE 'linux-headers-[0-9.]+-[0-9]+-common' <<<"$deps" | head -n 1)
kbuild=$(grep -oE 'linux-kbuild-[0-9.]+' <<<"$deps" | head -n 1)
if [ -z "$common" ] || [ -z "$kbuild" ]; then die "$H_PKG does not depend on a -common headers and a linux-kbuild package: $deps"; fi
c_deb=$(fetch "$common" "$KPKG_VERSION" all)
k_deb=$(fetch "$kbuild" "$KPKG_VERSION" amd64)
o_deb=$(fetch openafs-modules-dkms "$OAFS_VERSION" all)
for d in "$h_deb" "$c_deb" "$k_deb" "$o_deb"; do
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
setsid bash -c 'cd "$1" && shift && ./configure "$@" && nice -n 10 make -j"$(nproc)"' build \
  "$SRC" "${CONFIGURE[@]}" "--with-linux-kernel-headers=$HDIR" >"$TMP/build.log" 2>&1 </dev/null &
BUILD_PID=$!
if ! wait "$BUILD_PID"; then
  BUILD_PID=
  tail -n 30 "$TMP/build.log" >&2
  die "the module build failed (the last lines above)"
fi
BUILD_PID=
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
printf 'kernel=%s %s\nopenafs=%s\nvermagic=%s\nsha256=%s\n' "$KVER" "$KPKG_VERSION" "$OAFS_VERSION" "$got" \
  "$(sha256sum "$KO" | cut -d' ' -f1)" >"$DIR/complete" # last: its presence marks the module complete
log "built $KO: $(stat -c %s "$KO") bytes ($((($(date +%s%N) - t0) / 1000000)) ms)"
print_paths
