// Inventory benchmark: bulk CSV enrollment of N hosts, the hosts table at N hosts, and the fleet's
// boot log (/boots) at --boots boots.
//   npm run bench:inventory [-- --hosts 10000 --runs 5 --boots 130000]
// Runs on a temporary SQLite database (never ./data). With a production build present (.next),
// it also serves the console on a free loopback port and times real HTTP requests.
// Reports medians and, as a baseline measured in the same run, the cost of the bare minimum
// (raw better-sqlite3 inserts of the same rows; /api/health over HTTP).
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { createBenchCell } from "./bench-cell";

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N = arg("hosts", 10_000);
const RUNS = arg("runs", 5);
const BOOTS = arg("boots", 130_000);
const root = path.resolve(import.meta.dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-bench-"));
const template = path.join(dir, "template.db");
execFileSync(process.execPath, [path.join(root, "scripts/migrate.mjs"), "deploy", "--quiet"], { env: { ...process.env, DATABASE_URL: `file:${template}` } });
checkpoint(template);

/** Folds the WAL into the main file, so that a plain copy of the file is the whole database. */
function checkpoint(file: string) {
  const sqlite = new Database(file);
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  sqlite.close();
}
process.env.AFSBOOT_DATA_DIR = dir;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;
async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await fn();
  return [performance.now() - t0, r];
}

function csvFor(n: number): string {
  const lines = ["hostname,mac,ip,cell,release,tags"];
  for (let i = 0; i < n; i++) {
    const hi = Math.floor(i / 250);
    const lo = (i % 250) + 2;
    const mac = `52:54:00:${(i >> 16).toString(16).padStart(2, "0")}:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`;
    lines.push(`node${String(i).padStart(5, "0")},${mac},10.${20 + Math.floor(hi / 256)}.${hi % 256}.${lo},example.org,rh-7.3,${i % 10 === 0 ? "gpu" : "cpu"}`);
  }
  return lines.join("\n") + "\n";
}

/** One fresh database per run: copy the migrated template and load the modules against it. */
async function freshDb(run: string) {
  const file = path.join(dir, `${run}.db`);
  fs.copyFileSync(template, file);
  return file;
}

