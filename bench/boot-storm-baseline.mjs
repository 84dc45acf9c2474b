// Baselines for bench/boot-storm.ts: the bare minimum a boot report costs on the same machine.
//   node bench/boot-storm-baseline.mjs DBFILE PORT [--one-insert]
// A plain node:http server on 127.0.0.1 and better-sqlite3 on a copy of the benchmark's database
// (same schema, same hosts, WAL, the driver's defaults like the console's adapter: synchronous
// NORMAL, foreign keys on, 10 s busy timeout). Per report: parse the form, find the host by MAC
// (a Map loaded once; no token check), then
//   default:       upsert the Boot row, insert the BootEvent row (two statements);
//   --one-insert:  the bare limit: ONE prepared insert of the report into "BareReport" (BootEvent's
//                  columns with hostId + bootId instead of the boot row, unique per host, boot and
//                  stage: a retried report is not stored twice), created here if missing;
// each statement in its own implicit transaction, no batching. It answers like the console: 202
// {"accepted":true,"duplicate":false}, or 200 with duplicate true when bootId+stage was stored.
// It does not keep Host.lastBootId, audit, rate limits or summaries from all events.
import crypto from "node:crypto";
import http from "node:http";
import Database from "better-sqlite3";

const [file, portArg, mode] = process.argv.slice(2);
const ONE_INSERT = mode === "--one-insert";
if (!file || !portArg || (mode && !ONE_INSERT)) {
  console.error("usage: node bench/boot-storm-baseline.mjs DBFILE PORT [--one-insert]");
  process.exit(2);
}
const db = new Database(file, { timeout: 10_000 });
const hosts = new Map(
  db
    .prepare(`SELECT "mac", "id" FROM "Host"`)
    .all()
    .map((r) => [r.mac, r.id]),
);
const STAGES = new Set(["pxe", "dhcp", "initrd", "network", "afs", "root", "switch", "up", "shutdown", "failed"]);
const BOOT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{7,63}$/;
const iso = (d) => d.toISOString().replace(/Z$/, "+00:00");
const newId = (p) => `${p}${crypto.randomBytes(12).toString("hex")}`;

const upsertBoot =
  db.prepare(`INSERT INTO "Boot" ("id", "hostId", "bootId", "state", "currentStage", "message", "startedAt", "lastEventAt", "finishedAt", "initrdSha256", "releaseVersion", "clientIp")
  VALUES (@id, @hostId, @bootId, @state, @stage, @message, @at, @at, @finishedAt, @initrdSha256, @releaseVersion, @ip)
  ON CONFLICT ("hostId", "bootId") DO UPDATE SET
    "state" = CASE WHEN "Boot"."state" = 'booting' THEN excluded."state" ELSE "Boot"."state" END,
    "currentStage" = excluded."currentStage", "message" = excluded."message", "lastEventAt" = excluded."lastEventAt",
    "finishedAt" = COALESCE("Boot"."finishedAt", excluded."finishedAt"),
    "initrdSha256" = COALESCE(excluded."initrdSha256", "Boot"."initrdSha256"),
    "releaseVersion" = COALESCE(excluded."releaseVersion", "Boot"."releaseVersion"),
    "clientIp" = COALESCE(excluded."clientIp", "Boot"."clientIp")
  RETURNING "id"`);
const insertEvent = db.prepare(`INSERT INTO "BootEvent" ("id", "bootRowId", "stage", "at", "clientAt", "message", "initrdSha256", "releaseVersion", "ip")
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT ("bootRowId", "stage") DO NOTHING`);

if (ONE_INSERT) {
  db.exec(`CREATE TABLE IF NOT EXISTS "BareReport" ("id" TEXT NOT NULL PRIMARY KEY, "hostId" TEXT NOT NULL, "bootId" TEXT NOT NULL, "stage" TEXT NOT NULL,
    "at" DATETIME NOT NULL, "clientAt" TEXT, "message" TEXT, "initrdSha256" TEXT, "releaseVersion" TEXT, "ip" TEXT);
    CREATE UNIQUE INDEX IF NOT EXISTS "BareReport_hostId_bootId_stage_key" ON "BareReport" ("hostId", "bootId", "stage")`);
}
const insertReport = ONE_INSERT
  ? db.prepare(`INSERT INTO "BareReport" ("id", "hostId", "bootId", "stage", "at", "clientAt", "message", "initrdSha256", "releaseVersion", "ip")
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT ("hostId", "bootId", "stage") DO NOTHING`)
  : null;

function answer(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function report(text) {
  const form = new URLSearchParams(text);
  const f = (k) => form.get(k) || null;
  const mac = (f("mac") ?? "").toLowerCase();
  const hostId = hosts.get(mac);
  const stage = f("stage");
  const bootId = f("bootId");
  if (!hostId) return [401, { error: { code: "unauthorized", message: `MAC ${mac} is not enrolled` } }];
  if (!STAGES.has(stage) || !bootId || !BOOT_ID.test(bootId)) return [422, { error: { code: "invalid", message: "bad stage or bootId" } }];
  const at = iso(new Date());
  const message = f("message")?.slice(0, 2000) ?? null;
  if (insertReport) {
    const { changes } = insertReport.run(newId("e"), hostId, bootId, stage, at, f("at"), message, f("initrdSha256"), f("releaseVersion"), f("ip"));
    return changes ? [202, { accepted: true, duplicate: false }] : [200, { accepted: true, duplicate: true }];
  }
  const state = stage === "up" ? "up" : stage === "failed" ? "failed" : "booting";
  const { id } = upsertBoot.get({
    id: newId("b"),
    hostId,
    bootId,
    state,
    stage,
    message,
    at,
    finishedAt: state === "booting" ? null : at,
    initrdSha256: f("initrdSha256"),
    releaseVersion: f("releaseVersion"),
    ip: f("ip"),
  });
  const { changes } = insertEvent.run(newId("e"), id, stage, at, f("at"), message, f("initrdSha256"), f("releaseVersion"), f("ip"));
  return changes ? [202, { accepted: true, duplicate: false }] : [200, { accepted: true, duplicate: true }];
}

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/health") return answer(res, 200, { status: "ok" });
  if (req.method !== "POST" || req.url !== "/api/v1/boot-events") return answer(res, 404, { error: { code: "not_found" } });
  const chunks = [];
  let size = 0;
  req.on("data", (c) => {
    size += c.length;
    if (size <= 16 * 1024) chunks.push(c);
  });
  req.on("end", () => {
    if (size > 16 * 1024) return answer(res, 413, { error: { code: "too_large" } });
    try {
      const [status, body] = report(Buffer.concat(chunks).toString("utf8"));
      answer(res, status, body);
    } catch (e) {
      console.error(e);
      answer(res, 503, { error: { code: "unavailable", message: String(e) } });
    }
  });
});
server.keepAliveTimeout = 5_000;
server.listen(Number(portArg), "127.0.0.1", () => console.log(`baseline${ONE_INSERT ? " (one insert)" : ""} listening on 127.0.0.1:${portArg}`));
const stop = () => server.close(() => (db.close(), process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
