#!/usr/bin/env node
// Boot lab: one command to a QEMU guest through its QMP socket (-qmp unix:PATH,server=on,wait=off).
//
//   node scripts/lab/qmp.mjs SOCKET system_powerdown     the ACPI power button (a clean shutdown)
//   node scripts/lab/qmp.mjs SOCKET query-status         prints the run state
//
// Exit 0 when QEMU answered "return", 1 with QEMU's error or when it did not answer in 10 s.
import net from "node:net";

const [socket, command] = process.argv.slice(2);
if (!socket || !command || !/^[a-z][a-z0-9_-]*$/.test(command)) {
  process.stderr.write("usage: qmp.mjs SOCKET COMMAND\n");
  process.exit(2);
}
const timer = setTimeout(() => {
  process.stderr.write(`qmp: no answer from ${socket} in 10 s\n`);
  process.exit(1);
}, 10_000);
const conn = net.createConnection(socket);
let buf = "";
let step = 0; // 0: greeting, 1: capabilities negotiated, 2: command answered
conn.on("error", (e) => {
  process.stderr.write(`qmp: ${socket}: ${e.message}\n`);
  process.exit(1);
});
conn.on("data", (d) => {
  buf += d;
  let nl;
  while ((nl = buf.indexOf("\n")) >= 0) {
    const line = buf.slice(0, nl).trim();
    buf = buf.slice(nl + 1);
    if (!line) continue;
    const msg = JSON.parse(line);
    if (msg.event) continue; // asynchronous events (POWERDOWN, SHUTDOWN) are not answers
    if (msg.error) {
      process.stderr.write(`qmp: ${command}: ${msg.error.class}: ${msg.error.desc}\n`);
      process.exit(1);
    }
    if (step === 0 && msg.QMP) conn.write(JSON.stringify({ execute: "qmp_capabilities" }) + "\n");
    else if (step === 1) conn.write(JSON.stringify({ execute: command }) + "\n");
    else if (step === 2) {
      if (msg.return && typeof msg.return === "object" && "status" in msg.return) process.stdout.write(`${msg.return.status}\n`);
      clearTimeout(timer);
      conn.end();
      return;
    }
    step++;
  }
});