async function main() {
  console.log(`AFSBoot inventory benchmark: ${N} hosts, ${RUNS} runs, ${os.cpus().length} cores, node ${process.version}`);
  const csv = csvFor(N);
  const file = await freshDb("main");
  process.env.DATABASE_URL = `file:${file}`;
  const { db } = await import("@/lib/db");
  const { parseHostCsv } = await import("@/lib/inventory/host-csv");
  const { checkEnrollment, enrollHosts } = await import("@/lib/data/host-bulk");
  const { listHosts } = await import("@/lib/data/hosts");
  const { createNetwork } = await import("@/lib/data/networks");
  const { createRelease, createVersion } = await import("@/lib/data/releases");
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
  await createRelease(actor, { name: "rh-7.3", tree: "/afs/example.org/boot/RH/7.3", notes: "" });
  await createVersion(
    actor,
    "rh-7.3",
    { version: "1", kernel: "vmlinuz", baseInitrd: "initrd.img", modules: [], readonly: ["usr"], writable: ["etc"], tmpfsSize: "90M", notes: "" },
    { activate: true },
  );
  // the database with the inventory but no hosts: every commit run starts from it
  await db.$disconnect();
  checkpoint(file);
  const base = path.join(dir, "base.db");
  fs.copyFileSync(file, base);

  const preview: number[] = [];
  const commit: number[] = [];
  const raw: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    await db.$disconnect();
    for (const s of ["-wal", "-shm"]) fs.rmSync(file + s, { force: true });
    fs.copyFileSync(base, file);
    const [tp, problems] = await time(async () => {
      const parsed = parseHostCsv(csv);
      return [...parsed.problems, ...(await checkEnrollment(actor, parsed.rows))];
    });
    if (problems.length) throw new Error(`benchmark CSV has problems: ${JSON.stringify(problems.slice(0, 3))}`);
    preview.push(tp);
    const [tc] = await time(async () =>
      enrollHosts(
        actor,
        parseHostCsv(csv).rows.map((x) => x.input),
      ),
    );
    commit.push(tc);
    // baseline: the same rows inserted with one prepared statement in one transaction
    const rawFile = path.join(dir, "raw.db");
    fs.copyFileSync(base, rawFile);
    const sqlite = new Database(rawFile);
    const ids = sqlite.prepare("SELECT (SELECT id FROM Network) n, (SELECT id FROM Cell) c, (SELECT id FROM Release) r").get() as {
      n: string;
      c: string;
      r: string;
    };
    const stmt = sqlite.prepare(
      "INSERT INTO Host (id,name,mac,ip,ipKey,networkId,cellId,releaseId,notes,tokenGeneration,revision,createdAt,updatedAt) VALUES (?,?,?,?,?,?,?,?,'',1,1,?,?)",
    );
    const rows = parseHostCsv(csv).rows;
    const t0 = performance.now();
    sqlite.transaction(() =>
      rows.forEach((x, i) => stmt.run(`r${i}`, x.input.name, x.input.mac, x.input.ip, x.input.ip, ids.n, ids.c, ids.r, Date.now(), Date.now())),
    )();
    raw.push(performance.now() - t0);
    sqlite.close();
  }
  console.log(`\nBulk CSV enrollment of ${N} rows (${(csv.length / 1024).toFixed(0)} KiB)`);
  console.log(`  preview (parse + validate + database checks): median ${ms(median(preview))}  [${preview.map(ms).join(", ")}]`);
  console.log(`  commit (all-or-nothing, with tags and one audit entry per host): median ${ms(median(commit))}  [${commit.map(ms).join(", ")}]`);
  console.log(`  baseline, raw prepared INSERTs of the same rows: median ${ms(median(raw))}; commit/baseline = ${(median(commit) / median(raw)).toFixed(1)}x`);

  const queries: [string, Parameters<typeof listHosts>[1]][] = [
    ["page 1, by name", {}],
    ["last page, by name", { page: Math.ceil(N / 50) }],
    ["sorted by IP, descending", { sort: "ip", dir: "desc" }],
    ["filter tag=gpu", { tag: "gpu" }],
    ["search IP prefix 10.20.7.", { q: "10.20.7." }],
    ["search hostname prefix node099", { q: "node099" }],
    ["filter release + cell, sorted by release", { release: "rh-7.3", cell: "example.org", sort: "release" }],
  ];
  console.log(`\nHosts table data at ${await db.host.count()} hosts (listHosts, 50 per page, with total count)`);
  let hostsPage1 = 0;
  for (const [label, q] of queries) {
    const ts: number[] = [];
    for (let r = 0; r < RUNS * 2; r++) ts.push((await time(() => listHosts(actor, q)))[0]);
    if (!hostsPage1) hostsPage1 = median(ts);
    console.log(`  ${label.padEnd(44)} median ${ms(median(ts))}`);
  }
  await bootLogBench(file, actor, hostsPage1);
  await httpBench(file, actor);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** The fleet's boot log (/boots) at BOOTS boots: 13 a host, one in 20 failed, one in 50 stalled. */
