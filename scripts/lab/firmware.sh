#!/usr/bin/env bash
# Boot lab: the UEFI firmware and the boot loaders of the UEFI cases, from Debian's packages,
# unpacked (never installed) under a cache dir: ovmf (OVMF_CODE_4M.fd, and the Secure Boot pair
# OVMF_CODE_4M.secboot.fd + OVMF_VARS_4M.ms.fd with Microsoft's keys enrolled), ipxe (snponly.efi,
# undionly.kpxe), shim-signed (Microsoft-signed shimx64.efi) and grub-efi-amd64-signed (Debian-signed
# grubnetx64.efi). Installing shim-signed or the signed GRUB on the machine that runs the lab would
# run their maintainer scripts (grub-install on its EFI partition): unpacking is all the lab needs.
#
#   scripts/lab/firmware.sh
#
# Which versions: apt-resolve.mjs firmware (apt's candidate of each, SHA256 checked against apt's
# lists). Cached by the four packages' versions: once complete, later runs only print the paths.
# The console finds the loaders below AFSBOOT_LAB_FIRMWARE_ROOT at their Debian paths
# (AFSBOOT_LOADER_ROOTS, lib/publish/loaders.ts), as on a boot server with the packages installed.
#
# Environment: AFSBOOT_LAB_CACHE (default /var/cache/afsboot-lab)
#
# Prints on stdout, one KEY=VALUE a line: AFSBOOT_LAB_FIRMWARE_ROOT (the unpacked packages),
# AFSBOOT_LAB_OVMF_DIR (its usr/share/OVMF), AFSBOOT_LAB_FIRMWARE_DEBS (which .debs)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${AFSBOOT_LAB_CACHE:-/var/cache/afsboot-lab}

log() { echo "firmware.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

for c in node apt-get apt-cache dpkg-deb flock sha256sum; do
  command -v "$c" >/dev/null || die "$c is missing (apt-get install -y apt dpkg util-linux coreutils)"
done
# shellcheck source=SCRIPTDIR/cache-lib.sh
. "$HERE/cache-lib.sh"

resolved=$(resolve_debs firmware)
mapfile -t DEBS < <(sed -n 's/^AFSBOOT_LAB_DEB_[a-z]*=//p' <<<"$resolved")
[ "${#DEBS[@]}" = 4 ] || die "apt-resolve.mjs firmware named ${#DEBS[@]} packages, not 4: $resolved"
KEY=$(printf '%s\n' "${DEBS[@]}" | sha256sum | cut -c1-16)
DIR=$CACHE/firmware/$KEY
ROOT=$DIR/root
STAMP=$DIR/complete
# what the cases need from the packages: any missing one makes the entry incomplete
NEEDED=(
  usr/share/OVMF/OVMF_CODE_4M.fd usr/share/OVMF/OVMF_VARS_4M.fd
  usr/share/OVMF/OVMF_CODE_4M.secboot.fd usr/share/OVMF/OVMF_VARS_4M.ms.fd
  usr/lib/ipxe/snponly.efi usr/lib/shim/shimx64.efi.signed usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed
)

cache_complete() {
  [ -f "$STAMP" ] || return 1
  local f
  for f in "${NEEDED[@]}"; do [ -s "$ROOT/$f" ] || return 1; done
  touch "$DIR"
}

print_paths() {
  printf 'AFSBOOT_LAB_FIRMWARE_ROOT=%s\n' "$ROOT"
  printf 'AFSBOOT_LAB_OVMF_DIR=%s\n' "$ROOT/usr/share/OVMF"
  printf 'AFSBOOT_LAB_FIRMWARE_DEBS=%s\n' "$(tr '\n' ' ' <"$STAMP" | sed 's/ $//')"
}

cached_or_lock "$CACHE/firmware/.lock" "UEFI firmware and loaders in $DIR"

t0=$(date +%s%N)
rm -rf "$CACHE/firmware/.tmp-"* # left by a run that was killed (we hold the lock)
TMP=$(mktemp -d "$CACHE/firmware/.tmp-$KEY.XXXXXX")
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT

for d in "${DEBS[@]}"; do
  rc=0
  deb=$(fetch_deb "$d" "$TMP") || rc=$?
  if [ "$rc" = 3 ]; then rm -rf "$TMP"; apt_update_and_rerun "$0" "$@"; fi
  [ "$rc" = 0 ] || exit "$rc"
  log "dpkg -x $(basename "$deb")"
  dpkg -x "$deb" "$TMP/root"
  basename "$deb" >>"$TMP/complete"
done
for f in "${NEEDED[@]}"; do [ -s "$TMP/root/$f" ] || die "the unpacked packages have no $f ($(tr '\n' ' ' <"$TMP/complete"))"; done

# swap in whole: a run that dies half-way leaves only a .tmp-* dir
rm -rf "$DIR"
mv "$TMP" "$DIR"
trap - EXIT
prune_cache "$CACHE/firmware" "$CACHE/debs"
log "prepared the UEFI firmware and loaders in $DIR ($((($(date +%s%N) - t0) / 1000000)) ms)"
print_paths
