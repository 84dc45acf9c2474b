import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";

// Post-publish hooks, run-parts style: every executable file in the hooks directory runs in name
// order after a publication wrote its files (reload the DHCP server, `vos release` the boot
// volume, rsync to a second boot server). They are files on the server, not settings in the
// web UI: whoever can run commands here already administers the machine.
//
// Each hook gets the publication on its environment and the changed paths on stdin, has a
// timeout, and its exit code and output are recorded with the publication. A failing hook does
// not undo the publication (the files are already live); the console shows the failure.

export interface HookResult {
  name: string;
  exitCode: number | null;
  /** "ok", "failed" (non-zero exit), "timeout" or "error" (could not start) */
  status: "ok" | "failed" | "timeout" | "error";
  output: string;
  durationMs: number;
}

export interface HookContext {
  exportDir: string;
  publicationId: string;
  /** added/changed/removed paths, relative to the export directory */
  changes: { path: string; change: string; kind: string }[];
}

const MAX_OUTPUT = 16 * 1024;
/** run-parts' rule: names of letters, digits, '_' and '-' only (skips editor backups, *.dpkg-old, dotfiles). */
const NAME = /^[A-Za-z0-9_-]+$/;

export function hooksDir(): string {
  const e = env();
  return e.AFSBOOT_HOOKS_DIR ?? path.join(path.resolve(e.AFSBOOT_DATA_DIR), "hooks", "post-publish.d");
}

export function hookTimeoutMs(): number {
  return env().AFSBOOT_HOOK_TIMEOUT * 1000;
}

/** The hooks that would run, in order (for the Publish page and the CLI). */
export function listHooks(dir = hooksDir()): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => NAME.test(n))
    .filter((n) => {
      try {
        const st = fs.statSync(path.join(dir, n));
        return st.isFile() && (st.mode & 0o111) !== 0;
      } catch {
        return false;
      }
    })
    .sort();
}

function runOne(file: string, ctx: HookContext, timeoutMs: number): Promise<HookResult> {
  const started = performance.now();
  const kinds = [...new Set(ctx.changes.map((c) => c.kind))].sort();
  return new Promise((resolve) => {
    let output = "";
    let timedOut = false;
    const done = (r: Omit<HookResult, "name" | "durationMs" | "output">) =>
      resolve({
        name: path.basename(file),
        ...r,
        output: output.length > MAX_OUTPUT ? `…${output.slice(-MAX_OUTPUT)}` : output,
        durationMs: Math.round(performance.now() - started),
      });
    const child = spawn(file, [], {
      cwd: ctx.exportDir,
      // own process group, so a timeout stops the hook's children too
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
      env: {
        ...process.env,
        AFSBOOT_EXPORT_DIR: ctx.exportDir,
        AFSBOOT_PUBLICATION_ID: ctx.publicationId,
        AFSBOOT_CHANGED_COUNT: String(ctx.changes.length),
        /** e.g. "dhcpd,ipxe,pxelinux": a hook restarts dhcpd only when its config changed */
        AFSBOOT_CHANGED_KINDS: kinds.join(","),
      },
    });
    const append = (b: Buffer) => {
      output += b.toString();
      if (output.length > 4 * MAX_OUTPUT) output = output.slice(-MAX_OUTPUT);
    };
    child.stdout.on("data", append);
    child.stderr.on("data", append);
    child.stdin.on("error", () => {}); // a hook that does not read stdin closes it early
    child.stdin.end(ctx.changes.map((c) => `${c.change}\t${c.path}\n`).join(""));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      output += String(e.message);
      done({ exitCode: null, status: "error" });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (timedOut) {
        output += `\n[afsboot] stopped after ${Math.round(timeoutMs / 1000)} s`;
        done({ exitCode: code, status: "timeout" });
      } else done({ exitCode: code, status: code === 0 ? "ok" : "failed" });
    });
  });
}

/** Runs every hook in order (one after another: a reload may depend on an earlier sync). */
export async function runHooks(ctx: HookContext, dir = hooksDir(), timeoutMs = hookTimeoutMs()): Promise<HookResult[]> {
  const results: HookResult[] = [];
  for (const name of listHooks(dir)) results.push(await runOne(path.join(dir, name), ctx, timeoutMs));
  return results;
}
