#!/usr/bin/env bash
# The boot lab: a real diskless client boots from the console's published files, with its root
# from a real AFS cell, all on this machine and nothing leaving it.
#
#   scripts/lab/lab.sh                 (make lab: one DHCP server, every case)
#   AFSBOOT_LAB_DHCP="dnsmasq kea dhcpd" scripts/lab/lab.sh     (make lab-all)
#
# 1. prepare (cached): a stock Debian kernel and a modules-only base initrd (kernel.sh,
#    base-initrd.sh), a tiny busybox release tree (release-tree.sh), a Debian 12 tree with
#    systemd built by mmdebstrap (debian-tree.sh, debian-release.sh) and AFS volume dumps of them
#    (afs-dump.mjs: the release volumes, and root.cell with boot/<release> mount points to them)
# 2. a network namespace with no link to the host: bridge br0 10.77.0.1/24 and a tap for QEMU
# 3. an MIT Kerberos KDC for LAB.TEST in it (krb5kdc, kadmind on 10.77.0.1; database, configs and
#    keytabs in $TMP/krb5, never /etc) and an OpenAFS cell lab.test keyed from it (rxkad-k5: the
#    keytab of afs/lab.test in KeyFileExt; bosserver -noauth, ptserver, vlserver, fileserver; state
#    in a private mount namespace + chroot under the temp dir): the volumes restored, replicated
#    read-only and released, rel.secure readable only by the PTS group fleet (rcmd.lab020,
#    rcmd.lab021: host/lab02x.lab.test), then NoAuth off (bos setauth on): ACLs hold, the lab's own
#    vos/bos/pts calls use -localauth. Software TPMs (swtpm) per host for boots that want one
#    (tpm_boot)
# 4. the console (bin/afsboot-server.mjs, a temporary SQLite database) in the namespace on
#    10.77.0.1:3000, configured with its own CLI (fleet file: network, cells, releases, hosts), an
#    API token and a user; published into an export directory it serves under /boot/
# 5. per DHCP server: the generated config run by the real daemon in the namespace, and QEMU (TCG,
#    -boot n, the iPXE option ROM) on the tap: DHCP → boot.ipxe → the host's iPXE script → stock
#    kernel + base initrd + generated overlay → /init: DHCP, kAFS, tmpfs root, binds, switch_root →
#    the release's init reports up and powers off
# 6. asserts through the API (lab-check.mjs) and, once, a Playwright look at the host page
# 7. cases: boot (every DHCP server), and with the first one: failure (a cell whose database
#    server does not answer: failed at afs), unknown (a MAC nobody enrolled, from the network's
#    discovery range: listed as unknown), console-down (the console stopped: the host still
#    boots to its release's init), openafs (the admin switches the cell to the OpenAFS client and
#    the host to release version 2, whose base initrd carries openafs.ko and afsd: the same host
#    boots through afsd -memcache; the module is built once from Debian's packages by
#    openafs-module.sh)
#    systemd (lab003 boots the Debian tree with kAFS: systemd reaches multi-user, is-system-running
#    says running, a getty on the serial console, /usr read-only, /etc /var /root writable, the
#    console's machine id and hostname; the ACPI power button shuts it down cleanly with the
#    shutdown report; the serial log holds no line that reads as trouble but those the allow list
#    explains: console-check.mjs), broken-tree (lab004's tree has an init that cannot run: failed
#    at switch naming the path, no rescue-shell hang), systemd-openafs (the same Debian tree
#    through afsd, after the openafs case switched the cell), afs-down (the Debian tree on kAFS,
#    every AFS server stopped before the power button: the shutdown still ends in the bound and
#    the shutdown report is sent), and with two boot servers (namespaces of their own on the bridge,
#    10.77.0.2 and .3, each with its own Kea in HA hot-standby, busybox HTTP and dnsmasq TFTP and its
#    own copy of the export filled by the publication's delivery; the network reports to a dead URL
#    first, then the console): ha-both (both up: the host boots), ha-primary-down (the primary's
#    Kea and HTTP server stopped before QEMU starts: the host boots from the secondary, its events
#    say so), ha-primary-dies (the primary stopped once its HTTP server sent the kernel: the host
#    still comes up), and UEFI machines (OVMF from Debian's ovmf, q35, the NIC's own firmware and no
#    iPXE option ROM; the firmware and loaders unpacked from Debian's packages by firmware.sh):
#    uefi-pxe (lab005: firmware PXE, snponly.efi over TFTP, iPXE, the host script: up), uefi-http
#    (lab006: UEFI HTTP boot, snponly.efi by URL: up), secure-boot (lab007, Secure Boot on with
#    Microsoft's keys enrolled: shim, Debian's signed GRUB with the host's grub config, the signed
#    kernel: up, and the up report says Secure Boot enabled), secure-boot-unsigned (lab005, not
#    marked Secure Boot, on a Secure Boot machine: the firmware refuses snponly.efi and the
#    dashboard shows the boot stalled at dhcp, never past it), and two hosts behind real IPMI BMCs
#    (OpenIPMI's ipmi_sim per host in the namespace, QEMU started and stopped by it through
#    ipmi-bmc-extern; bmc.sh) that the console power-controls with ipmitool: rollout-ok (both boot
#    fleet@1 by the console's power on, then a rollout to fleet@2, canary 1 and a wave of 1: the
#    console reboots each through its BMC, each reports up on @2's overlay, the rollout completes)
#    and rollout-halt (fleet@3, whose tree lacks a directory /init binds, with rollback: the canary
#    fails at root, the rollout halts and rolls it back to @2, where it comes up; the other host's
#    BMC shows no action), identity-ok (lab020 with a swtpm: its TPM pinned on first use, its
#    keytab made through kadmin, secrets by credential activation, kinit + aklog-kafs, up on
#    rel.secure, which only the fleet's principals may read; the same SSH host key on two boots),
#    impostor (another swtpm with lab020's MAC: refused, failed at afs, flagged and audited) and
#    identity-openafs (lab020 through afsd with aklog's token, after the openafs case)
# Every process is stopped by its PID, the namespace deleted and the temp dir removed, also on
# failure, timeout or Ctrl-C; each boot has a hard timeout. Logs of the last 10 runs stay under
# $AFSBOOT_LAB_CACHE/runs.
#
# Environment:
#   AFSBOOT_LAB_DHCP          DHCP servers to boot with, in order (default: dnsmasq)
#   AFSBOOT_LAB_CASES         cases (default: "boot failure unknown console-down systemd broken-tree
#                             uefi-pxe uefi-http secure-boot secure-boot-unsigned rollout-ok
#                             rollout-halt identity-ok impostor openafs systemd-openafs
#                             identity-openafs ha-both ha-primary-down ha-primary-dies afs-down")
#   AFSBOOT_LAB_CACHE         cache dir (default /var/cache/afsboot-lab)
#   AFSBOOT_LAB_BOOT_TIMEOUT  hard limit per boot in seconds (default 240; a systemd boot: twice that)
#   AFSBOOT_LAB_SHUTDOWN_LIMIT  seconds from the power button to power-off a systemd boot may take
#                             (default 60, docs/lab.md says why)
#   AFSBOOT_LAB_SCREENSHOT    where to save a PNG of the host page after the boot (optional)
#   AFSBOOT_LAB_KEEP=1        keep the temp dir
#
# Exit 0: every case passed. 77: the lab cannot run here (not root, no QEMU, no network
# namespaces); the reason is printed ("lab skipped: …"). Anything else: a failure.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${AFSBOOT_LAB_CACHE:-/var/cache/afsboot-lab}
export AFSBOOT_LAB_CACHE=$CACHE
DHCP_SERVERS=${AFSBOOT_LAB_DHCP:-dnsmasq}
CASES=${AFSBOOT_LAB_CASES:-boot failure unknown console-down systemd broken-tree uefi-pxe uefi-http secure-boot secure-boot-unsigned rollout-ok rollout-halt identity-ok impostor openafs systemd-openafs identity-openafs ha-both ha-primary-down ha-primary-dies afs-down}
BOOT_TIMEOUT=${AFSBOOT_LAB_BOOT_TIMEOUT:-240}
SHUTDOWN_LIMIT=${AFSBOOT_LAB_SHUTDOWN_LIMIT:-60}
LOGS=$CACHE/runs

NS=afsbootlab$$
NET=10.77.0
SRV=$NET.1
PORT=3000
URL=http://$SRV:$PORT
CELL=lab.test
REALM=LAB.TEST # the cell's Kerberos realm: the lab's MIT KDC (krb5kdc, kadmind) on $SRV
BADCELL=unreach.test
AFS_IP=$SRV
HOST_OK=lab001 MAC_OK=52:54:00:77:00:11 IP_OK=$NET.11
HOST_BAD=lab002 MAC_BAD=52:54:00:77:00:12 IP_BAD=$NET.12
HOST_SD=lab003 MAC_SD=52:54:00:77:00:13 IP_SD=$NET.13
HOST_BROKEN=lab004 MAC_BROKEN=52:54:00:77:00:14 IP_BROKEN=$NET.14
HOST_UEFI=lab005 MAC_UEFI=52:54:00:77:00:15 IP_UEFI=$NET.15
HOST_HTTP=lab006 MAC_HTTP=52:54:00:77:00:16 IP_HTTP=$NET.16
HOST_SB=lab007 MAC_SB=52:54:00:77:00:17 IP_SB=$NET.17
# the rollout cases' two hosts, each behind an IPMI BMC (ipmi_sim) with a tap of its own
HOST_R1=lab010 MAC_R1=52:54:00:77:00:20 IP_R1=$NET.20
HOST_R2=lab011 MAC_R2=52:54:00:77:00:21 IP_R2=$NET.21
MAC_UNKNOWN=52:54:00:77:00:99
# the hosts of the identity cases (#18): Kerberos principals host/<name>.lab.test in the KDC, AFS
# users rcmd.<name> (how OpenAFS names those principals) in the cell's group fleet, which alone
# may read rel.secure
ID_HOSTS="lab020 lab021"
HOST_ID=lab020 MAC_ID=52:54:00:77:00:30 IP_ID=$NET.30
FLEET_GROUP=fleet FLEET_GID=-500

log() { echo "lab: $*" >&2; }
die() { log "error: $*"; exit 1; }
skip() {
  echo "lab skipped: $*"
  exit 77
}

# ---- can the lab run here? ----
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, taps, QEMU on a tap)"
command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86_64 (apt-get install -y qemu-system-x86 ipxe-qemu)"
for c in ip unshare nsenter chroot node busybox cpio gzip modprobe depmod timeout bosserver vos bos pts asetkey krb5kdc kadmind kadmin.local kdb5_util kadmin kinit klist swtpm; do
  command -v "$c" >/dev/null || die "$c is missing: run bash scripts/ensure-deps.sh --test"
done
for s in $DHCP_SERVERS; do
  case $s in
    dnsmasq) command -v dnsmasq >/dev/null || die "dnsmasq is missing (apt-get install -y dnsmasq-base)" ;;
    kea) command -v kea-dhcp4 >/dev/null || die "kea-dhcp4 is missing (apt-get install -y kea-dhcp4-server)" ;;
    dhcpd) command -v dhcpd >/dev/null || die "dhcpd is missing (apt-get install -y isc-dhcp-server)" ;;
    *) die "AFSBOOT_LAB_DHCP: $s is not dnsmasq, kea or dhcpd" ;;
  esac
done
for c in $CASES; do
  case $c in
    boot | failure | unknown | console-down | openafs | systemd | broken-tree | systemd-openafs | ha-both | ha-primary-down | ha-primary-dies | afs-down) ;;
    uefi-pxe | uefi-http | secure-boot | secure-boot-unsigned | rollout-ok | rollout-halt | identity-ok | impostor | identity-openafs) ;;
    *) die "AFSBOOT_LAB_CASES: unknown case $c" ;;
  esac
done
has_case() { [[ " $CASES " == *" $1 "* ]]; }
UEFI=0
for c in uefi-pxe uefi-http secure-boot secure-boot-unsigned; do if has_case $c; then UEFI=1; fi; done
SYSTEMD=0
for c in systemd systemd-openafs afs-down; do if has_case $c; then SYSTEMD=1; fi; done
ROLLOUT=0
for c in rollout-ok rollout-halt; do if has_case $c; then ROLLOUT=1; fi; done
IDENTITY=0
for c in identity-ok impostor identity-openafs; do if has_case $c; then IDENTITY=1; fi; done
if [ "$ROLLOUT" = 1 ]; then
  for c in ipmi_sim ipmitool stdbuf; do command -v "$c" >/dev/null || die "$c is missing: run bash scripts/ensure-deps.sh --test (openipmi, ipmitool)"; done
