import fs from "node:fs";
import { mapLimit } from "../concurrency";
import os from "node:os";
import path from "node:path";
import { runProgram } from "./run";

// A publication delivered to each boot server's own copy of the export directory, by rsync (over
// SSH to [user@]host:/path, or to a local path). On the boot server the copy is laid out as
//
//   <path>/snapshots/<publication id>/   one complete export tree per delivery (unchanged files
//                                        hard-linked to the previous tree, so a delivery costs
//                                        what changed)
//   <path>/current -> snapshots/<id>     what the servers serve: TFTP root <path>/current, HTTP
//                                        root <path> with URLs under /current/ (or a server that
//                                        resolves the link per request, like nginx)
//
// and switched by replacing the `current` link: rsync writes a link under a temporary name and
// renames it over the old one, so a reader sees the old tree or the new one, never half of each
// (rsync's --delay-updates would rename file by file: a host could fetch a new iPXE script that
// names an overlay not yet renamed into place). The two trees before the new one are kept, for
// readers still fetching from them; older ones are deleted last. A failed step leaves `current`
// as it was; the next publication sends the whole tree again (rsync sends only differences), so a
// server that was down catches up by itself.

export interface DeliveryTarget {
  server: string;
  /** a local absolute path, or [user@]host:/absolute/path */
  deliverTo: string;
}

export interface DeliveryOutcome {
  server: string;
  target: string;
  status: "delivered" | "failed";
  /** rsync's output when it failed (its last lines), or a clean-up problem of a delivered one; else null */
  message: string | null;
  durationMs: number;
}

export interface DeliveryOptions {
  /** the rsync program (AFSBOOT_RSYNC) */
  rsync: string;
  /** the remote shell for host:/path targets (AFSBOOT_RSYNC_RSH), e.g. "ssh -o BatchMode=yes" */
  rsh: string;
  /** rsync's --timeout and --contimeout, seconds: a server that stops answering fails its delivery */
  ioTimeoutSeconds: number;
  /** how many servers are delivered to at once */
  parallel: number;
}

/** How many earlier snapshots stay on a server beside the new one. */
export const KEEP_PREVIOUS = 2;

const SNAPSHOT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The directory a boot server's DHCP configs name for its copy: <path>/current. */
export function deliveredExportDir(deliverTo: string): string {
  const p = deliverTo.replace(/^[^/]*:/, "").replace(/\/+$/, "");
  return `${p}/current`;
}

/** Files of the export directory that are not part of a publication (the lock, half-written temps). */
const EXCLUDES = ["/.afsboot-publish.lock", ".*.tmp-*"];

/** rsync's notes that are not problems: the first delivery has no previous tree to link against. */
const noise = (line: string) => /^--link-dest arg does not exist:/.test(line) || line.trim() === "";

/**
 * Sends `exportDir` to one boot server as snapshot `snapshot` and makes it current, then removes
 * snapshots other than it and `keep`. Never throws: a failure is an outcome with rsync's message.
 */
export async function deliverOne(exportDir: string, target: DeliveryTarget, snapshot: string, keep: string[], opts: DeliveryOptions): Promise<DeliveryOutcome> {
  const t0 = performance.now();
  const done = (status: DeliveryOutcome["status"], message: string | null): DeliveryOutcome => ({
    server: target.server,
    target: target.deliverTo,
    status,
    message,
    durationMs: Math.round(performance.now() - t0),
  });
  if (!SNAPSHOT_NAME.test(snapshot) || keep.some((k) => !SNAPSHOT_NAME.test(k)))
    return done("failed", `snapshot name ${JSON.stringify(snapshot)} is not plain`);
  const dest = target.deliverTo.replace(/\/+$/, "");
  const remote = !dest.startsWith("/");
  // --timeout: no data for that long fails the step (connecting is the remote shell's: ssh's ConnectTimeout)
  const common = ["--timeout", String(opts.ioTimeoutSeconds), ...(remote ? ["-e", opts.rsh] : [])];
  // a local target inside the export directory would copy itself into itself
  if (!remote) {
    const src = path.resolve(exportDir);
    if (dest === src || dest.startsWith(`${src}/`) || src.startsWith(`${dest}/`)) return done("failed", `${dest} overlaps the export directory ${src}`);
  }
  const limit = (opts.ioTimeoutSeconds + 10) * 1000 * 6;
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-deliver-"));
  try {
    const step = async (what: string, args: string[]) => {
      const r = await runProgram(opts.rsync, [...common, ...args], limit, 8000);
      if (r.code === 0) return null;
      const lines = r.output.split("\n").filter((l) => !noise(l));
      return `${what}: rsync exited ${r.code ?? "abnormally"}: ${lines.slice(-6).join("\n").trim() || "(no output)"}`;
    };
    // 1. the new tree beside the old, unchanged files hard-linked to what is served now
    const copy = await step("copying the export", [
      "-a",
      // a file changed by the next publication within the same second may keep its size: compare
      // modification times to the nanosecond (the console writes every changed file anew)
      "--modify-window=-1",
      "--delete",
      "--mkpath",
      ...EXCLUDES.flatMap((e) => ["--exclude", e]),
      "--link-dest=../../current",
      `${path.resolve(exportDir)}/`,
      `${dest}/snapshots/${snapshot}/`,
    ]);
    if (copy) return done("failed", copy);
    // 2. the switch: a link named `current`, replaced by rename on the server
    fs.symlinkSync(`snapshots/${snapshot}`, path.join(stage, "current"));
    const link = await step("switching current", ["-l", path.join(stage, "current"), `${dest}/`]);
    if (link) return done("failed", link);
    // 3. older snapshots go: an empty directory per kept one, everything else in snapshots/ deleted
    const kept = path.join(stage, "snapshots");
    for (const k of new Set([snapshot, ...keep])) fs.mkdirSync(path.join(kept, k), { recursive: true });
    const prune = await step("removing old snapshots", ["-d", "--delete", "--existing", "--ignore-existing", `${kept}/`, `${dest}/snapshots/`]);
    // the new tree is current already: a failed clean-up is said, the delivery still counts
    return done("delivered", prune);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

/** Delivers to every target, `opts.parallel` at a time; one server's failure never stops another. */
export async function deliverAll(
  exportDir: string,
  targets: DeliveryTarget[],
  snapshot: string,
  keepOf: (server: string) => string[],
  opts: DeliveryOptions,
): Promise<DeliveryOutcome[]> {
  return mapLimit(targets, opts.parallel, (t) => deliverOne(exportDir, t, snapshot, keepOf(t.server), opts));
}
