#!/usr/bin/env bash
# Boot lab, quick manual check: does a generated overlay initrd, beside a stock Debian kernel and
# a modules-only base initrd, boot in QEMU (TCG) far enough that its /init reports the `initrd`
# and `network` stages with the host's MAC, token and the overlay's sha256?
#
#   scripts/lab/overlay-boot-check.sh        (as root: QEMU, apt cache; from anywhere)
#
# Steps, each timed: kernel.sh and base-initrd.sh (cached); a throwaway SQLite database with one
# network, cell, release version and host (fleet file applied with the project's own CLI); the
# overlay (`afsboot export initrd`) and the host's pxelinux config (`afsboot export pxelinux`),
# whose APPEND line is the kernel command line; report-sink.mjs on 127.0.0.1; QEMU direct kernel
# boot on user networking with restrict=on, where the only way out is the guestfwd from
# 10.0.2.100:80 (the network's report URL) to the sink. There is no AFS server: the boot is
# expected to stop with `failed` at the `afs` stage; the host's kernelArgs ask /init to halt then
# (afsboot.onfail=halt), so QEMU ends by itself, else at the hard timeout.
#
# Environment:
#   AFSBOOT_LAB_CACHE    cache of kernel.sh / base-initrd.sh (default /var/cache/afsboot-lab)
#   AFSBOOT_LAB_KVER     kernel ABI (default kernel.sh's)
#   AFSBOOT_LAB_NIC      virtio-net-pci (default), e1000 or e1000e
#   AFSBOOT_LAB_TIMEOUT  hard limit of the boot in seconds (default 120)
#   AFSBOOT_LAB_UNTIL    end (default): wait for QEMU to power off; network: stop it at the
#                        `network` report (fastest, for a smoke test)
#   AFSBOOT_LAB_LOGS     where the run's logs are kept (default $AFSBOOT_LAB_CACHE/runs; the 10
#                        newest runs are kept); temp files live in /tmp/afsboot-lab-* and go
#   AFSBOOT_LAB_KEEP=1   keep the temp dir (overlay, initrds.img, cmdline, database) to debug by
#                        hand; its path is printed, remove it yourself
#
# Exit 0 when the initrd and network reports arrived and match; 1 otherwise.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${AFSBOOT_LAB_CACHE:-/var/cache/afsboot-lab}
export AFSBOOT_LAB_CACHE=$CACHE
NIC=${AFSBOOT_LAB_NIC:-virtio-net-pci}
BOOT_TIMEOUT=${AFSBOOT_LAB_TIMEOUT:-120}
UNTIL=${AFSBOOT_LAB_UNTIL:-end}
LOGS=${AFSBOOT_LAB_LOGS:-$CACHE/runs}

# the one host of the throwaway fleet; QEMU's slirp network is 10.0.2.0/24 and leases 10.0.2.15
HOST=lab001
MAC=52:54:00:12:34:56
CELL=lab.test
RELEASE=deb-12
VERSION=1

log() { echo "overlay-boot-check: $*" >&2; }
die() { log "error: $*"; exit 1; }

case $NIC in
  virtio-net-pci) NIC_MODULES="[virtio_pci, virtio_net]" ;;
  e1000) NIC_MODULES="[e1000]" ;;
  e1000e) NIC_MODULES="[e1000e]" ;;
  *) die "AFSBOOT_LAB_NIC=$NIC: use virtio-net-pci, e1000 or e1000e" ;;
esac
[[ $BOOT_TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "AFSBOOT_LAB_TIMEOUT=$BOOT_TIMEOUT is not a number of seconds"
case $UNTIL in end | network) ;; *) die "AFSBOOT_LAB_UNTIL=$UNTIL: use end or network" ;; esac
for c in node qemu-system-x86_64 busybox sha256sum timeout; do
  command -v "$c" >/dev/null || die "$c is missing (apt-get install -y qemu-system-x86 busybox-static; node >= 20)"
