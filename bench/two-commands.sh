#!/usr/bin/env bash
# The README's two commands, timed as a new user meets them: each run in a fresh `git clone` of
# this repository's HEAD (committed work only) in a temporary folder, removed afterwards.
#
#   bash bench/two-commands.sh start                 make start until /api/health answers: cold
#                                                    (empty npm cache, no node_modules, no .next),
#                                                    then again in the same clone (warm)
#   bash bench/two-commands.sh test [--runs N] [--load] [--cold-lab]
#                                                    make test, N times in a row (default 1), each in
#                                                    a new clone, as CI runs it (CI=true,
#                                                    AFSBOOT_LAB_REQUIRED=1)
#     --load      two busy loops (one a core, nice 0, each limited by `timeout` to 3 hours) run for
#                 the whole series; stopped by their PIDs at the end
#     --cold-lab  the boot lab's cache is an empty temporary folder (AFSBOOT_LAB_CACHE) and npm's
#                 cache too: what a fresh machine pays (Debian packages already installed stay)
#
# Prints one line a run (wall time, the suite's closing lines) and keeps each run's full output in
# $AFSBOOT_BENCH_LOGS (default /tmp/afsboot-bench-logs). Needs root for the boot lab, like CI.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOGS=${AFSBOOT_BENCH_LOGS:-/tmp/afsboot-bench-logs}
mkdir -p "$LOGS"
mode=${1:-}
shift || true
runs=1 load=0 cold_lab=0
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --load) load=1; shift ;;
    --cold-lab) cold_lab=1; shift ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]?$ ]] || { echo "--runs: 1 to 99" >&2; exit 64; }

commit=$(git -C "$REPO" rev-parse --short HEAD)
tmps=()
pids=()
# shellcheck disable=SC2317 # runs through the trap
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ ${#tmps[@]} -eq 0 ] || rm -rf "${tmps[@]}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# fresh_clone: sets d to a new temporary folder holding a clone in d/repo (removed on exit)
fresh_clone() {
  d=$(mktemp -d /tmp/afsboot-bench.XXXXXX)
  tmps+=("$d")
  git clone -q "$REPO" "$d/repo"
}
secs() { awk -v ms="$1" 'BEGIN { s = ms / 1000; printf "%d min %d s", s / 60, s % 60 }'; }
now_ms() { date +%s%3N; }

case $mode in
  start)
    fresh_clone
    port=$((3400 + RANDOM % 500))
    for kind in cold warm; do
      log=$LOGS/start-$kind-$commit.log
      t0=$(now_ms)
      # a process group of its own, stopped by its PID; npm's cache empty for the cold start
      (cd "$d/repo" && PORT=$port npm_config_cache="$d/npm-cache" exec setsid make start) >"$log" 2>&1 &
      pid=$!
      pids+=("$pid")
      until curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1; do
        kill -0 "$pid" 2>/dev/null || { echo "make start ($kind) exited; see $log" >&2; exit 1; }
        sleep 0.5
      done
      echo "make start, $kind, $commit: $(secs $(($(now_ms) - t0))) to a healthy /api/health"
      kill -TERM -- "-$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      pids=()
    done
    ;;
  test)
    if [ "$load" = 1 ]; then
      for _ in 1 2; do
        setsid timeout 3h sh -c 'while :; do :; done' &
        pids+=("$!")
      done
      echo "load: two busy loops, PIDs ${pids[*]}"
    fi
    pass=0
    for i in $(seq "$runs"); do
      fresh_clone
      env_extra=()
      if [ "$cold_lab" = 1 ]; then env_extra=(AFSBOOT_LAB_CACHE="$d/lab-cache" npm_config_cache="$d/npm-cache"); fi
      tag=
      [ "$load" = 0 ] || tag+=-load
      [ "$cold_lab" = 0 ] || tag+=-cold
      log=$LOGS/test-$commit-run$i$tag.log
      t0=$(now_ms)
      rc=0
      (cd "$d/repo" && env CI=true AFSBOOT_LAB_REQUIRED=1 "${env_extra[@]}" make test </dev/null) >"$log" 2>&1 || rc=$?
      took=$(($(now_ms) - t0))
      summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed|^boot lab:|waited [0-9]+ s for it' "$log" | tr '\n' ';' || true)
      echo "make test run $i/$runs on $commit$([ "$load" = 1 ] && echo ", under load")$([ "$cold_lab" = 1 ] && echo ", cold lab and npm caches"): exit $rc, $(secs "$took") ($((took / 1000)) s); $summary log: $log"
      [ "$rc" = 0 ] && pass=$((pass + 1))
      rm -rf "$d"
    done
    echo "$pass of $runs runs passed"
    [ "$pass" = "$runs" ]
    ;;
  *)
    sed -n '2,17p' "$0" >&2
    exit 64
    ;;
esac
