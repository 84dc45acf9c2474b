import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { withExportLock } from "./lock";

describe("export directory lock", () => {
  it("waits for a live publisher, then gives up; takes over the lock of a dead one", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-lock-"));
    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      fs.writeFileSync(path.join(dir, ".afsboot-publish.lock"), `${sleeper.pid}\n`);
      await expect(withExportLock(dir, async () => 1, 300)).rejects.toThrow(`another publication into ${dir} is running (pid ${sleeper.pid})`);
    } finally {
      sleeper.kill("SIGKILL");
      await new Promise((r) => sleeper.once("exit", r));
    }
    // the sleeper is gone: its lock is stale
    expect(await withExportLock(dir, async () => 42, 300)).toBe(42);
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
