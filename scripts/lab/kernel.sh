#!/usr/bin/env bash
# Boot lab: a stock Debian kernel and its modules, unpacked (never installed) under a cache dir.
#
#   scripts/lab/kernel.sh
#
# apt-get download linux-image-$KVER (the only package needed: the image .deb carries vmlinuz
# and every module; its dependencies kmod/linux-base/initramfs-tools are tools, not files we
# boot), dpkg -x into the cache, depmod -b (the .deb has no modules.dep: its postinst makes it).
# Cached: once a version is complete, later runs only print its paths.
#
# Environment:
#   AFSBOOT_LAB_CACHE  cache dir (default /var/cache/afsboot-lab)
#   AFSBOOT_LAB_KVER   kernel ABI (default 6.1.0-56-amd64, the one the netboot trial used)
#
# Prints on stdout, one KEY=VALUE a line (logs go to stderr):
#   AFSBOOT_LAB_KVER, AFSBOOT_LAB_KERNEL (the bzImage), AFSBOOT_LAB_KROOT (the unpacked package),
#   AFSBOOT_LAB_MODULES_DIR (KROOT/lib/modules/KVER), AFSBOOT_LAB_KERNEL_DEB (which .deb it is)
set -euo pipefail

CACHE=${AFSBOOT_LAB_CACHE:-/var/cache/afsboot-lab}
KVER=${AFSBOOT_LAB_KVER:-6.1.0-56-amd64}
PKG=linux-image-$KVER
DIR=$CACHE/kernel/$KVER
KROOT=$DIR/root
STAMP=$DIR/complete

log() { echo "kernel.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

# The name goes into apt-get and paths: Debian's ABI names only (6.1.0-56-amd64, 6.1.0-56-cloud-amd64).
[[ $KVER =~ ^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+(-[a-z0-9]+)+$ ]] || die "AFSBOOT_LAB_KVER=$KVER is not a Debian kernel ABI like 6.1.0-56-amd64"

# Debian 12 images keep modules in /lib/modules; a merged-/usr package would use /usr/lib/modules.
modules_dir() {
  local d
  for d in "$1/lib/modules/$KVER" "$1/usr/lib/modules/$KVER"; do
    [ -d "$d/kernel" ] && { echo "$d"; return 0; }
  done
  return 1
}

cache_complete() {
  [ -f "$STAMP" ] && [ -s "$KROOT/boot/vmlinuz-$KVER" ] || return 1
  local md
  md=$(modules_dir "$KROOT") && [ -s "$md/modules.dep" ]
}

print_paths() {
  local md
  md=$(modules_dir "$KROOT")
  printf 'AFSBOOT_LAB_KVER=%s\n' "$KVER"
  printf 'AFSBOOT_LAB_KERNEL=%s\n' "$KROOT/boot/vmlinuz-$KVER"
  printf 'AFSBOOT_LAB_KROOT=%s\n' "$KROOT"
  printf 'AFSBOOT_LAB_MODULES_DIR=%s\n' "$md"
  printf 'AFSBOOT_LAB_KERNEL_DEB=%s\n' "$(sed -n 's/^deb=//p' "$STAMP")"
}

for c in apt-get dpkg-deb depmod flock sha256sum; do
  command -v "$c" >/dev/null || die "$c is missing (apt-get install -y apt dpkg kmod util-linux coreutils)"
done
# shellcheck source=SCRIPTDIR/cache-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cache-lib.sh"
cached_or_lock "$CACHE/kernel/.lock" "$PKG in $DIR"
mkdir -p "$CACHE/debs"

t0=$(date +%s%N)
rm -rf "$CACHE/kernel/.tmp-$KVER".* # left by a run that was killed (we hold the lock)
TMP=$(mktemp -d "$CACHE/kernel/.tmp-$KVER.XXXXXX")
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT

deb=$(find "$CACHE/debs" -maxdepth 1 -name "${PKG}_*_amd64.deb" -print | sort -V | tail -n 1)
if [ -n "$deb" ] && dpkg-deb --info "$deb" >/dev/null 2>&1; then
  log "reusing $deb"
else
  log "apt-get download $PKG (about 70 MB)"
  mkdir "$TMP/dl"
  # apt's download sandbox user must be able to write there, or apt warns and downloads as root
  chown _apt "$TMP/dl" 2>/dev/null || true
  (cd "$TMP/dl" && apt-get download -q -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= "$PKG" >&2) ||
    die "apt-get download $PKG failed (run apt-get update first? is $KVER still in the archive? apt-cache search --names-only '^linux-image-6.1.0-.*-amd64$')"
  f=$(find "$TMP/dl" -maxdepth 1 -name "${PKG}_*.deb" -print | head -n 1)
  [ -n "$f" ] || die "apt-get download left no .deb"
  deb=$CACHE/debs/${f##*/}
  mv "$f" "$deb"
fi

log "dpkg -x $(basename "$deb")"
dpkg -x "$deb" "$TMP/root"
[ -s "$TMP/root/boot/vmlinuz-$KVER" ] || die "$deb has no boot/vmlinuz-$KVER"
md=$(modules_dir "$TMP/root") || die "$deb has no lib/modules/$KVER"
# depmod -b wants BASEDIR/lib/modules/KVER: the package root is that base
depmod -b "$TMP/root" "$KVER"
[ -s "$md/modules.dep" ] || die "depmod wrote no modules.dep"
printf 'deb=%s\nsha256=%s\n' "$(basename "$deb")" "$(sha256sum "$deb" | cut -d' ' -f1)" >"$TMP/complete"

# swap in whole: a run that dies half-way leaves only a .tmp-* dir, never a half kernel tree
rm -rf "$DIR"
mv "$TMP" "$DIR"
trap - EXIT
log "prepared $PKG in $DIR ($((($(date +%s%N) - t0) / 1000000)) ms)"
print_paths
