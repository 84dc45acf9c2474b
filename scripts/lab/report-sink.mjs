#!/usr/bin/env node
// Boot lab: a stand-in for the console's report endpoint. Accepts POST /api/v1/boot-events
// (form fields, as the overlay's /init sends them with busybox wget, or JSON), appends each
// report as one JSON line to a file and answers 202. It checks nothing: the lab asserts on the
// file afterwards. Lives a bounded time, so a forgotten sink cannot outlive its check.
//
//   node scripts/lab/report-sink.mjs --out FILE [--port N] [--bind ADDR] [--max-seconds N] [--ready-file FILE]
//
// --port 0 (default) takes a free port; --ready-file gets the port once the sink listens.
// Each line: { t, receivedAt, from, path, contentType, bearer, fields }.
import fs from "node:fs";
import http from "node:http";
import { parseArgs } from "node:util";

const PATH = "/api/v1/boot-events";
const MAX_BODY = 64 * 1024;

const { values: opts } = parseArgs({
  options: {
    out: { type: "string" },
    port: { type: "string", default: "0" },
    bind: { type: "string", default: "127.0.0.1" },
    "max-seconds": { type: "string", default: "300" },
    "ready-file": { type: "string" },
  },
});
const port = Number(opts.port);
const maxSeconds = Number(opts["max-seconds"]);
if (!opts.out || !Number.isInteger(port) || port < 0 || port > 65535 || !(maxSeconds > 0)) {
  console.error("usage: report-sink.mjs --out FILE [--port N] [--bind ADDR] [--max-seconds N] [--ready-file FILE]");
  process.exit(2);
}

const log = (msg) => console.error(`report-sink: ${msg}`);

function reply(res, status, body) {
  res.writeHead(status, { "Content-Type": "application/json", Connection: "close" });
  res.end(JSON.stringify(body) + "\n");
}

function parseBody(contentType, text) {
  if (contentType.startsWith("application/json")) {
    const v = JSON.parse(text);
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("JSON body must be an object");
    return v;
  }
  // busybox wget --post-data sends application/x-www-form-urlencoded; take anything else as that too
  return Object.fromEntries(new URLSearchParams(text));
}

const server = http.createServer((req, res) => {
  const path = (req.url ?? "").split("?")[0];
  if (path !== PATH) return reply(res, 404, { error: `not found: only POST ${PATH}` });
  if (req.method !== "POST") return reply(res, 405, { error: "method not allowed: POST only" });
  const chunks = [];
  let size = 0;
  req.on("data", (c) => {
    size += c.length;
    if (size <= MAX_BODY) chunks.push(c);
  });
  req.on("end", () => {
    if (size > MAX_BODY) return reply(res, 413, { error: `body over ${MAX_BODY} bytes` });
    const contentType = String(req.headers["content-type"] ?? "");
    let fields;
    try {
      fields = parseBody(contentType, Buffer.concat(chunks).toString("utf8"));
    } catch (e) {
      return reply(res, 400, { error: `malformed body: ${e.message}` });
    }
    const auth = String(req.headers.authorization ?? "");
    const entry = {
      t: Date.now(),
      receivedAt: new Date().toISOString(),
      from: req.socket.remoteAddress,
      path,
      contentType,
      bearer: auth.startsWith("Bearer ") ? auth.slice(7) : null,
      fields,
    };
    fs.appendFileSync(opts.out, JSON.stringify(entry) + "\n");
    log(`${fields.stage ?? "?"} from mac ${fields.mac ?? "?"}`);
    reply(res, 202, { ok: true, stage: fields.stage ?? null });
  });
  req.on("error", () => res.destroy());
});

function stop(why) {
  log(`exiting: ${why}`);
  server.close();
  process.exit(0);
}

server.listen(port, opts.bind, () => {
  const actual = server.address().port;
  fs.appendFileSync(opts.out, ""); // the file exists from the start, even if nothing reports
  if (opts["ready-file"]) fs.writeFileSync(opts["ready-file"], `${actual}\n`);
  log(`listening on ${opts.bind}:${actual}, up to ${maxSeconds} s, writing ${opts.out}`);
});
server.on("error", (e) => {
  log(`error: ${e.message}`);
  process.exit(1);
});
setTimeout(() => stop(`--max-seconds ${maxSeconds} reached`), maxSeconds * 1000);
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
