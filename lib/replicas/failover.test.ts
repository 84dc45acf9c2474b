import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { hostReportToken } from "@/lib/auth/host-token";
import { admin, operator } from "@/lib/testing/actors";
import { hostIn, seedPublishable } from "@/lib/testing/fleet-fixtures";
import { createApiToken } from "@/lib/data/api-tokens";
import { enrollHosts } from "@/lib/data/host-bulk";

// Two console replicas (the production server, bin/afsboot-server.mjs) on one PostgreSQL
// database, and one of them killed with SIGKILL in the middle of a boot storm: what a site with a
// load balancer in front of its replicas lives through. Runs on the throwaway cluster of
// scripts/test-postgres.sh, after `next build` (the test command builds first).

const PG = process.env.AFSBOOT_TEST_PG_URL;
const root = path.resolve(import.meta.dirname, "../..");
const HOSTS = 2000;
const STAGES = ["initrd", "network", "afs", "root", "switch", "up"] as const;
const SECRET = crypto.randomBytes(32).toString("hex");

// made when the tests run (a skipped describe never runs a file's afterAll: no directory then)
let tmp = "";
const children: ChildProcess[] = [];

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });

interface Replica {
  name: string;
  port: number;
  child: ChildProcess;
  log: string[];
}

/** A console replica on the test's database, its own data and export directories, the shared secret. */
async function startReplica(name: string): Promise<Replica> {
  const port = await freePort();
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const log: string[] = [];
  const child = spawn(process.execPath, [path.join(root, "bin/afsboot-server.mjs"), "-H", "127.0.0.1", "-p", String(port)], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: process.env.DATABASE_URL,
      AFSBOOT_SECRET: SECRET,
      AFSBOOT_DATA_DIR: dir,
      AFSBOOT_EXPORT_DIR: path.join(dir, "export"),
      AFSBOOT_IMAGES_ROOTS: tmp,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  child.stdout!.on("data", (b: Buffer) => log.push(b.toString()));
  child.stderr!.on("data", (b: Buffer) => log.push(b.toString()));
  // ready when /api/health answers 200 (the build must exist: the test command builds before)
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`replica ${name} exited ${child.exitCode}: ${log.join("").slice(-2000)}`);
    const status = await request(port, "GET", "/api/health").then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    if (i > 600) throw new Error(`replica ${name} did not become healthy: ${log.join("").slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name, port, child, log };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(port: number, method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, method, path: url, agent, headers: { ...(body ? { "content-type": "application/json" } : {}), ...headers } },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

interface Report {
  mac: string;
  bootId: string;
  stage: string;
  token: string;
}

const reportBody = (r: Report) => JSON.stringify({ mac: r.mac, bootId: r.bootId, stage: r.stage, message: `stage ${r.stage}` });
const sendReport = (port: number, r: Report) => request(port, "POST", "/api/v1/boot-events", reportBody(r), { authorization: `Bearer ${r.token}` });

describe.skipIf(!PG)("two console replicas on one PostgreSQL database", { timeout: 600_000 }, () => {
  let a: Replica;
  let b: Replica;
  const hosts: { id: string; name: string; mac: string; token: string }[] = [];

  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-replicas-"));
    if (!fs.existsSync(path.join(root, ".next/BUILD_ID"))) throw new Error("no production build: run `npx next build` first (make test does)");
    process.env.AFSBOOT_SECRET = SECRET; // the tokens this process derives are the replicas'
    await seedPublishable(tmp); // rh-7.3's kernel and base initrd in <tmp>/images
    // 2,000 hosts in a /21
    await db.network.update({ where: { name: "lab" }, data: { subnet: "10.0.0.0/21" } });
    // 10.0.0.21 … 10.0.7.228 (in a /21, .0 and .255 inside it are host addresses too)
    const inputs = Array.from({ length: HOSTS }, (_, i) => hostIn(i + 1, { ip: `10.0.${Math.floor((i + 21) / 256)}.${(i + 21) % 256}` }));
    await enrollHosts(operator, inputs);
    for (const h of await db.host.findMany({ select: { id: true, name: true, mac: true, tokenGeneration: true }, orderBy: { name: "asc" } })) {
      hosts.push({ id: h.id, name: h.name, mac: h.mac, token: hostReportToken(Buffer.from(SECRET, "utf8"), h.id, h.tokenGeneration) });
    }
    [a, b] = await Promise.all([startReplica("a"), startReplica("b")]);
  });

  it("a boot storm of 2,000 hosts over both, one killed with SIGKILL half-way: every report answered 2xx is stored once, every host's last boot is up", async () => {
    const reports: Report[] = [];
    const boots = new Map(hosts.map((h) => [h.mac, crypto.randomUUID()]));
    // stage by stage across the fleet (a storm: every host at initrd, then network, …)
    for (const stage of STAGES) for (const h of hosts) reports.push({ mac: h.mac, bootId: boots.get(h.mac)!, stage, token: h.token });
    const acked: Report[] = [];
    let next = 0;
    let killedAt = -1;
    let retried = 0;
    const alive = () => [a, b].filter((r) => r.child.exitCode === null && r.child.signalCode === null);
    const worker = async () => {
      while (next < reports.length) {
        const i = next++;
        if (i === Math.floor(reports.length / 2) && killedAt < 0) {
          killedAt = i;
          a.child.kill("SIGKILL");
        }
        // round robin over the replicas; a refused or broken connection is retried on the other,
        // as a load balancer would (only requests never answered are retried)
        let target = i % 2 === 0 ? a : b;
        for (let attempt = 0; ; attempt++) {
          try {
            const r = await sendReport(target.port, reports[i]!);
            expect(r.status, r.body).toBeLessThan(300);
            acked.push(reports[i]!);
            break;
          } catch (e) {
            if (attempt > 5) throw e;
            retried++;
            target = alive().find((x) => x !== target) ?? b;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    expect(killedAt).toBeGreaterThan(0);
    expect(a.child.signalCode ?? (await new Promise((r) => a.child.once("exit", (_c, s) => r(s))))).toBe("SIGKILL");
    expect(acked).toHaveLength(reports.length);
    // exactly once: one event per (boot, stage), none more
    const events = await db.bootEvent.count({ where: { boot: { bootId: { in: [...boots.values()] } } } });
    expect(events).toBe(reports.length);
    const rows = await db.host.findMany({ select: { mac: true, lastBoot: { select: { bootId: true, state: true, currentStage: true } } } });
    for (const h of rows) expect(h.lastBoot, h.mac).toMatchObject({ bootId: boots.get(h.mac), state: "up", currentStage: "up" });
    console.log(`replica failover: ${reports.length} reports, replica a killed after ${killedAt}, ${retried} retried on b`);
  });

  it("a publish started on the survivor succeeds", async () => {
    const { token } = await createApiToken(admin, { name: `replica-test-${crypto.randomUUID().slice(0, 8)}`, role: "operator" });
    const r = await request(b.port, "POST", "/api/v1/publications", "{}", { authorization: `Bearer ${token}` });
    expect(r.status, r.body).toBe(201);
    expect(JSON.parse(r.body)).toMatchObject({ status: "succeeded" });
  });

  it("a change made on one replica is seen by the other at its next look at the change counter: enrolment after a miss, a token rotation", async () => {
    const c = await startReplica("c");
    const { token } = await createApiToken(admin, { name: `replica-test-${crypto.randomUUID().slice(0, 8)}`, role: "operator" });
    const auth = { authorization: `Bearer ${token}` };
    const mac = "52:54:00:aa:bb:01";
    const bootId = crypto.randomUUID();
    // b meets the MAC before it is enrolled: a discovery candidate, remembered as unknown for 10 s
    expect((await request(b.port, "POST", "/api/v1/boot-events", JSON.stringify({ mac, bootId, stage: "initrd" }))).status).toBeLessThan(300);
    const created = await request(c.port, "POST", "/api/v1/hosts", JSON.stringify({ ...hostIn(3001, { mac, ip: "10.0.7.250" }), release: "rh-7.3" }), auth);
    expect(created.status, created.body).toBe(201);
    const shown = JSON.parse((await request(c.port, "GET", "/api/v1/hosts/node3001/token", undefined, auth)).body) as { token: string };
    // reported to b until b accepts it: within a few seconds (its counter is read once a second),
    // long before its memory of the unknown MAC (10 s) would have run out
    const t0 = Date.now();
    let accepted = 0;
    for (;;) {
      const r = await sendReport(b.port, { mac, bootId, stage: "network", token: shown.token });
      if (r.status < 300) {
        accepted = Date.now() - t0;
        break;
      }
      expect(r.status, r.body).toBe(401);
      expect(Date.now() - t0).toBeLessThan(8000);
      await new Promise((res) => setTimeout(res, 100));
    }
    // a token rotated on c stops working on b as soon as b reads the counter (its cache would keep it 30 s)
    await sendReport(b.port, { mac, bootId, stage: "afs", token: shown.token }); // b has the host cached now
    const rotated = await request(c.port, "POST", "/api/v1/hosts/node3001/token", "{}", auth);
    expect(rotated.status, rotated.body).toBeLessThan(300);
    const t1 = Date.now();
    let refused = 0;
    for (;;) {
      const r = await sendReport(b.port, { mac, bootId: crypto.randomUUID(), stage: "initrd", token: shown.token });
      if (r.status === 401) {
        refused = Date.now() - t1;
        break;
      }
      expect(Date.now() - t1).toBeLessThan(20_000);
      await new Promise((res) => setTimeout(res, 100));
    }
    console.log(`replica change seen: enrolment after a miss accepted on the other replica after ${accepted} ms, a rotated token refused after ${refused} ms`);
    c.child.kill("SIGTERM");
  });

  it.skipIf(!process.env.AFSBOOT_TEST_PG_CTL)(
    "PostgreSQL restarted under the survivor: reports and API calls get 503 during the outage, succeed afterwards without a console restart; no acknowledged report is lost",
    async () => {
      const ctl = process.env.AFSBOOT_TEST_PG_CTL!;
      const { token } = await createApiToken(admin, { name: `replica-test-${crypto.randomUUID().slice(0, 8)}`, role: "viewer" });
      const auth = { authorization: `Bearer ${token}` };
      const sample = hosts.slice(0, 200);
      const boots = new Map(sample.map((h) => [h.mac, crypto.randomUUID()]));
      const queue: Report[] = STAGES.flatMap((stage) => sample.map((h) => ({ mac: h.mac, bootId: boots.get(h.mac)!, stage, token: h.token })));
      const acked: Report[] = [];
      const refused: Report[] = [];
      // before: stored
      for (const r of queue.splice(0, 100)) {
        expect((await sendReport(b.port, r)).status).toBeLessThan(300);
        acked.push(r);
      }
      const { execFileSync } = await import("node:child_process");
      execFileSync(ctl, ["stop"], { stdio: "ignore" });
      try {
        // during: 503, for reports, the API and the health check alike
        for (const r of queue.splice(0, 20)) {
          const res = await sendReport(b.port, r);
          expect(res.status, res.body).toBe(503);
          refused.push(r);
        }
        const api = await request(b.port, "GET", "/api/v1/hosts?page=1", undefined, auth);
        expect(api.status, api.body).toBe(503);
        expect(api.body).toContain('"unavailable"');
        expect((await request(b.port, "GET", "/api/health")).status).toBe(503);
      } finally {
        execFileSync(ctl, ["start"], { stdio: "ignore" });
      }
      // after: the refused ones sent again, then the rest; a connection the pool still held from
      // before the restart may fail once more (503): sent again until the database answers
      const t0 = Date.now();
      for (const r of [...refused, ...queue]) {
        for (;;) {
          const res = await sendReport(b.port, r);
          if (res.status < 300) break;
          expect(res.status, res.body).toBe(503);
          expect(Date.now() - t0, "the console did not recover from the database restart").toBeLessThan(60_000);
          await new Promise((res2) => setTimeout(res2, 200));
        }
        acked.push(r);
      }
      expect((await request(b.port, "GET", "/api/v1/hosts?page=1", undefined, auth)).status).toBe(200);
      const events = await db.bootEvent.count({ where: { boot: { bootId: { in: [...boots.values()] } } } });
      expect(events).toBe(acked.length);
      expect(acked.length).toBe(STAGES.length * sample.length);
    },
  );
});