done
[ -f "$REPO/node_modules/tsx/package.json" ] || die "no node_modules in $REPO: run npm ci first"

now_ms() { date +%s%3N; }
TIMINGS=()
timing() { TIMINGS+=("$(printf '%-34s %7d ms' "$1" "$2")"); }

TMP=$(mktemp -d /tmp/afsboot-lab-check.XXXXXX)
RUN=$LOGS/$(date -u +%Y%m%dT%H%M%SZ)-$$
SINK_PID=
QEMU_PID=
APPEND=
# shellcheck disable=SC2317 # runs through the trap below
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; then
    kill "$QEMU_PID" 2>/dev/null || true # the timeout wrapper passes it on to QEMU
    wait "$QEMU_PID" 2>/dev/null || true
  fi
  if [ -n "$SINK_PID" ] && kill -0 "$SINK_PID" 2>/dev/null; then
    kill "$SINK_PID" 2>/dev/null || true
    wait "$SINK_PID" 2>/dev/null || true
  fi
  # keep what tells the story of the run; everything else was scratch
  if mkdir -p "$RUN" 2>/dev/null; then
    for f in console.log reports.jsonl qemu.log sink.log cli.log fleet.yaml pxelinux.cfg summary.txt; do
      [ ! -f "$TMP/$f" ] || cp "$TMP/$f" "$RUN/"
    done
    # prune: the 10 newest runs stay
    find "$LOGS" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -r | tail -n +11 |
      while read -r old; do rm -rf "${LOGS:?}/$old"; done
  fi
  if [ "${AFSBOOT_LAB_KEEP:-}" = 1 ]; then
    printf '%s\n' "$APPEND" >"$TMP/cmdline" 2>/dev/null || true
    log "kept $TMP (AFSBOOT_LAB_KEEP=1): remove it when done"
  else
    rm -rf "$TMP"
  fi
  [ "$rc" -eq 0 ] || log "FAILED (exit $rc); logs in $RUN"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. kernel and base initrd (cached) ----
t=$(now_ms)
kernel_env=$("$HERE/kernel.sh")
timing "kernel.sh" $(($(now_ms) - t))
t=$(now_ms)
base_env=$("$HERE/base-initrd.sh")
timing "base-initrd.sh" $(($(now_ms) - t))
getenv() { sed -n "s/^$1=//p" <<<"$2"; }
KVER=$(getenv AFSBOOT_LAB_KVER "$kernel_env")
KERNEL=$(getenv AFSBOOT_LAB_KERNEL "$kernel_env")
BASE=$(getenv AFSBOOT_LAB_BASE_INITRD "$base_env")
if [ ! -s "$KERNEL" ] || [ ! -s "$BASE" ]; then die "kernel.sh / base-initrd.sh gave no files"; fi

# ---- 2. a throwaway database with one host, through the project's own CLI ----
t=$(now_ms)
mkdir "$TMP/images" "$TMP/data"
# the release's images directory: the names the version lists, the cached files behind them
KERNEL_NAME=vmlinuz-$KVER
BASE_NAME=initrd-$KVER-modules.img
ln -s "$KERNEL" "$TMP/images/$KERNEL_NAME"
ln -s "$BASE" "$TMP/images/$BASE_NAME"
cat >"$TMP/fleet.yaml" <<EOF
# throwaway fleet of scripts/lab/overlay-boot-check.sh: QEMU user networking (slirp) is
# 10.0.2.0/24, gateway 10.0.2.2, DNS 10.0.2.3; 10.0.2.100:80 is forwarded to the report sink
networks:
  - name: lab
    subnet: 10.0.2.0/24
    gateway: 10.0.2.2
    dns: [10.0.2.3]
    domain: lab.test
    bootServer: 10.0.2.2
    reportUrl: http://10.0.2.100
