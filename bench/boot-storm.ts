// Boot storm benchmark: N enrolled hosts report a whole boot each, as fast as the console accepts.
//   npm run bench:boot-storm [-- --hosts 10000 --concurrency 64 --runs 1 --history 10]
//     --hosts N        hosts, each sending 8 reports in order: initrd, network, afs, root, switch,
//                      up, the same `up` again (a retry: must be answered 200 duplicate, stored once)
//                      and shutdown; form-encoded exactly as the /init's busybox wget sends them
//     --concurrency C  requests in flight at any time (keep-alive sockets), default 64
//     --runs R         storms (each with new boot ids), default 1; medians over the runs
//     --history K      historic boots per host stored before the server starts (8 events each),
//                      default 10 (10,000 hosts: 100,000 boots, 800,000 events); 0: none
//     --app-dir DIR    serve an already built copy of the console (DIR/.next/BUILD_ID); without it
//                      the sources are copied into the temporary directory and built there
//     --next-start     serve with plain `next start` (reports through the Next.js pipeline) instead of
//                      the console server bin/afsboot-server.mjs (reports answered before it)
//     --build          with --app-dir: (re)create DIR as a private copy and build it; DIR is kept,
//                      so later runs can reuse it with --app-dir DIR alone
//     --timeout MIN    hard limit for the whole run (default 15): then everything is stopped
//     --profile DIR    run the console with node --cpu-prof, its .cpuprofile written into DIR with
//                      storm-windows.json (when each console storm ran, on the profile's clock, and
//                      its requests): `node bench/profile-summary.mjs DIR` gives the CPU per request
//                      by part of the report path; the floor and page measurements are skipped
//     --keep           keep the temporary directory (database, server logs) and print its path
//     --postgres       then the same storms on a throwaway PostgreSQL cluster (this machine's
//                      postgresql package, on 127.0.0.1 in the temporary directory): the console
//                      with one replica, and with two replicas answering round-robin (as hosts with
//                      two report URLs, or a load balancer, spread them); no history there
// Everything runs in a temporary directory (never ./data) and binds to 127.0.0.1 only; the
// console is its production server (bin/afsboot-server.mjs: `next start`'s Next.js server behind
// a listener that answers the report API itself) on the embedded SQLite database, its data dir and
// secret in the temporary directory. All reports come from one source address (one proxy).
// Baselines in the same run, driven by the same load generator with the same bodies, each on its
// own copy of the same database (bench/boot-storm-baseline.mjs, node:http + better-sqlite3, no token
// check): "baseline", an upsert of the boot and an insert of the event per report; and "one-insert",
// the bare limit: one prepared insert per report (the issue's "bare one-insert baseline").
// Reports events/s, latency percentiles, status codes, the console's RSS and CPU (per request too:
// the machine is shared, CPU ms per request moves less than events/s), what the database holds
// afterwards (0 lost), the floor under the report path (the same load on GET /api/health), and the
// server time of the dashboard, a host page and the host's boots API with the history stored.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import pg from "pg";
import { createBenchCell } from "./bench-cell";

const { values: opt } = parseArgs({
  options: {
    hosts: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "64" },
    runs: { type: "string", default: "1" },
    history: { type: "string", default: "10" },
    timeout: { type: "string", default: "15" },
    "app-dir": { type: "string" },
    "next-start": { type: "boolean", default: false },
    build: { type: "boolean", default: false },
    profile: { type: "string" },
    keep: { type: "boolean", default: false },
    postgres: { type: "boolean", default: false },
    // internal: seed the database at this URL, write the tokens as JSON to --seed-out, exit
    "seed-into": { type: "string" },
    "seed-out": { type: "string" },
  },
});
const POSTGRES = opt.postgres;
const SEED_INTO = opt["seed-into"];
const N = Number(opt.hosts);
const C = Number(opt.concurrency);
const RUNS = Number(opt.runs);
const HISTORY = Number(opt.history);
const TIMEOUT_MIN = Number(opt.timeout);
const BUILD = opt.build;
const APP_DIR = opt["app-dir"] ? path.resolve(opt["app-dir"]) : undefined;
const KEEP = opt.keep;
const NEXT_START = opt["next-start"];
const SERVER = NEXT_START ? "next start" : "afsboot-server";
const PROFILE = opt.profile ? path.resolve(opt.profile) : undefined;
for (const [k, v, min, max] of [
  ["hosts", N, 1, 250_000],
  ["concurrency", C, 1, 4096],
  ["runs", RUNS, 1, 50],
  ["history", HISTORY, 0, 1000],
  ["timeout", TIMEOUT_MIN, 1, 600],
] as const) {
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${k} must be an integer from ${min} to ${max}`);
}

const root = path.resolve(import.meta.dirname, "..");
if (BUILD && APP_DIR && !path.relative(root, APP_DIR).startsWith(".."))
  throw new Error("--build never builds in the repository itself: give --app-dir a directory outside it");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-bench-storm-"));
const dbFile = path.join(dir, "storm.db");
const baseFile = path.join(dir, "baseline.db");
const bareFile = path.join(dir, "one-insert.db");
for (const k of ["AFSBOOT_SECRET", "AFSBOOT_SECRET_FILE", "AFSBOOT_TRUST_PROXY", "AFSBOOT_STALL_SECONDS", "AFSBOOT_EXPORT_DIR"]) delete process.env[k];
process.env.DATABASE_URL = SEED_INTO ?? `file:${dbFile}`;
// the secret file is created here and read by the servers too (a seeding child uses its parent's)
if (!SEED_INTO) process.env.AFSBOOT_DATA_DIR = dir;

// ---------------------------------------------------------------- processes we started, stopped on any exit

// Each child is started in its own process group (detached), so that stopping it by its PID also
// stops what it started (next build's workers).
const children = new Map<number, string>();
function signal(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
}
function track(child: ChildProcess, label: string) {
  if (child.pid) children.set(child.pid, label);
  child.on("exit", () => child.pid && children.delete(child.pid));
  return child;
}
let cleaned = false;
/** Run first on any exit: what is not a child of ours (the PostgreSQL server pg_ctl started). */
const beforeCleanup: (() => void)[] = [];
function cleanupSync() {
  if (cleaned) return;
  cleaned = true;
  for (const f of beforeCleanup) f();
  for (const pid of children.keys()) signal(pid, "SIGKILL");
  if (KEEP) console.log(`Kept ${dir} (remove it yourself)`);
  else fs.rmSync(dir, { recursive: true, force: true });
}
process.on("exit", cleanupSync);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => process.exit(130));
const deadline = setTimeout(() => {
  console.error(`\nHard timeout: ${TIMEOUT_MIN} min passed; stopping everything`);
  process.exit(2);
}, TIMEOUT_MIN * 60_000);

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  signal(child.pid!, "SIGTERM");
  const t = setTimeout(() => signal(child.pid!, "SIGKILL"), 5_000);
  await exited;
  clearTimeout(t);
}

// ---------------------------------------------------------------- small helpers

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;
const iso = (d: Date) => d.toISOString().replace(/Z$/, "+00:00");
const pad = (i: number) => String(i).padStart(5, "0");
const hostName = (i: number) => `n${pad(i)}`;
const hex2 = (x: number) => x.toString(16).padStart(2, "0");
const macOf = (i: number) => `52:54:00:${hex2((i >> 16) & 255)}:${hex2((i >> 8) & 255)}:${hex2(i & 255)}`;
const ipOf = (i: number) => {
  const hi = Math.floor(i / 250);
  return `10.${20 + (hi >> 8)}.${hi & 255}.${(i % 250) + 2}`;
};
const WARM = N; // one extra host, index N, warms each server up (route loaded, host cache filled)
const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function procStatus(pid: number): { rss: number; hwm: number } {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
    return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}
/** CPU seconds (user + system) a process has used so far. */
function procCpu(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime (fields 14 and 15)
  } catch {
    return 0;
  }
}
/** Whole machine: busy and iowait jiffies, and the total. */
function machineCpu() {
  const f = fs.readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, iowait: f[4]!, total };
}
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

async function waitHealthy(url: string, child: ChildProcess, what: string, logFile: string) {
  const t0 = Date.now();
  while (Date.now() - t0 < 90_000) {
    if (child.exitCode !== null) break;
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not answer ${url} within 90 s (exit code ${child.exitCode}); its log:\n${tail(logFile)}`);
}
const tail = (file: string, lines = 30) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n") : "(no log)");

