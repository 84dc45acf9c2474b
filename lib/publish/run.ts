import { spawn } from "node:child_process";
import os from "node:os";

/**
 * Runs a program to its end, its stdout and stderr together (the last `keepChars` of them), killed
 * after `timeoutMs`. Never throws: a program that cannot start answers code null with the reason.
 * The DHCP validators (validate.ts), rsync (deliver.ts) and ipmitool (lib/power/ipmi.ts) run through
 * it; `options` hands a program its own environment (secrets there, never in its arguments) and a
 * signal that stops it.
 */
export async function runProgram(
  bin: string,
  args: string[],
  timeoutMs: number,
  keepChars = 1_000_000,
  options: Pick<RunOptions, "env" | "signal" | "nice"> = {},
): Promise<{ code: number | null; output: string; signal: NodeJS.Signals | null }> {
  const r = await runProcess(bin, args, { timeoutMs, keepChars, ...options });
  if (r.error !== undefined) return { code: null, output: `${r.output}${r.error}`, signal: null };
  return { code: r.code, output: r.signal ? `${r.output}\n(stopped by ${r.signal})` : r.output, signal: r.signal };
}

export interface RunOptions {
  timeoutMs: number;
  /** the whole environment of the program (by default the console's own) */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** stops the program as the timeout does */
  signal?: AbortSignal;
  /**
   * the program leads a process group of its own, and the whole group is killed (SIGKILL) at the
   * timeout, on abort, and once the program has exited: nothing it started outlives it
   */
  processGroup?: boolean;
  /** how much of the end of stdout + stderr is kept */
  keepChars?: number;
  /** a lower priority (setpriority(2), 1-19) for a program that runs beside the console's own work */
  nice?: number;
}

export interface RunOutcome {
  /** the exit code, null when the program was killed or did not start */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** why the console killed it, if it did */
  stopped: "timeout" | "aborted" | null;
  /** why it could not start */
  error?: string;
  /** the last keepChars of stdout and stderr, as they came */
  output: string;
  /** the first STDOUT_HEAD characters of stdout alone: what a program answers */
  stdout: string;
}

const STDOUT_HEAD = 4096;
/** after the program's exit, how long the output of what it left behind is waited for */
const PIPE_GRACE_MS = 1000;

/** Runs a program to its end, as runProgram, with the options a caller that hands it secrets needs. */
export function runProcess(bin: string, args: string[], options: RunOptions): Promise<RunOutcome> {
  const keepChars = options.keepChars ?? 1_000_000;
  return new Promise((resolve) => {
    let output = "";
    let stdout = "";
    let stopped: RunOutcome["stopped"] = null;
    let settled = false;
    const child = spawn(bin, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: options.env as NodeJS.ProcessEnv | undefined,
      cwd: options.cwd,
      detached: options.processGroup ?? false,
    });
    if (options.nice && child.pid) {
      try {
        os.setPriority(child.pid, options.nice);
      } catch {
        // gone already, or not allowed: it runs at the console's priority
      }
    }
    const kill = () => {
      try {
        if (options.processGroup && child.pid) process.kill(-child.pid, "SIGKILL");
        else child.kill("SIGKILL");
      } catch {
        // already gone
      }
    };
    const stop = (why: "timeout" | "aborted") => {
      stopped ??= why;
      kill();
    };
    const timer = setTimeout(() => stop("timeout"), options.timeoutMs);
    const onAbort = () => stop("aborted");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    const finish = (r: Omit<RunOutcome, "output" | "stdout" | "stopped">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve({ ...r, stopped, output, stdout });
    };
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-keepChars);
    };
    child.stdout.on("data", (b: Buffer) => {
      if (stdout.length < STDOUT_HEAD) stdout = (stdout + b.toString()).slice(0, STDOUT_HEAD);
      keep(b);
    });
    child.stderr.on("data", keep);
    child.on("error", (e) => finish({ code: null, signal: null, error: e.message }));
    child.on("exit", (code, signal) => {
      if (options.processGroup) kill();
      // a child that left the group may still hold the pipes: do not wait for it forever
      const grace = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish({ code, signal });
      }, PIPE_GRACE_MS);
      child.on("close", () => {
        clearTimeout(grace);
        finish({ code, signal });
      });
    });
  });
}
