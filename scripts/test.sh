#!/usr/bin/env bash
# `make test`: the whole suite, as CI runs it on a fresh clone.
#   install → typecheck → lint → format check → migration drift check → unit + integration (Vitest)
#   → production build → end-to-end (Playwright in Debian's chromium against the console server)
#   → the boot lab (scripts/lab/lab.sh: QEMU boots from the published files, root from OpenAFS)
set -euo pipefail
cd "$(dirname "$0")/.."

# Tests create and delete data freely: never against anything but local SQLite files.
if [[ -n "${DATABASE_URL:-}" && "${DATABASE_URL}" != file:* ]]; then
  echo "Refusing to run the test suite against a non-local database (DATABASE_URL is not a file: URL)." >&2
  exit 1
fi
unset DATABASE_URL
export NEXT_TELEMETRY_DISABLED=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# As root (CI is), the generated DHCP configs are also served by the real daemons inside a private
# network namespace (no link to the host) and leases requested from them: lib/generate/dhcp/live.test.ts
if [[ $(id -u) -eq 0 ]] && command -v ip >/dev/null 2>&1; then export AFSBOOT_DHCP_LIVE=1; fi

results=$(mktemp -d)
prep_pid=
# shellcheck disable=SC2317 # runs through the trap
stop_prep() { # the lab's background preparation, a process group of its own (setsid)
  if [[ -n $prep_pid ]]; then
    kill -TERM -- "-$prep_pid" 2>/dev/null || true
    timeout 30 tail --pid="$prep_pid" -f /dev/null || kill -KILL -- "-$prep_pid" 2>/dev/null || true
  fi
}
trap 'stop_prep; rm -rf "$results"' EXIT
trap 'exit 130' INT TERM
step() { echo; echo "==> $*"; }
t0=$SECONDS

step "dependencies"
bash scripts/ensure-deps.sh --test

# The boot lab's kernel and OpenAFS module (minutes on a machine with an empty lab cache: the
# module's configure runs ~370 kernel probes one after another) need only the Debian packages:
# prepare them in the background, at low priority, while the rest of the suite runs.
if [[ $(id -u) -eq 0 ]]; then
  step "boot lab preparation, in the background (scripts/lab/prepare.sh; log: lab-prepare.log)"
  setsid nice -n 10 bash scripts/lab/prepare.sh >"$results/lab-prepare.log" 2>&1 </dev/null &
  prep_pid=$!
fi

step "typecheck (tsc --noEmit)"
npx tsc --noEmit

step "lint (eslint)"
npx eslint --max-warnings=0 .

step "format (prettier --check; \`npm run format\` rewrites)"
npx prettier --check --log-level=warn .

step "migrations match schema.prisma (db:check)"
node scripts/migrate.mjs check

step "unit and integration tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$results/vitest.json"

step "production build (next build)"
npx next build

step "integration tests on PostgreSQL (throwaway local cluster)"
bash scripts/test-postgres.sh --reporter=default --reporter=json --outputFile.json="$results/vitest-pg.json"

step "console replicas on PostgreSQL: failover, database restart (a cluster of their own)"
AFSBOOT_PG_TEST_PATHS=lib/replicas bash scripts/test-postgres.sh --reporter=default --reporter=json --outputFile.json="$results/vitest-replicas.json"

step "end-to-end tests (playwright)"
PLAYWRIGHT_JSON_OUTPUT_NAME="$results/playwright.json" npx playwright test --reporter=list,json
touch .next/afsboot-built # the build above is current: make lab / make start need not redo it

step "boot lab (QEMU + OpenAFS + DHCP in a network namespace: scripts/lab/lab.sh)"
lab="passed"
if [[ -n $prep_pid ]]; then
  prep_t0=$SECONDS
  if wait "$prep_pid"; then
    grep -E 'prepared|built|ready' "$results/lab-prepare.log" || true
    echo "(background preparation done; waited $((SECONDS - prep_t0)) s for it here)"
  else
    echo "The background preparation failed; lab.sh tries again and reports. Its log:" >&2
    tail -n 20 "$results/lab-prepare.log" >&2
  fi
  prep_pid=
fi
set +e
bash scripts/lab/lab.sh
lab_rc=$?
set -e
if (( lab_rc == 77 )); then
  if [[ ${AFSBOOT_LAB_REQUIRED:-0} == 1 ]]; then
    echo "The lab was skipped (see above), and this run requires it (AFSBOOT_LAB_REQUIRED=1, as .ci/run sets)." >&2
    exit 1
  fi
  lab="skipped (see above why)"
elif (( lab_rc != 0 )); then
  echo "The boot lab failed (exit $lab_rc)." >&2
  exit "$lab_rc"
fi

# One closing line for all runs.
node -e '
  const fs = require("fs");
  const read = (f) => JSON.parse(fs.readFileSync(f, "utf8"));
  const [v, vpg, vr, p] = [read(process.argv[1]), read(process.argv[2]), read(process.argv[3]), read(process.argv[4])];
  const passed = v.numPassedTests + vpg.numPassedTests + vr.numPassedTests + (p.stats.expected ?? 0);
  const failed = v.numFailedTests + vpg.numFailedTests + vr.numFailedTests + (p.stats.unexpected ?? 0) + (p.stats.flaky ?? 0);
  const skipped = v.numPendingTests + vpg.numPendingTests + vr.numPendingTests + (p.stats.skipped ?? 0);
  console.log(`\nvitest (SQLite): ${v.numPassedTests} passed; vitest (PostgreSQL): ${vpg.numPassedTests} passed; replicas: ${vr.numPassedTests} passed; playwright: ${p.stats.expected} passed`);
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results/vitest.json" "$results/vitest-pg.json" "$results/vitest-replicas.json" "$results/playwright.json"
echo "boot lab: $lab"
echo "total time: $((SECONDS - t0)) s"