fi
if has_case systemd-openafs && ! has_case openafs; then die "AFSBOOT_LAB_CASES: systemd-openafs needs the openafs case (which switches the cell to OpenAFS)"; fi
if has_case identity-openafs && ! has_case openafs; then die "AFSBOOT_LAB_CASES: identity-openafs needs the openafs case (which switches the cell to OpenAFS)"; fi
[[ $BOOT_TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "AFSBOOT_LAB_BOOT_TIMEOUT=$BOOT_TIMEOUT is not a number of seconds"
[[ $SHUTDOWN_LIMIT =~ ^[1-9][0-9]*$ ]] || die "AFSBOOT_LAB_SHUTDOWN_LIMIT=$SHUTDOWN_LIMIT is not a number of seconds"
ip netns add "${NS}probe" 2>/dev/null || skip "cannot create network namespaces here (ip netns add failed)"
ip netns del "${NS}probe"
# an earlier lab killed outright (SIGKILL) left its namespace: afsbootlab<PID> whose lab.sh is gone
for old in $(ip netns list | awk '$1 ~ /^afsbootlab[0-9]+$/ { print $1 }'); do
  pid=${old#afsbootlab}
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "lab: removing the namespace $old of an earlier lab that did not clean up" >&2
    for p in $(ip netns pids "$old" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$old" 2>/dev/null || true
  fi
done
[ -f "$REPO/node_modules/tsx/package.json" ] || die "no node_modules in $REPO: run npm ci first"
[ -f "$REPO/.next/BUILD_ID" ] || die "no production build in $REPO: run npx next build first (make lab does)"

now_ms() { date +%s%3N; }
TIMINGS=()
LAB_T0=$(now_ms)
phase_start=0
begin() {
  phase_start=$(now_ms)
  PHASE=$1
  log "---- $1"
}
end() { TIMINGS+=("$(printf '%-46s %8.1f s' "$PHASE" "$(echo "$(($(now_ms) - phase_start))" | awk '{print $1/1000}')")"); }

TMP=$(mktemp -d /tmp/afsboot-lab.XXXXXX)
RUN=$LOGS/$(date -u +%Y%m%dT%H%M%SZ)-$$
declare -A PIDS=() # pid -> what
BOSPID=
AFS_AUTH=-noauth # how vos/bos/pts talk to the cell: -noauth while it is set up, then -localauth

stop_pid() { # stop_pid PID: TERM, then KILL after 5 s; only a process in our namespace (a PID
  # that died earlier may belong to someone else by now)
  local pid=$1 _
  kill -0 "$pid" 2>/dev/null || return 0
  case $(ip netns identify "$pid" 2>/dev/null) in "$NS" | "${NS}b1" | "${NS}b2") ;; *) return 0 ;; esac
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}
track() { PIDS[$1]=$2; }
untrack() { unset "PIDS[$1]"; }

# shellcheck disable=SC2317 # runs through the trap
cleanup() {
  local rc=$?
  trap - EXIT
  trap '' INT TERM # a second Ctrl-C must not cut the cleanup short
  local pid
  if [ -n "${PREP_PID:-}" ]; then # the OpenAFS preparation (outside the namespace): its group
    kill -TERM -- "-$PREP_PID" 2>/dev/null || true
    timeout 30 tail --pid="$PREP_PID" -f /dev/null || kill -KILL -- "-$PREP_PID" 2>/dev/null || true
  fi
  for pid in "${!PIDS[@]}"; do stop_pid "$pid"; done
  if [ -n "$BOSPID" ] && kill -0 "$BOSPID" 2>/dev/null; then
    # the servers' logs (they live in the cell's tmpfs), at most 1 MiB each
    mkdir -p "$TMP/logs/afs"
    for f in BosLog FileLog VolserLog VLLog PtLog SalvageLog; do
      timeout 10 nsenter -t "$BOSPID" -m -n -r -w tail -c 1048576 "/var/log/openafs/$f" >"$TMP/logs/afs/$f" 2>/dev/null || rm -f "$TMP/logs/afs/$f"
    done
    timeout 30 nsenter -t "$BOSPID" -m -n -r -w bos shutdown "$AFS_IP" "$AFS_AUTH" -wait >/dev/null 2>&1 || true
    stop_pid "$BOSPID"
  fi
  # what is left in the namespace was started by us (the namespace is ours): stop it by PID
  for ns in "${NS}b1" "${NS}b2" "$NS"; do # the boot servers' namespaces, then the lab's
    if ip netns list 2>/dev/null | grep -qw "$ns"; then
      for pid in $(ip netns pids "$ns" 2>/dev/null); do stop_pid "$pid"; done
      ip netns del "$ns" 2>/dev/null || log "could not delete namespace $ns"
    fi
  done
  if mkdir -p "$RUN" 2>/dev/null; then
    cp -r "$TMP/logs/." "$RUN/" 2>/dev/null || true
    find "$LOGS" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -r | tail -n +11 |
      while read -r old; do rm -rf "${LOGS:?}/$old"; done
  fi
  if [ "${AFSBOOT_LAB_KEEP:-}" = 1 ]; then log "kept $TMP (AFSBOOT_LAB_KEEP=1)"; else rm -rf "$TMP"; fi
  [ "$rc" -eq 0 ] || log "FAILED (exit $rc); logs in $RUN"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$TMP/logs"
# X CMD: run in the namespace (in the foreground; background jobs call ip netns exec themselves,
# so that $! is the process's own PID: ip netns exec execs in place)
X() { ip netns exec "$NS" "$@"; }

# ---------------------------------------------------------------- 1. prepare
begin "prepare: kernel, base initrd (cached)"
kernel_env=$("$HERE/kernel.sh")
base_env=$("$HERE/base-initrd.sh")
getenv() { sed -n "s/^$1=//p" <<<"$2"; }
KVER=$(getenv AFSBOOT_LAB_KVER "$kernel_env")
KERNEL=$(getenv AFSBOOT_LAB_KERNEL "$kernel_env")
BASE=$(getenv AFSBOOT_LAB_BASE_INITRD "$base_env")
if [ ! -s "$KERNEL" ] || [ ! -s "$BASE" ]; then die "kernel.sh / base-initrd.sh gave no files"; fi
end
BASE_OAFS=
if [[ " $CASES " == *" openafs "* ]]; then
  begin "prepare: openafs.ko + afsd base initrd (cached; the first build takes minutes)"
  # in the background in a process group of its own: a Ctrl-C or TERM during the minutes of the
  # module build reaches the trap at once, and the cleanup stops the whole build
  AFSBOOT_LAB_CLIENT=openafs AFSBOOT_LAB_MODULES='' setsid "$HERE/base-initrd.sh" >"$TMP/oafs.env" 2>>"$TMP/logs/prepare.log" </dev/null &
  PREP_PID=$!
  wait "$PREP_PID" || { PREP_PID=; die "the OpenAFS base initrd failed: $(tail -n 20 "$TMP/logs/prepare.log")"; }
  PREP_PID=
  BASE_OAFS=$(getenv AFSBOOT_LAB_BASE_INITRD "$(cat "$TMP/oafs.env")")
  [ -s "$BASE_OAFS" ] || die "base-initrd.sh gave no OpenAFS image"
  end
fi

if [ "$UEFI" = 1 ]; then
  begin "prepare: UEFI firmware and boot loaders (cached)"
  fw_env=$("$HERE/firmware.sh" 2>>"$TMP/logs/prepare.log") || die "firmware.sh failed: $(tail -n 5 "$TMP/logs/prepare.log")"
  OVMF=$(getenv AFSBOOT_LAB_OVMF_DIR "$fw_env")
  # publish copies the loaders from the unpacked packages, as from installed ones on a boot server
  export AFSBOOT_LOADER_ROOTS
  AFSBOOT_LOADER_ROOTS=$(getenv AFSBOOT_LAB_FIRMWARE_ROOT "$fw_env")
  end
fi

begin "prepare: release trees + AFS volume dumps"
"$HERE/release-tree.sh" "$TMP/tree" 2>>"$TMP/logs/prepare.log"
mkdir -p "$TMP/rootcell/boot"
VOLUMES="root.cell rel.deb12"
ln -s "#$CELL:rel.deb12." "$TMP/rootcell/boot/deb12" # an AFS mount point (see afs-dump.mjs)
node "$HERE/afs-dump.mjs" --name rel.deb12 --id 536870930 --out "$TMP/rel.deb12.dump" "$TMP/tree" 2>>"$TMP/logs/prepare.log"
# the protected release (#18): the same tree, readable only by the PTS group $FLEET_GROUP (its id
# fixed here, the group is made with it once the ptserver runs); system:anyuser gets nothing
ln -s "#$CELL:rel.secure." "$TMP/rootcell/boot/secure"
node "$HERE/afs-dump.mjs" --name rel.secure --id 536870960 --acl "system:administrators all" --acl "$FLEET_GID rl" \
  --out "$TMP/rel.secure.dump" "$TMP/tree" 2>>"$TMP/logs/prepare.log"
VOLUMES="$VOLUMES rel.secure"
if has_case broken-tree; then
  "$HERE/release-tree.sh" "$TMP/tree-broken" --broken 2>>"$TMP/logs/prepare.log"
  ln -s "#$CELL:rel.broken." "$TMP/rootcell/boot/broken"
  node "$HERE/afs-dump.mjs" --name rel.broken --id 536870950 --out "$TMP/rel.broken.dump" "$TMP/tree-broken" 2>>"$TMP/logs/prepare.log"
  VOLUMES="$VOLUMES rel.broken"
fi
if [ "$SYSTEMD" = 1 ]; then
  # the Debian tree (mmdebstrap, cached by the package versions it resolves) as an admin's release
  "$HERE/debian-release.sh" "$TMP/debian12" 2>>"$TMP/logs/prepare.log" || die "the Debian tree failed: $(tail -n 20 "$TMP/logs/prepare.log")"
  ln -s "#$CELL:rel.debian12." "$TMP/rootcell/boot/debian12"
  node "$HERE/afs-dump.mjs" --name rel.debian12 --id 536870940 --out "$TMP/rel.debian12.dump" "$TMP/debian12" 2>>"$TMP/logs/prepare.log"
  rm -rf "$TMP/debian12" # hard links into the cache: only the dump is needed from here on
  VOLUMES="$VOLUMES rel.debian12"
fi
node "$HERE/afs-dump.mjs" --name root.cell --id 536870921 --out "$TMP/root.cell.dump" "$TMP/rootcell" 2>>"$TMP/logs/prepare.log"
end

# ---------------------------------------------------------------- 2. network namespace
begin "namespace + bridge + tap"
ip netns add "$NS"
X ip link set lo up
X ip link add br0 type bridge
X ip link set br0 type bridge forward_delay 0 stp_state 0
X ip addr add "$SRV/24" dev br0
X ip -6 addr add fd77::1/64 dev br0 nodad
X ip link set br0 up
X ip tuntap add dev tap0 mode tap
X ip link set tap0 master br0 up
if [ "$ROLLOUT" = 1 ]; then # a tap per BMC-driven host: a wave's host may start while the last one powers off
  for t in tap1 tap2; do
    X ip tuntap add dev "$t" mode tap
    X ip link set "$t" master br0 up
  done
fi
# carrier on br0 while no QEMU runs: a veth pair with both ends inside the namespace
X ip link add vkeep0 type veth peer name vkeep1
X ip link set vkeep0 master br0 up
X ip link set vkeep1 up
X ip -br addr >"$TMP/logs/netns.txt"
end

# ---------------------------------------------------------------- 3. OpenAFS cell
B=$TMP/afs
R=$B/root
afs() { nsenter -t "$BOSPID" -m -n -r -w "$@"; }
wait_for() { # wait_for SECONDS WHAT CMD...: poll CMD every 0.5 s
  local limit=$1 what=$2 t0
  shift 2
  t0=$(now_ms)
  until "$@" >/dev/null 2>&1; do
    [ $(($(now_ms) - t0)) -lt $((limit * 1000)) ] || die "timed out after ${limit} s waiting for $what"
    sleep 0.5
  done
}
# ---------------------------------------------------------------- 3a. Kerberos (#18)
# An MIT KDC for the realm LAB.TEST in the namespace, everything in $TMP/krb5 (never /etc): the
# database, its stash, kdc.conf, the clients' krb5.conf (KRB5_CONFIG), the kadmind ACL, keytabs.
# krb5kdc and kadmind listen on $SRV only (88, 749, 464; UDP and TCP), in the foreground, tracked
# by PID. Principals: afs/lab.test (the cell's key: its keytab goes into the servers' KeyFileExt
# as an rxkad_krb5 key, asetkey), afsboot/admin (the console's: add, inquire, re-key and extract
# host/* through kadmind; its keytab $KADMIN_KEYTAB) and host/<name>.lab.test for ID_HOSTS
# (keytabs $KRB5_DIR/host-<name>.keytab).
KRB5_DIR=$TMP/krb5
export KRB5_CONFIG=$KRB5_DIR/krb5.conf KRB5_KDC_PROFILE=$KRB5_DIR/kdc.conf
KADMIN_KEYTAB=$KRB5_DIR/afsboot-admin.keytab
# kadmin_local QUERY: kadmin.local on the database (it exits 0 whatever happened: its output is read)
kadmin_local() {
  local out
  out=$(X kadmin.local -r "$REALM" -q "$*" 2>&1) || die "kadmin.local $*: $out"
  printf '%s\n' "$out" >>"$TMP/logs/kadmin.log"
  grep -qE '^Principal ".*" created\.$|^Entry for principal .* added to keytab' <<<"$out" || die "kadmin.local $*: $(tail -n 2 <<<"$out")"
}
begin "Kerberos: KDC and kadmind for $REALM on $SRV"
mkdir -p "$KRB5_DIR"
chmod 0700 "$KRB5_DIR"
cat >"$KRB5_CONFIG" <<EOK
# the lab's clients (tools in the namespace, the console): KRB5_CONFIG=$KRB5_CONFIG
[libdefaults]
  default_realm = $REALM
  dns_lookup_kdc = false
  dns_lookup_realm = false
  rdns = false
  dns_canonicalize_hostname = false
[realms]
  $REALM = {
    kdc = $SRV:88
    admin_server = $SRV:749
  }
[domain_realm]
  .$CELL = $REALM
  $CELL = $REALM
EOK
cat >"$KRB5_KDC_PROFILE" <<EOK
[kdcdefaults]
  kdc_listen = $SRV:88
  kdc_tcp_listen = $SRV:88
[realms]
  $REALM = {
    database_name = $KRB5_DIR/principal
    key_stash_file = $KRB5_DIR/stash
    acl_file = $KRB5_DIR/kadm5.acl
    kadmind_listen = $SRV:749
    kpasswd_listen = $SRV:464
    master_key_type = aes256-cts-hmac-sha1-96
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
    max_life = 1d
  }
[logging]
  kdc = FILE:$TMP/logs/krb5kdc.log
  admin_server = FILE:$TMP/logs/kadmind.log
  default = FILE:$TMP/logs/krb5kdc.log
EOK
# the console's principal: add, inquire, re-key (ktadd) and extract host principals, nothing else
printf '%s\n' "afsboot/admin@$REALM aice host/*@$REALM" >"$KRB5_DIR/kadm5.acl"
X kdb5_util -r "$REALM" create -s -P "kdc-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" >>"$TMP/logs/kadmin.log" 2>&1 ||
  die "kdb5_util create failed: $(tail -n 3 "$TMP/logs/kadmin.log")"
# the cell's key (aes256 only: the ticket the KDC issues for afs/lab.test is under it), the
# console's principal, the identity hosts'; keytabs without re-keying (-norandkey: kvno 1)
kadmin_local addprinc -randkey -e aes256-cts-hmac-sha1-96:normal "afs/$CELL@$REALM"
kadmin_local ktadd -k "$KRB5_DIR/afs.keytab" -norandkey "afs/$CELL@$REALM"
kadmin_local addprinc -randkey "afsboot/admin@$REALM"
kadmin_local ktadd -k "$KADMIN_KEYTAB" -norandkey "afsboot/admin@$REALM"
for h in $ID_HOSTS; do
  kadmin_local addprinc -randkey "host/$h.$CELL@$REALM"
  kadmin_local ktadd -k "$KRB5_DIR/host-$h.keytab" -norandkey "host/$h.$CELL@$REALM"
done
AFS_KVNO=$(klist -k "$KRB5_DIR/afs.keytab" | awk -v p="afs/$CELL@$REALM" '$2 == p { print $1; exit }')
[[ $AFS_KVNO =~ ^[0-9]+$ ]] || die "no kvno for afs/$CELL in its keytab: $(klist -k "$KRB5_DIR/afs.keytab" 2>&1)"
ip netns exec "$NS" krb5kdc -n -r "$REALM" -P "$KRB5_DIR/krb5kdc.pid" >"$TMP/logs/krb5kdc.out" 2>&1 &
track $! "krb5kdc"
ip netns exec "$NS" kadmind -nofork -r "$REALM" -P "$KRB5_DIR/kadmind.pid" >"$TMP/logs/kadmind.out" 2>&1 &
track $! "kadmind"
# up when a host gets a ticket from its keytab (KDC) and the console's principal answers through
# kadmind what it may ask
wait_for 20 "the KDC" X env KRB5CCNAME="FILE:$KRB5_DIR/probe.cc" kinit -k -t "$KRB5_DIR/host-${ID_HOSTS%% *}.keytab" "host/${ID_HOSTS%% *}.$CELL@$REALM"
rm -f "$KRB5_DIR/probe.cc"
wait_for 20 "kadmind" X env KRB5CCNAME="MEMORY:" kadmin -k -t "$KADMIN_KEYTAB" -p "afsboot/admin@$REALM" -s "$SRV" -q "getprinc host/${ID_HOSTS%% *}.$CELL@$REALM"
end

begin "OpenAFS cell: servers up"
# the cell's state lives in a tmpfs of its own (2 GiB) inside the private mount namespace: a
# runaway server log cannot fill the host's disk, and nothing of it outlives the lab
mkdir -p "$R"/{usr,etc,proc,dev,tmp,run,vicepa,var/lib/openafs,var/log/openafs} "$B"/seed/{etc-openafs/server,lib/db,lib/local,log,vicepa} "$B/state"
for l in bin sbin lib lib64; do [ -e "$R/$l" ] || ln -s "usr/$l" "$R/$l"; done
chmod 0700 "$B"/seed/lib/db "$B"/seed/lib/local "$B"/seed/etc-openafs/server # bosserver checks these
E=$B/seed/etc-openafs
echo "$CELL" >"$E/ThisCell"
echo "$CELL" >"$E/server/ThisCell"
printf '>%s\t#AFSBoot lab cell\n%s\t#afsdb1.%s\n' "$CELL" "$AFS_IP" "$CELL" | tee "$E/CellServDB" >"$E/server/CellServDB"
touch "$B/seed/vicepa/AlwaysAttach"
# the cell's key from the KDC (rxkad-k5): asetkey puts it into KeyFileExt in inner.sh
cp "$KRB5_DIR/afs.keytab" "$E/server/afs.keytab"
# and the realm whose users are the cell's own: without krb.conf the servers take the default realm
# of the krb5.conf they see, the host's /etc/krb5.conf in the chroot (Debian's: ATHENA.MIT.EDU), and
# host/x.lab.test@LAB.TEST would be the foreign host.x.lab.test@lab.test, no PTS entry: anonymous
echo "$REALM" >"$E/server/krb.conf"
echo "$AFS_IP" >"$B/seed/lib/local/NetInfo"
echo "$AFS_IP" >"$E/server/NetInfo"
for v in $VOLUMES; do mv "$TMP/$v.dump" "$B/seed/log/"; done
cat >"$B/inner.sh" <<EOF
set -e
mount --make-rprivate /
mount -t tmpfs -o size=2g,mode=0700 afsboot-lab-afs "$B/state"
cp -a "$B/seed/." "$B/state/"
mount --bind /usr "$R/usr"; mount --bind /etc "$R/etc"; mount --bind /dev "$R/dev"
mount -o remount,bind,ro "$R/usr"; mount -o remount,bind,ro "$R/etc" # the host's, read-only
mount -t proc proc "$R/proc"; mount -t tmpfs tmpfs "$R/tmp"; mount -t tmpfs tmpfs "$R/run"
mount --bind "$B/state/etc-openafs" "$R/etc/openafs"
mount --bind "$B/state/lib" "$R/var/lib/openafs"
mount --bind "$B/state/log" "$R/var/log/openafs"
mount --bind "$B/state/vicepa" "$R/vicepa"
chroot "$R" /usr/sbin/asetkey add rxkad_krb5 $AFS_KVNO 18 /etc/openafs/server/afs.keytab afs/$CELL@$REALM
exec chroot "$R" /usr/sbin/bosserver -noauth -nofork
EOF
# ip netns exec, unshare and chroot exec in place: $! is bosserver itself
ip netns exec "$NS" unshare -m bash "$B/inner.sh" >"$TMP/logs/bosserver.out" 2>&1 &
BOSPID=$!
wait_for 20 "bosserver" afs bos status "$AFS_IP" -noauth
# bos_create NAME TYPE ARGS...: bos create of a server instance, retried while a crowded machine
# keeps bosserver from answering in time (RX "communications failure", seen under load); done
# once bos status says the instance runs. Knowing the instance is not enough: after a create that
# failed that way the ptserver was known but never started, and the fileserver waited for it.
bos_create() {
  local name=$1 try _
  for try in 1 2 3 4 5; do
    # bos status exits 0 even for an instance bosserver does not know: read what it says
    if afs bos status "$AFS_IP" "$name" -noauth 2>&1 | grep -q "no such entity"; then
      afs bos create "$AFS_IP" "$@" -noauth >>"$TMP/logs/vos.log" 2>&1 || true
    else
      afs bos start "$AFS_IP" "$name" -noauth >>"$TMP/logs/vos.log" 2>&1 || true
    fi
    for _ in 1 2 3 4 5 6; do
      if afs bos status "$AFS_IP" "$name" -noauth 2>/dev/null | grep -q "currently running normally"; then return 0; fi
      sleep 1
    done
    log "bos: $name is not running yet (attempt $try): $(afs bos status "$AFS_IP" "$name" -noauth 2>&1 | head -n 1)"
  done
  die "bos create $name failed: $(tail -n 3 "$TMP/logs/vos.log")"
}
bos_create ptserver simple /usr/lib/openafs/ptserver
bos_create vlserver simple /usr/lib/openafs/vlserver
# the fileserver registers its address with the vlserver: only once that has quorum
wait_for 60 "the vlserver (quorum)" afs vos listvldb -noauth
bos_create fs fs -cmd /usr/lib/openafs/fileserver -cmd /usr/lib/openafs/volserver -cmd /usr/lib/openafs/salvager
wait_for 60 "the fileserver to register" bash -c "nsenter -t $BOSPID -m -n -r -w vos listaddrs -noauth 2>/dev/null | grep -q ."
wait_for 60 "the volserver (partition /vicepa)" afs vos partinfo "$AFS_IP" -noauth
end

begin "OpenAFS cell: volumes restored, replicated, released"
for v in $VOLUMES; do
  afs vos restore "$AFS_IP" a "$v" -file "/var/log/openafs/$v.dump" -noauth >>"$TMP/logs/vos.log" 2>&1 || die "vos restore $v failed: $(tail -n 5 "$TMP/logs/vos.log")"
  afs vos addsite "$AFS_IP" a "$v" -noauth >>"$TMP/logs/vos.log" 2>&1 || die "vos addsite $v failed"
  afs vos release "$v" -noauth >>"$TMP/logs/vos.log" 2>&1 || die "vos release $v failed: $(tail -n 5 "$TMP/logs/vos.log")"
  afs rm -f "/var/log/openafs/$v.dump" # restored: its tmpfs space back
done
afs vos listvldb -noauth >"$TMP/logs/vldb.txt" 2>&1
grep -q "rel.deb12" "$TMP/logs/vldb.txt" || die "rel.deb12 is not in the VLDB"
end

begin "OpenAFS cell: PTS entries for $REALM's hosts, NoAuth off"
# the group that may read rel.secure (its id is in the volume's ACL) and the AFS users of the
# identity hosts' principals. OpenAFS 1.8's rxkad reads a Kerberos 5 ticket as the krb524
# conversion names it: host/x.lab.test@LAB.TEST is name "rcmd", instance "x" (the service "host"
# becomes "rcmd", the instance its first label; measured: the fileserver logs "rxkad conn:
# name=rcmd,inst=lab020,cell=LAB.TEST"), so the PTS user is rcmd.x (realm dropped: LAB.TEST is the
# cell's local realm, krb.conf). Two hosts of one short name in two domains are one AFS user.
pts_() { afs pts "$@" "$AFS_AUTH" >>"$TMP/logs/vos.log" 2>&1 || die "pts $*: $(tail -n 3 "$TMP/logs/vos.log")"; }
pts_ creategroup "$FLEET_GROUP" -owner system:administrators -id "$FLEET_GID"
for h in $ID_HOSTS; do
  pts_ createuser "rcmd.$h"
  pts_ adduser "rcmd.$h" "$FLEET_GROUP"
done
# from here the cell checks who asks: the servers take tokens (rxkad-k5, the KDC's tickets for
# afs/lab.test); ACLs hold (rel.secure: $FLEET_GROUP only; the other volumes: system:anyuser rl);
# the lab's own vos/bos/pts calls use -localauth (the KeyFileExt in the chroot)
afs bos setauth "$AFS_IP" on -noauth >>"$TMP/logs/vos.log" 2>&1 || die "bos setauth on failed: $(tail -n 3 "$TMP/logs/vos.log")"
AFS_AUTH=-localauth
# (bosserver -noauth made /var/lib/openafs/local/NoAuth, Debian's AFSDIR_SERVER_NOAUTH_FILEPATH; every
# server looks for it at each check)
afs test ! -e /var/lib/openafs/local/NoAuth || die "bos setauth on left /var/lib/openafs/local/NoAuth"
# proof: an unauthenticated change is refused now, -localauth is accepted, the group is as made
if afs pts createuser lab-noauth-probe -noauth >>"$TMP/logs/vos.log" 2>&1; then die "the ptserver still takes changes without authentication"; fi
afs pts membership "$FLEET_GROUP" -localauth >"$TMP/logs/pts-fleet.txt" 2>&1 || die "pts -localauth failed: $(cat "$TMP/logs/pts-fleet.txt")"
for h in $ID_HOSTS; do grep -q "rcmd.$h\$" "$TMP/logs/pts-fleet.txt" || die "rcmd.$h is not in $FLEET_GROUP: $(cat "$TMP/logs/pts-fleet.txt")"; done
afs vos examine rel.secure -localauth >"$TMP/logs/vos-secure.txt" 2>&1 || die "vos examine -localauth failed: $(cat "$TMP/logs/vos-secure.txt")"
end


# ---------------------------------------------------------------- 4. the console
begin "console: database, server, fleet, publish"
mkdir -p "$TMP/data" "$TMP/export" "$TMP/images"
export DATABASE_URL=file:$TMP/afsboot.db AFSBOOT_DATA_DIR=$TMP/data AFSBOOT_EXPORT_DIR=$TMP/export AFSBOOT_IMAGES_ROOTS=$TMP/images
unset AFSBOOT_SECRET AFSBOOT_SECRET_FILE AFSBOOT_TRUST_PROXY
afsboot() { (cd "$REPO" && node bin/afsboot.mjs "$@"); }
(cd "$REPO" && node scripts/migrate.mjs deploy --quiet) >>"$TMP/logs/cli.log" 2>&1 || die "migrate failed: $(tail -n 5 "$TMP/logs/cli.log")"
KERNEL_NAME=vmlinuz-$KVER
BASE_NAME=initrd-$KVER-modules.img
cp "$KERNEL" "$TMP/images/$KERNEL_NAME"
cp "$BASE" "$TMP/images/$BASE_NAME"
BASE_OAFS_NAME=initrd-$KVER-openafs.img
[ -z "$BASE_OAFS" ] || cp "$BASE_OAFS" "$TMP/images/$BASE_OAFS_NAME"
version() { # version N BASE [READONLY WRITABLE TMPFS]: the same kernel for every version; the
  # busybox trees' layout unless given. Debian's kernel is signed (shim trusts Debian's key), and
  # so are the modules of its package; a base initrd with a locally built openafs.ko is not.
  local signed=true
  [ "$2" != "${BASE_OAFS_NAME:-}" ] || signed=false
  cat <<EOF
      - version: "$1"
        kernel: $KERNEL_NAME
        baseInitrd: $2
        modules: [virtio_pci, virtio_net]
        readonly: [${3:-usr, bin, sbin, lib}]
        writable: [${4:-etc, var}]
        tmpfsSize: ${5:-128M}
        signedKernel: true
        signedModules: $signed
EOF
}
# the DHCP hook as the network's dhcpEventHook: the generated dnsmasq config runs it as its
# dhcp-script, Kea's through the run_script hook library. Kea starts it with only the hook's
# variables in its environment, so a wrapper names the hook's configuration file (written below,
# once the API token exists); on a real DHCP server that is /etc/afsboot/dhcp-event.conf.
EVENT_HOOK=$TMP/event-hook
printf '#!/bin/sh\nAFSBOOT_EVENT_CONF=%q exec %q "$@"\n' "$TMP/dhcp-event.conf" "$REPO/scripts/hooks/afsboot-dhcp-event" >"$EVENT_HOOK"
chmod 700 "$EVENT_HOOK"
# the Debian tree: /usr from AFS (the top-level links bin, sbin, lib, lib64 come with the tree's
# layout), etc, var and root writable
debian_version() { version "$1" "$2" usr "etc, var, root" 256M; }
fleet() { # fleet CLIENT RELEASE [DEBIAN]: the lab cell's client, lab001's release (deb12@1: kAFS
  # base), lab003's (debian12@1; @2 is the OpenAFS base)
  cat <<EOF
# the lab's fleet (scripts/lab/lab.sh): one network in the namespace, the lab cell and a cell
# whose database server does not answer, one host each
networks:
  - name: lab
    subnet: $NET.0/24
    gateway: $SRV
    dns: [$SRV]
    domain: lab.test
    bootServer: $SRV
    reportUrl: $URL
    discoveryRange: $NET.200-$NET.220
    dhcpEventHook: $EVENT_HOOK
$([ "$ROLLOUT" = 0 ] || echo "    bmc: { driver: ipmi, user: labbmc, password: { env: LAB_BMC_PASSWORD } }")
$([ "$IDENTITY" = 0 ] || echo "    identity: { mode: none, enrolment: tofu }")
cells:
  - name: $CELL
    client: $1
    servers: [{ name: afsdb1.$CELL, ip: $AFS_IP }]
    bootRoot: /afs/$CELL/boot
    cache: { memcache: true, blocks: 65536 }
$([ "$IDENTITY" = 0 ] || echo "    kerberos: { realm: $REALM, kdcs: [$SRV] }")
  - name: $BADCELL
    client: kafs
    servers: [{ name: afsdb1.$BADCELL, ip: $NET.99 }]
    bootRoot: /afs/$BADCELL/boot
    cache: { memcache: true, blocks: 65536 }
releases:
  - name: deb12
    tree: /afs/$CELL/boot/deb12
    imagesDir: $TMP/images
    versions:
$(version 1 "$BASE_NAME")
$([ -z "$BASE_OAFS" ] || version 2 "$BASE_OAFS_NAME")
  - name: deb12-unreach
    tree: /afs/$BADCELL/boot/deb12
    imagesDir: $TMP/images
    versions:
$(version 1 "$BASE_NAME")
  - name: debian12
    tree: /afs/$CELL/boot/debian12
    imagesDir: $TMP/images
    versions:
$(debian_version 1 "$BASE_NAME")
$([ -z "$BASE_OAFS" ] || debian_version 2 "$BASE_OAFS_NAME")
  - name: broken
    tree: /afs/$CELL/boot/broken
    imagesDir: $TMP/images
    versions:
$(version 1 "$BASE_NAME")
$([ "$ROLLOUT" = 0 ] || rollout_release)
$([ "$IDENTITY" = 0 ] || identity_release)
hosts:
  - { name: $HOST_OK, mac: "$MAC_OK", ip: $IP_OK, cell: $CELL, release: $2, kernelArgs: "console=ttyS0 afsboot.onfail=halt" }
  - { name: $HOST_BAD, mac: "$MAC_BAD", ip: $IP_BAD, cell: $BADCELL, release: deb12-unreach, kernelArgs: "console=ttyS0 afsboot.onfail=halt" }
  - { name: $HOST_SD, mac: "$MAC_SD", ip: $IP_SD, cell: $CELL, release: ${3:-debian12@1}, kernelArgs: "console=ttyS0 afsboot.onfail=halt" }
  - { name: $HOST_BROKEN, mac: "$MAC_BROKEN", ip: $IP_BROKEN, cell: $CELL, release: broken, kernelArgs: "console=ttyS0 afsboot.onfail=halt" }
$([ "$UEFI" = 0 ] || uefi_hosts)
$([ "$ROLLOUT" = 0 ] || rollout_hosts)
$([ "$IDENTITY" = 0 ] || echo "  - { name: $HOST_ID, mac: \"$MAC_ID\", ip: $IP_ID, cell: $CELL, release: secure@$([ "$1" = openafs ] && echo 2 || echo 1), identity: tpm, kernelArgs: \"console=ttyS0 afsboot.onfail=halt\" }")
EOF
}
# the identity cases' release (#18): the busybox tree in rel.secure, which only the PTS group
# fleet may read (system:anyuser nothing): a host reads it only with its AFS token
identity_release() {
  cat <<EOF
  - name: secure
    tree: /afs/$CELL/boot/secure
    imagesDir: $TMP/images
    versions:
$(version 1 "$BASE_NAME")
$([ -z "$BASE_OAFS" ] || version 2 "$BASE_OAFS_NAME")
EOF
}
# the rollout cases: release fleet on the busybox tree (deb12's volume). @1 and @2 differ in their
# tmpfs size (so in their overlays); @3 also binds /opt, which the tree lacks: /init fails at root.
rollout_release() {
  cat <<EOF
  - name: fleet
    tree: /afs/$CELL/boot/deb12
    imagesDir: $TMP/images
    versions:
$(version 1 "$BASE_NAME")
$(version 2 "$BASE_NAME" "usr, bin, sbin, lib" "etc, var" 160M)
$(version 3 "$BASE_NAME" "usr, bin, sbin, lib, opt" "etc, var" 160M)
EOF
}
# their BMCs: the network's defaults (driver, user, the password from the environment of
# afsboot apply), each host's own address: its ipmi_sim on 127.0.0.1 in the namespace
rollout_hosts() {
  cat <<EOF
  - { name: $HOST_R1, mac: "$MAC_R1", ip: $IP_R1, cell: $CELL, release: fleet@1, kernelArgs: "console=ttyS0 afsboot.onfail=halt", bmc: { address: "127.0.0.1:$BMC_PORT1" } }
  - { name: $HOST_R2, mac: "$MAC_R2", ip: $IP_R2, cell: $CELL, release: fleet@1, kernelArgs: "console=ttyS0 afsboot.onfail=halt", bmc: { address: "127.0.0.1:$BMC_PORT2" } }
EOF
}
uefi_hosts() { # the UEFI machines: firmware PXE, UEFI HTTP boot, Secure Boot (deb12@1: signed kernel and modules)
  cat <<EOF
  - { name: $HOST_UEFI, mac: "$MAC_UEFI", ip: $IP_UEFI, cell: $CELL, release: deb12@1, kernelArgs: "console=ttyS0 afsboot.onfail=halt" }
  - { name: $HOST_HTTP, mac: "$MAC_HTTP", ip: $IP_HTTP, cell: $CELL, release: deb12@1, kernelArgs: "console=ttyS0 afsboot.onfail=halt" }
  - { name: $HOST_SB, mac: "$MAC_SB", ip: $IP_SB, cell: $CELL, release: deb12@1, kernelArgs: "console=ttyS0 afsboot.onfail=halt", secureBoot: true }
EOF
}
# the lab's BMCs: ports on 127.0.0.1 in the namespace, one password for both (the network's)
BMC_PORT1=6231 BMC_PORT2=6232
export LAB_BMC_PASSWORD
LAB_BMC_PASSWORD=bmc-$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n') # IPMI 2.0: at most 20 bytes
# ipmi_sim never answers ipmitool's question for cipher suites: without a suite named, each call
# waits 10-12 s for it (docs/lab-bmc.md)
export AFSBOOT_IPMI_CIPHER_SUITE=3
fleet kafs deb12@1 >"$TMP/fleet.yaml"
afsboot apply "$TMP/fleet.yaml" >>"$TMP/logs/cli.log" 2>&1 || die "afsboot apply failed: $(tail -n 8 "$TMP/logs/cli.log")"
TOKEN=$(afsboot token create lab-check --role operator 2>>"$TMP/logs/cli.log") || die "token create failed"
LAB_PASSWORD=lab-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
printf '%s\n' "$LAB_PASSWORD" | afsboot user add labadmin --role admin >>"$TMP/logs/cli.log" 2>&1 || die "user add failed"
afsboot publish >"$TMP/logs/publish.log" 2>&1 || die "afsboot publish failed: $(tail -n 8 "$TMP/logs/publish.log")"
start_console() {
  # a boot stalls after 30 s without news at dhcp or pxe (the secure-boot-unsigned case waits for that)
  # (background jobs on: the rollout cases need its rollout driver)
  ip netns exec "$NS" env NODE_ENV=production AFSBOOT_STALL_SECONDS=pxe=30,dhcp=30 node "$REPO/bin/afsboot-server.mjs" -H "$SRV" -p "$PORT" >>"$TMP/logs/console.log" 2>&1 &
  CONSOLE_PID=$!
  track "$CONSOLE_PID" console
  wait_for 60 "the console" X node -e "fetch('$URL/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
}
start_console
end

# ---------------------------------------------------------------- 5. boots
# the boot server: the export directory over HTTP on port 80 (the network's default boot files
# URL, http://<boot server>/), apart from the console, as on a real site: the console is not in
# the boot path
ip netns exec "$NS" busybox httpd -f -p "$SRV:80" -h "$TMP/export" >"$TMP/logs/httpd.log" 2>&1 &
track $! "boot server (busybox httpd)"
if [ "$UEFI" = 1 ]; then
  # TFTP for firmware PXE (snponly.efi, shim, GRUB and its configs, the kernel and initrds GRUB
  # loads): dnsmasq's built-in TFTP server, DHCP off, the export directory as its root
  ip netns exec "$NS" dnsmasq -k --port=0 --enable-tftp --tftp-root="$TMP/export" --listen-address="$SRV" --bind-interfaces \
    --user=root --pid-file="$TMP/tftpd.pid" --log-facility=- >"$TMP/logs/tftpd.log" 2>&1 &
  track $! "boot server (dnsmasq TFTP)"
fi
# the DHCP hook reports the dhcp stage with an operator API token
printf 'AFSBOOT_URL=%s\nAFSBOOT_TOKEN=%s\n' "$URL" "$TOKEN" >"$TMP/dhcp-event.conf"
chmod 600 "$TMP/dhcp-event.conf"
start_dhcp() { # start_dhcp SERVER: the published config, run by the real daemon in the namespace
  local s=$1 conf
  mkdir -p "$TMP/dhcp-run"
  case $s in
    dnsmasq)
      conf=$TMP/export/dhcp/dnsmasq-lab.conf
      ip netns exec "$NS" dnsmasq -k -C "$conf" --interface=br0 --bind-interfaces \
        --user=root --pid-file="$TMP/dhcp-run/dnsmasq.pid" --dhcp-leasefile="$TMP/dhcp-run/dnsmasq.leases" --log-facility=- --log-dhcp \
        >"$TMP/logs/dhcp-$s.log" 2>&1 &
      ;;
    kea)
      conf=$TMP/export/dhcp/kea-dhcp4-lab.json
      # its lease file (/var/lib/kea/kea-leases4.csv, when the config persists leases) in a tmpfs
      # of its own: a private /var/lib in a private mount namespace, nothing on the host's disk
      # shellcheck disable=SC2016 # $1 is expanded by the inner sh
      ip netns exec "$NS" unshare -m env KEA_PIDFILE_DIR="$TMP/dhcp-run" KEA_LOCKFILE_DIR="$TMP/dhcp-run" \
        sh -c 'mount --make-rprivate / && mount -t tmpfs -o size=16m kea /var/lib && mkdir /var/lib/kea && exec kea-dhcp4 -c "$1"' kea "$conf" >"$TMP/logs/dhcp-$s.log" 2>&1 &
      ;;
    dhcpd)
      conf=$TMP/export/dhcp/dhcpd-lab.conf
      : >"$TMP/dhcp-run/dhcpd.leases"
      ip netns exec "$NS" dhcpd -f -d -4 -cf "$conf" -lf "$TMP/dhcp-run/dhcpd.leases" -pf "$TMP/dhcp-run/dhcpd.pid" br0 >"$TMP/logs/dhcp-$s.log" 2>&1 &
      ;;
  esac
  DHCP_PID=$!
  track "$DHCP_PID" "$s"
  sleep 1
  kill -0 "$DHCP_PID" 2>/dev/null || die "$s did not start with $conf: $(tail -n 5 "$TMP/logs/dhcp-$s.log")"
}
stop_dhcp() {
  stop_pid "$DHCP_PID"
  untrack "$DHCP_PID"
}
# router adverts on br0, so that iPXE's IPv6 configuration ends at once instead of waiting ~16 s
# for one (it waits for every configurator before it boots)
ip netns exec "$NS" dnsmasq -k --port=0 --interface=br0 --bind-interfaces --enable-ra --dhcp-range=::,constructor:br0,ra-only \
  --user=root --pid-file="$TMP/ra.pid" --log-facility=- >"$TMP/logs/ra.log" 2>&1 &
