#!/usr/bin/env bash
# Runs the data-layer, API and CLI tests against PostgreSQL: a throwaway cluster of this
# machine's PostgreSQL (Debian package postgresql), in a temporary folder, on 127.0.0.1 only,
# stopped by its own pid file and deleted afterwards, also on failure.
#   bash scripts/test-postgres.sh [vitest args…]
set -euo pipefail
cd "$(dirname "$0")/.."

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
  echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 1
fi
run_as=()
if [[ $(id -u) -eq 0 ]]; then run_as=(runuser -u postgres --); fi

dir=$(mktemp -d /tmp/afsboot-pg.XXXXXX)
chmod 755 "$dir"
[[ ${#run_as[@]} -gt 0 ]] && chown postgres: "$dir"
port=$(( 20000 + RANDOM % 20000 ))
cleanup() {
  if [[ -f "$dir/data/postmaster.pid" ]]; then "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

"${run_as[@]}" "$bindir/initdb" -D "$dir/data" -U afsboot --auth=trust -E UTF8 --no-locale >/dev/null
"${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null

export AFSBOOT_TEST_PG_URL="postgresql://afsboot@127.0.0.1:$port/postgres"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
DATABASE_URL="$AFSBOOT_TEST_PG_URL" node scripts/migrate.mjs check
npx vitest run lib/data lib/api lib/cli "$@"
