# shellcheck shell=bash
# Sourced: a real IPMI BMC per lab host. OpenIPMI's ipmi_sim answers IPMI 2.0 over LAN (lanplus)
# and drives one QEMU: power on runs its startcmd (a script that execs QEMU), power off and reset
# go to QEMU over the VM serial protocol (QEMU's ipmi-bmc-extern + isa-ipmi-kcs devices, connected
# to the sim's "serial kcs … codec VM" port), power cycle is both. Everything listens on 127.0.0.1
# inside the caller's network namespace. Facts and pitfalls: docs/lab-bmc.md; proof: bmc-spike.sh.
#
#   bmc_write DIR LAN_PORT SERIAL_PORT USER PASSWORD   lan.conf, emulator commands, fifo, state dir
#   bmc_machine DIR QEMU ARGS…                         the startcmd: QEMU with the BMC's devices
#   bmc_start NS DIR                                   ipmi_sim in NS; waits until it answers
#   bmc_ipmitool NS DIR ARGS…                          ipmitool -I lanplus against it (password in env)
#   bmc_qemu_pid DIR                                   the running QEMU's PID (or nothing)
#   bmc_actions DIR                                    every power action so far, one a line, in order
#   bmc_stop DIR                                       QEMU, then ipmi_sim, by PID
#
# The caller defines log and die (as lab.sh does).

# bmc_write DIR LAN_PORT SERIAL_PORT USER PASSWORD
bmc_write() {
  local dir=$1 lan=$2 serial=$3 user=$4 pass=$5 p
  mkdir -p "$dir/state"
  [ -p "$dir/stdin" ] || mkfifo "$dir/stdin"
  printf '%s\n' "$lan" >"$dir/lan-port"
  printf '%s\n' "$serial" >"$dir/serial-port"
  printf '%s\n' "$user" >"$dir/user"
  (umask 077 && printf '%s\n' "$pass" >"$dir/password")
  {
    echo "name \"afsboot-lab\""
    echo "set_working_mc 0x20"
    echo "  startlan 1"
    echo "    addr 127.0.0.1 $lan"
    echo "    priv_limit admin"
    for p in callback user operator admin; do echo "    allowed_auths_$p none md2 md5 straight"; done
    echo "    guid a123456789abcdefa123456789abcdef"
    echo "  endlan"
    # the system interface (channel 15) as QEMU sees it: the VM codec over TCP, QEMU connects
    echo "  serial kcs 127.0.0.1 $serial codec VM"
    echo "  startcmd \"$dir/power-on\""
    echo "  startnow false"
    # power off: QEMU quits at once on the VM power-off command; these bound a guest that does not
    echo "  poweroff_wait 10"
    echo "  kill_wait 5"
    echo "  user 2 true \"$user\" \"$pass\" admin 10 none md2 md5 straight"
  } >"$dir/lan.conf"
  chmod 600 "$dir/lan.conf"
  printf '%s\n' "mc_setbmc 0x20" "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02" "mc_enable 0x20" >"$dir/sim.emu"
}

# bmc_machine DIR QEMU ARGS…: the startcmd ipmi_sim runs at power on. It notes the power-on in
# DIR/power-on.log and execs QEMU (so ipmi_sim's child is QEMU itself, and its SIGTERM reaches it),
# with the BMC's devices and a pidfile added. The caller's arguments bring the rest (-nic …,
# -serial file:…, kernel or disk); QEMU's exit status is lost, the guest's logs tell.
bmc_machine() {
  local dir=$1 serial arg
  shift
  serial=$(cat "$dir/serial-port")
  {
    echo "#!/bin/sh"
    echo "echo \"power-on \$(date +%s.%N)\" >>'$dir/power-on.log'"
    printf 'exec'
    for arg in "$@" -chardev "socket,id=ipmi0,host=127.0.0.1,port=$serial,reconnect=1" \
      -device ipmi-bmc-extern,id=bmc0,chardev=ipmi0 -device isa-ipmi-kcs,bmc=bmc0 -pidfile "$dir/qemu.pid"; do
      printf " '%s'" "${arg//\'/\'\\\'\'}"
    done
    echo
  } >"$dir/power-on"
  chmod 755 "$dir/power-on"
}