track $! "router adverts"

# ---------------------------------------------------------------- BMC-driven hosts (rollouts)
# shellcheck source=scripts/lab/bmc.sh
. "$HERE/bmc.sh"
XAFSBOOT() { (cd "$REPO" && X node bin/afsboot.mjs "$@"); } # the CLI in the namespace: it reaches the BMCs
bmc_dir() { echo "$TMP/bmc/$1"; }
# bmc_host N HOST MAC TAP PORT: HOST's BMC, an ipmi_sim whose power-on starts QEMU (as boot() does,
# without -no-reboot: a power cycle resets it in place; the release's poweroff ends it), its serial
# console appended to logs/qemu-HOST.log across boots
bmc_host() {
  local n=$1 host=$2 mac=$3 tap=$4 port=$5 dir
  dir=$(bmc_dir "$host")
  bmc_write "$dir" "$port" $((9100 + n)) labbmc "$LAB_BMC_PASSWORD"
  bmc_machine "$dir" qemu-system-x86_64 -accel tcg -m 512 -display none -boot n \
    -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device "virtio-net-pci,netdev=n0,mac=$mac" \
    -chardev "file,id=ser0,path=$TMP/logs/qemu-$host.log,append=on" -serial chardev:ser0
  bmc_start "$NS" "$dir"
  track "$(cat "$dir/sim.pid")" "ipmi_sim $host"
}
# actions_since DIR EPOCH: the BMC's power actions after EPOCH (seconds.fraction), "on off …"
actions_since() { bmc_actions "$1" | awk -v t="$2" '$1 > t { printf "%s%s", sep, $2; sep = " " }'; }
# bmc_off HOST: its BMC says the machine is off (the release powered it off after up)
bmc_off() { bmc_ipmitool "$NS" "$(bmc_dir "$1")" chassis power status 2>/dev/null | grep -q "is off"; }
rollout_api() { X node -e "fetch('$URL/api/v1/rollouts/$1',{headers:{authorization:'Bearer $TOKEN'}}).then(r=>r.json()).then(j=>console.log(JSON.stringify(j)))"; }
# rollout_field JSON EXPR: a value out of the rollout's JSON (EXPR in JavaScript over r)
rollout_field() { node -e 'const r=JSON.parse(process.argv[1]);console.log(eval(process.argv[2]))' "$1" "$2"; }
rollout_cases() {
  local since t0 mark out id json host
  begin "BMCs: an ipmi_sim per host ($HOST_R1, $HOST_R2); both boot fleet@1 by the console's power on"
  bmc_host 1 "$HOST_R1" "$MAC_R1" tap1 "$BMC_PORT1"
  bmc_host 2 "$HOST_R2" "$MAC_R2" tap2 "$BMC_PORT2"
  since=$(iso_now)
  XAFSBOOT power status "$HOST_R1" "$HOST_R2" >"$TMP/logs/power-status.log" 2>&1 || die "afsboot power status: $(cat "$TMP/logs/power-status.log")"
  grep -q "^$HOST_R1 .*ok .*off" "$TMP/logs/power-status.log" || die "$HOST_R1's BMC does not say off: $(cat "$TMP/logs/power-status.log")"
  XAFSBOOT power on "$HOST_R1" "$HOST_R2" >"$TMP/logs/power-on.log" 2>&1 || die "afsboot power on: $(cat "$TMP/logs/power-on.log")"
  for host in "$HOST_R1" "$HOST_R2"; do
    wait_for "$BOOT_TIMEOUT" "$host up on fleet@1" check --host "$host" --expect up --release fleet@1 --since "$since"
    wait_for 60 "$host powered off after up" bmc_off "$host"
  done
  RESULTS+=("BMCs: ipmi_sim + ipmitool: both hosts powered on by the console, up on fleet@1")
  end
  if has_case rollout-ok; then
    begin "rollout-ok: fleet@2 to $HOST_R1 (canary) and $HOST_R2 (wave 1), power-cycled by the console"
    since=$(iso_now)
    mark=$(date +%s.%N)
    t0=$(now_ms)
    XAFSBOOT rollout start --version fleet@2 --select "host:$HOST_R1,host:$HOST_R2" --canary 1 --wave 1 --max-failures 0 --wait >"$TMP/logs/rollout-ok.log" 2>&1 ||
      die "rollout-ok: the rollout did not complete: $(tail -n 20 "$TMP/logs/rollout-ok.log")"
    out=$(( ($(now_ms) - t0) / 1000 ))
    for host in "$HOST_R1" "$HOST_R2"; do
      check --host "$host" --expect up --release fleet@2 --since "$since" >"$TMP/logs/check-rollout-ok-$host.json" || die "rollout-ok: $(cat "$TMP/logs/check-rollout-ok-$host.json")"
      # one power action each: on (it was off), from the console's rollout, none besides
      [ "$(actions_since "$(bmc_dir "$host")" "$mark")" = on ] || die "rollout-ok: $host's BMC did $(actions_since "$(bmc_dir "$host")" "$mark") (expected one power on)"
    done
    id=$(sed -n 's/^started rollout \([^:]*\):.*/\1/p' "$TMP/logs/rollout-ok.log")
    json=$(rollout_api "$id")
    [ "$(rollout_field "$json" r.state)" = completed ] || die "rollout-ok: rollout $id is $(rollout_field "$json" r.state)"
    RESULTS+=("rollout-ok: fleet@2 to 2 hosts in 2 waves, completed in $out s; each host rebooted once by its BMC (ipmitool), up on @2's overlay")
    end
  fi
  if has_case rollout-halt; then
    begin "rollout-halt: fleet@3 (its tree lacks /opt) with rollback: the canary fails, goes back to @2"
    wait_for 60 "$HOST_R1 powered off" bmc_off "$HOST_R1"
    wait_for 60 "$HOST_R2 powered off" bmc_off "$HOST_R2"
    since=$(iso_now)
    mark=$(date +%s.%N)
    t0=$(now_ms)
    if XAFSBOOT rollout start --version fleet@3 --select "host:$HOST_R1,host:$HOST_R2" --canary 1 --wave 1 --max-failures 0 --rollback --wait >"$TMP/logs/rollout-halt.log" 2>&1; then
      die "rollout-halt: the rollout of a broken version completed: $(tail -n 20 "$TMP/logs/rollout-halt.log")"
    fi
    out=$(( ($(now_ms) - t0) / 1000 ))
    id=$(sed -n 's/^started rollout \([^:]*\):.*/\1/p' "$TMP/logs/rollout-halt.log")
    [ -n "$id" ] || die "rollout-halt: no rollout started: $(tail -n 20 "$TMP/logs/rollout-halt.log")"
    json=$(rollout_api "$id")
    echo "$json" >"$TMP/logs/rollout-halt.json"
    [ "$(rollout_field "$json" r.state)" = rolled_back ] || die "rollout-halt: rollout $id is $(rollout_field "$json" r.state), expected rolled_back ($TMP/logs/rollout-halt.json)"
    [ "$(rollout_field "$json" "r.waveList[0].hosts[0].state")" = rolled_back ] || die "rollout-halt: the canary is $(rollout_field "$json" "r.waveList[0].hosts[0].state")"
    [ "$(rollout_field "$json" "r.waveList[1].hosts[0].state")" = skipped ] || die "rollout-halt: $HOST_R2 is $(rollout_field "$json" "r.waveList[1].hosts[0].state"), expected skipped"
    rollout_field "$json" "r.waveList[0].hosts[0].reason" | grep -q "the tree has no opt" ||
      die "rollout-halt: the canary's reason does not name the missing /opt: $(rollout_field "$json" "r.waveList[0].hosts[0].reason")"
    # the canary: a failed boot on @3, then up on @2 again (the rollback)
    check --host "$HOST_R1" --expect up --release fleet@2 --boots 2 --since "$since" >"$TMP/logs/check-rollout-halt.json" || die "rollout-halt: $(cat "$TMP/logs/check-rollout-halt.json")"
    # on for @3; for the rollback on again (or off then on, had its poweroff after the failure not ended yet)
    [[ "$(actions_since "$(bmc_dir "$HOST_R1")" "$mark")" =~ ^on( off)?\ on$ ]] || die "rollout-halt: the canary's BMC did $(actions_since "$(bmc_dir "$HOST_R1")" "$mark") (expected on for @3, on for the rollback)"
    [ -z "$(actions_since "$(bmc_dir "$HOST_R2")" "$mark")" ] || die "rollout-halt: $HOST_R2's BMC did $(actions_since "$(bmc_dir "$HOST_R2")" "$mark"): it must never be touched"
    [ -z "$(bmc_qemu_pid "$(bmc_dir "$HOST_R2")")" ] || die "rollout-halt: $HOST_R2 is running"
    RESULTS+=("rollout-halt: the canary failed at root (the tree has no opt), rolled back to @2 and up again; $HOST_R2 untouched (its BMC: no action); $out s from start to rolled back")
    end
  fi
}