async function bootLogBench(file: string, actor: { type: "cli"; id: null; name: string; role: "admin" }, hostsPage1: number) {
  const { db } = await import("@/lib/db");
  const { listBoots } = await import("@/lib/data/boot-log");
  const { sqlDate } = await import("@/lib/data/bulk-insert");
  await db.$disconnect();
  const sqlite = new Database(file, { timeout: 10_000 });
  const hosts = sqlite.prepare(`SELECT "id", "ip" FROM "Host" ORDER BY "name"`).all() as { id: string; ip: string }[];
  const insert = sqlite.prepare(
    `INSERT INTO "Boot" ("id", "hostId", "bootId", "state", "currentStage", "failedStage", "message", "startedAt", "lastEventAt", "finishedAt", "releaseVersion", "clientIp") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'rh-7.3@1', ?)`,
  );
  const perHost = Math.max(1, Math.round(BOOTS / hosts.length));
  const now = Date.now();
  let n = 0;
  sqlite.transaction(() => {
    for (const [hi, h] of hosts.entries()) {
      for (let j = 0; j < perHost; j++, n++) {
        const start = new Date(now - (perHost - j) * 86_400_000 + hi * 1000);
        const kind = n % 50 === 7 ? "stalled" : n % 20 === 3 ? "failed" : "up";
        const end = new Date(start.getTime() + 95_000);
        insert.run(
          `bl${n}`,
          h.id,
          `bootlog-${n}`,
          kind === "stalled" ? "booting" : kind,
          kind === "stalled" ? "afs" : kind === "failed" ? "failed" : "up",
          kind === "failed" ? "afs" : null,
          kind === "failed" ? "afs: no database server answers" : null,
          sqlDate(start),
          sqlDate(kind === "stalled" ? start : end),
          kind === "up" ? sqlDate(end) : null,
          h.ip,
        );
      }
    }
  })();
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  sqlite.close();
  const day = 86_400_000;
  const queries: [string, Parameters<typeof listBoots>[1]][] = [
    ["page 1, newest first", {}],
    ["page 100", { page: 100 }],
    ["last page", { page: Math.ceil(n / 50) }],
    ["state=failed", { state: "failed" }],
    ["state=stalled", { state: "stalled" }],
    ["host prefix node099", { host: "node099" }],
    ["release rh-7.3", { release: "rh-7.3" }],
    ["the last 2 days", { from: new Date(now - 2 * day) }],
    ["failed, between 9 and 2 days ago", { state: "failed", from: new Date(now - 9 * day), to: new Date(now - 2 * day) }],
  ];
  console.log(`\nBoot log data at ${n} boots (listBoots, 50 per page, with total count; ratio to the hosts table's page 1 of this run, ${ms(hostsPage1)})`);
  for (const [label, q] of queries) {
    const ts: number[] = [];
    for (let r = 0; r < RUNS * 2; r++) ts.push((await time(() => listBoots(actor, q)))[0]);
    console.log(`  ${label.padEnd(44)} median ${ms(median(ts))}  (${(median(ts) / hostsPage1).toFixed(1)}x)`);
  }
}

async function httpBench(file: string, actor: { type: "cli"; id: null; name: string; role: "admin" }) {
  if (!fs.existsSync(path.join(root, ".next/BUILD_ID"))) {
    console.log("\n(no production build: run `npx next build` to also time the pages over HTTP)");
    return;
  }
  const { createApiToken } = await import("@/lib/data/api-tokens");
  const { createSession } = await import("@/lib/data/sessions");
  const { db } = await import("@/lib/db");
  const token = (await createApiToken(actor, { name: "bench", role: "viewer" }))!.token;
  const user = await db.user.create({ data: { username: "bench", passwordHash: "x", role: "viewer" } });
  const { secret } = await createSession(user.id, {});
  const port = 3900 + Math.floor(Math.random() * 500);
  const server = spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: `file:${file}`, AFSBOOT_DATA_DIR: dir, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: "ignore",
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      if (
        await fetch(`${base}/api/health`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const get = async (p: string, headers: Record<string, string>) => {
      const t0 = performance.now();
      const res = await fetch(`${base}${p}`, { headers });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${p}: ${res.status}`);
      return performance.now() - t0;
    };
    const cases: [string, string, Record<string, string>][] = [
      ["baseline GET /api/health", "/api/health", {}],
      ["GET /api/v1/hosts (page 1)", "/api/v1/hosts", { authorization: `Bearer ${token}` }],
      ["GET /api/v1/hosts?sort=ip&dir=desc&tag=gpu", "/api/v1/hosts?sort=ip&dir=desc&tag=gpu", { authorization: `Bearer ${token}` }],
      ["GET /hosts (the page, server-rendered)", "/hosts", { cookie: `afsboot_session=${secret}` }],
      ["GET /hosts?q=10.20.7.&sort=ip", "/hosts?q=10.20.7.&sort=ip", { cookie: `afsboot_session=${secret}` }],
      ["GET /boots (the boot log page)", "/boots", { cookie: `afsboot_session=${secret}` }],
      ["GET /boots?state=failed&host=node09", "/boots?state=failed&host=node09", { cookie: `afsboot_session=${secret}` }],
    ];
    console.log(`\nOver HTTP (next start on 127.0.0.1:${port}, sequential requests after 3 warm-ups)`);
    let baseline = 0;
    for (const [label, p, h] of cases) {
      for (let i = 0; i < 3; i++) await get(p, h);
      const ts: number[] = [];
      for (let i = 0; i < RUNS * 2; i++) ts.push(await get(p, h));
      const m = median(ts);
      if (!baseline) baseline = m;
      console.log(`  ${label.padEnd(44)} median ${ms(m)}  (${(m / baseline).toFixed(1)}x baseline)`);
    }
  } finally {
    server.kill("SIGTERM");
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  },
);
