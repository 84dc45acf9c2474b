#!/usr/bin/env bash
# `next build` only when a source file is newer than the last successful build (a stamp written
# after it): what `make start` and `make lab` serve must be the current sources. The CLI's bundle
# likewise (scripts/build-cli.mjs: it checks its own stamp, a few ms when current).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.next/afsboot-built
if [[ ! -f .next/BUILD_ID || ! -f $stamp ]] || [[ -n "$(find app components lib prisma proxy.ts instrumentation.ts next.config.js package-lock.json -newer "$stamp" -print -quit 2>/dev/null)" ]]; then
  echo "==> next build"
  NEXT_TELEMETRY_DISABLED=1 npx next build
  touch "$stamp"
fi
node scripts/build-cli.mjs >/dev/null
