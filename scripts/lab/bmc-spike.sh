#!/usr/bin/env bash
# The BMC spike (issue #17's key risk): ipmitool → ipmi_sim (OpenIPMI, a real IPMI 2.0 LAN BMC) →
# QEMU (ipmi-bmc-extern + isa-ipmi-kcs) really powers a guest on, off, cycles and resets it.
# Two hosts, each behind its own BMC, in a network namespace of our own with nothing but lo (no
# link to the host), QEMU with no NIC. The guest is SeaBIOS with no disk: it writes its POST to the
# debug console (isa-debugcon, port 0x402) at every start and reset and ends with "No bootable
# device.", so counting those lines counts boots. Host a gets on, reset, off, on, cycle; host b is
# powered on once and then left alone, and its BMC's action log must show nothing more (the
# rollout-halt case's "the other host was never power-cycled"). Prints the evidence; exit 0 when
# all held, 1 when one did not, 77 when it cannot run here. Cleans up on any exit (trap): QEMUs
# and simulators by PID, the namespace, the temp dir (AFSBOOT_BMC_SPIKE_KEEP=1 keeps the dir).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lab/bmc.sh
. "$HERE/bmc.sh"

NS=afsb-ipmi-spike
WAIT=${AFSBOOT_BMC_SPIKE_WAIT:-120} # seconds for each step (TCG on a busy machine)

