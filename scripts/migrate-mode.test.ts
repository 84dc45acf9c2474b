import { afterAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";

// The SQLite database holds password hashes, sessions and the audit log: its files are the
// owner's only, also the -wal and -shm files SQLite makes beside it, and also a database an
// older version created 0644.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-migrate-mode-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const migrate = (file: string) =>
  execFileSync(process.execPath, ["scripts/migrate.mjs", "deploy", "--quiet"], { env: { ...process.env, DATABASE_URL: `file:${file}` }, stdio: "pipe" });
const mode = (f: string) => (fs.statSync(f).mode & 0o777).toString(8);

describe("migrate deploy", () => {
  it("creates the database 0600, and SQLite's -wal and -shm files follow it, whatever the umask", () => {
    const file = path.join(dir, "new.db");
    const old = process.umask(0o022);
    try {
      migrate(file);
    } finally {
      process.umask(old);
    }
    expect(mode(file)).toBe("600");
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.exec("CREATE TABLE IF NOT EXISTS probe (x)");
    expect(mode(`${file}-wal`)).toBe("600");
    expect(mode(`${file}-shm`)).toBe("600");
    db.close();
  });

  it("tightens a database an older version left readable to others", () => {
    const file = path.join(dir, "old.db");
    migrate(file);
    fs.chmodSync(file, 0o644);
    migrate(file);
    expect(mode(file)).toBe("600");
  });
});