// ---------------------------------------------------------------- the console's build

async function prepareApp(): Promise<{ appDir: string; buildMs: number | null }> {
  if (APP_DIR && !BUILD) {
    if (!fs.existsSync(path.join(APP_DIR, ".next/BUILD_ID")))
      throw new Error(`${APP_DIR}/.next/BUILD_ID is missing: build it first (--build --app-dir ${APP_DIR})`);
    return { appDir: APP_DIR, buildMs: null };
  }
  const appDir = APP_DIR ?? path.join(dir, "app");
  const marker = path.join(appDir, ".afsboot-bench-copy");
  if (fs.existsSync(appDir) && fs.readdirSync(appDir).length) {
    if (!fs.existsSync(marker)) throw new Error(`${appDir} exists and is not a copy made by this benchmark: give an empty or new directory`);
    fs.rmSync(appDir, { recursive: true, force: true });
  }
  const t0 = performance.now();
  const skip = new Set([".next", "node_modules", "data", ".git", "test-results", "playwright-report", "tmp"]);
  fs.cpSync(root, appDir, { recursive: true, filter: (src) => !skip.has(path.relative(root, src).split(path.sep)[0]!) });
  fs.writeFileSync(marker, `private copy of ${root} for bench/boot-storm.ts, ${new Date().toISOString()}\n`);
  // Turbopack refuses a node_modules symlinked from outside the project: hard links instead (same
  // file system: instant, no space), else a full copy
  try {
    execFileSync("cp", ["-al", path.join(root, "node_modules"), path.join(appDir, "node_modules")]);
  } catch {
    fs.rmSync(path.join(appDir, "node_modules"), { recursive: true, force: true });
    execFileSync("cp", ["-a", path.join(root, "node_modules"), path.join(appDir, "node_modules")]);
  }
  const log = path.join(dir, "build.log");
  const child = track(
    spawn(process.execPath, [path.join(appDir, "node_modules/next/dist/bin/next"), "build"], {
      cwd: appDir,
      env: {
        ...process.env,
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        DATABASE_URL: `file:${path.join(dir, "build.db")}`,
        AFSBOOT_DATA_DIR: path.join(dir, "build-data"),
      },
      stdio: ["ignore", fs.openSync(log, "w"), fs.openSync(log, "a")],
      detached: true,
    }),
    "next build",
  );
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  if (code !== 0) throw new Error(`next build failed (exit ${code}):\n${tail(log, 40)}`);
  return { appDir, buildMs: performance.now() - t0 };
}

// ---------------------------------------------------------------- seeding

interface Seeded {
  tokens: string[];
  cookie: string;
  apiToken: string;
}

async function seed(): Promise<Seeded> {
  const { db } = await import("@/lib/db");
  const { createNetwork } = await import("@/lib/data/networks");
  const { createRelease, createVersion } = await import("@/lib/data/releases");
  const { enrollHosts } = await import("@/lib/data/host-bulk");
  const { reportTokens } = await import("@/lib/data/snapshot");
  const { createUser } = await import("@/lib/data/users");
  const { createSession } = await import("@/lib/data/sessions");
  const { createApiToken } = await import("@/lib/data/api-tokens");
  const actor = { type: "cli" as const, id: null, name: "bench", role: "admin" as const };
  await createNetwork(actor, {
    name: "farm",
    subnet: "10.20.0.0/14",
    gateway: "10.20.0.1",
    dns: ["10.20.0.1"],
    domain: null,
    bootServer: "10.20.0.1",
    bootUrl: null,
    reportUrl: "http://10.20.0.1:3000",
    notes: "",
  });
  await createBenchCell(actor, "10.20.0.5");
  await createRelease(actor, { name: "deb-12", tree: "/afs/example.org/boot/debian/12", notes: "" });
  await createVersion(
    actor,
    "deb-12",
    { version: "1", kernel: "vmlinuz", baseInitrd: "initrd.img", modules: ["virtio_net"], readonly: ["usr"], writable: ["etc"], tmpfsSize: "512M", notes: "" },
    { activate: true },
  );
  const hosts = Array.from({ length: N + 1 }, (_, i) => ({
    name: hostName(i),
    mac: macOf(i),
    ip: ipOf(i),
    cell: "example.org",
    release: { release: "deb-12", version: null },
    tags: [],
    notes: "",
  }));
  await enrollHosts(actor, hosts);
  const byName = new Map((await reportTokens(actor)).map((t) => [t.name, t.token]));
  const tokens = hosts.map((h) => byName.get(h.name)!);
  const user = (await createUser(actor, { username: "bench", password: "bench-storm-password", role: "admin" }))!;
  const { secret } = await createSession(user.id, {});
  const apiToken = (await createApiToken(actor, { name: "bench", role: "viewer" }))!.token;
  await db.$disconnect();
  return { tokens, cookie: `afsboot_session=${secret}`, apiToken };
}