log() { echo "bmc-spike: $*" >&2; }
die() {
  log "FAILED: $*"
  exit 1
}
skip() {
  echo "bmc-spike skipped: $*"
  exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root (a network namespace)"
for c in ip ipmi_sim ipmitool qemu-system-x86_64; do
  command -v "$c" >/dev/null || skip "$c is missing (apt-get install -y iproute2 openipmi ipmitool qemu-system-x86)"
done
! ip netns list | grep -qw "$NS" || die "namespace $NS exists: another spike is running, or delete it (ip netns del $NS)"

TMP=$(mktemp -d /tmp/afsboot-bmc-spike.XXXXXX)
A=$TMP/a B=$TMP/b

# shellcheck disable=SC2317 # runs through the trap
cleanup() {
  local rc=$? pid d
  trap - EXIT
  trap '' INT TERM
  for d in "$A" "$B"; do [ -d "$d" ] && bmc_stop "$d"; done
  if ip netns list 2>/dev/null | grep -qw "$NS"; then
    # anything left in the namespace is ours (we created it): by PID
    for pid in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$NS" || log "could not delete namespace $NS"
  fi
  if [ "$rc" -ne 0 ]; then
    for d in "$A" "$B"; do
      [ -d "$d" ] || continue
      log "--- $(basename "$d"): actions"
      bmc_actions "$d" >&2 || true
      log "--- $(basename "$d"): ipmi_sim log (last lines)"
      tail -n 15 "$d/sim.log" >&2 2>/dev/null || true
    done
  fi
  if [ "${AFSBOOT_BMC_SPIKE_KEEP:-}" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS"
ip -n "$NS" link set lo up

# boots DIR: completed SeaBIOS POSTs so far (the debug console file survives QEMU restarts: append)
boots() {
  local n
  n=$(grep -ac '^No bootable device\.' "$1/debugcon.log" 2>/dev/null) || true
  echo "${n:-0}"
}
# wait_for WHAT CMD…: poll CMD every 0.5 s for up to $WAIT s
wait_for() {
  local what=$1 i
  shift
  for ((i = 0; i < WAIT * 2; i++)); do
    "$@" && return 0
    sleep 0.5
  done
  die "$what: not within $WAIT s"
}
boots_are() { [ "$(boots "$1")" -eq "$2" ]; }
qemu_runs() { [ -n "$(bmc_qemu_pid "$1")" ]; }
qemu_runs_new() { local p; p=$(bmc_qemu_pid "$1") && [ -n "$p" ] && [ "$p" != "$2" ]; }
pid_gone() { ! kill -0 "$1" 2>/dev/null; }
power() { # power DIR ACTION: ipmitool's answer, checked
  local out
  out=$(bmc_ipmitool "$NS" "$1" chassis power "$2" 2>&1) || die "$(basename "$1"): chassis power $2: $out"
  grep -v '^Unable to Get Channel Cipher Suites$' <<<"$out"
}
state_is() { [ "$(power "$1" status)" = "Chassis Power is $2" ]; }
act() { # act DIR ACTION: power, and log ipmitool's answer (a failure stops the spike)
  local out
  out=$(power "$1" "$2") || exit 1
  log "$(basename "$1"): $out"
}

for d in "$A" "$B"; do
  port=$([ "$d" = "$A" ] && echo 0 || echo 1)
  bmc_write "$d" "623$port" "900$port" admin "spike-$RANDOM-pass"
  bmc_machine "$d" qemu-system-x86_64 -machine pc -m 64 -nodefaults -nographic -nic none \
    -serial "file:$d/serial.log" -chardev "file,id=dbg,path=$d/debugcon.log,append=on" -device isa-debugcon,iobase=0x402,chardev=dbg
  bmc_start "$NS" "$d"
done
log "ipmi_sim $(dpkg-query -W -f '${Version}' openipmi 2>/dev/null) and $(ipmitool -V) against $(qemu-system-x86_64 --version | head -n 1)"

# ---- host b: on once, then never touched
state_is "$B" off || die "b: not off at start"
act "$B" on
wait_for "b: first boot" boots_are "$B" 1
B_PID=$(bmc_qemu_pid "$B")
B_ACTIONS=$(bmc_actions "$B" | wc -l)

# ---- host a: off → on → reset → off → on → cycle
state_is "$A" off || die "a: not off at start"
[ "$(boots "$A")" -eq 0 ] || die "a: booted before power on"
act "$A" on
wait_for "a: boot 1 after power on" boots_are "$A" 1
state_is "$A" on || die "a: status is not on after power on"
PID1=$(bmc_qemu_pid "$A")
log "a: QEMU $PID1 booted (boots: 1)"

act "$A" reset
wait_for "a: boot 2 after reset" boots_are "$A" 2
[ "$(bmc_qemu_pid "$A")" = "$PID1" ] || die "a: reset started another QEMU"
log "a: QEMU $PID1 rebooted in place (boots: 2)"

act "$A" off
wait_for "a: QEMU $PID1 ended after power off" pid_gone "$PID1"
wait_for "a: status off after power off" state_is "$A" off
log "a: QEMU $PID1 ended, status off (boots: $(boots "$A"))"

act "$A" on
wait_for "a: boot 3 after power on" boots_are "$A" 3
PID2=$(bmc_qemu_pid "$A")
[ "$PID2" != "$PID1" ] || die "a: power on did not start a new QEMU"
log "a: new QEMU $PID2 booted (boots: 3)"

act "$A" cycle
wait_for "a: QEMU $PID2 ended by the cycle" pid_gone "$PID2"
wait_for "a: a new QEMU after the cycle" qemu_runs_new "$A" "$PID2"
wait_for "a: boot 4 after cycle" boots_are "$A" 4
state_is "$A" on || die "a: status is not on after cycle"
log "a: QEMU $PID2 ended, new QEMU $(bmc_qemu_pid "$A") booted (boots: 4)"

GOT=$(bmc_actions "$A" | awk '{print $2}' | paste -sd' ')
[ "$GOT" = "on reset off on off on" ] || die "a: the BMC's action log says \"$GOT\", not \"on reset off on off on\""
log "a: BMC action log: $GOT"

# ---- host b: still its first QEMU, still one boot, no action since
[ "$(bmc_qemu_pid "$B")" = "$B_PID" ] || die "b: its QEMU $B_PID is gone or replaced"
boots_are "$B" 1 || die "b: booted $(boots "$B") times"
[ "$(bmc_actions "$B" | wc -l)" -eq "$B_ACTIONS" ] || die "b: its BMC log shows actions: $(bmc_actions "$B" | paste -sd' ')"
log "b: QEMU $B_PID untouched, 1 boot, BMC action log: $(bmc_actions "$B" | awk '{print $2}' | paste -sd' ')"
echo "bmc-spike: passed (a: 4 boots through on, reset, off, on, cycle; b: no action)"
