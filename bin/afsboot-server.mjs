#!/usr/bin/env node
// The console's production server: Next.js (the pages, the API, /boot/) behind one node:http
// listener that answers POST /api/v1/boot-events itself, with the handler the Next.js build
// compiled (lib/api/boot-report.ts, handed over by instrumentation.ts at startup). A report then
// costs what its work costs, not the 2-3 ms of CPU the Next.js request pipeline adds to every
// request: the difference between keeping up with a boot storm of 10,000 hosts and queueing it.
//
//   node bin/afsboot-server.mjs [-H 127.0.0.1] [-p 3000]     (make start runs this)
//
// Environment as for `next start` (DATABASE_URL, AFSBOOT_*); HOST and PORT are the defaults of
// -H and -p. Needs a production build (`next build`). SIGTERM/SIGINT: stop accepting, let the
// requests in progress finish (at most 10 s), exit.
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const opt = (short, long, dflt) => {
  const i = argv.findIndex((a) => a === short || a === long);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
};
if (argv.includes("-h") || argv.includes("--help")) {
  console.log("usage: afsboot-server [-H host] [-p port]   (defaults: $HOST or 127.0.0.1, $PORT or 3000)");
  process.exit(0);
}
const hostname = opt("-H", "--hostname", process.env.HOST || "127.0.0.1");
const port = Number(opt("-p", "--port", process.env.PORT || "3000"));
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`afsboot-server: bad port ${port}`);
  process.exit(2);
}
process.env.NODE_ENV = "production";
process.env.NEXT_TELEMETRY_DISABLED ??= "1";
// routes read the client's address from the header this server sets (lib/api/client-address.ts)
process.env.AFSBOOT_CONSOLE_SERVER = "1";
const CLIENT_HEADER = "x-afsboot-client";
const CLIENT_PORT_HEADER = "x-afsboot-client-port";

const REPORT_PATH = "/api/v1/boot-events";
const app = next({ dev: false, dir: root, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();
// instrumentation.ts runs when Next.js prepares its server, at the first request (see warm-up):
// it hands over the report door (lib/api/report-door.ts: the handler, body timeout and caps)
const reportDoor = () => globalThis[Symbol.for("afsboot.serveReport")];

/**
 * The client's address: lib/api/client-address.ts addressFromHops (socket peer, or behind
 * AFSBOOT_TRUST_PROXY=N proxies the N-th X-Forwarded-For hop from the right), handed over by
 * instrumentation.ts; until then (the warm-up request) the socket peer.
 */
function clientOf(req) {
  const addressFromHops = globalThis[Symbol.for("afsboot.addressFromHops")];
  const peer = req.socket.remoteAddress ?? null;
  if (typeof addressFromHops !== "function") return (peer ?? "unknown").replace(/^::ffff:/, "");
  return addressFromHops([req.headers["x-forwarded-for"]].flat().filter(Boolean).join(","), peer);
}

const server = http.createServer((req, res) => {
  if (req.method === "POST" && (req.url === REPORT_PATH || req.url?.startsWith(`${REPORT_PATH}?`)) && reportDoor()) {
    reportDoor()(req, res, clientOf(req)).catch((e) => {
      console.error("afsboot-server: report failed", e);
      if (res.headersSent) return void res.end();
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "unavailable", message: "The report could not be stored; send it again" } }));
    });
    return;
  }
  // the routes' view of the client (rate limits): computed here from the socket, never taken from the client
  req.headers[CLIENT_HEADER] = clientOf(req);
  // the source port, for the weaker identity mode (lib/api/identity-door.ts): only when the peer is
  // the client itself (no reverse proxy), never taken from the client
  delete req.headers[CLIENT_PORT_HEADER];
  if (!Number(process.env.AFSBOOT_TRUST_PROXY || 0) && req.socket.remotePort) req.headers[CLIENT_PORT_HEADER] = String(req.socket.remotePort);
  handle(req, res);
});
server.keepAliveTimeout = 65_000; // longer than common proxies' idle timeout
// a request's headers arrive at once or not at all (Node's default waits 60 s); bodies have the
// default 300 s (a large CSV import on a slow link), except reports (lib/api/report-door.ts)
server.headersTimeout = 15_000;
server.listen(port, hostname, () => {
  // warm up: the first request prepares Next.js (instrumentation.ts hands over the report handler)
  const warm = http.get({ host: hostname, port, path: "/api/health", headers: { "x-afsboot-warmup": "1" } }, (res) => {
    res.resume();
    res.on("end", () => {
      if (!reportDoor()) console.warn("afsboot-server: instrumentation.ts gave no report door; reports go through Next.js");
      console.log(`AFSBoot listening on http://${hostname}:${port}`);
    });
  });
  warm.on("error", (e) => console.warn(`afsboot-server: warm-up request failed: ${e.message}`));
});

let stopping = false;
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    if (stopping) process.exit(1);
    stopping = true;
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  });
}
