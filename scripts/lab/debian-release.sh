#!/usr/bin/env bash
# Boot lab: the Debian 12 release tree an admin would put into AFS, made from debian-tree.sh's
# cached tree: systemd as init, the tree's own networking (ifupdown) left with only `lo`, the
# release-side files of AFSBoot (`afsboot export release-files`) installed and enabled, and the
# writable directories (etc, var, root) shipped as tars/<dir>.tar.gz, and the lab kernel's modules
# in /usr/lib/modules (kernel.sh), as a tree with the kernel package installed has them. Plus one lab-only unit,
# afsboot-lab-check.service, that waits until systemd's boot has finished and prints what the lab
# asserts on the serial console (one line: "afsboot-lab-check: ...").
#
#   scripts/lab/debian-release.sh OUT_DIR [--broken]
#
# --broken: the same tree with an init that cannot run (/sbin/init -> /lib/systemd/systemd, which
# is not executable): the lab's broken-tree case, which must fail at `switch` with the path it tried.
#
# The read-only part is hard links into the cache (nothing in OUT_DIR's usr may be written to;
# files are only added), so a tree costs seconds, not a copy of 200 MB. OUT_DIR must not exist.
# Environment: as debian-tree.sh.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${1:?usage: debian-release.sh OUT_DIR [--broken]}
BROKEN=0
[ "${2:-}" != --broken ] || BROKEN=1

log() { echo "debian-release.sh: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

[ ! -e "$OUT" ] || die "$OUT exists"
env_out=$("$HERE/debian-tree.sh")
SRC=$(sed -n 's/^AFSBOOT_LAB_DEBIAN_TREE=//p' <<<"$env_out")
[ -x "$SRC/usr/lib/systemd/systemd" ] || die "debian-tree.sh gave no tree"
t0=$(date +%s%N)

stage=$(mktemp -d /tmp/afsboot-lab-debian.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$OUT/tars"
# the read-only part: hard links (same file system as the cache) or, across file systems, a copy
for e in "$SRC"/*; do
  name=${e##*/}
  case $name in etc | var | root | dev | proc | sys | run | tmp) continue ;; esac
  cp -al "$e" "$OUT/" 2>/dev/null || cp -a "$e" "$OUT/"
done
mkdir -p "$OUT/dev" "$OUT/proc" "$OUT/sys" "$OUT/run" "$OUT/tmp"
# the kernel's modules, as its package installs them into a tree: udev loads drivers (the ACPI
# power button, input devices) from /usr/lib/modules, read-only from AFS like the rest of /usr
kernel_env=$("$HERE/kernel.sh")
KVER=$(sed -n 's/^AFSBOOT_LAB_KVER=//p' <<<"$kernel_env")
MD=$(sed -n 's/^AFSBOOT_LAB_MODULES_DIR=//p' <<<"$kernel_env")
[ -s "$MD/modules.dep" ] || die "kernel.sh gave no modules"
mkdir -p "$OUT/usr/lib/modules"
cp -al "$MD" "$OUT/usr/lib/modules/$KVER" 2>/dev/null || cp -a "$MD" "$OUT/usr/lib/modules/$KVER"
# the writable part: real copies, changed below and packed into tars
for d in etc var root; do cp -a "$SRC/$d" "$stage/$d"; done

# ---- AFSBoot's release-side files: afsboot-report into usr, its units into etc, enabled
mkdir -p "$stage/files"
(cd "$REPO" && node bin/afsboot.mjs export release-files "$stage/files") 2>"$stage/export.log" ||
  die "afsboot export release-files failed (run npm ci in $REPO): $(cat "$stage/export.log")"
# each a new inode (install, then rename): a file of the hard-linked usr is never written to
(cd "$stage/files" && find usr -type f) | while read -r f; do
  install -D -m "$(stat -c %a "$stage/files/$f")" "$stage/files/$f" "$OUT/$f.afsboot-new"
  mv "$OUT/$f.afsboot-new" "$OUT/$f"
done
cp -a "$stage/files/etc/systemd/." "$stage/etc/systemd/"
mkdir -p "$stage/etc/systemd/system/multi-user.target.wants"
for u in afsboot-report.service afsboot-shutdown-ready.service; do
  ln -s "/etc/systemd/system/$u" "$stage/etc/systemd/system/multi-user.target.wants/$u"