# ---- software TPMs (#18)
# tpm_start HOST: HOST's TPM 2.0, a swtpm in the namespace whose state lives in $TMP/tpm/HOST/state
# and is kept across boots (the same TPM every boot of HOST: the same endorsement key, the same
# persistent AK). Sets TPM_PID and TPM_ARGS, QEMU's options for it: a TIS device (Debian's kernel
# has tpm_tis built in: /dev/tpm0 and /dev/tpmrm0 without a module). tpm_stop ends it.
tpm_start() {
  local host=$1 dir=$TMP/tpm/$1
  mkdir -p "$dir/state"
  chmod 0700 "$dir"
  rm -f "$dir/swtpm.sock"
  ip netns exec "$NS" swtpm socket --tpm2 --tpmstate "dir=$dir/state" --ctrl "type=unixio,path=$dir/swtpm.sock" \
    --flags startup-clear --terminate --log "file=$TMP/logs/swtpm-$host.log,level=1" </dev/null >>"$TMP/logs/swtpm-$host.log" 2>&1 &
  TPM_PID=$!
  track "$TPM_PID" "swtpm $host"
  wait_for 10 "$host's swtpm" test -S "$dir/swtpm.sock"
  TPM_ARGS=(-chardev "socket,id=chrtpm,path=$dir/swtpm.sock" -tpmdev "emulator,id=tpm0,chardev=chrtpm" -device "tpm-tis,tpmdev=tpm0")
}
tpm_stop() { # (--terminate: it ends with QEMU's connection; a swtpm still there is stopped)
  stop_pid "$TPM_PID"
  untrack "$TPM_PID"
}
# tpm_boot HOST TAG MAC [DURING]: boot (below) with HOST's TPM attached
tpm_boot() {
  local host=$1
  shift
  tpm_start "$host"
  BOOT_QEMU_ARGS=("${TPM_ARGS[@]}")
  boot "$@"
  BOOT_QEMU_ARGS=()
  tpm_stop
}
BOOT_QEMU_ARGS=() # more QEMU options for boot() (a TPM: tpm_boot)