const HISTORY_STAGES = ["dhcp", "initrd", "network", "afs", "root", "switch", "up", "shutdown"];
/** K finished boots per host (one a day, the newest yesterday), 8 events each, straight into SQLite. */
function insertHistory(k: number): { boots: number; events: number } {
  const sqlite = new Database(dbFile, { timeout: 10_000 });
  const hosts = sqlite.prepare(`SELECT "id", "ip" FROM "Host" ORDER BY "name"`).all() as { id: string; ip: string }[];
  const boot =
    sqlite.prepare(`INSERT INTO "Boot" ("id", "hostId", "bootId", "state", "currentStage", "message", "startedAt", "lastEventAt", "finishedAt", "initrdSha256", "releaseVersion", "clientIp")
    VALUES (?, ?, ?, 'up', 'shutdown', 'going down', ?, ?, ?, ?, 'deb-12@1', ?)`);
  const event = sqlite.prepare(
    `INSERT INTO "BootEvent" ("id", "bootRowId", "stage", "at", "clientAt", "message", "initrdSha256", "releaseVersion", "ip") VALUES (?, ?, ?, ?, ?, ?, ?, 'deb-12@1', ?)`,
  );
  const last = sqlite.prepare(`UPDATE "Host" SET "lastBootId" = ? WHERE "id" = ?`);
  const id = (p: string) => `${p}${crypto.randomBytes(12).toString("hex")}`;
  const sha = crypto.createHash("sha256").update("history").digest("hex");
  const now = Date.now();
  let boots = 0;
  let events = 0;
  sqlite.transaction(() => {
    for (const [hi, h] of hosts.entries()) {
      let newest = "";
      for (let j = 0; j < k; j++) {
        const start = now - (k - j) * 86_400_000 + hi * 7;
        const at = HISTORY_STAGES.map((_, s) => new Date(start + s * 9_000 + (s === 7 ? 3_600_000 : 0)));
        const bootRow = id("b");
        boot.run(bootRow, h.id, `h-${crypto.randomUUID()}`, iso(at[0]!), iso(at[7]!), iso(at[6]!), sha, h.ip);
        HISTORY_STAGES.forEach((stage, s) =>
          event.run(
            id("e"),
            bootRow,
            stage,
            iso(at[s]!),
            at[s]!.toISOString().slice(0, 19) + "Z",
            `${stage} (t=${s * 9}s)`,
            s >= 2 ? sha : null,
            s >= 3 ? h.ip : null,
          ),
        );
        newest = bootRow;
        boots++;
        events += HISTORY_STAGES.length;
      }
      if (newest) last.run(newest, h.id);
    }
  })();
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  sqlite.close();
  return { boots, events };
}

// ---------------------------------------------------------------- the load generator

const STORM_STAGES = ["initrd", "network", "afs", "root", "switch", "up", "up", "shutdown"] as const;
const RETRY = 6; // index of the retried `up`
/** every byte as %XX, like the /init's urlenc */
const urlenc = (s: string) => [...Buffer.from(s, "utf8")].map((b) => `%${hex2(b)}`).join("");

/** The 8 bodies of each host's boot, exactly as the /init (initrd..switch) and afsboot-report (up, shutdown) send them. */
function bodiesFor(run: string, tokens: string[], hosts: number[]): string[][] {
  const clock = new Date().toISOString().slice(0, 19) + "Z";
  return hosts.map((i) => {
    const bootId = `${run}-${crypto.randomUUID()}`;
    const ip = ipOf(i);
    const sha = crypto.createHash("sha256").update(`overlay ${i}`).digest("hex");
    const messages = [
      "init started at 1.52s; kernel 6.1.0-28-amd64; overlay deb-12@1 for example.org",
      `eth0 ${macOf(i)} ${ip}/14, server 10.20.0.1`,
      "kafs up, cell example.org via %example.org:root.cell, tree /afs/example.org/boot/debian/12 (assigned)",
      "tmpfs 512M; read-only: usr; from tars: etc",
      "exec /sbin/init",
      "multi-user reached",
      "multi-user reached",
      "going down",
    ];
    return STORM_STAGES.map((stage, s) => {
      const t = `(t=${(1.5 + s * 4.25).toFixed(2)}s)`;
      const m = s < 5 ? `${messages[s]} ${t}` : messages[s]!;
      return `mac=${macOf(i)}&bootId=${bootId}&stage=${stage}&message=${urlenc(m)}&releaseVersion=deb-12@1&ip=${ip}&at=${clock}&initrdSha256=${sha}&token=${tokens[i]}`;
    });
  });
}

interface StormResult {
  label: string;
  wallMs: number;
  requests: number;
  latencies: Float64Array;
  statuses: Map<string, number>;
  accepted: number; // 202 on a first report
  duplicates: number; // 200 on the retried `up`
  wrong: string[]; // anything else, with a sample of what came back
  slow: number[]; // start offsets (s) of the requests that took over a second
  serverCpu: number; // CPU seconds of the server during the storm
  loadCpu: number; // CPU seconds of this process (the load generator)
  machineBusy: number; // fraction of all cores busy
  iowait: number;
  rss: { before: number; max: number; after: number; hwm: number };
}

/** A report (POST /api/v1/boot-events with the form body), or a GET of `path` when the body is "GET <path>". */
function post(agent: http.Agent, port: number, body: string): Promise<{ status: number; text: string }> {
  const get = body.startsWith("GET ") ? body.slice(4) : null;
  return new Promise((resolve) => {
    const req = http.request(
      get
        ? { host: "127.0.0.1", port, method: "GET", path: get, agent, headers: { "user-agent": "Wget" } }
        : {
            host: "127.0.0.1",
            port,
            method: "POST",
            path: "/api/v1/boot-events",
            agent,
            // what busybox wget --post-data sends (it adds Connection: close; we keep the sockets)
            headers: { "user-agent": "Wget", "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) },
          },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", (e) => resolve({ status: 0, text: `response error ${(e as NodeJS.ErrnoException).code ?? e.message}` }));
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error("no answer within 60 s")));
    req.on("error", (e) => resolve({ status: 0, text: `${(e as NodeJS.ErrnoException).code ?? ""} ${e.message}` }));
    req.end(get ? undefined : body);
  });
}

/**
 * C requests in flight; every host's reports in order, one at a time; hosts interleaved: a host
 * whose report was answered goes to the back of the line (all hosts send initrd, then network…).
 */
