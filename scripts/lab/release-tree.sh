#!/usr/bin/env bash
# Boot lab: a tiny release tree, the kind of tree an admin puts into AFS for diskless hosts.
#
#   scripts/lab/release-tree.sh OUT_DIR [--broken]
#
# Merged /usr with a static busybox userland (bin, sbin and lib are links into usr), the
# release-side files of AFSBoot (`afsboot export release-files`: afsboot-report and its units),
# and an init that proves the boot: it reports `up` through afsboot-report, checks that the
# read-only parts are read-only and the root is writable, reports `shutdown` and powers off.
# The writable directories (etc, var) are shipped as tars/<dir>.tar.gz of their contents, which
# the generated /init unpacks into the tmpfs root. OUT_DIR must not exist or be empty.
#
# --broken: a tree whose init cannot run (/sbin/init -> /usr/lib/init, mode 0644): the lab's
# broken-tree case, where the AFSBoot /init must report `failed` at `switch` naming that path.
#
# Environment: AFSBOOT_BUSYBOX (default /bin/busybox, must be static: busybox-static).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${1:?usage: release-tree.sh OUT_DIR [--broken]}
BROKEN=0
[ "${2:-}" != --broken ] || BROKEN=1
BUSYBOX=${AFSBOOT_BUSYBOX:-/bin/busybox}

log() { echo "release-tree.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

[ -x "$BUSYBOX" ] || die "no busybox at $BUSYBOX (apt-get install -y busybox-static)"
{ ldd "$BUSYBOX" 2>&1 || true; } | grep -q "not a dynamic" ||
  die "$BUSYBOX is not statically linked: the tree has no libc (apt-get install -y busybox-static)"
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT")" ]; then die "$OUT is not empty"; fi
mkdir -p "$OUT"/usr/bin "$OUT"/usr/sbin "$OUT"/usr/lib "$OUT"/tars
ln -s usr/bin "$OUT/bin"
ln -s usr/sbin "$OUT/sbin"
ln -s usr/lib "$OUT/lib"

cp "$BUSYBOX" "$OUT/usr/bin/busybox"
chmod 0755 "$OUT/usr/bin/busybox"
# one link per applet, in the directory busybox says (/bin/x -> usr/bin/x, /sbin/x -> usr/sbin/x)
"$BUSYBOX" --list-full | while read -r applet; do
  case $applet in
    bin/* | usr/bin/*) dir=usr/bin ;;
    sbin/* | usr/sbin/*) dir=usr/sbin ;;
    *) continue ;;
  esac
  name=${applet##*/}
  [ "$name" = busybox ] || [ "$name" = init ] || [ -e "$OUT/$dir/$name" ] || ln -s ../bin/busybox "$OUT/$dir/$name"
done

stage=$(mktemp -d /tmp/afsboot-lab-tree.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/files" "$stage/etc" "$stage/var/log" "$stage/var/tmp"

# AFSBoot's release-side files: afsboot-report (what the init below calls) into usr; the units
# under etc go into etc's tarball (etc is writable: unpacked from tars/etc.tar.gz at boot)
(cd "$REPO" && node bin/afsboot.mjs export release-files "$stage/files") 2>"$stage/export.log" ||
  die "afsboot export release-files failed (run npm ci in $REPO): $(cat "$stage/export.log")"
cp -a "$stage/files/usr/." "$OUT/usr/"
cp -a "$stage/files/etc/." "$stage/etc/"

cat >"$OUT/usr/sbin/init" <<'EOF'
#!/bin/sh
# The lab release's init (PID 1 after the AFSBoot /init's switch_root): report, check, power off.
export PATH=/usr/sbin:/usr/bin
echo "lab release: init on $(hostname), root $(cat /proc/cmdline | tr ' ' '\n' | grep '^afsboot.root=')"
problems=
# the release tree comes read-only from AFS; the root is a writable tmpfs
if touch /usr/.afsboot-lab-write 2>/dev/null; then problems="$problems /usr-is-writable"; rm -f /usr/.afsboot-lab-write; fi
touch /var/.afsboot-lab-write 2>/dev/null || problems="$problems /var-is-not-writable"
[ -f /etc/lab-release ] || problems="$problems etc-tar-not-unpacked"
grep -q ' /usr ' /proc/mounts || problems="$problems /usr-not-mounted"
# the host's secrets, when the AFSBoot /init installed them (identity cases): the SSH host key's
# fingerprint as ssh-keygen -l prints it, and the files' modes, for the lab to compare across boots
secrets=
if [ -f /etc/ssh/ssh_host_ed25519_key.pub ]; then
  fp=$(cut -d' ' -f2 /etc/ssh/ssh_host_ed25519_key.pub | base64 -d | sha256sum | cut -d' ' -f1 | xxd -r -p | base64 | tr -d '=\n')
  secrets="; ssh host key ED25519 SHA256:$fp (mode $(stat -c %a /etc/ssh/ssh_host_ed25519_key))"
fi
[ ! -f /etc/krb5.keytab ] || secrets="$secrets; keytab (mode $(stat -c %a /etc/krb5.keytab))"
if [ -z "$problems" ]; then
  afsboot-report up "lab release $(cat /etc/lab-release): /usr read-only from AFS, root writable$secrets"
else
  afsboot-report failed "lab release checks failed:$problems"
fi
echo "lab release: checks:${problems:- ok}"
afsboot-report shutdown "lab release: powering off"
echo "lab release: powering off"
sync
# the AFSBoot /init sends its reports in the background (switch goes out just before it execs
# this init): give the last ones time to arrive before the machine is gone
sleep 2
poweroff -f
EOF
chmod 0755 "$OUT/usr/sbin/init"
if [ "$BROKEN" = 1 ]; then # an absolute link, as systemd-sysv has it, to a file that is not executable
  mv "$OUT/usr/sbin/init" "$OUT/usr/lib/init"
  chmod 0644 "$OUT/usr/lib/init"
  ln -s /usr/lib/init "$OUT/usr/sbin/init"
fi

# the writable directories: their contents as tarballs (tar -C <dir> -czf tars/<dir>.tar.gz .)
echo "lab-1" >"$stage/etc/lab-release"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$stage/etc/passwd"
printf 'root:x:0:\n' >"$stage/etc/group"
for d in etc var; do
  tar --owner=0 --group=0 --numeric-owner --mtime=@0 --sort=name -C "$stage/$d" -czf "$OUT/tars/$d.tar.gz" .
done
log "tree in $OUT: $(find "$OUT" | wc -l) entries, $(du -sk "$OUT" | cut -f1) KiB"