# the identity cases (#18): lab020 (identity tpm) boots release secure (rel.secure: only the PTS
# group fleet may read it) with its swtpm; its network pins a first TPM at once (tofu)
field() { node -e 'const v=JSON.parse(process.argv[1]);const s=v.stages.find(x=>x.stage===process.argv[2]);const m=(s&&s.message||"").match(new RegExp(process.argv[3]));console.log(m?m[1]:"")' "$@"; }
audit_count() { # audit_count ACTION TARGET: entries in the console's audit log (its SQLite database)
  (cd "$REPO" && node -e 'const D=require("better-sqlite3");const d=new D(process.argv[1],{readonly:true});console.log(d.prepare("SELECT count(*) AS n FROM AuditEntry WHERE action=? AND targetName=?").get(process.argv[2],process.argv[3]).n)' "$TMP/afsboot.db" "$1" "$2")
}
identity_cases() {
  local since n fps=() secrets_ms=() token_ms=() console_fp pinned
  begin "identity: $HOST_ID's keytab made by the console through kadmin (its own principal, afsboot/admin)"
  (cd "$REPO" && X env AFSBOOT_KADMIN_PRINCIPAL="afsboot/admin@$REALM" AFSBOOT_KADMIN_KEYTAB="$KADMIN_KEYTAB" AFSBOOT_KADMIN_SERVER="$SRV" \
    node bin/afsboot.mjs host keytab "$HOST_ID" --kadmin) >"$TMP/logs/keytab.log" 2>&1 || die "afsboot host keytab --kadmin: $(cat "$TMP/logs/keytab.log")"
  grep -q "keytab for host/$HOST_ID.$CELL@$REALM, kvno [0-9]" "$TMP/logs/keytab.log" || die "the keytab is not for host/$HOST_ID.$CELL@$REALM: $(cat "$TMP/logs/keytab.log")"
  afsboot publish --host "$HOST_ID" >>"$TMP/logs/publish.log" 2>&1 || die "afsboot publish --host $HOST_ID failed: $(tail -n 8 "$TMP/logs/publish.log")"
  end
  if has_case identity-ok; then
    for n in 1 2; do
      begin "identity-ok: $HOST_ID boot $n with its TPM: secrets, a token, rel.secure, up"
      since=$(iso_now)
      tpm_boot "$HOST_ID" "identity-ok-$n" "$MAC_ID"
      check --host "$HOST_ID" --expect up --release secure@1 --since "$since" \
        --afs "tree /afs/${CELL//./\\.}/boot/secure .*; secrets in [0-9]+ ms: ssh_host_ecdsa_key ssh_host_ed25519_key ssh_host_rsa_key krb5.keytab; token as host/$HOST_ID\\.${CELL//./\\.}@${REALM//./\\.} in [0-9]+ ms" \
        --up "ssh host key ED25519 SHA256:[A-Za-z0-9+/]{43} \\(mode 600\\); keytab \\(mode 600\\)" >"$TMP/logs/check-identity-ok-$n.json" ||
        die "identity-ok boot $n: $(cat "$TMP/logs/check-identity-ok-$n.json")"
      fps+=("$(field "$(cat "$TMP/logs/check-identity-ok-$n.json")" up 'ssh host key ED25519 (SHA256:[A-Za-z0-9+/]{43})')")
      secrets_ms+=("$(field "$(cat "$TMP/logs/check-identity-ok-$n.json")" afs 'secrets in ([0-9]+) ms')")
      token_ms+=("$(field "$(cat "$TMP/logs/check-identity-ok-$n.json")" afs 'token as [^ ]+ in ([0-9]+) ms')")
      end
    done
    [ "${fps[0]}" = "${fps[1]}" ] || die "identity-ok: the SSH host key changed between boots: ${fps[0]} then ${fps[1]}"
    console_fp=$(XAFSBOOT host ssh-keys "$HOST_ID" | awk '$1 == "ed25519" { print $2 }')
    [ "$console_fp" = "${fps[0]}" ] || die "identity-ok: the host booted with SSH host key ${fps[0]}, the console holds $console_fp"
    XAFSBOOT export known-hosts >"$TMP/logs/known_hosts" 2>&1 || die "afsboot export known-hosts: $(cat "$TMP/logs/known_hosts")"
    ssh-keygen -l -F "$IP_ID" -f "$TMP/logs/known_hosts" | grep -qF "${fps[0]}" || die "identity-ok: known_hosts has no $HOST_ID key ${fps[0]}"
    pinned=$(XAFSBOOT host tpm "$HOST_ID" | awk '$1 == "pinned" { print $2 }')
    [[ $pinned == SHA256:* ]] || die "identity-ok: no TPM pinned to $HOST_ID: $(XAFSBOOT host tpm "$HOST_ID" 2>&1)"
    [ "$(audit_count secrets.deliver "$HOST_ID")" = 2 ] || die "identity-ok: $(audit_count secrets.deliver "$HOST_ID") deliveries audited, expected 2"
    RESULTS+=("identity-ok: TPM $pinned pinned on first use; 2 boots up on rel.secure (fleet only) with SSH host key ${fps[0]} both times (= the console's, in known_hosts), keytab by kadmin; secrets ${secrets_ms[0]}/${secrets_ms[1]} ms, kinit + aklog-kafs ${token_ms[0]}/${token_ms[1]} ms")
  fi
  if has_case impostor; then
    begin "impostor: another TPM with $HOST_ID's MAC (and its public token): no secrets, no tree, flagged"
    since=$(iso_now)
    tpm_boot "$HOST_ID-impostor" impostor "$MAC_ID"
    check --host "$HOST_ID" --expect failed --stage afs --since "$since" \
      --message "tree /afs/${CELL//./\\.}/boot/secure: permission denied .*no AFS token: this host has no keytab: its secrets were refused .*no secrets: the console refused: 403 identity mismatch: this TPM \\(SHA256:" \
      >"$TMP/logs/check-impostor.json" || die "impostor: $(cat "$TMP/logs/check-impostor.json")"
    XAFSBOOT host tpm "$HOST_ID" >"$TMP/logs/impostor-tpm.txt" 2>&1
    grep -q "^MISMATCH" "$TMP/logs/impostor-tpm.txt" || die "impostor: the console does not flag $HOST_ID: $(cat "$TMP/logs/impostor-tpm.txt")"
    [ "$(audit_count identity.mismatch "$HOST_ID")" -ge 1 ] || die "impostor: no identity.mismatch in the audit log"
    [ "$(audit_count secrets.deliver "$HOST_ID")" = "$( (has_case identity-ok && echo 2) || echo 0)" ] || die "impostor: secrets were delivered to it"
    end
    if has_case identity-ok; then
      begin "impostor: the genuine $HOST_ID still boots (the flag waits for an admin)"
      since=$(iso_now)
      tpm_boot "$HOST_ID" identity-after-impostor "$MAC_ID"
      check --host "$HOST_ID" --expect up --release secure@1 --since "$since" --up "ssh host key ED25519 ${fps[0]//+/\\+}" >"$TMP/logs/check-identity-after.json" ||
        die "the genuine host after the impostor: $(cat "$TMP/logs/check-identity-after.json")"
      end
    fi
    RESULTS+=("impostor: another TPM with $HOST_ID's MAC and token: refused (identity mismatch), failed at afs (rel.secure: permission denied, no token), flagged and audited$(has_case identity-ok && echo "; the genuine host up again after it")")
  fi
}

