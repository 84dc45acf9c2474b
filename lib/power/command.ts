import fs from "node:fs/promises";
import { redact } from "./redact";
import path from "node:path";
import { runProcess } from "@/lib/publish/run";
import type { BmcTarget, PowerAction, PowerDriver, PowerOptions, PowerResult, PowerState } from "./types";

// The `command` driver: an admin's executable for PDUs, smart plugs and anything else, the only
// program of the power drivers that is not ours. It gets
//   - the action as its first argument: status | on | off | cycle | reset | pxe
//   - in an environment of its own (never the console's, which holds the server secret):
//     AFSBOOT_ACTION, AFSBOOT_HOST, AFSBOOT_MAC, AFSBOOT_IP, AFSBOOT_BMC_ADDRESS, AFSBOOT_BMC_USER,
//     AFSBOOT_BMC_PASSWORD (empty when not set), PATH, HOME=/nonexistent, LANG=C
// and answers by
//   - exit 0: done; for status, the first word of stdout is the state: on | off (else unknown)
//   - exit 3 for pxe: this command cannot set a network boot (the result says "not supported")
//   - any other exit: failed, the end of its output is the message
// It runs in its own process group, killed whole (SIGKILL) at the timeout and once it has exited.

const ENV_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** exit code of a command that cannot do pxe */
export const EXIT_NOT_SUPPORTED = 3;
/** the message keeps the output's last lines, this many characters at most */
const MESSAGE_LINES = 8;
const MESSAGE_CHARS = 800;

export function commandDriver(options: { dir: string }): PowerDriver {
  return {
    supports: () => true, // the command decides (pxe: exit 3)
    run: (target, action, runOptions) => runCommand(options.dir, target, action, runOptions),
  };
}

async function runCommand(dir: string, target: BmcTarget, action: PowerAction, options: PowerOptions): Promise<PowerResult> {
  const started = Date.now();
  const result = (ok: boolean, message: string, state?: PowerState): PowerResult => ({
    ok,
    message: redact(message, target.password),
    durationMs: Date.now() - started,
    ...(state ? { state } : {}),
  });
  const file = await executableIn(dir, target.command);
  if (!file.ok) return result(false, file.message);

  const r = await runProcess(file.path, [action], {
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    env: commandEnvironment(target, action),
    cwd: dir,
    processGroup: true,
    keepChars: 64 * 1024,
  });
  const said = lastLines(redact(r.output, target.password));
  const name = target.command;
  if (r.error !== undefined) return result(false, `${name} could not start: ${r.error}`);
  if (r.stopped === "timeout")
    return result(false, `${name} did not finish within ${seconds(options.timeoutMs)} s: killed (with what it started)${tail(said)}`);
  if (r.stopped === "aborted") return result(false, `${name} was cancelled: killed (with what it started)${tail(said)}`);
  if (r.code === null) return result(false, `${name} was killed by ${r.signal ?? "a signal"}${tail(said)}`);
  if (r.code === EXIT_NOT_SUPPORTED && action === "pxe") return result(false, `${name} does not support pxe (exit ${EXIT_NOT_SUPPORTED})${tail(said)}`);
  if (r.code !== 0) return result(false, `${name} ${action} failed (exit ${r.code})${tail(said)}`);
  if (action === "status") {
    const word = r.stdout.trim().split(/\s+/)[0]?.toLowerCase();
    const state: PowerState = word === "on" || word === "off" ? word : "unknown";
    return result(true, said || `power ${state}`, state);
  }
  return result(true, said || `${name} ${action}: done`);
}

/** Only a plain file name inside dir, executable: no path, no hidden file, nothing from elsewhere. */
async function executableIn(dir: string, name: string | null): Promise<{ ok: true; path: string } | { ok: false; message: string }> {
  if (!name) return { ok: false, message: "no command is set for this BMC (the command driver runs a file of the power directory)" };
  if (!/^[A-Za-z0-9_][A-Za-z0-9._+-]*$/.test(name) || name.includes("..")) {
    return {
      ok: false,
      message: `the command "${name.slice(0, 100)}" is not a plain file name (letters, digits, . _ + -; no "/", no "..", not starting with "."): it must be a file in the power directory`,
    };
  }
  const file = path.join(dir, name);
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return { ok: false, message: `the command ${name} is not a file in ${dir}` };
    await fs.access(file, fs.constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { ok: false, message: `the command ${name} does not exist in ${dir}` };
    if (code === "EACCES") return { ok: false, message: `the command ${name} in ${dir} is not executable (chmod +x it)` };
    return { ok: false, message: `the command ${name} in ${dir} cannot be used: ${code ?? String(e)}` };
  }
  return { ok: true, path: file };
}

/** The command's whole environment: what it needs about the host and its BMC, nothing of the console's. */
export function commandEnvironment(target: BmcTarget, action: PowerAction): Record<string, string> {
  return {
    PATH: ENV_PATH,
    HOME: "/nonexistent",
    LANG: "C",
    AFSBOOT_ACTION: action,
    AFSBOOT_HOST: target.host,
    AFSBOOT_MAC: target.mac,
    AFSBOOT_IP: target.ip,
    AFSBOOT_BMC_ADDRESS: target.address,
    AFSBOOT_BMC_USER: target.user ?? "",
    AFSBOOT_BMC_PASSWORD: target.password ?? "",
  };
}

function lastLines(output: string): string {
  const lines = output
    .split("\n")
    .map((l) => l.trimEnd())
    .filter(Boolean);
  return lines.slice(-MESSAGE_LINES).join("\n").slice(-MESSAGE_CHARS);
}

const tail = (said: string) => (said ? `: ${said}` : "");
const seconds = (ms: number) => (ms / 1000).toLocaleString("en", { maximumFractionDigits: 1 });
