import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { HOST_FILES, hostCommands, type TpmCommand } from "@/lib/tpm/host-commands";
import { pidAlive } from "@/lib/pid";

// A real TPM 2.0 for tests: swtpm (libtpms) on 127.0.0.1 with a fresh state directory, already
// initialised and started (`--flags not-need-init,startup-clear`), and the host side of the
// identity protocol run against it with tpm2-tools (the commands /init runs: lib/tpm/host-commands.ts).
// Processes are stopped by PID; temporary directories are removed.

const TOOLS = ["swtpm", "tpm2_createek", "tpm2_createak", "tpm2_evictcontrol", "tpm2_readpublic", "tpm2_activatecredential", "tpm2_makecredential"];

function onPath(bin: string): boolean {
  return (process.env.PATH ?? "").split(":").some((d) => d !== "" && fs.existsSync(path.join(d, bin)));
}

/** Why the real-TPM tests cannot run here, or null when they can. */
export function swtpmMissing(): string | null {
  const missing = TOOLS.filter((b) => !onPath(b));
  return missing.length ? `${missing.join(", ")} not installed (Debian: apt-get install swtpm swtpm-tools tpm2-tools)` : null;
}

function listen(port: number): Promise<net.Server | null> {
  const s = net.createServer();
  return new Promise((resolve) => {
    s.once("error", () => resolve(null));
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}

const close = (s: net.Server) => new Promise<void>((resolve) => s.close(() => resolve()));

/**
 * Two adjacent TCP ports on 127.0.0.1 where nothing listens (free a moment ago): the swtpm TCTI
 * takes one port and talks to the control channel on the next one.
 */
async function freeTcpPortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const first = await listen(0);
    if (!first) continue;
    const port = (first.address() as net.AddressInfo).port;
    const second = port < 65535 ? await listen(port + 1) : null;
    await close(first);
    if (second) {
      await close(second);
      return port;
    }
  }
  throw new Error("no two adjacent free TCP ports on 127.0.0.1");
}

export interface Swtpm {
  /** for TPM2TOOLS_TCTI: swtpm:host=127.0.0.1,port=P */
  tcti: string;
  pid: number;
  /** a temporary directory of this TPM's (state and the hosts' working directories) */
  dir: string;
  /** what swtpm printed */
  log(): string;
  stop(): Promise<void>;
}

export interface ToolResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one tpm2-tools command against the TPM, in `cwd`. */
export function tpm2(tpm: Pick<Swtpm, "tcti">, argv: readonly string[], cwd: string): ToolResult {
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, env: { ...process.env, TPM2TOOLS_TCTI: tpm.tcti }, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

/** Runs the commands in order; stops at the first that fails and returns it (null when all worked). */
export function runCommands(tpm: Pick<Swtpm, "tcti">, cmds: readonly TpmCommand[], cwd: string): (ToolResult & { argv: readonly string[] }) | null {
  for (const c of cmds) {
    const r = tpm2(tpm, c.argv, cwd);
    if (r.status !== 0) return { ...r, argv: c.argv };
  }
  return null;
}

const alive = pidAlive;

async function launch(dir: string): Promise<Swtpm | { failed: string }> {
  const port = await freeTcpPortPair();
  const ctrl = port + 1; // where the swtpm TCTI expects the control channel
  const logPath = path.join(dir, "swtpm.log");
  const logFd = fs.openSync(logPath, "a");
  const child = spawn(
    "swtpm",
    [
      "socket",
      "--tpm2",
      "--tpmstate",
      `dir=${path.join(dir, "state")}`,
      "--server",
      `type=tcp,port=${port},bindaddr=127.0.0.1`,
      "--ctrl",
      `type=tcp,port=${ctrl},bindaddr=127.0.0.1`,
      "--flags",
      "not-need-init,startup-clear",
    ],
    { stdio: ["ignore", logFd, logFd] },
  );
  fs.closeSync(logFd);
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void gone.then(() => (exited = true));
  const pid = child.pid ?? -1;
  const log = () => (fs.existsSync(logPath) ? fs.readFileSync(logPath, "utf8") : "");
  const tpm: Swtpm = {
    tcti: `swtpm:host=127.0.0.1,port=${port}`,
    pid,
    dir,
    log,
    async stop() {
      if (pid > 0 && !exited && alive(pid)) {
        process.kill(pid, "SIGTERM");
        await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (!exited && alive(pid)) process.kill(pid, "SIGKILL");
      }
    },
  };
  // ready when the TPM answers a command (a generous bound for a busy machine)
  for (let i = 0; i < 100 && !exited; i++) {
    if (tpm2(tpm, ["tpm2_getrandom", "--hex", "4"], dir).status === 0) return tpm;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await tpm.stop();
  return { failed: log().trim() || "no output" };
}

/** Starts a fresh software TPM 2.0 on 127.0.0.1; resolves once it answers tpm2-tools. */
export async function startSwtpm(): Promise<Swtpm> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-swtpm-"));
  fs.mkdirSync(path.join(dir, "state"));
  const errors: string[] = [];
  // the ports were free a moment ago; another process may have taken one since
  for (let attempt = 0; attempt < 3; attempt++) {
    const r = await launch(dir);
    if (!("failed" in r)) {
      const stop = r.stop;
      return { ...r, stop: () => stop().finally(() => fs.rmSync(dir, { recursive: true, force: true })) };
    }
    errors.push(r.failed);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  throw new Error(`swtpm did not start: ${errors.join(" / ")}`);
}

/** One boot of a host with this TPM: its working directory and what it sends the console. */
export interface HostBoot {
  dir: string;
  /** ek.pub, ak.pub (TPM2B_PUBLIC) and ak.name as tpm2-tools wrote them */
  ekPub: Buffer;
  akPub: Buffer;
  akName: Buffer;
  /** whether this boot created and persisted the AK (the TPM had none) */
  akCreated: boolean;
  /** Runs the activation with the console's credential file: K, or the failing command's stderr. */
  activate(credential: Buffer): { ok: true; key: Buffer } | { ok: false; error: string };
}

let boots = 0;

function failure(r: ToolResult & { argv: readonly string[] }): Error {
  return new Error(`${r.argv.join(" ")} failed (${r.status}): ${r.stderr.trim()}`);
}

/** What /init does before it asks the console: recreate the EK, read (or create and persist) the AK. */
export function bootHost(tpm: Swtpm): HostBoot {
  const dir = path.join(tpm.dir, `boot-${++boots}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  const file = (name: string) => path.join(dir, name);
  const createdEk = runCommands(tpm, hostCommands.createEk, dir);
  if (createdEk) throw failure(createdEk);
  let akCreated = false;
  if (runCommands(tpm, hostCommands.readAk, dir)) {
    const created = runCommands(tpm, hostCommands.createAk, dir);
    if (created) throw failure(created);
    akCreated = true;
  }
  return {
    dir,
    ekPub: fs.readFileSync(file(HOST_FILES.ekPub)),
    akPub: fs.readFileSync(file(HOST_FILES.akPub)),
    akName: fs.readFileSync(file(HOST_FILES.akName)),
    akCreated,
    activate(credential) {
      fs.rmSync(file(HOST_FILES.key), { force: true });
      fs.writeFileSync(file(HOST_FILES.credential), credential);
      const failed = runCommands(tpm, hostCommands.activate, dir);
      for (const c of hostCommands.cleanup) tpm2(tpm, c.argv, dir);
      if (failed) return { ok: false, error: failed.stderr.trim() };
      return { ok: true, key: fs.readFileSync(file(HOST_FILES.key)) };
    },
  };
}