boot() { # boot TAG MAC [DURING]: QEMU on the tap, -boot n; returns when it powers off (or the
  # hard timeout). DURING, if given, runs once QEMU has started, with QEMU's PID (what happens to
  # the world while the host boots).
  # BOOT_QEMU_ARGS: more options for QEMU (tpm_boot: a software TPM)
  local tag=$1 mac=$2 during=${3:-} t0 rc
  t0=$(now_ms)
  BOOT_T0=$t0
  ip netns exec "$NS" timeout --kill-after=5 "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg -m 512 -nographic -no-reboot -boot n \
    -netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device "virtio-net-pci,netdev=n0,mac=$mac" "${BOOT_QEMU_ARGS[@]}" \
    </dev/null >"$TMP/logs/qemu-$tag.log" 2>&1 &
  local qpid=$!
  track "$qpid" "qemu $tag"
  [ -z "$during" ] || "$during" "$qpid"
  set +e
  wait "$qpid"
  rc=$?
  set -e
  untrack "$qpid"
  BOOT_MS=$(($(now_ms) - t0))
  [ "$rc" -ne 124 ] || die "boot $tag: no power-off within ${BOOT_TIMEOUT} s (serial console: $TMP/logs/qemu-$tag.log)"
  [ "$rc" -eq 0 ] || die "boot $tag: QEMU exited $rc: $(tail -n 5 "$TMP/logs/qemu-$tag.log")"
  log "boot $tag: powered off after $((BOOT_MS / 1000)) s"
}
# uefi_boot TAG MAC MODE [UNTIL]: a UEFI machine on the tap: q35, OVMF (MODE pxe or http: the plain
# build; secure: Secure Boot on, Microsoft's keys enrolled, SMM), a fresh copy of its variable
# store, the NIC's own firmware (romfile= : no iPXE option ROM). IPv6 PXE is off (nothing answers
# it here: the firmware would wait for it before trying the next option); with http, IPv4 PXE too,
# so HTTP boot is what the firmware does. Returns when QEMU powers off (-no-reboot: a reboot
# ends it too) or, with UNTIL, once the function UNTIL (given QEMU's PID and its log) returns 0,
# stopping QEMU then. Sets BOOT_T0 and BOOT_MS.
uefi_boot() {
  local tag=$1 mac=$2 mode=$3 until=${4:-} vars=$TMP/ovmf-vars-$1.fd log=$TMP/logs/qemu-$1.log qpid rc machine code
  local fw=(-fw_cfg "name=opt/org.tianocore/IPv6PXESupport,string=n")
  case $mode in
    pxe | http)
      machine=(-machine q35)
      code=$OVMF/OVMF_CODE_4M.fd
      cp "$OVMF/OVMF_VARS_4M.fd" "$vars"
      ;;
    secure)
      machine=(-machine "q35,smm=on" -global "driver=cfi.pflash01,property=secure,value=on")
      code=$OVMF/OVMF_CODE_4M.secboot.fd
      cp "$OVMF/OVMF_VARS_4M.ms.fd" "$vars"
      ;;
  esac
  [ "$mode" != http ] || fw+=(-fw_cfg "name=opt/org.tianocore/IPv4PXESupport,string=n")
  BOOT_T0=$(now_ms)
  ip netns exec "$NS" timeout --kill-after=5 "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg -m 768 -nographic -no-reboot "${machine[@]}" \
    -drive "if=pflash,format=raw,unit=0,readonly=on,file=$code" -drive "if=pflash,format=raw,unit=1,file=$vars" "${fw[@]}" \
    -netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device "virtio-net-pci,netdev=n0,mac=$mac,romfile=" \
    </dev/null >"$log" 2>&1 &
  qpid=$!
  track "$qpid" "qemu $tag"
  if [ -n "$until" ]; then
    until "$until" "$qpid" "$log"; do
      kill -0 "$qpid" 2>/dev/null || die "boot $tag: QEMU ended first (serial console: $log): $(tail -n 5 "$log" | tr -d '\r')"
      sleep 1
    done
    stop_pid "$qpid"
  fi
  set +e
  wait "$qpid"
  rc=$?
  set -e
  untrack "$qpid"
  BOOT_MS=$(($(now_ms) - BOOT_T0))
  [ -n "$until" ] && return 0
  [ "$rc" -ne 124 ] || die "boot $tag: no power-off within ${BOOT_TIMEOUT} s (serial console: $log)"
  [ "$rc" -eq 0 ] || die "boot $tag: QEMU exited $rc: $(tail -n 5 "$log" | tr -d '\r')"
  log "boot $tag: powered off after $((BOOT_MS / 1000)) s"
}
# uefi_case TAG HOST MAC MODE SB CHAIN EVIDENCE ARGS...: HOST boots with uefi_boot MODE and comes up;
# its initrd and up reports say "firmware UEFI, Secure Boot SB" (enabled, disabled); the function
# EVIDENCE (TAG, then ARGS) shows the chain was the one named
uefi_case() {
  local tag=$1 host=$2 mac=$3 mode=$4 sb=$5 chain=$6 evidence=$7 since
  shift 7
  begin "$tag: $host, $chain"
  since=$(iso_now)
  uefi_boot "$tag" "$mac" "$mode"
  check --host "$host" --expect up --since "$since" --dhcp --initrd "firmware UEFI, Secure Boot $sb" --up "firmware UEFI, Secure Boot $sb" \
    >"$TMP/logs/check-$tag.json" || die "$tag: $(cat "$TMP/logs/check-$tag.json")"
  "$evidence" "$tag" "$@"
  RESULTS+=("$tag: $chain: up $(up_after "$TMP/logs/check-$tag.json") s after QEMU start; $(stages "$TMP/logs/check-$tag.json")")
  end
}
# sent_over_tftp TAG FILE...: the boot server's TFTP log shows each FILE of the export sent
sent_over_tftp() {
  local tag=$1 f
  shift
  for f in "$@"; do
    grep -q "sent $TMP/export/$f to " "$TMP/logs/tftpd.log" || die "$tag: $f was not loaded over TFTP ($TMP/logs/tftpd.log)"
  done
}
# serial_shows TAG TEXT: the guest's serial console shows TEXT (the firmware's own lines)
serial_shows() { grep -aqF "$2" "$TMP/logs/qemu-$1.log" || die "$1: the serial console does not show \"$2\" ($TMP/logs/qemu-$1.log)"; }
# up_after FILE: seconds from QEMU's start (BOOT_T0) to the up report, from lab-check's answer
up_after() {
  node -e 'const b=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));const u=b.stages.find((s)=>s.stage==="up");console.log(u?((new Date(u.at).getTime()-Number(process.argv[2]))/1000).toFixed(1):"?")' "$1" "$BOOT_T0"
}
check() { X node "$HERE/lab-check.mjs" --url "$URL" --token "$TOKEN" "$@"; }
# machine_id HOST: the machine id the console made for HOST (GET /api/v1/hosts/HOST)
machine_id() { X node -e "fetch('$URL/api/v1/hosts/$1',{headers:{authorization:'Bearer $TOKEN'}}).then(r=>r.json()).then(h=>console.log(h.machineId))"; }
# stages FILE: the stages of lab-check's answer in FILE with their durations (dhcp, initrd 7.4s, …)
stages() { node -e 'const b=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(b.stages.map(s=>s.stage+(s.ms!=null?" "+(s.ms/1000).toFixed(1)+"s":"")).join(", "))' "$1"; }
iso_now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }

