import { spawn } from "node:child_process";

/**
 * Runs a program to its end, its stdout and stderr together (the last `keepChars` of them), killed
 * after `timeoutMs`. Never throws: a program that cannot start answers code null with the reason.
 * The DHCP validators (validate.ts) and rsync (deliver.ts) run through it.
 */
export function runProgram(bin: string, args: string[], timeoutMs: number, keepChars = 1_000_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs, killSignal: "SIGKILL" });
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-keepChars);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (e) => resolve({ code: null, output: `${output}${e.message}` }));
    child.on("close", (code, signal) => resolve({ code, output: signal ? `${output}\n(stopped by ${signal})` : output }));
  });
}
