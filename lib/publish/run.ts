import { spawn } from "node:child_process";

export interface RunOptions {
  /** the program's whole environment (default: this process's); pass secrets here, never in args */
  env?: Record<string, string>;
  /** aborting kills the program (SIGKILL) */
  signal?: AbortSignal;
}

export interface RunResult {
  code: number | null;
  output: string;
  /** the signal that ended the program (SIGKILL at the timeout or on abort), null when it exited */
  signal: NodeJS.Signals | null;
}

/**
 * Runs a program to its end, its stdout and stderr together (the last `keepChars` of them), killed
 * after `timeoutMs`. Never throws: a program that cannot start answers code null with the reason.
 * The DHCP validators (validate.ts), rsync (deliver.ts) and ipmitool (lib/power/ipmi.ts) run through it.
 */
export function runProgram(bin: string, args: string[], timeoutMs: number, keepChars = 1_000_000, options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    let output = "";
    let done = false;
    const finish = (r: RunResult) => {
      if (!done) resolve(r);
      done = true;
    };
    const child = spawn(bin, args, {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
      killSignal: "SIGKILL",
      // (Next.js's types make NODE_ENV required in a ProcessEnv; a child's environment need not have it)
      env: (options.env as NodeJS.ProcessEnv | undefined) ?? process.env,
      signal: options.signal,
    });
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-keepChars);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    // an abort reports an AbortError first, then close with SIGKILL: wait for close when it was started
    child.on("error", (e) => {
      if (child.pid === undefined || e.name !== "AbortError") finish({ code: null, output: `${output}${e.message}`, signal: null });
    });
    child.on("close", (code, signal) => finish({ code, output: signal ? `${output}\n(stopped by ${signal})` : output, signal }));
  });
}