# boot_systemd TAG MAC [BEFORE]: a boot of the Debian tree, which does not power off by itself.
# QEMU gets a QMP socket; the lab waits for the tree's afsboot-lab-check line on the serial console
# (systemd's boot has finished), runs the function BEFORE if given (what happens to the world
# before the power button), presses the ACPI power button and waits for QEMU to exit, at most
# SHUTDOWN_LIMIT s. Sets CHECK_LINE, BOOT_T0 and BUTTON_T (ms), UP_MS (QEMU start to the check
# line) and DOWN_MS (power button to QEMU's exit).
boot_systemd() {
  local tag=$1 mac=$2 before=${3:-} log=$TMP/logs/qemu-$1.log sock=$TMP/qmp-$1.sock qpid rc limit=$((BOOT_TIMEOUT * 2))
  BOOT_T0=$(now_ms)
  ip netns exec "$NS" timeout --kill-after=5 "$limit" qemu-system-x86_64 -accel tcg -m 768 -nographic -no-reboot -boot n \
    -qmp "unix:$sock,server=on,wait=off" \
    -netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device "virtio-net-pci,netdev=n0,mac=$mac" \
    </dev/null >"$log" 2>&1 &
  qpid=$!
  track "$qpid" "qemu $tag"
  until grep -aq 'afsboot-lab-check:' "$log"; do
    kill -0 "$qpid" 2>/dev/null || die "boot $tag: QEMU ended before the boot finished (hard limit ${limit} s; serial console: $log): $(tail -n 5 "$log" | tr -d '\r')"
    sleep 1
  done
  UP_MS=$(($(now_ms) - BOOT_T0))
  CHECK_LINE=$(grep -a -m 1 -o 'afsboot-lab-check:.*' "$log" | tr -d '\r')
  [ -z "$before" ] || "$before"
  BUTTON_T=$(now_ms)
  node "$HERE/qmp.mjs" "$sock" system_powerdown >/dev/null || die "boot $tag: QEMU did not take the power button"
  while kill -0 "$qpid" 2>/dev/null; do
    [ $(($(now_ms) - BUTTON_T)) -le $((SHUTDOWN_LIMIT * 1000)) ] ||
      die "boot $tag: still running ${SHUTDOWN_LIMIT} s after the power button (serial console: $log): $(tail -n 5 "$log" | tr -d '\r')"
    sleep 0.2
  done
  set +e
  wait "$qpid"
  rc=$?
  set -e
  untrack "$qpid"
  DOWN_MS=$(($(now_ms) - BUTTON_T))
  [ "$rc" -eq 0 ] || die "boot $tag: QEMU exited $rc (serial console: $log)"
  log "boot $tag: up after $((UP_MS / 1000)) s, off $((DOWN_MS / 1000)) s after the power button"
}
# lv KEY: the value of KEY=value on the guest's afsboot-lab-check line
lv() { tr ' ' '\n' <<<"${CHECK_LINE#afsboot-lab-check:}" | sed -n "s/^$1=//p" | head -n 1; }
# timeline FILE: from lab-check's answer, when the up and shutdown reports came (QEMU start and
# power button as the origins) and systemd's own figures from the up message
timeline() {
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const [f, t0, button] = process.argv.slice(1);
    const b = JSON.parse(require("fs").readFileSync(f, "utf8"));
    const at = (s) => { const x = b.stages.find((y) => y.stage === s); return x ? new Date(x.at).getTime() : NaN; };
    const up = b.stages.find((y) => y.stage === "up");
    const sd = (up && up.message.match(/systemd: (.*)/)) || [];
    console.log(`up ${((at("up") - t0) / 1000).toFixed(1)} s after QEMU start (${sd[1] || "no systemd figure"}), shutdown report ${((at("shutdown") - button) / 1000).toFixed(1)} s after the power button`);
  ' "$1" "$BOOT_T0" "$BUTTON_T"
}
# systemd_case TAG RELEASE [AFS_REGEX] [BEFORE] [--no-console-check]: boot lab003 into the Debian
# tree and assert what the guest saw, what the console recorded and what the serial console shows
systemd_case() {
  local tag=$1 rel=$2 afsre=${3:-} before=${4:-} console=${5:-} since problems='' mid
  since=$(iso_now)
  boot_systemd "$tag" "$MAC_SD" "$before"
  [ "$(lv state)" = running ] || problems="$problems; systemctl is-system-running: $(lv state), failed units: $(lv failed)"
  [ "$(lv getty)" = active ] || problems="$problems; serial-getty@ttyS0 is $(lv getty)"
  case $(lv usr) in ro/*) ;; *) problems="$problems; /usr is $(lv usr)" ;; esac
  for d in etc var root; do [ "$(lv "$d")" = rw ] || problems="$problems; /$d is $(lv "$d")"; done
  [ "$(lv hostname)" = "$HOST_SD" ] || problems="$problems; hostname $(lv hostname)"
  [ "$(lv verify)" = ok ] || problems="$problems; systemd-analyze verify of the release-side units: $(lv verify | tr '_|' ' ;')"
  mid=$(machine_id "$HOST_SD")
  [ "$(lv machine-id)" = "$mid" ] || problems="$problems; /etc/machine-id $(lv machine-id), the console's $mid"
  [ -z "$problems" ] || die "$tag: ${problems#; } (serial console: $TMP/logs/qemu-$tag.log)"
  check --host "$HOST_SD" --expect up --since "$since" --release "$rel" --up 'systemd: multi-user\.target after [0-9.]+ s' --shutdown ${afsre:+--afs "$afsre"} \
    >"$TMP/logs/check-$tag.json" || die "$tag: $(cat "$TMP/logs/check-$tag.json")"
  if [ "$console" != --no-console-check ]; then
    node "$HERE/console-check.mjs" "$TMP/logs/qemu-$tag.log" >"$TMP/logs/console-$tag.txt" ||
      die "$tag: the serial console shows lines that read as trouble: $(cat "$TMP/logs/console-$tag.txt")"
  fi
  RESULTS+=("$tag: $rel running, $(lv time | tr '_' ' '); $(timeline "$TMP/logs/check-$tag.json"); QEMU off $((DOWN_MS / 1000)).$((DOWN_MS / 100 % 10)) s after the power button")
}
stop_cell() { # before the power button of the afs-down case: every AFS server of the cell stops
  afs bos shutdown "$AFS_IP" "$AFS_AUTH" -wait >>"$TMP/logs/vos.log" 2>&1 || die "bos shutdown failed"
  log "afs-down: every server of $CELL stopped"
}

first=1
RESULTS=()
for s in $DHCP_SERVERS; do
  start_dhcp "$s"
  if [[ " $CASES " == *" boot "* ]]; then
    begin "boot $HOST_OK via $s"
    since=$(iso_now)
    boot "ok-$s" "$MAC_OK"
    # every generated config runs the DHCP hook (the network's dhcpEventHook): the dhcp stage too
    check --host "$HOST_OK" --expect up --since "$since" --dhcp >"$TMP/logs/check-ok-$s.json" || die "boot via $s: $(cat "$TMP/logs/check-ok-$s.json")"
    RESULTS+=("boot via $s: up $(up_after "$TMP/logs/check-ok-$s.json") s after QEMU start, off after $((BOOT_MS / 1000)) s; $(stages "$TMP/logs/check-ok-$s.json")")
    end
  fi
  if [ "$first" = 1 ]; then
    if [[ " $CASES " == *" failure "* ]]; then
      begin "failure: $HOST_BAD (cell $BADCELL unreachable) via $s"
      since=$(iso_now)
      boot "fail-$s" "$MAC_BAD"
      check --host "$HOST_BAD" --expect failed --stage afs --within 300 --since "$since" >"$TMP/logs/check-fail.json" || die "failure case: $(cat "$TMP/logs/check-fail.json")"
      RESULTS+=("failure: failed at afs, QEMU start to power-off $((BOOT_MS / 1000)) s")
      end
    fi
    if [[ " $CASES " == *" unknown "* ]]; then
      begin "unknown MAC $MAC_UNKNOWN via $s"
      boot "unknown-$s" "$MAC_UNKNOWN"
      check --unknown "$MAC_UNKNOWN" >"$TMP/logs/check-unknown.json" || die "unknown case: $(cat "$TMP/logs/check-unknown.json")"
      RESULTS+=("unknown: listed under Unknown hosts after $((BOOT_MS / 1000)) s")
      end
    fi
    if [[ " $CASES " == *" console-down "* ]]; then
      begin "console down: $HOST_OK boots without the console"
      stop_pid "$CONSOLE_PID"
      untrack "$CONSOLE_PID"
      boot "console-down" "$MAC_OK" || true
      grep -q "lab release: checks: ok" "$TMP/logs/qemu-console-down.log" ||
        die "console down: the release's init did not run its checks (serial console: $TMP/logs/qemu-console-down.log)"
      RESULTS+=("console down: booted to the release's init and powered off in $((BOOT_MS / 1000)) s")
      start_console
      end
    fi
    if has_case systemd; then
      begin "systemd: $HOST_SD boots the Debian tree (kAFS) to multi-user, then the power button"
      systemd_case systemd debian12@1 "^kafs up, cell ${CELL//./\\.}"
      end
    fi
    if has_case broken-tree; then
      begin "broken tree: $HOST_BROKEN's init cannot run"
      since=$(iso_now)
      boot "broken-$s" "$MAC_BROKEN"
      check --host "$HOST_BROKEN" --expect failed --stage switch --message "/sbin/init -> /usr/lib/init is not an executable file" --since "$since" \
        >"$TMP/logs/check-broken.json" || die "broken-tree case: $(cat "$TMP/logs/check-broken.json")"
      RESULTS+=("broken tree: failed at switch naming /sbin/init -> /usr/lib/init, QEMU start to power-off $((BOOT_MS / 1000)) s")
      end
    fi
    if has_case uefi-pxe; then
      uefi_case uefi-pxe "$HOST_UEFI" "$MAC_UEFI" pxe disabled "firmware PXE -> TFTP snponly.efi -> iPXE -> host script" sent_over_tftp snponly.efi
    fi
    if has_case uefi-http; then
      uefi_case uefi-http "$HOST_HTTP" "$MAC_HTTP" http disabled "UEFI HTTP boot -> snponly.efi by URL -> iPXE -> host script" serial_shows "URI: http://$SRV/snponly.efi"
    fi
    if has_case secure-boot; then
      uefi_case secure-boot "$HOST_SB" "$MAC_SB" secure enabled "firmware PXE -> shimx64.efi -> grubx64.efi (signed) -> grub config -> signed kernel" \
        sent_over_tftp shimx64.efi grubx64.efi grub/grub.cfg "grub/01-${MAC_SB//:/-}.cfg"
    fi
    if has_case secure-boot-unsigned; then
      begin "secure-boot-unsigned: $HOST_UEFI (not marked Secure Boot) on a Secure Boot machine via $s"
      since=$(iso_now)
      refused_loader() { # until the firmware has refused the unsigned loader it was given
        grep -aq "sent $TMP/export/snponly.efi" "$TMP/logs/tftpd.log" && grep -aqE 'Access Denied|Security Violation' "$2"
      }
      uefi_boot secure-boot-unsigned "$MAC_UEFI" secure refused_loader
      # the dashboard: the boot got its lease and nothing after; once the stage limit (30 s here) has
      # passed without news it is stalled at dhcp, never up
      wait_for 90 "$HOST_UEFI's boot stalled at dhcp" check --host "$HOST_UEFI" --expect stalled --stage dhcp --since "$since"
      check --host "$HOST_UEFI" --expect stalled --stage dhcp --since "$since" >"$TMP/logs/check-secure-boot-unsigned.json" ||
        die "secure-boot-unsigned: $(cat "$TMP/logs/check-secure-boot-unsigned.json")"
      RESULTS+=("secure-boot-unsigned: the firmware refused snponly.efi $((BOOT_MS / 1000)) s after QEMU start ($(grep -aoE 'Access Denied|Security Violation' "$TMP/logs/qemu-secure-boot-unsigned.log" | head -n 1)); the dashboard: stalled at dhcp")
      end
    fi
    if [ "$ROLLOUT" = 1 ]; then
      rollout_cases
    fi
    if [ "$IDENTITY" = 1 ]; then
      identity_cases
    fi
    if [[ " $CASES " == *" openafs "* ]]; then
      begin "openafs: $HOST_OK through afsd -memcache via $s"
      # what an admin does: the cell's client becomes OpenAFS, the host moves to version 2 (the
      # base initrd with openafs.ko and afsd); the console regenerates the overlay and configs
      fleet openafs deb12@2 debian12@2 >"$TMP/fleet-openafs.yaml"
      afsboot apply "$TMP/fleet-openafs.yaml" >>"$TMP/logs/cli.log" 2>&1 || die "afsboot apply (openafs) failed: $(tail -n 8 "$TMP/logs/cli.log")"
      afsboot publish >>"$TMP/logs/publish.log" 2>&1 || die "afsboot publish (openafs) failed: $(tail -n 8 "$TMP/logs/publish.log")"
      stop_dhcp
      start_dhcp "$s" # the daemon reads the regenerated config
      since=$(iso_now)
      boot "openafs-$s" "$MAC_OK"
      check --host "$HOST_OK" --expect up --since "$since" --afs "^openafs up \(memory cache 65536 KiB\), cell ${CELL//./\\.} via dynroot" --release deb12@2 >"$TMP/logs/check-openafs.json" ||
        die "openafs case: $(cat "$TMP/logs/check-openafs.json")"
      RESULTS+=("openafs: up through afsd -memcache in $((BOOT_MS / 1000)) s (QEMU start to power-off); $(stages "$TMP/logs/check-openafs.json")")
      end
      if has_case systemd-openafs; then
        begin "systemd-openafs: $HOST_SD boots the Debian tree through afsd, then the power button"
        systemd_case systemd-openafs debian12@2 "^openafs up \(memory cache 65536 KiB\), cell ${CELL//./\\.} via dynroot"
        end
      fi
      if has_case identity-openafs; then
        begin "identity-openafs: $HOST_ID with its TPM through afsd: secrets, kinit + aklog (OpenAFS), rel.secure, up"
        since=$(iso_now)
        tpm_boot "$HOST_ID" identity-openafs "$MAC_ID"
        check --host "$HOST_ID" --expect up --release secure@2 --since "$since" \
          --afs "^openafs up .*tree /afs/${CELL//./\\.}/boot/secure .*; secrets in [0-9]+ ms: .*krb5.keytab; token as host/$HOST_ID\\.${CELL//./\\.}@${REALM//./\\.} in [0-9]+ ms" \
          --up "ssh host key ED25519 SHA256:[A-Za-z0-9+/]{43} \\(mode 600\\)" >"$TMP/logs/check-identity-openafs.json" ||
          die "identity-openafs: $(cat "$TMP/logs/check-identity-openafs.json")"
        RESULTS+=("identity-openafs: $HOST_ID up on rel.secure through afsd with an OpenAFS token (aklog): $(field "$(cat "$TMP/logs/check-identity-openafs.json")" afs '(secrets in [0-9]+ ms).*') / $(field "$(cat "$TMP/logs/check-identity-openafs.json")" afs 'token as [^ ]+ in ([0-9]+ ms)')")
        end
      fi
      begin "back to kAFS"
      # back to kAFS and version 1 for the boots with the next DHCP servers (make lab-all)
      if ! { afsboot apply "$TMP/fleet.yaml" >>"$TMP/logs/cli.log" 2>&1 && afsboot publish >>"$TMP/logs/publish.log" 2>&1; }; then
        die "restoring the kAFS fleet failed: $(tail -n 8 "$TMP/logs/cli.log")"
      fi
      end
    fi
  fi
  stop_dhcp
  first=0
done

# ---------------------------------------------------------------- two boot servers
if has_case ha-both || has_case ha-primary-down || has_case ha-primary-dies; then
  begin "two boot servers: namespaces, delivery, Kea HA, HTTP, TFTP"
  # each boot server a namespace of its own with a veth into the lab's bridge
  for i in 1 2; do
    ip netns add "${NS}b$i"
    ip netns exec "${NS}b$i" ip link set lo up
    X ip link add "vboot$i" type veth peer name eth0 netns "${NS}b$i"
    X ip link set "vboot$i" master br0 up
    ip netns exec "${NS}b$i" ip addr add "$NET.$((i + 1))/24" dev eth0
    ip netns exec "${NS}b$i" ip link set eth0 up
  done
  # the network gets the two servers (delivered to $TMP/boot1 and $TMP/boot2, served from
  # current/) in hot standby, no discovery range, and two report URLs: a dead one first
  awk -v net="$NET" -v tmp="$TMP" -v url="$URL" '
    $1 == "bootServer:" {
      print "    bootServers:"
      print "      - { name: boot1, address: " net ".2, url: \"http://" net ".2/current/\", deliverTo: " tmp "/boot1 }"
      print "      - { name: boot2, address: " net ".3, url: \"http://" net ".3/current/\", deliverTo: " tmp "/boot2 }"
      print "    dhcpFailover: hot-standby"
      next
    }
    $1 == "reportUrl:" { print "    reportUrls: [\"http://" net ".1:3999\", \"" url "\"]"; next }
    $1 == "discoveryRange:" { next }
    { print }' "$TMP/fleet.yaml" >"$TMP/fleet-ha.yaml"
  afsboot apply "$TMP/fleet-ha.yaml" >>"$TMP/logs/cli.log" 2>&1 || die "afsboot apply (two boot servers) failed: $(tail -n 8 "$TMP/logs/cli.log")"
  afsboot publish >"$TMP/logs/publish-ha.log" 2>&1 || die "afsboot publish (two boot servers) failed: $(tail -n 12 "$TMP/logs/publish-ha.log")"
  for i in 1 2; do
    grep -q "^boot server boot$i: delivered to $TMP/boot$i" "$TMP/logs/publish-ha.log" || die "boot$i was not delivered: $(tail -n 12 "$TMP/logs/publish-ha.log")"
    [ -f "$TMP/boot$i/current/dhcp/boot$i/kea-dhcp4.json" ] || die "boot$i's copy has no Kea config"
  done
  start_boot_server() { # start_boot_server N: Kea (its own lease tmpfs), HTTP (-vv: requests logged), TFTP (dnsmasq)
    local i=$1 b=${NS}b$1 ip=$NET.$(($1 + 1))
    mkdir -p "$TMP/dhcp-run/b$i"
    # shellcheck disable=SC2016 # $1 is expanded by the inner sh
    ip netns exec "$b" unshare -m env KEA_PIDFILE_DIR="$TMP/dhcp-run/b$i" KEA_LOCKFILE_DIR="$TMP/dhcp-run/b$i" \
      sh -c 'mount --make-rprivate / && mount -t tmpfs -o size=16m kea /var/lib && mkdir /var/lib/kea && exec kea-dhcp4 -c "$1"' kea "$TMP/boot$i/current/dhcp/boot$i/kea-dhcp4.json" \
      >>"$TMP/logs/kea-boot$i.log" 2>&1 &
    KEA_PID[i]=$!
    track "${KEA_PID[i]}" "boot$i kea"
    ip netns exec "$b" busybox httpd -f -vv -p "$ip:80" -h "$TMP/boot$i" >>"$TMP/logs/httpd-boot$i.log" 2>&1 &
    HTTPD_PID[i]=$!
    track "${HTTPD_PID[i]}" "boot$i httpd"
    # TFTP: dnsmasq's, DHCP off, rooted at current/ (opened per request: a new delivery is seen at once)
    ip netns exec "$b" dnsmasq -k --port=0 --enable-tftp --tftp-root="$TMP/boot$i/current" --listen-address="$ip" --bind-interfaces \
      --user=root --pid-file="$TMP/dhcp-run/b$i/tftp.pid" --log-facility=- >>"$TMP/logs/tftpd-boot$i.log" 2>&1 &
    TFTPD_PID[i]=$!
    track "${TFTPD_PID[i]}" "boot$i tftpd"
  }
  stop_boot_server() { # stop_boot_server N: the machine goes down at once: every process of its
    # namespace killed (SIGKILL; the HTTP server's children too, with the transfers they serve)
    local i=$1 p
    for p in $(ip netns pids "${NS}b$i" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    for p in "${KEA_PID[i]}" "${HTTPD_PID[i]}" "${TFTPD_PID[i]}"; do untrack "$p"; done
    for _ in $(seq 50); do [ -z "$(ip netns pids "${NS}b$i" 2>/dev/null)" ] && return 0; sleep 0.1; done
    die "boot$i's processes did not end"
  }
  # ha_state N STATE: boot N's Kea has reached STATE (its log's last HA state transition)
  ha_state() { grep -a 'HA_STATE_TRANSITION' "$TMP/logs/kea-boot$1.log" | tail -n 1 | grep -qi "to $2 state"; }
  declare -a KEA_PID HTTPD_PID TFTPD_PID
  start_boot_server 1
  start_boot_server 2
  wait_for 60 "boot1's Kea in hot-standby" ha_state 1 HOT-STANDBY
  wait_for 60 "boot2's Kea in hot-standby" ha_state 2 HOT-STANDBY
  # TFTP serves the copy too (iPXE ROMs fetch over HTTP here; firmware PXE would use it)
  X sh -c "cd '$TMP' && busybox tftp -g -r boot.ipxe -l tftp-boot1.ipxe $NET.2" || die "boot1's TFTP server does not serve boot.ipxe"
  cmp -s "$TMP/tftp-boot1.ipxe" "$TMP/export/boot.ipxe" || die "boot1's TFTP boot.ipxe differs from the export's"
  end

  server_ip() { echo "$NET.$((${1#boot} + 1))"; } # boot1 -> 10.77.0.2
  # ha_case TAG SERVER: lab001 boots (the kAFS busybox tree) and the boot's events name SERVER as
  # the one it loaded its boot files from and whose DHCP server gave /init its lease (and the DHCP
  # hook, run by that server's Kea, reported the dhcp stage)
  ha_case() {
    local tag=$1 server=$2 since
    since=$(iso_now)
    boot "$tag" "$MAC_OK"
    check --host "$HOST_OK" --expect up --since "$since" --initrd "boot files from $server" --network "server $(server_ip "$server") " --dhcp >"$TMP/logs/check-$tag.json" ||
      die "$tag: $(cat "$TMP/logs/check-$tag.json")"
  }
  if has_case ha-both; then
    begin "ha-both: $HOST_OK boots with both boot servers up"
    ha_case ha-both boot1
    RESULTS+=("ha-both: up from boot1 in $((BOOT_MS / 1000)) s (QEMU start to power-off); $(stages "$TMP/logs/check-ha-both.json")")
    end
  fi
  if has_case ha-primary-down; then
    begin "ha-primary-down: boot1 stopped before QEMU starts"
    stop_boot_server 1
    t0=$(now_ms)
    wait_for 120 "boot2's Kea in partner-down" ha_state 2 PARTNER-DOWN
    RESULTS+=("ha-primary-down: boot2's Kea took over $((($(now_ms) - t0) / 1000)) s after boot1 stopped")
    ha_case ha-primary-down boot2
    RESULTS+=("ha-primary-down: up from boot2 in $((BOOT_MS / 1000)) s (QEMU start to power-off); $(stages "$TMP/logs/check-ha-primary-down.json")")
    start_boot_server 1
    wait_for 120 "boot1's Kea back in hot-standby" ha_state 1 HOT-STANDBY
    wait_for 60 "boot2's Kea back in hot-standby" ha_state 2 HOT-STANDBY
    end
  fi
  if has_case ha-primary-dies; then
    begin "ha-primary-dies: boot1 stopped once it sent the kernel"
    since=$(iso_now)
    # boot1's HTTP server becomes one that goes down the moment it has sent a kernel
    # (file-server.mjs: no request after that one is answered); then the rest of boot1 goes too
    stop_pid "${HTTPD_PID[1]}"
    untrack "${HTTPD_PID[1]}"
    ip netns exec "${NS}b1" node "$HERE/file-server.mjs" --root "$TMP/boot1" --listen "$NET.2:80" --die-after '/vmlinuz' >"$TMP/logs/file-server-boot1.log" 2>&1 &
    HTTPD_PID[1]=$!
    track "${HTTPD_PID[1]}" "boot1 file server"
    wait_for 30 "boot1's file server" X node -e "fetch('http://$NET.2/current/boot.ipxe').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
    boot1_dies() { # during the boot: once boot1's file server has sent the kernel, boot1 goes down
      local qpid=$1 t0
      t0=$(now_ms)
      while kill -0 "${HTTPD_PID[1]}" 2>/dev/null; do
        kill -0 "$qpid" 2>/dev/null || die "ha-primary-dies: QEMU ended before boot1 sent the kernel (serial console: $TMP/logs/qemu-ha-primary-dies.log)"
        sleep 0.1
      done
      grep -q "going down" "$TMP/logs/file-server-boot1.log" || die "ha-primary-dies: boot1's file server ended without sending the kernel: $(tail -n 5 "$TMP/logs/file-server-boot1.log")"
      stop_boot_server 1
      log "ha-primary-dies: boot1 went down $((($(now_ms) - t0) / 1000)) s after QEMU started, right after it sent the kernel"
    }
    boot ha-primary-dies "$MAC_OK" boot1_dies
    check --host "$HOST_OK" --expect up --since "$since" --initrd "boot files from boot2" --network "server $(server_ip boot2) " >"$TMP/logs/check-ha-primary-dies.json" ||
      die "ha-primary-dies: $(cat "$TMP/logs/check-ha-primary-dies.json")"
    RESULTS+=("ha-primary-dies: up from boot2 in $((BOOT_MS / 1000)) s (QEMU start to power-off) after boot1 died with the kernel sent; $(stages "$TMP/logs/check-ha-primary-dies.json")")
    end
  fi
  begin "back to one boot server"
  stop_boot_server 1
  stop_boot_server 2
  if ! { afsboot apply "$TMP/fleet.yaml" >>"$TMP/logs/cli.log" 2>&1 && afsboot publish >>"$TMP/logs/publish.log" 2>&1; }; then
    die "restoring the one-server fleet failed: $(tail -n 8 "$TMP/logs/cli.log")"
  fi
  end
fi

if has_case afs-down; then
  # last: the cell's servers stay down. The shutdown must not hang on AFS, and the shutdown
  # report (to the console, which is not in AFS) is still sent.
  begin "afs-down: $HOST_SD's cell stops before the power button"
  start_dhcp "${DHCP_SERVERS%% *}"
  systemd_case afs-down debian12@1 "" stop_cell --no-console-check
  stop_dhcp
  end
fi

if [ -n "${AFSBOOT_LAB_SCREENSHOT:-}" ] || [[ " $CASES " == *" boot "* ]]; then
  begin "Playwright: the host page shows the boot"
  sd_env=()
  if [ "$SYSTEMD" = 1 ]; then # the Debian host's page too: its boot ends with shutdown, its machine id
    sd_env=(LAB_SD_HOST="$HOST_SD" LAB_SD_MACHINE_ID="$(machine_id "$HOST_SD")")
  fi
  X env LAB_URL="$URL" LAB_USER=labadmin LAB_PASSWORD="$LAB_PASSWORD" LAB_HOST="$HOST_OK" LAB_SCREENSHOT="${AFSBOOT_LAB_SCREENSHOT:-$TMP/logs/host-page.png}" "${sd_env[@]}" \
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 bash -c "cd '$REPO' && npx playwright test -c e2e/lab/playwright.lab.config.ts" >"$TMP/logs/playwright.log" 2>&1 ||
    die "Playwright lab check failed: $(tail -n 20 "$TMP/logs/playwright.log")"
  end
fi

{
  echo "AFSBoot lab: kernel $KVER, DHCP: $DHCP_SERVERS, cases: $CASES"
  printf '  %s\n' "${RESULTS[@]}"
  echo "phases:"
  printf '  %s\n' "${TIMINGS[@]}"
  echo "total: $((($(now_ms) - LAB_T0) / 1000)) s"
} | tee "$TMP/logs/summary.txt"
echo "lab passed"