cells:
  - name: $CELL
    client: kafs
    # nothing answers there (restrict=on drops it): the afs stage is expected to fail
    servers: [{ name: afsdb1.$CELL, ip: 10.0.2.50 }]
    bootRoot: /afs/$CELL/boot
    cache: { memcache: true, blocks: 65536 }
releases:
  - name: $RELEASE
    tree: /afs/$CELL/boot/debian/12
    imagesDir: $TMP/images
    versions:
      - version: "$VERSION"
        kernel: $KERNEL_NAME
        baseInitrd: $BASE_NAME
        modules: $NIC_MODULES
        readonly: [usr]
        writable: [etc, var]
        tmpfsSize: 256M
hosts:
  - name: $HOST
    mac: "$MAC"
    ip: 10.0.2.15
    cell: $CELL
    release: $RELEASE@$VERSION
    kernelArgs: afsboot.onfail=halt
EOF
# the images are symlinks into the lab cache: publishing reads them by their real paths
IMAGES_ROOTS="$TMP/images:$(dirname "$KERNEL"):$(dirname "$BASE")"
export DATABASE_URL=file:$TMP/afsboot.db AFSBOOT_DATA_DIR=$TMP/data AFSBOOT_IMAGES_ROOTS=$IMAGES_ROOTS
unset AFSBOOT_SECRET AFSBOOT_SECRET_FILE # the throwaway secret is created in $TMP/data
afsboot() { (cd "$REPO" && node bin/afsboot.mjs "$@"); }
(cd "$REPO" && node scripts/migrate.mjs deploy) >>"$TMP/cli.log" 2>&1 || die "migrate deploy failed: $(tail -n 5 "$TMP/cli.log")"
afsboot apply "$TMP/fleet.yaml" >>"$TMP/cli.log" 2>&1 || die "afsboot apply failed: $(tail -n 5 "$TMP/cli.log")"
timing "database + fleet apply" $(($(now_ms) - t))

# ---- 3. the overlay and the host's kernel command line ----
t=$(now_ms)
afsboot export initrd "$RELEASE@$VERSION" "$CELL" >"$TMP/overlay.img" 2>>"$TMP/cli.log" || die "export initrd failed: $(tail -n 3 "$TMP/cli.log")"
afsboot export pxelinux "$HOST" >"$TMP/pxelinux.cfg" 2>>"$TMP/cli.log" || die "export pxelinux failed: $(tail -n 3 "$TMP/cli.log")"
TOKEN=$(afsboot host token "$HOST" 2>>"$TMP/cli.log") || die "host token failed"
timing "export initrd + pxelinux + token" $(($(now_ms) - t))
OVERLAY_SHA=$(sha256sum "$TMP/overlay.img" | cut -d' ' -f1)
CMDLINE=$(sed -n 's/^ *APPEND //p' "$TMP/pxelinux.cfg")
[ -n "$CMDLINE" ] || die "no APPEND line in the pxelinux config"
# the config names the images content-addressed: they must be the files we boot
grep -q "^ *LINUX images/$(sha256sum "$KERNEL" | cut -d' ' -f1)/$KERNEL_NAME\$" "$TMP/pxelinux.cfg" ||
  die "the pxelinux LINUX line does not name our kernel: $(grep LINUX "$TMP/pxelinux.cfg")"
grep -q "^ *INITRD images/$(sha256sum "$BASE" | cut -d' ' -f1)/$BASE_NAME,overlays/.*-${OVERLAY_SHA:0:16}\.cpio\.gz\$" "$TMP/pxelinux.cfg" ||
  die "the pxelinux INITRD line does not name our base and overlay: $(grep INITRD "$TMP/pxelinux.cfg")"
case " $CMDLINE " in
  *" afsboot.overlay=$OVERLAY_SHA "*) ;;
  *) die "the command line's afsboot.overlay is not the sha256 of the exported overlay ($OVERLAY_SHA)" ;;
esac

