#!/usr/bin/env bash
# Boot lab: everything lab.sh prepares before it boots, and that is cached: the kernel
# (kernel.sh), the kAFS base initrd and, when the openafs case runs, the OpenAFS module and base
# initrd (base-initrd.sh with AFSBOOT_LAB_CLIENT=openafs, which builds openafs.ko once: minutes),
# the Debian tree with systemd for the systemd cases (debian-tree.sh: mmdebstrap), and the UEFI
# firmware and loaders for the UEFI cases (firmware.sh).
# lab.sh calls the same scripts with the same settings, so it finds all of it cached.
#
#   scripts/lab/prepare.sh
#
# `make test` starts this in the background at its beginning (nice 10, a process group of its own)
# so that the module build overlaps the unit tests, the build and the browser tests instead of
# adding to them; the lab step waits for it. On a failure it exits non-zero with the preparation
# step's own message (which names the package, the version and what apt offers).
#
# Environment: AFSBOOT_LAB_CACHE, AFSBOOT_LAB_KVER, AFSBOOT_LAB_CASES (as lab.sh)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CASES=${AFSBOOT_LAB_CASES:-boot failure unknown console-down systemd broken-tree uefi-pxe uefi-http secure-boot secure-boot-unsigned openafs systemd-openafs afs-down}
t0=$SECONDS

"$HERE/kernel.sh" >/dev/null
"$HERE/base-initrd.sh" >/dev/null
if [[ " $CASES " == *" openafs "* ]]; then
  # the same settings as lab.sh's openafs case: the same cache entry
  AFSBOOT_LAB_CLIENT=openafs AFSBOOT_LAB_MODULES='' "$HERE/base-initrd.sh" >/dev/null
fi
if [[ " $CASES " =~ \ (systemd|systemd-openafs|afs-down)\  ]]; then
  "$HERE/debian-tree.sh" >/dev/null # mmdebstrap: a minute or two with the downloads, then cached
fi
if [[ " $CASES " =~ \ (uefi-pxe|uefi-http|secure-boot|secure-boot-unsigned)\  ]]; then
  "$HERE/firmware.sh" >/dev/null
fi
echo "prepare.sh: the lab's kernel, base initrds and Debian tree are ready ($((SECONDS - t0)) s)" >&2