done

# ---- the tree's own configuration for a diskless host
# networking.service (ifupdown) brings up lo only: the boot interface is the initrd's (docs/lab.md)
printf '# interfaces(5): only lo. The boot interface was configured by the AFSBoot initrd and\n# must not be touched here (no stanza for it).\nsource /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n' >"$stage/etc/network/interfaces"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\nff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n' >"$stage/etc/hosts"
printf '# /etc/fstab: the AFSBoot /init adds the lines for its root and binds at every boot\n' >"$stage/etc/fstab"
: >"$stage/etc/machine-id" # the /init writes the host's own (afsboot.machineid)
echo localhost >"$stage/etc/hostname"
echo "debian12-lab-1" >"$stage/etc/lab-release"

# ---- the lab's check: after the boot has finished, one line on the serial console
cat >"$OUT/usr/sbin/afsboot-lab-check" <<'EOF'
#!/bin/sh
# The boot lab's view from inside the guest (scripts/lab/debian-release.sh): waits until systemd's
# boot has finished, then prints one line that lab.sh reads off the serial console.
state=$(systemctl is-system-running --wait 2>/dev/null)
failed=$(systemctl list-units --state=failed --plain --no-legend 2>/dev/null | awk '{printf "%s%s", s, $1; s=","}')
getty=$(systemctl is-active serial-getty@ttyS0.service 2>/dev/null)
rw() { if (: >"$1/.afsboot-lab-w") 2>/dev/null; then rm -f "$1/.afsboot-lab-w"; echo rw; else echo ro; fi; }
# the release-side units as this systemd reads them: afsboot-report.service, and the tree's own
# openafs-client.service with AFSBoot's drop-in (the RH-family notes in docs/boot-files.md rely on it)
# (what it says about the distribution's own unit files is not ours to judge: Debian's
# openafs-client.service has KillMode=none, which systemd 252 calls deprecated)
verify=$(systemd-analyze verify afsboot-report.service afsboot-shutdown-ready.service openafs-client.service 2>&1 | grep -v '^/\(usr/\)\?lib/systemd/system/' | tr ' \n' '_|')
usrfs=$(stat -f -c %t /usr 2>/dev/null) # the file system's magic: 5346414f is AFS
echo "afsboot-lab-check: state=$state failed=${failed:-none} getty=$getty usr=$(rw /usr)/$usrfs etc=$(rw /etc) var=$(rw /var) root=$(rw /root) machine-id=$(cat /etc/machine-id) hostname=$(hostname) release=$(cat /etc/lab-release) verify=${verify:-ok} time=$(systemd-analyze time 2>/dev/null | head -n 1 | tr -s ' ' '_')" >/dev/console
EOF
chmod 0755 "$OUT/usr/sbin/afsboot-lab-check"
cat >"$stage/etc/systemd/system/afsboot-lab-check.service" <<'EOF'
[Unit]
Description=AFSBoot lab: report the finished boot on the serial console
After=multi-user.target afsboot-report.service afsboot-shutdown-ready.service

[Service]
# not oneshot: it waits for the end of the boot, which must not wait for it
Type=exec
ExecStart=/usr/sbin/afsboot-lab-check

[Install]
WantedBy=multi-user.target
EOF
ln -s /etc/systemd/system/afsboot-lab-check.service "$stage/etc/systemd/system/multi-user.target.wants/afsboot-lab-check.service"

if [ "$BROKEN" = 1 ]; then
  # not executable: a new inode, the cache's file keeps its mode
  cp "$OUT/usr/lib/systemd/systemd" "$OUT/usr/lib/systemd/systemd.new"
  chmod 0644 "$OUT/usr/lib/systemd/systemd.new"
  mv "$OUT/usr/lib/systemd/systemd.new" "$OUT/usr/lib/systemd/systemd"
  echo "debian12-lab-broken" >"$stage/etc/lab-release"
fi

for d in etc var root; do
  tar --numeric-owner --sort=name -C "$stage/$d" -czf "$OUT/tars/$d.tar.gz" .
done
log "tree in $OUT: $(du -sm "$OUT" | cut -f1) MiB, $(find "$OUT" | wc -l) entries ($((($(date +%s%N) - t0) / 1000000)) ms)"
