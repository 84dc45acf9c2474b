#!/bin/sh
# A fake PDU for power.spec.ts, run by the console's command power driver (lib/power/command.ts):
# the action is $1, the host in AFSBOOT_HOST. It keeps each host's power (on/off) in a file of
# its own, appends every action it is asked to do to a log, and fails for a host that has a
# .fail file. Beside it, under its own name: NAME.log, NAME.d/HOST (state), NAME.d/HOST.fail.
set -eu
state_dir="$0.d"
state="$state_dir/$AFSBOOT_HOST"
mkdir -p "$state_dir"
# the password's length only: the log proves it arrived without holding it
echo "$AFSBOOT_HOST $1 password-length=${#AFSBOOT_BMC_PASSWORD}" >>"$0.log"
if [ -e "$state.fail" ]; then
  echo "outlet of $AFSBOOT_HOST does not answer" >&2
  exit 1
fi
case "$1" in
  status) cat "$state" 2>/dev/null || echo off ;;
  on) echo on >"$state" && echo "$AFSBOOT_HOST switched on" ;;
  off) echo off >"$state" && echo "$AFSBOOT_HOST switched off" ;;
  cycle | reset) echo on >"$state" && echo "$AFSBOOT_HOST switched off and on" ;;
  pxe) exit 3 ;;
  *) echo "unknown action $1" >&2 && exit 2 ;;
esac
