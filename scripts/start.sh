#!/usr/bin/env bash
# `make start`: install what is missing, migrate the database, build when the sources changed,
# and serve the console (default http://127.0.0.1:3000, embedded SQLite in ./data).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-deps.sh
export NEXT_TELEMETRY_DISABLED=1

echo "==> database: ${DATABASE_URL:-file:./data/afsboot.db}"
node scripts/migrate.mjs deploy

# Rebuild only when a source file is newer than the last successful build (stamp written after it).
stamp=.next/afsboot-built
if [[ ! -f .next/BUILD_ID || ! -f $stamp ]] || [[ -n "$(find app components lib prisma proxy.ts next.config.js package-lock.json -newer "$stamp" -print -quit 2>/dev/null)" ]]; then
  echo "==> next build"
  npx next build
  touch "$stamp"
fi

host=${HOST:-127.0.0.1}
port=${PORT:-3000}
echo "==> AFSBoot on http://${host}:${port} (first visit: create the first admin)"
exec node bin/afsboot-server.mjs -H "$host" -p "$port"