# QEMU 7.2 loads one -initrd file for a Linux kernel (a comma list is multiboot-only). pxelinux
# (INITRD a,b) and iPXE (two initrd lines) hand the kernel the files back to back in memory, and
# the kernel unpacks the concatenated archives in order: do the same, the base padded to 4 bytes.
cp "$BASE" "$TMP/initrds.img"
pad=$(((4 - $(stat -c %s "$BASE") % 4) % 4))
[ "$pad" -eq 0 ] || head -c "$pad" /dev/zero >>"$TMP/initrds.img"
cat "$TMP/overlay.img" >>"$TMP/initrds.img"

# ---- 4. report sink and QEMU ----
: >"$TMP/reports.jsonl"
node "$HERE/report-sink.mjs" --out "$TMP/reports.jsonl" --ready-file "$TMP/sink.port" \
  --max-seconds $((BOOT_TIMEOUT + 30)) 2>"$TMP/sink.log" &
SINK_PID=$!
for _ in $(seq 50); do [ -s "$TMP/sink.port" ] && break; sleep 0.1; done
[ -s "$TMP/sink.port" ] || die "the report sink did not start: $(cat "$TMP/sink.log")"
PORT=$(cat "$TMP/sink.port")

# restrict=on: the guest reaches nothing outside slirp (no DNS to the host's resolver, no
# internet); the guestfwd runs one `busybox nc` per guest connection to 10.0.2.100:80
APPEND="$CMDLINE console=ttyS0"
t_qemu=$(now_ms)
timeout -k 5 "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg -m 512 -smp 1 \
  -nodefaults -display none -monitor none -serial "file:$TMP/console.log" -no-reboot \
  -kernel "$KERNEL" -initrd "$TMP/initrds.img" -append "$APPEND" \
  -netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:busybox nc 127.0.0.1 $PORT" \
  -device "$NIC,netdev=n0,mac=$MAC" \
  </dev/null >"$TMP/qemu.log" 2>&1 &
QEMU_PID=$!
log "QEMU ($NIC, TCG) booting $KERNEL_NAME + base + overlay ${OVERLAY_SHA:0:16}; hard limit ${BOOT_TIMEOUT} s"

# wait for QEMU to end (poweroff, or the timeout wrapper), or for the network report
qemu_rc=
while :; do
  if ! kill -0 "$QEMU_PID" 2>/dev/null; then
    qemu_rc=0
    wait "$QEMU_PID" || qemu_rc=$?
    QEMU_PID=
    break
  fi
  if [ "$UNTIL" = network ] && grep -q '"stage":"network"' "$TMP/reports.jsonl"; then
    sleep 1 # let a report in flight land
    kill "$QEMU_PID" 2>/dev/null || true
    wait "$QEMU_PID" 2>/dev/null || true
    QEMU_PID=
    qemu_rc=stopped
    break
  fi
  sleep 0.2
done
t_end=$(now_ms)
sleep 0.5 # the sink answers before QEMU's last packets are flushed: nothing should still be in flight
kill "$SINK_PID" 2>/dev/null || true
wait "$SINK_PID" 2>/dev/null || true
SINK_PID=
case $qemu_rc in
  0) qemu_how="powered off by the guest" ;;
  124 | 137) qemu_how="killed at the ${BOOT_TIMEOUT} s limit" ;;
  stopped) qemu_how="stopped after the network report (AFSBOOT_LAB_UNTIL=network)" ;;
  *) qemu_how="exited with $qemu_rc: $(tail -n 3 "$TMP/qemu.log")" ;;
esac
timing "QEMU start -> end ($qemu_rc)" $((t_end - t_qemu))

# ---- 5. what arrived, checked against what the host was given ----
set +e
EXPECT_MAC=$MAC EXPECT_TOKEN=$TOKEN EXPECT_SHA=$OVERLAY_SHA EXPECT_RELEASE="$RELEASE@$VERSION" T_QEMU=$t_qemu \
  node - "$TMP/reports.jsonl" >"$TMP/check.out" <<'EOF'