async function storm(label: string, port: number | number[], bodies: string[][], serverPid: number | number[], concurrency = C): Promise<StormResult> {
  // several servers (console replicas): requests go to them in turn
  const ports = Array.isArray(port) ? port : [port];
  const pids = Array.isArray(serverPid) ? serverPid : [serverPid];
  const cpuOf = () => pids.reduce((sum, pid) => sum + procCpu(pid), 0);
  const rssOf = () => pids.reduce((sum, pid) => sum + procStatus(pid).rss, 0);
  let sent = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const total = bodies.reduce((a, b) => a + b.length, 0);
  const latencies = new Float64Array(total);
  const statuses = new Map<string, number>();
  const wrong: string[] = [];
  const slow: number[] = [];
  const next = new Int32Array(bodies.length);
  const line: number[] = bodies.map((_, i) => i);
  let head = 0;
  let done = 0;
  let accepted = 0;
  let duplicates = 0;
  const rss = { before: rssOf(), max: 0, after: 0, hwm: 0 };
  const sampler = setInterval(() => (rss.max = Math.max(rss.max, rssOf())), 250);
  const cpu0 = cpuOf();
  const load0 = process.cpuUsage();
  const m0 = machineCpu();
  const t0 = performance.now();
  const worker = async () => {
    while (head < line.length) {
      const h = line[head++]!;
      const k = next[h]!++;
      const s = process.hrtime.bigint();
      const { status, text } = await post(agent, ports[sent++ % ports.length]!, bodies[h]![k]!);
      const ms = Number(process.hrtime.bigint() - s) / 1e6;
      latencies[done++] = ms;
      if (ms > 1000) slow.push((performance.now() - ms - t0) / 1000);
      const key = status === 0 ? "error" : String(status);
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      const dup = bodies[h]!.length === STORM_STAGES.length && k === RETRY;
      if (bodies[h]![k]!.startsWith("GET ") && status === 200) accepted++;
      else if (status === 202 && !dup) accepted++;
      else if (status === 200 && dup) duplicates++;
      else if (wrong.length < 2000) wrong.push(`${hostName(h)} ${STORM_STAGES[k]}${dup ? " (retry)" : ""}: ${status || "no answer"} ${text.slice(0, 200)}`);
      if (next[h]! < bodies[h]!.length) line.push(h);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, worker));
  const wallMs = performance.now() - t0;
  const m1 = machineCpu();
  const load1 = process.cpuUsage(load0);
  clearInterval(sampler);
  agent.destroy();
  rss.after = rssOf();
  rss.hwm = pids.reduce((sum, pid) => sum + procStatus(pid).hwm, 0);
  rss.max = Math.max(rss.max, rss.after);
  return {
    label,
    wallMs,
    requests: done,
    latencies: latencies.slice(0, done).sort(),
    statuses,
    accepted,
    duplicates,
    wrong,
    slow,
    serverCpu: cpuOf() - cpu0,
    loadCpu: (load1.user + load1.system) / 1e6,
    machineBusy: (m1.busy - m0.busy) / (m1.total - m0.total),
    iowait: (m1.iowait - m0.iowait) / (m1.total - m0.total),
    rss,
  };
}

const pct = (sorted: Float64Array, q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]! : NaN);
const rate = (r: StormResult) => r.accepted / (r.wallMs / 1000);
const cpuPerRequest = (r: StormResult) => (r.serverCpu * 1000) / r.requests;
const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

/** What the database holds for one storm (boot ids `${run}-…`). */
function stored(file: string, run: string) {
  const sqlite = new Database(file, { readonly: true, timeout: 10_000 });
  const like = `${run}-%`;
  const boots = (sqlite.prepare(`SELECT COUNT(*) n FROM "Boot" WHERE "bootId" LIKE ?`).get(like) as { n: number }).n;
  const events = (
    sqlite.prepare(`SELECT COUNT(*) n FROM "BootEvent" e JOIN "Boot" b ON b."id" = e."bootRowId" WHERE b."bootId" LIKE ?`).get(like) as { n: number }
  ).n;
  const states = sqlite
    .prepare(`SELECT "state" || '/' || "currentStage" s, COUNT(*) n FROM "Boot" WHERE "bootId" LIKE ? GROUP BY 1 ORDER BY 2 DESC`)
    .all(like) as { s: string; n: number }[];
  const lastBoot = (
    sqlite.prepare(`SELECT COUNT(*) n FROM "Host" h JOIN "Boot" b ON b."id" = h."lastBootId" WHERE b."bootId" LIKE ?`).get(like) as { n: number }
  ).n;
  const all = sqlite.prepare(`SELECT (SELECT COUNT(*) FROM "Boot") boots, (SELECT COUNT(*) FROM "BootEvent") events`).get() as {
    boots: number;
    events: number;
  };
  sqlite.close();
  return { boots, events, states: states.map((x) => `${x.s} ×${x.n}`).join(", "), lastBoot, all };
}

/** stored() of a storm on the one-insert baseline (its "BareReport" rows; it keeps no last boot). */
function storedBare(file: string, run: string): ReturnType<typeof stored> {
  const sqlite = new Database(file, { readonly: true, timeout: 10_000 });
  const like = `${run}-%`;
  const got = sqlite.prepare(`SELECT COUNT(*) events, COUNT(DISTINCT "hostId" || ' ' || "bootId") boots FROM "BareReport" WHERE "bootId" LIKE ?`).get(like) as {
    events: number;
    boots: number;
  };
  const all = sqlite.prepare(`SELECT COUNT(*) events, COUNT(DISTINCT "hostId" || ' ' || "bootId") boots FROM "BareReport"`).get() as {
    events: number;
    boots: number;
  };
  sqlite.close();
  return { ...got, states: "one row per report", lastBoot: 0, all };
}

/** stored() of a storm on PostgreSQL. */
async function storedPg(url: string, run: string): Promise<ReturnType<typeof stored>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const like = `${run}-%`;
    const one = async (sql: string) => Number((await client.query<{ n: string }>(sql, [like])).rows[0]!.n);
    const boots = await one(`SELECT COUNT(*) n FROM "Boot" WHERE "bootId" LIKE $1`);
    const events = await one(`SELECT COUNT(*) n FROM "BootEvent" e JOIN "Boot" b ON b."id" = e."bootRowId" WHERE b."bootId" LIKE $1`);
    const lastBoot = await one(`SELECT COUNT(*) n FROM "Host" h JOIN "Boot" b ON b."id" = h."lastBootId" WHERE b."bootId" LIKE $1`);
    const states = (
      await client.query<{ s: string; n: string }>(
        `SELECT "state" || '/' || "currentStage" s, COUNT(*) n FROM "Boot" WHERE "bootId" LIKE $1 GROUP BY 1 ORDER BY 2 DESC`,
        [like],
      )
    ).rows;
    const all = (await client.query<{ boots: string; events: string }>(`SELECT (SELECT COUNT(*) FROM "Boot") boots, (SELECT COUNT(*) FROM "BootEvent") events`))
      .rows[0]!;
    return { boots, events, states: states.map((x) => `${x.s} ×${x.n}`).join(", "), lastBoot, all: { boots: Number(all.boots), events: Number(all.events) } };
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------- PostgreSQL (--postgres)

/**
 * A throwaway cluster of this machine's PostgreSQL in the temporary directory, on 127.0.0.1 only
 * (as scripts/test-postgres.sh makes it); stopped by its own pid file on exit.
 */
