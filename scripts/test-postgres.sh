#!/usr/bin/env bash
# Runs the data-layer, API and CLI tests against PostgreSQL: a throwaway cluster of this
# machine's PostgreSQL (Debian package postgresql), in a temporary folder, on 127.0.0.1 only,
# stopped by its own pid file and deleted afterwards, also on failure.
#   bash scripts/test-postgres.sh [vitest args…]     (AFSBOOT_PG_TEST_PATHS: other test paths)
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
# for the replica tests: stop and start this cluster as it was started (a database restart)
cat >"$dir/ctl.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
case \$1 in
  stop) ${run_as[*]} "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop ;;
  start) ${run_as[*]} "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start ;;
esac
EOF
chmod 755 "$dir/ctl.sh"
export AFSBOOT_TEST_PG_CTL="$dir/ctl.sh"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
DATABASE_URL="$AFSBOOT_TEST_PG_URL" node scripts/migrate.mjs check
# AFSBOOT_PG_TEST_PATHS=lib/replicas: console replicas on this cluster, which those tests restart,
# so they run on a cluster of their own (and need the production build)
# shellcheck disable=SC2086 # a list of paths
npx vitest run ${AFSBOOT_PG_TEST_PATHS:-lib/data lib/api lib/cli} "$@"