const fs = require("node:fs");
const e = process.env;
const reports = fs.readFileSync(process.argv[2], "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const out = [];
const problems = [];
out.push(`reports received: ${reports.length}`);
for (const r of reports) {
  const f = r.fields;
  out.push(`  +${String(r.t - +e.T_QEMU).padStart(6)} ms  ${(f.stage ?? "?").padEnd(8)}${f.failedStage ? ` failedStage=${f.failedStage}` : ""}  mac=${f.mac} ip=${f.ip} bootId=${f.bootId}`);
  out.push(`             message: ${f.message}`);
  out.push(`             releaseVersion=${f.releaseVersion} initrdSha256=${f.initrdSha256} token=${f.token ? (f.token === e.EXPECT_TOKEN ? "(the host's)" : "(WRONG)") : "(none)"} at=${f.at}`);
}
const firstOf = (stage) => reports.find((r) => r.fields.stage === stage);
const timings = [];
for (const stage of ["initrd", "network"]) {
  const r = firstOf(stage);
  if (!r) { problems.push(`no ${stage} report`); continue; }
  timings.push(`TIMING QEMU start -> ${stage} report|${r.t - +e.T_QEMU}`);
  const f = r.fields;
  const want = { mac: e.EXPECT_MAC, token: e.EXPECT_TOKEN, initrdSha256: e.EXPECT_SHA, releaseVersion: e.EXPECT_RELEASE };
  for (const [k, v] of Object.entries(want)) if (f[k] !== v) problems.push(`${stage} report: ${k} is ${JSON.stringify(k === "token" && f[k] ? "(another token)" : f[k])}, expected ${k === "token" ? "the host's token" : v}`);
  if (!/^[0-9a-f-]{36}$/.test(f.bootId ?? "")) problems.push(`${stage} report: bootId ${JSON.stringify(f.bootId)} is not a UUID`);
}
const ids = new Set(reports.map((r) => r.fields.bootId));
if (ids.size > 1) problems.push(`reports carry ${ids.size} bootIds (more than one boot?)`);
const failed = firstOf("failed");
if (failed) timings.push(`TIMING QEMU start -> failed report|${failed.t - +e.T_QEMU}`);
out.push(failed
  ? `end of the road (expected, no AFS server): failed at ${failed.fields.failedStage}: ${failed.fields.message}`
  : "no failed report (expected one at the afs stage when the boot runs to its end)");
if (failed && failed.fields.failedStage !== "afs") out.push(`NOTE: failed at ${failed.fields.failedStage}, not afs`);
for (const p of problems) out.push(`PROBLEM: ${p}`);
out.push(problems.length ? "RESULT: FAIL" : "RESULT: PASS (initrd and network reports with the host's MAC, token and overlay sha256)");
console.log([...timings, ...out].join("\n"));
process.exit(problems.length ? 1 : 0);
EOF
check_rc=$?
set -e
while IFS='|' read -r name ms; do timing "$name" "$ms"; done < <(sed -n 's/^TIMING //p' "$TMP/check.out")

{
  echo "== overlay boot check: $HOST ($MAC) $RELEASE@$VERSION, cell $CELL, kernel $KVER, NIC $NIC"
  echo "kernel command line: $APPEND"
  echo "overlay sha256: $OVERLAY_SHA ($(stat -c %s "$TMP/overlay.img") bytes); base: $(stat -c %s "$BASE") bytes"
  echo "QEMU: $qemu_how"
  grep -v '^TIMING ' "$TMP/check.out"
  echo "-- last /init lines on the serial console:"
  grep -a 'afsboot \[' "$TMP/console.log" | tail -n 8 | sed 's/^/   /'
  echo "-- timings"
  printf '   %s\n' "${TIMINGS[@]}"
  echo "serial console log: $RUN/console.log (reports: $RUN/reports.jsonl)"
} | tee "$TMP/summary.txt"
exit "$check_rc"
