#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded offline.
# `prisma generate` only needs an executable that answers --version; migrations are done by
# scripts/migrate.mjs on the WebAssembly schema engine instead.
if [ "$1" = "--version" ]; then echo "schema-engine-cli afsboot-offline-placeholder"; exit 0; fi
echo "The native Prisma schema engine is not available: use npm run db:migrate|db:deploy|db:check" >&2
exit 1