# bmc_start NS DIR: ipmi_sim in the namespace, debug output (-d, which shows every VM command it
# sends) to DIR/sim.log, line-buffered (stdbuf: into a file, stdio would hold the last actions back).
# Its stdin must be pollable (epoll on /dev/null aborts it): a fifo opened read-write, which never
# ends. Returns once ipmitool gets an answer, or dies.
bmc_start() {
  local ns=$1 dir=$2 _
  ip netns exec "$ns" stdbuf -oL ipmi_sim -c "$dir/lan.conf" -f "$dir/sim.emu" -s "$dir/state" -d <>"$dir/stdin" >"$dir/sim.log" 2>&1 &
  echo "$!" >"$dir/sim.pid"
  for _ in $(seq 60); do
    kill -0 "$(cat "$dir/sim.pid")" 2>/dev/null || die "ipmi_sim ended at once ($dir/sim.log: $(tail -n 3 "$dir/sim.log" | tr '\n' ' '))"
    bmc_ipmitool "$ns" "$dir" chassis power status >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  die "ipmi_sim does not answer on 127.0.0.1:$(cat "$dir/lan-port") in namespace $ns ($dir/sim.log)"
}

# bmc_ipmitool NS DIR ARGS…: the password through the environment (-E), never on the command line;
# cipher suite 3 named (-C 3): ipmi_sim never answers the question for its suites (docs/lab-bmc.md)
bmc_ipmitool() {
  local ns=$1 dir=$2
  shift 2
  IPMI_PASSWORD=$(cat "$dir/password") ip netns exec "$ns" \
    ipmitool -I lanplus -H 127.0.0.1 -p "$(cat "$dir/lan-port")" -U "$(cat "$dir/user")" -E -C 3 -N 2 -R 2 "$@"
}

# bmc_qemu_pid DIR: the PID of the QEMU this BMC powered on, while it runs
bmc_qemu_pid() {
  local pid
  pid=$(cat "$1/qemu.pid" 2>/dev/null) || return 0
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi
}

# bmc_actions DIR: "TIME on|off|reset|soft-off" for every power action, in time order: power-ons
# from the startcmd's log, the rest from the VM commands the sim sent QEMU (its -d log prints
# "Raw serial send: TIME" then the bytes; a command ends with 0xa1: 03 power off, 04 reset,
# 09 graceful shutdown). A power off while no QEMU is connected is a plain SIGTERM and shows only
# as QEMU's end. An empty output is "this BMC did nothing".
bmc_actions() {
  local dir=$1
  {
    [ -f "$dir/power-on.log" ] && awk '$1 == "power-on" { print $2, "on" }' "$dir/power-on.log"
    # (its console starts each line with a carriage return)
    [ -f "$dir/sim.log" ] && awk '
      { gsub(/\r/, "") }
      prev ~ /^Raw serial send: / { split(prev, a, " "); t = a[4]
        if ($0 ~ /^ *03 a1 *$/) print t, "off"
        else if ($0 ~ /^ *04 a1 *$/) print t, "reset"
        else if ($0 ~ /^ *09 a1 *$/) print t, "soft-off" }
      { prev = $0 }' "$dir/sim.log"
  } | sort -n
}

# bmc_stop DIR: QEMU first (ipmi_sim would not stop it), then ipmi_sim; TERM, KILL after 5 s
bmc_stop() {
  local dir=$1 pid _
  for pid in "$(bmc_qemu_pid "$dir")" "$(cat "$dir/sim.pid" 2>/dev/null)"; do
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then continue; fi
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  done
}
