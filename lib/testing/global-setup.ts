import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { assertLocalTestDatabase } from "./guard";

// Once per run: a template database with the real migrations applied. Each test file gets a copy
// of it (db-per-file.ts), so files never share state and never touch ./data. SQLite by default;
// PostgreSQL when AFSBOOT_TEST_PG_URL names a local server (scripts/test-postgres.sh).

function migrate(url: string) {
  execFileSync(process.execPath, ["scripts/migrate.mjs", "deploy", "--quiet"], { env: { ...process.env, DATABASE_URL: url }, stdio: "inherit" });
}

export default async function setup() {
  assertLocalTestDatabase(process.env.DATABASE_URL);
  // the CLI's bundle (bin/afsboot.mjs), built here once when the sources changed, rather than by
  // the first CLI runs of several test files at once
  execFileSync(process.execPath, ["scripts/build-cli.mjs"], { stdio: "ignore" });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-test-"));
  try {
    return await prepare(dir);
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true }); // a failed setup leaves nothing behind
    throw e;
  }
}

async function prepare(dir: string) {
  process.env.AFSBOOT_TEST_DIR = dir;
  const pgUrl = process.env.AFSBOOT_TEST_PG_URL;
  if (pgUrl) {
    const template = `afsboot_test_tpl_${crypto.randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${template}"`);
    const url = new URL(pgUrl);
    url.pathname = `/${template}`;
    migrate(url.toString());
    await admin.end();
    process.env.AFSBOOT_TEST_TEMPLATE = template;
    // a connection of its own at the end: the replica tests restart the server in between
    return async () => {
      const end = new pg.Client({ connectionString: pgUrl });
      await end.connect();
      const { rows } = await end.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'afsboot_test_%'`);
      for (const r of rows) await end.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
      await end.end();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  }
  const template = path.join(dir, "template.db");
  migrate(`file:${template}`);
  // fold the WAL into the main file so a plain copy of it is complete
  const sqlite = new Database(template);
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  sqlite.close();
  process.env.AFSBOOT_TEST_TEMPLATE = template;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
