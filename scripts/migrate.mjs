#!/usr/bin/env node
// Offline Prisma migrations. The Prisma 7 CLI needs a native schema engine that cannot be
// downloaded here, so this drives @prisma/schema-engine-wasm through the driver adapters. It
// reads and writes standard migration folders and the standard `_prisma_migrations` table, so a
// native `prisma migrate deploy` stays compatible.
//
//   node scripts/migrate.mjs dev NAME [--create-only] [--accept-data-loss]
//                                 create a migration from schema changes and apply it
//   node scripts/migrate.mjs deploy   apply pending migrations (creates the SQLite file, WAL mode)
//   node scripts/migrate.mjs status   migration history against the database (exit 1 if behind)
//   node scripts/migrate.mjs check    exit 2 when schema.prisma has changes without a migration
//   node scripts/migrate.mjs diff     print the SQL of changes not yet in a migration
//
// DATABASE_URL=file:./data/afsboot.db (default) -> SQLite,     prisma/schema.prisma,          prisma/migrations
// DATABASE_URL=postgresql://user:pw@host/db      -> PostgreSQL, prisma/postgres/schema.prisma, prisma/postgres/migrations
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { execFileSync } from "node:child_process";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, "..");
const url = process.env.DATABASE_URL || "file:./data/afsboot.db";
const isPg = /^postgres(ql)?:\/\//.test(url);
if (!isPg && !url.startsWith("file:")) {
  console.error(`DATABASE_URL must be file:PATH (SQLite) or postgresql://… (got ${url.split(":")[0]}:…)`);
  process.exit(1);
}
const schemaPath = path.join(root, isPg ? "prisma/postgres/schema.prisma" : "prisma/schema.prisma");
const migDir = path.join(root, isPg ? "prisma/postgres/migrations" : "prisma/migrations");
const filters = { externalTables: [], externalEnums: [] };
if (isPg) execFileSync(process.execPath, [path.join(root, "scripts/gen-pg-schema.mjs")], { cwd: root, stdio: "inherit" });
const sqliteFile = isPg ? null : path.resolve(url.replace(/^file:/, "").replace(/\?.*$/, ""));
if (sqliteFile) {
  fs.mkdirSync(path.dirname(sqliteFile), { recursive: true });
  privateSqliteFiles(sqliteFile);
}

/**
 * The database holds password hashes, sessions and the audit log: owner-only (0600). SQLite gives
 * its -wal and -shm files the main file's mode, so creating that one 0600 (and tightening files
 * an older version left 0644) covers all three.
 */
function privateSqliteFiles(file) {
  fs.closeSync(fs.openSync(file, "a", 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    try {
      if ((fs.statSync(f).mode & 0o077) !== 0) fs.chmodSync(f, 0o600);
    } catch (e) {
      if (e.code !== "ENOENT") throw e;
    }
  }
}

async function loadSchemaEngine() {
  // Node 20 cannot `import` a .wasm module: instantiate it by hand.
  const dir = path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg"));
  const glue = await import(pathToFileURL(path.join(dir, "schema_engine_bg.js")).href);
  const mod = new WebAssembly.Module(fs.readFileSync(path.join(dir, "schema_engine_bg.wasm")));
  const instance = new WebAssembly.Instance(mod, { "./schema_engine_bg.js": glue });
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return glue.SchemaEngine;
}

async function postgresFactory() {
  const { PrismaPg } = await import("@prisma/adapter-pg");
  const { parse } = await import("pg-connection-string");
  // adapter-pg cannot map PostgreSQL's internal "char" type (OID 18) that the engine's catalog
  // queries return: report it as text (OID 25); node-postgres already yields strings.
  const patch = (conn) => {
    const performIO = conn.performIO.bind(conn);
    conn.performIO = async (q) => {
      const res = await performIO(q);
      for (const f of res.fields) if (f.dataTypeID === 18) f.dataTypeID = 25;
      return res;
    };
    return conn;
  };
  const config = parse(url);
  const factory = new PrismaPg(config);
  const connect = factory.connect.bind(factory);
  factory.connect = async () => patch(await connect());
  // PrismaPg's own shadow database silently reuses the MAIN database when given a
  // connectionString, and drops it before closing its pool: manage the shadow database here.
  factory.connectToShadowDb = async () => {
    const admin = await connect();
    const database = `prisma_migrate_shadow_db_${crypto.randomUUID()}`;
    await admin.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = patch(await new PrismaPg({ ...config, database }).connect());
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      await admin.executeScript(`DROP DATABASE IF EXISTS "${database}"`);
      await admin.dispose();
    };
    return shadow;
  };
  return factory;
}

async function sqliteFactory() {
  const { PrismaBetterSqlite3 } = await import("@prisma/adapter-better-sqlite3");
  const factory = new PrismaBetterSqlite3({ url: `file:${sqliteFile}` }); // shadow database: :memory:
  // The engine replays migrations on the shadow database with executeRaw(), but better-sqlite3
  // rejects multi-statement SQL in prepare(): route parameterless statements to executeScript.
  const connectShadow = factory.connectToShadowDb.bind(factory);
  factory.connectToShadowDb = async () => {
    const shadow = await connectShadow();
    const executeRaw = shadow.executeRaw.bind(shadow);
    shadow.executeRaw = async (q) => (q.args.length === 0 ? (await shadow.executeScript(q.sql), 0) : executeRaw(q));
    return shadow;
  };
  return factory;
}

