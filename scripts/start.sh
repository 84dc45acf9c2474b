#!/usr/bin/env bash
# `make start`: install what is missing, migrate the database, build when the sources changed,
# and serve the console (default http://127.0.0.1:3000, embedded SQLite in ./data).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-deps.sh
export NEXT_TELEMETRY_DISABLED=1

echo "==> database: ${DATABASE_URL:-file:./data/afsboot.db}"
node scripts/migrate.mjs deploy

bash scripts/build-if-needed.sh

host=${HOST:-127.0.0.1}
port=${PORT:-3000}
echo "==> AFSBoot on http://${host}:${port} (first visit: create the first admin)"
exec node bin/afsboot-server.mjs -H "$host" -p "$port"
