import path from "node:path";
import { defineConfig } from "prisma/config";

// `prisma generate` insists on resolving the native schema engine, which cannot be downloaded
// offline. Point it at a placeholder; migrations run through scripts/migrate.mjs (wasm engine).
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(import.meta.dirname, "scripts/no-schema-engine.sh");

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "file:./data/afsboot.db" },
});
