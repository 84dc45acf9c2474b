#!/usr/bin/env bash
# Boot lab: a stock Debian kernel and its modules, unpacked (never installed) under a cache dir.
#
#   scripts/lab/kernel.sh
#
# Which kernel: apt-resolve.mjs resolves it from what apt offers today (the ABI that Debian's
# linux-image-amd64 depends on, or AFSBOOT_LAB_KVER; the newest version of that image that also
# has headers, so that openafs-module.sh builds against the same kernel). apt-get download that
# one package (the image .deb carries vmlinuz and every module; its dependencies
# kmod/linux-base/initramfs-tools are tools, not files we boot), its SHA256 checked against apt's
# lists, dpkg -x into the cache, depmod -b (the .deb has no modules.dep: its postinst makes it).
# Cached by ABI and package version: once complete, later runs only print its paths. Entries no
# run used for 30 days are removed.
#
# Environment:
#   AFSBOOT_LAB_CACHE  cache dir (default /var/cache/afsboot-lab)
#   AFSBOOT_LAB_KVER   kernel ABI, e.g. 6.1.0-57-amd64 (default: what linux-image-amd64 depends on)
#
# Prints on stdout, one KEY=VALUE a line (logs go to stderr):
#   AFSBOOT_LAB_KVER, AFSBOOT_LAB_KERNEL (the bzImage), AFSBOOT_LAB_KROOT (the unpacked package),
#   AFSBOOT_LAB_MODULES_DIR (KROOT/lib/modules/KVER), AFSBOOT_LAB_KERNEL_DEB (which .deb it is)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${AFSBOOT_LAB_CACHE:-/var/cache/afsboot-lab}

log() { echo "kernel.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

for c in node apt-get apt-cache dpkg-deb depmod flock sha256sum; do
  command -v "$c" >/dev/null || die "$c is missing (apt-get install -y apt dpkg kmod util-linux coreutils)"
done
# shellcheck source=SCRIPTDIR/cache-lib.sh
. "$HERE/cache-lib.sh"

# before anything is downloaded: the ABI (checked), the package, its version and SHA256
resolved=$(resolve_debs kernel)
KVER=$(sed -n 's/^AFSBOOT_LAB_KVER=//p' <<<"$resolved")
KDEB=$(sed -n 's/^AFSBOOT_LAB_DEB_kernel=//p' <<<"$resolved")
read -r PKG KPKG_VERSION _ KSHA <<<"$KDEB"
DIR=$CACHE/kernel/${KVER}_${KPKG_VERSION//:/%3a}
KROOT=$DIR/root
STAMP=$DIR/complete

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
  grep -qx "sha256=$KSHA" "$STAMP" || return 1
  local md
  md=$(modules_dir "$KROOT") && [ -s "$md/modules.dep" ] && touch "$DIR"
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

cached_or_lock "$CACHE/kernel/.lock" "$PKG $KPKG_VERSION in $DIR"

t0=$(date +%s%N)
rm -rf "$CACHE/kernel/.tmp-"* # left by a run that was killed (we hold the lock)
TMP=$(mktemp -d "$CACHE/kernel/.tmp-$KVER.XXXXXX")
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT

rc=0
deb=$(fetch_deb "$KDEB" "$TMP") || rc=$?
if [ "$rc" = 3 ]; then rm -rf "$TMP"; apt_update_and_rerun "$0" "$@"; fi
[ "$rc" = 0 ] || exit "$rc"

log "dpkg -x $(basename "$deb")"
dpkg -x "$deb" "$TMP/root"
[ -s "$TMP/root/boot/vmlinuz-$KVER" ] || die "$deb has no boot/vmlinuz-$KVER"
md=$(modules_dir "$TMP/root") || die "$deb has no lib/modules/$KVER"
# depmod -b wants BASEDIR/lib/modules/KVER: the package root is that base
depmod -b "$TMP/root" "$KVER"
[ -s "$md/modules.dep" ] || die "depmod wrote no modules.dep"
printf 'deb=%s\nsha256=%s\n' "$(basename "$deb")" "$KSHA" >"$TMP/complete"

# swap in whole: a run that dies half-way leaves only a .tmp-* dir, never a half kernel tree
rm -rf "$DIR"
mv "$TMP" "$DIR"
trap - EXIT
prune_cache "$CACHE/kernel" "$CACHE/debs"
log "prepared $PKG $KPKG_VERSION in $DIR ($((($(date +%s%N) - t0) / 1000000)) ms)"
print_paths
