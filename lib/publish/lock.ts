import fs from "node:fs";
import path from "node:path";
import { pidAlive } from "@/lib/pid";

// One publisher per export directory at a time, across processes (the console and a CLI run
// may publish into the same directory): an exclusive lock file holding the owner's pid. A lock
// whose process is gone (killed publisher) is taken over.

export class PublishBusyError extends Error {
  override name = "PublishBusyError";
}

const LOCK = ".afsboot-publish.lock";

const alive = pidAlive;

export async function withExportLock<T>(outDir: string, fn: () => Promise<T>, waitMs = 10_000): Promise<T> {
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, LOCK);
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(fs.readFileSync(file, "utf8").trim());
      // a live owner (this process too: a second request while one publishes) is waited for
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        if (attempt * 100 >= waitMs) throw new PublishBusyError(`another publication into ${outDir} is running (pid ${pid}); try again when it has finished`);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      fs.rmSync(file, { force: true }); // stale: its publisher is gone
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

export const isLockFile = (name: string) => name === LOCK;
