import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { enrollHosts } from "@/lib/data/host-bulk";
import { reportTokens } from "@/lib/data/snapshot";
import { admin, operator } from "@/lib/testing/actors";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";
import { bodiesArriving, REPORT_LIMITS, serveReport, type DoorLimits } from "./report-door";

// The console server's door for reports (bin/afsboot-server.mjs hands each POST
// /api/v1/boot-events to serveReport), on a real node:http server: a slow body is not held for
// the server's 300 s, and bodies still arriving are capped per source address and in all. The
// source address is a header of this test's server (the console server takes it from the socket).

let limits: DoorLimits = REPORT_LIMITS;
const server = http.createServer((req, res) => void serveReport(req, res, String(req.headers["x-test-from"] ?? "127.0.0.1"), limits));
let port = 0;
let token = "";
beforeAll(async () => {
  await seedInventory();
  await enrollHosts(operator, [hostIn(1)]);
  token = (await reportTokens(admin, "node001"))[0]!.token;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/**
 * Sends a report's headers and `sent` of its body, then waits: `closed` resolves with what the
 * server answered once it closes the connection (Connection: close; the client never half-closes,
 * as busybox wget does not: Node's server drops the answer to a half-closed request).
 */
function partial(from: string, body: string, sent: number) {
  const socket = net.connect(port, "127.0.0.1");
  socket.write(
    `POST /api/v1/boot-events HTTP/1.1\r\nhost: x\r\nconnection: close\r\nx-test-from: ${from}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, sent)}`,
  );
  let text = "";
  socket.on("data", (d) => (text += d));
  const closed = new Promise<{ status: number; text: string }>((resolve) =>
    socket.on("close", () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text })),
  );
  return { socket, closed, rest: () => socket.write(body.slice(sent)) };
}

const waitFor = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
};

describe("the report door of the console server", () => {
  it("answers a report sent whole (202), as the Next.js route does", async () => {
    const body = new URLSearchParams({ mac: hostIn(1).mac, bootId: "door-boot-0001", stage: "initrd", token }).toString();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/boot-events`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-test-from": "10.0.0.11" },
      body,
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: true, duplicate: false });
  });

  it("refuses a body that does not arrive in time (408) and closes the connection", async () => {
    limits = { ...REPORT_LIMITS, bodyMs: 300 };
    const body = new URLSearchParams({ mac: hostIn(1).mac, bootId: "door-boot-0002", stage: "network", token }).toString();
    const r = partial("192.0.2.10", body, 10); // and never the rest
    const { status, text } = await r.closed;
    expect(status).toBe(408);
    expect(text).toContain('"code":"timeout"');
    expect(bodiesArriving()).toBe(0);
  });

  it("caps bodies still arriving per source address and in all: 503 with Retry-After at once, the others unharmed", async () => {
    limits = { bodyMs: 3_600_000, perSource: 3, total: 5 };
    const body = new URLSearchParams({ mac: hostIn(1).mac, bootId: "door-boot-0003", stage: "afs", token }).toString();
    const slow = [0, 1, 2].map(() => partial("192.0.2.20", body, 5));
    await waitFor(() => bodiesArriving("192.0.2.20") === 3);
    const fourth = await partial("192.0.2.20", body, 5).closed;
    expect(fourth.status).toBe(503);
    expect(fourth.text).toMatch(/retry-after: 5/i);
    // another address still gets in, up to the total
    const other = [0, 1].map(() => partial("192.0.2.21", body, 5));
    await waitFor(() => bodiesArriving() === 5);
    expect((await partial("192.0.2.22", body, 5).closed).status).toBe(503);
    // the slow ones finish their bodies and are answered as usual
    for (const s of [...slow, ...other]) s.rest();
    const statuses = await Promise.all([...slow, ...other].map(async (s) => (await s.closed).status));
    expect(statuses.sort()).toEqual([200, 200, 200, 200, 202]); // one boot's afs stage, then four retries of it
    expect(bodiesArriving()).toBe(0);
  });
});