async function startPostgres(): Promise<{ url: string; stop: () => void }> {
  const versions = fs.existsSync("/usr/lib/postgresql") ? fs.readdirSync("/usr/lib/postgresql").sort((a, b) => Number(a) - Number(b)) : [];
  const bin = versions.length ? `/usr/lib/postgresql/${versions.at(-1)}/bin` : "";
  if (!bin || !fs.existsSync(`${bin}/initdb`)) throw new Error("--postgres: PostgreSQL's server binaries are not installed (apt-get install postgresql)");
  const pgDir = path.join(dir, "pg");
  fs.mkdirSync(pgDir, { mode: 0o755 });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    execFileSync("chown", ["postgres:", pgDir]);
    fs.chmodSync(dir, 0o711); // the postgres user passes through (the secret file in it stays 0600)
  }
  const as = (cmd: string, args: string[]) =>
    execFileSync(asRoot ? "runuser" : cmd, asRoot ? ["-u", "postgres", "--", cmd, ...args] : args, { stdio: "ignore" });
  const port = await freePort();
  as(`${bin}/initdb`, ["-D", `${pgDir}/data`, "-U", "afsboot", "--auth=trust", "-E", "UTF8", "--no-locale"]);
  // durable as in production (fsync on): the figures are for a real database
  as(`${bin}/pg_ctl`, [
    "-D",
    `${pgDir}/data`,
    "-l",
    `${pgDir}/server.log`,
    "-w",
    "-o",
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${pgDir} -c max_connections=200`,
    "start",
  ]);
  const stopPg = () => {
    try {
      as(`${bin}/pg_ctl`, ["-D", `${pgDir}/data`, "-m", "immediate", "-w", "stop"]);
    } catch {
      /* not running */
    }
  };
  beforeCleanup.push(stopPg);
  const url = `postgresql://afsboot@127.0.0.1:${port}/afsboot`;
  const admin = new pg.Client({ connectionString: `postgresql://afsboot@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE afsboot`);
  await admin.end();
  return { url, stop: stopPg };
}

/** Seeds the database at `url` in a child process (lib/db binds one database per process): the hosts' tokens and the rest. */
function seedElsewhere(url: string): Seeded {
  execFileSync(process.execPath, [path.join(root, "scripts/migrate.mjs"), "deploy", "--quiet"], { env: { ...process.env, DATABASE_URL: url } });
  const out = path.join(dir, `seeded-${crypto.randomBytes(4).toString("hex")}.json`);
  execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, "--hosts", String(N), "--seed-into", url, "--seed-out", out], {
    env: { ...process.env, AFSBOOT_DATA_DIR: dir },
    stdio: ["ignore", "inherit", "inherit"],
  });
  return JSON.parse(fs.readFileSync(out, "utf8")) as Seeded;
}

function show(r: StormResult, db: ReturnType<typeof stored>, withLastBoot: boolean, serverLabel: string) {
  const l = r.latencies;
  const codes = [...r.statuses.entries()]
    .sort()
    .map(([k, v]) => `${k}×${v}`)
    .join(" ");
  console.log(
    `  ${r.label.padEnd(9)} ${r.requests} requests in ${sec(r.wallMs)}: ${rate(r).toFixed(0)} accepted reports/s (${(r.requests / (r.wallMs / 1000)).toFixed(0)} requests/s)`,
  );
  console.log(
    `            latency p50 ${l.length ? pct(l, 0.5).toFixed(1) : "-"} ms, p90 ${pct(l, 0.9).toFixed(1)} ms, p99 ${pct(l, 0.99).toFixed(1)} ms, p99.9 ${pct(l, 0.999).toFixed(1)} ms, max ${l[l.length - 1]?.toFixed(1)} ms; status ${codes}`,
  );
  if (r.slow.length) {
    const buckets = new Map<number, number>();
    for (const t of r.slow) buckets.set(Math.floor(t / 10) * 10, (buckets.get(Math.floor(t / 10) * 10) ?? 0) + 1);
    console.log(
      `            ${r.slow.length} requests over 1 s, by start time: ${[...buckets]
        .sort((a, b) => a[0] - b[0])
        .map(([t, n]) => `${t}–${t + 10} s: ${n}`)
        .join(", ")}`,
    );
  }
  console.log(
    `            CPU: ${serverLabel} ${((r.serverCpu / (r.wallMs / 1000)) * 100).toFixed(0)}% of a core (${((r.serverCpu * 1000) / r.requests).toFixed(2)} ms CPU per request), load generator ${((r.loadCpu / (r.wallMs / 1000)) * 100).toFixed(0)}%, machine ${(r.machineBusy * 100).toFixed(0)}% of ${os.cpus().length} cores busy, of which other processes ≈ ${Math.max(0, r.machineBusy * os.cpus().length * 100 - ((r.serverCpu + r.loadCpu) / (r.wallMs / 1000)) * 100).toFixed(0)}% of a core (iowait ${(r.iowait * 100).toFixed(1)}%)`,
  );
  console.log(`            RSS ${mib(r.rss.before)} before, ${mib(r.rss.max)} max during, ${mib(r.rss.after)} after (process peak VmHWM ${mib(r.rss.hwm)})`);
  const lost = r.accepted - db.events;
  console.log(
    `            stored: ${db.events} events, ${db.boots} boots [${db.states}]${withLastBoot ? `, last boot of ${db.lastBoot} hosts` : ""}; lost ${lost}`,
  );
  if (r.wrong.length) {
    console.log(`            ${r.wrong.length}${r.wrong.length >= 2000 ? "+" : ""} unexpected answers, e.g.:`);
    for (const w of r.wrong.slice(0, 5)) console.log(`              ${w}`);
  }
}

// ---------------------------------------------------------------- page timings

