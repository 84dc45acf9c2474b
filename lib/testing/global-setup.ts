import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { assertLocalTestDatabase } from "./guard";

// Once per run: a template database with the real migrations applied. Each test file copies it
// (db-per-file.ts), so files never share state and never touch ./data.
export default function setup() {
  assertLocalTestDatabase(process.env.DATABASE_URL);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-test-"));
  const template = path.join(dir, "template.db");
  execFileSync(process.execPath, ["scripts/migrate.mjs", "deploy", "--quiet"], {
    env: { ...process.env, DATABASE_URL: `file:${template}` },
    stdio: "inherit",
  });
  // fold the WAL into the main file so a plain copy of it is complete
  const sqlite = new Database(template);
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  sqlite.close();
  process.env.AFSBOOT_TEST_TEMPLATE = template;
  process.env.AFSBOOT_TEST_DIR = dir;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