function readMigrations() {
  const lock = path.join(migDir, "migration_lock.toml");
  const dirs = fs.existsSync(migDir)
    ? fs
        .readdirSync(migDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  return {
    baseDir: migDir,
    lockfile: { path: "migration_lock.toml", content: fs.existsSync(lock) ? fs.readFileSync(lock, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((d) => {
      const file = path.join(migDir, d, "migration.sql");
      return {
        path: d,
        migrationFile: {
          path: "migration.sql",
          content: fs.existsSync(file) ? { tag: "ok", value: fs.readFileSync(file, "utf8") } : { tag: "error", value: "missing migration.sql" },
        },
      };
    }),
  };
}

async function enableWal() {
  if (!sqliteFile) return;
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(sqliteFile);
  db.pragma("journal_mode = WAL");
  db.close();
}

const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith("--")));
const [cmd = "status", nameArg] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
if (!["dev", "deploy", "status", "check", "diff"].includes(cmd)) {
  console.error(`unknown command ${cmd}: use dev NAME | deploy | status | check | diff`);
  process.exit(1);
}
if (cmd === "dev" && !nameArg) {
  console.error("usage: npm run db:migrate -- NAME   (a short snake_case name for the migration)");
  process.exit(1);
}
// WAL lets the console read while a writer commits; the mode is stored in the file. Set it before
// the engine opens its own connection.
if (cmd === "deploy" || cmd === "dev") await enableWal();
const schema = { files: [{ path: schemaPath, content: fs.readFileSync(schemaPath, "utf8") }] };
const SchemaEngine = await loadSchemaEngine();
const adapter = bindMigrationAwareSqlAdapterFactory(await (isPg ? postgresFactory() : sqliteFactory()));
const log = process.env.MIGRATE_DEBUG ? (m) => console.error("[schema-engine]", m) : () => {};
const engine = await SchemaEngine.new({ datamodels: [[schemaPath, schema.files[0].content]] }, log, adapter);
const rel = (p) => path.relative(root, p);
const quiet = flags.has("--quiet");

try {
  if (!quiet) console.error(`[migrate] ${isPg ? "postgresql" : `sqlite ${rel(sqliteFile)}`} | ${rel(migDir)}`);
  switch (cmd) {
    case "deploy": {
      const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList: readMigrations(), filters });
      if (!quiet) console.log(appliedMigrationNames.length ? `Applied: ${appliedMigrationNames.join(", ")}` : "No pending migrations.");
      break;
    }
    case "dev": {
      // apply pending (creates _prisma_migrations on a fresh database), diagnose drift, create, apply.
      await engine.applyMigrations({ migrationsList: readMigrations(), filters });
      const { action } = await engine.devDiagnostic({ migrationsList: readMigrations(), filters });
      if (action.tag === "reset") throw new Error(`The database needs a reset: ${action.reason}`);
      const loss = await engine.evaluateDataLoss({ migrationsList: readMigrations(), schema, filters });
      for (const w of loss.warnings) console.warn("WARNING:", w.message);
      if (loss.warnings.length && !flags.has("--accept-data-loss")) throw new Error("Data loss warnings: re-run with --accept-data-loss");
      for (const u of loss.unexecutableSteps) throw new Error(`Unexecutable step: ${u.message}`);
      const out = await engine.createMigration({ draft: false, migrationName: nameArg, migrationsList: readMigrations(), schema, filters });
      if (!out.migrationScript) {
        console.log("Already in sync, no migration created.");
        break;
      }
      fs.mkdirSync(path.join(migDir, out.generatedMigrationName), { recursive: true });
      fs.writeFileSync(path.join(migDir, out.generatedMigrationName, `migration.${out.extension}`), out.migrationScript);
      fs.writeFileSync(
        path.join(migDir, "migration_lock.toml"),
        `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${out.connectorType}"\n`,
      );
      if (flags.has("--create-only")) {
        console.log(`Created (not applied): ${out.generatedMigrationName}`);
        break;
      }
      const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList: readMigrations(), filters });
      console.log(`Created and applied: ${appliedMigrationNames.join(", ")}`);
      break;
    }
    case "status": {
      const d = await engine.diagnoseMigrationHistory({ migrationsList: readMigrations(), optInToShadowDatabase: false, filters });
      console.log(JSON.stringify(d, null, 2));
      const behind = d.history?.diagnostic === "databaseIsBehind" || !d.hasMigrationsTable;
      if (d.history || d.failedMigrationNames.length || d.editedMigrationNames.length || behind) process.exitCode = 1;
      break;
    }
    case "diff":
    case "check": {
      const list = readMigrations();
      const from = list.migrationDirectories.length ? { tag: "migrations", ...list } : { tag: "empty" };
      const out = await engine.diff({ from, to: { tag: "schemaDatamodel", ...schema }, script: cmd === "diff", exitCode: true, filters });
      if (cmd === "check") {
        console.log(out.exitCode === 0 ? "OK: migrations match schema.prisma" : `DRIFT: schema.prisma has changes without a migration:\n${out.stdout}`);
      } else process.stdout.write(out.stdout ?? "");
      process.exitCode = out.exitCode;
      break;
    }
  }
} catch (e) {
  const m = /External error id#(\d+)/.exec(String(e?.message));
  if (m) console.error("Driver error:", adapter.errorRegistry.consumeError(Number(m[1]))?.error);
  console.error(e?.message ?? e);
  process.exitCode = 1;
} finally {
  engine.free();
  // evaluateDataLoss leaves a ~60 s timer behind in the wasm engine: do not wait for it.
  process.exit(process.exitCode ?? 0);
}
