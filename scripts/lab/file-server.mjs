#!/usr/bin/env node
// Boot lab: a boot server's HTTP file server that dies on cue, for the ha-primary-dies case.
//
//   node scripts/lab/file-server.mjs --root DIR --listen IP:PORT --die-after REGEX
//
// Serves the files under DIR (GET and HEAD; symbolic links followed, nothing outside DIR) like any
// static server, logging each request. Once it has sent the whole of a file whose path matches
// REGEX, it stops at once: no further connection is accepted and every open one is cut, in the
// same turn of the event loop, so no request that comes after that file is answered. A machine
// that loses power right after a client fetched its kernel, without the race of killing a server
// from outside while the next transfers are already under way.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";

const { values: opt } = parseArgs({ options: { root: { type: "string" }, listen: { type: "string" }, "die-after": { type: "string" } } });
if (!opt.root || !opt.listen || !opt["die-after"]) {
  console.error("usage: file-server.mjs --root DIR --listen IP:PORT --die-after REGEX");
  process.exit(2);
}
const root = fs.realpathSync(opt.root);
const [host, port] = [opt.listen.slice(0, opt.listen.lastIndexOf(":")), Number(opt.listen.slice(opt.listen.lastIndexOf(":") + 1))];
const dieAfter = new RegExp(opt["die-after"]);
const sockets = new Set();

const server = http.createServer((req, res) => {
  const url = decodeURIComponent((req.url ?? "/").split("?")[0]);
  console.log(`${req.socket.remoteAddress} ${req.method} ${url}`);
  let file;
  try {
    file = fs.realpathSync(path.join(root, url));
  } catch {
    file = null;
  }
  if ((req.method !== "GET" && req.method !== "HEAD") || !file || (file !== root && !file.startsWith(`${root}/`)) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-length": fs.statSync(file).size, "content-type": "application/octet-stream" });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const stream = fs.createReadStream(file);
  stream.pipe(res);
  res.on("finish", () => {
    if (!dieAfter.test(url)) return;
    console.log(`sent ${url}: going down`);
    server.close();
    for (const s of sockets) s.destroy();
    process.exit(0);
  });
});
server.on("connection", (s) => {
  sockets.add(s);
  s.on("close", () => sockets.delete(s));
});
server.listen(port, host, () => console.log(`serving ${root} on ${host}:${port}, down after ${dieAfter}`));
