# shellcheck shell=bash
# Sourced by the boot lab's cached preparation steps (kernel.sh, base-initrd.sh,
# openafs-module.sh). Each defines log, die, cache_complete (is its result in the cache, whole?)
# and print_paths (its KEY=VALUE lines on stdout), and sets CACHE.

# cached_or_lock LOCKFILE WHAT: when WHAT is complete, print its paths and exit 0, also when a
# concurrent run completed it while this one waited for the lock; otherwise return holding the
# lock (fd 9, until the script exits): one preparation at a time, parallel CI jobs on one machine
# share the cache.
cached_or_lock() {
  if cache_complete; then
    log "cached: $2"
    print_paths
    exit 0
  fi
  mkdir -p "$(dirname "$1")"
  exec 9>"$1"
  flock 9
  if cache_complete; then
    log "cached: $2 (prepared by a concurrent run)"
    print_paths
    exit 0
  fi
}

# resolve_debs MODE: apt-resolve.mjs's KEY=VALUE lines (the kernel ABI and the packages, each
# "package version arch sha256", resolved from what apt offers today). A failure names the
# package, the version wanted and what apt offers, and stops the script before any download.
resolve_debs() {
  local out
  out=$(node "$(dirname "${BASH_SOURCE[0]}")/apt-resolve.mjs" "$1") || exit 1 # it said why, in one line
  printf '%s\n' "$out"
}

# deb_path PACKAGE VERSION ARCH: where the cache keeps that .deb (apt-get download's file name)
deb_path() { printf '%s/debs/%s_%s_%s.deb' "$CACHE" "$1" "${2//:/%3a}" "$3"; }

# fetch_deb "PACKAGE VERSION ARCH SHA256" WORKDIR: prints the path of the .deb in $CACHE/debs. A
# cached file is used only when its SHA256 is the archive's; else apt-get download into WORKDIR,
# check, then move it in (one rename: a killed run leaves no partial .deb that a later run trusts).
# Returns 3 when apt could not download it (the package lists may be older than the archive).
fetch_deb() {
  local pkg ver arch sha f got dl
  read -r pkg ver arch sha <<<"$1"
  f=$(deb_path "$pkg" "$ver" "$arch")
  if [ -s "$f" ] && [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$sha" ]; then
    touch "$f" # used: the cache prune keeps it
    echo "$f"
    return 0
  fi
  dl=$2/dl.$pkg
  mkdir -p "$dl" "$CACHE/debs"
  chown _apt "$dl" 2>/dev/null || true # apt's download sandbox user must be able to write there
  log "apt-get download $pkg=$ver"
  # no package cache files: apt's own in /var/cache/apt stay as they are
  if ! (cd "$dl" && apt-get download -q -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= "$pkg=$ver" >&2); then
    if [ -z "${AFSBOOT_LAB_APT_UPDATED:-}" ] && [ "$(id -u)" = 0 ]; then return 3; fi
    die "apt-get download $pkg=$ver failed although apt's package lists offer it (apt offers: $(apt-cache madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); printf "%s%s", sep, $2; sep=", "}'))$([ -n "${AFSBOOT_LAB_APT_UPDATED:-}" ] || echo "; run apt-get update as root")"
  fi
  got=$(find "$dl" -maxdepth 1 -name "${pkg}_*.deb" -print | head -n 1)
  [ -n "$got" ] || die "apt-get download $pkg=$ver left no .deb"
  [ "$(sha256sum "$got" | cut -d' ' -f1)" = "$sha" ] || die "$pkg $ver: the downloaded .deb's SHA256 is not the one apt's package lists name"
  mv "$got" "$f"
  rm -rf "$dl"
  echo "$f"
}

# apt_update_and_rerun SCRIPT ARGS...: a download failed (fetch_deb returned 3) although the
# package lists offered the version: the lists are older than the archive. Once per run, as root:
# apt-get update and start the script again (it resolves anew); a second failure is final.
apt_update_and_rerun() {
  log "apt-get update: the package lists are older than the archive"
  apt-get update -qq >&2 || die "apt-get update failed"
  export AFSBOOT_LAB_APT_UPDATED=1
  exec "$@"
}

# prune_cache DIR...: remove cache entries (directories or files directly under DIR) that no run
# has used for 30 days: the archive moves on, the cache must not grow without end
prune_cache() {
  local d
  for d in "$@"; do
    [ -d "$d" ] || continue
    find "$d" -mindepth 1 -maxdepth 1 ! -name '.*' -mtime +30 -exec rm -rf {} + 2>/dev/null || true
  done
}