async function pages(port: number, s: Seeded) {
  const base = `http://127.0.0.1:${port}`;
  const host = hostName(Math.floor(N / 2));
  const get = async (p: string, headers: Record<string, string>) => {
    const t0 = performance.now();
    const res = await fetch(`${base}${p}`, { headers, redirect: "manual" });
    const body = await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET ${p}: ${res.status} ${res.headers.get("location") ?? ""}`);
    return { ms: performance.now() - t0, bytes: body.byteLength };
  };
  const cases: [string, string, Record<string, string>][] = [
    ["baseline GET /api/health", "/api/health", {}],
    ["GET / (dashboard)", "/", { cookie: s.cookie }],
    [`GET /hosts/${host} (host page)`, `/hosts/${host}`, { cookie: s.cookie }],
    ["GET /hosts (hosts table, page 1)", "/hosts", { cookie: s.cookie }],
    ["GET /hosts?state=up", "/hosts?state=up", { cookie: s.cookie }],
    [`GET /api/v1/hosts/${host}/boots`, `/api/v1/hosts/${host}/boots`, { authorization: `Bearer ${s.apiToken}` }],
  ];
  let baseline = 0;
  for (const [label, p, h] of cases) {
    for (let i = 0; i < 3; i++) await get(p, h);
    const rs: { ms: number; bytes: number }[] = [];
    for (let i = 0; i < 11; i++) rs.push(await get(p, h));
    const m = median(rs.map((r) => r.ms));
    baseline ||= m;
    console.log(
      `  ${label.padEnd(44)} median ${m.toFixed(1).padStart(6)} ms  (min ${Math.min(...rs.map((r) => r.ms)).toFixed(1)}, max ${Math.max(...rs.map((r) => r.ms)).toFixed(1)}; ${(rs[0]!.bytes / 1024).toFixed(0)} KiB; ${(m / baseline).toFixed(1)}x baseline)`,
    );
  }
}

// ---------------------------------------------------------------- main

async function main() {
  const cores = os.cpus().length;
  console.log(
    `AFSBoot boot-storm benchmark: ${N} hosts × 8 reports (initrd … switch, up, up again, shutdown), concurrency ${C}, ${RUNS} run(s), history ${HISTORY} boot(s) per host; ${cores} cores, node ${process.version}`,
  );
  const t0 = performance.now();
  execFileSync(process.execPath, [path.join(root, "scripts/migrate.mjs"), "deploy", "--quiet"], { env: { ...process.env, DATABASE_URL: `file:${dbFile}` } });
  const seeded = await seed();
  const seedMs = performance.now() - t0;
  const t1 = performance.now();
  const hist = HISTORY ? insertHistory(HISTORY) : { boots: 0, events: 0 };
  const histMs = performance.now() - t1;
  // the baseline's database: a copy of the same one (hosts and history), before either server writes
  {
    const sqlite = new Database(dbFile);
    sqlite.pragma("wal_checkpoint(TRUNCATE)");
    sqlite.close();
    fs.copyFileSync(dbFile, baseFile);
    fs.copyFileSync(dbFile, bareFile);
  }
  const { appDir, buildMs } = await prepareApp();
  const buildId = fs.readFileSync(path.join(appDir, ".next/BUILD_ID"), "utf8").trim();
  const builtAgo = (Date.now() - fs.statSync(path.join(appDir, ".next/BUILD_ID")).mtimeMs) / 60_000;
  console.log(
    `Setup: migrate + seed ${N + 1} hosts ${sec(seedMs)}; history ${hist.boots} boots / ${hist.events} events ${sec(histMs)}; ${buildMs === null ? `build reused from ${appDir} (BUILD_ID ${buildId}, built ${builtAgo.toFixed(0)} min ago)` : `private copy + next build ${sec(buildMs)}`}`,
  );

  // the console: its production server (bin/afsboot-server.mjs, what `make start` runs) or, with
  // --next-start, plain `next start`; run by node directly, so the PID is the server's own
  const port = await freePort();
  const serverLog = path.join(dir, "server.log");
  const serverCmd = NEXT_START ? [path.join(appDir, "node_modules/next/dist/bin/next"), "start"] : [path.join(appDir, "bin/afsboot-server.mjs")];
  const server = track(
    spawn(process.execPath, [...(PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE}`] : []), ...serverCmd, "-H", "127.0.0.1", "-p", String(port)], {
      cwd: appDir,
      env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", DATABASE_URL: `file:${dbFile}`, AFSBOOT_DATA_DIR: dir },
      stdio: ["ignore", fs.openSync(serverLog, "w"), fs.openSync(serverLog, "a")],
      detached: true,
    }),
    SERVER,
  );
  // the two baselines, each on its own copy of the database
  const startBaseline = async (file: string, label: string, args: string[]) => {
    const bport = await freePort();
    const log = path.join(dir, `${label}.log`);
    const child = track(
      spawn(process.execPath, [path.join(root, "bench/boot-storm-baseline.mjs"), file, String(bport), ...args], {
        cwd: root,
        env: { ...process.env, NODE_ENV: "production" },
        stdio: ["ignore", fs.openSync(log, "w"), fs.openSync(log, "a")],
        detached: true,
      }),
      label,
    );
    return { port: bport, child, log, label };
  };
  const baselines = [await startBaseline(baseFile, "baseline", []), await startBaseline(bareFile, "one-insert", ["--one-insert"])];
  const [baseline, bare] = baselines as [(typeof baselines)[0], (typeof baselines)[0]];
  const bport = baseline.port;
  try {
    const upMs = await waitHealthy(`http://127.0.0.1:${port}/api/health`, server, SERVER, serverLog);
    for (const b of baselines) await waitHealthy(`http://127.0.0.1:${b.port}/health`, b.child, `the ${b.label} server`, b.log);
    // the console serves in its own process; should it ever fork, measure the forked server
    const kids = childPids(server.pid!).filter((p) => /node|next/.test(fs.readFileSync(`/proc/${p}/cmdline`, "utf8")));
    const serverPid = kids.length === 1 ? kids[0]! : server.pid!;
    console.log(
      `Console: ${SERVER} on 127.0.0.1:${port} (pid ${serverPid}${serverPid !== server.pid ? `, child of ${server.pid}` : ""}), healthy after ${sec(upMs)}, RSS ${mib(procStatus(serverPid).rss)}; baseline (upsert + insert) on 127.0.0.1:${bport} (pid ${baseline.child.pid}), one-insert baseline on 127.0.0.1:${bare.port} (pid ${bare.child.pid})`,
    );

    // warm-up: one boot of the extra host on each server (loads the route, fills the host cache)
    const warm = bodiesFor("w1", seeded.tokens, [WARM]);
    const warmed = [await storm("warm-up", port, warm, serverPid, 1)];
    for (const b of baselines) warmed.push(await storm("warm-up", b.port, warm, b.child.pid!, 1));
    for (const w of warmed) if (w.wrong.length) throw new Error(`warm-up failed: ${w.wrong.join("; ")}`);

    // this machine is shared: how busy is it with the servers idle?
    const i0 = machineCpu();
    await new Promise((r) => setTimeout(r, 3_000));
    const i1 = machineCpu();
    console.log(
      `Background load (all servers idle, 3 s): ${(((i1.busy - i0.busy) / (i1.total - i0.total)) * 100).toFixed(0)}% of ${os.cpus().length} cores busy; load average ${loadavg()}`,
    );

    const ours: StormResult[] = [];
    const bases: StormResult[] = [];
    const bares: StormResult[] = [];
    /** when each console storm ran, on the clock of the console's .cpuprofile (µs), for bench/profile-summary.mjs */
    const windows: { label: string; startUs: number; endUs: number; requests: number }[] = [];
    const nowUs = () => Number(process.hrtime.bigint() / 1000n);
    let lost = 0; // answered 202 but not in the database
    let refused = 0; // new reports not answered 202
    let missingBoots = 0;
    let bareLost = 0;
    const everyHost = Array.from({ length: N }, (_, i) => i);
    const ratios = (a: StormResult, b: StormResult) =>
      `${(rate(a) / rate(b)).toFixed(2)}x the reports/s, p99 ${(pct(a.latencies, 0.99) / pct(b.latencies, 0.99)).toFixed(1)}x, CPU/request ${(cpuPerRequest(a) / cpuPerRequest(b)).toFixed(1)}x`;
    for (let r = 1; r <= RUNS; r++) {
      const run = `r${r}`;
      const bodies = bodiesFor(run, seeded.tokens, everyHost);
      console.log(
        `\nRun ${r}: ${N * STORM_STAGES.length} reports (${N * (STORM_STAGES.length - 1)} new events + ${N} retries), ${C} in flight, all from 127.0.0.1; load average ${loadavg()}`,
      );
      const startUs = nowUs();
      const a = await storm("AFSBoot", port, bodies, serverPid);
      windows.push({ label: run, startUs, endUs: nowUs(), requests: a.requests });
      const sa = stored(dbFile, run);
      show(a, sa, true, SERVER);
      const b = await storm("baseline", bport, bodies, baseline.child.pid!);
      show(b, stored(baseFile, run), false, "baseline server");
      const c = await storm("1-insert", bare.port, bodies, bare.child.pid!);
      const sc = storedBare(bareFile, run);
      show(c, sc, false, "one-insert server");
      ours.push(a);
      bases.push(b);
      bares.push(c);
      lost += Math.max(0, a.accepted - sa.events);
      refused += N * (STORM_STAGES.length - 1) - a.accepted;
      missingBoots += N - sa.boots;
      bareLost += Math.max(0, c.accepted - sc.events) + (N * (STORM_STAGES.length - 1) - c.accepted);
      if (sa.boots !== N || sa.lastBoot !== N) console.log(`            ! ${sa.boots} of ${N} boots stored, ${sa.lastBoot} hosts have it as their last boot`);
      console.log(`            AFSBoot/baseline (upsert + insert): ${ratios(a, b)}`);
      console.log(`            AFSBoot/one-insert baseline:        ${ratios(a, c)}`);
    }
    if (PROFILE) {
      fs.mkdirSync(PROFILE, { recursive: true });
      fs.writeFileSync(path.join(PROFILE, "storm-windows.json"), JSON.stringify({ pid: serverPid, hosts: N, concurrency: C, windows }, null, 1) + "\n");
    }
    const errors = fs
      .readFileSync(serverLog, "utf8")
      .split("\n")
      .filter((l) => /error|failed|warn/i.test(l));
    if (errors.length) {
      console.log(`\nThe console logged ${errors.length} error/warning line(s), e.g.:`);
      for (const l of errors.slice(0, 5)) console.log(`  ${l.slice(0, 300)}`);
    }

    const med = (rs: StormResult[], f: (r: StormResult) => number) => median(rs.map(f));
    const p99 = med(ours, (r) => pct(r.latencies, 0.99));
    console.log(`\nSummary (median of ${RUNS} run(s), ${N} hosts, concurrency ${C}; load average now ${loadavg()})`);
    console.log(
      `  ${"".padEnd(10)} ${"reports/s".padStart(9)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"max ms".padStart(8)} ${"server CPU".padStart(11)} ${"CPU ms/req".padStart(11)}`,
    );
    for (const [label, rs] of [
      ["AFSBoot", ours],
      ["baseline", bases],
      ["one-insert", bares],
    ] as const) {
      console.log(
        `  ${label.padEnd(10)} ${med(rs, rate).toFixed(0).padStart(9)} ${med(rs, (r) => pct(r.latencies, 0.5))
          .toFixed(1)
          .padStart(8)} ${med(rs, (r) => pct(r.latencies, 0.99))
          .toFixed(1)
          .padStart(8)} ${med(rs, (r) => r.latencies[r.latencies.length - 1]!)
          .toFixed(1)
          .padStart(8)} ${(med(rs, (r) => r.serverCpu / (r.wallMs / 1000)) * 100).toFixed(0).padStart(10)}% ${med(rs, cpuPerRequest).toFixed(2).padStart(11)}`,
      );
    }
    // ratios: of the medians, and the median of the same-run ratios (the machine's load moves both)
    const perRun = (rs: StormResult[], f: (a: StormResult, b: StormResult) => number) => median(ours.map((a, i) => f(a, rs[i]!)));
    for (const [label, rs] of [
      ["baseline (upsert + insert)", bases],
      ["one-insert baseline", bares],
    ] as const) {
      console.log(
        `  AFSBoot / ${label}: reports/s ${(med(ours, rate) / med(rs, rate)).toFixed(2)} of the medians, ${perRun(rs, (a, b) => rate(a) / rate(b)).toFixed(2)} median of the runs' ratios (${ours.map((a, i) => (rate(a) / rate(rs[i]!)).toFixed(2)).join(", ")}); p99 ${perRun(rs, (a, b) => pct(a.latencies, 0.99) / pct(b.latencies, 0.99)).toFixed(1)}x; CPU ms/request ${perRun(rs, (a, b) => cpuPerRequest(a) / cpuPerRequest(b)).toFixed(1)}x`,
      );
    }
    const bad = ours.reduce((a, r) => a + r.wrong.length, 0);
    const target = (rs: StormResult[]) => med(ours, rate) / med(rs, rate);
    console.log(
      `Targets (issue #19, against the one-insert baseline): ≥ 50 % of its reports/s: ${target(bares) >= 0.5 ? "met" : "NOT met"} (${(target(bares) * 100).toFixed(0)} %; ${(target(bases) * 100).toFixed(0)} % of the upsert + insert baseline); p99 < 100 ms: ${p99 < 100 ? "met" : "NOT met"} (${p99.toFixed(1)} ms); 0 lost: ${lost === 0 && refused === 0 && missingBoots === 0 && bad === 0 ? "met" : `NOT met (${lost} accepted but not stored, ${refused} new reports not accepted, ${missingBoots} boots missing, ${bad} unexpected answers)`}${bareLost ? `; the one-insert baseline lost ${bareLost}` : ""}`,
    );
    if (PROFILE) {
      console.log(
        `\nProfile: the console's .cpuprofile is written into ${PROFILE} when it stops; then \`node bench/profile-summary.mjs ${PROFILE}\`. Floor and pages skipped.`,
      );
      if (POSTGRES) await postgresStorms(appDir, { sqlite: ours, baseline: bases, bare: bares });
      return;
    }

    // the floor under the report path: the same load on a route that only asks SQLite `SELECT 1`
    const floorN = Math.min(N * STORM_STAGES.length, 20_000);
    const fa = await storm(
      "AFSBoot",
      port,
      Array.from({ length: floorN }, () => ["GET /api/health"]),
      serverPid,
    );
    const fb = await storm(
      "baseline",
      bport,
      Array.from({ length: floorN }, () => ["GET /health"]),
      baseline.child.pid!,
    );
    console.log(`\nFloor: ${floorN} GETs of a trivial route with the same load generator (${C} in flight)`);
    for (const [r, what] of [
      [fa, "GET /api/health (Next.js route handler + Prisma SELECT 1)"],
      [fb, "GET /health (node:http, no database)"],
    ] as const) {
      const l = r.latencies;
      console.log(
        `  ${r.label.padEnd(9)} ${what}: ${(r.requests / (r.wallMs / 1000)).toFixed(0)} requests/s, p50 ${pct(l, 0.5).toFixed(1)} ms, p99 ${pct(l, 0.99).toFixed(1)} ms; server ${((r.serverCpu * 1000) / r.requests).toFixed(2)} ms CPU per request${r.wrong.length ? `; ${r.wrong.length} unexpected answers, e.g. ${r.wrong[0]}` : ""}`,
      );
    }

    const all = stored(dbFile, "r1").all;
    console.log(
      `\nPages over HTTP after the storms (server idle; database: ${N + 1} hosts, ${all.boots} boots, ${all.events} events; sequential, median of 11 after 3 warm-ups, whole body)`,
    );
    await pages(port, seeded);
    console.log(`\nConsole RSS at the end: ${mib(procStatus(serverPid).rss)} (peak ${mib(procStatus(serverPid).hwm)})`);
    if (POSTGRES) await postgresStorms(appDir, { sqlite: ours, baseline: bases, bare: bares });
  } finally {
    await stop(server);
    for (const b of baselines) await stop(b.child);
  }
}

