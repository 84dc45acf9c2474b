import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import pg from "pg";
import { assertLocalTestDatabase } from "./guard";

// Runs before each test file, before the file imports lib/db: a private copy of the migrated
// template database, and a private data directory (server secret).
const template = process.env.AFSBOOT_TEST_TEMPLATE;
const dir = process.env.AFSBOOT_TEST_DIR;
if (!template || !dir) throw new Error("global-setup did not prepare the template database");
assertLocalTestDatabase(process.env.DATABASE_URL);
const id = crypto.randomBytes(6).toString("hex");
const pgUrl = process.env.AFSBOOT_TEST_PG_URL;
if (pgUrl) {
  const name = `afsboot_test_${id}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  await admin.end();
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
} else {
  const file = path.join(dir, `${id}.db`);
  fs.copyFileSync(template, file);
  process.env.DATABASE_URL = `file:${file}`;
}
process.env.AFSBOOT_DATA_DIR = path.join(dir, id);
// tests keep their kernels and base initrds in temporary folders
process.env.AFSBOOT_IMAGES_ROOTS ??= os.tmpdir();
// no boot loaders unless a test puts some there: the machine's packages must not change what publish writes
process.env.AFSBOOT_LOADER_ROOTS ??= path.join(dir, id, "loader-root");
