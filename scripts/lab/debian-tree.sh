#!/usr/bin/env bash
# Boot lab: a minimal Debian 12 userland with systemd as init, built with Debian's own mmdebstrap
# from the archive, unpacked under the lab cache (the raw tree; debian-release.sh makes a release
# tree of it).
#
#   scripts/lab/debian-tree.sh
#
# Packages: the essential set, Priority: required and apt (mmdebstrap's minbase), plus what a
# diskless host of an admin's fleet runs: systemd + systemd-sysv (init), udev, kmod (the tree carries
# its kernel's modules: debian-release.sh), dbus (logind: the
# ACPI power button), ifupdown (networking.service, which must leave the boot interface alone),
# iproute2, procps, curl (afsboot-report) and openafs-client (its unit must stay off on an
# AFSBoot boot: the release-side drop-in). No documentation, manual pages or translations.
#
# Cached by what it resolves: before building, apt resolves the same selection on this machine's
# package lists against an empty dpkg status (the versions mmdebstrap will install); the key hashes
# that list, this script and the suite. After the build, the tree's dpkg status must name exactly
# those versions, else the lists were older than the archive: apt-get update once and start again.
# Entries no run used for 30 days are removed.
#
# Environment:
#   AFSBOOT_LAB_CACHE          cache dir (default /var/cache/afsboot-lab)
#   AFSBOOT_LAB_DEBIAN_SUITE   suite (default bookworm; its updates and security suites are added)
#   AFSBOOT_LAB_DEBIAN_MIRROR  mirror URL (default: mmdebstrap's, http://deb.debian.org/debian)
#
# Prints on stdout, one KEY=VALUE a line (logs go to stderr):
#   AFSBOOT_LAB_DEBIAN_TREE (the tree, owned by root; read it, never write into it),
#   AFSBOOT_LAB_DEBIAN_KEY (its cache key), AFSBOOT_LAB_DEBIAN_PACKAGES (how many packages)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${AFSBOOT_LAB_CACHE:-/var/cache/afsboot-lab}
SUITE=${AFSBOOT_LAB_DEBIAN_SUITE:-bookworm}
MIRROR=${AFSBOOT_LAB_DEBIAN_MIRROR:-}
PACKAGES=(systemd systemd-sysv udev kmod dbus ifupdown iproute2 procps curl openafs-client)

log() { echo "debian-tree.sh: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap --mode=root runs the packages' maintainer scripts in a chroot)"
for c in mmdebstrap apt-get sha256sum flock chroot unshare; do
  command -v "$c" >/dev/null || die "$c is missing (apt-get install -y mmdebstrap apt coreutils util-linux)"
done
[[ $SUITE =~ ^[a-z]+$ ]] || die "AFSBOOT_LAB_DEBIAN_SUITE=$SUITE is not a suite name like bookworm"
[ -z "$MIRROR" ] || [[ $MIRROR =~ ^https?://[A-Za-z0-9._~:/%+-]+$ ]] || die "AFSBOOT_LAB_DEBIAN_MIRROR=$MIRROR is not an http(s) URL"
# shellcheck source=SCRIPTDIR/cache-lib.sh
. "$HERE/cache-lib.sh"

# resolve PACKAGES...: "package version" lines, sorted, as apt installs them into an empty system
# (minbase: ?essential, ?priority(required), apt; no recommends), from this machine's lists
resolve() {
  local status
  status=$(mktemp)
  # shellcheck disable=SC2064 # the path is fixed now
  trap "rm -f '$status'" RETURN
  apt-get -s -q -o Dir::State::status="$status" -o APT::Install-Recommends=false -o APT::Install-Suggests=false \
    -o Debug::NoLocking=1 install '?essential' '?priority(required)' apt "$@" 2>&1 |
    sed -n -E 's/^Inst ([^ ]+) \(([^ ]+) .*/\1 \2/p' | LC_ALL=C sort
}
RESOLVED=$(resolve "${PACKAGES[@]}")
[ "$(wc -l <<<"$RESOLVED")" -gt 50 ] || die "apt resolved no package set for ${PACKAGES[*]} (apt-get update as root?)"
KEY=$( {
  echo "suite=$SUITE mirror=$MIRROR packages=${PACKAGES[*]}"
  sha256sum "$0" | cut -d' ' -f1
  echo "$RESOLVED"
} | sha256sum | cut -c1-16)
DIR=$CACHE/debian/$SUITE-$KEY
STAMP=$DIR/complete

cache_complete() { [ -f "$STAMP" ] && [ -x "$DIR/root/usr/lib/systemd/systemd" ] && touch "$DIR"; }
print_paths() {
  printf 'AFSBOOT_LAB_DEBIAN_TREE=%s\n' "$DIR/root"
  printf 'AFSBOOT_LAB_DEBIAN_KEY=%s\n' "$SUITE-$KEY"
  printf 'AFSBOOT_LAB_DEBIAN_PACKAGES=%s\n' "$(wc -l <"$DIR/packages")"
}

cached_or_lock "$CACHE/debian/.lock" "Debian $SUITE tree $KEY ($(wc -l <<<"$RESOLVED") packages)"

t0=$(date +%s%N)
# left by a run that was killed (we hold the lock); mmdebstrap runs in a mount namespace of its own,
# so a killed build leaves no /proc or /dev mounted in it, and rm stays on this file system anyway
rm -rf --one-file-system "$CACHE/debian/.tmp-"*
TMP=$(mktemp -d "$CACHE/debian/.tmp-$SUITE.XXXXXX")
chmod 755 "$TMP"
trap 'rm -rf --one-file-system "$TMP"' EXIT

log "mmdebstrap $SUITE: $(wc -l <<<"$RESOLVED") packages (minbase + ${PACKAGES[*]})"
args=(--variant=minbase --mode=root --include="$(IFS=,; echo "${PACKAGES[*]}")" --aptopt='APT::Install-Recommends "false"'
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright')
# shellcheck disable=SC2086 # no mirror: mmdebstrap's default with the updates and security suites
unshare --mount --propagation private mmdebstrap "${args[@]}" "$SUITE" "$TMP/root" $MIRROR >"$TMP/mmdebstrap.log" 2>&1 ||
  die "mmdebstrap failed: $(tail -n 15 "$TMP/mmdebstrap.log")"
# shellcheck disable=SC2016 # dpkg-query's format, not shell
chroot "$TMP/root" dpkg-query -W -f '${Package} ${Version}\n' | LC_ALL=C sort >"$TMP/packages"
if [ "$(cat "$TMP/packages")" != "$RESOLVED" ]; then
  if [ -z "${AFSBOOT_LAB_APT_UPDATED:-}" ]; then
    rm -rf "$TMP"
    apt_update_and_rerun "$0" "$@"
  fi
  die "the tree's packages differ from what apt resolved here after apt-get update: $(diff <(echo "$RESOLVED") "$TMP/packages" | head -n 10 | tr '\n' ' ')"
fi
printf 'key=%s\nsuite=%s\n' "$KEY" "$SUITE" >"$TMP/complete"
rm -rf "$DIR"
mv "$TMP" "$DIR"
trap - EXIT
prune_cache "$CACHE/debian"
log "built Debian $SUITE ($(wc -l <"$DIR/packages") packages, $(du -sm "$DIR/root" | cut -f1) MiB) in $((($(date +%s%N) - t0) / 1000000)) ms"
print_paths