/**
 * --postgres: the same storms against console replicas on a throwaway PostgreSQL, one replica and
 * two (requests round-robin), each run right after the other so that both see the same machine.
 */
async function postgresStorms(appDir: string, earlier: { sqlite: StormResult[]; baseline: StormResult[]; bare: StormResult[] }) {
  const t0 = performance.now();
  const { url, stop: stopPg } = await startPostgres();
  const seeded = seedElsewhere(url);
  console.log(`\nPostgreSQL: throwaway cluster (fsync on), migrated and seeded with ${N + 1} hosts in ${sec(performance.now() - t0)}; no history`);
  const replicas: { child: ChildProcess; port: number; pid: number }[] = [];
  try {
    for (const name of ["pg-a", "pg-b"]) {
      const port = await freePort();
      const log = path.join(dir, `server-${name}.log`);
      const child = track(
        spawn(process.execPath, [path.join(appDir, "bin/afsboot-server.mjs"), "-H", "127.0.0.1", "-p", String(port)], {
          cwd: appDir,
          env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", DATABASE_URL: url, AFSBOOT_DATA_DIR: dir },
          stdio: ["ignore", fs.openSync(log, "w"), fs.openSync(log, "a")],
          detached: true,
        }),
        `console replica ${name}`,
      );
      await waitHealthy(`http://127.0.0.1:${port}/api/health`, child, `console replica ${name}`, log);
      replicas.push({ child, port, pid: child.pid! });
      const w = await storm("warm-up", port, bodiesFor(`w-${name}`, seeded.tokens, [WARM]), child.pid!, 1);
      if (w.wrong.length) throw new Error(`warm-up of ${name} failed: ${w.wrong.join("; ")}`);
    }
    const one: StormResult[] = [];
    const two: StormResult[] = [];
    let lost = 0;
    const everyHost = Array.from({ length: N }, (_, i) => i);
    for (let r = 1; r <= RUNS; r++) {
      console.log(`\nPostgreSQL run ${r}: ${N * STORM_STAGES.length} reports, ${C} in flight`);
      const a = await storm("PG ×1", replicas[0]!.port, bodiesFor(`p1r${r}`, seeded.tokens, everyHost), replicas[0]!.pid);
      const sa = await storedPg(url, `p1r${r}`);
      show(a, sa, true, "replica pg-a");
      const b = await storm(
        "PG ×2",
        replicas.map((x) => x.port),
        bodiesFor(`p2r${r}`, seeded.tokens, everyHost),
        replicas.map((x) => x.pid),
      );
      const sb = await storedPg(url, `p2r${r}`);
      show(b, sb, true, "replicas pg-a + pg-b");
      lost += Math.max(0, a.accepted - sa.events) + Math.max(0, b.accepted - sb.events);
      lost += 2 * N * (STORM_STAGES.length - 1) - a.accepted - b.accepted;
      one.push(a);
      two.push(b);
    }
    const med = (rs: StormResult[], f: (r: StormResult) => number) => median(rs.map(f));
    const base = med(earlier.baseline, rate);
    const bare = med(earlier.bare, rate);
    console.log(
      `\nSummary, SQLite and PostgreSQL (median of ${RUNS} run(s), ${N} hosts, concurrency ${C}; the baselines are the SQLite ones above: upsert + insert, and one insert)`,
    );
    console.log(
      `  ${"".padEnd(24)} ${"reports/s".padStart(10)} ${"p99 ms".padStart(8)} ${"CPU ms/req".padStart(11)} ${"of baseline".padStart(12)} ${"of 1-insert".padStart(12)}`,
    );
    for (const [label, rs] of [
      ["SQLite, one process", earlier.sqlite],
      ["PostgreSQL, 1 replica", one],
      ["PostgreSQL, 2 replicas", two],
    ] as const) {
      console.log(
        `  ${label.padEnd(24)} ${med(rs, rate).toFixed(0).padStart(10)} ${med(rs, (r) => pct(r.latencies, 0.99))
          .toFixed(1)
          .padStart(8)} ${med(rs, (r) => (r.serverCpu * 1000) / r.requests)
          .toFixed(2)
          .padStart(11)} ${((med(rs, rate) / base) * 100).toFixed(0).padStart(11)}% ${((med(rs, rate) / bare) * 100).toFixed(0).padStart(11)}%`,
      );
    }
    console.log(
      `  PostgreSQL: lost ${lost} (answered 202 but not stored, or new reports not accepted); CPU ms/req counts the console processes, not PostgreSQL's own`,
    );
  } finally {
    for (const r of replicas) await stop(r.child);
    stopPg();
  }
}

/** --seed-into URL --seed-out FILE: seed that database (a child of --postgres), write what the storms need. */
async function seedOnly() {
  const seeded = await seed();
  fs.writeFileSync(opt["seed-out"]!, JSON.stringify(seeded));
}

(SEED_INTO ? seedOnly() : main()).then(
  () => {
    clearTimeout(deadline);
    cleanupSync();
    process.exit(0);
  },
  (e) => {
    console.error(e);
    cleanupSync();
    process.exit(1);
  },
);
