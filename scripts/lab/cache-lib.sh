# shellcheck shell=bash
# Sourced by the boot lab's cached preparation steps (kernel.sh, base-initrd.sh,
# openafs-module.sh). Each defines log, cache_complete (is its result in the cache, whole?) and
# print_paths (its KEY=VALUE lines on stdout).

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
